'use strict';
// Runs one staged task under azure-pipelines-task-lib's TaskMockRunner. The case (inputs,
// endpoint, variables, answers) comes as JSON in FERRY_MOCK_CASE, written by tasks.test.js.
const fs = require('fs');
const c = JSON.parse(fs.readFileSync(process.env.FERRY_MOCK_CASE, 'utf8'));

// Inputs, variables and the service connection exactly as the agent passes them: environment
// variables, set before the task library loads them into its vault.
for (const [name, value] of Object.entries(c.inputs || {})) process.env[`INPUT_${name.toUpperCase()}`] = value;
for (const [name, value] of Object.entries(c.env || {})) process.env[name] = value;
if (c.endpoint) {
    const id = c.endpoint.id;
    process.env.INPUT_FERRYSERVICE = id;
    process.env[`ENDPOINT_URL_${id}`] = c.endpoint.url;
    process.env[`ENDPOINT_AUTH_${id}`] = JSON.stringify({ scheme: 'Token', parameters: { apitoken: c.endpoint.apitoken } });
    process.env[`ENDPOINT_AUTH_SCHEME_${id}`] = 'Token';
    process.env[`ENDPOINT_AUTH_PARAMETER_${id}_APITOKEN`] = c.endpoint.apitoken;
    for (const [key, value] of Object.entries(c.endpoint.data || {})) process.env[`ENDPOINT_DATA_${id}_${key.toUpperCase()}`] = value;
}

const tmrm = require('azure-pipelines-task-lib/mock-run');
const runner = new tmrm.TaskMockRunner(c.taskPath);
runner.setAnswers(c.answers || {});
runner.run();
