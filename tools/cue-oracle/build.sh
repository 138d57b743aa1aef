#!/usr/bin/env bash
# Builds the CUE reference oracle into a cache outside the repo, keyed by the hash of
# go.mod + go.sum + sources, and prints the binary's path. Uses `go` >= 1.23 from PATH or
# fetches one from the Go module proxy (ensure-go.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(cat "$here"/go.mod "$here"/go.sum "$here"/*.go | sha256sum | cut -c1-16)"
cache="${VELA_CACHE_DIR:-$HOME/.cache/vela-rs}/cue-oracle/$hash"
bin="$cache/cue-oracle"
if [ ! -x "$bin" ]; then
  go="$(bash "$here/ensure-go.sh")"
  mkdir -p "$cache"
  start=$SECONDS
  # go.sum is committed; GOFLAGS=-mod=mod lets go fill in anything missing for a newer go.
  (cd "$here" && GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" "$go" build -trimpath -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "cue-oracle: built in $((SECONDS - start))s" >&2
fi
echo "$bin"
