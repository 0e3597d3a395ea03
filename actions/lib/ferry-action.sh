#!/usr/bin/env bash
# Shared by every Ferry composite action (actions/package, push, build-info, release, deploy,
# promote, ship and the root action.yml).
#
#   bash ferry-action.sh <operation>
#
# The action's `env:` block maps each input to an environment variable INPUT_<NAME> (upper case,
# `-` becomes `_`): composite actions get no INPUT_* variables from the runner, and inputs must
# never be pasted into a script as `${{ inputs.x }}`. This script turns those variables into a
# `ferry` argument vector (an array: no input text is ever evaluated as shell code), runs the
# binary, and makes sure the step has a summary. The binary itself detects GitHub Actions and
# writes the step outputs (package-path, release-id, deployment-ids, ...) to $GITHUB_OUTPUT.
#
# Input micro-syntax:
#   - list inputs: one value per line; blank lines and lines starting with `#` are ignored;
#     surrounding whitespace is trimmed.
#   - NAME=VALUE inputs (variable): split on the first `=` only, so values keep `=` and `:`.
#   - booleans: true/false (also yes/no, 1/0).
#   - server, api-key, space: when empty, the binary falls back to FERRY_SERVER / OCTOPUS_URL,
#     FERRY_API_KEY / OCTOPUS_API_KEY, FERRY_SPACE / OCTOPUS_SPACE from the environment.
#     The API key reaches the binary through the environment, never through its command line.
set -euo pipefail
# Environment hooks that would make bash run other code (cf. taiki-e/install-action).
unset BASH_ENV ENV CDPATH

lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
op=${1:-}

die() {
    # ::error:: makes the message an annotation on GitHub; plain text elsewhere.
    local message="$*"
    message=${message//'%'/'%25'}
    message=${message//$'\r'/'%0D'}
    message=${message//$'\n'/'%0A'}
    if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::error title=ferry ${op:-action}::$message"; else echo "error: $*" >&2; fi
    exit 2
}

# The value of input $1 (kebab-case), trimmed.
input() {
    local name
    name=$(printf 'INPUT_%s' "${1//-/_}" | tr '[:lower:]' '[:upper:]')
    local value=${!name:-}
    value="${value#"${value%%[![:space:]]*}"}"
    value="${value%"${value##*[![:space:]]}"}"
    printf '%s' "$value"
}

require() {
    local name
    for name in "$@"; do
        [ -n "$(input "$name")" ] || die "input '$name' is required for ${op}"
    done
}

argv=()
lines=()

# --flag VALUE when the input is not empty.
str() {
    local value
    value=$(input "$1")
    [ -z "$value" ] || argv+=("$2" "$value")
}

# --flag when the input is true.
bool() {
    local value
    value=$(input "$1")
    case "$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')" in
        true | yes | 1) argv+=("$2") ;;
        '' | false | no | 0) ;;
        *) die "input '$1' must be true or false, not '$value'" ;;
    esac
}

# The lines of a list input, trimmed, without blanks and # comments, into the array `lines`
# (bash 3.2 compatible: macOS's /bin/bash has no namerefs).
lines_of() {
    lines=()
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%$'\r'}"
        line="${line#"${line%%[![:space:]]*}"}"
        line="${line%"${line##*[![:space:]]}"}"
        [ -z "$line" ] || [ "${line:0:1}" = '#' ] || lines+=("$line")
    done <<<"$(input "$1")"
}

# --flag VALUE for each line of a list input.
list() {
    local value
    lines_of "$1"
    for value in ${lines[@]+"${lines[@]}"}; do argv+=("$2" "$value"); done
}

# --flag NAME=VALUE for each line; checked here so the error names the input.
pairs() {
    local value
    lines_of "$1"
    for value in ${lines[@]+"${lines[@]}"}; do
        case "$value" in
            *=*) [ -n "${value%%=*}" ] || die "input '$1': '$value' has no name before the first '='" ;;
            *) die "input '$1': '$value' is not NAME=VALUE (split on the first '=')" ;;
        esac
        argv+=("$2" "$value")
    done
}

