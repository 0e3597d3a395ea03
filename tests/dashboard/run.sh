#!/usr/bin/env bash
# The web dashboard in a real browser: headless Chromium (Debian's `chromium`, installed once)
# against a `ferry server` process after `ferry ship`, `ferry release promote` and a failing
# deployment. Checks the matrix cells and the log view from the DOM the browser built (scripts
# ran), follows links the CLI printed, checks the embedded server's link while `ferry ship`
# runs, saves screenshots to target/dashboard-screenshots/, and ends with
# `dashboard: N passed, N failed`.
#   FERRY_BIN=target/debug/ferry bash tests/dashboard/run.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ferry=${FERRY_BIN:-$root/target/debug/ferry}
shots=${FERRY_SCREENSHOTS:-$root/target/dashboard-screenshots}
passed=0
failed=0
finish() {
    echo "dashboard: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
fail() {
    echo "not ok - $*" >&2
    failed=$((failed + 1))
    finish
}
check() { # check NAME COMMAND...: one test
    local name=$1
    shift
    if "$@"; then echo "ok - $name"; passed=$((passed + 1)); else echo "not ok - $name"; failed=$((failed + 1)); fi
}

[ -x "$ferry" ] || fail "no ferry binary at $ferry (build it or set FERRY_BIN)"
if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    { "${apt_get[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq chromium fonts-dejavu-core; } >/dev/null 2>&1 \
        || fail "could not install chromium with apt-get"
fi
command -v chromium >/dev/null || fail "chromium is required"
command -v curl >/dev/null || fail "curl is required"

work=$(mktemp -d)
mkdir -p "$shots"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

# One headless browser run per page, each with a fresh profile. `--virtual-time-budget` lets the
# page's scripts (the hash-link mapping) run before the DOM is dumped.
browser() { # browser OUTPUT_FLAG URL [extra flags]
    local flag=$1 url=$2
    shift 2
    local profile
    profile=$(mktemp -d "$work/profile.XXXXXX")
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
        --virtual-time-budget=3000 "$@" "$flag" "$url" 2>>"$work/chromium.err"
}
dom() { browser --dump-dom "$1"; }
screenshot() { # screenshot FILE URL WIDTH,HEIGHT
    browser --screenshot="$1" "$2" --window-size="$3" --hide-scrollbars >/dev/null
    [ -s "$1" ]
}

cat >"$work/ferry.toml" <<'TOML'
[[environments]]
name = "Development"
[[environments]]
name = "Test"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Default"
phases = [
  { name = "Development", environments = ["Development"], automatic = true },
  { name = "Test", environments = ["Test"] },
  { name = "Production", environments = ["Production"] },
]

[[projects]]
name = "Web Shop"
packages = ["WebShop"]
deploy = { Development = "echo deploying $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT", Test = "echo smoke tests pass", Production = "echo migrating the database; echo 'ERROR: migration 42 failed: column price is locked' >&2; exit 4" }

[[projects]]
name = "Billing"
packages = ["Billing"]
deploy = "echo ok"

[[projects]]
name = "Live"
packages = []
deploy = "echo started; sleep 5; echo finished live"

[[projects]]
name = "Slow Ship"
packages = ["SlowShip"]
deploy = "echo started; sleep 6; echo finished"
TOML
# The app is a small git repository, so that build information has commits to show.
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-Ferry Tests} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-tests@ferry.invalid}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-Ferry Tests} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-tests@ferry.invalid}
mkdir -p "$work/app" && echo "hello" >"$work/app/index.html"
(cd "$work/app" && git init -q -b main && git add . && git commit -qm "Shop front page" \
    && echo "cart" >cart.html && git add . && git commit -qm "Add the cart (fixes #12)") || fail "could not create the app repository"

"$ferry" server --config "$work/ferry.toml" --data "$work/data" --listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.err" &
pids+=($!)
dashboard=""
for _ in $(seq 1 100); do
    dashboard=$(sed -n 's/^dashboard: \(http[^ ]*\).*/\1/p' "$work/server.err" | head -n 1)
    [ -n "$dashboard" ] && break
    sleep 0.1
done
[ -n "$dashboard" ] || { cat "$work/server.err" >&2; fail "ferry server printed no dashboard URL"; }
url=${dashboard%/app}
echo "# dashboard at $dashboard"

