// Deploy the newest release that succeeded in one environment to others (`ferry release promote`).
// Arguments and result: see ferryPromote.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['project', 'from', 'to'], 'ferryPromote')
    List argv = ['release', 'promote'] +
        ferry.flag(args, 'project', '--project') +
        ferry.flag(args, 'from', '--from') +
        ferry.flags(args, 'to', '--to') +
        ferry.deployOptions(args)
    return ferry.run(args, argv, 'ferryPromote')
}
