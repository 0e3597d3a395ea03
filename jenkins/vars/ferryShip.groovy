// The whole pipeline step: package, push, build information, release, deploy and wait (`ferry ship`).
// Arguments and result: see ferryShip.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['project', 'id', 'version'], 'ferryShip')
    List argv = ['ship'] +
        ferry.flag(args, 'project', '--project') +
        ferry.flag(args, 'id', '--id') +
        ferry.flag(args, 'version', '--version') +
        ferry.packOptions(args) +
        ferry.flag(args, 'ifExists', '--if-exists') +
        ferry.flag(args, 'channel', '--channel') +
        ferry.flags(args, 'packages', '--package') +
        ferry.flag(args, 'gitRef', '--git-ref') +
        ferry.flag(args, 'gitCommit', '--git-commit') +
        ferry.flags(args, 'to', '--to') +
        ferry.collectOptions(args) +
        ferry.deployOptions(args)
    return ferry.run(args, argv, 'ferryShip')
}