cli() { (cd "$work/app" && "$ferry" --server "$url" --ci none "$@"); }
cli ship --project "Web Shop" --id WebShop --version 1.0.0 --base-path "$work/app" --out-folder "$work/out" --wait \
    >"$work/ship.out" 2>"$work/ship.err"
check "ferry ship deploys to Development" grep -q "Success" "$work/ship.out"
cli ship --project Billing --id Billing --version 2.3.0 --base-path "$work/app" --out-folder "$work/out" --wait >/dev/null 2>&1
cli release promote --project "Web Shop" --from Development --to Test --wait >"$work/promote.out" 2>&1
check "ferry release promote reaches Test" grep -q "Success" "$work/promote.out"
cli release deploy --project "Web Shop" --version 1.0.0 --to Production --wait >"$work/deploy.out" 2>&1
deploy_status=$?
check "the Production deployment fails (exit 3)" test "$deploy_status" = 3

# The matrix, as the browser built it.
dom "$dashboard" >"$work/dashboard.html"
check "matrix: Web Shop 1.0.0 succeeded in Development" grep -q 'Web Shop 1.0.0 in Development: Success' "$work/dashboard.html"
check "matrix: Web Shop 1.0.0 succeeded in Test" grep -q 'Web Shop 1.0.0 in Test: Success' "$work/dashboard.html"
check "matrix: Web Shop 1.0.0 failed in Production" grep -q 'Web Shop 1.0.0 in Production: Failed' "$work/dashboard.html"
check "matrix: Billing 2.3.0 in Development" grep -q 'Billing 2.3.0 in Development: Success' "$work/dashboard.html"
check "matrix: a cell never deployed says so" grep -q 'not deployed' "$work/dashboard.html"
check "matrix: state as a word and an icon, not colour alone" grep -q '✗.*Failed' "$work/dashboard.html"

# The failed deployment's log view.
failed_task=$(grep -o 'href="/app/tasks/ServerTasks-[0-9]*"[^>]*Production: Failed' "$work/dashboard.html" | grep -o 'ServerTasks-[0-9]*' | head -n 1)
[ -n "$failed_task" ] || fail "no link to the failed task in the matrix"
dom "$dashboard/tasks/$failed_task" >"$work/task.html"
check "log: the failing line is highlighted" grep -q '<li class="failing">.*✗ Error' "$work/task.html"
check "log: the command's stderr is marked" grep -q '<li class="warning">.*migration 42 failed' "$work/task.html"
check "log: a collapsible tree with timestamps" grep -q '<details open="">' "$work/task.html"
check "log: the error is announced" grep -q 'role="alert"' "$work/task.html"
check "log: raw download" sh -c "curl -s '$dashboard/tasks/$failed_task/raw' | grep -q 'migration 42 failed'"

# Links the CLI printed (Octopus's hash routes) lead to the pages.
release_link=$(grep -o "$url/app#/Spaces-1/releases/Releases-[0-9]*" "$work/ship.out" | head -n 1)
task_link=$(grep -o "$url/app#/Spaces-1/tasks/ServerTasks-[0-9]*" "$work/ship.out" | head -n 1)
[ -n "$release_link" ] || { cat "$work/ship.out" >&2; fail "ferry ship printed no release link"; }
dom "$release_link" >"$work/release.html"
check "CLI release link opens the release page" grep -q '<h1>Web Shop 1.0.0</h1>' "$work/release.html"
check "release page lists deployments per environment" grep -q '>Production</th>' "$work/release.html"
if [ -n "$task_link" ]; then
    dom "$task_link" >"$work/linked-task.html"
    check "CLI task link opens the task page" grep -q 'Deploy Web Shop release 1.0.0 to Development' "$work/linked-task.html"
else
    check "ferry ship printed a task link" false
fi

# Links.Web of the API's resources lead to the pages too.
web_link() { # web_link API_PATH: the first item's Links.Web (or the resource's own)
    curl -s "$url$1" | python3 -c 'import json, sys; d = json.load(sys.stdin); d = d["Items"][0] if "Items" in d else d; print(d["Links"]["Web"])'
}
project_web=$(web_link "/api/Spaces-1/projects/web-shop")
dom "$url$project_web" >"$work/project.html"
check "Links.Web of a project opens the project page ($project_web)" grep -q '<h1>Web Shop</h1>' "$work/project.html"
check "project page: lifecycle progression and what is allowed next" grep -q 'Allowed next' "$work/project.html"
deployment_web=$(web_link "/api/Spaces-1/deployments?take=1")
dom "$url$deployment_web" >"$work/deployment.html"
check "Links.Web of a deployment opens its task page ($deployment_web)" grep -q 'Deploy Web Shop release 1.0.0 to Production' "$work/deployment.html"

