// The octopusdeploy Jenkins plugin's step parameters, mapped onto the Ferry steps, so a pipeline
// written for the plugin keeps its step calls (see octopusCreateRelease.txt and its siblings).
//
// serverId names a server configured once for every job: its URL in the environment variable
// FERRY_SERVER_<serverId> (e.g. a global property in Manage Jenkins > System), and its API key
// in a Secret text credential whose id is serverId. spaceId is the space; toolId and
// jenkinsUrlLinkback are accepted and ignored (the binary comes from ferryInstall / FERRY_BIN).

/**
 * The common Ferry arguments from the plugin's serverId (default: env.FERRY_DEFAULT_SERVER_ID,
 * the global default server, like the plugin's first configured server) and spaceId.
 */
Map connection(Map args) {
    Map out = [:]
    String serverId = args.serverId ?: env.FERRY_DEFAULT_SERVER_ID
    if (serverId) {
        out.serverId = serverId.toString()
        out.credentialsId = serverId.toString()
    }
    if (args.spaceId) {
        out.space = args.spaceId.toString()
    }
    return out
}

/** `00:10:00` (the plugin's deploymentTimeout) as ferry's `600s`; other forms pass through. */
@NonCPS
String timeout(value) {
    if (value == null || value.toString().trim() == '') {
        return null
    }
    def m = (value.toString().trim() =~ /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/)
    if (!m.matches()) {
        return value.toString().trim()
    }
    long seconds = ((m.group(1) ?: '0') as long) * 86400 + (m.group(2) as long) * 3600 + (m.group(3) as long) * 60 + (m.group(4) as long)
    return "${seconds}s".toString()
}

/** The plugin's variables (`Name: Value` lines, split on the first colon) as NAME=VALUE entries. */
@NonCPS
List variables(value) {
    if (value instanceof Map) {
        return value.collect { k, v -> "${k}=${v == null ? '' : v}".toString() }
    }
    return ferry.asList(value).collect { String line ->
        int at = line.indexOf(':')
        at <= 0 ? line : (line.substring(0, at).trim() + '=' + line.substring(at + 1).trim())
    }
}

/** The server URL for serverId, from FERRY_SERVER_<serverId>. */
def serverUrl(String serverId) {
    return serverId ? env["FERRY_SERVER_${serverId.replaceAll(/[^A-Za-z0-9]/, '_')}"] : null
}
