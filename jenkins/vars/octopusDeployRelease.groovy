// The octopusdeploy plugin's octopusDeployRelease step, on Ferry. Parameters: see octopusDeployRelease.txt.
def call(Map args = [:]) {
    Map common = octopus.connection(args)
    String server = octopus.serverUrl(common.serverId as String)
    return ferryDeploy(common + (server ? [server: server] : [:]) + (args.ferry ? [ferry: args.ferry] : [:]) +
        [project: args.project, version: args.releaseVersion, to: args.environment, tenants: args.tenant,
         variables: octopus.variables(args.variables), wait: args.waitForDeployment == true,
         timeout: octopus.timeout(args.deploymentTimeout), cancelOnTimeout: args.cancelOnTimeout])
}
