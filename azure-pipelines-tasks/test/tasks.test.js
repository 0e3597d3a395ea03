'use strict';
// Tests of the Azure Pipelines tasks under azure-pipelines-task-lib's mock test runner, run on
// the staged extension (what the .vsix ships), plus the .vsix build itself with tfx.
//
// Offline: MockTestRunner downloads the Node version a task's handler names unless
// ~/azure-pipelines-task-lib/_download/node<major>/node-<version>-<os>-x64/bin/node and a
// node<major>.completed marker exist. HOME points at a folder under target/ seeded with links to
// this machine's node, so nothing is downloaded and the real home is left alone.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { test, before } = require('node:test');

const root = path.resolve(__dirname, '..');
const work = path.resolve(root, '..', 'target', 'azure-tasks-test');
process.env.HOME = path.join(work, 'home');
for (const dir of ['tmp', 'tools']) fs.mkdirSync(path.join(work, dir), { recursive: true });
const NODE_VERSIONS = { 20: 'v20.13.1', 24: 'v24.10.0' };
const platform = { linux: 'linux', darwin: 'darwin' }[os.platform()];
for (const [major, version] of Object.entries(NODE_VERSIONS)) {
    const download = path.join(process.env.HOME, 'azure-pipelines-task-lib', '_download', `node${major}`);
    const bin = path.join(download, `node-${version}-${platform}-x64`, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    const link = path.join(bin, 'node');
    if (!fs.existsSync(link)) fs.symlinkSync(process.execPath, link);
    fs.writeFileSync(`${download}.completed`, '');
}

const ttm = require('azure-pipelines-task-lib/mock-test');
const { stageExtension, pack } = require('../build');

const stage = path.join(root, 'dist', 'extension');
const FERRY = '/opt/ferry/ferry';
const KEY = 'API-TESTKEY0123456789';
const endpoint = { id: 'conn1', url: 'http://127.0.0.1:8065/', apitoken: KEY, data: { space: 'Spaces-1' } };
const found = { which: { ferry: FERRY }, checkPath: { [FERRY]: true }, exist: { [FERRY]: true } };

before(() => {
    stageExtension();
});

let caseNumber = 0;
async function runTask(task, c) {
    const file = path.join(work, `case-${process.pid}-${caseNumber++}.json`);
    const taskPath = path.join(stage, 'tasks', task, 'index.js');
    fs.mkdirSync(work, { recursive: true });
    const env = { AGENT_TEMPDIRECTORY: path.join(work, 'tmp'), ...(c.env || {}) };
    fs.writeFileSync(file, JSON.stringify({ taskPath, ...c, env }));
    process.env.FERRY_MOCK_CASE = file;
    const runner = new ttm.MockTestRunner();
    await runner.LoadAsync(path.join(__dirname, 'mock-run.js'), path.join(stage, 'tasks', task, 'task.json'));
    await runner.runAsync();
    return runner;
}

function answers(command, result) {
    return { ...found, exec: { [command]: result } };
}

const deployJson = JSON.stringify({
    deployments: [{ environment: 'Development', deploymentId: 'Deployments-1', taskId: 'ServerTasks-1', state: 'Success' }],
});

test('FerryDeploy maps inputs to flags, passes the API key by environment only, succeeds', async () => {
    const command = `${FERRY} -o json release deploy --project Hello --version 1.0.0 --to Development --to Test --variable Url=https://x.test/a?b=c:d --variable Empty= --wait --timeout 5m`;
    const runner = await runTask('FerryDeploy', {
        endpoint,
        inputs: {
            project: 'Hello',
            releaseVersion: '1.0.0',
            environments: 'Development\n  Test  \n\n# not this one',
            variables: 'Url=https://x.test/a?b=c:d\nEmpty=',
            wait: 'true',
            timeout: '5m',
            cancelOnTimeout: 'false',
        },
        answers: answers(command, { code: 0, stdout: deployJson }),
    });
    assert.ok(runner.ran(command), `expected the command line\n${runner.stdout}`);
    assert.equal(runner.invokedToolCount, 1);
    assert.ok(runner.succeeded, runner.stdout);
    assert.ok(runner.stdout.includes(`##vso[task.setsecret]${KEY}`), 'the API key is registered as a secret');
    assert.ok(!runner.stdout.includes(`[command]${FERRY}`) || !/\[command\].*API-TESTKEY/.test(runner.stdout), 'the key is not on the command line');
    assert.match(runner.stdout, /##vso\[task\.setvariable variable=json;isOutput=true;issecret=false;\]\{"deployments":\[\{"environment":"Development"/);
});

test('FerryDeploy fails the task when a deployment fails (exit 3)', async () => {
    const command = `${FERRY} -o json release deploy --project Hello --version latest --to Production --wait`;
    const runner = await runTask('FerryDeploy', {
        endpoint,
        inputs: { project: 'Hello', releaseVersion: 'latest', environments: 'Production', wait: 'true' },
        answers: answers(command, { code: 3, stdout: deployJson.replace('Success', 'Failed') }),
    });
    assert.ok(runner.ran(command), runner.stdout);
    assert.ok(runner.failed);
    assert.match(runner.stdout, /##vso\[task\.complete result=Failed;\]a deployment finished unsuccessfully/);
});

test('FerryWait waits for the task ids of a previous task (lines or commas) and fails on exit 3', async () => {
    const command = `${FERRY} -o json task wait --timeout 5m ServerTasks-1 ServerTasks-2 ServerTasks-3`;
    const runner = await runTask('FerryWait', {
        endpoint,
        inputs: { taskIds: 'ServerTasks-1,ServerTasks-2\nServerTasks-3', timeout: '5m', cancelOnTimeout: 'false' },
        answers: answers(command, { code: 3, stdout: '{"tasks":[]}' }),
    });
    assert.ok(runner.ran(command), runner.stdout);
    assert.ok(runner.failed);
    assert.match(runner.stdout, /a deployment finished unsuccessfully/);
});

test('FerryDeploy with an Octopus (OctopusEndpoint) connection and OctoTFS input syntax', async () => {
    const command = `${FERRY} -o json release deploy --project Hello --version 1.0.0 --to Development --to Test --variable Url=https://x.test:8443/a?b=c --variable Mode=fast`;
    const runner = await runTask('FerryDeploy', {
        inputs: {
            octopusService: 'octo1',
            project: 'Hello',
            releaseVersion: '1.0.0',
            environments: 'Development, Test',
            variables: 'Url: https://x.test:8443/a?b=c\nMode=fast',
        },
        env: {
            ENDPOINT_URL_octo1: 'http://127.0.0.1:8066/',
            ENDPOINT_AUTH_octo1: JSON.stringify({ scheme: 'Token', parameters: { apitoken: KEY } }),
            ENDPOINT_AUTH_SCHEME_octo1: 'Token',
            ENDPOINT_AUTH_PARAMETER_octo1_APITOKEN: KEY,
        },
        answers: answers(command, { code: 0, stdout: deployJson }),
    });
    assert.ok(runner.ran(command), runner.stdout);
    assert.ok(runner.succeeded, runner.stdout);
    assert.ok(runner.stdout.includes(`##vso[task.setsecret]${KEY}`), 'the Octopus connection\'s API key is registered as a secret');
});

test('the tasks accept OctoTFS input names as aliases', () => {
    const task = (name) => JSON.parse(fs.readFileSync(path.join(root, 'tasks', name, 'task.json'), 'utf8'));
    const alias = (name, input) => task(name).inputs.find((i) => i.name === input).aliases || [];
    assert.deepEqual(alias('FerryDeploy', 'octopusService'), ['OctoConnectedServiceName']);
    assert.deepEqual(alias('FerryDeploy', 'releaseVersion'), ['ReleaseNumber']);
    assert.deepEqual(alias('FerryCreateRelease', 'packageVersion'), ['DefaultPackageVersion']);
    assert.equal(task('FerryDeploy').inputs.find((i) => i.name === 'octopusService').type, 'connectedService:OctopusEndpoint');
    for (const name of ['FerryDeploy', 'FerryPromote', 'FerryShip', 'FerryRunRunbook']) {
        // OctoTFS's TenantTags, Project, Runbook, Environments match without an alias (input
        // names are case-insensitive); UseGuidedFailure differs.
        assert.ok(task(name).inputs.find((i) => i.name === 'tenantTags'), name);
        assert.deepEqual(alias(name, 'guidedFailure'), ['UseGuidedFailure'], name);
    }
    // Every task that talks to a server takes an Octopus connection and an access token.
    for (const name of fs.readdirSync(path.join(root, 'tasks')).filter((t) => !['FerryInstaller', 'FerryPackage'].includes(t))) {
        assert.equal(task(name).inputs.find((i) => i.name === 'octopusService').type, 'connectedService:OctopusEndpoint', name);
        assert.ok(task(name).inputs.find((i) => i.name === 'accessToken'), `${name} takes an access token`);
    }
});

test('FerryDeploy maps tenant tags, scheduling and guided failure; an access token stays off the command line', async () => {
    const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.access-token-for-tests';
    const command =
        `${FERRY} -o json release deploy --project Hello --version 1.0.0 --to Production --tenant Acme --tenant-tag Region/EU` +
        ' --tenant-tag Tier/Gold --guided-failure --deploy-at 2026-12-01T22:00:00+01:00 --no-deploy-after 2026-12-02T06:00:00+01:00';
    const runner = await runTask('FerryDeploy', {
        inputs: {
            project: 'Hello',
            releaseVersion: '1.0.0',
            environments: 'Production',
            tenants: 'Acme',
            tenantTags: 'Region/EU, Tier/Gold',
            guidedFailure: 'true',
            deployAt: '2026-12-01T22:00:00+01:00',
            noDeployAfter: '2026-12-02T06:00:00+01:00',
            accessToken: TOKEN,
        },
        answers: answers(command, { code: 0, stdout: deployJson }),
    });
    assert.ok(runner.ran(command), runner.stdout);
    assert.ok(runner.succeeded, runner.stdout);
    assert.ok(runner.stdout.includes(`##vso[task.setsecret]${TOKEN}`), 'the access token is registered as a secret');
    assert.ok(!runner.stdout.split('\n').some((line) => line.startsWith('[command]') && line.includes(TOKEN)), 'the token is not on the command line');
});

test('FerryRunRunbook runs `runbook run` with environments, tenants, variables and the wait options', async () => {
    const command =
        `${FERRY} -o json runbook run --project Hello --runbook Restart web --environment Production --environment Test` +
        ' --tenant-tag Region/EU --variable Reason=nightly --guided-failure --wait --timeout 5m';
    const runner = await runTask('FerryRunRunbook', {
        endpoint,
        inputs: {
            project: 'Hello',
            runbook: 'Restart web',
            environments: 'Production, Test',
            tenantTags: 'Region/EU',
            variables: 'Reason: nightly',
            guidedFailure: 'true',
            wait: 'true',
            timeout: '5m',
        },
        answers: answers(command, { code: 0, stdout: '{"runs":[]}' }),
    });
    assert.ok(runner.ran(command), runner.stdout);
    assert.ok(runner.succeeded, runner.stdout);
});

test('FerryShip passes more packages, git-ref and git-commit for the release', async () => {
    const command = `${FERRY} -o json ship --project Hello --id Hello --version 1.0.0 --package Sidecar:2.0.0 --package Tools:1.1.0 --git-ref refs/heads/main --git-commit 0123abc`;
    const runner = await runTask('FerryShip', {
        endpoint,
        inputs: { project: 'Hello', packageId: 'Hello', packageVersion: '1.0.0', packages: 'Sidecar:2.0.0\nTools:1.1.0', gitRef: 'refs/heads/main', gitCommit: '0123abc' },
        answers: answers(command, { code: 0, stdout: '{}' }),
    });
    assert.ok(runner.ran(command), runner.stdout);
    assert.ok(runner.succeeded, runner.stdout);
});

test('FerryDeploy rejects a variable line without NAME= before running ferry', async () => {
    const runner = await runTask('FerryDeploy', {
        endpoint,
        inputs: { project: 'Hello', releaseVersion: '1.0.0', environments: 'Development', variables: 'novalue' },
        answers: found,
    });
    assert.equal(runner.invokedToolCount, 0);
    assert.ok(runner.failed);
    assert.match(runner.stdout, /is not NAME=VALUE or 'Name: Value'/);
});

test('FerryShip maps package, release, deployment and build-information inputs', async () => {
    const command =
        `${FERRY} -o json --ca-cert /certs/ca.pem ship --project Hello --id Hello.Web --version 1.2.3 --channel Default --to Development --if-exists ignore` +
        ' --format tar.gz --base-path out --include **/*.dll --include *.json --exclude *.pdb --overwrite --author A --author B' +
        ' --variable K=V=W --wait --timeout 2m --since abc123 --max-commits 50 --deepen --work-item-keys FER,OPS --verbose';
    const runner = await runTask('FerryShip', {
        endpoint,
        inputs: {
            project: 'Hello',
            packageId: 'Hello.Web',
            packageVersion: '1.2.3',
            channel: 'Default',
            environments: 'Development',
            ifExists: 'ignore',
            format: 'tar.gz',
            basePath: 'out',
            include: '**/*.dll\n*.json',
            exclude: '*.pdb',
            overwrite: 'true',
            authors: 'A\nB',
            variables: 'K=V=W',
            wait: 'true',
            timeout: '2m',
            since: 'abc123',
            maxCommits: '50',
            deepen: 'true',
            workItemKeys: 'FER,OPS',
            caCert: '/certs/ca.pem',
            additionalArguments: '--verbose',
        },
        answers: answers(command, { code: 0, stdout: '{"deployments":[]}' }),
    });
    assert.ok(runner.ran(command), runner.stdout);
    assert.ok(runner.succeeded, runner.stdout);
});

const simple = [
    ['FerryPackage', { packageId: 'Hello', packageVersion: '1.0.0', basePath: 'site', outFolder: 'out' }, `${FERRY} -o json package create --id Hello --version 1.0.0 --base-path site --out-folder out`],
    ['FerryPush', { packages: 'out/Hello.1.0.0.zip\nout/Other.1.0.0.zip', ifExists: 'ignore' }, `${FERRY} -o json package push --if-exists ignore out/Hello.1.0.0.zip out/Other.1.0.0.zip`],
    ['FerryBuildInfo', { packageIds: 'Hello\nOther', packageVersion: '1.0.0', ifExists: 'overwrite' }, `${FERRY} -o json build-info push --package-id Hello --package-id Other --version 1.0.0 --if-exists overwrite`],
    ['FerryCreateRelease', { project: 'Hello', releaseVersion: '1.0.0', packages: 'Hello:1.0.0', ifExists: 'ignore', releaseNotesAuto: 'true' }, `${FERRY} -o json release create --project Hello --version 1.0.0 --package Hello:1.0.0 --release-notes-auto --if-exists ignore`],
    ['FerryPromote', { project: 'Hello', from: 'Development', environments: 'Test', wait: 'true' }, `${FERRY} -o json release promote --project Hello --from Development --to Test --wait`],
];
for (const [task, inputs, command] of simple) {
    test(`${task} runs \`${command.slice(FERRY.length + 1)}\``, async () => {
        const runner = await runTask(task, { endpoint, inputs, answers: answers(command, { code: 0, stdout: '{}' }) });
        assert.ok(runner.ran(command), runner.stdout);
        assert.ok(runner.succeeded, runner.stdout);
    });
}

test('a task without ferry on the agent fails and says to add FerryInstaller@1', async () => {
    const runner = await runTask('FerryPromote', {
        endpoint,
        inputs: { project: 'Hello', from: 'Development', environments: 'Test' },
        answers: { which: { ferry: '' } },
    });
    assert.equal(runner.invokedToolCount, 0);
    assert.ok(runner.failed);
    assert.match(runner.stdout, /add a FerryInstaller@1 step/);
});

test('FerryInstaller with useOnPath uses the ferry on PATH and sets its outputs', async () => {
    const runner = await runTask('FerryInstaller', {
        inputs: { useOnPath: 'true' },
        answers: { which: { ferry: FERRY, [FERRY]: FERRY }, checkPath: { [FERRY]: true }, exec: { [`${FERRY} --version`]: { code: 0, stdout: 'ferry 0.1.0' } } },
    });
    assert.ok(runner.succeeded, runner.stdout);
    assert.match(runner.stdout, /##vso\[task\.setvariable variable=ferryVersion;isOutput=true;issecret=false;\]0\.1\.0/);
    assert.ok(runner.stdout.includes(`##vso[task.setvariable variable=FERRY_BIN;isOutput=false;issecret=false;]${FERRY}`));
});

test('FerryInstaller refuses a version whose published checksums it cannot read', async () => {
    const runner = await runTask('FerryInstaller', {
        inputs: { version: '9.9.9', checksumsBaseUrl: 'http://127.0.0.1:9/unreachable' },
        env: { AGENT_TOOLSDIRECTORY: path.join(work, 'tools'), AGENT_TEMPDIRECTORY: path.join(work, 'tmp') },
        answers: {},
    });
    assert.ok(runner.failed);
    assert.match(runner.stdout, /could not read http:\/\/127\.0\.0\.1:9\/unreachable\/v9\.9\.9\/SHA256SUMS/);
});

test('every task.json declares Node20_1 and Node24 handlers, grouped inputs and output variables', () => {
    for (const task of fs.readdirSync(path.join(root, 'tasks'))) {
        const json = JSON.parse(fs.readFileSync(path.join(root, 'tasks', task, 'task.json'), 'utf8'));
        assert.deepEqual(Object.keys(json.execution).sort(), ['Node20_1', 'Node24'], task);
        assert.equal(json.name, task);
        assert.equal(json.version.Major, 1);
        const groups = new Set(json.groups.map((group) => group.name));
        for (const input of json.inputs) {
            assert.ok(groups.has(input.groupName), `${task}.${input.name} is in a declared group`);
            assert.ok(input.helpMarkDown, `${task}.${input.name} is documented`);
        }
        assert.ok(json.outputVariables.length > 0, `${task} declares output variables`);
    }
});

test('tfx packs the extension into a .vsix well under 25 MiB', () => {
    const { output, size } = pack();
    assert.ok(size < 25 * 1024 * 1024, `${size} bytes`);
    assert.ok(size < 15 * 1024 * 1024, `the .vsix is ${size} bytes; the binary must not be bundled`);
    const listing = execFileSync('unzip', ['-l', output], { encoding: 'utf8' });
    for (const task of fs.readdirSync(path.join(root, 'tasks'))) {
        assert.ok(listing.includes(`tasks/${task}/task.json`), `${task} is in the .vsix`);
        assert.ok(listing.includes(`tasks/${task}/common.js`) || task === 'FerryInstaller', `${task} carries the shared shim`);
    }
    console.log(`vsix: ${size} bytes`);
});
