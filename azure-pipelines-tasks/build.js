'use strict';
// Stages the extension under dist/extension and packs dist/ferry-tasks.vsix with tfx.
//
//   node build.js            stage + pack
//   node build.js --stage    stage only (the tests run the staged tasks)
//
// The agent downloads each task folder on its own, so every task folder gets its own copy of
// src/common.js and of the production dependencies it needs (copied from ./node_modules, which
// `npm ci` fills from package-lock.json). The ferry binary is NOT bundled: FerryInstaller
// downloads it, which keeps the .vsix far under the Marketplace's 25 MiB limit.

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = __dirname;
const dist = path.join(root, 'dist');
const stage = path.join(dist, 'extension');
const repoRoot = path.resolve(root, '..');
const SIZE_LIMIT = 25 * 1024 * 1024;

function copyDir(from, to, filter) {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
        const source = path.join(from, entry.name);
        const destination = path.join(to, entry.name);
        if (!filter(source, entry)) continue;
        if (entry.isDirectory()) copyDir(source, destination, filter);
        else if (entry.isFile()) fs.copyFileSync(source, destination);
    }
}

// What a task does not need at run time.
function keep(source, entry) {
    const name = entry.name;
    if (entry.isDirectory()) return !['test', 'tests', '.github', 'docs', 'example', 'examples'].includes(name);
    return !/\.(md|markdown|d\.ts|map|ts)$/i.test(name) || name === 'package.json';
}

/** Copy `names` and their dependency closure from ./node_modules into `taskDir`/node_modules. */
function copyDependencies(names, taskDir) {
    const seen = new Set();
    const queue = names.map((name) => ({ name, from: root }));
    while (queue.length > 0) {
        const { name, from } = queue.shift();
        const manifest = require.resolve(`${name}/package.json`, { paths: [from] });
        const dir = path.dirname(manifest);
        if (seen.has(dir)) continue;
        seen.add(dir);
        const relative = path.relative(root, dir);
        copyDir(dir, path.join(taskDir, relative), (source, entry) => {
            // Nested node_modules are copied as packages of their own (only what is needed).
            if (entry.isDirectory() && entry.name === 'node_modules') return false;
            return keep(source, entry);
        });
        const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
        for (const dependency of Object.keys(pkg.dependencies || {})) queue.push({ name: dependency, from: dir });
    }
}

function dirSize(dir) {
    let total = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        total += entry.isDirectory() ? dirSize(full) : fs.statSync(full).size;
    }
    return total;
}

function stageExtension() {
    fs.rmSync(stage, { recursive: true, force: true });
    fs.mkdirSync(stage, { recursive: true });
    for (const file of ['vss-extension.json', 'overview.md']) fs.copyFileSync(path.join(root, file), path.join(stage, file));
    copyDir(path.join(root, 'images'), path.join(stage, 'images'), () => true);

    for (const task of fs.readdirSync(path.join(root, 'tasks'))) {
        const from = path.join(root, 'tasks', task);
        const to = path.join(stage, 'tasks', task);
        copyDir(from, to, () => true);
        if (task !== 'FerryInstaller') fs.copyFileSync(path.join(root, 'src', 'common.js'), path.join(to, 'common.js'));
        fs.copyFileSync(path.join(root, 'images', 'icon.png'), path.join(to, 'icon.png'));
        const dependencies = ['azure-pipelines-task-lib'];
        if (task === 'FerryInstaller') {
            dependencies.push('azure-pipelines-tool-lib');
            // The default version: one source of truth, maintained by the release workflow in
            // actions/setup. (Checksums come from each release's published SHA256SUMS.)
            fs.copyFileSync(path.join(repoRoot, 'actions', 'setup', 'VERSION'), path.join(to, 'VERSION'));
        }
        copyDependencies(dependencies, to);
    }
    return dirSize(stage);
}

function pack() {
    const output = path.join(dist, 'ferry-tasks.vsix');
    fs.rmSync(output, { force: true });
    const tfx = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tfx.cmd' : 'tfx');
    execFileSync(
        tfx,
        ['extension', 'create', '--root', stage, '--manifest-globs', 'vss-extension.json', '--output-path', output, '--no-prompt'],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TFX_TRACE: '' } },
    );
    const size = fs.statSync(output).size;
    if (size > SIZE_LIMIT) throw new Error(`${output} is ${size} bytes, over the Marketplace limit of ${SIZE_LIMIT}`);
    return { output, size };
}

if (require.main === module) {
    const staged = stageExtension();
    console.log(`staged ${stage} (${(staged / 1048576).toFixed(1)} MiB unpacked)`);
    if (!process.argv.includes('--stage')) {
        const { output, size } = pack();
        console.log(`packed ${path.relative(root, output)}: ${size} bytes (${(size / 1048576).toFixed(2)} MiB, limit 25 MiB)`);
    }
}

module.exports = { stageExtension, pack };
