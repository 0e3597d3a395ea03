// Run a project's published runbook in environments on an Octopus Deploy server (`ferry runbook run`); waits by default, and an unsuccessful run fails the stage and the build. `ferry server` has no runbooks.
// Arguments and result: see ferryRunRunbook.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['project', 'runbook', 'environments'], 'ferryRunRunbook')
    List argv = ['runbook', 'run'] +
        ferry.flag(args, 'project', '--project') +
        ferry.flag(args, 'runbook', '--runbook') +
        ferry.flags(args, 'environments', '--environment') +
        ferry.audienceOptions(args) +
        ferry.waitOptions(args)
    return ferry.run(args, argv, 'ferryRunRunbook')
}
