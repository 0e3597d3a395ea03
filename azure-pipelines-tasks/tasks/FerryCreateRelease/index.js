'use strict';
// Ferry: create a release: `ferry release create`. The shared shim is ./common.js (src/common.js).
const { runFerryTask } = require('./common');

runFerryTask({
    command: ['release', 'create'],
    inputs: [
        ['project', 'string', '--project'],
        ['releaseVersion', 'string', '--version'],
        ['channel', 'string', '--channel'],
        ['packages', 'list', '--package'],
        ['packageVersion', 'string', '--package-version'],
        ['releaseNotes', 'string', '--release-notes'],
        ['releaseNotesFile', 'string', '--release-notes-file'],
        ['releaseNotesAuto', 'bool', '--release-notes-auto'],
        ['ifExists', 'string', '--if-exists'],
        ['gitRef', 'string', '--git-ref'],
        ['gitCommit', 'string', '--git-commit'],
    ],
});
