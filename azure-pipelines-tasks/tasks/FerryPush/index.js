'use strict';
// Ferry: push packages: `ferry package push`. The shared shim is ./common.js (src/common.js).
const { runFerryTask } = require('./common');

runFerryTask({
    command: ['package', 'push'],
    inputs: [
        ['ifExists', 'string', '--if-exists'],
        ['packages', 'files', ''],
    ],
});
