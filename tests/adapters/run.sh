#!/usr/bin/env bash
# The CI adapters' test suite. Ends with `adapters: N passed, N failed`.
#
# Unit parts (no server): the Azure tasks under azure-pipelines-task-lib's mock test runner (and
# the .vsix built by tfx), the Jenkins steps in the Groovy harness against a stub ferry, the
# GitHub action script and the Bitbucket pipe against a stub ferry, the installers (GitHub setup,
# Azure FerryInstaller, Jenkins ferryInstall) against archives served on loopback, and a check
# that every flag the adapters pass exists in the binary's CLI.
#
# Safety on every adapter (real binary and stub): no server in CI fails with exit 2 unless the
# embedded server is asked for; hostile values reach ferry as one argument each; a prompted
# variable's value is masked before it appears in any adapter's log.
#
# End-to-end: starts `ferry server` on a free loopback port with an API key, a temporary --data
# and a config (environments Development and Test, one project per adapter, one whose deploy
# fails), then runs each adapter against it exactly as its CI would (the composite actions'
# step scripts with a simulated runner environment, the Azure task shims for real, the Jenkins
# steps in the harness, the Bitbucket pipe.sh with BITBUCKET_* variables), and asserts the
# published packages, build information, releases and deployments through the server's REST API
# and each CI's outputs ($GITHUB_OUTPUT parsed back, ##vso lines, the returned Groovy maps,
# the pipe's outputs.env); then an Octopus-style workflow with only its uses: lines changed, the
# AppVeyor/Bamboo/Continua CI examples and the TeamCity meta-runner.
#
# The binary: $FERRY_BIN (tests/run.sh sets target/debug/ferry), else target/release/ferry when
# present, else target/debug/ferry.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)

if [ -z "${FERRY_BIN:-}" ]; then
    if [ -x target/release/ferry ]; then FERRY_BIN=$root/target/release/ferry; else FERRY_BIN=$root/target/debug/ferry; fi
fi
FERRY_BIN=$(cd "$(dirname "$FERRY_BIN")" && pwd)/$(basename "$FERRY_BIN")
real_ferry=$FERRY_BIN
# No CI of the machine running the suite may leak into the simulated ones.
unset GITHUB_ACTIONS TF_BUILD BUILD_BUILDURI JENKINS_URL BITBUCKET_BUILD_NUMBER GITLAB_CI TEAMCITY_VERSION CIRCLECI \
    FERRY_SERVER FERRY_API_KEY FERRY_SPACE OCTOPUS_URL OCTOPUS_API_KEY OCTOPUS_SPACE FERRY_CI FERRY_DATA FERRY_BIN

work=$root/target/adapters-test
rm -rf "$work"
mkdir -p "$work"
log=$work/details.log
: >"$log"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "  FAIL $1"
    [ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/       /' | head -n 30
}
# expect NAME ACTUAL EXPECTED
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "expected: $3"$'\n'"actual:   $2"; fi; }
# expect_match NAME TEXT REGEX
expect_match() { if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else bad "$1" "no match for /$3/ in:"$'\n'"$(printf '%s' "$2" | tail -n 20)"; fi; }
section() { echo "$*"; }
# first_line_with LOG VALUE: the first log line that contains VALUE.
first_line_with() { grep -F -m 1 -- "$2" <<<"$1"; }

# PyYAML reads the example CI files (AppVeyor, Bamboo, the Octopus workflow); the checks that
# need it fail when it cannot be installed.
python3 -c 'import yaml' 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check pyyaml >>"$log" 2>&1 ||
    echo "warning: could not install PyYAML (pip); the example checks will fail" >&2

export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /usr/bin/java)")")")}
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-Ferry Tests} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-tests@ferry.invalid}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-Ferry Tests} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-tests@ferry.invalid}

# Background processes started here, stopped by pid at exit.
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; }
trap cleanup EXIT

if [ ! -x "$real_ferry" ]; then
    bad "the ferry binary exists ($real_ferry)"
    echo "adapters: $passed passed, $failed failed"
    exit 1
fi

# ------------------------------------------------------------------------------------------------
section "CLI contract: every flag the adapters pass exists in ferry's --help"
help_text=$(for cmd in "" "package create" "package push" "build-info push" "release create" "release deploy" \
    "release promote" "ship" "task wait" "runbook run"; do
    # shellcheck disable=SC2086 # the command words split on purpose
    "$real_ferry" $cmd --help 2>&1
done)
# (Command lines only: comments, ferryInstall's curl options and pipe.sh's git config are not ferry flags.)
adapter_flags=$(cat actions/lib/ferry-action.sh azure-pipelines-tasks/src/common.js azure-pipelines-tasks/tasks/*/index.js \
    jenkins/vars/ferry.groovy jenkins/vars/ferry[A-HJ-Z]*.groovy bitbucket/pipe.sh | grep -vE '^\s*(#|//|\*)|git config' |
    grep -oE "['\" (]--[a-z][a-z0-9-]+" | sed "s/^.//" | sort -u)
missing=""
for flag in $adapter_flags; do
    grep -qE -- "(^|[ ,])$flag([ =,.]|$)" <<<"$help_text" || missing="$missing $flag"
done
expect "all $(wc -w <<<"$adapter_flags") adapter flags are ferry flags" "${missing:-none}" none

# ------------------------------------------------------------------------------------------------
section "Azure: mock test runner tests and tfx packing"
if [ ! -d azure-pipelines-tasks/node_modules/azure-pipelines-task-lib ] || [ ! -x azure-pipelines-tasks/node_modules/.bin/tfx ]; then
    (cd azure-pipelines-tasks && npm ci --no-audit --no-fund --loglevel=error) >>"$log" 2>&1 || bad "npm ci in azure-pipelines-tasks"
fi
azure_out=$(cd azure-pipelines-tasks && node --test test/tasks.test.js 2>&1)
printf '%s\n' "$azure_out" >>"$log"
az_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' <<<"$azure_out")
az_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' <<<"$azure_out")
if [ -n "$az_pass" ] && [ -n "$az_fail" ]; then
    passed=$((passed + az_pass))
    failed=$((failed + az_fail))
    echo "  azure mock-runner tests: $az_pass passed, $az_fail failed"
    grep -E '^not ok' <<<"$azure_out" | sed 's/^/  FAIL /'
    vsix_size=$(sed -n 's/.*vsix: \([0-9]*\) bytes.*/\1/p' <<<"$azure_out" | head -n 1)
    [ -z "$vsix_size" ] || echo "  (.vsix: $vsix_size bytes)"
else
    bad "azure mock-runner tests ran" "$(tail -n 20 <<<"$azure_out")"
fi

# ------------------------------------------------------------------------------------------------
section "Jenkins: steps in the Groovy harness against a stub ferry"
jenkins_run() { # WORKSPACE TEST...
    local ws=$1
    shift
    (cd "$root" && groovy jenkins/test/harness.groovy jenkins "$ws" "$@" 2>&1)
}
count_jenkins() {
    local out=$1 line
    printf '%s\n' "$out" >>"$log"
    line=$(grep -E '^jenkins: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -n 1)
    if [ -n "$line" ]; then
        passed=$((passed + $(sed -E 's/jenkins: ([0-9]+) passed.*/\1/' <<<"$line")))
        failed=$((failed + $(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$line")))
        grep -E '^  (ok|FAIL) ' <<<"$out" | sed 's/^  /  jenkins /'
        grep -A4 -E '^  FAIL ' <<<"$out" | grep -vE '^  (ok|FAIL) ' | head -n 20 | sed 's/^/       /'
    else
        bad "the Groovy harness ran" "$(tail -n 20 <<<"$out")"
    fi
}
if command -v groovy >/dev/null 2>&1; then
    count_jenkins "$(FERRY_TEST_SECRET=API-UNITSECRET0001 \
        FERRY_TEST_CREDENTIALS=ferry-api-key=API-UNITSECRET0001,octopus-user-pass=octo:API-USERPASS0001,octopus-access-token=ACCESS-TOKEN-0001 \
        jenkins_run "$work/jenkins-unit" jenkins/test/steps.test.groovy)"
else
    bad "groovy is installed (tests/run.sh installs Debian's groovy)"
fi

# ------------------------------------------------------------------------------------------------
section "GitHub: the composite actions' step script against a stub ferry"
stub=$work/stub/ferry
mkdir -p "$work/stub"
cat >"$stub" <<'EOF'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >"$STUB_DIR/args"
printf '%s\n' "${FERRY_API_KEY:-}" >"$STUB_DIR/key"
printf '%s\n' "${FERRY_SERVER:-}" >"$STUB_DIR/server"
printf '%s\n' "${GITHUB_TOKEN:-}" >"$STUB_DIR/github_token"
printf '%s\n' "${OCTOPUS_ACCESS_TOKEN:-}" >"$STUB_DIR/access_token"
# Every argument exactly (newlines and empty ones too), as JSON; through --args-file if given.
if [ "${1:-}" = --args-file ]; then cp "$2" "$STUB_DIR/args.json"; else
    python3 -c 'import json, os, sys; json.dump(sys.argv[1:], open(os.environ["STUB_DIR"] + "/args.json", "w", encoding="utf-8"), ensure_ascii=False)' "$@"
fi
# Every argument vector, one JSON line each, for the check that the real binary accepts them.
{ cat "$STUB_DIR/args.json"; echo; } >>"$STUB_DIR/all-args.jsonl"
case "${1:-}" in --version) echo "ferry 0.1.0"; exit 0 ;; esac
printf '%s' '{"stub":true}'
exit "${STUB_EXIT:-0}"
EOF
chmod +x "$stub"
export STUB_DIR=$work/stub
# args_json: the stub's arguments as one JSON line, for comparison.
args_json() { python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1], encoding="utf-8")), ensure_ascii=False))' "$STUB_DIR/args.json"; }
# expected_json ARG...: the same form for the expected arguments.
expected_json() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1:], ensure_ascii=False))' "$@"; }

