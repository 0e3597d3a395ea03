#!/usr/bin/env bash
# Adds a release's SHA256SUMS to the checksums the adapters verify downloads against, makes it
# their default version, and opens a pull request (the release workflow runs this after
# publishing). Uses the REST API through `gh`, so the checkout keeps no credentials.
#
#   GH_TOKEN=... GH_REPO=owner/repo GITHUB_REF_NAME=v1.2.3 bash adapter-checksums-pr.sh SHA256SUMS
set -euo pipefail
sums=${1:?usage: adapter-checksums-pr.sh SHA256SUMS}
tag=${GITHUB_REF_NAME:?}
version=${tag#v}
branch="adapters/checksums-$version"
default_branch=$(gh api "repos/$GH_REPO" --jq .default_branch)
base_sha=$(gh api "repos/$GH_REPO/git/ref/heads/$default_branch" --jq .object.sha)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# New checksum lines first, then the existing ones (without duplicates); comments stay on top.
merge_sums() {
    local existing=$1
    grep '^#' "$existing" || true
    { grep -v '^#' "$sums"; grep -v '^#' "$existing" || true; } | awk 'NF && !seen[$2]++'
}

gh api "repos/$GH_REPO/git/refs" -f "ref=refs/heads/$branch" -f "sha=$base_sha" >/dev/null
for path in actions/setup/checksums.txt jenkins/resources/ferry/checksums.txt actions/setup/VERSION jenkins/resources/ferry/VERSION; do
    case "$path" in
        */checksums.txt) merge_sums "$path" >"$work/content" ;;
        */VERSION) echo "$version" >"$work/content" ;;
    esac
    file_sha=$(gh api "repos/$GH_REPO/contents/$path?ref=$branch" --jq .sha)
    gh api --method PUT "repos/$GH_REPO/contents/$path" \
        -f "message=adapters: ferry $version checksums and default version ($path)" \
        -f "content=$(base64 <"$work/content" | tr -d '\n')" \
        -f "branch=$branch" -f "sha=$file_sha" >/dev/null
done
gh pr create --base "$default_branch" --head "$branch" \
    --title "adapters: install ferry $version by default" \
    --body "Adds the SHA256SUMS of release $tag to the checksums the GitHub action (actions/setup) and the Jenkins library (ferryInstall) verify downloads against, and makes $version their default version. The Azure DevOps extension picks both up from actions/setup when it is built. After merging, move the major tag (e.g. v${version%%.*}) to the merge commit."
