// Install ferry on the agent: download the release archive for the agent's OS and architecture
// into the workspace tool directory (<workspace>@tmp/ferry-tools), verify it against the sha256
// values shipped in this library (resources/ferry/checksums.txt, updated by the release
// workflow), or use a ferry already on PATH. Sets env.FERRY_BIN for the other Ferry steps.
// Arguments and result: see ferryInstall.txt.

/** Checksums and default version shipped with the library; FERRY_CHECKSUMS_FILE overrides (mirrors, tests). */
String checksumsText() {
    if (env.FERRY_CHECKSUMS_FILE) {
        return readFile(env.FERRY_CHECKSUMS_FILE)
    }
    return libraryResource('ferry/checksums.txt')
}

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

def call(Map args = [:]) {
    if (args.usePath) {
        String onPath = isUnix() ?
            sh(script: 'command -v ferry || true', returnStdout: true, label: 'ferry on PATH?').trim() :
            bat(script: '@where ferry.exe 2>NUL', returnStdout: true, label: 'ferry on PATH?').trim()
        if (onPath) {
            String first = onPath.readLines()[0].trim()
            env.FERRY_BIN = first
            return [version: versionOf(first), path: first]
        }
    }
    String version = (args.version ?: libraryResource('ferry/VERSION')).toString().trim().replaceFirst(/^v/, '')
    if (!(version ==~ /\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?/)) {
        error("ferryInstall: version '${version}' is not a release version like 1.2.3")
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
    String expected = expectedSha256(checksumsText(), archive)
    if (expected == null) {
        error("ferryInstall: no sha256 for ${archive} ships with this library; use a newer library version or usePath: true")
    }
    String base = (args.downloadBaseUrl ?: 'https://github.com/ferry-deploy/ferry/releases/download').toString().replaceFirst(/\/+$/, '')
    String dir = "${pwd(tmp: true)}/ferry-tools/${version}/${target.cpu}"
    String bin = "${dir}/ferry${target.exe}"
    List vars = ["FERRY_URL=${base}/v${version}/${archive}", "FERRY_SHA256=${expected}", "FERRY_DIR=${dir}", "FERRY_ARCHIVE=${archive}"]
    withEnv(vars) {
        if (isUnix()) {
            sh(label: "install ferry ${version}", script: '''set -eu
if [ -x "$FERRY_DIR/ferry" ] && [ -f "$FERRY_DIR/.complete" ]; then echo "ferry cached in $FERRY_DIR"; exit 0; fi
rm -rf "$FERRY_DIR" && mkdir -p "$FERRY_DIR/x"
if command -v curl >/dev/null 2>&1; then
  curl --fail --silent --show-error --location --retry 5 --retry-delay 2 --output "$FERRY_DIR/$FERRY_ARCHIVE" "$FERRY_URL"
else
  wget -q -O "$FERRY_DIR/$FERRY_ARCHIVE" "$FERRY_URL"
fi
if command -v sha256sum >/dev/null 2>&1; then actual=$(sha256sum "$FERRY_DIR/$FERRY_ARCHIVE" | cut -d' ' -f1)
else actual=$(shasum -a 256 "$FERRY_DIR/$FERRY_ARCHIVE" | cut -d' ' -f1); fi
if [ "$actual" != "$FERRY_SHA256" ]; then
  echo "checksum mismatch for $FERRY_ARCHIVE: expected $FERRY_SHA256, got $actual" >&2
  rm -rf "$FERRY_DIR"; exit 1
fi
echo "sha256 verified: $actual"
tar -xzf "$FERRY_DIR/$FERRY_ARCHIVE" -C "$FERRY_DIR/x"
found=$(find "$FERRY_DIR/x" -type f -name ferry | head -n 1)
[ -n "$found" ] || { echo "$FERRY_ARCHIVE holds no ferry binary" >&2; exit 1; }
mv "$found" "$FERRY_DIR/ferry" && chmod +x "$FERRY_DIR/ferry" && rm -rf "$FERRY_DIR/x" "$FERRY_DIR/$FERRY_ARCHIVE"
touch "$FERRY_DIR/.complete"
''')
        } else {
            bat(label: "install ferry ${version}", script: '''@echo off
powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$ErrorActionPreference = 'Stop'; if (Test-Path (Join-Path $env:FERRY_DIR '.complete')) { exit 0 }; New-Item -ItemType Directory -Force -Path $env:FERRY_DIR | Out-Null; $zip = Join-Path $env:FERRY_DIR $env:FERRY_ARCHIVE; Invoke-WebRequest -UseBasicParsing -Uri $env:FERRY_URL -OutFile $zip; $actual = (Get-FileHash -Algorithm SHA256 $zip).Hash.ToLower(); if ($actual -ne $env:FERRY_SHA256) { Write-Error ('checksum mismatch: expected ' + $env:FERRY_SHA256 + ', got ' + $actual) }; Expand-Archive -LiteralPath $zip -DestinationPath (Join-Path $env:FERRY_DIR 'x') -Force; $found = Get-ChildItem -Recurse -Filter ferry.exe (Join-Path $env:FERRY_DIR 'x') | Select-Object -First 1; Move-Item $found.FullName (Join-Path $env:FERRY_DIR 'ferry.exe') -Force; New-Item (Join-Path $env:FERRY_DIR '.complete') | Out-Null"
''')
        }
    }
    env.FERRY_BIN = bin
    return [version: version, path: bin]
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