# gh_action ACTION_DIR NAME=VALUE... : runs the action the way the runner runs a composite action:
# inputs get action.yml's defaults, each step's env: block maps them to INPUT_* variables, and
# the step's run: line runs with bash in the workspace, GITHUB_ACTION_PATH pointing at the action.
# Sets gh_status, gh_stdout; outputs in $gh_out_file, summary in $gh_summary_file.
gh_action() {
    local action=$1
    shift
    local dir
    dir=$(cd "$action" && pwd)
    gh_out_file=$(mktemp "$work/gh-output.XXXXXX")
    gh_summary_file=$(mktemp "$work/gh-summary.XXXXXX")
    local spec
    spec=$(python3 - "$dir/action.yml" "$@" <<'PY'
import os, re, sys, shlex
text = open(sys.argv[1]).read()
given = dict(arg.split('=', 1) for arg in sys.argv[2:])
inputs_block = text.split('\ninputs:\n', 1)[1].split('\noutputs:\n', 1)[0]
defaults = {}
for name, body in re.findall(r'^  ([a-z][a-z0-9_-]*):\n((?:    .*\n)+)', inputs_block, re.M):
    m = re.search(r"^    default: '((?:[^']|'')*)'", body, re.M)
    defaults[name] = m.group(1).replace("''", "'") if m else ''
    # The runner's own expression in a default: the job's token (empty unless the test sets one).
    defaults[name] = defaults[name].replace('${{ github.token }}', os.environ.get('GH_TEST_GITHUB_TOKEN', ''))
values = {**defaults, **given}
unknown = set(given) - set(defaults)
if unknown:
    sys.exit(f'unknown inputs {sorted(unknown)} for {sys.argv[1]}')
steps = text.split('\n  steps:\n', 1)[1]
env = re.findall(r'^        ([A-Z0-9_]+): \$\{\{ (.+) \}\}$', steps, re.M)
run = re.search(r'^      run: (.*)$', steps, re.M).group(1)
def evaluate(expr):
    # The expression forms the actions use, evaluated as GitHub does: `a || b` is the first
    # non-empty alternative; `(inputs.x == 'true' && 'lit')` is 'lit' when x is 'true'; 'lit'.
    for alternative in expr.split(' || '):
        alternative = alternative.strip()
        m = re.fullmatch(r"\(inputs\.([a-z0-9_-]+) == '([^']*)' && '([^']*)'\)", alternative)
        if m:
            value = m.group(3) if values[m.group(1)] == m.group(2) else ''
        elif alternative.startswith("'"):
            value = alternative.strip("'")
        else:
            value = values[re.fullmatch(r'inputs\.([a-z0-9_-]+)', alternative).group(1)]
        if value:
            return value
    return ''
for var, expr in env:
    print(f'export {var}={shlex.quote(evaluate(expr))}')
print('RUN=' + shlex.quote(run))
PY
) || { gh_status=99; gh_stdout="bad action.yml or inputs: $spec"; return; }
    gh_stdout=$(
        cd "$gh_workspace" &&
            eval "$spec" &&
            GITHUB_ACTIONS=true GITHUB_ACTION_PATH=$dir GITHUB_OUTPUT=$gh_out_file GITHUB_STEP_SUMMARY=$gh_summary_file \
                RUNNER_TEMP=$work/runner-temp RUNNER_TOOL_CACHE=$work/runner-tool-cache bash -c "$RUN" 2>&1
    )
    gh_status=$?
    printf '== gh_action %s %s (exit %s)\n%s\n' "$action" "$*" "$gh_status" "$gh_stdout" >>"$log"
}
# gh_outputs: every output in $gh_out_file (name=value or name<<DELIM form) as one JSON object.
gh_outputs() {
    python3 - "$gh_out_file" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split('\n')
out, i = {}, 0
while i < len(lines):
    line = lines[i]
    if '<<' in line and ('=' not in line or line.index('<<') < line.index('=')):
        name, delim = line.split('<<', 1)
        j = lines.index(delim, i + 1)
        out[name] = '\n'.join(lines[i + 1:j])
        i = j + 1
        continue
    if '=' in line:
        name, value = line.split('=', 1)
        out[name] = value
    i += 1
print(json.dumps(out))
PY
}
# gh_output NAME: the value of output NAME in $gh_out_file.
gh_output() { gh_outputs | python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""), end="")' "$1"; }
mkdir -p "$work/runner-temp"
gh_workspace=$work/gh-unit
mkdir -p "$gh_workspace"

PATH="$work/stub:$PATH" gh_action actions/deploy project='Hello World' version=1.0.0 to=$'Development\n  Test \n\n# skipped' \
    variable=$'Url=https://x.test/a?b=c:d\nEmpty=' api-key=API-STUBKEY0001 server=http://127.0.0.1:1
expect "deploy: exit 0" "$gh_status" 0
expect "deploy: inputs become flags (lists, NAME=VALUE split on the first =, wait defaults to true)" \
    "$(tr '\n' ' ' <"$STUB_DIR/args")" \
    "-o json release deploy --project Hello World --version 1.0.0 --to Development --to Test --variable Url=https://x.test/a?b=c:d --variable Empty= --wait "
expect "deploy: the API key reaches ferry as FERRY_API_KEY" "$(cat "$STUB_DIR/key")" API-STUBKEY0001
expect_match "deploy: the API key is masked before anything else is printed" "$(head -n 1 <<<"$gh_stdout")" '^::add-mask::API-STUBKEY0001$'
if grep -q API-STUBKEY0001 "$STUB_DIR/args"; then bad "deploy: the API key is not on the command line"; else ok "deploy: the API key is not on the command line"; fi
expect "deploy: the whole JSON result is output json" "$(gh_output json)" '{"stub":true}'
expect_match "deploy: a step summary is written when ferry writes none" "$(cat "$gh_summary_file")" '^\| Result \| succeeded \|'

PATH="$work/stub:$PATH" gh_action actions/deploy project=Hello version=1.0.0 to=Development variable=novalue
expect "deploy: a variable line without NAME= is rejected (exit 2)" "$gh_status" 2
expect_match "deploy: ... with an annotation naming the input" "$gh_stdout" "::error title=ferry deploy::input 'variable': 'novalue' is not NAME=VALUE"

rm -f "$STUB_DIR/args.json"
PATH="$work/stub:$PATH" gh_action actions/deploy project=Hello release_number=1.0.0 environments=$'Development\nTest' \
    variables=$'Greeting: hello: world\nUrl:https://x.test:8443/a' api_key=API-OCTOALIAS0001
expect "deploy (Octopus input names): release_number, environments, 'Name: Value' variables split on the first colon" "$(args_json)" \
    "$(expected_json -o json release deploy --project Hello --version 1.0.0 --to Development --to Test --variable 'Greeting=hello: world' --variable Url=https://x.test:8443/a --wait)"
expect "deploy (Octopus input names): api_key reaches ferry as FERRY_API_KEY" "$(cat "$STUB_DIR/key")" API-OCTOALIAS0001
expect_match "deploy (Octopus input names): the API key is masked first" "$gh_stdout" '^::add-mask::API-OCTOALIAS0001'
PATH="$work/stub:$PATH" gh_action actions/release project=Hello release_number=2.0.0 packages=$'Hello:2.0.0\nOther:1.0.0' ignore_existing=true
expect "release (Octopus input names): release_number, packages, ignore_existing" "$(args_json)" \
    "$(expected_json -o json release create --project Hello --version 2.0.0 --package Hello:2.0.0 --package Other:1.0.0 --if-exists ignore)"
PATH="$work/stub:$PATH" gh_action actions/await-task server_task_id=ServerTasks-7 timeout_after=120 polling_interval=2
expect "await-task (Octopus input names): seconds get their unit" "$(args_json)" \
    "$(expected_json -o json task wait --timeout 120s --poll-interval 2s ServerTasks-7)"
PATH="$work/stub:$PATH" gh_action actions/release project=Hello release-notes-auto=maybe
expect "release: a non-boolean boolean input is rejected (exit 2)" "$gh_status" 2

PATH="$work/stub:$PATH" gh_action actions/promote project=Hello to=Test
expect "promote: a missing required input is rejected (exit 2)" "$gh_status" 2

STUB_EXIT=3 PATH="$work/stub:$PATH" gh_action actions/deploy project=Hello version=1.0.0 to=Production
expect "deploy: ferry's exit 3 fails the step with exit 3" "$gh_status" 3
expect_match "deploy: ... with an error annotation" "$gh_stdout" '::error title=ferry deploy::a deployment finished unsuccessfully'
expect_match "deploy: ... and a failure summary" "$(cat "$gh_summary_file")" 'failed: a deployment finished unsuccessfully'

mkdir -p "$gh_workspace/dist" && touch "$gh_workspace/dist/A.1.0.0.zip" "$gh_workspace/dist/B.1.0.0.zip"
PATH="$work/stub:$PATH" gh_action actions/push packages=$'dist/*.zip\nother/C.1.0.0.zip' if-exists=ignore
expect "push: globs expand, plain paths pass through" "$(tr '\n' ' ' <"$STUB_DIR/args")" \
    "-o json package push --if-exists ignore dist/A.1.0.0.zip dist/B.1.0.0.zip other/C.1.0.0.zip "
PATH="$work/stub:$PATH" gh_action actions/push packages='nothing/*.zip'
expect "push: a glob matching nothing is an error (exit 2)" "$gh_status" 2

PATH="$work/stub:$PATH" gh_action actions/ship project=Hello id=Hello version=1.2.3 base-path=site include=$'**/*.html\n*.css' \
    to=Development if-exists=ignore since=abc123 deepen=true extra-args=--verbose
expect "ship (actions/ship): every option group maps" "$(tr '\n' ' ' <"$STUB_DIR/args")" \
    "-o json ship --project Hello --id Hello --version 1.2.3 --format zip --base-path site --include **/*.html --include *.css --out-folder . --if-exists ignore --to Development --since abc123 --deepen --wait --verbose "
PATH="$work/stub:$PATH" gh_action . project=Hello id=Hello version=1.2.3
expect "ship (root action.yml): runs the shared script from the repository root" "$(sed -n 3p "$STUB_DIR/args")" ship

# Tenant tags, scheduling, guided failure, OIDC, and ship's release options (the flag contract of
# issue 17: --tenant-tag, --deploy-at, --no-deploy-after, --guided-failure, --service-account-id,
# --package, --git-ref, --git-commit, --release-notes-file).
PATH="$work/stub:$PATH" gh_action actions/deploy project=Hello version=1.0.0 to=Production tenant=$'Acme\nGlobex' \
    tenant-tag=$'Region/EU\nTier/Gold' deploy-at=2026-12-01T22:00:00+01:00 no-deploy-after=2026-12-02T06:00:00+01:00 \
    guided-failure=true service-account-id=4e0c9e29-2f5c-4b2c-8d0e-5a3c1f1d2b7a
expect "deploy: tenants, tenant tags, deploy-at, no-deploy-after, guided failure, service account" "$(args_json)" \
    "$(expected_json -o json release deploy --project Hello --version 1.0.0 --to Production --tenant Acme --tenant Globex \
        --tenant-tag Region/EU --tenant-tag Tier/Gold --guided-failure --deploy-at 2026-12-01T22:00:00+01:00 \
        --no-deploy-after 2026-12-02T06:00:00+01:00 --wait --service-account-id 4e0c9e29-2f5c-4b2c-8d0e-5a3c1f1d2b7a)"
PATH="$work/stub:$PATH" gh_action actions/promote project=Hello from=Test environments=Production tenants=Acme \
    tenant_tags=Region/EU deploy_at=2026-12-01T22:00:00Z deploy_at_expiry=2026-12-01T23:00:00Z use_guided_failure=true
expect "promote (Octopus input names): tenants, tenant_tags, deploy_at, deploy_at_expiry, use_guided_failure" "$(args_json)" \
    "$(expected_json -o json release promote --project Hello --from Test --to Production --tenant Acme --tenant-tag Region/EU \
        --guided-failure --deploy-at 2026-12-01T22:00:00Z --no-deploy-after 2026-12-01T23:00:00Z --wait)"
