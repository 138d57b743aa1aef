#!/usr/bin/env bash
# Builds KubeVela's controller (github.com/oam-dev/kubevela/cmd/core at v1.11.0, the newest the
# Go module proxy serves here) into ~/.cache/vela-rs/kubevela-core/<hash>/ and prints that
# directory. It holds `vela-core`, KubeVela's CRDs (`crds/`) and built-in definitions in their
# Kubernetes form (`definitions/`, the chart's defwithtemplate with the namespace placeholder
# left in) from the same module, and `args`, the controller arguments of KubeVela's Helm chart
# with its default values. go.mod carries the replace directives of KubeVela's own go.mod (a
# dependency's replaces do not apply); go.sum pins every module (checked against the Go checksum
# database).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(cat "$here"/go.mod "$here"/go.sum "$here"/build.sh "$here"/args | sha256sum | cut -c1-16)"
cache="${VELA_CACHE_DIR:-$HOME/.cache/vela-rs}/kubevela-core/$hash"
if [ ! -x "$cache/vela-core" ]; then
  go="$(bash "$here/../cue-oracle/ensure-go.sh")"
  rm -rf "$cache"
  mkdir -p "$cache/build"
  cp "$here"/go.mod "$here"/go.sum "$cache/build/"
  start=$SECONDS
  cd "$cache/build"
  export GOFLAGS="-mod=readonly -buildvcs=false"
  nice -n 10 "$go" build -trimpath -o "$cache/vela-core.tmp" github.com/oam-dev/kubevela/cmd/core
  src="$("$go" list -m -f '{{.Dir}}' github.com/oam-dev/kubevela)"
  mkdir -p "$cache/crds" "$cache/definitions"
  cp "$src"/charts/vela-core/crds/*.yaml "$cache/crds/"
  cp "$src"/charts/vela-core/templates/defwithtemplate/*.yaml "$cache/definitions/"
  chmod -R u+w "$cache/crds" "$cache/definitions"
  grep -v '^#' "$here/args" | sed '/^$/d' > "$cache/args"
  mv "$cache/vela-core.tmp" "$cache/vela-core"
  echo "kubevela-core: built in $((SECONDS - start))s" >&2
fi
echo "$cache"
