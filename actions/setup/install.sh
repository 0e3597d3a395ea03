#!/usr/bin/env bash
# Installs the `ferry` binary for the runner's OS and architecture (used by actions/setup, and by
# the other Ferry actions when `ferry` is not on PATH yet). Prints the binary's path on stdout;
# logs go to stderr.
#
# Inputs (environment):
#   INPUT_VERSION            `latest`, a range (`1`, `1.2`, `1.x`, `1.2.x`, `^1.2.3`, `~1.2.3`) resolved
#                            against the release list, or an exact version (1.2.3 or v1.2.3);
#                            empty: the version this action was released with (./VERSION);
#                            `source`: build from this checkout with cargo.
#   INPUT_PATH               use this existing binary (or a folder holding it) instead.
#   INPUT_DOWNLOAD_BASE_URL  where release archives live (a mirror, GitHub Enterprise);
#                            default https://github.com/ferry-deploy/ferry/releases/download.
#   INPUT_CHECKSUMS_BASE_URL where each release's published SHA256SUMS is read from; default: the
#                            project's own releases, so a mirror cannot vouch for its own files.
#   INPUT_RELEASES_URL       the release list (GitHub's REST "list releases" JSON) for `latest`
#                            and ranges; default the project's list on api.github.com.
#   INPUT_GITHUB_TOKEN       sent to api.github.com only (raises its rate limit); optional.
#   INPUT_CACHE              true (default): reuse/keep the binary in the runner tool cache.
#
# Every download is verified against the SHA256SUMS file published with its release; a version
# without one, or an archive that does not match it, is refused.
set -euo pipefail
unset BASH_ENV ENV CDPATH

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)

log() { echo "ferry setup: $*" >&2; }
die() {
    if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::error title=ferry setup::$*"; fi
    echo "ferry setup: error: $*" >&2
    exit 1
}
trim() {
    local value=$1
    value="${value#"${value%%[![:space:]]*}"}"
    printf '%s' "${value%"${value##*[![:space:]]}"}"
}
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

version=$(trim "${INPUT_VERSION:-}")
binary_path=$(trim "${INPUT_PATH:-}")
base_url=$(trim "${INPUT_DOWNLOAD_BASE_URL:-}")
base_url=${base_url:-https://github.com/ferry-deploy/ferry/releases/download}
cache=$(lower "$(trim "${INPUT_CACHE:-true}")")
checksums_base_url=$(trim "${INPUT_CHECKSUMS_BASE_URL:-}")
checksums_base_url=${checksums_base_url:-https://github.com/ferry-deploy/ferry/releases/download}
releases_url=$(trim "${INPUT_RELEASES_URL:-}")
releases_url=${releases_url:-https://api.github.com/repos/ferry-deploy/ferry/releases?per_page=100}

os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
exe=""
case "$(lower "$os")" in
    linux) os=linux ;;
    macos | darwin) os=macos ;;
    windows | mingw* | msys* | cygwin*) os=windows exe=.exe ;;
    *) die "unsupported OS '$os'" ;;
esac
case "$(lower "$arch")" in
    x64 | x86_64 | amd64) arch=x86_64 ;;
    arm64 | aarch64) arch=aarch64 ;;
    *) die "unsupported architecture '$arch' (x86_64 and aarch64 are released)" ;;
esac
case "$os-$arch" in
    linux-x86_64) target=x86_64-unknown-linux-musl ext=tar.gz ;;
    linux-aarch64) target=aarch64-unknown-linux-musl ext=tar.gz ;;
    macos-x86_64) target=x86_64-apple-darwin ext=tar.gz ;;
    macos-aarch64) target=aarch64-apple-darwin ext=tar.gz ;;
    windows-x86_64) target=x86_64-pc-windows-msvc ext=zip ;;
    # Windows on Arm runs the x86_64 build under emulation.
    windows-aarch64) target=x86_64-pc-windows-msvc ext=zip ;;
esac

publish() {
    # $1: binary path. Adds its folder to PATH for later steps and sets the outputs.
    local path=$1 reported
    reported=$("$path" --version 2>/dev/null | awk '{print $NF; exit}') || die "'$path' does not run"
    [ -n "$reported" ] || die "'$path --version' printed nothing"
    if [ -n "${GITHUB_PATH:-}" ]; then dirname "$path" >>"$GITHUB_PATH"; fi
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf 'version=%s\npath=%s\n' "$reported" "$path" >>"$GITHUB_OUTPUT"
    fi
    log "ferry $reported at $path"
    printf '%s\n' "$path"
    exit 0
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | awk '{print $1}'
    else
        die "neither sha256sum nor shasum is available to verify the download"
    fi
}

