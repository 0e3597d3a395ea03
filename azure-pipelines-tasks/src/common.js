'use strict';
// Shared by every Ferry task (copied into each task folder when the extension is built, because
// the agent downloads each task folder on its own). A task is a table of inputs -> ferry flags;
// this module reads the inputs and the service connection, spawns `ferry` with those flags and
// maps its exit code to the task result. The binary detects Azure Pipelines itself and writes
// the ##vso logging commands (output variables, secrets, issues, summary); nothing here
// reimplements Ferry logic.
//
// Secrets never go on the command line: the API key reaches ferry as FERRY_API_KEY in the child's
// environment. (azure-pipelines-task-lib removes INPUT_*/ENDPOINT_AUTH_* from process.env when it
// loads, so the child environment is built explicitly.)

const tl = require('azure-pipelines-task-lib/task');

/** Exit codes of the ferry binary (crates/ferry/src/exit.rs). */
const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, DEPLOYMENT_FAILED: 3 };

/** Trimmed lines of a multi-line input, without blanks and `#` comments. */
function lines(value) {
    return (value || '')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * An input whose value may be a secret (prompted variables, an access token), read without the
 * `##vso[task.debug]name=value` line tl.getInput writes for every input: that line would show
 * the values before tl.setSecret can register them. Falls back to tl.getInput when the task
 * library's vault is not there (the mock runner).
 */
function quietInput(name) {
    const internal = require('azure-pipelines-task-lib/internal');
    if (internal._vault && typeof internal._vault.retrieveSecret === 'function') {
        return internal._vault.retrieveSecret('INPUT_' + internal._getVariableKey(name)) || '';
    }
    return tl.getInput(name, false) || '';
}

/**
 * Build the ferry argument vector for `spec` from the task's inputs.
 *
 * spec.command: e.g. ['release', 'deploy']
 * spec.inputs: [name, kind, flag] where kind is
 *   'string' (--flag VALUE when not empty), 'bool' (--flag when true),
 *   'list' (--flag VALUE per line), 'pairs' (--flag NAME=VALUE per line, split on the first '='),
 *   'files' (positional, one per line; globs are expanded with tl.findMatch),
 *   'ids' (positional, one per line or comma-separated).
 */
function buildArgs(spec, getInput = tl.getInput, getBool = tl.getBoolInput) {
    const args = ['-o', 'json', ...spec.command];
    for (const [name, kind, flag] of spec.inputs) {
        if (kind === 'bool') {
            if (getBool(name, false)) args.push(flag);
            continue;
        }
        const raw = kind === 'pairs' && getInput === tl.getInput ? quietInput(name) : getInput(name, false);
        const value = (raw || '').trim();
        if (value === '') continue;
        switch (kind) {
            case 'string':
                args.push(flag, value);
                break;
            case 'list':
                for (const line of lines(value)) args.push(flag, line);
                break;
            case 'names':
                // One per line, or comma-separated (OctoTFS's older environment lists).
                for (const line of lines(value)) {
                    for (const item of line.split(',').map((part) => part.trim()).filter(Boolean)) args.push(flag, item);
                }
                break;
            case 'pairs':
                for (let line of lines(value)) {
                    // NAME=VALUE, or OctoTFS's `Name: Value`: whichever separator comes first.
                    const eq = line.indexOf('=');
                    const colon = line.indexOf(':');
                    if (colon > 0 && (eq < 0 || colon < eq)) {
                        line = `${line.slice(0, colon).trim()}=${line.slice(colon + 1).trim()}`;
                    }
                    const at = line.indexOf('=');
                    if (at <= 0) {
                        throw new Error(`input '${name}': '${line}' is not NAME=VALUE or 'Name: Value' (split on the first separator)`);
                    }
                    // Prompted variable values may be secrets: register each with the agent
                    // so it is masked wherever it would appear (the [command] line included).
                    if (line.length > at + 1) tl.setSecret(line.slice(at + 1));
                    args.push(flag, line);
                }
                break;
            case 'ids':
                // Positional ids, one per line or comma-separated (a previous task's output).
                for (const line of lines(value)) args.push(...line.split(',').map((id) => id.trim()).filter(Boolean));
                break;
            case 'files':
                for (const line of lines(value)) {
                    if (/[*?[]/.test(line)) {
                        // Relative to the folder ferry runs in; `**` matches any depth of folders.
                        const matches = tl.findMatch(workingDirectory(), line);
                        if (!matches || matches.length === 0) throw new Error(`input '${name}': no file matches '${line}'`);
                        args.push(...matches);
                    } else {
                        args.push(line);
                    }
                }
                break;
            default:
                throw new Error(`unknown input kind ${kind}`);
        }
    }
    return args;
}

/** The folder ferry runs in, where relative paths and globs resolve. */
function workingDirectory() {
    return tl.getInput('workingDirectory', false) || tl.getVariable('System.DefaultWorkingDirectory') || process.cwd();
}

/** The connection settings from the service connection (if any), as FERRY_* variables. */
function connectionEnv() {
    const env = {};
    // A Ferry connection, else an existing Octopus one (OctoTFS's OctopusEndpoint type: the same
    // URL plus `apitoken` scheme).
    const id = tl.getInput('ferryService', false) || tl.getInput('octopusService', false);
    if (id) {
        const url = tl.getEndpointUrl(id, false);
        const key = tl.getEndpointAuthorizationParameter(id, 'apitoken', false);
        if (key) {
            tl.setSecret(key);
            env.FERRY_API_KEY = key;
        }
        if (url) env.FERRY_SERVER = url.replace(/\/+$/, '');
        const space = tl.getEndpointDataParameter(id, 'space', true);
        if (space) env.FERRY_SPACE = space;
        const insecure = tl.getEndpointDataParameter(id, 'ignoreSslErrors', true);
        if (String(insecure).toLowerCase() === 'true') env.FERRY_INSECURE = 'true';
    }
    const space = tl.getInput('space', false);
    if (space) env.FERRY_SPACE = space;
    // An Octopus access token (an OIDC login's, say) instead of an API key.
    const accessToken = quietInput('accessToken').trim();
    if (accessToken) {
        tl.setSecret(accessToken);
        env.OCTOPUS_ACCESS_TOKEN = accessToken;
    }
    return env;
}

/** The ferry binary: FERRY_BIN (set by FerryInstaller), else `ferry` on PATH. */
function ferryPath() {
    const fromVariable = tl.getVariable('FERRY_BIN');
    if (fromVariable && tl.exist(fromVariable)) return fromVariable;
    const onPath = tl.which('ferry', false);
    if (onPath) return onPath;
    throw new Error('ferry was not found: add a FerryInstaller@1 step before this task');
}

/** Run one ferry command for a task described by `spec`, and set the task result. */
async function runFerryTask(spec) {
    try {
        const env = connectionEnv();
        const args = buildArgs(spec);
        if (env.FERRY_INSECURE) {
            args.splice(2, 0, '--insecure');
            delete env.FERRY_INSECURE;
        }
        // Without a connection or FERRY_SERVER, ferry refuses to run in CI unless the embedded
        // server is asked for by name (ferry prints which input to set).
        if (tl.getBoolInput('embedded', false)) args.splice(2, 0, '--embedded');
        const caCert = tl.getInput('caCert', false);
        if (caCert) args.splice(2, 0, '--ca-cert', caCert);
        args.push(...lines(tl.getInput('additionalArguments', false)));

        const ferry = tl.tool(ferryPath());
        ferry.arg(args);
        let stdout = '';
        ferry.on('stdout', (data) => {
            stdout += data.toString();
        });
        const cwd = workingDirectory();
        const code = await ferry.execAsync({
            cwd,
            env: { ...process.env, ...env },
            ignoreReturnCode: true,
            silent: false,
        });

        let result = null;
        try {
            result = stdout.trim() ? JSON.parse(stdout) : null;
        } catch (error) {
            tl.debug(`ferry's output is not JSON: ${error.message}`);
        }
        if (result !== null) tl.setVariable('json', JSON.stringify(result), false, true);

        switch (code) {
            case EXIT.OK:
                tl.setResult(tl.TaskResult.Succeeded, `ferry ${spec.command.join(' ')} succeeded`);
                break;
            case EXIT.DEPLOYMENT_FAILED:
                tl.setResult(tl.TaskResult.Failed, 'a deployment finished unsuccessfully');
                break;
            case EXIT.USAGE:
                tl.setResult(tl.TaskResult.Failed, 'ferry rejected the inputs (see the log above)');
                break;
            default:
                tl.setResult(tl.TaskResult.Failed, `ferry exited with status ${code}`);
        }
        return { code, result };
    } catch (error) {
        tl.setResult(tl.TaskResult.Failed, error.message);
        return { code: EXIT.FAILURE, result: null };
    }
}

/** Input tables shared by several tasks. */
const PACK_INPUTS = [
    ['format', 'string', '--format'],
    ['basePath', 'string', '--base-path'],
    ['include', 'list', '--include'],
    ['exclude', 'list', '--exclude'],
    ['outFolder', 'string', '--out-folder'],
    ['overwrite', 'bool', '--overwrite'],
    ['compressionLevel', 'string', '--compression-level'],
    ['authors', 'list', '--author'],
    ['title', 'string', '--title'],
    ['description', 'string', '--description'],
    ['packageReleaseNotes', 'string', '--release-notes'],
    ['packageReleaseNotesFile', 'string', '--release-notes-file'],
    ['preserveMtimes', 'bool', '--preserve-mtimes'],
    ['allowEmpty', 'bool', '--allow-empty'],
];

const COLLECT_INPUTS = [
    ['since', 'string', '--since'],
    ['maxCommits', 'string', '--max-commits'],
    ['deepen', 'bool', '--deepen'],
    ['repository', 'string', '--repo'],
    ['workItemPatterns', 'list', '--work-item-pattern'],
    ['workItemUrl', 'string', '--work-item-url'],
    ['workItems', 'list', '--work-item'],
    ['workItemKeys', 'string', '--work-item-keys'],
];

/** Who a deployment or runbook run is for and what it does on a failure. */
const AUDIENCE_INPUTS = [
    ['tenants', 'list', '--tenant'],
    ['tenantTags', 'names', '--tenant-tag'],
    ['variables', 'pairs', '--variable'],
    ['guidedFailure', 'bool', '--guided-failure'],
];

const WAIT_INPUTS = [
    ['wait', 'bool', '--wait'],
    ['timeout', 'string', '--timeout'],
    ['cancelOnTimeout', 'bool', '--cancel-on-timeout'],
    ['pollInterval', 'string', '--poll-interval'],
];

const DEPLOY_INPUTS = [
    ...AUDIENCE_INPUTS,
    ['deployAt', 'string', '--deploy-at'],
    ['noDeployAfter', 'string', '--no-deploy-after'],
    ...WAIT_INPUTS,
];

module.exports = {
    runFerryTask, buildArgs, lines, EXIT, PACK_INPUTS, COLLECT_INPUTS, AUDIENCE_INPUTS, WAIT_INPUTS, DEPLOY_INPUTS,
};
