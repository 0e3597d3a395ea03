#!/usr/bin/env bash
# Benchmark (not a test) of `ferry server`:
#   1. push throughput and the server's peak RSS for a 1 GiB package (curl -F to packages/raw);
#   2. 50 concurrent release creations + deployments, until every task has finished.
# Writes a markdown table to bench/out/server.md.
#   FERRY_BIN=target/release/ferry bash bench/server/run.sh     (SIZE_MIB=1024 CONCURRENCY=50)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ferry=${FERRY_BIN:-$root/target/release/ferry}
size_mib=${SIZE_MIB:-1024}
concurrency=${CONCURRENCY:-50}
out="$root/bench/out/server.md"
mkdir -p "$root/bench/out"
if [ ! -x "$ferry" ]; then
    echo "building the release binary" >&2
    (cd "$root" && cargo build --release -p ferry)
fi
for tool in curl python3 /usr/bin/time; do command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }; done

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$(pgrep -P "$server_pid")" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/ferry.toml" <<'TOML'
[[environments]]
name = "Development"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Default"
phases = [
  { name = "Development", environments = ["Development"] },
  { name = "Production", environments = ["Production"] },
]

[[projects]]
name = "Bench"
packages = ["Small"]
TOML

# start_server NAME: runs the server under /usr/bin/time, sets $url and $server_pid.
start_server() {
    local name=$1
    /usr/bin/time -f '%M' -o "$work/$name.rss" "$ferry" server -q --config "$work/ferry.toml" --data "$work/$name-data" \
        --listen 127.0.0.1:0 --workers 4 >"$work/$name.out" 2>"$work/$name.err" &
    server_pid=$!
    url=""
    for _ in $(seq 1 200); do
        url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/$name.err" | head -n 1)
        [ -n "$url" ] && return 0
        sleep 0.05
    done
    cat "$work/$name.err" >&2
    echo "error: the server did not start" >&2
    exit 1
}
stop_server() {
    # $server_pid is /usr/bin/time; the server is its child.
    kill -TERM "$(pgrep -P "$server_pid")"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
now() { python3 -c 'import time; print(time.time())'; }

# --- 1. a 1 GiB package ------------------------------------------------------------------------
echo "creating a ${size_mib} MiB zip" >&2
python3 - "$work/Big.1.0.0.zip" "$size_mib" <<'PY'
import os, sys, zipfile
path, mib = sys.argv[1], int(sys.argv[2])
block = os.urandom(1 << 20)
with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
    with z.open("payload.bin", "w", force_zip64=True) as f:
        for i in range(mib):
            f.write(block[i % 7:] + block[:i % 7])
PY
bytes=$(stat -c %s "$work/Big.1.0.0.zip")
start_server push
start=$(now)
status=$(curl -s -o "$work/push.json" -w '%{http_code}' -H 'Expect:' -F "file=@$work/Big.1.0.0.zip" "$url/api/packages/raw")
end=$(now)
[ "$status" = 201 ] || { cat "$work/push.json" >&2; echo "error: push answered $status" >&2; exit 1; }
stop_server
push_seconds=$(python3 -c "print(f'{$end - $start:.2f}')")
push_mibs=$(python3 -c "print(f'{$bytes / 1048576 / ($end - $start):.0f}')")
push_rss=$(python3 -c "print(f'{int(open(\"$work/push.rss\").read().split()[-1]) / 1024:.0f}')")

# --- 2. concurrent releases and deployments ----------------------------------------------------
start_server load
python3 - "$work/Small.1.0.0.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("app.txt", "small\n")
PY
curl -s -o /dev/null -F "file=@$work/Small.1.0.0.zip" "$url/api/packages/raw"
start=$(now)
seq 1 "$concurrency" | xargs -P "$concurrency" -I{} sh -c '
    curl -s -o /dev/null -H "Content-Type: application/json" -d "{\"ProjectName\":\"Bench\",\"ReleaseVersion\":\"1.0.{}\"}" "$0/api/releases/create/v1"
    curl -s -o /dev/null -H "Content-Type: application/json" -d "{\"ProjectName\":\"Bench\",\"ReleaseVersion\":\"1.0.{}\",\"EnvironmentNames\":[\"Development\"]}" "$0/api/deployments/create/untenanted/v1"
' "$url"
accepted=$(now)
for _ in $(seq 1 600); do
    pending=$(curl -s "$url/api/tasks?states=Queued,Executing&take=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["TotalResults"])')
    [ "$pending" = 0 ] && break
    sleep 0.05
done
done_at=$(now)
releases=$(curl -s "$url/api/releases?take=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["TotalResults"])')
succeeded=$(curl -s "$url/api/tasks?states=Success&take=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["TotalResults"])')
stop_server
load_rss=$(python3 -c "print(f'{int(open(\"$work/load.rss\").read().split()[-1]) / 1024:.0f}')")
accept_seconds=$(python3 -c "print(f'{$accepted - $start:.2f}')")
total_seconds=$(python3 -c "print(f'{$done_at - $start:.2f}')")

{
    echo "# ferry server benchmark"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), binary: \`${ferry#"$root"/}\`."
    echo
    echo "| Measure | Result |"
    echo "| --- | --- |"
    echo "| Push of a ${size_mib} MiB zip (curl -F to \`packages/raw\`) | ${push_seconds} s, ${push_mibs} MiB/s |"
    echo "| Server peak RSS during that push | ${push_rss} MiB |"
    echo "| ${concurrency} concurrent release creations + deployments: all answered | ${accept_seconds} s |"
    echo "| ... and every deployment task finished | ${total_seconds} s (${releases} releases, ${succeeded} tasks Success) |"
    echo "| Server peak RSS during the concurrent run | ${load_rss} MiB |"
} >"$out"
cat "$out"
