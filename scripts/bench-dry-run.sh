#!/usr/bin/env bash
# Times `vela dry-run` of Vela-rs against KubeVela v1.11.0's `vela dry-run --offline`, as whole
# processes, side by side in one hyperfine run (the numbers of the book's *Performance* chapter).
#
#   scripts/bench-dry-run.sh [VELA_RS_BINARY]
#
# VELA_RS_BINARY defaults to target/release/vela (build it with
# `cargo build --release -p vela-cli`). KubeVela's CLI is built from the Go module proxy
# (github.com/oam-dev/kubevela@v1.11.0, ./references/cmd/cli, with that module's go.mod and its
# replace directives) into ~/.cache/vela-rs/kubevela-cli/v1.11.0/vela; the first build takes
# about 20 minutes. It needs a kubeconfig even offline: one naming an unused loopback port is
# written next to it. Needs Go and hyperfine (`apt-get install hyperfine`).
#
# Environment: VELA_CONFORMANCE_DIR (default ../shared/conformance/kubevela), VELA_CACHE_DIR
# (default ~/.cache/vela-rs), BENCH_RUNS (default 30), BENCH_EXPORT (a Markdown file for
# hyperfine's table).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RS="${1:-${CARGO_TARGET_DIR:-$ROOT/target}/release/vela}"
CORPUS="${VELA_CONFORMANCE_DIR:-$ROOT/../shared/conformance/kubevela}"
CACHE="${VELA_CACHE_DIR:-$HOME/.cache/vela-rs}/kubevela-cli"
KV="$CACHE/v1.11.0/vela"
APP="$ROOT/vela-render/tests/data/bench-app.yaml"
RUNS="${BENCH_RUNS:-30}"

[ -x "$RS" ] || { echo "bench-dry-run: no Vela-rs binary at $RS" >&2; exit 1; }
[ -d "$CORPUS/definitions" ] || { echo "bench-dry-run: no definitions in $CORPUS" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-dry-run: hyperfine is not installed" >&2; exit 1; }

if [ ! -x "$KV" ]; then
  go="$(bash "$ROOT/tools/cue-oracle/ensure-go.sh")"
  src="$CACHE/v1.11.0/src"
  if [ ! -d "$src" ]; then
    mod="$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod "$go" mod download -json github.com/oam-dev/kubevela@v1.11.0 |
      sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
    mkdir -p "$CACHE/v1.11.0"
    cp -r "$mod" "$src"
    chmod -R u+w "$src"
  fi
  start=$SECONDS
  (cd "$src" && GOFLAGS=-mod=mod GOSUMDB=off nice -n 10 "$go" build -o "$KV.tmp" ./references/cmd/cli)
  mv "$KV.tmp" "$KV"
  echo "bench-dry-run: built KubeVela's vela in $((SECONDS - start))s" >&2
fi

export KUBECONFIG="$CACHE/kubeconfig"
cat >"$KUBECONFIG" <<'EOF'
apiVersion: v1
kind: Config
clusters:
- {name: none, cluster: {server: "https://127.0.0.1:1"}}
contexts:
- {name: none, context: {cluster: none, user: none}}
current-context: none
users:
- {name: none, user: {token: unused}}
EOF

DEFS="$CORPUS/definitions"
# Both must render the same application before they are timed.
"$RS" dry-run -f "$APP" -d "$DEFS" >/dev/null
"$KV" dry-run --offline -f "$APP" -d "$DEFS" >/dev/null 2>&1

hyperfine --warmup 3 --runs "$RUNS" -N ${BENCH_EXPORT:+--export-markdown "$BENCH_EXPORT"} \
  -n "KubeVela v1.11.0, -d definitions" "$KV dry-run --offline -f $APP -d $DEFS" \
  -n "Vela-rs, -d definitions" "$RS dry-run -f $APP -d $DEFS" \
  -n "Vela-rs, native built-ins" "$RS dry-run -f $APP"