PATH="$work/stub:$PATH" gh_action actions/deploy project=Hello version=1.0.0 to=Production guided-failure=sometimes
expect "deploy: a guided-failure that is not a boolean is rejected (exit 2)" "$gh_status" 2
GH_TEST_GITHUB_TOKEN=ghs_TESTTOKEN0001 PATH="$work/stub:$PATH" gh_action actions/ship project=Hello id=Hello version=1.2.3 \
    package=$'Sidecar:2.0.0\nTools:1.1.0' git-ref=refs/heads/main git-commit=0123456789abcdef release-notes-file=notes.md
expect "ship: more packages, git-ref, git-commit, release notes file" "$(args_json)" \
    "$(expected_json -o json ship --project Hello --id Hello --version 1.2.3 --format zip --base-path . --out-folder . \
        --release-notes-file notes.md --package Sidecar:2.0.0 --package Tools:1.1.0 --git-ref refs/heads/main \
        --git-commit 0123456789abcdef --wait)"
expect "ship: github-token (default: the job's token) reaches ferry as GITHUB_TOKEN" "$(cat "$STUB_DIR/github_token")" ghs_TESTTOKEN0001
expect "ship: ... masked before anything is printed" "$(first_line_with "$gh_stdout" ghs_TESTTOKEN0001)" "::add-mask::ghs_TESTTOKEN0001"
PATH="$work/stub:$PATH" gh_action actions/ship project=Hello id=Hello version=1.2.3 packages=Sidecar:2.0.0 git_ref=refs/tags/v1 \
    git_commit=abc release_notes_file=n.md github-token=
expect "ship (Octopus input names): packages, git_ref, git_commit, release_notes_file" "$(args_json)" \
    "$(expected_json -o json ship --project Hello --id Hello --version 1.2.3 --format zip --base-path . --out-folder . \
        --release-notes-file n.md --package Sidecar:2.0.0 --git-ref refs/tags/v1 --git-commit abc --wait)"
expect "ship: an empty github-token exports no GITHUB_TOKEN" "$(cat "$STUB_DIR/github_token")" ""
PATH="$work/stub:$PATH" gh_action actions/run-runbook project=Hello runbook='Restart web' environment=$'Production\nTest' \
    tenant-tag=Region/EU variable=Reason=nightly guided-failure=true timeout=5m
expect "run-runbook: runbook run with environments, tenant tags, variables, guided failure, wait by default" "$(args_json)" \
    "$(expected_json -o json runbook run --project Hello --runbook 'Restart web' --environment Production --environment Test \
        --tenant-tag Region/EU --variable Reason=nightly --guided-failure --wait --timeout 5m)"
PATH="$work/stub:$PATH" gh_action actions/run-runbook project=Hello runbook=Backup environments=Production tenants=Acme \
    variables='Reason: nightly: full' use_guided_failure=true wait=false
expect "run-runbook (Octopus input names): environments, tenants, 'Name: Value' variables, use_guided_failure" "$(args_json)" \
    "$(expected_json -o json runbook run --project Hello --runbook Backup --environment Production --tenant Acme \
        --variable 'Reason=nightly: full' --guided-failure)"
PATH="$work/stub:$PATH" gh_action actions/run-runbook project=Hello runbook=Backup
expect "run-runbook: no environment is rejected (exit 2)" "$gh_status" 2
# `**` recurses, and globs resolve in the step's working directory.
# (Names that sort the same in every locale.)
mkdir -p "$gh_workspace/app/dist/b" "$gh_workspace/app/dist/c/d" "$gh_workspace/dist"
touch "$gh_workspace/app/dist/a.1.0.0.zip" "$gh_workspace/app/dist/b/b.1.0.0.zip" "$gh_workspace/app/dist/c/d/c.1.0.0.zip" \
    "$gh_workspace/dist/outside.1.0.0.zip"
PATH="$work/stub:$PATH" gh_action actions/push working-directory=app packages='dist/**/*.zip'
expect "push: dist/**/*.zip recurses, relative to working-directory" "$(args_json)" \
    "$(expected_json -o json package push dist/a.1.0.0.zip dist/b/b.1.0.0.zip dist/c/d/c.1.0.0.zip)"

# ------------------------------------------------------------------------------------------------
section "Installers: GitHub setup, Azure FerryInstaller, Jenkins ferryInstall (archives served on loopback)"
downloads=$work/downloads
case "$(uname -m)" in aarch64 | arm64) arch=aarch64 ;; *) arch=x86_64 ;; esac
case "$(uname -s)" in Darwin) triple=$arch-apple-darwin ;; *) triple=$arch-unknown-linux-musl ;; esac
# Releases on loopback, each with the SHA256SUMS published beside its archive, and a release list
# in the shape of GitHub's REST "list releases" answer (pretty-printed, nested objects included).
# 1.2.3, 1.3.0, 2.0.0 and 0.1.0-e2e are good. 1.4.0 is a draft and 2.1.0-rc.1 a pre-release: no
# range and not `latest` may pick them. 0.1.0-bad's archive was swapped after its SHA256SUMS was
# published (tampered). 7.7.7 has no SHA256SUMS.
make_release() { # VERSION [tampered|unlisted]
    local version=$1 dir=$downloads/v$1 name
    name=ferry-$version-$triple
    mkdir -p "$dir" "$work/archive/$name"
    cp "$stub" "$work/archive/$name/ferry"
    tar -czf "$dir/$name.tar.gz" -C "$work/archive" "$name"
    (cd "$dir" && sha256sum "$name.tar.gz" >SHA256SUMS && echo "$(printf '0%.0s' $(seq 64))  ferry-$version-other-triple.zip" >>SHA256SUMS)
    case "${2:-}" in
        tampered) echo "# swapped" >>"$work/archive/$name/ferry" && tar -czf "$dir/$name.tar.gz" -C "$work/archive" "$name" ;;
        unlisted) rm "$dir/SHA256SUMS" ;;
    esac
}
for version in 0.1.0-e2e 1.2.3 1.3.0 1.4.0 2.0.0 2.1.0-rc.1; do make_release "$version"; done
make_release 0.1.0-bad tampered
make_release 7.7.7 unlisted
python3 - "$downloads/releases.json" <<'PY'
import json, sys
releases = [("v2.1.0-rc.1", False, True), ("v1.4.0", True, False), ("v2.0.0", False, False), ("v1.3.0", False, False),
            ("v1.2.3", False, False), ("v0.1.0-e2e", False, True), ("not-a-version", False, False)]
json.dump([{"url": "https://api.example/releases/1", "tag_name": tag, "name": tag, "draft": draft, "prerelease": pre,
            "author": {"login": "ferry", "type": "User"}, "assets": [{"name": "SHA256SUMS", "state": "uploaded"}]}
           for tag, draft, pre in releases], open(sys.argv[1], "w"), indent=2)
PY
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$downloads" >"$work/http.log" 2>&1 &
pids+=($!)
download_url=""
for _ in $(seq 1 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -n 1)
    [ -z "$port" ] || { download_url="http://127.0.0.1:$port"; break; }
    sleep 0.1
done
[ -n "$download_url" ] || bad "the download server started" "$(cat "$work/http.log")"
releases_url=$download_url/releases.json
# Every installer reads releases, archives and checksums from loopback.
gh_loopback=(download-base-url="$download_url" checksums-base-url="$download_url" releases-url="$releases_url")

gh_workspace=$work/gh-setup
mkdir -p "$gh_workspace"
: >"$work/gh-path"
GITHUB_PATH=$work/gh-path gh_action actions/setup version=0.1.0-e2e "${gh_loopback[@]}"
expect "setup: installs a verified archive" "$gh_status" 0
expect "setup: output path is in the runner tool cache" "$(gh_output path)" "$work/runner-tool-cache/ferry/0.1.0-e2e/$arch/ferry"
expect "setup: output version comes from the binary" "$(gh_output version)" 0.1.0
expect "setup: its folder is added to GITHUB_PATH" "$(cat "$work/gh-path")" "$work/runner-tool-cache/ferry/0.1.0-e2e/$arch"
expect "setup: the tool cache is marked complete" "$(test -f "$work/runner-tool-cache/ferry/0.1.0-e2e/$arch.complete" && echo yes)" yes
gh_action actions/setup version=v0.1.0-e2e download-base-url=http://127.0.0.1:9/unreachable
expect "setup: a second run is served from the tool cache (no download)" "$gh_status/$(gh_output path)" \
    "0/$work/runner-tool-cache/ferry/0.1.0-e2e/$arch/ferry"
for case in latest:2.0.0 1:1.3.0 1.x:1.3.0 '^1.2:1.3.0' '~1.2.0:1.2.3' 1.2:1.2.3 '^1.3.0:1.3.0' 2:2.0.0; do
    gh_action actions/setup version="${case%%:*}" "${gh_loopback[@]}"
    expect "setup: version ${case%%:*} resolves to ${case#*:} (drafts and pre-releases skipped) and installs it" \
        "$gh_status/$(gh_output path)" "0/$work/runner-tool-cache/ferry/${case#*:}/$arch/ferry"
done
gh_action actions/setup version=3 "${gh_loopback[@]}"
expect_match "setup: a range no release satisfies is refused" "$gh_status $gh_stdout" "^1 .*no released version satisfies '3'"
gh_action actions/setup version=0.1.0-bad "${gh_loopback[@]}"
expect "setup: an archive that does not match its release's SHA256SUMS fails" "$gh_status" 1
expect_match "setup: ... and says so" "$gh_stdout" 'checksum mismatch for ferry-0.1.0-bad'
expect "setup: ... and installs nothing" "$(test -e "$work/runner-tool-cache/ferry/0.1.0-bad" && echo installed || echo none)" none
gh_action actions/setup version=7.7.7 "${gh_loopback[@]}"
expect "setup: a release without published checksums is refused" "$gh_status" 1
expect_match "setup: ... and says so" "$gh_stdout" 'could not read http://127\.0\.0\.1:[0-9]+/v7\.7\.7/SHA256SUMS'
gh_action actions/setup path="$work/stub"
expect "setup: path uses an existing binary" "$gh_status/$(gh_output path)" "0/$work/stub/ferry"
gh_action actions/setup "${gh_loopback[@]}"
expect_match "setup: the default version is the action's own (VERSION)" "$gh_stdout" \
    "/v$(cat actions/setup/VERSION)/SHA256SUMS"

# The Bitbucket pipe image's install step (bitbucket/verify-install.sh, run by its Dockerfile)
# against the same releases: the archive must match the release's SHA256SUMS.
case "$arch" in x86_64) docker_arch=amd64 ;; *) docker_arch=arm64 ;; esac
mkdir -p "$work/pipe-image"
expect "pipe image: a verified archive installs" \
    "$(sh bitbucket/verify-install.sh "$downloads/v1.2.3" 1.2.3 "$docker_arch" "$work/pipe-image" >>"$log" 2>&1; echo $?)/$(test -x "$work/pipe-image/ferry" && echo installed)" "0/installed"
rm -f "$work/pipe-image/ferry"
expect "pipe image: a tampered archive fails the image build" \
    "$(sh bitbucket/verify-install.sh "$downloads/v0.1.0-bad" 0.1.0-bad "$docker_arch" "$work/pipe-image" >>"$log" 2>&1; echo $?)/$(test -e "$work/pipe-image/ferry" && echo installed)" "1/"
