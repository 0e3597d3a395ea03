#!/usr/bin/env bash
# Benchmark (not a test) of the web dashboard's main page on a big history: PROJECTS projects x
# ENVIRONMENTS environments (one lifecycle, one phase each) and RELEASES releases, each deployed
# to 1 to all environments (seed.py writes them straight into the store). Times GET /app (REQUESTS
# times, after WARMUP requests) and reports the median, p95 and max of the server's own time for
# the page (its `Server-Timing: page;dur=` header: queries and rendering) and of curl's total on
# loopback, and the server's peak RSS over the whole run from /usr/bin/time.
# Writes a markdown table to bench/out/dashboard.md.
#   FERRY_BIN=target/release/ferry bash bench/dashboard/run.sh    (PROJECTS=100 ENVIRONMENTS=10 RELEASES=50000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ferry=${FERRY_BIN:-$root/target/release/ferry}
projects=${PROJECTS:-100}
environments=${ENVIRONMENTS:-10}
releases=${RELEASES:-50000}
requests=${REQUESTS:-30}
warmup=${WARMUP:-3}
out="$root/bench/out/dashboard.md"
mkdir -p "$root/bench/out"
if [ ! -x "$ferry" ]; then
    echo "building the release binary" >&2
    (cd "$root" && cargo build --release -p ferry)
fi
for tool in curl python3 /usr/bin/time; do command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }; done

work=$(mktemp -d)
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        # /usr/bin/time is the parent: signal ferry itself (again if the first signal came too
        # early to be seen), then let time report.
        for _ in $(seq 1 100); do
            kill -0 "$server_pid" 2>/dev/null || break
            kill -TERM "$(pgrep -P "$server_pid")" 2>/dev/null || true
            sleep 0.3
        done
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

{
    for e in $(seq 1 "$environments"); do printf '[[environments]]\nname = "Env%02d"\n' "$e"; done
    for p in $(seq 1 "$projects"); do printf '[[projects]]\nname = "Project %03d"\npackages = []\n' "$p"; done
} >"$work/ferry.toml"

start_server() {
    /usr/bin/time -v "$ferry" server --config "$work/ferry.toml" --data "$work/data" --listen 127.0.0.1:0 \
        >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
    url=""
    for _ in $(seq 1 200); do
        url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/server.err" | head -n 1)
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { cat "$work/server.err" >&2; echo "error: the server did not start" >&2; exit 1; }
    curl -s -o /dev/null "$url/api" || { echo "error: the server does not answer" >&2; exit 1; }
}

# First start creates the schema, environments and projects; then seed the history while stopped.
start_server
stop_server
python3 "$here/seed.py" "$work/data" "$releases"
start_server

for _ in $(seq 1 "$warmup"); do curl -s -o /dev/null "$url/app"; done
bytes=$(curl -s "$url/app" | wc -c)
cells=$(curl -s "$url/app" | grep -o 'class="cell state-' | wc -l)
times=()
server_times=()
for _ in $(seq 1 "$requests"); do
    headers=$(curl -s -o /dev/null -D - -w 'total=%{time_total}\n' "$url/app")
    times+=("$(sed -n 's/^total=//p' <<<"$headers")")
    server_times+=("$(tr -d '\r' <<<"$headers" | sed -n 's/^[Ss]erver-[Tt]iming: page;dur=\([0-9.]*\).*/\1/p')")
done
stop_server
rss_kib=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$work/server.err")

# stats SCALE: median, p95 and max of the numbers on stdin (times SCALE), in ms.
stats() {
    python3 -c '
import sys
scale = float(sys.argv[1])
t = sorted(float(x) * scale for x in sys.stdin if x.strip())
if not t:
    sys.exit("no timings")
p95 = t[min(len(t) - 1, int(round(0.95 * (len(t) - 1))))]
print(f"{t[len(t) // 2]:.1f} {p95:.1f} {t[-1]:.1f}")' "$1"
}
read -r median p95 max <<<"$(printf '%s\n' "${times[@]}" | stats 1000)"
read -r s_median s_p95 s_max <<<"$(printf '%s\n' "${server_times[@]}" | stats 1)"
{
    echo "| dashboard page (\`GET /app\`) | value |"
    echo "| --- | --- |"
    echo "| history | $projects projects x $environments environments, $releases releases |"
    echo "| cells with a deployment | $cells |"
    echo "| page size | $bytes bytes |"
    echo "| server time (Server-Timing), median of $requests | $s_median ms |"
    echo "| server time, p95 / max | $s_p95 ms / $s_max ms |"
    echo "| response time at curl on loopback, median / p95 / max | $median ms / $p95 ms / $max ms |"
    echo "| server peak RSS (whole run) | $((rss_kib / 1024)) MiB |"
} | tee "$out"
