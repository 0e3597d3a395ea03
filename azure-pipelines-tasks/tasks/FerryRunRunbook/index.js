'use strict';
// Ferry: run a runbook: `ferry runbook run`. The shared shim is ./common.js (src/common.js).
const { runFerryTask, AUDIENCE_INPUTS, WAIT_INPUTS } = require('./common');

runFerryTask({
    command: ['runbook', 'run'],
    inputs: [
        ['project', 'string', '--project'],
        ['runbook', 'string', '--runbook'],
        ['environments', 'names', '--environment'],
        ...AUDIENCE_INPUTS,
        ...WAIT_INPUTS,
    ],
});
