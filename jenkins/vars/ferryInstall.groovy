// Install ferry on the agent: resolve `latest` or a range against the release list, download the
// release archive for the agent's OS and architecture into the agent's tool cache, verify it
// against the SHA256SUMS published with that release, or use a ferry already on PATH. Sets
// env.FERRY_BIN, and FERRY_BIN_<node> for this node, for the other Ferry steps.
// Arguments and result: see ferryInstall.txt.

import groovy.transform.Field

@Field static final String DEFAULT_BASE = 'https://github.com/ferry-deploy/ferry/releases/download'
@Field static final String DEFAULT_RELEASES = 'https://api.github.com/repos/ferry-deploy/ferry/releases?per_page=100'
@Field static final String EXACT = /\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?/
@Field static final String RANGE = /(latest|\*|x|([~^]?)(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?)/

/** Windows PowerShell 5.1 defaults to TLS 1.0/1.1, which GitHub refuses: force TLS 1.2 first. */
@Field static final String PS_TLS12 = '[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12;'

@NonCPS
String expectedSha256(String checksums, String archive) {
    for (String line in checksums.readLines()) {
        def match = (line =~ /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/)
        if (match.matches() && match.group(2) == archive) {
            return match.group(1).toLowerCase()
        }
    }
    return null
}

/** Whether [major, minor, patch] satisfies `range` (latest, *, 1, 1.x, 1.2, ^1.2.3, ~1.2.3). */
@NonCPS
boolean satisfies(List<Integer> version, String range) {
    def m = (range =~ ('^' + RANGE + '$'))
    if (!m.matches()) {
        return false
    }
    if (m.group(1) in ['latest', '*', 'x']) {
        return true
    }
    String op = m.group(2)
    List want = [m.group(3), m.group(4), m.group(5)].collect { (it == null || it == 'x' || it == '*') ? null : it as Integer }
    int major = version[0], minor = version[1], patch = version[2]
    if (major != want[0]) {
        return false
    }
    int wantPatch = want[2] == null ? 0 : want[2]
    if (op == '^') {
        if (want[1] == null) { return true }
        if (want[0] != 0) { return minor > want[1] || (minor == want[1] && patch >= wantPatch) }
        if (want[1] != 0) { return minor == want[1] && patch >= wantPatch }
        return minor == 0 && (want[2] == null || patch == want[2])
    }
    if (op == '~') {
        return want[1] == null || (minor == want[1] && patch >= wantPatch)
    }
    return (want[1] == null || minor == want[1]) && (want[2] == null || patch == want[2])
}

/** The newest released version (no drafts, no pre-releases) in GitHub's release list JSON satisfying `range`. */
@NonCPS
String resolveVersion(String releasesJson, String range) {
    def releases = new groovy.json.JsonSlurperClassic().parseText(releasesJson)
    List versions = (releases instanceof List ? releases : [])
        .findAll { !it.draft && !it.prerelease }
        .collect { (it.tag_name?.toString() =~ /^v?(\d+)\.(\d+)\.(\d+)$/) }
        .findAll { it.matches() }
        .collect { [it.group(1) as Integer, it.group(2) as Integer, it.group(3) as Integer] }
        .findAll { satisfies(it, range) }
        .sort { a, b -> a[0] <=> b[0] ?: a[1] <=> b[1] ?: a[2] <=> b[2] }
    return versions ? versions[-1].join('.') : null
}

@NonCPS
Map targetFor(String os, String arch) {
    String cpu = (arch ==~ /(?i)x86_64|amd64|x64/) ? 'x86_64' : (arch ==~ /(?i)aarch64|arm64/) ? 'aarch64' : null
    if (cpu == null) {
        return null
    }
    switch (os.toLowerCase()) {
        case 'linux': return [target: "${cpu}-unknown-linux-musl".toString(), ext: 'tar.gz', exe: '', cpu: cpu]
        case 'darwin': return [target: "${cpu}-apple-darwin".toString(), ext: 'tar.gz', exe: '', cpu: cpu]
        case 'windows': return [target: 'x86_64-pc-windows-msvc', ext: 'zip', exe: '.exe', cpu: cpu]
        default: return null
    }
}

/** The environment variable that holds the ferry binary for the node this runs on. */
@NonCPS
String nodeBinVariable(String nodeName) {
    return 'FERRY_BIN_' + (nodeName ?: 'built-in').replaceAll(/[^A-Za-z0-9]/, '_').toUpperCase()
}

/** The text at `url`, fetched on the agent (curl/wget, or PowerShell with TLS 1.2), or null. */
def fetchText(String url, String what) {
    String text = null
    withEnv(["FERRY_FETCH_URL=${url}"]) {
        if (isUnix()) {
            text = sh(label: "ferry: read ${what}", returnStdout: true, script: '''set +x
if command -v curl >/dev/null 2>&1; then
  curl --fail --silent --show-error --location --retry 5 --retry-delay 2 "$FERRY_FETCH_URL" || echo "FERRY-FETCH-FAILED"
else
  wget -q -O - "$FERRY_FETCH_URL" || echo "FERRY-FETCH-FAILED"
fi''')
        } else {
            text = bat(label: "ferry: read ${what}", returnStdout: true, script: '@powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "' + PS_TLS12 +
                ' try { (Invoke-WebRequest -UseBasicParsing -Uri $env:FERRY_FETCH_URL).Content } catch { Write-Output FERRY-FETCH-FAILED }"')
        }
    }
    return (text == null || text.contains('FERRY-FETCH-FAILED')) ? null : text
}

def call(Map args = [:]) {
    if (args.usePath) {
        String onPath = isUnix() ?
            sh(script: 'command -v ferry || true', returnStdout: true, label: 'ferry on PATH?').trim() :
            bat(script: '@where ferry.exe 2>NUL', returnStdout: true, label: 'ferry on PATH?').trim()
        if (onPath) {
            String first = onPath.readLines()[0].trim()
            publish(first)
            return [version: versionOf(first), path: first]
        }
    }
    String version = (args.version ?: libraryResource('ferry/VERSION')).toString().trim().replaceFirst(/^v/, '')
    if (!(version ==~ EXACT)) {
        if (!(version ==~ RANGE)) {
            error("ferryInstall: version '${version}' is not a release version (1.2.3), 'latest' or a range (1, 1.2, 1.x, ^1.2.3, ~1.2.3)")
        }
        String releasesUrl = (args.releasesUrl ?: DEFAULT_RELEASES).toString()
        String list = fetchText(releasesUrl, 'the release list')
        if (list == null) {
            error("ferryInstall: could not read the release list at ${releasesUrl} to resolve '${version}'; pin an exact version or set releasesUrl to a mirror")
        }
        String resolved = resolveVersion(list, version)
        if (resolved == null) {
            error("ferryInstall: no released version satisfies '${version}' in ${releasesUrl}")
        }
        echo("ferryInstall: '${version}' resolves to ${resolved}")
        version = resolved
    }
    Map target
    if (isUnix()) {
        List uname = sh(script: 'uname -s; uname -m', returnStdout: true, label: 'agent platform').trim().readLines()
        target = targetFor(uname[0].trim(), uname[1].trim())
    } else {
        target = targetFor('windows', env.PROCESSOR_ARCHITECTURE ?: 'AMD64')
    }
    if (target == null) {
        error('ferryInstall: this agent\'s OS or architecture has no ferry release (x86_64/aarch64 Linux and macOS, x86_64 Windows)')
    }
    String archive = "ferry-${version}-${target.target}.${target.ext}"
    String sumsUrl = "${(args.checksumsBaseUrl ?: DEFAULT_BASE).toString().replaceFirst(/\/+$/, '')}/v${version}/SHA256SUMS"
    String sums = fetchText(sumsUrl, "the SHA256SUMS of ferry ${version}")
    if (sums == null) {
        error("ferryInstall: could not read ${sumsUrl}: every download is verified against the checksums published with its release")
    }
    String expected = expectedSha256(sums, archive)
    if (expected == null) {
        error("ferryInstall: the release's SHA256SUMS (${sumsUrl}) lists no ${archive}")
    }
    String base = (args.downloadBaseUrl ?: DEFAULT_BASE).toString().replaceFirst(/\/+$/, '')
    // The cache is per agent (not per workspace): cacheDir, else FERRY_CACHE_DIR, else the agent
    // user's cache folder; the script resolves it on the agent and prints the binary's path.
    List vars = ["FERRY_URL=${base}/v${version}/${archive}", "FERRY_SHA256=${expected}", "FERRY_ARCHIVE=${archive}",
        "FERRY_SUBDIR=${version}/${target.cpu}", "FERRY_CACHE_DIR=${args.cacheDir ?: env.FERRY_CACHE_DIR ?: ''}"]
    String bin
    withEnv(vars) {
        if (isUnix()) {
            bin = sh(label: "install ferry ${version}", returnStdout: true, script: installSh()).trim().readLines()[-1].trim()
        } else {
            bin = bat(label: "install ferry ${version}", returnStdout: true, script: installBat()).trim().readLines()[-1].trim()
        }
    }
    publish(bin)
    return [version: version, path: bin]
}

/**
 * Download, verify and install into the agent's cache. Parallel branches on one agent do not
 * race: each downloads into its own temporary folder and the verified binary is moved into place
 * with one rename; a branch that finds the `.complete` marker uses the cached binary.
 */
String installSh() {
    return '''set -eu
root=${FERRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-tools}
dir=$root/$FERRY_SUBDIR
if [ -x "$dir/ferry" ] && [ -f "$dir/.complete" ]; then echo "ferry cached in $dir" >&2; echo "$dir/ferry"; exit 0; fi
mkdir -p "$root"
tmp=$(mktemp -d "$root/.download.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if command -v curl >/dev/null 2>&1; then
  curl --fail --silent --show-error --location --retry 5 --retry-delay 2 --output "$tmp/$FERRY_ARCHIVE" "$FERRY_URL"
else
  wget -q -O "$tmp/$FERRY_ARCHIVE" "$FERRY_URL"
fi
if command -v sha256sum >/dev/null 2>&1; then actual=$(sha256sum "$tmp/$FERRY_ARCHIVE" | cut -d' ' -f1)
else actual=$(shasum -a 256 "$tmp/$FERRY_ARCHIVE" | cut -d' ' -f1); fi
if [ "$actual" != "$FERRY_SHA256" ]; then
  echo "checksum mismatch for $FERRY_ARCHIVE: expected $FERRY_SHA256, got $actual (the download is not the released file)" >&2
  exit 1
fi
echo "sha256 verified: $actual" >&2
mkdir -p "$tmp/x" "$tmp/ready"
tar -xzf "$tmp/$FERRY_ARCHIVE" -C "$tmp/x"
found=$(find "$tmp/x" -type f -name ferry | head -n 1)
[ -n "$found" ] || { echo "$FERRY_ARCHIVE holds no ferry binary" >&2; exit 1; }
mv "$found" "$tmp/ready/ferry" && chmod +x "$tmp/ready/ferry" && touch "$tmp/ready/.complete"
mkdir -p "$(dirname "$dir")"
# One rename publishes the verified binary; if another branch won the race, use its copy.
# (mv -T is GNU; elsewhere a plain mv is the same rename while $dir does not exist.)
mv -T "$tmp/ready" "$dir" 2>/dev/null || [ -f "$dir/.complete" ] || mv "$tmp/ready" "$dir" ||
  { echo "could not install into $dir" >&2; exit 1; }
echo "$dir/ferry"
'''
}

/** The same on Windows, in PowerShell with TLS 1.2. */
String installBat() {
    return '@powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$ErrorActionPreference = \'Stop\'; ' + PS_TLS12 + ' ' +
        '$root = if ($env:FERRY_CACHE_DIR) { $env:FERRY_CACHE_DIR } else { Join-Path $env:LOCALAPPDATA \'ferry-tools\' }; ' +
        '$dir = Join-Path $root $env:FERRY_SUBDIR; $bin = Join-Path $dir \'ferry.exe\'; ' +
        'if (Test-Path (Join-Path $dir \'.complete\')) { Write-Output $bin; exit 0 }; ' +
        '$tmp = Join-Path $root (\'.download.\' + [guid]::NewGuid()); New-Item -ItemType Directory -Force -Path $tmp | Out-Null; ' +
        'try { $zip = Join-Path $tmp $env:FERRY_ARCHIVE; Invoke-WebRequest -UseBasicParsing -Uri $env:FERRY_URL -OutFile $zip; ' +
        '$actual = (Get-FileHash -Algorithm SHA256 $zip).Hash.ToLower(); ' +
        'if ($actual -ne $env:FERRY_SHA256) { throw (\'checksum mismatch for \' + $env:FERRY_ARCHIVE + \': expected \' + $env:FERRY_SHA256 + \', got \' + $actual) }; ' +
        '$ready = Join-Path $tmp \'ready\'; Expand-Archive -LiteralPath $zip -DestinationPath (Join-Path $tmp \'x\') -Force; New-Item -ItemType Directory -Path $ready | Out-Null; ' +
        '$found = Get-ChildItem -Recurse -Filter ferry.exe (Join-Path $tmp \'x\') | Select-Object -First 1; Move-Item $found.FullName (Join-Path $ready \'ferry.exe\'); ' +
        'New-Item (Join-Path $ready \'.complete\') | Out-Null; New-Item -ItemType Directory -Force -Path (Split-Path $dir) | Out-Null; ' +
        'try { Move-Item $ready $dir } catch { if (-not (Test-Path (Join-Path $dir \'.complete\'))) { throw } } } finally { Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue }; ' +
        'Write-Output $bin"\n'
}

/** Make `bin` the ferry of this node (FERRY_BIN_<node>) and of the build (FERRY_BIN). */
def publish(String bin) {
    env[nodeBinVariable(env.NODE_NAME)] = bin
    env.FERRY_BIN = bin
}

/** `ferry --version` of a binary, e.g. 0.1.0. */
def versionOf(String bin) {
    String out
    withEnv(["FERRY_BIN=${bin}"]) {
        out = isUnix() ?
            sh(script: '"$FERRY_BIN" --version', returnStdout: true, label: 'ferry --version') :
            bat(script: '@"%FERRY_BIN%" --version', returnStdout: true, label: 'ferry --version')
    }
    List words = out.trim().tokenize()
    return words ? words[-1] : ''
}