expect "pipe image: an archive SHA256SUMS does not list fails the image build" \
    "$(sh bitbucket/verify-install.sh "$downloads/v1.2.3" 1.3.0 "$docker_arch" "$work/pipe-image" 2>&1 | tail -n 1)" "verify-install: SHA256SUMS lists no ferry-1.3.0-$triple.tar.gz"

# Azure FerryInstaller for real (no mocks): tool-lib download from loopback, verify, cache.
node azure-pipelines-tasks/build.js --stage >>"$log" 2>&1 || bad "stage the Azure extension"
stage=$root/azure-pipelines-tasks/dist/extension
mkdir -p "$work/agent-temp" "$work/agent-tools"
az_task() { # TASK NAME=VALUE... (inputs; ENV:NAME=VALUE for other environment variables)
    local task=$1
    shift
    local vars=(AGENT_TEMPDIRECTORY="$work/agent-temp" AGENT_TOOLSDIRECTORY="$work/agent-tools"
        SYSTEM_DEFAULTWORKINGDIRECTORY="$az_workspace" AGENT_VERSION=4.260.0)
    local item
    for item in "$@"; do
        case "$item" in
            ENV:*) vars+=("${item#ENV:}") ;;
            *) vars+=("INPUT_$(tr '[:lower:]' '[:upper:]' <<<"${item%%=*}")=${item#*=}") ;;
        esac
    done
    az_stdout=$(cd "$az_workspace" && env "${vars[@]}" node "$stage/tasks/$task/index.js" 2>&1)
    az_status=$?
    printf '== az_task %s (exit %s)\n%s\n' "$task" "$az_status" "$az_stdout" >>"$log"
}
az_var() { grep -oE "##vso\[task\.setvariable variable=$1;[^]]*\].*" <<<"$az_stdout" | tail -n 1 | sed 's/^[^]]*\]//'; }
# az_outputs_declared TASK: the output variables the last run set that TASK's task.json does not
# declare in outputVariables ("none" when all are), so pipelines can reference each one.
az_outputs_declared() {
    grep -oE '##vso\[task\.setvariable variable=[^;]*;isOutput=true' <<<"$az_stdout" | sed 's/.*variable=//; s/;.*//' | sort -u |
        python3 -c 'import json, sys; declared = {o["name"] for o in json.load(open(sys.argv[1]))["outputVariables"]}
missing = [name for name in sys.stdin.read().split() if name not in declared]; print(" ".join(missing) or "none")' \
            "azure-pipelines-tasks/tasks/$1/task.json"
}
az_workspace=$work/az
mkdir -p "$az_workspace"
az_loopback=(downloadBaseUrl="$download_url" checksumsBaseUrl="$download_url" releasesUrl="$releases_url")
az_task FerryInstaller version=0.1.0-e2e "${az_loopback[@]}"
expect_match "FerryInstaller: succeeds" "$az_stdout" '##vso\[task\.complete result=Succeeded;'
expect "FerryInstaller: output ferryPath is in the agent tool cache" "$(az_var ferryPath)" "$work/agent-tools/ferry/0.1.0-e2e/$arch/ferry"
expect_match "FerryInstaller: prepends the tool to PATH" "$az_stdout" "##vso\[task\.prependpath\]$work/agent-tools/ferry/0.1.0-e2e/"
for case in latest:2.0.0 '^1.2:1.3.0' '~1.2.0:1.2.3'; do
    az_task FerryInstaller version="${case%%:*}" "${az_loopback[@]}"
    expect "FerryInstaller: version ${case%%:*} resolves to ${case#*:} and installs it" "$(az_var ferryVersion)/$(az_var ferryPath)" \
        "${case#*:}/$work/agent-tools/ferry/${case#*:}/$arch/ferry"
done
az_task FerryInstaller version=3 "${az_loopback[@]}"
expect_match "FerryInstaller: a range no release satisfies fails" "$az_stdout" "##vso\[task\.complete result=Failed;\]no released version satisfies '3'"
az_task FerryInstaller version=0.1.0-bad "${az_loopback[@]}"
expect_match "FerryInstaller: a tampered archive (checksum mismatch) fails the task" "$az_stdout" '##vso\[task\.complete result=Failed;\]checksum mismatch'
az_task FerryInstaller version=7.7.7 "${az_loopback[@]}"
expect_match "FerryInstaller: a release without published checksums fails the task" "$az_stdout" '##vso\[task\.complete result=Failed;\]could not read .*/v7\.7\.7/SHA256SUMS'

# ------------------------------------------------------------------------------------------------
# The release workflow's last job: the pull request that makes a release the adapters' default
# version. `gh` is a stub that answers the REST calls and records the files it is asked to write.
section "Release: adapter-version-pr.sh (stub gh)"
gh_stub=$work/gh-stub
mkdir -p "$gh_stub/bin" "$gh_stub/put"
cat >"$gh_stub/bin/gh" <<'GH'
#!/usr/bin/env bash
# Stub of the GitHub CLI for adapter-version-pr.sh.
echo "$*" >>"$GH_STUB/calls"
case "$1 $2" in
    "api repos/o/r") echo main ;;
    "api repos/o/r/git/ref/heads/main") echo 0123abcd ;;
    "api repos/o/r/git/refs") echo '{}' ;;
    "pr create") echo "https://github.com/o/r/pull/1" ;;
    *)
        if [ "$2" = --method ]; then
            path=${4#repos/o/r/contents/}
            for arg in "$@"; do
                case "$arg" in content=*) mkdir -p "$GH_STUB/put/$(dirname "$path")" && printf '%s' "${arg#content=}" | base64 -d >"$GH_STUB/put/$path" ;; esac
            done
            echo '{}'
        else
            echo filesha
        fi
        ;;
esac
GH
chmod +x "$gh_stub/bin/gh"
pr_out=$(cd "$root" && PATH="$gh_stub/bin:$PATH" GH_STUB=$gh_stub GH_REPO=o/r GITHUB_REF_NAME=v9.8.7 \
    bash .github/scripts/adapter-version-pr.sh 2>&1)
expect "version PR: the script succeeds" "$?" 0
printf '%s\n' "$pr_out" >>"$log"
expect "version PR: the default version becomes the release (GitHub action and Jenkins library)" \
    "$(cat "$gh_stub/put/actions/setup/VERSION" "$gh_stub/put/jenkins/resources/ferry/VERSION" 2>/dev/null | tr '\n' ' ')" "9.8.7 9.8.7 "
expect "version PR: no checksum file is written (installers read each release's SHA256SUMS)" \
    "$(find "$gh_stub/put" -name 'checksums*' | wc -l)" 0
expect_match "version PR: a pull request is opened from a new branch" "$(cat "$gh_stub/calls" 2>/dev/null)" \
    'pr create --base main --head adapters/version-9.8.7'

# ------------------------------------------------------------------------------------------------
section "Bitbucket: pipe.sh against a stub ferry"
bb_workspace=$work/bb-unit
mkdir -p "$bb_workspace"
bb_out=$(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=deploy PROJECT='Hello World' RELEASE_VERSION=1.0.0 \
    ENVIRONMENTS_COUNT=2 ENVIRONMENTS_0=Development ENVIRONMENTS_1=' Test ' VARIABLES=$'Url=https://x.test/a?b=c\nQuote=it\'s "$HOME" `id`' \
    FERRY_API_KEY=API-STUBKEY0002 sh "$root/bitbucket/pipe.sh" 2>&1)
expect "pipe: deploy succeeds" "$?" 0
expect "pipe: variables become flags (YAML lists, NAME=VALUE, wait defaults to true)" "$(tr '\n' '|' <"$STUB_DIR/args")" \
    "-o|json|release|deploy|--project|Hello World|--version|1.0.0|--to|Development|--to|Test|--variable|Url=https://x.test/a?b=c|--variable|Quote=it's \"\$HOME\" \`id\`|--wait|"
expect "pipe: the API key reaches ferry in the environment" "$(cat "$STUB_DIR/key")" API-STUBKEY0002
if grep -q 'https://x.test' <<<"$bb_out"; then bad "pipe: prompted variable values are hidden in the log"; else ok "pipe: prompted variable values are hidden in the log"; fi
(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=wait TASK_IDS_COUNT=2 TASK_IDS_0=ServerTasks-1 TASK_IDS_1=ServerTasks-2 TIMEOUT=5m \
    sh "$root/bitbucket/pipe.sh" >>"$log" 2>&1)
expect "pipe: COMMAND=wait waits for TASK_IDS" "$(args_json)" "$(expected_json -o json task wait --timeout 5m ServerTasks-1 ServerTasks-2)"
(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=deploy PROJECT=Hello RELEASE_VERSION=1.0.0 ENVIRONMENTS=Production \
    TENANTS=Acme TENANT_TAGS_COUNT=2 TENANT_TAGS_0=Region/EU TENANT_TAGS_1=Tier/Gold GUIDED_FAILURE=true \
    DEPLOY_AT=2026-12-01T22:00:00+01:00 NO_DEPLOY_AFTER=2026-12-02T06:00:00+01:00 OCTOPUS_ACCESS_TOKEN=BB-ACCESS-TOKEN-0001 \
    sh "$root/bitbucket/pipe.sh" >>"$log" 2>&1)
expect "pipe: TENANTS, TENANT_TAGS, GUIDED_FAILURE, DEPLOY_AT, NO_DEPLOY_AFTER" "$(args_json)" \
    "$(expected_json -o json release deploy --project Hello --version 1.0.0 --to Production --tenant Acme --tenant-tag Region/EU \
        --tenant-tag Tier/Gold --guided-failure --deploy-at 2026-12-01T22:00:00+01:00 --no-deploy-after 2026-12-02T06:00:00+01:00 --wait)"
expect "pipe: OCTOPUS_ACCESS_TOKEN reaches ferry in the environment" "$(cat "$STUB_DIR/access_token")" BB-ACCESS-TOKEN-0001
(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=ship PROJECT=Hello PACKAGE_ID=Hello VERSION=1.2.3 WAIT=false \
    RELEASE_PACKAGES=$'Sidecar:2.0.0\nTools:1.1.0' RELEASE_NOTES_FILE=notes.md GIT_REF=refs/heads/main GIT_COMMIT=0123abc \
    sh "$root/bitbucket/pipe.sh" >>"$log" 2>&1)
expect "pipe ship: RELEASE_PACKAGES, RELEASE_NOTES_FILE, GIT_REF, GIT_COMMIT" "$(args_json)" \
    "$(expected_json -o json ship --project Hello --id Hello --version 1.2.3 --package Sidecar:2.0.0 --package Tools:1.1.0 \
        --release-notes-file notes.md --git-ref refs/heads/main --git-commit 0123abc)"
(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=runbook PROJECT=Hello RUNBOOK='Restart web' ENVIRONMENTS=Production \
    TENANT_TAGS=Region/EU VARIABLES=Reason=nightly sh "$root/bitbucket/pipe.sh" >>"$log" 2>&1)
expect "pipe: COMMAND=runbook runs the runbook and waits by default" "$(args_json)" \
    "$(expected_json -o json runbook run --project Hello --runbook 'Restart web' --environment Production --tenant-tag Region/EU \
        --variable Reason=nightly --wait)"