# 1. An existing binary.
if [ -n "$binary_path" ]; then
    [ ! -d "$binary_path" ] || binary_path="$binary_path/ferry$exe"
    [ -f "$binary_path" ] || die "path '$binary_path' does not exist"
    binary_path=$(cd "$(dirname "$binary_path")" && pwd)/$(basename "$binary_path")
    publish "$binary_path"
fi

# 2. Built from this action's own checkout.
if [ "$(lower "$version")" = source ]; then
    command -v cargo >/dev/null 2>&1 || die "version: source needs cargo (add a Rust toolchain step first)"
    target_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ferry-source-build"
    log "building ferry from $repo_root with cargo (release profile)"
    cargo build --release --locked --package ferry --manifest-path "$repo_root/Cargo.toml" --target-dir "$target_dir" >&2 ||
        die "cargo build failed"
    publish "$target_dir/release/ferry$exe"
fi

fetch() { # URL OUTPUT [curl options...]
    local url=$1 output=$2
    shift 2
    # (curl retries transient failures only: a 404 is an answer, not a hiccup.)
    curl --fail --silent --show-error --location --retry 5 --retry-delay 2 \
        --connect-timeout 20 --max-time 600 --output "$output" "$@" "$url"
}

# The released versions X.Y.Z (no pre-releases, no drafts) in the release list, one per line.
released_versions() { # FILE
    # GitHub's list has "tag_name", then "draft" and "prerelease" for each release; nested objects
    # (author, assets) have none of the three, so a scan in document order pairs them up.
    grep -oE '"(tag_name|draft|prerelease)"[[:space:]]*:[[:space:]]*("[^"]*"|true|false)' "$1" |
        sed -E 's/^"([a-z_]+)"[[:space:]]*:[[:space:]]*"?([^"]*)"?$/\1 \2/' |
        awk '$1 == "tag_name" { tag = $2; draft = ""; next }
             $1 == "draft" { draft = $2; next }
             $1 == "prerelease" && tag != "" { if (draft != "true" && $2 != "true") print tag; tag = "" }' |
        sed 's/^v//' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' || true
}

# Whether VERSION (X.Y.Z) satisfies RANGE (latest, *, 1, 1.x, 1.2, 1.2.x, ^1.2.3, ~1.2.3).
satisfies() { # VERSION RANGE
    local major minor patch r want_major want_minor want_patch
    IFS=. read -r major minor patch <<<"$1"
    r=$2
    case "$r" in latest | '*' | x) return 0 ;; esac
    local op=""
    case "$r" in '^'* | '~'*) op=${r:0:1} r=${r:1} ;; esac
    r=${r#v}
    IFS=. read -r want_major want_minor want_patch <<<"$r"
    for part in want_minor want_patch; do [ "${!part:-x}" != '*' ] || printf -v "$part" x; done
    [ "$major" = "$want_major" ] || return 1
    case "$op" in
        '^')
            if [ "$want_major" != 0 ]; then
                [ "${want_minor:-x}" = x ] || [ "$minor" -gt "$want_minor" ] ||
                    { [ "$minor" -eq "$want_minor" ] && [ "$patch" -ge "${want_patch:-0}" ]; }
            elif [ "${want_minor:-x}" = x ]; then return 0
            elif [ "$want_minor" != 0 ]; then
                [ "$minor" -eq "$want_minor" ] && [ "$patch" -ge "${want_patch:-0}" ]
            else
                [ "$minor" -eq 0 ] && { [ "${want_patch:-x}" = x ] || [ "$patch" -eq "$want_patch" ]; }
            fi
            ;;
        '~') [ "${want_minor:-x}" = x ] || { [ "$minor" -eq "$want_minor" ] && [ "$patch" -ge "${want_patch:-0}" ]; } ;;
        *) { [ "${want_minor:-x}" = x ] || [ "$minor" -eq "$want_minor" ]; } &&
            { [ "${want_patch:-x}" = x ] || [ "$patch" -eq "$want_patch" ]; } ;;
    esac
}

