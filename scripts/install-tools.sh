#!/usr/bin/env bash
# Installs the tools the tests, the book and the release checks need into a cache outside the
# repo (~/.cache/vela-rs/tools by default), so a second run reuses them. Each tool is pinned and
# built from crates.io with `cargo install --locked`; one already at the pinned version is kept.
set -euo pipefail
TOOLS="${VELA_TOOLS_DIR:-$HOME/.cache/vela-rs/tools}"
mkdir -p "$TOOLS"
export PATH="$TOOLS/bin:$PATH"
# The tools build in their own target directory, so they neither evict nor wait for the
# project's build cache (CI sets CARGO_TARGET_DIR for the project).
INSTALL_TARGET="${VELA_INSTALL_TARGET_DIR:-$HOME/.cache/vela-rs/install-target}"

# install NAME VERSION VERSION_COMMAND...: installs NAME@VERSION unless VERSION_COMMAND prints
# a line ending in exactly that version ("mdbook v0.4.52", "cargo-deny 0.20.2").
install() {
  local name=$1 version=$2
  shift 2
  if "$@" 2>/dev/null | grep -qE "(^|[ v])${version//./\\.}\$"; then
    return
  fi
  echo "installing $name $version into $TOOLS"
  local start=$SECONDS
  CARGO_TARGET_DIR="$INSTALL_TARGET" cargo install --locked --quiet --root "$TOOLS" "$name@$version"
  echo "installed $name $version in $((SECONDS - start))s"
}

install mdbook 0.4.52 mdbook --version
install cargo-hack 0.6.46 cargo hack --version
install cargo-deny 0.20.2 cargo deny --version

mdbook --version
cargo hack --version
cargo deny --version
