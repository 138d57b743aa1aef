#!/usr/bin/env bash
# End-to-end suite: three real Kubernetes control planes (etcd + kube-apiserver + the garbage
# collector / namespace / service-account controllers) on loopback, built from the Go module
# proxy by tools/testcluster (cached in ~/.cache/vela-rs/testcluster), then every end-to-end
# test. The clusters are always stopped, also when a test fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Go's default install location, in case the CI environment's PATH lacks it.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "30-e2e: go is required to build the test clusters" >&2; exit 1; }

start=$SECONDS
scripts/test-clusters.sh build
echo "30-e2e: test-cluster binary ready after $((SECONDS - start))s"

trap 'scripts/test-clusters.sh down' EXIT
# An assignment keeps the exit status of `up` (eval "$(...)" would hide a failure).
clusters_env="$(scripts/test-clusters.sh up 3)"
eval "$clusters_env"
echo "30-e2e: clusters up after $((SECONDS - start))s"

# The end-to-end tests are #[ignore]d in plain `cargo test`; here they run, and a test that
# cannot reach the clusters fails.
cargo test -p vela-e2e -- --include-ignored
# `vela cluster join|list|probe|detach` with the hub and a member, and `vela addon
# enable|disable` on the hub (a dependency; the definition collected by the API server's GC).
cargo test -p vela-cli --test cli -- --include-ignored e2e_cluster
# vela-controller as a real process (a kubeconfig) against the hub: lifecycle, pause, a broken
# application beside good ones, leader election with two replicas, 50 SIGKILL crash trials on the
# hub and 24 across three clusters,
# stored definitions, sharding, hostile applications, and an API server of its own restarted
# under the controller (the testcluster binary), and `vela up` handing an Application to it (the
# vela binary).
cargo build -p vela-cli
VELA_BIN="${CARGO_TARGET_DIR:-target}/debug/vela" VELA_TESTCLUSTER_BIN="$(scripts/test-clusters.sh bin)" \
  cargo test -p vela-controller --test e2e -- --include-ignored
# vela-workflow's kube-rs object backend and ConfigMap run store, against the first cluster.
cargo test -p vela-workflow --features kube --test it -- --include-ignored kube_objects::
echo "30-e2e: done after $((SECONDS - start))s"
