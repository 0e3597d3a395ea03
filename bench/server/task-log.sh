#!/usr/bin/env bash
# Benchmark (not a test) of task logs in `ferry server`: a deploy command printing 100,000 lines
# against the same command writing to /dev/null, while a client keeps reading `/api`.
#   - each command runs RUNS times, interleaved; the figure is the median task duration
#     (CompletedTime - StartTime, so request and dispatch overhead is left out of both);
#   - during the printing runs, one keep-alive client sends GET /api/projects back to back and
#     records each request's latency (p50, p99, max over all of them).
# Writes a markdown table to bench/out/task-log.md.
#   FERRY_BIN=target/release/ferry bash bench/server/task-log.sh     (LINES=100000 RUNS=3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ferry=${FERRY_BIN:-$root/target/release/ferry}
lines=${LINES:-100000}
runs=${RUNS:-3}
out="$root/bench/out/task-log.md"
mkdir -p "$root/bench/out"
if [ ! -x "$ferry" ]; then
    echo "building the release binary" >&2
    (cd "$root" && cargo build --release -p ferry)
fi
for tool in curl python3; do command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }; done

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The same shell loop, once to the task log and once to /dev/null.
loop="i=0; while [ \$i -lt $lines ]; do echo \"line \$i of the deploy output\"; i=\$((i+1)); done"
cat >"$work/ferry.toml" <<TOML
[[environments]]
name = "Loud"
[[environments]]
name = "Quiet"

[[lifecycles]]
name = "Both"
phases = [ { name = "Both", environments = ["Loud", "Quiet"] } ]

[[projects]]
name = "Flood"
lifecycle = "Both"
packages = []
deploy = { Loud = '$loop', Quiet = '$loop > /dev/null' }
TOML

"$ferry" server -q --config "$work/ferry.toml" --data "$work/data" --listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
url=""
for _ in $(seq 1 200); do
    # (The file may not exist yet: the shell creates it in the background job.)
    url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/server.err" 2>/dev/null | head -n 1 || true)
    [ -n "$url" ] && break
    sleep 0.05
done
[ -n "$url" ] || { cat "$work/server.err" >&2; echo "error: the server did not start" >&2; exit 1; }
curl -sf -o /dev/null -H "Content-Type: application/json" -d '{"ProjectName":"Flood","ReleaseVersion":"1.0.0"}' "$url/api/releases/create/v1"

python3 - "$url" "$runs" "$lines" "$out" "$ferry" "$root" <<'PY'
import datetime, http.client, json, os, platform, statistics, sys, threading, time, urllib.request
url, runs, lines, out, ferry, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
host = url.split("//", 1)[1]

def call(method, path, body=None):
    request = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)

def parse(text):
    return datetime.datetime.fromisoformat(text).timestamp()

def deploy(environment):
    answer = call("POST", "/api/deployments/create/untenanted/v1",
                  {"ProjectName": "Flood", "ReleaseVersion": "1.0.0", "EnvironmentNames": [environment]})
    task_id = answer["DeploymentServerTasks"][0]["ServerTaskId"]
    while True:
        task = call("GET", f"/api/tasks/{task_id}")
        if task["IsCompleted"]:
            break
        time.sleep(0.02)
    if task["State"] != "Success":
        sys.exit(f"error: {task_id} ended {task['State']}: {task['ErrorMessage']}")
    return task_id, parse(task["CompletedTime"]) - parse(task["StartTime"])

latencies = []
def sample(stop):
    connection = http.client.HTTPConnection(host)
    while not stop.is_set():
        start = time.perf_counter()
        connection.request("GET", "/api/projects")
        answer = connection.getresponse()
        answer.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if answer.status != 200:
            sys.exit(f"error: GET /api/projects answered {answer.status}")

quiet, loud, stored = [], [], 0
for _ in range(runs):
    quiet.append(deploy("Quiet")[1])
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(stop,))
    sampler.start()
    task_id, seconds = deploy("Loud")
    stop.set()
    sampler.join()
    loud.append(seconds)
    with urllib.request.urlopen(f"{url}/api/tasks/{task_id}/raw") as answer:
        stored = sum(1 for line in answer.read().decode().splitlines() if line.endswith("of the deploy output"))

latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
q, l = statistics.median(quiet), statistics.median(loud)
load = os.getloadavg()
with open(out, "w") as f:
    f.write("# Task log benchmark\n\n")
    f.write(f"{datetime.date.today()}, {os.cpu_count()} cores, {platform.machine()}, load average at the end "
            f"{load[0]:.1f}, binary: `{os.path.relpath(ferry, root)}`. Median of {runs} interleaved runs.\n\n")
    f.write("| Measure | Result |\n| --- | --- |\n")
    f.write(f"| Deploy command printing {lines:,} lines to /dev/null (task duration) | {q:.2f} s |\n")
    f.write(f"| The same command printing them into the task log | {l:.2f} s ({l / q:.2f}x; {stored:,} lines kept) |\n")
    f.write(f"| GET /api/projects during those runs, back to back ({len(latencies):,} requests) | "
            f"p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1]:.1f} ms |\n")
    f.write(f"\nEvery run: quiet {', '.join(f'{s:.2f}' for s in quiet)} s; loud {', '.join(f'{s:.2f}' for s in loud)} s.\n")
PY
cat "$out"
