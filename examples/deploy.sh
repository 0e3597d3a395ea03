#!/bin/sh
# Deploy command of the example project Hello (see ferry.toml).
#
# Ferry's server runs it once per deployment with the release's package extracted and these
# variables set: FERRY_ENVIRONMENT, FERRY_RELEASE_VERSION, FERRY_PROJECT, FERRY_PACKAGE_HELLO
# (the extracted package), FERRY_CONFIG_DIR (this folder).
#
# Visible effect: the package's files go to <root>/<Environment>/current and the version to
# <root>/<Environment>/VERSION, where <root> is $FERRY_DEPLOY_ROOT, else target/example-deployments
# next to this folder. Safe to run again: each run replaces the environment's folder atomically.
set -eu

: "${FERRY_ENVIRONMENT:?run by Ferry: FERRY_ENVIRONMENT is not set}"
: "${FERRY_RELEASE_VERSION:?run by Ferry: FERRY_RELEASE_VERSION is not set}"
package="${FERRY_PACKAGE_HELLO:?run by Ferry: FERRY_PACKAGE_HELLO is not set}"
root="${FERRY_DEPLOY_ROOT:-${FERRY_CONFIG_DIR:-$(dirname "$0")}/../target/example-deployments}"

# Only plain names become folders (no path tricks through the environment name).
case "$FERRY_ENVIRONMENT" in
  *[!A-Za-z0-9._-]*|'') echo "refusing environment name '$FERRY_ENVIRONMENT'" >&2; exit 1 ;;
esac

mkdir -p "$root/$FERRY_ENVIRONMENT"
target=$(cd "$root/$FERRY_ENVIRONMENT" && pwd)
staging="$target/.staging.$$"
rm -rf "$staging"
mkdir -p "$staging"
cp -R "$package/." "$staging/"
rm -rf "$target/previous"
if [ -d "$target/current" ]; then mv "$target/current" "$target/previous"; fi
mv "$staging" "$target/current"
printf '%s\n' "$FERRY_RELEASE_VERSION" > "$target/VERSION.tmp"
mv "$target/VERSION.tmp" "$target/VERSION"

echo "Deployed Hello $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT"
echo "  files:   $target/current ($(find "$target/current" -type f | wc -l | tr -d ' ') files)"
echo "  version: $target/VERSION"
