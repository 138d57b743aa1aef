#!/usr/bin/env bash
# Builds the KubeVela dry-run oracle into ~/.cache/vela-rs/kubevela-oracle/<hash>/ and prints
# the binary's path. KubeVela 5a44b5f10c59 is not served by the Go module proxy, so its source
# is taken from $VELA_KUBEVELA_SRC (a checkout of github.com/kubevela/kubevela at 5a44b5f10c59),
# default ~/.cache/vela-rs/kubevela-src/5a44b5f10c59. All other modules come from the proxy
# (go.sum is committed; GOSUMDB=off because the proxy's checksum database mirror does not
# know the recent versions, the committed go.sum pins them instead).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${VELA_KUBEVELA_SRC:-$HOME/.cache/vela-rs/kubevela-src/5a44b5f10c59}"
if [ ! -f "$src/go.mod" ] || ! grep -q '^module github.com/oam-dev/kubevela$' "$src/go.mod"; then
  echo "kubevela-oracle: no KubeVela source at $src (set VELA_KUBEVELA_SRC)" >&2
  exit 1
fi
hash="$(cat "$here"/go.mod "$here"/go.sum "$here"/*.go | sha256sum | cut -c1-16)"
cache="${VELA_CACHE_DIR:-$HOME/.cache/vela-rs}/kubevela-oracle/$hash"
bin="$cache/kubevela-oracle"
if [ ! -x "$bin" ]; then
  go="$(bash "$here/../cue-oracle/ensure-go.sh")"
  mkdir -p "$cache/build"
  cp "$here"/go.mod "$here"/go.sum "$here"/*.go "$cache/build/"
  ln -sfn "$src" "$cache/build/kubevela-src"
  start=$SECONDS
  (cd "$cache/build" && GOFLAGS=-mod=mod GOSUMDB=off "$go" build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "kubevela-oracle: built in $((SECONDS - start))s" >&2
fi
echo "$bin"
