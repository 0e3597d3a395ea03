#!/usr/bin/env bash
# Packaging benchmark (not a test): ferry package create against Info-ZIP zip, tar | pigz and
# the Octopus TypeScript client's ZipPackageBuilder, on one deterministic corpus, in one run.
#
#   bench/packaging/run.sh            # builds ferry --release if needed, writes bench/out/packaging.md
#   RUNS=5 bench/packaging/run.sh     # more repetitions (the median is reported)
#   FERRY=path/to/ferry bench/packaging/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/bench/packaging"
corpus="$root/bench/corpus"
out="$root/bench/out"
work="$out/packaging-work"
runs=${RUNS:-3}
cores=$(nproc)
ferry=${FERRY:-$root/target/release/ferry}

need() { command -v "$1" >/dev/null 2>&1; }
install_tools() {
    local missing=()
    need zip || missing+=(zip)
    need pigz || missing+=(pigz)
    need node || missing+=(nodejs)
    need npm || missing+=(npm)
    [ -x /usr/bin/time ] || missing+=(time)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
        $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
install_tools

# The TypeScript client, pinned in package.json, installed once into bench/packaging/node_modules.
if [ ! -f "$here/node_modules/@octopusdeploy/api-client/package.json" ]; then
    (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
fi

if [ -z "${FERRY:-}" ]; then
    (cd "$root" && cargo build --release -p ferry --quiet)
fi

python3 "$here/make_corpus.py" "$corpus"
files=$(find "$corpus" -type f | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)

rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000

# Each tool: a command that writes $work/<name>.<ext>. Timed with /usr/bin/time (wall, peak RSS).
run_ferry()  { "$ferry" -q package create --id Bench --version 1.0.0 --base-path "$corpus" --out-folder "$work" --overwrite --compression-level 6 >/dev/null; }
run_infozip() { rm -f "$work/infozip.zip"; (cd "$corpus" && zip -r -6 -q "$work/infozip.zip" .); }
run_pigz()   { tar -C "$corpus" -cf - . | pigz -p "$cores" -6 > "$work/pigz.tar.gz"; }
run_ts()     { node "$here/ts-pack.js" "$corpus" "$work/ts" >/dev/null; }
output_of() {
    case $1 in
        ferry) echo "$work/Bench.1.0.0.zip" ;;
        infozip) echo "$work/infozip.zip" ;;
        pigz) echo "$work/pigz.tar.gz" ;;
        ts) echo "$work/ts/Bench.1.0.0.zip" ;;
    esac
}
mkdir -p "$work/ts"
export -f run_ferry run_infozip run_pigz run_ts
export ferry corpus work cores here

declare -A wall cpu rss size
for tool in ferry infozip pigz ts; do
    times=()
    cpus=()
    peak=0
    # One warm-up run (page cache, node module cache), then $runs timed runs.
    bash -c "run_$tool"
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" bash -c "run_$tool"
        read -r seconds user system kib < "$work/time.txt"
        times+=("$seconds")
        cpus+=("$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')")
        [ "$kib" -gt "$peak" ] && peak=$kib
    done
    median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    wall[$tool]=$(printf '%s\n' "${times[@]}" | median)
    cpu[$tool]=$(printf '%s\n' "${cpus[@]}" | median)
    rss[$tool]=$peak
    size[$tool]=$(stat -c %s "$(output_of "$tool")")
    echo "$tool: median ${wall[$tool]} s of ${times[*]}, CPU ${cpu[$tool]} s, peak RSS ${rss[$tool]} KiB, ${size[$tool]} bytes" >&2
done

# Check every archive before reporting: unzip -t and Python's zipfile for the zips, gzip -t.
unzip -tq "$(output_of ferry)" >/dev/null
unzip -tq "$(output_of infozip)" >/dev/null
gzip -t "$(output_of pigz)"
for zip in "$(output_of ferry)" "$(output_of infozip)" "$(output_of ts)"; do
    python3 -c 'import sys, zipfile; assert zipfile.ZipFile(sys.argv[1]).testzip() is None' "$zip"
done
# The TS client writes folder entries as 0-byte "deflate" data, which Info-ZIP rejects.
ts_unzip_errors=$( (unzip -tq "$(output_of ts)" 2>&1 || true) | grep -c 'invalid compressed data' || true)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
ferry_version=$("$ferry" --version 2>/dev/null | head -1 || echo ferry)
{
    echo "# Packaging benchmark"
    echo
    echo "$(date -u +%Y-%m-%d) on $cpu, $cores cores, $mem RAM, $(uname -sr); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Corpus: $files files, $(mib "$bytes") MiB (text-like, random binary, already-compressed, large and small files; bench/packaging/make_corpus.py)."
    echo "Median of $runs runs after one warm-up; peak RSS is the largest of the runs. Level 6 everywhere."
    echo
    echo "| tool | wall time (s) | CPU time (s) | peak RSS (MiB) | output (MiB) | ferry time / tool time | ferry size / tool size |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for tool in ferry infozip pigz ts; do
        case $tool in
            ferry) label="\`ferry package create\` (zip) — $ferry_version" ;;
            infozip) label="Info-ZIP \`zip -r -6 -q\`" ;;
            pigz) label="\`tar -c \\| pigz -p $cores -6\` (tar.gz)" ;;
            ts) label="@octopusdeploy/api-client ZipPackageBuilder (Node $(node --version))" ;;
        esac
        echo "| $label | ${wall[$tool]} | ${cpu[$tool]} | $(awk -v k="${rss[$tool]}" 'BEGIN { printf "%.1f", k / 1024 }') | $(mib "${size[$tool]}") | $(ratio "${wall[ferry]}" "${wall[$tool]}") | $(ratio "${size[ferry]}" "${size[$tool]}") |"
    done
    echo
    echo "Every archive passes Python's zipfile.testzip (gzip -t for pigz); Info-ZIP \`unzip -t\` passes ferry's and Info-ZIP's and reports $ts_unzip_errors bad entries in the TypeScript client's (its folder entries are 0-byte deflate data)."
    echo
    echo "Targets: ferry ≤ 1.1× pigz time ($(ratio "${wall[ferry]}" "${wall[pigz]}")×), ≥ 1.8× faster than Info-ZIP ($(ratio "${wall[infozip]}" "${wall[ferry]}")×), ≥ 2.8× faster than the TypeScript client ($(ratio "${wall[ts]}" "${wall[ferry]}")×), output ≤ 1% larger than Info-ZIP's ($(awk -v a="${size[ferry]}" -v b="${size[infozip]}" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }'))."
} > "$out/packaging.md"
cat "$out/packaging.md"
