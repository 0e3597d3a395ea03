#!/bin/sh
# Ferry's Bitbucket Pipelines pipe: maps pipe variables to one `ferry` command.
# POSIX sh (the pipe image is Alpine with the static ferry binary; no bash needed).
#
# Variables (see README.md and pipe.yml):
#   COMMAND          ship (default) | package | push | build-info | create-release | deploy | promote
#                    | wait (TASK_IDS: server tasks to wait for, e.g. from FERRY_TASK_IDS of a deploy)
#                    | runbook (RUNBOOK in ENVIRONMENTS; Octopus Deploy servers only)
#   FERRY_SERVER     server URL (OCTOPUS_URL also works); FERRY_API_KEY (OCTOPUS_API_KEY), or an
#   FERRY_SPACE      access token in OCTOPUS_ACCESS_TOKEN; read by ferry from the environment: no
#                    secret reaches a command line.
#   PROJECT, PACKAGE_ID, VERSION, RELEASE_VERSION, CHANNEL, FROM, FORMAT, BASE_PATH, OUT_FOLDER,
#   IF_EXISTS, WAIT (default true), TIMEOUT, RELEASE_NOTES, RELEASE_NOTES_FILE, RELEASE_NOTES_AUTO,
#   SINCE, MAX_COMMITS, DEEPEN, OVERWRITE, CA_CERT, INSECURE, DEBUG, GIT_REF, GIT_COMMIT,
#   GUIDED_FAILURE, DEPLOY_AT, NO_DEPLOY_AFTER, RUNBOOK
#   EMBEDDED         true: use ferry's embedded server when FERRY_SERVER is empty (a throwaway
#                    server, for trying Ferry out); otherwise a missing server fails the pipe.
#   Lists (YAML lists, which Bitbucket passes as NAME_COUNT + NAME_0..n, or newline-separated):
#   ENVIRONMENTS, PACKAGES (globs allowed; `**` matches any depth of folders), PACKAGE_IDS, INCLUDE,
#   EXCLUDE, VARIABLES (NAME=VALUE, split on the first `=`), RELEASE_PACKAGES (ID:VERSION),
#   TENANTS, TENANT_TAGS (TAG-SET/TAG), WORK_ITEMS, EXTRA_ARGS
#   RESULT_FILE      where the JSON result is written (default: ferry-result.json); later steps can
#                    pick it up as an artifact. ferry also writes KEY=value outputs to
#                    $BITBUCKET_PIPE_SHARED_STORAGE_DIR/ferry/outputs.env.
set -eu

green() { printf '\033[32m%s\033[0m\n' "$*"; }
red() { printf '\033[31m%s\033[0m\n' "$*" >&2; }
fail() {
    red "✖ $1"
    exit "${2:-1}"
}

# The argument list is built as ARG_0..ARG_n (POSIX sh has no arrays, and functions cannot
# extend the caller's "$@"); `eval "ARG_$argc=\$1"` assigns the value verbatim, never evaluating it.
argc=0
push() {
    eval "ARG_$argc=\$1"
    argc=$((argc + 1))
}
push_value() { # FLAG-or-empty VALUE
    [ -z "$1" ] || push "$1"
    push "$2"
}

add_str() { # VARIABLE FLAG
    eval "value=\${$1:-}"
    [ -z "$value" ] || push_value "$2" "$value"
}

add_bool() { # VARIABLE FLAG [default]
    eval "value=\${$1:-${3:-false}}"
    case "$value" in
        true | True | TRUE | yes | 1) push_value "" "$2" ;;
        false | False | FALSE | no | 0 | "") ;;
        *) fail "$1 must be true or false, not '$value'" 2 ;;
    esac
}

# Each item of a list variable, one per line: NAME_COUNT/NAME_n (YAML lists) or NAME's lines.
list_items() { # VARIABLE
    eval "count=\${$1_COUNT:-}"
    if [ -n "$count" ]; then
        i=0
        while [ "$i" -lt "$count" ]; do
            eval "printf '%s\n' \"\${$1_$i}\""
            i=$((i + 1))
        done
    else
        eval "printf '%s\n' \"\${$1:-}\""
    fi | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' -e '/^#/d'
}

