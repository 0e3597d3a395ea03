# shellcheck shell=bash
# Source this (tests/run.sh does, before `cargo test --workspace`): it installs GitHub's published
# REST API description (@octokit/openapi) and recorded real exchanges (@octokit/fixtures) from the
# lock file, once, and exports where they are. The fake GitHub in ferry-testkit reads them; its
# tests fail, not skip, when they are missing.
#
#   source tests/github/env.sh && cargo test -p ferry-github -p ferry-testkit
github_support="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
github_openapi="$github_support/node_modules/@octokit/openapi/generated/api.github.com.json"
if [ ! -f "$github_openapi" ] || [ ! -d "$github_support/node_modules/@octokit/fixtures/scenarios" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "error: npm is needed to install GitHub's API description (apt-get install npm)" >&2
        return 1
    fi
    (cd "$github_support" && npm ci --no-audit --no-fund --loglevel=error) >&2 \
        || { echo "error: npm ci in $github_support failed" >&2; return 1; }
fi
export FERRY_GITHUB_OPENAPI="$github_openapi"
export FERRY_OCTOKIT_FIXTURES="$github_support/node_modules/@octokit/fixtures/scenarios/api.github.com"
