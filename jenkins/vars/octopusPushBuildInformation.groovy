// The octopusdeploy plugin's octopusPushBuildInformation step, on Ferry. Parameters: see octopusPushBuildInformation.txt.
def call(Map args = [:]) {
    Map common = octopus.connection(args)
    String server = octopus.serverUrl(common.serverId as String)
    Map ifExists = [FailIfExists: 'fail', IgnoreIfExists: 'ignore', OverwriteExisting: 'overwrite']
    // gitUrl, gitBranch and gitCommit override what the binary reads from Jenkins' GIT_* variables.
    List vars = []
    if (args.gitCommit) {
        vars << "GIT_COMMIT=${args.gitCommit}".toString()
    }
    if (args.gitBranch) {
        vars << "GIT_BRANCH=${args.gitBranch}".toString()
    }
    if (args.gitUrl) {
        vars << "GIT_URL=${args.gitUrl}".toString()
    }
    withEnv(vars) {
        return ferryBuildInfo(common + (server ? [server: server] : [:]) + (args.ferry ? [ferry: args.ferry] : [:]) +
            [packageIds: args.packageId, version: args.packageVersion, ifExists: ifExists[args.overwriteMode?.toString()],
             verbose: args.verboseLogging == true])
    }
}
