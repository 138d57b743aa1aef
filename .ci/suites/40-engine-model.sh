#!/usr/bin/env bash
# The engine's model-based tests with 1,000 random sequences each of deliveries and deletions on
# the embedded cluster, one of them also placing applications on virtual member clusters
# (`cargo test` runs 200 and 100).
set -euo pipefail
cd "$(dirname "$0")/../.."
PROPTEST_CASES=1000 cargo test -p vela-engine --test it -- model::
