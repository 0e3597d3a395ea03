#!/bin/sh
# The release's build step for the pipe image: builds it for amd64 and arm64 from a release's
# Linux musl archives and SHA256SUMS (verified inside the build by verify-install.sh), pushes it,
# and generates pipe.yml and the example with the digest the registry answered.
#   sh build-image.sh VERSION ARCHIVES_DIR OUT_DIR [IMAGE_NAME]
# Needs docker with buildx, logged in to the registry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
version=$1 archives=$2 out=$3 name=${4:-ferrydeploy/ferry-pipe}
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$here/Dockerfile" "$here/pipe.sh" "$here/verify-install.sh" "$context/"
cp "$archives/SHA256SUMS" "$archives"/ferry-"$version"-*-linux-musl.tar.gz "$context/"
docker buildx build --platform linux/amd64,linux/arm64 --build-arg "FERRY_VERSION=$version" \
    --tag "$name:$version" --metadata-file "$context/metadata.json" --push "$context"
digest=$(sed -n 's/.*"containerimage.digest": *"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' "$context/metadata.json" | head -n 1)
[ -n "$digest" ] || { echo "build-image: buildx reported no image digest" >&2; exit 1; }
sh "$here/generate-pipe.sh" "$name:$version@$digest" "$out"
