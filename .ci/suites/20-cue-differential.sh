#!/usr/bin/env bash
# Differential test of vela-cue against the CUE v0.14.1 reference oracle (tools/cue-oracle).
# Builds the oracle (cached in ~/.cache/vela-rs/cue-oracle/<hash>), checks that it still
# reproduces a committed golden, then runs the Rust differential property test against it.
set -euo pipefail
cd "$(dirname "$0")/../.."

oracle="$(bash tools/cue-oracle/build.sh)"
echo "oracle: $oracle"

# The oracle's own tests (template extraction equals the definition CRs, text layout, serve classes).
go="$(bash tools/cue-oracle/ensure-go.sh)"
if [ -n "${VELA_CONFORMANCE_DIR:-}" ]; then export VELA_CONFORMANCE_DIR="$(cd "$VELA_CONFORMANCE_DIR" && pwd)"; fi
# KubeVela's data: ../shared beside the checkout, or wherever VELA_CONFORMANCE_DIR points
corpus="${VELA_CONFORMANCE_DIR:-../shared/conformance/kubevela}"
(cd tools/cue-oracle && GOFLAGS=-mod=mod "$go" test ./...)

# The oracle must agree with the committed goldens (guards against a changed Go toolchain/deps).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$oracle" goldens --defs "$corpus"/definitions \
  --examples "$corpus"/examples/def-doc \
  --cases conformance/cue/cases --out "$tmp" 2>/dev/null
if ! diff -r -q conformance/cue "$tmp" -x README.md -x cases >/dev/null; then
  diff -r conformance/cue "$tmp" -x README.md -x cases | head -40
  echo "FAIL: regenerated goldens differ from the committed ones"
  exit 1
fi
echo "oracle reproduces the committed goldens"

# Same for the OpenAPI parameter schemas (conformance/schema, KubeVela's schema ConfigMaps).
"$oracle" schemas --defs "$corpus"/definitions \
  --providers "$corpus"/providers --out "$tmp/schema"
# hand-written cases: conformance/schema/cases/<kind>/<name>.cue with <name>.json beside them
"$oracle" schemas --defs conformance/schema/cases \
  --providers "$corpus"/providers --out "$tmp/schema/cases"
schema_diff() { diff -r conformance/schema "$tmp/schema" -x README.md -x known-differences.json -x '*.cue' "$@"; }
if ! schema_diff -q >/dev/null; then
  schema_diff | head -40
  echo "FAIL: regenerated schema goldens differ from the committed ones"
  exit 1
fi
echo "oracle reproduces the committed schema goldens"

# The standard-library table (every builtin, conformance/cue-stdlib) and Go's Unicode tables
# (vela-cue/src/builtins/unicode_tables.rs) must be what the oracle writes today.
"$oracle" stdlib --cases conformance/cue-stdlib/cases.txt --out "$tmp/stdlib.jsonl"
if ! cmp -s conformance/cue-stdlib/goldens.jsonl "$tmp/stdlib.jsonl"; then
  diff -u conformance/cue-stdlib/goldens.jsonl "$tmp/stdlib.jsonl" | head -40
  echo "FAIL: regenerated stdlib goldens differ from the committed ones"
  exit 1
fi
"$oracle" unicode --out "$tmp/unicode_tables.rs"
cmp -s vela-cue/src/builtins/unicode_tables.rs "$tmp/unicode_tables.rs" || { echo "FAIL: regenerated Unicode tables differ"; exit 1; }
# html.Unescape's named references: Go's own html/entity.go, each entry checked by the oracle
"$oracle" html-entities --src "$("$go" env GOROOT)/src/html/entity.go" --out "$tmp/html_entities.rs"
cmp -s vela-cue/src/builtins/html_entities.rs "$tmp/html_entities.rs" || { echo "FAIL: regenerated HTML entity table differs"; exit 1; }
echo "oracle reproduces the stdlib goldens, the Unicode tables and the HTML entities"

# Smoke test of the serve protocol used by the property test.
answer="$(printf '%s\n' '{"id":1,"program":"a: *1 | int\nb: a + 1"}' | "$oracle" serve)"
[ "$answer" = '{"id":1,"ok":{"a":1,"b":2}}' ] || { echo "FAIL: serve answered $answer"; exit 1; }

# The differential modules of vela-cue's one integration-test binary (tests/it): 4 tests.
VELA_CUE_ORACLE="$oracle" cargo test -p vela-cue --test it -- --include-ignored differential:: differential_semantics:: yaml_marshal::

# `vela cue export|eval` against the real cue v0.14.1 command (built from the Go module proxy,
# cached in ~/.cache/vela-rs/cue-cli/v0.14.1): the same bytes and exit codes.
cue_bin="$(bash tools/cue-cli/build.sh)"
VELA_CUE_BIN="$cue_bin" cargo test -p vela-cli --test cli -- --ignored cue_