# Positional file arguments; lines containing glob characters are expanded by bash (sorted;
# no match is an error; `**` matches any depth of folders). Only newlines split, so paths with
# spaces stay whole. Relative patterns resolve in the working directory (the script has changed
# into `working-directory` before any input is read).
files() {
    local value matches
    lines_of "$1"
    for value in ${lines[@]+"${lines[@]}"}; do
        case "$value" in
            *[*?[]*)
                local IFS=$'\n'
                shopt -s nullglob globstar
                # shellcheck disable=SC2206 # splitting on newlines and globbing are wanted here
                matches=($value)
                shopt -u nullglob globstar
                unset IFS
                [ ${#matches[@]} -gt 0 ] || die "input '$1': no file matches '$value'"
                argv+=("${matches[@]}")
                ;;
            *) argv+=("$value") ;;
        esac
    done
}

pack_options() {
    str format --format
    str base-path --base-path
    list include --include
    list exclude --exclude
    str out-folder --out-folder
    bool overwrite --overwrite
    str compression-level --compression-level
    list author --author
    str title --title
    str description --description
    str release-notes --release-notes
    str release-notes-file --release-notes-file
    bool preserve-mtimes --preserve-mtimes
    bool allow-empty --allow-empty
}

collect_options() {
    str since --since
    str max-commits --max-commits
    bool deepen --deepen
    str repo --repo
    list work-item-pattern --work-item-pattern
    str work-item-url --work-item-url
    list work-item --work-item
    str work-item-keys --work-item-keys
}

# --flag NAME=VALUE for each `Name: Value` line (the Octopus actions' syntax; split on the first
# colon, surrounding blanks trimmed, so URL values keep theirs).
colon_pairs() {
    local value name
    lines_of "$1"
    for value in ${lines[@]+"${lines[@]}"}; do
        case "$value" in
            *:*) ;;
            *) die "input '$1': '$value' is not 'Name: Value' (split on the first ':')" ;;
        esac
        name=${value%%:*}
        name="${name%"${name##*[![:space:]]}"}"
        [ -n "$name" ] || die "input '$1': '$value' has no name before the first ':'"
        value=${value#*:}
        value="${value#"${value%%[![:space:]]*}"}"
        argv+=("$2" "$name=$value")
    done
}

# Who a deployment or runbook run is for, when it runs and what it does on a failure.
audience_options() {
    list tenant --tenant
    list tenant-tag --tenant-tag
    pairs variable --variable
    colon_pairs variables --variable
    bool guided-failure --guided-failure
}

deploy_options() {
    audience_options
    str deploy-at --deploy-at
    str no-deploy-after --no-deploy-after
    bool wait --wait
    str timeout --timeout
    bool cancel-on-timeout --cancel-on-timeout
    str poll-interval --poll-interval
}

# Relative paths and globs in the inputs mean the step's working directory.
working_directory=$(input working-directory)
[ -z "$working_directory" ] || cd "$working_directory" || die "working-directory '$working_directory' is not a folder"

case "$op" in
    package)
        require id version
        argv=(package create)
        str id --id
        str version --version
        pack_options
        ;;
    push)
        require packages
        argv=(package push)
        str if-exists --if-exists
        str overwrite-mode --overwrite-mode
        files packages
        ;;
    build-info)
        require package-id version
        argv=(build-info push)
        list package-id --package-id
        str version --version
        str file --file
        str if-exists --if-exists
        str overwrite-mode --overwrite-mode
        collect_options
        ;;
    release)
        require project
        argv=(release create)
        str project --project
        str version --version
        str channel --channel
        list package --package
        str package-version --package-version
        str release-notes --release-notes
        str release-notes-file --release-notes-file
        bool release-notes-auto --release-notes-auto
        str if-exists --if-exists
        str git-ref --git-ref
        str git-commit --git-commit
        ;;
    deploy)
        require project version to
        argv=(release deploy)
        str project --project
        str version --version
        list to --to
        deploy_options
        ;;
    promote)
        require project from to
        argv=(release promote)
        str project --project
        str from --from
        list to --to
        deploy_options
        ;;
    await-task)
        require server-task-id
        argv=(task wait)
        # Octopus's await-task-action counts seconds; plain numbers get their unit here.
        for name in timeout poll-interval; do
            value=$(input "$name")
            case "$value" in
                *[!0-9]*) argv+=("--$name" "$value") ;;
                ?*) argv+=("--$name" "${value}s") ;;
            esac
        done
        bool cancel-on-timeout --cancel-on-timeout
        lines_of server-task-id
        argv+=("${lines[@]}")
        ;;
    runbook)
        require project runbook environment
        argv=(runbook run)
        str project --project
        str runbook --runbook
        list environment --environment
        audience_options
        bool wait --wait
        str timeout --timeout
        bool cancel-on-timeout --cancel-on-timeout
        str poll-interval --poll-interval
        ;;
    ship)
        require project id version
        argv=(ship)
        str project --project
        str id --id
        str version --version
        pack_options
        str if-exists --if-exists
        str channel --channel
        list package --package
        str git-ref --git-ref
        str git-commit --git-commit
        list to --to
        collect_options
        deploy_options
        ;;
    *) die "unknown operation '${op}' (package, push, build-info, release, deploy, promote, await-task, runbook, ship)" ;;