# 3. A released archive, verified against its release's published SHA256SUMS.
if [ -z "$version" ]; then
    [ -f "$here/VERSION" ] || die "no version given and no VERSION file beside the action"
    version=$(trim "$(head -n 1 "$here/VERSION")")
fi
version=${version#v}
range_pattern='^(latest|\*|x|[~^]?[0-9]+(\.([0-9]+|x|\*))?(\.([0-9]+|x|\*))?)$'
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || [[ "$version" =~ ^[~^] ]]; then
    [[ "$version" =~ $range_pattern ]] ||
        die "version '$version' is not a release version (1.2.3), 'latest' or a range (1, 1.2, 1.x, ^1.2.3, ~1.2.3); or use 'source' or 'path'"
    list=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ferry-releases.XXXXXX")
    auth=()
    case "$releases_url" in https://api.github.com/*) [ -z "${INPUT_GITHUB_TOKEN:-}" ] || auth=(--header "Authorization: Bearer $INPUT_GITHUB_TOKEN") ;; esac
    fetch "$releases_url" "$list" --header 'Accept: application/vnd.github+json' ${auth[@]+"${auth[@]}"} ||
        { rm -f "$list"; die "could not read the release list at $releases_url to resolve '$version' (pin an exact version, or set releases-url to a mirror)"; }
    resolved=""
    while IFS= read -r candidate; do
        if satisfies "$candidate" "$version"; then resolved=$candidate; fi
    done < <(released_versions "$list" | sort -t. -k1,1n -k2,2n -k3,3n)
    rm -f "$list"
    [ -n "$resolved" ] || die "no released version satisfies '$version' in $releases_url"
    log "'$version' resolves to $resolved"
    version=$resolved
fi

archive="ferry-$version-$target.$ext"
cache_root=${RUNNER_TOOL_CACHE:-${HOME:-/tmp}/.cache/ferry-tools}
cache_dir="$cache_root/ferry/$version/$arch"
if [ "$cache" = true ] && [ -f "$cache_dir.complete" ] && [ -x "$cache_dir/ferry$exe" ]; then
    log "using ferry $version from the tool cache ($cache_dir)"
    publish "$cache_dir/ferry$exe"
fi

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ferry-setup.XXXXXX")
trap 'rm -rf "$work"' EXIT
sums_url="${checksums_base_url%/}/v$version/SHA256SUMS"
fetch "$sums_url" "$work/SHA256SUMS" ||
    die "could not read $sums_url: every download is verified against the checksums published with its release"
expected=$(awk -v name="$archive" '($2 == name || $2 == "*" name) && $1 ~ /^[0-9a-fA-F]+$/ && length($1) == 64 {print tolower($1); exit}' "$work/SHA256SUMS")
[ -n "$expected" ] || die "the release's SHA256SUMS ($sums_url) lists no $archive"
url="${base_url%/}/v$version/$archive"
log "downloading $url"
fetch "$url" "$work/$archive" || die "download of $url failed"
actual=$(sha256_of "$work/$archive")
if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $archive: expected $expected, got $actual (the download is not the released file)"
fi
log "sha256 verified: $actual"

mkdir -p "$work/x"
case "$ext" in
    tar.gz) tar -xzf "$work/$archive" -C "$work/x" ;;
    zip)
        if command -v unzip >/dev/null 2>&1; then
            unzip -q "$work/$archive" -d "$work/x"
        else
            # shellcheck disable=SC2016 # PowerShell expands $env:..., not bash
            FERRY_ARCHIVE="$work/$archive" FERRY_DEST="$work/x" powershell -NoProfile -NonInteractive -Command 'Expand-Archive -LiteralPath $env:FERRY_ARCHIVE -DestinationPath $env:FERRY_DEST' \
                </dev/null || die "could not extract $archive"
        fi
        ;;
esac
found=$(find "$work/x" -type f -name "ferry$exe" | head -n 1)
[ -n "$found" ] || die "$archive holds no ferry$exe"
chmod +x "$found"

if [ "$cache" = true ]; then
    rm -rf "$cache_dir" "$cache_dir.complete"
    mkdir -p "$cache_dir"
    cp "$found" "$cache_dir/ferry$exe"
    touch "$cache_dir.complete"
    publish "$cache_dir/ferry$exe"
fi
install_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ferry-$version"
mkdir -p "$install_dir"
cp "$found" "$install_dir/ferry$exe"
publish "$install_dir/ferry$exe"
