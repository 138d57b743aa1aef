#!/usr/bin/env bash
# The engine's model-based test with 1,000 random sequences of deliveries and deletions on the
# embedded cluster (`cargo test` runs 200).
set -euo pipefail
cd "$(dirname "$0")/../.."
PROPTEST_CASES=1000 cargo test -p vela-engine --test it -- model::
