#!/usr/bin/env bash
# Writes the repository's root action.yml (the one action the Marketplace lists) from
# actions/ship/action.yml, so the two cannot drift: the same inputs and outputs, with the step
# script's path seen from the repository root. tests/lint/run.sh fails when the checked-in file
# differs from this script's output.
#
#   bash actions/lib/generate-root-action.sh > action.yml
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
{
    echo "# GENERATED from actions/ship/action.yml by actions/lib/generate-root-action.sh: edit that file and rerun."
    echo "# The whole flow in one step, listed on the Marketplace. The per-operation actions live in"
    echo "# actions/<name> and are used as ferry-deploy/ferry/actions/<name>@<ref>."
    # shellcheck disable=SC2016 # $GITHUB_ACTION_PATH is text in the YAML, not expanded here
    sed -e '1{/^#/d}' \
        -e "s/^name: 'Ferry: ship'$/name: 'Ferry Ship'/" \
        -e 's|"\$GITHUB_ACTION_PATH/\.\./lib/ferry-action\.sh"|"$GITHUB_ACTION_PATH/actions/lib/ferry-action.sh"|' \
        actions/ship/action.yml
}
