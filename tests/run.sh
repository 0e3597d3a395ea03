#!/usr/bin/env bash
# Every test Ferry has, from a fresh clone: installs what the suites need (idempotently), builds,
# runs the Rust tests of every crate, then the cross-cutting suites under tests/, and ends with
# one line `total: N passed, N failed`. `.ci/run` runs exactly this.
#
#   bash tests/run.sh            # everything in the default (short) configuration
#   FERRY_LONG=1 bash tests/run.sh   # also the long reliability suites (see README)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
log_dir="$root/target/test-logs"
mkdir -p "$log_dir"

say() { printf '\n==> %s\n' "$*" >&2; }

# --- tools the suites use -------------------------------------------------------------------
need_apt=()
for tool in unzip:unzip zip:zip pigz:pigz git:git python3:python3 node:nodejs npm:npm groovy:groovy shellcheck:shellcheck curl:curl openssl:openssl zsh:zsh man:man-db; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt+=("${tool#*:}")
done
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
    say "installing ${need_apt[*]}"
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    "${apt_get[@]}" update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "${need_apt[@]}" >/dev/null \
        || { echo "error: could not install ${need_apt[*]} with apt-get" >&2; exit 1; }
fi
# Git commits made by tests need an identity on a fresh machine.
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-Ferry Tests} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-tests@ferry.invalid}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-Ferry Tests} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-tests@ferry.invalid}

# GitHub's published REST API description and recorded exchanges, the judges of the fake GitHub
# that ferry-github's tests run against (exports FERRY_GITHUB_OPENAPI, FERRY_OCTOKIT_FIXTURES).
# shellcheck source=tests/github/env.sh
source tests/github/env.sh || exit 1

passed=0
failed=0
failures=()

# --- Rust: every crate's unit and integration tests -------------------------------------------
say "cargo build (workspace, all targets)"
if ! cargo build --workspace --all-targets --locked 2>&1 | tail -n 20; then
    echo "error: the workspace does not build" >&2
    exit 1
fi
say "cargo test --workspace"
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log_dir/cargo-test.log"
cargo_status=${PIPESTATUS[0]}
while read -r p f; do
    passed=$((passed + p)); failed=$((failed + f))
done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log_dir/cargo-test.log")
if [ "$cargo_status" != 0 ]; then
    failures+=("cargo test (exit $cargo_status)")
    # A crashed test binary reports no 'test result' line; count it as a failure.
    grep -q 'failed; ' "$log_dir/cargo-test.log" || failed=$((failed + 1))
fi

# --- Cross-cutting suites: each ends with a line '<name>: N passed, N failed' -------------------
export FERRY_BIN="$root/target/debug/ferry"
for suite in tests/*/run.sh; do
    [ -f "$suite" ] || continue
    name=$(basename "$(dirname "$suite")")
    say "suite: $name"
    bash "$suite" 2>&1 | tee "$log_dir/$name.log"
    status=${PIPESTATUS[0]}
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log_dir/$name.log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
        f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
        passed=$((passed + p)); failed=$((failed + f))
    elif [ "$status" = 0 ]; then
        failed=$((failed + 1)); failures+=("$name (printed no result line)")
    fi
    [ "$status" = 0 ] || { failures+=("$name (exit $status)"); [ -n "$line" ] || failed=$((failed + 1)); }
done

say "summary"
for failure in "${failures[@]}"; do echo "failed: $failure" >&2; done
echo "total: $passed passed, $failed failed"
[ ${#failures[@]} -eq 0 ] && [ "$failed" -eq 0 ]
