#!/bin/sh
# Installs ferry into the pipe image: the release archive for the image's architecture, verified
# against the release's SHA256SUMS first (a missing or mismatching entry fails the build).
#   sh verify-install.sh DIR VERSION TARGETARCH(amd64|arm64) DEST
set -eu
dir=$1 version=$2 arch=$3 dest=$4
case "$arch" in
    amd64) triple=x86_64-unknown-linux-musl ;;
    arm64) triple=aarch64-unknown-linux-musl ;;
    *) echo "verify-install: no ferry release for architecture '$arch'" >&2; exit 1 ;;
esac
archive=ferry-$version-$triple.tar.gz
expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name {print $1; exit}' "$dir/SHA256SUMS")
[ -n "$expected" ] || { echo "verify-install: SHA256SUMS lists no $archive" >&2; exit 1; }
actual=$(sha256sum "$dir/$archive" | cut -d' ' -f1)
[ "$actual" = "$expected" ] || { echo "verify-install: checksum mismatch for $archive: expected $expected, got $actual" >&2; exit 1; }
mkdir -p "$dir/x"
tar -xzf "$dir/$archive" -C "$dir/x"
install -m 0755 "$(find "$dir/x" -type f -name ferry | head -n 1)" "$dest/ferry"
echo "verify-install: ferry $version ($triple) verified: $actual"
