'use strict';
// Ferry: push build information: `ferry build-info push`. The shared shim is ./common.js (src/common.js).
const { runFerryTask, COLLECT_INPUTS } = require('./common');

runFerryTask({
    command: ['build-info', 'push'],
    inputs: [
        ['packageIds', 'list', '--package-id'],
        ['packageVersion', 'string', '--version'],
        ['file', 'string', '--file'],
        ['ifExists', 'string', '--if-exists'],
        ...COLLECT_INPUTS,
    ],
});