# Accessibility basics: a skip link, table headers with scope, a labelled filter.
check "a11y: skip link and labelled filter" sh -c "grep -q 'class=\"skip\"' '$work/dashboard.html' && grep -q '<label for=\"project-filter\"' '$work/dashboard.html'"
check "a11y: header cells have scope" grep -q '<th scope="row">' "$work/dashboard.html"

# Screenshots: desktop, phone width, the failed task.
check "screenshot: dashboard" screenshot "$shots/dashboard.png" "$dashboard" 1280,720
check "screenshot: dashboard at phone width" screenshot "$shots/dashboard-phone.png" "$dashboard" 390,844
check "screenshot: failed task" screenshot "$shots/task-failed.png" "$dashboard/tasks/$failed_task" 1280,900
check "screenshot: release" screenshot "$shots/release.png" "$dashboard/releases/$(basename "$release_link")" 1280,900

# A running task's page follows it live: opened while the deploy command sleeps, the page the
# browser ends with (after the server-sent `end` event reloads it) shows the final state.
# The lifecycle's automatic deployment is queued after the answer (as on Octopus): look for it.
live_release=$(curl -s -X POST "$url/api/Spaces-1/releases/create/v1" -H 'content-type: application/json' \
    -d '{"projectName": "Live", "releaseVersion": "1.0.0"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["ReleaseId"])')
live_task=""
for _ in $(seq 1 50); do
    live_task=$(curl -s "$url/api/Spaces-1/releases/$live_release/deployments" \
        | python3 -c 'import json, sys; items = json.load(sys.stdin)["Items"]; print(items[0]["TaskId"] if items else "")')
    [ -n "$live_task" ] && break
    sleep 0.1
done
live_state=""
for _ in $(seq 1 50); do
    live_state=$(curl -s "$url/api/tasks/$live_task" | python3 -c 'import json, sys; print(json.load(sys.stdin)["State"])')
    [ "$live_state" = Executing ] && break
    sleep 0.1
done
check "live: the task runs when the browser opens it" test "$live_state" = Executing
browser --dump-dom "$dashboard/tasks/$live_task" --virtual-time-budget=15000 >"$work/live.html"
check "live: the followed page ends with the final state and the last line" \
    sh -c "grep -q 'finished live' '$work/live.html' && grep -q 'state-success' '$work/live.html' && ! grep -q 'data-follow' '$work/live.html'"

# The embedded server: the dashboard link `ferry ship` prints works while the command runs.
(cd "$work/app" && "$ferry" --config "$work/ferry.toml" --data "$work/embedded" --ci none --embedded ship --project "Slow Ship" \
    --id SlowShip --version 1.0.0 --base-path "$work/app" --out-folder "$work/out2" >"$work/embedded.out" 2>"$work/embedded.err") &
ship_pid=$!
pids+=("$ship_pid")
embedded=""
for _ in $(seq 1 100); do
    embedded=$(sed -n 's/.*dashboard \(http[^ ]*\) while this command runs.*/\1/p' "$work/embedded.err" | head -n 1)
    [ -n "$embedded" ] && break
    sleep 0.1
done
if [ -n "$embedded" ]; then
    for _ in $(seq 1 50); do
        grep -q 'Slow Ship 1.0.0 in Development: Running' <(curl -s "$embedded") && break
        sleep 0.1
    done
    dom "$embedded" >"$work/embedded.html"
    check "embedded server: the printed dashboard link works while ferry ship runs" \
        grep -q 'Slow Ship 1.0.0 in Development: Running' "$work/embedded.html"
    check "embedded server: the dashboard refreshes itself while a deployment runs" grep -q 'data-refresh="3"' "$work/embedded.html"
else
    check "embedded server: ferry ship prints the dashboard link" false
fi
wait "$ship_pid"
check "embedded ferry ship finishes" test $? = 0

finish
