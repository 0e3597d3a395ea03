// The octopusdeploy plugin's octopusCreateRelease step, on Ferry: create a release and, with
// deployThisRelease, deploy it. Parameters: see octopusCreateRelease.txt.
def call(Map args = [:]) {
    Map common = octopus.connection(args)
    String server = octopus.serverUrl(common.serverId as String)
    Map base = common + (server ? [server: server] : [:]) + (args.ferry ? [ferry: args.ferry] : [:])
    List packages = (args.packageConfigs ?: []).collect { "${it.packageName}:${it.packageVersion}".toString() }
    def release = ferryCreateRelease(base + [project: args.project, version: args.releaseVersion, channel: args.channel,
        packages: packages, packageVersion: args.defaultPackageVersion, releaseNotesFile: args.releaseNotesFile])
    if (args.deployThisRelease) {
        def deployed = ferryDeploy(base + [project: args.project, version: release.version, to: args.environment,
            tenants: args.tenant, variables: octopus.variables(args.variables), wait: args.waitForDeployment == true,
            timeout: octopus.timeout(args.deploymentTimeout), cancelOnTimeout: args.cancelOnTimeout])
        release.deployments = deployed.deployments
    }
    return release
}