add_list() { # VARIABLE FLAG-or-empty (empty: positional) [pairs]
    items=$(list_items "$1")
    [ -n "$items" ] || return 0
    while IFS= read -r item; do
        if [ "${3:-}" = pairs ]; then
            case "$item" in
                =*) fail "$1: '$item' has no name before the first '='" 2 ;;
                *=*) ;;
                *) fail "$1: '$item' is not NAME=VALUE (split on the first '=')" 2 ;;
            esac
        fi
        push_value "$2" "$item"
    done <<ITEMS
$items
ITEMS
}

# The files matching a glob, relative to the working directory, sorted; `**/` matches any number
# of folders (none included), `*` and `?` stay within one folder name (bash's globstar rules).
glob_files() { # PATTERN
    regex=$(printf '%s' "$1" | sed -e 's/[].^$+(){}|\\[]/\\&/g' -e 's|\*\*/|%ANYDIRS%|g' -e 's/\*/[^\/]*/g' -e 's/?/[^\/]/g' \
        -e 's|%ANYDIRS%|(.*/)?|g')
    find . -type f | sed 's|^\./||' | grep -E "^${regex}\$" | LC_ALL=C sort
}

# Positional package files: each glob entry expands to its matches (none is an error).
add_files() { # VARIABLE
    items=$(list_items "$1")
    [ -n "$items" ] || return 0
    while IFS= read -r item; do
        case "$item" in
            *[*?]*)
                matches=$(glob_files "$item")
                [ -n "$matches" ] || fail "$1: no file matches '$item'" 2
                while IFS= read -r match; do push "$match"; done <<MATCHES
$matches
MATCHES
                ;;
            *) push "$item" ;;
        esac
    done <<ITEMS
$items
ITEMS
}

require() {
    for name in "$@"; do
        eval "value=\${$name:-}"
        [ -n "$value" ] || fail "variable $name is required for COMMAND=$COMMAND" 2
    done
}

pack_options() {
    add_str FORMAT --format
    add_str BASE_PATH --base-path
    add_list INCLUDE --include
    add_list EXCLUDE --exclude
    add_str OUT_FOLDER --out-folder
    add_bool OVERWRITE --overwrite
    add_str COMPRESSION_LEVEL --compression-level
}

collect_options() {
    add_str SINCE --since
    add_str MAX_COMMITS --max-commits
    add_bool DEEPEN --deepen
    add_list WORK_ITEMS --work-item
    add_str WORK_ITEM_URL --work-item-url
    add_str WORK_ITEM_KEYS --work-item-keys
}

# Who a deployment or runbook run is for and what it does on a failure.
audience_options() {
    add_list TENANTS --tenant
    add_list TENANT_TAGS --tenant-tag
    add_list VARIABLES --variable pairs
    add_bool GUIDED_FAILURE --guided-failure
}

deploy_options() {
    audience_options
    add_str DEPLOY_AT --deploy-at
    add_str NO_DEPLOY_AFTER --no-deploy-after
    add_bool WAIT --wait true
    add_str TIMEOUT --timeout
    add_bool CANCEL_ON_TIMEOUT --cancel-on-timeout
}

