#!/usr/bin/env bash
# The engine's model-based tests on the embedded cluster: 1,000 random sequences of deliveries and
# deletions, and 300 that also place applications on virtual member clusters (each of those
# cases runs three clusters; `cargo test` runs 200 and 100).
set -euo pipefail
cd "$(dirname "$0")/../.."
PROPTEST_CASES=1000 PROPTEST_PLACEMENT_CASES=300 cargo test -p vela-engine --test it -- model::
