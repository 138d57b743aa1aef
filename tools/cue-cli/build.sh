#!/usr/bin/env bash
# Builds the real `cue` command of CUE v0.14.1 (cuelang.org/go/cmd/cue, from the Go module proxy)
# into a cache outside the repo and prints the binary's path. Test tooling only: the `vela cue`
# byte-for-byte tests compare against it (.ci/suites/20-cue-differential.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="v0.14.1"
cache="${VELA_CACHE_DIR:-$HOME/.cache/vela-rs}/cue-cli/$version"
bin="$cache/cue"
if [ ! -x "$bin" ]; then
  go="$(bash "$here/../cue-oracle/ensure-go.sh")"
  mkdir -p "$cache"
  start=$SECONDS
  GOBIN="$cache/.bin" GOFLAGS=-trimpath GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" \
    "$go" install "cuelang.org/go/cmd/cue@$version"
  mv "$cache/.bin/cue" "$bin"
  rmdir "$cache/.bin"
  echo "cue $version: built in $((SECONDS - start))s" >&2
fi
echo "$bin"
