'use strict';
// Ferry: install. Resolves `latest` or a range against the release list, downloads the release
// archive for the agent's OS and architecture, verifies it against the SHA256SUMS published with
// that release, caches it in the agent tool cache and prepends it to PATH. Or uses a ferry
// already on PATH.

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const tl = require('azure-pipelines-task-lib/task');
const toolLib = require('azure-pipelines-tool-lib/tool');

function target() {
    const platform = os.platform();
    const arch = os.arch();
    const cpu = arch === 'arm64' ? 'aarch64' : arch === 'x64' ? 'x86_64' : null;
    if (!cpu) throw new Error(`unsupported architecture ${arch} (x64 and arm64 are released)`);
    switch (platform) {
        case 'linux':
            return { target: `${cpu}-unknown-linux-musl`, ext: 'tar.gz', exe: '', cpu };
        case 'darwin':
            return { target: `${cpu}-apple-darwin`, ext: 'tar.gz', exe: '', cpu };
        case 'win32':
            // Windows on Arm runs the x86_64 build under emulation.
            return { target: 'x86_64-pc-windows-msvc', ext: 'zip', exe: '.exe', cpu };
        default:
            throw new Error(`unsupported platform ${platform}`);
    }
}

const EXACT = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/;
const RANGE = /^(latest|\*|x|([~^]?)(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?)$/;
const DEFAULT_BASE = 'https://github.com/ferry-deploy/ferry/releases/download';
const DEFAULT_RELEASES = 'https://api.github.com/repos/ferry-deploy/ferry/releases?per_page=100';

/** Whether version [major, minor, patch] satisfies `range` (latest, *, 1, 1.x, 1.2, ^1.2.3, ~1.2.3). */
function satisfies([major, minor, patch], range) {
    const m = RANGE.exec(range);
    if (!m) return false;
    if (m[1] === 'latest' || m[1] === '*' || m[1] === 'x') return true;
    const op = m[2];
    const want = [m[3], m[4], m[5]].map((part) => (part === undefined || part === 'x' || part === '*' ? null : Number(part)));
    if (major !== want[0]) return false;
    const atLeast = (a, b) => a > want[1] || (a === want[1] && b >= (want[2] ?? 0));
    if (op === '^') {
        if (want[1] === null) return true;
        if (want[0] !== 0) return atLeast(minor, patch);
        if (want[1] !== 0) return minor === want[1] && patch >= (want[2] ?? 0);
        return minor === 0 && (want[2] === null || patch === want[2]);
    }
    if (op === '~') return want[1] === null || (minor === want[1] && patch >= (want[2] ?? 0));
    return (want[1] === null || minor === want[1]) && (want[2] === null || patch === want[2]);
}

/** The newest released version (no drafts, no pre-releases) of GitHub's release list satisfying `range`. */
function resolveVersion(releases, range) {
    const versions = releases
        .filter((release) => !release.draft && !release.prerelease)
        .map((release) => /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(release.tag_name)))
        .filter(Boolean)
        .map((m) => [Number(m[1]), Number(m[2]), Number(m[3])])
        .filter((version) => satisfies(version, range))
        .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return versions.length ? versions[versions.length - 1].join('.') : null;
}

/** The sha256 for `archive` from a `sha256sum`-format file, or null. */
function expectedSha256(checksumsFile, archive) {
    for (const line of fs.readFileSync(checksumsFile, 'utf8').split(/\r?\n/)) {
        const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line);
        if (match && match[2] === archive) return match[1].toLowerCase();
    }
    return null;
}

function sha256(file) {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function findBinary(dir, name) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            const found = findBinary(full, name);
            if (found) return found;
        } else if (entry.name === name) {
            return full;
        }
    }
    return null;
}

function publish(binary, version) {
    tl.setVariable('FERRY_BIN', binary);
    tl.setVariable('ferryPath', binary, false, true);
    tl.setVariable('ferryVersion', version, false, true);
    tl.setResult(tl.TaskResult.Succeeded, `ferry ${version} at ${binary}`);
}

