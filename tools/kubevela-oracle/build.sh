#!/usr/bin/env bash
# Builds the KubeVela dry-run oracle into ~/.cache/vela-rs/kubevela-oracle/<hash>/ and prints
# the binary's path. Every module, KubeVela (github.com/oam-dev/kubevela v1.9.13, the newest
# version the Go module proxy serves) included, comes from the Go module proxy, pinned by the
# committed go.sum (GOSUMDB=off because the proxy's checksum database mirror does not know all
# of the versions; the committed go.sum pins them instead).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(cat "$here"/go.mod "$here"/go.sum "$here"/*.go | sha256sum | cut -c1-16)"
cache="${VELA_CACHE_DIR:-$HOME/.cache/vela-rs}/kubevela-oracle/$hash"
bin="$cache/kubevela-oracle"
if [ ! -x "$bin" ]; then
  go="$(bash "$here/../cue-oracle/ensure-go.sh")"
  mkdir -p "$cache/build"
  cp "$here"/go.mod "$here"/go.sum "$here"/*.go "$cache/build/"
  start=$SECONDS
  (cd "$cache/build" && GOFLAGS=-mod=mod GOSUMDB=off nice -n 10 "$go" build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "kubevela-oracle: built in $((SECONDS - start))s" >&2
fi
echo "$bin"
