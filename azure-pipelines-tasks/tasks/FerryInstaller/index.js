'use strict';
// Ferry: install. Downloads the release archive for the agent's OS and architecture, verifies it
// against the sha256 values shipped in this task (checksums.txt, copied from actions/setup when
// the extension is built: no API call, no rate limit), caches it in the agent tool cache and
// prepends it to PATH. Or uses a ferry already on PATH.

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
        if (!/^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/.test(version)) {
            throw new Error(`version '${version}' is not a release version like 1.2.3`);
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
        const checksums = process.env.FERRY_CHECKSUMS_FILE || path.join(__dirname, 'checksums.txt');
        const expected = expectedSha256(checksums, archive);
        if (!expected) {
            throw new Error(`no sha256 for ${archive} ships with this task: it installs only versions whose checksums it carries. Update the extension or pick a listed version.`);
        }
        const base = (tl.getInput('downloadBaseUrl', false) || 'https://github.com/ferry-deploy/ferry/releases/download').replace(/\/+$/, '');
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
