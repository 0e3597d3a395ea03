#!/usr/bin/env bash
# Run every cargo-fuzz target (or the ones named) for a bounded time and report, per target,
# the inputs tried, the corpus size and the crashes found. Works on a stable toolchain
# (RUSTC_BOOTSTRAP=1 unlocks the -Z flags cargo-fuzz needs). Installs cargo-fuzz if missing.
#
#   bash fuzz/run.sh                      # every target, 30 s each
#   FUZZ_SECONDS=300 bash fuzz/run.sh version upload_archive
#   FUZZ_SANITIZER=address bash fuzz/run.sh   # with AddressSanitizer (default: none; our code is safe Rust)
#
# Corpora grow in fuzz/corpus/<target> (seeded from fuzz/seeds/<target>), crashes land in
# fuzz/artifacts/<target>/ and are listed at the end; reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -O <target> fuzz/artifacts/<target>/crash-...
# Ends with the line `fuzz: N passed, N failed` (a target fails when it found a crash).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export RUSTC_BOOTSTRAP=1
seconds=${FUZZ_SECONDS:-30}
sanitizer=${FUZZ_SANITIZER:-none}
log_dir=fuzz/logs
mkdir -p "$log_dir"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked >&2 || { echo "error: cannot install cargo-fuzz" >&2; exit 1; }
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list 2>/dev/null)
fi
[ ${#targets[@]} -gt 0 ] || { echo "error: no fuzz targets" >&2; exit 1; }

echo "==> building ${#targets[@]} fuzz targets (sanitizer: $sanitizer)" >&2
if ! cargo fuzz build -s "$sanitizer" -O 2>&1 | tail -n 3 >&2; then
    echo "error: the fuzz targets do not build" >&2
    exit 1
fi

passed=0
failed=0
total_execs=0
rows=()
for target in "${targets[@]}"; do
    corpus=fuzz/corpus/$target
    artifacts=fuzz/artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    seeds=()
    [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
    before=$(find "$artifacts" -type f -name 'crash-*' | wc -l)
    echo "==> $target for ${seconds}s" >&2
    shm=/tmp; [ -d /dev/shm ] && shm=/dev/shm
    FERRY_FUZZ_TMP=$(mktemp -d "$shm/ferry-fuzz-run.XXXXXX")
    export FERRY_FUZZ_TMP
    cargo fuzz run -s "$sanitizer" -O "$target" "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=20 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" >"$log_dir/$target.log" 2>&1
    status=$?
    rm -rf "$FERRY_FUZZ_TMP"
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log_dir/$target.log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log_dir/$target.log" | tail -n 1)
    after=$(find "$artifacts" -type f -name 'crash-*' | wc -l)
    crashes=$((after - before))
    corpus_size=$(find "$corpus" -type f | wc -l)
    execs=${execs:-0}
    total_execs=$((total_execs + execs))
    if [ "$status" != 0 ] || [ "$crashes" -gt 0 ]; then
        failed=$((failed + 1))
        verdict="CRASH (exit $status; see $log_dir/$target.log)"
        grep -m 3 -E "panicked at|ERROR: libFuzzer|deadly signal" "$log_dir/$target.log" >&2
    else
        passed=$((passed + 1))
        verdict=ok
    fi
    rows+=("$(printf '%-20s %12s %10s %8s %8s  %s' "$target" "$execs" "${rate:-0}" "$corpus_size" "$crashes" "$verdict")")
done

printf '\n%-20s %12s %10s %8s %8s  %s\n' target executions exec/s corpus crashes result
printf '%s\n' "${rows[@]}"
echo "total executions: $total_execs (${seconds}s per target)"
crash_files=$(find fuzz/artifacts -type f -name 'crash-*' 2>/dev/null)
[ -n "$crash_files" ] && printf 'crash inputs:\n%s\n' "$crash_files"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
