// Deploy a release to environments and wait for the result (`ferry release deploy`). A failed deployment fails the stage and the build.
// Arguments and result: see ferryDeploy.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['project', 'version', 'to'], 'ferryDeploy')
    List argv = ['release', 'deploy'] +
        ferry.flag(args, 'project', '--project') +
        ferry.flag(args, 'version', '--version') +
        ferry.flags(args, 'to', '--to') +
        ferry.deployOptions(args)
    return ferry.run(args, argv, 'ferryDeploy')
}
