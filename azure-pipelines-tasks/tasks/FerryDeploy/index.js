'use strict';
// Ferry: deploy a release: `ferry release deploy`. The shared shim is ./common.js (src/common.js).
const { runFerryTask, DEPLOY_INPUTS } = require('./common');

runFerryTask({
    command: ['release', 'deploy'],
    inputs: [
        ['project', 'string', '--project'],
        ['releaseVersion', 'string', '--version'],
        ['environments', 'names', '--to'],
        ...DEPLOY_INPUTS,
    ],
});
