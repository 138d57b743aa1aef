#!/usr/bin/env bash
# Records what KubeVela v1.11.0's `vela addon enable <addon> --dry-run` prints for every addon of
# a catalog directory (default arguments), run from that directory with the addon's name as the
# path, against a real test cluster prepared as one where KubeVela v1.11.0 runs (its CRDs, a
# vela-core Deployment stand-in, and every dependency of the catalog's addons standing in as
# enabled: a dry run never installs dependencies, and `enable DIR` refuses missing ones).
#
#   tools/kubevela-oracle/addon-goldens.sh CATALOG_ADDONS_DIR OUT_DIR
#
# OUT_DIR/<addon>.yaml is the exact stdout; an addon KubeVela fails on gets OUT_DIR/<addon>.error
# (its stderr) instead. Starts one test cluster (scripts/test-clusters.sh) in a private state
# directory and stops it on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
catalog="$(cd "$1" && pwd)"
mkdir -p "$2"
out="$(cd "$2" && pwd)"

oracle="$(bash "$here/build.sh")"
crds="$(bash "$root/tools/kubevela-core/build.sh")/crds"
export VELA_TEST_CLUSTERS_DIR="$(mktemp -d)"
trap 'bash "$root/scripts/test-clusters.sh" down >/dev/null 2>&1 || true; rm -rf "$VELA_TEST_CLUSTERS_DIR"' EXIT
eval "$(bash "$root/scripts/test-clusters.sh" up 1)"
export KUBECONFIG="${VELA_TEST_KUBECONFIGS%%,*}"
"$oracle" addon-cluster -crds "$crds" -catalog "$catalog"

cd "$catalog"
for dir in */; do
  addon="${dir%/}"
  [ -f "$addon/metadata.yaml" ] || continue
  rm -f "$out/$addon.yaml" "$out/$addon.error"
  if "$oracle" addon-dry-run -dir "$addon" >"$out/$addon.yaml" 2>"$out/$addon.error"; then
    rm -f "$out/$addon.error"
  else
    rm -f "$out/$addon.yaml"
  fi
done
