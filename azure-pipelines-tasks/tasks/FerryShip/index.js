'use strict';
// Ferry: ship: `ferry ship`. The shared shim is ./common.js (src/common.js).
const { runFerryTask, PACK_INPUTS, DEPLOY_INPUTS, COLLECT_INPUTS } = require('./common');

runFerryTask({
    command: ['ship'],
    inputs: [
        ['project', 'string', '--project'],
        ['packageId', 'string', '--id'],
        ['packageVersion', 'string', '--version'],
        ['channel', 'string', '--channel'],
        ['packages', 'list', '--package'],
        ['gitRef', 'string', '--git-ref'],
        ['gitCommit', 'string', '--git-commit'],
        ['environments', 'names', '--to'],
        ['ifExists', 'string', '--if-exists'],
        ...PACK_INPUTS, ...DEPLOY_INPUTS, ...COLLECT_INPUTS,
    ],
});