esac

# Global flags. Secrets and connection settings travel in the environment.
global=(-o json)
str service-account-id --service-account-id
str ca-cert --ca-cert
str config --config
bool insecure --insecure
bool embedded --embedded
[ "$(input verbose)" != true ] || global+=(-v)
lines_of extra-args
extra=(${lines[@]+"${lines[@]}"})

server=$(input server)
api_key=$(input api-key)
space=$(input space)
[ -z "$server" ] || export FERRY_SERVER="$server"
[ -z "$space" ] || export FERRY_SPACE="$space"
if [ -n "$api_key" ]; then
    [ "${GITHUB_ACTIONS:-}" != true ] || echo "::add-mask::$api_key"
    export FERRY_API_KEY="$api_key"
fi
unset INPUT_API_KEY
# GitHub's API token (input github-token, default the job's token): build information reads
# commits and pull requests from the API where a shallow clone lacks them.
github_token=$(input github-token)
if [ -n "$github_token" ]; then
    [ "${GITHUB_ACTIONS:-}" != true ] || echo "::add-mask::$github_token"
    export GITHUB_TOKEN="$github_token"
fi
unset INPUT_GITHUB_TOKEN
# Prompted variable values may be secrets: mask each value before anything is printed (the
# command line echoed below shows them as ***). A value with a newline is masked line by line.
if [ "${GITHUB_ACTIONS:-}" = true ]; then
    for name in variable variables; do
        lines_of "$name"
        for pair in ${lines[@]+"${lines[@]}"}; do
            if [ "$name" = variable ]; then pair=${pair#*=}; else pair=${pair#*:}; fi
            pair="${pair#"${pair%%[![:space:]]*}"}"
            while IFS= read -r part; do
                [ -z "$part" ] || echo "::add-mask::$part"
            done <<<"$pair"
        done
    done
fi

# The binary: $FERRY_BIN, else `ferry` on PATH (actions/setup puts it there), else install the
# version this action was released with (verified against the checksums committed beside it).
ferry=${FERRY_BIN:-}
if [ -z "$ferry" ]; then
    ferry=$(command -v ferry || true)
fi
if [ -z "$ferry" ]; then
    echo "ferry is not on PATH; installing the version this action pins (use actions/setup to choose)" >&2
    ferry=$(INPUT_VERSION='' INPUT_PATH='' bash "$lib_dir/../setup/install.sh" | tail -n 1)
fi
[ -x "$ferry" ] || die "ferry binary '$ferry' is not executable"

command_line=("$ferry" "${global[@]}" "${argv[@]}" ${extra[@]+"${extra[@]}"})
printf 'ferry' >&2
printf ' %q' "${command_line[@]:1}" >&2
printf '\n' >&2

tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ferry-action.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
summary_before=0
outputs_before=0
[ -z "${GITHUB_STEP_SUMMARY:-}" ] || [ ! -f "$GITHUB_STEP_SUMMARY" ] || summary_before=$(wc -c <"$GITHUB_STEP_SUMMARY")
[ -z "${GITHUB_OUTPUT:-}" ] || [ ! -f "$GITHUB_OUTPUT" ] || outputs_before=$(wc -c <"$GITHUB_OUTPUT")

status=0
"${command_line[@]}" >"$tmp/result.json" || status=$?

if [ -s "$tmp/result.json" ]; then
    [ "${GITHUB_ACTIONS:-}" != true ] || echo "::group::ferry ${op} result (JSON)"
    cat "$tmp/result.json"
    echo
    [ "${GITHUB_ACTIONS:-}" != true ] || echo "::endgroup::"
fi

# The whole JSON result as output `json` (multi-line syntax with a random delimiter).
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    delimiter="ferry_$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    if ! grep -qF "$delimiter" "$tmp/result.json"; then
        printf 'json<<%s\n%s\n%s\n' "$delimiter" "$(cat "$tmp/result.json")" "$delimiter" >>"$GITHUB_OUTPUT"
    fi
fi

# A step summary on every run: when the binary wrote none (e.g. it failed early), write one here.
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    summary_after=0
    [ ! -f "$GITHUB_STEP_SUMMARY" ] || summary_after=$(wc -c <"$GITHUB_STEP_SUMMARY")
    if [ "$summary_after" -le "$summary_before" ]; then
        case "$status" in
            0) result="succeeded" ;;
            3) result="failed: a deployment finished unsuccessfully (exit 3)" ;;
            2) result="failed: invalid inputs (exit 2)" ;;
            *) result="failed (exit $status)" ;;
        esac
        {
            echo "### Ferry ${op}"
            echo
            echo "| | |"
            echo "|---|---|"
            echo "| Result | ${result} |"
            if [ -n "${GITHUB_OUTPUT:-}" ] && [ -f "$GITHUB_OUTPUT" ]; then
                # The single-line outputs the binary wrote during this run (name=value or
                # name<<DELIMITER form), as table rows.
                tail -c +"$((outputs_before + 1))" "$GITHUB_OUTPUT" | awk '
                    function row(name, value) { gsub(/\|/, "\\|", value); if (name != "json") printf "| `%s` | %s |\n", name, value }
                    delim != "" { if ($0 == delim) { if (lines == 1) row(name, value); delim = "" } else { lines++; value = $0 }; next }
                    /^[A-Za-z_][A-Za-z0-9_-]*<</ { name = substr($0, 1, index($0, "<<") - 1); delim = substr($0, index($0, "<<") + 2); lines = 0; value = ""; next }
                    /^[A-Za-z_][A-Za-z0-9_-]*=/ { row(substr($0, 1, index($0, "=") - 1), substr($0, index($0, "=") + 1)) }'
            fi
            echo
        } >>"$GITHUB_STEP_SUMMARY"
    fi
fi

case "$status" in
    0) ;;
    3) [ "${GITHUB_ACTIONS:-}" != true ] || echo "::error title=ferry ${op}::a deployment finished unsuccessfully" ;;
    *) [ "${GITHUB_ACTIONS:-}" != true ] || echo "::error title=ferry ${op}::ferry exited with status $status" ;;
esac
exit "$status"
