#!/usr/bin/env bash
# Reliability suite (issue 7). The short versions of the Rust suites (crates/ferry/tests/
# reliability.rs, security.rs, cli_errors.rs) already run in `cargo test`; this script adds what
# does not belong there and, with FERRY_LONG=1, the long versions:
#
#   default:        a 10 s load smoke (no 5xx, no dead connections under mixed traffic)
#   FERRY_LONG=1:   the Rust suites again with FERRY_LONG=1 (20 fault seeds with 24 MiB pushes,
#                   50 SIGKILL crash runs, 200 concurrent releases), every fuzz target for
#                   FUZZ_SECONDS (default 60 s), and the 60 s load run
#   FERRY_FUZZ=1:   the fuzz targets in the default mode too (FUZZ_SECONDS, default 10 s)
#
# Ends with `reliability: N passed, N failed` (Rust tests count one each; fuzz targets and the
# load run one each).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
passed=0
failed=0
log_dir=target/test-logs
mkdir -p "$log_dir"
long=${FERRY_LONG:-0}

count_cargo() {
    local log=$1 p f
    while read -r p f; do
        passed=$((passed + p)); failed=$((failed + f))
    done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log")
}

if [ "$long" = 1 ]; then
    echo "==> long Rust suites (FERRY_LONG=1)" >&2
    FERRY_LONG=1 cargo test -p ferry --test reliability --test security --test cli_errors -- --nocapture --test-threads 2 \
        2>&1 | tee "$log_dir/reliability-long.log" | grep -E '^(test |FIGURES|test result)' >&2
    status=${PIPESTATUS[0]}
    count_cargo "$log_dir/reliability-long.log"
    [ "$status" = 0 ] || grep -q 'failed; ' "$log_dir/reliability-long.log" || failed=$((failed + 1))
fi

if [ "$long" = 1 ] || [ "${FERRY_FUZZ:-0}" = 1 ]; then
    seconds=${FUZZ_SECONDS:-$([ "$long" = 1 ] && echo 60 || echo 10)}
    echo "==> fuzz targets, ${seconds}s each" >&2
    FUZZ_SECONDS=$seconds bash fuzz/run.sh 2>&1 | tee "$log_dir/fuzz.log" >&2
    line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$log_dir/fuzz.log" | tail -n 1)
    if [ -n "$line" ]; then
        passed=$((passed + $(sed -E 's/fuzz: ([0-9]+) passed.*/\1/' <<<"$line")))
        failed=$((failed + $(sed -E 's/.*passed, ([0-9]+) failed.*/\1/' <<<"$line")))
    else
        failed=$((failed + 1))
    fi
fi

seconds=$([ "$long" = 1 ] && echo 60 || echo 10)
echo "==> load run, ${seconds}s" >&2
if LOAD_SECONDS=$seconds bash bench/load/run.sh 2>&1 | tee "$log_dir/load.log" >&2 && grep -q 'error rate 0.000%' "$log_dir/load.log"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "load run: errors under load (see $log_dir/load.log)" >&2
fi

echo "reliability: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
