#!/bin/sh
# Writes the pipe's metadata (pipe.yml) and the example bitbucket-pipelines.yml with the pipe
# image pinned by digest, from the templates beside this script. Run by build-image.sh right
# after the image is pushed, with the digest the registry answered: no file in the repository
# names the image, so none can name it by a tag that moves or by a made-up digest.
#   sh generate-pipe.sh NAME:TAG@sha256:DIGEST OUT_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
image=${1:-}
out=${2:-}
if [ -z "$image" ] || [ -z "$out" ]; then
    echo "usage: generate-pipe.sh NAME:TAG@sha256:DIGEST OUT_DIR" >&2
    exit 2
fi
if ! printf '%s\n' "$image" | grep -Eq '^[a-z0-9]+([._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]*@sha256:[0-9a-f]{64}$'; then
    echo "generate-pipe: '$image' is not an image pinned by digest (NAME:TAG@sha256:<64 hex digits>)" >&2
    exit 2
fi
case "$image" in
    *@sha256:0000000000000000000000000000000000000000000000000000000000000000)
        echo "generate-pipe: '$image' has a placeholder digest; use the digest the registry answered for the pushed image" >&2
        exit 2
        ;;
esac
mkdir -p "$out"
for template in "$here/pipe.yml.in" "$here/examples/bitbucket-pipelines.yml.in"; do
    name=$(basename "$template" .in)
    sed "s|@PIPE_IMAGE@|$image|g" "$template" >"$out/$name"
done
echo "generate-pipe: $out/pipe.yml and $out/bitbucket-pipelines.yml use $image"
