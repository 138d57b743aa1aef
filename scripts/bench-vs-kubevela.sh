#!/usr/bin/env bash
# Vela-rs's controller and KubeVela's vela-core, side by side: the same N Applications on a fresh
# real kube-apiserver for each, one controller at a time, measured the same way
# (vela-controller/examples/bench.rs). Prints one table with both rows and the ratios, and writes
# target/bench-vs-kubevela.json. A benchmark, not a test: it takes minutes (N = 2,000: about
# half an hour, most of it the 5 minutes of idle CPU per controller and KubeVela's cold start).
#
#   scripts/bench-vs-kubevela.sh N [webservice|workflow|ten-steps]
#
# KubeVela v1.11.0's controller is built from the Go module proxy by tools/kubevela-core/build.sh
# (cached in ~/.cache/vela-rs/kubevela-core/<hash>; the first build takes 15-20 minutes) and runs
# with the arguments of its Helm chart's default values. Vela-rs's is built with
# `cargo build --release`. The clusters are the project's test clusters
# (scripts/test-clusters.sh), in a state directory of this script's own, so that clusters you
# started yourself are left alone.
#
# Environment: BENCH_IDLE_SECS (CPU measured while nothing changes, default 300),
# CARGO_TARGET_DIR, VELA_CACHE_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
N="${1:?usage: scripts/bench-vs-kubevela.sh N [webservice|workflow|ten-steps]}"
VARIANT="${2:-webservice}"
IDLE="${BENCH_IDLE_SECS:-300}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
log() { printf 'bench-vs-kubevela: %s\n' "$*" >&2; }

kubevela="$(bash tools/kubevela-core/build.sh)"
cargo build --release --quiet -p vela-controller --bin vela-controller --example bench
bench="$CARGO_TARGET_DIR/release/examples/bench"

tmp="$(mktemp -d)"
export VELA_TEST_CLUSTERS_DIR="$tmp/clusters"
trap 'scripts/test-clusters.sh down >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
for controller in vela-rs kubevela; do
  eval "$(scripts/test-clusters.sh up 1)"
  log "$controller: $N Applications ($VARIANT)"
  "$bench" --controller "$controller" --kubevela-dir "$kubevela" --apps "$N" --variant "$VARIANT" \
    --idle-secs "$IDLE" --json "$tmp/$controller.json" >/dev/null
  scripts/test-clusters.sh down >/dev/null
done

mkdir -p "$ROOT/target"
python3 - "$tmp" "$ROOT/target/bench-vs-kubevela.json" "$N" "$VARIANT" <<'PY'
import json, os, platform, sys
tmp, out, n, variant = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = {c: json.load(open(os.path.join(tmp, c + ".json"))) for c in ("vela-rs", "kubevela")}
keys = [
    ("all_running_s", "all running (s)"), ("apps_per_s", "apps running / s"),
    ("cpu_s", "CPU until then (s)"),
    ("peak_rss_mib", "peak RSS (MiB)"), ("p50_ms", "reconcile p50 (ms)"),
    ("p99_ms", "reconcile p99 (ms)"), ("reconciles", "reconciles"),
    ("requests_per_app", "API requests / app"), ("writes_per_app", "  of which writes"),
    ("idle_cpu_s", "idle CPU (s)"), ("resync_s", "full resync (s)"),
    ("resync_cpu_s", "resync CPU (s)"),
]
def fmt(v):
    return "-" if v is None else f"{v:,.1f}"
print(f"\n{n} Applications ({variant}), idle CPU over {rows['vela-rs']['idle_s']} s")
print(f"{'':24}{'vela-rs':>12}{'kubevela':>12}{'kubevela / vela-rs':>20}")
ratios = {}
for key, label in keys:
    a, b = rows["vela-rs"].get(key), rows["kubevela"].get(key)
    r = (b / a) if a and b is not None else None
    ratios[key] = r
    print(f"{label:24}{fmt(a):>12}{fmt(b):>12}{('-' if r is None else f'{r:.1f}x'):>20}")
cpu = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" :\t") if os.path.exists("/proc/cpuinfo") else platform.processor()
json.dump({
    "n": n, "variant": variant,
    "machine": {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()},
    "vela_rs": rows["vela-rs"], "kubevela": rows["kubevela"], "kubevela_over_vela_rs": ratios,
}, open(out, "w"), indent=2)
print(f"\nwritten to {out}")
PY
