#!/usr/bin/env bash
# Client benchmarks (not tests): writes a markdown table to bench/out/client.md.
#
#   bench/client/run.sh            # everything (needs ~3 GiB free disk, node and npm, curl)
#   BENCH_PUSH_MIB=256 bench/client/run.sh   # a smaller push
#
# 1. Cold start: `ferry --version` against `node -e "require('@octopusdeploy/api-client')"`
#    (npm installs the client into bench/client/node_modules once).
# 2. Push of a BENCH_PUSH_MIB (default 1024) MiB package to `ferry server` on loopback:
#    `ferry package push` against `curl -F` of the same file to the same endpoint; wall time,
#    throughput and the client's peak RSS (/usr/bin/time -f %M).
# 3. `ferry ship` (embedded server: package, push, build information, release, deploy, wait)
#    against `ferry package create` alone, on the packaging benchmark's corpus
#    (bench/packaging/make_corpus.py; a generated one when that script is missing).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=${BENCH_WORK:-$root/target/bench-client}
runs=${BENCH_RUNS:-5}
push_mib=${BENCH_PUSH_MIB:-1024}
out=bench/out/client.md
mkdir -p "$work" bench/out

if [ -n "${FERRY_BIN:-}" ]; then
  ferry=$FERRY_BIN   # e.g. a debug build while working on this script
  build="FERRY_BIN=$FERRY_BIN"
else
  echo "building ferry (release)..." >&2
  cargo build --release -p ferry --quiet
  ferry=$root/target/release/ferry
  build="release build"
fi
key=API-BENCHKEY1

now_ns() { date +%s%N; }
# Median of the arguments (numbers).
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- 1. cold start ---------------------------------------------------------------------------
if [ ! -d bench/client/node_modules/@octopusdeploy/api-client ]; then
  echo "installing @octopusdeploy/api-client into bench/client/node_modules..." >&2
  (cd bench/client && npm install --no-audit --no-fund --silent >&2)
fi
cold() { # command... -> median milliseconds over 10 runs (after one warm-up for the page cache)
  "$@" >/dev/null 2>&1
  local times=() i start
  for i in $(seq 10); do
    start=$(now_ns); "$@" >/dev/null 2>&1; times+=($(( ($(now_ns) - start) / 1000 )))
  done
  awk -v us="$(median "${times[@]}")" 'BEGIN {printf "%.1f", us / 1000}'
}
ferry_start=$(cold "$ferry" --version)
node_start=$(cd bench/client && cold node -e "require('@octopusdeploy/api-client')")
start_ratio=$(awk -v a="$node_start" -v b="$ferry_start" 'BEGIN {printf "%.0f", a / b}')
echo "cold start: ferry ${ferry_start} ms, node ${node_start} ms" >&2

# --- 2. push -------------------------------------------------------------------------------------
big=$work/big
if [ ! -f "$big/payload-$push_mib.bin" ]; then
  rm -rf "$big"; mkdir -p "$big"
  echo "writing $push_mib MiB of random data..." >&2
  head -c $((push_mib * 1024 * 1024)) /dev/urandom > "$big/payload-$push_mib.bin"
fi
"$ferry" --ci none -q package create --id Bench --version 1.0.0 --base-path "$big" --out-folder "$work" \
  --compression-level 0 --overwrite >/dev/null
package=$work/Bench.1.0.0.zip
size=$(stat -c %s "$package")
rm -rf "$work/server-data"; mkdir -p "$work/server-data"
printf 'api_keys = ["%s"]\n' "$key" > "$work/server.toml"
"$ferry" --ci none --config "$work/server.toml" --data "$work/server-data" server --listen 127.0.0.1:0 \
  --max-upload-mib $((push_mib * 2 + 64)) 2> "$work/server.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
