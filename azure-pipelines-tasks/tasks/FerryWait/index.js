'use strict';
// Ferry: wait for server tasks: `ferry task wait`. The shared shim is ./common.js (src/common.js).
const { runFerryTask } = require('./common');

runFerryTask({
    command: ['task', 'wait'],
    inputs: [
        ['timeout', 'string', '--timeout'],
        ['cancelOnTimeout', 'bool', '--cancel-on-timeout'],
        ['pollInterval', 'string', '--poll-interval'],
        ['taskIds', 'ids', null],
    ],
});