mkdir -p "$bb_workspace/dist/b" "$bb_workspace/dist/c/d"
touch "$bb_workspace/dist/a.1.0.0.zip" "$bb_workspace/dist/b/b.1.0.0.zip" "$bb_workspace/dist/c/d/c.1.0.0.zip" "$bb_workspace/dist/notes.txt"
(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=push PACKAGES_COUNT=2 PACKAGES_0='dist/**/*.zip' PACKAGES_1=other/plain.1.0.0.zip \
    sh "$root/bitbucket/pipe.sh" >>"$log" 2>&1)
expect "pipe: PACKAGES dist/**/*.zip recurses in the clone; plain paths pass through" "$(args_json)" \
    "$(expected_json -o json package push dist/a.1.0.0.zip dist/b/b.1.0.0.zip dist/c/d/c.1.0.0.zip other/plain.1.0.0.zip)"
bb_out=$(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=push PACKAGES='nothing/**/*.zip' sh "$root/bitbucket/pipe.sh" 2>&1)
expect "pipe: a glob matching nothing is exit 2" "$?" 2
bb_out=$(cd "$bb_workspace" && env FERRY_BIN="$stub" COMMAND=deploy PROJECT=Hello sh "$root/bitbucket/pipe.sh" 2>&1)
expect "pipe: a missing variable is exit 2" "$?" 2
bb_out=$(cd "$bb_workspace" && env FERRY_BIN="$stub" STUB_EXIT=3 COMMAND=promote PROJECT=Hello FROM=Development ENVIRONMENTS=Test sh "$root/bitbucket/pipe.sh" 2>&1)
expect "pipe: ferry's exit 3 is the pipe's exit 3" "$?" 3
expect_match "pipe: ... with a failure line" "$bb_out" '✖ ferry promote: a deployment finished unsuccessfully'

# ------------------------------------------------------------------------------------------------
section "Safety on every adapter: no server in CI, hostile arguments, masking"
# The real binary with no server: in a CI job it must refuse (exit 2) and name the setting to fix,
# and start no embedded server, unless the adapter's embedded input asks for it.
safe=$work/safety
mkdir -p "$safe/bin" "$safe/gh" "$safe/az" "$safe/bb"
# The embedded server creates releases only of declared projects (only `ship` makes one on first use).
no_server_config=$'[[environments]]\nname = "Development"\n\n[[projects]]\nname = "NoServer"\n'
for dir in gh az bb; do printf '%s' "$no_server_config" > "$safe/$dir/ferry.toml"; done
ln -sf "$real_ferry" "$safe/bin/ferry"
gh_workspace=$safe/gh
PATH="$safe/bin:$PATH" gh_action actions/release project=NoServer version=1.0.0
expect "GitHub: no server in CI fails the step with exit 2" "$gh_status" 2
# shellcheck disable=SC2016 # backticks are text in the message
expect_match "GitHub: ... naming the server input" "$gh_stdout" 'no server configured.*`server` input'
expect "GitHub: ... and starts no embedded server" "$(test -e "$safe/gh/.ferry" && echo started || echo none)" none
PATH="$safe/bin:$PATH" gh_action actions/release project=NoServer version=1.0.0 embedded=true
expect "GitHub: embedded: true uses the embedded server" "$gh_status/$(gh_output release-version)" 0/1.0.0

az_workspace=$safe/az
az_task FerryCreateRelease project=NoServer releaseVersion=1.0.0 ENV:TF_BUILD=True "ENV:FERRY_BIN=$real_ferry"
expect_match "Azure: no server connection in CI fails the task" "$az_stdout" '##vso\[task\.complete result=Failed;'
expect_match "Azure: ... naming the ferryService input" "$az_stdout" 'no server configured.*ferryService'
az_task FerryCreateRelease project=NoServer releaseVersion=1.0.0 embedded=true ENV:TF_BUILD=True "ENV:FERRY_BIN=$real_ferry"
expect_match "Azure: embedded: true uses the embedded server" "$az_stdout" '##vso\[task\.complete result=Succeeded;'

bb_out=$(cd "$safe/bb" && env FERRY_BIN="$real_ferry" BITBUCKET_BUILD_NUMBER=5 CI=true COMMAND=create-release PROJECT=NoServer \
    RELEASE_VERSION=1.0.0 sh "$root/bitbucket/pipe.sh" 2>&1)
expect "Bitbucket: no FERRY_SERVER in Pipelines fails the pipe with exit 2" "$?" 2
expect_match "Bitbucket: ... saying why" "$bb_out" 'no server configured: Ferry runs in BitBucket'
expect_match "Bitbucket: ... naming the FERRY_SERVER variable" "$bb_out" 'hint: set the repository or deployment variable FERRY_SERVER'
if grep -q 'error: error:' <<<"$bb_out"; then bad "Bitbucket: the error is marked once (no 'error: error:')" "$bb_out"; else
    ok "Bitbucket: the error is marked once (no 'error: error:')"; fi
bb_out=$(cd "$safe/bb" && env FERRY_BIN="$real_ferry" BITBUCKET_BUILD_NUMBER=5 CI=true COMMAND=create-release PROJECT=NoServer \
    RELEASE_VERSION=1.0.0 EMBEDDED=true sh "$root/bitbucket/pipe.sh" 2>&1)
expect "Bitbucket: EMBEDDED=true uses the embedded server" "$?" 0
# (Jenkins: tests/adapters/jenkins-e2e.groovy, with the real binary and JENKINS_URL set.)

# Hostile values: each must reach ferry as one argument, unchanged, on every adapter. (Jenkins:
# jenkins/test/steps.test.groovy, including the Windows `bat` path as a unit.)
hostile_note=$'x" --server "https://evil $(touch pwned) `touch pwned` %PATH% !PATH! it\'s\nsecond line ✓'
hostile_value=$'a"b\'c $(id) `id` %USERPROFILE% ^& | ; --server https://evil'
gh_workspace=$safe/gh
rm -f "$STUB_DIR/args.json"
PATH="$work/stub:$PATH" gh_action actions/release project=Hello version=1.0.0 release-notes="$hostile_note"
expect "GitHub: hostile release notes reach ferry as one argument" "$(args_json)" \
    "$(expected_json -o json release create --project Hello --version 1.0.0 --release-notes "$hostile_note")"
PATH="$work/stub:$PATH" gh_action actions/deploy project=Hello version=1.0.0 to=Dev variable="Note=$hostile_value"
expect "GitHub: a hostile variable value reaches ferry as one argument" "$(args_json)" \
    "$(expected_json -o json release deploy --project Hello --version 1.0.0 --to Dev --variable "Note=$hostile_value" --wait)"
az_task FerryCreateRelease project=Hello releaseVersion=1.0.0 releaseNotes="$hostile_note" "ENV:FERRY_BIN=$stub" "ENV:STUB_DIR=$STUB_DIR"
expect "Azure: hostile release notes reach ferry as one argument" "$(args_json)" \
    "$(expected_json -o json release create --project Hello --version 1.0.0 --release-notes "$hostile_note")"
az_task FerryDeploy project=Hello releaseVersion=1.0.0 environments=Dev variables="Note=$hostile_value" "ENV:FERRY_BIN=$stub" "ENV:STUB_DIR=$STUB_DIR"
expect "Azure: a hostile variable value reaches ferry as one argument" "$(args_json)" \
    "$(expected_json -o json release deploy --project Hello --version 1.0.0 --to Dev --variable "Note=$hostile_value")"
(cd "$safe/bb" && env FERRY_BIN="$stub" COMMAND=create-release PROJECT=Hello RELEASE_VERSION=1.0.0 RELEASE_NOTES="$hostile_note" \
    VARIABLES="Note=$hostile_value" sh "$root/bitbucket/pipe.sh" >>"$log" 2>&1)
expect "Bitbucket: hostile release notes reach ferry as one argument" "$(args_json)" \
    "$(expected_json -o json release create --project Hello --version 1.0.0 --release-notes "$hostile_note")"
expect "no adapter ran a command substitution" "$(find "$safe" "$root" -maxdepth 2 -name pwned | wc -l)" 0

# Masking: a prompted variable's value may be a secret. Scan each adapter's log: the value must be
# registered with the CI's masking before it appears anywhere else (GitHub ::add-mask::, Azure
# ##vso[task.setsecret]), or never appear (Bitbucket, Jenkins: the command line shows NAME=***).
secret_value='S3cret-Prompted-Value-7781'
PATH="$work/stub:$PATH" gh_action actions/deploy project=Hello version=1.0.0 to=Dev variable="DbPassword=$secret_value"
expect "GitHub masking: the first log line with the value is its ::add-mask::" "$(first_line_with "$gh_stdout" "$secret_value")" "::add-mask::$secret_value"
az_task FerryDeploy project=Hello releaseVersion=1.0.0 environments=Dev variables="DbPassword=$secret_value" "ENV:FERRY_BIN=$stub" "ENV:STUB_DIR=$STUB_DIR"
expect "Azure masking: the first log line with the value is its ##vso[task.setsecret]" "$(first_line_with "$az_stdout" "$secret_value")" "##vso[task.setsecret]$secret_value"
bb_out=$(cd "$safe/bb" && env FERRY_BIN="$stub" COMMAND=deploy PROJECT=Hello RELEASE_VERSION=1.0.0 ENVIRONMENTS=Dev \
    VARIABLES="DbPassword=$secret_value" sh "$root/bitbucket/pipe.sh" 2>&1)
expect "Bitbucket masking: the value is not in the pipe's log" "$(first_line_with "$bb_out" "$secret_value")" ""

# ------------------------------------------------------------------------------------------------
section "Azure: access token, ** globs in the working directory (task shims for real, stub ferry)"
access_token='eyJhbGciOiJSUzI1NiJ9.AZURE-ACCESS-TOKEN-7731'
az_workspace=$safe/az
az_task FerryWait taskIds=ServerTasks-1 accessToken="$access_token" "ENV:FERRY_BIN=$stub" "ENV:STUB_DIR=$STUB_DIR"
expect "Azure: the accessToken input reaches ferry as OCTOPUS_ACCESS_TOKEN" "$(cat "$STUB_DIR/access_token")" "$access_token"
expect "Azure: ... registered as a secret before it could appear" "$(first_line_with "$az_stdout" "$access_token")" "##vso[task.setsecret]$access_token"
if grep -qF -- "$access_token" "$STUB_DIR/args"; then bad "Azure: the access token is not on the command line"; else ok "Azure: the access token is not on the command line"; fi
mkdir -p "$az_workspace/app/dist/b" "$az_workspace/app/dist/c/d" "$az_workspace/dist"
touch "$az_workspace/app/dist/a.1.0.0.zip" "$az_workspace/app/dist/b/b.1.0.0.zip" "$az_workspace/app/dist/c/d/c.1.0.0.zip" \
    "$az_workspace/dist/outside.1.0.0.zip"