url=$(grep -o 'listening on [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f3)
[ -n "$url" ] || { cat "$work/server.log" >&2; exit 1; }
timed() { # command... -> "wall-seconds peak-kib cpu-seconds" of the command
  /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >/dev/null 2>"$work/cmd.err" || { cat "$work/cmd.err" >&2; exit 1; }
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$work/time.txt"
}
ferry_secs=(); ferry_rss=(); curl_secs=(); curl_rss=()
for i in $(seq "$runs"); do
  read -r s k _ < <(FERRY_API_KEY=$key timed "$ferry" --ci none -q --server "$url" package push "$package" --if-exists overwrite)
  ferry_secs+=("$s"); ferry_rss+=("$k")
  read -r s k _ < <(timed curl -sS -f -o /dev/null -H "X-Octopus-ApiKey: $key" \
    -F "file=@$package;type=application/octet-stream" "$url/api/Spaces-1/packages/raw?overwriteMode=OverwriteExisting")
  curl_secs+=("$s"); curl_rss+=("$k")
  echo "push run $i: ferry ${ferry_secs[-1]}s, curl ${curl_secs[-1]}s" >&2
done
kill $server_pid 2>/dev/null || true
wait $server_pid 2>/dev/null || true
trap - EXIT
f_s=$(median "${ferry_secs[@]}"); c_s=$(median "${curl_secs[@]}")
f_k=$(median "${ferry_rss[@]}"); c_k=$(median "${curl_rss[@]}")
mib=$(awk -v b="$size" 'BEGIN {printf "%.0f", b / 1048576}')
f_tp=$(awk -v b="$size" -v s="$f_s" 'BEGIN {printf "%.0f", b / 1048576 / s}')
c_tp=$(awk -v b="$size" -v s="$c_s" 'BEGIN {printf "%.0f", b / 1048576 / s}')
push_ratio=$(awk -v f="$f_tp" -v c="$c_tp" 'BEGIN {printf "%.2f", f / c}')

# --- 3. ship against package create -------------------------------------------------------------
if [ -f "$root/bench/packaging/make_corpus.py" ]; then
  # The packaging benchmark's corpus (deterministic; the script skips work when it is current).
  corpus=$work/packaging-corpus
  python3 "$root/bench/packaging/make_corpus.py" "$corpus" >&2
else
  corpus=$work/corpus
  if [ ! -d "$corpus" ]; then
    echo "generating the corpus..." >&2
    mkdir -p "$corpus"
    for d in $(seq 1 40); do
      mkdir -p "$corpus/dir$d/sub"
      for f in $(seq 1 50); do
        # Text that compresses like source code, and some binary that does not.
        awk -v d="$d" -v f="$f" 'BEGIN { for (i = 0; i < 400; i++) printf "line %d %d %d: the quick brown fox jumps over the lazy dog\n", d, f, i }' \
          > "$corpus/dir$d/file$f.txt"
      done
      head -c 1048576 /dev/urandom > "$corpus/dir$d/sub/blob.bin"
    done
  fi
fi
files=$(find "$corpus" -type f | wc -l | tr -d ' ')
corpus_mib=$(du -sm "$corpus" | cut -f1)
pack_secs=(); ship_secs=(); pack_cpu=(); ship_cpu=()
rm -rf "$work/ship-data" "$work/ship-out" "$work/pack-out"
for i in $(seq "$runs"); do
  read -r s _ c < <(timed "$ferry" --ci none -q package create --id Corpus --version "1.0.$i" --base-path "$corpus" \
    --out-folder "$work/pack-out" --overwrite)
  pack_secs+=("$s"); pack_cpu+=("$c")
  read -r s _ c < <(cd "$work" && timed env -u FERRY_SERVER -u OCTOPUS_URL "$ferry" --ci none -q --embedded --data "$work/ship-data" \
    ship --project Corpus --id Corpus --version "1.0.$i" --base-path "$corpus" --out-folder "$work/ship-out" --wait --repo "$root")
  ship_secs+=("$s"); ship_cpu+=("$c")
  echo "ship run $i: package create ${pack_secs[-1]}s, ship ${ship_secs[-1]}s" >&2
done
p_s=$(median "${pack_secs[@]}"); s_s=$(median "${ship_secs[@]}")
ship_ratio=$(awk -v s="$s_s" -v p="$p_s" 'BEGIN {printf "%.2f", s / p}')
p_c=$(median "${pack_cpu[@]}"); s_c=$(median "${ship_cpu[@]}")
ship_cpu_ratio=$(awk -v s="$s_c" -v p="$p_c" 'BEGIN {printf "%.2f", s / p}')
load=$(cut -d' ' -f1 /proc/loadavg)

# --- report ------------------------------------------------------------------------------------
{
  echo "# Client benchmarks"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr), ferry $("$ferry" --version | cut -d' ' -f2) (${build}), medians of $runs runs (cold start: 10), load average ${load} at the end."
  echo
  echo "| Benchmark | Ferry | Reference | Ratio | Target |"
  echo "|---|---|---|---|---|"
  echo "| Cold start: \`ferry --version\` vs \`node -e \"require('@octopusdeploy/api-client')\"\` | ${ferry_start} ms | ${node_start} ms | ${start_ratio}x faster | >= 50x |"
  echo "| Push ${mib} MiB package to \`ferry server\` (loopback) vs \`curl -F\` | ${f_s} s, ${f_tp} MiB/s | ${c_s} s, ${c_tp} MiB/s | ${push_ratio}x curl's throughput | >= 0.8x |"
  echo "| Client peak RSS during that push | $((f_k / 1024)) MiB | curl $((c_k / 1024)) MiB | | < 64 MiB |"
  echo "| \`ferry ship --wait\` (embedded server) vs \`ferry package create\` on $files files, $corpus_mib MiB | ${s_s} s wall, ${s_c} s CPU | ${p_s} s wall, ${p_c} s CPU | ${ship_ratio}x wall, ${ship_cpu_ratio}x CPU | <= 1.3x |"
} > "$out"
cat "$out"
