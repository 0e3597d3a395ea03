// Create a release of a project (`ferry release create`).
// Arguments and result: see ferryCreateRelease.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['project'], 'ferryCreateRelease')
    List argv = ['release', 'create'] +
        ferry.flag(args, 'project', '--project') +
        ferry.flag(args, 'version', '--version') +
        ferry.flag(args, 'channel', '--channel') +
        ferry.flags(args, 'packages', '--package') +
        ferry.flag(args, 'packageVersion', '--package-version') +
        ferry.flag(args, 'releaseNotes', '--release-notes') +
        ferry.flag(args, 'releaseNotesFile', '--release-notes-file') +
        ferry.bool(args, 'releaseNotesAuto', '--release-notes-auto') +
        ferry.flag(args, 'ifExists', '--if-exists') +
        ferry.flag(args, 'gitRef', '--git-ref') +
        ferry.flag(args, 'gitCommit', '--git-commit')
    return ferry.run(args, argv, 'ferryCreateRelease')
}
