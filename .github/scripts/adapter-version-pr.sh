#!/usr/bin/env bash
# Makes a release the adapters' default version (actions/setup/VERSION and the Jenkins library's
# resources/ferry/VERSION; the Azure extension copies the former when it is built) and opens a
# pull request (the release workflow runs this after publishing). Checksums are not copied: the
# installers read the SHA256SUMS published with each release. Uses the REST API through `gh`, so
# the checkout keeps no credentials.
#
#   GH_TOKEN=... GH_REPO=owner/repo GITHUB_REF_NAME=v1.2.3 bash adapter-version-pr.sh
set -euo pipefail
tag=${GITHUB_REF_NAME:?}
version=${tag#v}
branch="adapters/version-$version"
default_branch=$(gh api "repos/$GH_REPO" --jq .default_branch)
base_sha=$(gh api "repos/$GH_REPO/git/ref/heads/$default_branch" --jq .object.sha)

gh api "repos/$GH_REPO/git/refs" -f "ref=refs/heads/$branch" -f "sha=$base_sha" >/dev/null
for path in actions/setup/VERSION jenkins/resources/ferry/VERSION; do
    file_sha=$(gh api "repos/$GH_REPO/contents/$path?ref=$branch" --jq .sha)
    gh api --method PUT "repos/$GH_REPO/contents/$path" \
        -f "message=adapters: ferry $version is the default version ($path)" \
        -f "content=$(echo "$version" | base64 | tr -d '\n')" \
        -f "branch=$branch" -f "sha=$file_sha" >/dev/null
done
gh pr create --base "$default_branch" --head "$branch" \
    --title "adapters: install ferry $version by default" \
    --body "Makes $version the default version of the GitHub action (actions/setup), the Jenkins library (ferryInstall) and the Azure DevOps extension (FerryInstaller, copied from actions/setup when it is built). The installers verify every download against the SHA256SUMS published with the release. After merging, move the major tag (e.g. v${version%%.*}) to the merge commit."
