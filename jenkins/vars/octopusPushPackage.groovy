// The octopusdeploy plugin's octopusPushPackage step, on Ferry. Parameters: see octopusPushPackage.txt.
def call(Map args = [:]) {
    Map common = octopus.connection(args)
    String server = octopus.serverUrl(common.serverId as String)
    Map ifExists = [FailIfExists: 'fail', IgnoreIfExists: 'ignore', OverwriteExisting: 'overwrite']
    return ferryPush(common + (server ? [server: server] : [:]) + (args.ferry ? [ferry: args.ferry] : [:]) +
        [packages: args.packagePaths, ifExists: ifExists[args.overwriteMode?.toString()]])
}
