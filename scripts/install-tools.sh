#!/usr/bin/env bash
# Installs the tools the tests and the book need into a cache outside the repo
# (~/.cache/vela-rs/tools by default), so a second run reuses them.
set -euo pipefail
TOOLS="${VELA_TOOLS_DIR:-$HOME/.cache/vela-rs/tools}"
mkdir -p "$TOOLS"
export PATH="$TOOLS/bin:$PATH"

MDBOOK_VERSION=0.4.52
if ! mdbook --version 2>/dev/null | grep -q "v$MDBOOK_VERSION"; then
  echo "installing mdbook $MDBOOK_VERSION into $TOOLS"
  cargo install --locked --quiet --root "$TOOLS" "mdbook@$MDBOOK_VERSION"
fi
mdbook --version
