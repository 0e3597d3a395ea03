#!/usr/bin/env bash
# Interoperability: the official npm client (@octopusdeploy/api-client) against `ferry server`.
# Installs the client into tests/interop/node_modules (once), starts the server on a free loopback
# port with an API key, runs interop.js, and ends with `interop: N passed, N failed`.
#   FERRY_BIN=target/debug/ferry bash tests/interop/run.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ferry=${FERRY_BIN:-$root/target/debug/ferry}
passed=0
failed=0
finish() {
    echo "interop: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
fail() {
    echo "not ok - $*" >&2
    failed=$((failed + 1))
    finish
}

[ -x "$ferry" ] || fail "no ferry binary at $ferry (build it or set FERRY_BIN)"
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are required"

# The client, installed once (idempotent; node_modules is gitignored).
if [ ! -f "$here/node_modules/@octopusdeploy/api-client/package.json" ]; then
    (cd "$here" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1) || fail "npm install @octopusdeploy/api-client"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/ferry.toml" <<'TOML'
[[environments]]
name = "Development"
[[environments]]
name = "Test"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Manual"
phases = [
  { name = "Development", environments = ["Development"] },
  { name = "Test", environments = ["Test"] },
  { name = "Production", environments = ["Production"] },
]

[[projects]]
name = "Interop"
lifecycle = "Manual"
packages = ["Interop", "Interop.Lib"]
deploy = "echo interop deployed $FERRY_RELEASE_VERSION; ls \"$FERRY_PACKAGE_INTEROP\""
TOML

key=API-INTEROPTEST1
FERRY_SERVER_API_KEYS=$key "$ferry" server --config "$work/ferry.toml" --data "$work/data" --listen 127.0.0.1:0 \
    >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
url=""
for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/server.err" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.err" >&2; fail "ferry server did not start"; }

# The server refuses requests without the key (the client always sends it).
status=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/projects")
if [ "$status" = 401 ]; then echo "ok - requests without the API key get 401"; passed=$((passed + 1)); else echo "not ok - no key gave $status"; failed=$((failed + 1)); fi

output=$(cd "$here" && FERRY_URL=$url FERRY_KEY=$key node interop.js 2>&1)
echo "$output"
passed=$((passed + $(grep -c '^ok - ' <<<"$output")))
failed=$((failed + $(grep -c '^not ok - ' <<<"$output")))
grep -q '^# ' <<<"$output" || { echo "not ok - interop.js did not finish"; failed=$((failed + 1)); }

if grep -q "$key" "$work/server.err" "$work/server.out"; then
    echo "not ok - the API key appears in the server log"; failed=$((failed + 1))
else
    echo "ok - the API key never appears in the server log"; passed=$((passed + 1))
fi
finish
