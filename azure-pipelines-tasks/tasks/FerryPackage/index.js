'use strict';
// Ferry: create a package: `ferry package create`. The shared shim is ./common.js (src/common.js).
const { runFerryTask, PACK_INPUTS } = require('./common');

runFerryTask({
    command: ['package', 'create'],
    inputs: [
        ['packageId', 'string', '--id'],
        ['packageVersion', 'string', '--version'],
        ...PACK_INPUTS,
    ],
});
