// Push build information (build URL, branch, commits, work items) for package versions (`ferry build-info push`). Jenkins' BUILD_URL, GIT_COMMIT, GIT_BRANCH... are read by the binary.
// Arguments and result: see ferryBuildInfo.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['packageIds', 'version'], 'ferryBuildInfo')
    List argv = ['build-info', 'push'] +
        ferry.flags(args, 'packageIds', '--package-id') +
        ferry.flag(args, 'version', '--version') +
        ferry.flag(args, 'file', '--file') +
        ferry.flag(args, 'ifExists', '--if-exists') +
        ferry.collectOptions(args)
    return ferry.run(args, argv, 'ferryBuildInfo')
}
