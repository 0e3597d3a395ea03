'use strict';
// Ferry: promote a release: `ferry release promote`. The shared shim is ./common.js (src/common.js).
const { runFerryTask, DEPLOY_INPUTS } = require('./common');

runFerryTask({
    command: ['release', 'promote'],
    inputs: [
        ['project', 'string', '--project'],
        ['from', 'string', '--from'],
        ['environments', 'names', '--to'],
        ...DEPLOY_INPUTS,
    ],
});