COMMAND=${COMMAND:-ship}
push_value "" -o
push_value "" json
add_str CA_CERT --ca-cert
add_bool INSECURE --insecure
add_bool EMBEDDED --embedded
add_bool DEBUG --verbose
case "$COMMAND" in
    ship)
        require PROJECT PACKAGE_ID VERSION
        push_value "" ship
        add_str PROJECT --project
        add_str PACKAGE_ID --id
        add_str VERSION --version
        pack_options
        add_str IF_EXISTS --if-exists
        add_str CHANNEL --channel
        add_list RELEASE_PACKAGES --package
        add_str RELEASE_NOTES_FILE --release-notes-file
        add_str GIT_REF --git-ref
        add_str GIT_COMMIT --git-commit
        add_list ENVIRONMENTS --to
        collect_options
        deploy_options
        ;;
    package)
        require PACKAGE_ID VERSION
        push_value "" package
        push_value "" create
        add_str PACKAGE_ID --id
        add_str VERSION --version
        pack_options
        ;;
    push)
        push_value "" package
        push_value "" push
        add_str IF_EXISTS --if-exists
        [ -n "$(list_items PACKAGES)" ] || fail "variable PACKAGES is required for COMMAND=push" 2
        add_files PACKAGES
        ;;
    build-info)
        require VERSION
        [ -n "$(list_items PACKAGE_IDS)" ] || fail "variable PACKAGE_IDS is required for COMMAND=build-info" 2
        push_value "" build-info
        push_value "" push
        add_list PACKAGE_IDS --package-id
        add_str VERSION --version
        add_str IF_EXISTS --if-exists
        collect_options
        ;;
    create-release)
        require PROJECT
        push_value "" release
        push_value "" create
        add_str PROJECT --project
        add_str RELEASE_VERSION --version
        add_str CHANNEL --channel
        add_list RELEASE_PACKAGES --package
        add_str PACKAGE_VERSION --package-version
        add_str RELEASE_NOTES --release-notes
        add_str RELEASE_NOTES_FILE --release-notes-file
        add_bool RELEASE_NOTES_AUTO --release-notes-auto
        add_str IF_EXISTS --if-exists
        add_str GIT_REF --git-ref
        add_str GIT_COMMIT --git-commit
        ;;
    deploy)
        require PROJECT RELEASE_VERSION
        [ -n "$(list_items ENVIRONMENTS)" ] || fail "variable ENVIRONMENTS is required for COMMAND=deploy" 2
        push_value "" release
        push_value "" deploy
        add_str PROJECT --project
        add_str RELEASE_VERSION --version
        add_list ENVIRONMENTS --to
        deploy_options
        ;;
    promote)
        require PROJECT FROM
        [ -n "$(list_items ENVIRONMENTS)" ] || fail "variable ENVIRONMENTS is required for COMMAND=promote" 2
        push_value "" release
        push_value "" promote
        add_str PROJECT --project
        add_str FROM --from
        add_list ENVIRONMENTS --to
        deploy_options
        ;;
    wait | task-wait)
        [ -n "$(list_items TASK_IDS)" ] || fail "variable TASK_IDS is required for COMMAND=$COMMAND" 2
        push_value "" task
        push_value "" wait
        add_str TIMEOUT --timeout
        add_bool CANCEL_ON_TIMEOUT --cancel-on-timeout
        add_list TASK_IDS ""
        ;;
    runbook)
        require PROJECT RUNBOOK
        [ -n "$(list_items ENVIRONMENTS)" ] || fail "variable ENVIRONMENTS is required for COMMAND=runbook" 2
        push_value "" runbook
        push_value "" run
        add_str PROJECT --project
        add_str RUNBOOK --runbook
        add_list ENVIRONMENTS --environment
        audience_options
        add_bool WAIT --wait true
        add_str TIMEOUT --timeout
        add_bool CANCEL_ON_TIMEOUT --cancel-on-timeout
        ;;
    *) fail "COMMAND must be ship, package, push, build-info, create-release, deploy, promote, wait or runbook, not '$COMMAND'" 2 ;;
esac
add_list EXTRA_ARGS ""

set --
i=0
while [ "$i" -lt "$argc" ]; do
    eval "set -- \"\$@\" \"\$ARG_$i\""
    i=$((i + 1))
done

[ -z "${FERRY_SERVER:-}" ] || export FERRY_SERVER
[ -z "${FERRY_API_KEY:-}" ] || export FERRY_API_KEY
[ -z "${FERRY_SPACE:-}" ] || export FERRY_SPACE
[ -z "${OCTOPUS_ACCESS_TOKEN:-}" ] || export OCTOPUS_ACCESS_TOKEN

# The clone belongs to another user than the pipe's container: without this, git refuses the
# repository ("dubious ownership") and build information would have no commits.
if [ -n "${BITBUCKET_CLONE_DIR:-}" ]; then
    git config --global --add safe.directory "$BITBUCKET_CLONE_DIR" 2>/dev/null ||
        red "warning: could not mark $BITBUCKET_CLONE_DIR as a safe git directory"
fi

ferry=${FERRY_BIN:-ferry}
result_file=${RESULT_FILE:-ferry-result.json}
# The command line for the log, with prompted-variable values hidden (they may be secrets).
printf 'ferry'
previous=""
for arg in "$@"; do
    if [ "$previous" = --variable ]; then printf ' %s=***' "${arg%%=*}"; else printf ' %s' "$arg"; fi
    previous=$arg
done
printf '\n'
status=0
"$ferry" "$@" >"$result_file" || status=$?
cat "$result_file"
echo
case "$status" in
    0) green "✔ ferry $COMMAND succeeded" ;;
    3) fail "ferry $COMMAND: a deployment finished unsuccessfully" 3 ;;
    *) fail "ferry $COMMAND failed (exit $status)" "$status" ;;
esac
