#!/usr/bin/env bash
# Measures the hostile-input corpus through the `vela` binary: each CUE program of
# vela-cue/tests/hostile becomes the template of a component definition (`-d`), rendered by
# `vela dry-run`; a few input-file cases (a FIFO, /dev/zero, deep flow YAML, 1,000 components
# with KubeVela's CUE webservice) follow. Prints a Markdown table: case, exit code and first
# error line, wall time and peak RSS (GNU time). The cargo test `hostile::` checks the error
# kinds and the evaluator's counters; this script only measures, for the book.
#
#   scripts/hostile-corpus.sh [path/to/vela]      (default: target/release/vela)
#
# VELA_HOSTILE_TIMEOUT (default 120 s) stops a case that runs longer (exit 124).
set -euo pipefail
vela="${1:-target/release/vela}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }

python3 - "$root" "$work" <<'EOF'
import os, re, sys
root, work = sys.argv[1], sys.argv[2]
app = """apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: hostile}
spec:
  components:
  - {name: c, type: %s}
"""
src_dir = os.path.join(root, "vela-cue/tests/hostile")
for name in sorted(os.listdir(src_dir)):
    if not name.endswith(".cue"):
        continue
    text = open(os.path.join(src_dir, name)).read()
    imports = re.findall(r'^import (?:"[^"]+"|\([^)]*\))', text, re.M)
    body = re.sub(r'^import (?:"[^"]+"|\([^)]*\))\n?', '', text, flags=re.M)
    body = "\n".join("\t" + l for l in body.splitlines() if not l.startswith("//"))
    case = name[:-4]
    os.makedirs(os.path.join(work, case))
    with open(os.path.join(work, case, "def.cue"), "w") as f:
        f.write("\n".join(imports) + "\n\n")
        f.write('"hostile": {\n\ttype: "component"\n\tattributes: workload: definition: {apiVersion: "v1", kind: "ConfigMap"}\n}\n')
        f.write("template: {\n" + body + "\n\toutput: {apiVersion: \"v1\", kind: \"ConfigMap\", metadata: name: context.name}\n\tparameter: {}\n}\n")
    with open(os.path.join(work, case, "app.yaml"), "w") as f:
        f.write(app % "hostile")
# input files
with open(os.path.join(work, "deep-flow.yaml"), "w") as f:
    f.write("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec: " + "[" * 200000)
with open(os.path.join(work, "components-1000.yaml"), "w") as f:
    f.write("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: many}\nspec:\n  components:\n")
    for i in range(1000):
        f.write(f"  - {{name: c{i}, type: webservice, properties: {{image: nginx, port: 80}}}}\n")
EOF
mkfifo "$work/fifo.yaml"

measure() { # name, then the vela arguments
  local name="$1"; shift
  local out="$work/out" tm="$work/time"
  set +e
  /usr/bin/time -f "%e %M" -o "$tm" timeout "${VELA_HOSTILE_TIMEOUT:-120}" "$vela" "$@" >/dev/null 2>"$out"
  local code=$?
  set -e
  local err
  err="$(grep -m1 -v '^\s*$' "$out" | sed 's/^Error: components\[0\] (c): component hostile: //; s|[^ ]*/def\.cue|def.cue|' \
    | cut -c1-110 | sed 's/|/\\|/g' || true)"
  read -r secs kib < <(tail -n 1 "$tm") || true
  printf '| %s | %s | %s | %s s | %s MiB |\n' "$name" "$code" "${err:-(rendered)}" "$secs" "$((kib / 1024))"
}

echo "| case | exit | first line of the error | time | peak RSS |"
echo "|---|---|---|---|---|"
for dir in "$work"/*/; do
  case="$(basename "$dir")"
  measure "$case" dry-run -f "$dir/app.yaml" -d "$dir/def.cue"
done
measure "-f /dev/zero" dry-run -f /dev/zero
measure "-f FIFO" dry-run -f "$work/fifo.yaml"
measure "-f 200 KB of [" dry-run -f "$work/deep-flow.yaml"
measure "1,000 components, CUE webservice" dry-run -f "$work/components-1000.yaml" \
  -d "$root/../shared/conformance/kubevela/definitions/component/webservice.cue"
