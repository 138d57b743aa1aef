#!/usr/bin/env bash
# KubeVela's own dry-run (tools/kubevela-oracle: KubeVela v1.11.0 from the Go module proxy,
# cached in ~/.cache/vela-rs/kubevela-oracle/<hash>) re-records every golden of
# conformance/dry-run; any difference from the committed goldens fails. Then the addon dry-run of
# every kubevela/catalog addon against a test cluster (conformance/addon-dry-run), and the Rust
# tests that need the oracle: the YAML 1.1 round trip of `vela dry-run`'s output through go-yaml v2.
set -euo pipefail
cd "$(dirname "$0")/../.."

start=$SECONDS
oracle="$(bash tools/kubevela-oracle/build.sh)"
echo "25-kubevela-dry-run: oracle $oracle ready after $((SECONDS - start))s"
if [ -n "${VELA_CONFORMANCE_DIR:-}" ]; then export VELA_CONFORMANCE_DIR="$(cd "$VELA_CONFORMANCE_DIR" && pwd)"; fi
corpus="${VELA_CONFORMANCE_DIR:-../shared/conformance/kubevela}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$oracle" goldens -d "$corpus"/definitions --examples "$corpus"/examples --out "$tmp" 2>/dev/null
"$oracle" dry-run -d "$corpus"/definitions -f conformance/dry-run/bench/app.yaml > "$tmp/bench.golden.yaml" 2>/dev/null
if ! diff -r -q conformance/dry-run "$tmp" -x README.md -x bench -x bench.golden.yaml >/dev/null \
  || ! diff -q conformance/dry-run/bench/app.golden.yaml "$tmp/bench.golden.yaml" >/dev/null; then
  diff -r conformance/dry-run "$tmp" -x README.md -x bench -x bench.golden.yaml | head -40
  diff conformance/dry-run/bench/app.golden.yaml "$tmp/bench.golden.yaml" | head -20
  echo "FAIL: KubeVela v1.11.0's dry-run differs from the committed goldens"
  exit 1
fi
echo "25-kubevela-dry-run: KubeVela reproduces the committed goldens after $((SECONDS - start))s"

# KubeVela's `vela addon enable <addon> --dry-run` for every kubevela/catalog addon, against a
# test cluster the script starts and stops: re-recorded, it must equal conformance/addon-dry-run;
# then our output is compared with those goldens (the test counts and lists the differences).
catalog="${VELA_CATALOG_DIR:-../shared/conformance/kubevela-catalog}"
if [ ! -d "$catalog/addons" ]; then
  echo "FAIL: the kubevela/catalog corpus is missing ($catalog/addons)"
  exit 1
fi
export VELA_CATALOG_DIR="$(cd "$catalog" && pwd)"
catalog="$VELA_CATALOG_DIR"
bash tools/kubevela-oracle/addon-goldens.sh "$catalog/addons" "$tmp/addon-dry-run" 2>/dev/null
if ! diff -r -q conformance/addon-dry-run "$tmp/addon-dry-run" -x README.md >/dev/null; then
  diff -r conformance/addon-dry-run "$tmp/addon-dry-run" -x README.md | head -40
  echo "FAIL: KubeVela v1.11.0's addon dry-run differs from the committed goldens"
  exit 1
fi
echo "25-kubevela-dry-run: KubeVela reproduces the addon goldens after $((SECONDS - start))s"
cargo test -p vela-cli --test addon_dry_run -- --nocapture

# `vela dry-run`'s YAML read back by go-yaml v2 (YAML 1.1, what kubectl reads with).
VELA_KUBEVELA_ORACLE="$oracle" cargo test -p vela-render --test it -- --include-ignored yaml11::
echo "25-kubevela-dry-run: done after $((SECONDS - start))s"
