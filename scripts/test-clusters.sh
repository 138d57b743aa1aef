#!/usr/bin/env bash
# Real Kubernetes test clusters on loopback: etcd + kube-apiserver + kube-controller-manager
# (garbage collector, namespace and service-account controllers), built from the Go module proxy
# by tools/testcluster and cached outside the repository.
#
#   scripts/test-clusters.sh build      build (or find in the cache) the testcluster binary
#   scripts/test-clusters.sh bin        the same, and print its path (VELA_TESTCLUSTER_BIN)
#   scripts/test-clusters.sh up [N] [--simulate]
#                                       start N clusters (default 3; the first is the hub), wait
#                                       until they are ready, print the environment to export;
#                                       --simulate also runs the e2e tests' readiness simulator
#                                       over every namespace of them (vela-readiness), so that
#                                       workloads delivered by hand become ready
#   scripts/test-clusters.sh env        print the environment of the running clusters
#   scripts/test-clusters.sh status     show which clusters run
#   scripts/test-clusters.sh down       stop exactly the processes `up` started, remove their data
#
# Typical use:   eval "$(scripts/test-clusters.sh up 3)"; ...; scripts/test-clusters.sh down
# Environment:   VELA_CACHE_DIR (default ~/.cache/vela-rs), VELA_TEST_CLUSTERS_DIR (state, default
#                /tmp/vela-test-clusters-$UID), VELA_TEST_CLUSTERS_TIMEOUT (seconds, default 300).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/tools/testcluster"
CACHE="${VELA_CACHE_DIR:-$HOME/.cache/vela-rs}/testcluster"
STATE="${VELA_TEST_CLUSTERS_DIR:-/tmp/vela-test-clusters-$(id -u)}"
TIMEOUT="${VELA_TEST_CLUSTERS_TIMEOUT:-300}"
# The Kubernetes release tools/testcluster/go.mod pins; stamped into `kubectl version` output.
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$SRC/go.mod")"

