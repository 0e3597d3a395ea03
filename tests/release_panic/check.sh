#!/usr/bin/env bash
# Proves that the release build survives a handler panic (issue 12): builds ferry with the release
# profile plus the `panic-probe` feature (one extra route whose handler panics; no shipped build
# has it), starts `ferry server`, requests that route, and checks that the answer is a 500 JSON
# error and that the same process still answers afterwards. Built with `panic = "abort"`, the
# process dies on the first request and the checks fail.
#
# Not one of the suites tests/run.sh runs (no run.sh here): a fat-LTO release build takes 5 to
# 20 minutes on two cores. The cheap guard that runs everywhere is the ferry-server unit test
# `release_builds_unwind_so_a_handler_panic_cannot_end_the_server`.
#
#   bash tests/release_panic/check.sh                       # builds into $CARGO_TARGET_DIR or target/
#   FERRY_PROBE_BIN=/path/to/ferry bash tests/release_panic/check.sh   # a probe binary built already
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
name=release_panic
passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
    if "${@:2}"; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAILED: $1"; fi
}
finish() { echo "$name: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed" >&2; failed=$((failed + 1)); finish; }
done

bin=${FERRY_PROBE_BIN:-}
if [ -z "$bin" ]; then
    target_dir=${CARGO_TARGET_DIR:-target}
    cargo build --profile release --locked -p ferry --features ferry-server/panic-probe --target-dir "$target_dir" \
        || { echo "error: the release build with the panic probe failed" >&2; failed=$((failed + 1)); finish; }
    bin="$target_dir/release/ferry"
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" server --listen "127.0.0.1:$port" --data "$work/data" >"$work/server.log" 2>&1 &
server=$!
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$base/api" 2>/dev/null && break
    sleep 0.1
done

status=$(curl -sS -o "$work/panic.json" -w '%{http_code}' "$base/api/ferry/panic-probe" 2>"$work/curl.err")
check "the panicking handler is answered with a 500 (got '$status': $(cat "$work/curl.err"))" [ "$status" = 500 ]
check "the answer is Octopus's JSON error shape" \
    python3 -c 'import json, sys; body = json.load(open(sys.argv[1])); assert body["ErrorMessage"], body' "$work/panic.json"
check "the server process is still running" kill -0 "$server"
status=$(curl -sS -o /dev/null -w '%{http_code}' "$base/api" 2>/dev/null)
check "the same process answers the next request (got '$status')" [ "$status" = 200 ]
status=$(curl -sS -o /dev/null -w '%{http_code}' "$base/api/ferry/panic-probe" 2>/dev/null)
check "a second panic is a 500 too (got '$status')" [ "$status" = 500 ]
[ "$failed" -eq 0 ] || { echo "--- server log"; cat "$work/server.log"; }
finish