az_task FerryPush workingDirectory="$az_workspace/app" packages='dist/**/*.zip' "ENV:FERRY_BIN=$stub" "ENV:STUB_DIR=$STUB_DIR"
expect "Azure: dist/**/*.zip recurses, relative to workingDirectory" "$(args_json)" \
    "$(expected_json -o json package push "$az_workspace/app/dist/a.1.0.0.zip" "$az_workspace/app/dist/b/b.1.0.0.zip" "$az_workspace/app/dist/c/d/c.1.0.0.zip")"

# ------------------------------------------------------------------------------------------------
section "End to end: ferry server on loopback"
key=API-ADAPTERSE2E0123456789
server_dir=$work/server
mkdir -p "$server_dir"
cat >"$server_dir/ferry.toml" <<EOF
api_keys = ["$key"]

[[environments]]
name = "Development"
[[environments]]
name = "Test"

[[lifecycles]]
name = "Default"
[[lifecycles.phases]]
name = "Development"
environments = ["Development"]
automatic = true
[[lifecycles.phases]]
name = "Test"
environments = ["Test"]
EOF
# One project per adapter (its deploy succeeds) and one whose deploy always fails.
for project in GhApp GhShip AzShip JkShip BbShip Hello Broken; do
    deploy=./deploy.sh
    [ "$project" != Broken ] || deploy=./fail.sh
    printf '\n[[projects]]\nname = "%s"\nlifecycle = "Default"\npackages = ["%s"]\ndeploy = "%s"\n' \
        "$project" "$project" "$deploy" >>"$server_dir/ferry.toml"