log() { printf 'test-clusters: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The cache key covers everything the binary is built from: go.mod, go.sum, the Go sources and
# the Go version.
source_hash() {
  (
    cd "$SRC"
    go version
    for f in go.mod go.sum $(ls ./*.go | sort); do
      printf '%s\n' "$f"
      cat "$f"
    done
  ) | sha256sum | cut -c1-16
}

binary_path() {
  printf '%s/%s/testcluster' "$CACHE" "$(source_hash)"
}

cmd_build() {
  command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || die "go is not installed (needed to build tools/testcluster)"
  local bin
  bin="$(binary_path)"
  if [ -x "$bin" ]; then
    log "using cached $bin"
    printf '%s\n' "$bin"
    return
  fi
  log "building tools/testcluster (Kubernetes $K8S_VERSION; the first build takes several minutes)"
  mkdir -p "$(dirname "$bin")"
  local start=$SECONDS minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  (
    cd "$SRC"
    GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" go build -o "$bin.tmp.$$" \
      -ldflags "-s -w \
        -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
        -X k8s.io/component-base/version.gitMajor=1 \
        -X k8s.io/component-base/version.gitMinor=$minor" .
  ) || { rm -f "$bin.tmp.$$"; die "go build of tools/testcluster failed"; }
  mv "$bin.tmp.$$" "$bin"
  log "built $bin in $((SECONDS - start))s"
  printf '%s\n' "$bin"
}

cluster_name() {
  if [ "$1" -eq 0 ]; then echo hub; else echo "member$1"; fi
}

# Is the PID in $1/pid alive and really the `testcluster run` for that directory?
owned_pid() {
  local dir="$1" pid
  [ -f "$dir/pid" ] || return 1
  pid="$(cat "$dir/pid")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "run --dir $dir " || return 1
  echo "$pid"
}

start_cluster() {
  local bin="$1" dir="$2" name="$3"
  rm -rf "$dir"
  mkdir -p "$dir"
  # setsid: the cluster does not get the terminal's Ctrl-C; `down` stops it.
  setsid "$bin" run --dir "$dir" --name "$name" --timeout "${TIMEOUT}s" \
    >"$dir.log" 2>&1 </dev/null &
}

print_env() {
  [ -f "$STATE/env" ] || die "no clusters are running (state: $STATE)"
  cat "$STATE/env"
}

cmd_up() {
  local n="${1:-3}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "up takes a positive number of clusters, got '$n'"
  local bin
  bin="$(cmd_build)"
  cmd_down
  mkdir -p "$STATE"
  local i dir
  for ((i = 0; i < n; i++)); do
    start_cluster "$bin" "$STATE/$(cluster_name "$i")" "$(cluster_name "$i")"
  done
  log "starting $n clusters in $STATE"
  local start=$SECONDS pending attempts=()
  for ((i = 0; i < n; i++)); do attempts[i]=1; done
  while :; do
    pending=0
    for ((i = 0; i < n; i++)); do
      dir="$STATE/$(cluster_name "$i")"
      [ -f "$dir/ready" ] && continue
      pending=1
      if [ -f "$dir/pid" ] && ! owned_pid "$dir" >/dev/null; then
        # It died before becoming ready (e.g. a port taken between choosing and binding it).
        log "$(cluster_name "$i") exited during start-up (attempt ${attempts[i]}):"
        tail -n 5 "$dir.log" >&2 || true
        if [ "${attempts[i]}" -ge 3 ]; then
          cmd_down
          die "$(cluster_name "$i") did not start; see the log above"
        fi
        attempts[i]=$((attempts[i] + 1))
        start_cluster "$bin" "$dir" "$(cluster_name "$i")"
      fi
    done
    [ "$pending" -eq 0 ] && break
    if [ $((SECONDS - start)) -ge "$TIMEOUT" ]; then
      cmd_down
      die "clusters not ready after ${TIMEOUT}s"
    fi
    sleep 0.5
  done
  local kubeconfigs=""
  for ((i = 0; i < n; i++)); do
    kubeconfigs="${kubeconfigs:+$kubeconfigs:}$STATE/$(cluster_name "$i")/kubeconfig"
  done
  {
    echo "export VELA_TEST_CLUSTERS=$n"
    echo "export VELA_TEST_KUBECONFIGS=$kubeconfigs"
  } >"$STATE/env"
  log "$n clusters ready in $((SECONDS - start))s"
  for ((i = 0; i < n; i++)); do
    log "  $(cluster_name "$i"): $(cat "$STATE/$(cluster_name "$i")/ready")"
  done
  if [ "${2:-}" = "--simulate" ]; then
    start_simulator "$kubeconfigs"
  fi
  print_env
}

# Builds vela-readiness (cargo, the workspace's target dir) and runs it over the clusters'
# kubeconfigs ($1, colon-separated) until `down`.
start_simulator() {
  local target bin
  (cd "$ROOT" && cargo build -q -p vela-test-support --bin vela-readiness) || die "building vela-readiness failed"
  target="${CARGO_TARGET_DIR:-$ROOT/target}"
  bin="$target/debug/vela-readiness"
  # shellcheck disable=SC2086
  setsid "$bin" ${1//:/ } >"$STATE/readiness.log" 2>&1 </dev/null &
  echo $! >"$STATE/readiness.pid"
  log "readiness simulator running (pid $(cat "$STATE/readiness.pid"), log $STATE/readiness.log)"
}

cmd_down() {
  [ -d "$STATE" ] || return 0
  local dir pid pids=()
  if [ -f "$STATE/readiness.pid" ]; then
    pid="$(cat "$STATE/readiness.pid")"
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q vela-readiness; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  fi
  for dir in "$STATE"/*/; do
    dir="${dir%/}"
    [ -d "$dir" ] || continue
    if pid="$(owned_pid "$dir")"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local waited=0
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 60 ]; do
      sleep 0.5
      waited=$((waited + 1))
    done
    # Its components die with it (parent-death signal).
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ "${#pids[@]}" -eq 0 ] || log "stopped ${#pids[@]} clusters"
  rm -rf "$STATE"
}

cmd_status() {
  [ -d "$STATE" ] || { log "no clusters (state: $STATE)"; return 0; }
  local dir
  for dir in "$STATE"/*/; do
    dir="${dir%/}"
    if owned_pid "$dir" >/dev/null; then
      printf '%s\t%s\t%s\n' "$(basename "$dir")" "$(cat "$dir/ready" 2>/dev/null || echo starting)" "$dir/kubeconfig"
    else
      printf '%s\tnot running\n' "$(basename "$dir")"
    fi
  done
}

case "${1:-}" in
  build) cmd_build >/dev/null ;;
  bin) cmd_build ;;
  up)
    if [ "${2:-}" = "--simulate" ]; then cmd_up 3 --simulate; else cmd_up "${2:-3}" "${3:-}"; fi
    ;;
  down) cmd_down ;;
  env) print_env ;;
  status) cmd_status ;;
  *)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