function reportedVersion(binary) {
    const result = tl.execSync(binary, ['--version'], { silent: true });
    if (result.code !== 0) throw new Error(`${binary} --version failed: ${result.stderr}`);
    return result.stdout.trim().split(/\s+/).pop();
}

async function run() {
    try {
        if (tl.getBoolInput('useOnPath', false)) {
            const onPath = tl.which('ferry', false);
            if (onPath) {
                publish(onPath, reportedVersion(onPath));
                return;
            }
            console.log('no ferry on PATH; downloading');
        }

        let version = (tl.getInput('version', false) || '').trim();
        if (!version) version = fs.readFileSync(path.join(__dirname, 'VERSION'), 'utf8').trim();
        version = version.replace(/^v/, '');
        if (!EXACT.test(version)) {
            if (!RANGE.test(version)) {
                throw new Error(`version '${version}' is not a release version (1.2.3), 'latest' or a range (1, 1.2, 1.x, ^1.2.3, ~1.2.3)`);
            }
            const releasesUrl = (tl.getInput('releasesUrl', false) || '').trim() || DEFAULT_RELEASES;
            let releases;
            try {
                releases = JSON.parse(fs.readFileSync(await toolLib.downloadTool(releasesUrl), 'utf8'));
            } catch (error) {
                throw new Error(`could not read the release list at ${releasesUrl} to resolve '${version}' (${error.message}); pin an exact version or set releasesUrl to a mirror`);
            }
            const resolved = resolveVersion(Array.isArray(releases) ? releases : [], version);
            if (!resolved) throw new Error(`no released version satisfies '${version}' in ${releasesUrl}`);
            console.log(`'${version}' resolves to ${resolved}`);
            version = resolved;
        }
        const { target: triple, ext, exe, cpu } = target();

        const cached = toolLib.findLocalTool('ferry', version, cpu);
        if (cached) {
            const binary = path.join(cached, `ferry${exe}`);
            toolLib.prependPath(cached);
            publish(binary, version);
            return;
        }

        const archive = `ferry-${version}-${triple}.${ext}`;
        const sumsBase = ((tl.getInput('checksumsBaseUrl', false) || '').trim() || DEFAULT_BASE).replace(/\/+$/, '');
        const sumsUrl = `${sumsBase}/v${version}/SHA256SUMS`;
        let sums;
        try {
            sums = await toolLib.downloadTool(sumsUrl);
        } catch (error) {
            throw new Error(`could not read ${sumsUrl} (${error.message}): every download is verified against the checksums published with its release`);
        }
        const expected = expectedSha256(sums, archive);
        if (!expected) throw new Error(`the release's SHA256SUMS (${sumsUrl}) lists no ${archive}`);
        const base = ((tl.getInput('downloadBaseUrl', false) || '').trim() || DEFAULT_BASE).replace(/\/+$/, '');
        const url = `${base}/v${version}/${archive}`;
        console.log(`downloading ${url}`);
        const downloaded = await toolLib.downloadTool(url, archive);
        const actual = sha256(downloaded);
        if (actual !== expected) {
            throw new Error(`checksum mismatch for ${archive}: expected ${expected}, got ${actual} (the download is not the released file)`);
        }
        console.log(`sha256 verified: ${actual}`);
        const extracted = ext === 'zip' ? await toolLib.extractZip(downloaded) : await toolLib.extractTar(downloaded);
        const binary = findBinary(extracted, `ferry${exe}`);
        if (!binary) throw new Error(`${archive} holds no ferry${exe}`);
        fs.chmodSync(binary, 0o755);
        const cacheDir = await toolLib.cacheFile(binary, `ferry${exe}`, 'ferry', version, cpu);
        toolLib.prependPath(cacheDir);
        publish(path.join(cacheDir, `ferry${exe}`), version);
    } catch (error) {
        tl.setResult(tl.TaskResult.Failed, error.message);
    }
}

run();