done
cat >"$server_dir/deploy.sh" <<'EOF'
#!/bin/sh
echo "deploying $FERRY_PROJECT $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT"
EOF
cat >"$server_dir/fail.sh" <<'EOF'
#!/bin/sh
echo "this deployment fails on purpose" >&2
exit 1
EOF
chmod +x "$server_dir/deploy.sh" "$server_dir/fail.sh"
"$real_ferry" --config "$server_dir/ferry.toml" --data "$server_dir/data" server --listen 127.0.0.1:0 >"$server_dir/server.log" 2>&1 &
pids+=($!)
server=""
for _ in $(seq 1 200); do
    server=$(sed -n 's/.*listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$server_dir/server.log" | head -n 1)
    [ -z "$server" ] || break
    sleep 0.1
done
if [ -z "$server" ]; then
    bad "ferry server started" "$(tail -n 20 "$server_dir/server.log")"
    echo "adapters: $passed passed, $failed failed"
    exit 1
fi
ok "ferry server listens on $server"

api() { curl -fsS --max-time 10 -H "X-Octopus-ApiKey: $key" "$server$1"; }
# json EXPR: evaluates a Python expression over the JSON document on stdin (bound to `d`).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); v=($1); print(v if not isinstance(v,(dict,list)) else json.dumps(v))"; }
expect "the server requires the API key" "$(curl -s -o /dev/null -w '%{http_code}' "$server/api/projects/all")" 401
# server_release PROJECT VERSION -> Releases-N (empty when missing)
server_release() { api "/api/projects/$1/releases/$2" 2>/dev/null | json 'd["Id"]' 2>/dev/null; }
env_id() { api /api/environments/all | json "[e['Id'] for e in d if e['Name']=='$1'][0]"; }
dev_id=$(env_id Development)
test_id=$(env_id Test)
# deployment_state RELEASE_ID ENVIRONMENT_ID -> state of the newest deployment's task
deployment_state() {
    local task
    task=$(api "/api/releases/$1/deployments" | json "[x['TaskId'] for x in d['Items'] if x['EnvironmentId']=='$2'][0]" 2>/dev/null)
    [ -n "$task" ] && api "/api/tasks/$task" | json 'd["State"]'
}

# A git repository so build information has commits.
init_repo() {
    mkdir -p "$1/site"
    (cd "$1" && git init -q -b main . && echo "<h1>$2</h1>" >site/index.html && git add -A &&
        git commit -q -m "FER-1 first page" && echo "<p>more</p>" >>site/index.html && git commit -qam "FER-2 second change") >>"$log" 2>&1
}

# --- GitHub Actions ---
section "  GitHub Actions (composite actions' scripts, simulated runner)"
gh_workspace=$work/gh
init_repo "$gh_workspace" GhApp
mkdir -p "$work/bin" && ln -sf "$real_ferry" "$work/bin/ferry"
export GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=ferry-deploy/example GITHUB_RUN_ID=4242 GITHUB_RUN_NUMBER=17 \
    GITHUB_WORKFLOW=ship GITHUB_EVENT_NAME=workflow_dispatch GITHUB_REF=refs/heads/main GITHUB_REF_NAME=main GITHUB_REF_TYPE=branch
GITHUB_SHA=$(git -C "$gh_workspace" rev-parse HEAD)
export GITHUB_SHA
export PATH="$work/bin:$PATH" # ferry on PATH, as actions/setup leaves it
conn=(server="$server" api-key="$key")

gh_action actions/package id=GhApp version=1.0.0 base-path=site out-folder=out
expect "package: exit 0" "$gh_status" 0
expect "package: output package-path" "$(gh_output package-path)" out/GhApp.1.0.0.zip
expect "package: output package-sha256 is the file's sha256" "$(gh_output package-sha256)" \
    "$(sha256sum "$gh_workspace/out/GhApp.1.0.0.zip" 2>/dev/null | cut -d' ' -f1)"
expect_match "package: step summary" "$(cat "$gh_summary_file")" 'GhApp'

gh_action actions/push packages='out/*.zip' "${conn[@]}"
expect "push: exit 0" "$gh_status" 0
expect "push: the server has GhApp 1.0.0" "$(api '/api/packages?filter=GhApp' | json "[p['Version'] for p in d['Items'] if p['PackageId']=='GhApp']")" '["1.0.0"]'
gh_action actions/push packages=out/GhApp.1.0.0.zip "${conn[@]}"
expect "push: pushing it again fails by default (exit 1)" "$gh_status" 1
gh_action actions/push packages=out/GhApp.1.0.0.zip if-exists=ignore "${conn[@]}"
expect "push: ... and passes with if-exists: ignore" "$gh_status" 0

gh_action actions/build-info package-id=GhApp version=1.0.0 "${conn[@]}"
expect "build-info: exit 0" "$gh_status" 0
bi=$(api '/api/build-information?packageId=GhApp' | json "[x for x in d['Items'] if x['PackageId']=='GhApp'][0]")
expect "build-info: BuildEnvironment on the server" "$(json 'd["BuildEnvironment"]' <<<"$bi")" "GitHub Actions"
expect "build-info: BuildUrl from the runner variables" "$(json 'd["BuildUrl"]' <<<"$bi")" "https://github.com/ferry-deploy/example/actions/runs/4242"
expect "build-info: commits from git" "$(json 'len(d["Commits"])' <<<"$bi")" 2

gh_action actions/release project=GhApp version=1.0.0 package=GhApp:1.0.0 "${conn[@]}"
expect "release: exit 0" "$gh_status" 0
gh_release=$(server_release GhApp 1.0.0)
expect "release: output release-id is the server's release" "$(gh_output release-id)" "${gh_release:-missing}"
expect "release: output release-version" "$(gh_output release-version)" 1.0.0

gh_action actions/deploy project=GhApp version=1.0.0 to=Development "${conn[@]}"
expect "deploy: exit 0 (waits by default)" "$gh_status" 0
expect "deploy: output environments" "$(gh_output environments)" Development
expect_match "deploy: output deployment-ids" "$(gh_output deployment-ids)" '^Deployments-[0-9]+$'
expect_match "deploy: output task-ids" "$(gh_output task-ids)" '^ServerTasks-[0-9]+$'
expect "deploy: the server's task succeeded" "$(api "/api/tasks/$(gh_output task-ids)" | json 'd["State"]')" Success

gh_action actions/promote project=GhApp from=Development to=Test "${conn[@]}"
expect "promote: exit 0" "$gh_status" 0
expect "promote: output environments" "$(gh_output environments)" Test
expect "promote: GhApp 1.0.0 is deployed to Test on the server" "$(deployment_state "$gh_release" "$test_id")" Success

gh_action . project=GhShip id=GhShip version=2.0.0 base-path=site out-folder=out to=Development "${conn[@]}"
expect "ship (root action.yml): exit 0" "$gh_status" 0
for output in package-path package-sha256 release-id release-version deployment-ids task-ids environments; do
    if [ -n "$(gh_output "$output")" ]; then ok "ship: output $output is set ($(gh_output "$output" | head -c 40))"; else bad "ship: output $output is set"; fi
done
expect "ship: the release is on the server and deployed to Development" \
    "$(deployment_state "$(server_release GhShip 2.0.0)" "$dev_id")" Success
expect_match "ship: the step summary names the release" "$(cat "$gh_summary_file")" 'GhShip'

gh_action . project=Broken id=Broken version=1.0.0 base-path=site out-folder=out to=Development "${conn[@]}"
expect "ship: a failed deployment fails the step with exit 3" "$gh_status" 3
expect_match "ship: ... with an error annotation" "$gh_stdout" '::error'
expect_match "ship: ... and a step summary" "$(cat "$gh_summary_file")" '.'
# An Octopus-style workflow with only its `uses:` lines changed (examples/workflows/octopus-drop-in.yml):
# each Ferry step of the job runs with its `with:` values evaluated as the runner would
# (vars, secrets, github.run_number, earlier steps' outputs, fromJson(...)[0].serverTaskId).
section "  GitHub Actions: an Octopus workflow with only the uses: lines changed"
gh_workspace=$work/gh-octopus
init_repo "$gh_workspace" Hello
(cd "$gh_workspace" && mkdir -p out && "$real_ferry" -q package create --id Hello --version 1.0.55 --base-path site --out-folder out >/dev/null)
echo '{}' >"$work/octo-outputs.json"
cat >"$work/octo-step.py" <<'PY'
import json, re, sys, yaml
workflow, index, outputs_file, server, key = sys.argv[1:6]
steps = [s for s in yaml.safe_load(open(workflow))['jobs']['deploy']['steps']
         if s.get('uses', '').startswith('ferry-deploy/ferry/actions/') and s['uses'].split('/')[3].split('@')[0] != 'setup']
step = steps[int(index)]
outputs = json.load(open(outputs_file))
context = {'vars.OCTOPUS_URL': server, 'secrets.OCTOPUS_API_KEY': key, 'github.run_number': '55'}
def expression(expr):
    expr = expr.strip()
    m = re.fullmatch(r'fromJson\(steps\.(\w+)\.outputs\.(\w+)\)\[(\d+)\]\.(\w+)', expr)
    if m:
        return str(json.loads(outputs[m.group(1)][m.group(2)])[int(m.group(3))][m.group(4)])
    m = re.fullmatch(r'steps\.(\w+)\.outputs\.([\w-]+)', expr)
    if m:
        return outputs[m.group(1)][m.group(2)]
    return context[expr]
values = {name: re.sub(r'\$\{\{(.*?)\}\}', lambda m: expression(m.group(1)), str(value)) for name, value in step.get('with', {}).items()}
sys.stdout.write('\0'.join(['actions/' + step['uses'].split('/')[3].split('@')[0], step.get('id', '')] + [f'{k}={v}' for k, v in values.items()]) + '\0')
PY
for index in 0 1 2 3; do
    mapfile -d '' -t octo_step < <(python3 "$work/octo-step.py" examples/workflows/octopus-drop-in.yml "$index" "$work/octo-outputs.json" "$server" "$key")
    gh_action "${octo_step[0]}" "${octo_step[@]:2}"
    expect "Octopus workflow: ${octo_step[0]} (Octopus input names) succeeds" "$gh_status" 0
    gh_outputs | python3 -c 'import json, sys; all = json.load(open(sys.argv[1])); all[sys.argv[2]] = json.load(sys.stdin); json.dump(all, open(sys.argv[1], "w"))' \
        "$work/octo-outputs.json" "${octo_step[1]:-unnamed}"
done
expect "Octopus workflow: output release_number" "$(json 'd["release"]["release_number"]' <"$work/octo-outputs.json")" 1.0.55
expect_match "Octopus workflow: output server_tasks is Octopus's JSON array" "$(json 'd["deploy"]["server_tasks"]' <"$work/octo-outputs.json")" \
    '^\[\{"environmentName": ?"Development", ?"serverTaskId": ?"ServerTasks-[0-9]+"\}\]$'
expect "Octopus workflow: Hello 1.0.55 is deployed to Development on the server" "$(deployment_state "$(server_release Hello 1.0.55)" "$dev_id")" Success
unset GITHUB_SERVER_URL GITHUB_REPOSITORY GITHUB_RUN_ID GITHUB_RUN_NUMBER GITHUB_WORKFLOW GITHUB_EVENT_NAME GITHUB_REF GITHUB_REF_NAME GITHUB_REF_TYPE GITHUB_SHA

# --- Azure Pipelines ---
section "  Azure Pipelines (task shims run for real)"
az_workspace=$work/azp
init_repo "$az_workspace" AzShip
az_conn=(ferryService=ferry-conn "ENV:ENDPOINT_URL_ferry-conn=$server/" "ENV:ENDPOINT_AUTH_ferry-conn={\"parameters\":{\"apitoken\":\"$key\"},\"scheme\":\"Token\"}"
    "ENV:ENDPOINT_AUTH_SCHEME_ferry-conn=Token" "ENV:ENDPOINT_AUTH_PARAMETER_ferry-conn_APITOKEN=$key"
    ENV:TF_BUILD=True ENV:BUILD_BUILDID=311 ENV:BUILD_BUILDNUMBER=20261122.3 "ENV:SYSTEM_TEAMFOUNDATIONCOLLECTIONURI=https://dev.azure.com/ferry/"
    ENV:SYSTEM_TEAMPROJECT=Example "ENV:BUILD_SOURCEVERSION=$(git -C "$az_workspace" rev-parse HEAD)" ENV:BUILD_SOURCEBRANCH=refs/heads/main
    ENV:BUILD_REPOSITORY_PROVIDER=TfsGit "ENV:FERRY_BIN=$real_ferry")
az_task FerryShip project=AzShip packageId=AzShip packageVersion=1.0.0 basePath=site outFolder=out environments=Development wait=true "${az_conn[@]}"
expect_match "FerryShip: succeeds" "$az_stdout" '##vso\[task\.complete result=Succeeded;'
expect "FerryShip: output releaseVersion (##vso from the binary)" "$(az_var releaseVersion)" 1.0.0
expect "FerryShip: output releaseId is the server's release" "$(az_var releaseId)" "$(server_release AzShip 1.0.0)"
expect "FerryShip: output environments" "$(az_var environments)" Development
expect "FerryShip: output packagePath" "$(az_var packagePath)" out/AzShip.1.0.0.zip
expect_match "FerryShip: output taskIds" "$(az_var taskIds)" '^ServerTasks-[0-9]+$'
expect_match "FerryShip: output json (the shim's parsed result)" "$(az_var json)" '"deployments":\[\{'
expect "FerryShip: deployed to Development on the server" "$(deployment_state "$(server_release AzShip 1.0.0)" "$dev_id")" Success
expect "FerryShip: build information says Azure DevOps" \
    "$(api '/api/build-information?packageId=AzShip' | json "[x['BuildEnvironment'] for x in d['Items'] if x['PackageId']=='AzShip'][0]")" "Azure DevOps"
if grep -E '^\[command\]' <<<"$az_stdout" | grep -q "$key"; then bad "FerryShip: the API key is not on the command line"; else ok "FerryShip: the API key is not on the command line"; fi
expect_match "FerryShip: the API key is registered as a secret" "$az_stdout" "##vso\[task\.setsecret\]$key"
expect "FerryShip: every output variable it set is declared in task.json" "$(az_outputs_declared FerryShip)" none

az_task FerryPromote project=AzShip from=Development environments=Test wait=true "${az_conn[@]}"
expect_match "FerryPromote: succeeds" "$az_stdout" '##vso\[task\.complete result=Succeeded;'
expect "FerryPromote: deployed to Test on the server" "$(deployment_state "$(server_release AzShip 1.0.0)" "$test_id")" Success
expect "FerryPromote: every output variable it set is declared in task.json" "$(az_outputs_declared FerryPromote)" none

az_task FerryDeploy project=Broken releaseVersion=1.0.0 environments=Development wait=true "${az_conn[@]}"
expect_match "FerryDeploy: a failed deployment fails the task" "$az_stdout" '##vso\[task\.complete result=Failed;\]a deployment finished unsuccessfully'
# An existing Octopus Deploy service connection (OctoTFS's OctopusEndpoint type) works too.
az_task FerryCreateRelease octopusService=octo-conn project=AzShip releaseVersion=1.0.9 "ENV:ENDPOINT_URL_octo-conn=$server/" \
    "ENV:ENDPOINT_AUTH_octo-conn={\"parameters\":{\"apitoken\":\"$key\"},\"scheme\":\"Token\"}" "ENV:ENDPOINT_AUTH_SCHEME_octo-conn=Token" \
    "ENV:ENDPOINT_AUTH_PARAMETER_octo-conn_APITOKEN=$key" ENV:TF_BUILD=True "ENV:FERRY_BIN=$real_ferry"
expect_match "FerryCreateRelease with an OctopusEndpoint connection: succeeds" "$az_stdout" '##vso\[task\.complete result=Succeeded;'
expect "FerryCreateRelease with an OctopusEndpoint connection: OctoTFS's output release_number" "$(az_var release_number)" 1.0.9
expect "FerryCreateRelease with an OctopusEndpoint connection: the release is on the server" "$(server_release AzShip 1.0.9 | cut -c1-9)" Releases-
expect "FerryCreateRelease: every output variable it set is declared in task.json" "$(az_outputs_declared FerryCreateRelease)" none
az_task FerryDeploy project=AzShip releaseVersion=1.0.9 environments=Development wait=true "${az_conn[@]}"
expect_match "FerryDeploy: succeeds" "$az_stdout" '##vso\[task\.complete result=Succeeded;'
expect "FerryDeploy: every output variable it set is declared in task.json" "$(az_outputs_declared FerryDeploy)" none
az_task FerryWait taskIds="$(az_var taskIds)" "${az_conn[@]}"
expect_match "FerryWait: succeeds" "$az_stdout" '##vso\[task\.complete result=Succeeded;'
expect "FerryWait: every output variable it set is declared in task.json" "$(az_outputs_declared FerryWait)" none
az_task FerryRunRunbook project=AzShip runbook=Backup environments=Development "${az_conn[@]}"
expect_match "FerryRunRunbook against ferry server: fails the task as a usage error" "$az_stdout" '##vso\[task\.complete result=Failed;\]ferry rejected the inputs'
# shellcheck disable=SC2016 # backticks are text in the message
expect_match "FerryRunRunbook against ferry server: ... saying runbooks need Octopus Deploy" "$az_stdout" 'Runbooks are not supported by `ferry server`'

# --- Jenkins ---
section "  Jenkins (steps in the Groovy harness, sh really runs)"
jk_workspace=$work/jenkins-e2e
init_repo "$jk_workspace" JkShip
# For the no-server check's `embedded: true` release (ferry.toml is read only by the embedded server).
printf '%s' "$no_server_config" > "$jk_workspace/ferry.toml"
if command -v groovy >/dev/null 2>&1; then
    count_jenkins "$(E2E_SERVER=$server E2E_FERRY=$real_ferry E2E_DOWNLOAD_URL=$download_url E2E_RELEASES_URL=$releases_url \
        FERRY_CACHE_DIR="$work/jenkins-agent-cache" \
        FERRY_TEST_CREDENTIALS="ferry-api-key=$key,wrong-key=API-WRONGKEY0000" \
        JENKINS_URL=https://jenkins.example.com/ BUILD_NUMBER=8 BUILD_URL=https://jenkins.example.com/job/ship/8/ JOB_NAME=ship \
        GIT_COMMIT="$(git -C "$jk_workspace" rev-parse HEAD)" GIT_BRANCH=origin/main \
        jenkins_run "$jk_workspace" tests/adapters/jenkins-e2e.groovy)"
    expect "Jenkins: JkShip 1.0.0 is deployed to Test on the server" "$(deployment_state "$(server_release JkShip 1.0.0)" "$test_id")" Success
    expect "Jenkins: build information says Jenkins" \
        "$(api '/api/build-information?packageId=JkShip' | json "[x['BuildEnvironment'] for x in d['Items'] if x['PackageId']=='JkShip'][0]")" Jenkins
fi

# --- Bitbucket ---
section "  Bitbucket Pipelines (pipe.sh with BITBUCKET_* variables)"
bb_workspace=$work/bb
init_repo "$bb_workspace" BbShip
shared=$work/bb-shared
mkdir -p "$work/bb-home"
bb_env=(HOME="$work/bb-home" FERRY_BIN="$real_ferry" FERRY_SERVER="$server" FERRY_API_KEY="$key" BITBUCKET_BUILD_NUMBER=23 BITBUCKET_BRANCH=main
    "BITBUCKET_COMMIT=$(git -C "$bb_workspace" rev-parse HEAD)" BITBUCKET_REPO_FULL_NAME=ferry/example BITBUCKET_WORKSPACE=ferry
    BITBUCKET_REPO_SLUG=example BITBUCKET_CLONE_DIR="$bb_workspace" BITBUCKET_PIPE_SHARED_STORAGE_DIR="$shared" CI=true)
bb_out=$(cd "$bb_workspace" && env "${bb_env[@]}" COMMAND=ship PROJECT=BbShip PACKAGE_ID=BbShip VERSION=1.0.0 BASE_PATH=site OUT_FOLDER=out \
    ENVIRONMENTS_COUNT=1 ENVIRONMENTS_0=Development sh "$root/bitbucket/pipe.sh" 2>&1)
bb_status=$?
printf '== pipe ship (exit %s)\n%s\n' "$bb_status" "$bb_out" >>"$log"
expect "pipe ship: exit 0" "$bb_status" 0
expect "pipe ship: the clone is a git safe.directory before build information is collected" \
    "$(HOME=$work/bb-home git config --global --get-all safe.directory)" "$bb_workspace"
expect_match "pipe ship: success line" "$bb_out" '✔ ferry ship succeeded'
expect "pipe ship: result file" "$(json 'd["release"]["version"]' <"$bb_workspace/ferry-result.json" 2>/dev/null)" 1.0.0
expect_match "pipe ship: outputs.env for later pipes" "$(cat "$shared/ferry/outputs.env" 2>/dev/null)" '^FERRY_RELEASE_VERSION="1\.0\.0"$'
expect "pipe ship: deployed to Development on the server" "$(deployment_state "$(server_release BbShip 1.0.0)" "$dev_id")" Success
expect "pipe ship: build information says BitBucket" \
    "$(api '/api/build-information?packageId=BbShip' | json "[x['BuildEnvironment'] for x in d['Items'] if x['PackageId']=='BbShip'][0]")" BitBucket
bb_out=$(cd "$bb_workspace" && env "${bb_env[@]}" COMMAND=promote PROJECT=BbShip FROM=Development ENVIRONMENTS=Test sh "$root/bitbucket/pipe.sh" 2>&1)
expect "pipe promote: exit 0" "$?" 0
expect "pipe promote: deployed to Test on the server" "$(deployment_state "$(server_release BbShip 1.0.0)" "$test_id")" Success
bb_out=$(cd "$bb_workspace" && env "${bb_env[@]}" COMMAND=deploy PROJECT=Broken RELEASE_VERSION=1.0.0 ENVIRONMENTS=Development sh "$root/bitbucket/pipe.sh" 2>&1)
expect "pipe deploy: a failed deployment is exit 3" "$?" 3

# --- AppVeyor, Bamboo, Continua CI, TeamCity ---
section "  AppVeyor, Bamboo and Continua CI examples, the TeamCity meta-runner (run as each CI runs them)"
ex_workspace=$work/examples
init_repo "$ex_workspace" Hello
ex_commit=$(git -C "$ex_workspace" rev-parse HEAD)
# build_info VERSION EXPR: EXPR over the build information of package Hello VERSION on the server.
build_info() { api '/api/build-information?packageId=Hello' | json "[x for x in d['Items'] if x['PackageId']=='Hello' and x['Version']=='$1'][0]$2" 2>/dev/null; }

# AppVeyor: the example's build_script and deploy_script `sh:` lines, in bash, with AppVeyor's variables.
av_script=$(python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print("\n".join(e["sh"] for k in ("build_script", "deploy_script") for e in d[k]))' \
    examples/appveyor/appveyor.yml)
av_out=$(cd "$ex_workspace" && env -i PATH="$PATH" HOME="$HOME" FERRY_SERVER="$server" FERRY_API_KEY="$key" APPVEYOR=True CI=True \
    APPVEYOR_URL=https://ci.appveyor.com APPVEYOR_ACCOUNT_NAME=ferry APPVEYOR_PROJECT_SLUG=hello APPVEYOR_BUILD_ID=5123 \
    APPVEYOR_BUILD_NUMBER=31 APPVEYOR_BUILD_VERSION=1.0.31 APPVEYOR_REPO_PROVIDER=gitHub APPVEYOR_REPO_NAME=ferry-deploy/hello \
    APPVEYOR_REPO_BRANCH=main APPVEYOR_REPO_COMMIT="$ex_commit" bash -euc "$av_script" 2>&1)
av_status=$?
printf '== appveyor example (exit %s)\n%s\n' "$av_status" "$av_out" >>"$log"
expect "AppVeyor example: ships (exit 0)" "$av_status" 0
expect "AppVeyor example: build information says AppVeyor" "$(build_info 1.0.31 "['BuildEnvironment']")" AppVeyor
expect "AppVeyor example: the build link" "$(build_info 1.0.31 "['BuildUrl']")" https://ci.appveyor.com/project/ferry/hello/builds/5123
expect "AppVeyor example: deployed to Development" "$(deployment_state "$(server_release Hello 1.0.31)" "$dev_id")" Success

# Bamboo: the Specs' script task, with ${bamboo.buildNumber} substituted as Bamboo does, and the
# variables Bamboo exports to scripts.
# shellcheck disable=SC2016 # ${bamboo.buildNumber} is Bamboo's syntax, replaced in Python
ba_script=$(python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print([t["script"] for t in d["Ship"]["tasks"] if "script" in t][0]["scripts"][0].replace("${bamboo.buildNumber}", "42"))' \
    examples/bamboo/bamboo-specs.yaml)
ba_out=$(cd "$ex_workspace" && env -i PATH="$PATH" HOME="$HOME" bamboo_agentId=131073 bamboo_buildKey=FERRY-HELLO-JOB1 bamboo_buildNumber=42 \
    bamboo_buildResultsUrl=https://bamboo.example.com/browse/FERRY-HELLO-42 bamboo_planRepository_1_revision="$ex_commit" \
    bamboo_planRepository_1_branchName=main bamboo_planRepository_1_repositoryUrl=https://bitbucket.example.com/scm/ferry/hello.git \
    bamboo_ferry_server="$server" bamboo_ferry_password="$key" sh -c "$ba_script" 2>&1)
ba_status=$?
printf '== bamboo example (exit %s)\n%s\n' "$ba_status" "$ba_out" >>"$log"
expect "Bamboo example: ships (exit 0)" "$ba_status" 0
expect "Bamboo example: build information says Bamboo" "$(build_info 1.0.42 "['BuildEnvironment']")" Bamboo
expect "Bamboo example: the build result link" "$(build_info 1.0.42 "['BuildUrl']")" https://bamboo.example.com/browse/FERRY-HELLO-42
if grep -q "$key" <<<"$ba_out"; then bad "Bamboo example: the API key is not in the log"; else ok "Bamboo example: the API key is not in the log"; fi

# Continua CI: the Execute Program action (ferry --args-file ferry-ship.json) with Continua's variables.
cp examples/continua/ferry-ship.json "$ex_workspace/"
co_out=$(cd "$ex_workspace" && env -i PATH="$PATH" HOME="$HOME" FERRY_SERVER="$server" FERRY_API_KEY="$key" \
    "ContinuaCI.Version=1.9.2.100" "ContinuaCI.Build.BuildNumber=17" "ContinuaCI.Build.LatestChangeset.Revision=$ex_commit" \
    "ContinuaCI.Build.LatestChangeset.Branch=main" "$real_ferry" --args-file ferry-ship.json 2>&1)
co_status=$?
printf '== continua example (exit %s)\n%s\n' "$co_status" "$co_out" >>"$log"
expect "Continua CI example: ships (exit 0)" "$co_status" 0
expect "Continua CI example: build information says Continua CI, with the build number" \
    "$(api '/api/build-information?packageId=Hello' | json "sorted(x['BuildNumber'] for x in d['Items'] if x['PackageId']=='Hello' and x['BuildEnvironment']=='Continua CI')")" '["17"]'

# TeamCity: the meta-runner parsed as XML; its script is constant (no %parameter% inside) and every
# variable it reads is a declared env.* parameter; then it runs with the parameters as TeamCity
# passes them (env.* as environment variables) on a simulated agent.
tc_check=$(python3 - teamcity/ferry-ship.xml <<'PY'
import re, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
errors = []
if root.tag != 'meta-runner' or not root.get('name'):
    errors.append('root is not a named <meta-runner>')
params = {p.get('name'): p.get('value') for p in root.findall('./settings/parameters/param')}
runners = root.findall('./settings/build-runners/runner')
if len(runners) != 1 or runners[0].get('type') != 'simpleRunner':
    errors.append('expected one simpleRunner')
script = {p.get('name'): (p.get('value') or p.text or '') for p in runners[0].findall('./parameters/param')}.get('script.content', '')
if re.search(r'%[A-Za-z.]+%', script):
    errors.append('the script contains %parameter% references')
for name in sorted(set(re.findall(r'\$\{?(FERRY_[A-Z_]+)', script))):
    if 'env.' + name not in params:
        errors.append(f'the script reads {name}, which is no env.* parameter')
if not all(name.startswith('env.') for name in params):
    errors.append('a parameter is not an env.* parameter')
if 'password' not in [p.get('spec', '').split()[0] for p in root.findall('./settings/parameters/param') if p.get('name') == 'env.FERRY_API_KEY'][0]:
    errors.append('the API key is not a password parameter')
print('\n'.join(errors) if errors else 'ok')
print('=====')
print(script)
PY
)
expect "TeamCity meta-runner: valid XML, a constant script reading only declared env.* parameters" "$(sed '/^=====$/,$d' <<<"$tc_check")" ok
tc_script=$(sed '1,/^=====$/d' <<<"$tc_check")
tc_out=$(cd "$ex_workspace" && env -i PATH="$PATH" HOME="$HOME" TEAMCITY_VERSION=2025.03 BUILD_NUMBER=77 BUILD_VCS_NUMBER="$ex_commit" \
    FERRY_SERVER="$server" FERRY_API_KEY="$key" FERRY_SHIP_PROJECT=Hello FERRY_SHIP_PACKAGE_ID=Hello FERRY_SHIP_VERSION=1.0.77 \
    FERRY_SHIP_BASE_PATH=site FERRY_SHIP_ENVIRONMENTS=$'Development\n' FERRY_SHIP_IF_EXISTS=ignore FERRY_SHIP_BIN="$real_ferry" \
    sh -c "$tc_script" 2>&1)
tc_status=$?
printf '== teamcity meta-runner (exit %s)\n%s\n' "$tc_status" "$tc_out" >>"$log"
expect "TeamCity meta-runner: ships (exit 0)" "$tc_status" 0
expect_match "TeamCity meta-runner: results as service messages" "$tc_out" "##teamcity\[setParameter name='ferry\.release-version' value='1\.0\.77'\]"
expect "TeamCity meta-runner: build information says TeamCity" "$(build_info 1.0.77 "['BuildEnvironment']")" TeamCity
expect "TeamCity meta-runner: deployed to Development" "$(deployment_state "$(server_release Hello 1.0.77)" "$dev_id")" Success

# ------------------------------------------------------------------------------------------------
section "CLI contract, per command: every argument vector an adapter handed the stub parses with the real ferry"
# `--help` after the adapter's arguments: clap rejects an unknown flag of that command (exit 2)
# before it gets to the help, so each command's flags are checked on that command.
contract=$(python3 - "$real_ferry" "$STUB_DIR/all-args.jsonl" <<'PY'
import json, subprocess, sys
ferry, path = sys.argv[1:]
seen, bad = set(), []
for line in open(path, encoding='utf-8'):
    if not line.strip():
        continue
    argv = json.loads(line)
    if not argv or argv[0] == '--version' or json.dumps(argv) in seen:
        continue
    seen.add(json.dumps(argv))
    run = subprocess.run([ferry, *argv, '--help'], capture_output=True, text=True)
    if run.returncode != 0:
        first = next((l for l in run.stderr.splitlines() if l.startswith('error:')), run.stderr.strip()[:200])
        bad.append(f'{" ".join(argv[:4])} ...: {first}')
print(f'{len(seen)} vectors')
print('\n'.join(sorted(set(bad))) or 'none')
PY
)
expect "the real ferry accepts the adapters' $(head -n 1 <<<"$contract")" "$(tail -n +2 <<<"$contract")" none

echo "(details: ${log#"$root"/})"
echo "adapters: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
