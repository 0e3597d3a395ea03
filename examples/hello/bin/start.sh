#!/bin/sh
# Start the Hello app: print a greeting with the version Ferry deployed.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
version=${FERRY_RELEASE_VERSION:-${OCTOPUS_RELEASE_NUMBER:-unknown}}
echo "Hello from $(basename "$here"), version $version"
