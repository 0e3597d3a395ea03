// Wait for server tasks (deployments) to finish, streaming their logs (`ferry task wait`). An unsuccessful task fails the stage and the build.
// Arguments and result: see ferryWait.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['taskIds'], 'ferryWait')
    List argv = ['task', 'wait'] +
        ferry.flag(args, 'timeout', '--timeout') +
        ferry.bool(args, 'cancelOnTimeout', '--cancel-on-timeout') +
        ferry.flag(args, 'pollInterval', '--poll-interval') +
        ferry.asList(args.taskIds)
    return ferry.run(args, argv, 'ferryWait')
}
