#!/usr/bin/env bash
# Time collecting build information over a 10,000-commit history.
#
# Builds a repository with 10,000 commits (git fast-import, a few seconds), tags the first
# commit, and times `ferry build-info create --max-commits 10000` (the whole range since the tag)
# and the default `--max-commits 200`, against the peer `git log` with the same format string,
# which is the floor Ferry's own work sits on. Prints a markdown table.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
commits="${COMMITS:-10000}"
runs="${RUNS:-5}"

cargo build --quiet --release -p ferry --manifest-path "$root/Cargo.toml"
ferry="$root/target/release/ferry"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
git init --quiet --initial-branch=main "$repo"
{
  for ((i = 1; i <= commits; i++)); do
    msg="feat(core): change number $i for ABC-$((i % 500 + 1)), fixes #$i"
    printf 'commit refs/heads/main\ncommitter Bench <b@example.test> %d +0000\ndata %d\n%s\n' \
      "$((1700000000 + i))" "${#msg}" "$msg"
    printf '\n'
  done
} | git -C "$repo" fast-import --quiet
git -C "$repo" checkout --quiet main
git -C "$repo" tag v1.0.0 "$(git -C "$repo" rev-list --max-parents=0 HEAD)"

# Median wall time (ms) and peak RSS (KiB) of a command over $runs runs.
measure() {
  local times=() peak=0
  for ((r = 0; r < runs; r++)); do
    local start end rss
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>&1
    rss=$(tail -n1 "$work/rss")
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
    ((rss > peak)) && peak=$rss
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
  echo "$median $peak"
}

cd "$repo"
read -r git_ms git_kb < <(measure git log -z --format='%H%x1f%an%x1f%aI%x1f%B' v1.0.0..HEAD)
read -r all_ms all_kb < <(measure "$ferry" --ci none -q build-info create --version 1.0.1 --file "$work/all.json" --max-commits "$commits")
read -r def_ms def_kb < <(measure "$ferry" --ci none -q build-info create --version 1.0.1 --file "$work/def.json")
recorded=$(grep -c '"Id": "[0-9a-f]\{40\}"' "$work/all.json" || true)

echo "| Collecting $commits commits (median of $runs) | wall ms | vs git log | peak RSS MiB |"
echo "|---|---:|---:|---:|"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "| git log (peer, same format) | $git_ms | 1.00 | $(mib "$git_kb") |"
echo "| ferry build-info create --max-commits $commits ($recorded commits recorded) | $all_ms | $(ratio "$all_ms" "$git_ms") | $(mib "$all_kb") |"
echo "| ferry build-info create (default cap 200) | $def_ms | $(ratio "$def_ms" "$git_ms") | $(mib "$def_kb") |"
