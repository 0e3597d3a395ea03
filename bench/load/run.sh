#!/usr/bin/env bash
# Load run (a benchmark, not a timed test): `ferry server` on loopback under mixed API reads and
# writes (70% reads, 15% package uploads, 10% build information, 5% release creations that each
# queue a deployment) from a Rust load generator (crates/ferry-testkit/src/bin/ferry-load.rs),
# bounded in time. Reports requests, error rate, p50/p99 latency per kind and the server's
# peak RSS; writes bench/out/load.json.
#
#   bash bench/load/run.sh                         # 60 s, 8 workers, debug build
#   LOAD_SECONDS=20 LOAD_CONCURRENCY=16 PROFILE=release bash bench/load/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${LOAD_SECONDS:-60}
concurrency=${LOAD_CONCURRENCY:-8}
profile=${PROFILE:-debug}
if [ "$profile" = release ]; then
    cargo build --release -p ferry --bin ferry -p ferry-testkit --bin ferry-load >&2
else
    # The same selection as tests/run.sh builds, so inside the test command this is a no-op
    # (a narrower -p selection unifies features differently and rebuilds the dependencies).
    cargo build --workspace --all-targets >&2
fi
mkdir -p bench/out
export FERRY_BIN="$PWD/target/$profile/ferry"
echo "load: $concurrency workers, ${seconds}s, $profile build, loopback only" >&2
"target/$profile/ferry-load" --seconds "$seconds" --concurrency "$concurrency" --json bench/out/load.json
