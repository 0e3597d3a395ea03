// Shared by every Ferry step (ferryPackage, ferryPush, ...): turns a step's Map of arguments into
// a ferry argument list and runs the binary on the agent.
//
// How values reach the binary: the argument list is written as a JSON array (UTF-8) to a file
// in the build's temporary folder and the binary reads it with `ferry --args-file FILE`. The
// scripts run by `sh` and `bat` are constants that name only that file, so no shell or
// command-line parser ever re-splits a value: quotes, spaces, `$(...)`, backticks, `%VAR%`,
// newlines and empty values arrive exactly as given, on Linux and Windows agents alike (Windows
// PowerShell 5.1 does not escape embedded quotes when it starts a program, which is why the
// arguments no longer travel through it). The API key comes from withCredentials as
// FERRY_API_KEY (masked by Jenkins) and never appears on a command line or in the file.
//
// Also usable directly for commands without a dedicated step:
//   def result = ferry(command: ['task', 'wait', 'ServerTasks-12'], server: '...', credentialsId: 'ferry-api-key')

/**
 * The POSIX shell script run by `sh`: ferry reads its arguments from $FERRY_ARGS, which is then
 * removed (prompted variable values may be secrets).
 */
String shScript() {
    return '''set +x
status=0
"$FERRY_BIN" --args-file "$FERRY_ARGS" >"$FERRY_OUT" || status=$?
rm -f "$FERRY_ARGS"
cat "$FERRY_OUT"
exit "$status"
'''
}

/** The same for `bat` (Windows agents): cmd expands only the three paths Ferry chose. */
String batScript() {
    return '''@echo off
"%FERRY_BIN%" --args-file "%FERRY_ARGS%" > "%FERRY_OUT%"
set FERRY_STATUS=%ERRORLEVEL%
del /q "%FERRY_ARGS%" 2>nul
type "%FERRY_OUT%"
exit /b %FERRY_STATUS%
'''
}

/** The arguments file's text: a JSON array of strings. */
@NonCPS
String argsJson(List argv) {
    return groovy.json.JsonOutput.toJson(argv.collect { it == null ? '' : it.toString() })
}

/** Generic step: run `ferry <command...>` with the common options (see ferry.txt). */
def call(Map args = [:]) {
    required(args, ['command'], 'ferry')
    return run(args, exactList(args.command), 'ferry')
}

/** A List given as one is passed exactly (empty arguments kept); a String as asList. */
@NonCPS
List exactList(value) {
    return value instanceof Collection ? value.collect { it == null ? '' : it.toString() } : asList(value)
}

/** Fail the step when one of `keys` is missing or empty, or a NAME=VALUE entry has no name. */
def required(Map args, List keys, String step) {
    for (String key in keys) {
        if (args[key] == null || asList(args[key]).isEmpty()) {
            error("${step}: the ${key} argument is required")
        }
    }
    String bad = badPair(args.variables)
    if (bad != null) {
        error("${step}: variables entry '${bad}' is not NAME=VALUE (split on the first '=')")
    }
}

/** The first entry of a NAME=VALUE list without a name before its first `=`, or null. */
@NonCPS
String badPair(value) {
    if (value == null || value instanceof Map) {
        return null
    }
    return asList(value).find { it.indexOf('=') <= 0 }
}

/** A List from a List, a newline-separated String (blank and # lines dropped), or one value. */
@NonCPS
List asList(value) {
    if (value == null) {
        return []
    }
    if (value instanceof Collection) {
        return value.collect { it?.toString()?.trim() }.findAll { it }
    }
    return value.toString().readLines().collect { it.trim() }.findAll { it && !it.startsWith('#') }
}

/** [flag, value] when args[key] is set. */
@NonCPS
List flag(Map args, String key, String flag) {
    def value = args[key]
    return (value == null || value.toString().trim() == '') ? [] : [flag, value.toString().trim()]
}

/** [flag, v1, flag, v2, ...] for a List (or newline-separated String) argument. */
@NonCPS
List flags(Map args, String key, String flag) {
    List out = []
    for (def value in asList(args[key])) {
        out << flag
        out << value
    }
    return out
}

/** [flag] when args[key] is true. */
@NonCPS
List bool(Map args, String key, String flag) {
    def value = args[key]
    return (value == true || value?.toString()?.toLowerCase() == 'true') ? [flag] : []
}

/** NAME=VALUE pairs from a Map, or a List/lines of NAME=VALUE (split on the first `=`). */
@NonCPS
List pairs(Map args, String key, String flag) {
    def value = args[key]
    List out = []
    if (value instanceof Map) {
        value.each { name, v -> out << flag; out << "${name}=${v == null ? '' : v}".toString() }
        return out
    }
    for (String line in asList(value)) {
        out << flag
        out << line
    }
    return out
}

@NonCPS
List packOptions(Map args) {
    return flag(args, 'format', '--format') + flag(args, 'basePath', '--base-path') +
        flags(args, 'include', '--include') + flags(args, 'exclude', '--exclude') +
        flag(args, 'outFolder', '--out-folder') + bool(args, 'overwrite', '--overwrite') +
        flag(args, 'compressionLevel', '--compression-level') + flags(args, 'authors', '--author') +
        flag(args, 'title', '--title') + flag(args, 'description', '--description') +
        flag(args, 'packageReleaseNotes', '--release-notes') + flag(args, 'packageReleaseNotesFile', '--release-notes-file') +
        bool(args, 'preserveMtimes', '--preserve-mtimes') + bool(args, 'allowEmpty', '--allow-empty')
}

@NonCPS
List collectOptions(Map args) {
    return flag(args, 'since', '--since') + flag(args, 'maxCommits', '--max-commits') + bool(args, 'deepen', '--deepen') +
        flag(args, 'repo', '--repo') + flags(args, 'workItemPatterns', '--work-item-pattern') +
        flag(args, 'workItemUrl', '--work-item-url') + flags(args, 'workItems', '--work-item') +
        flag(args, 'workItemKeys', '--work-item-keys')
}

/** Who a deployment or runbook run is for, and what it does on a failure. */
@NonCPS
List audienceOptions(Map args) {
    return flags(args, 'tenants', '--tenant') + flags(args, 'tenantTags', '--tenant-tag') +
        pairs(args, 'variables', '--variable') + bool(args, 'guidedFailure', '--guided-failure')
}

/** Waiting options; `wait` defaults to true so a failed deployment or run fails the stage. */
@NonCPS
List waitOptions(Map args) {
    Map withWait = [wait: true] + args
    return bool(withWait, 'wait', '--wait') + flag(args, 'timeout', '--timeout') +
        bool(args, 'cancelOnTimeout', '--cancel-on-timeout') + flag(args, 'pollInterval', '--poll-interval')
}

/** Deployment options: audience, schedule (deployAt, noDeployAfter) and waiting. */
@NonCPS
List deployOptions(Map args) {
    return audienceOptions(args) + flag(args, 'deployAt', '--deploy-at') + flag(args, 'noDeployAfter', '--no-deploy-after') +
        waitOptions(args)
}

/**
 * Values to mask in the build log, as the Mask Passwords plugin does: prompted variable values
 * (they may be secrets). Credentials are masked by withCredentials already.
 */
@NonCPS
List secretValues(Map args) {
    def value = args.variables
    List values = value instanceof Map ? value.values().collect { it == null ? '' : it.toString() } :
        asList(value).collect { it.indexOf('=') > 0 ? it.substring(it.indexOf('=') + 1) : '' }
    return values.findAll { it.trim() }.unique()
}

/**
 * The credential bindings: `credentialsId` (Secret text: the API key; default env.FERRY_CREDENTIALS_ID,
 * the global default), `usernamePasswordCredentialsId` (Username with password: the password is
 * the API key) and `accessTokenCredentialsId` (Secret text: an Octopus access token).
 */
def credentialBindings(Map args) {
    List bindings = []
    String apiKeyId = args.credentialsId ?: (args.usernamePasswordCredentialsId ? null : env.FERRY_CREDENTIALS_ID)
    if (apiKeyId) {
        bindings << string(credentialsId: apiKeyId.toString(), variable: 'FERRY_API_KEY')
    }
    if (args.usernamePasswordCredentialsId) {
        bindings << usernamePassword(credentialsId: args.usernamePasswordCredentialsId.toString(),
            usernameVariable: 'FERRY_API_KEY_USER', passwordVariable: 'FERRY_API_KEY')
    }
    if (args.accessTokenCredentialsId) {
        bindings << string(credentialsId: args.accessTokenCredentialsId.toString(), variable: 'OCTOPUS_ACCESS_TOKEN')
    }
    return bindings
}

/**
 * Run `body` with `values` masked in its log by the Mask Passwords plugin's build wrapper. Without
 * the plugin the body still runs (ferry's own log lines never print variable values; the command
 * line shown is masked by display()), after a warning that says how to get the masking.
 */
def masking(List values, Closure body) {
    if (values.isEmpty()) {
        return body()
    }
    boolean started = false
    try {
        return wrap([$class: 'MaskPasswordsBuildWrapper', varPasswordPairs: values.collect { [password: it] }]) {
            started = true
            body()
        }
    } catch (e) {
        if (started) {
            throw e
        }
        echo("ferry: prompted variable values are not masked in this log: install the Mask Passwords plugin (${e.message})")
        return body()
    }
}

/** The global flags every step accepts. */
@NonCPS
List globalOptions(Map args) {
    return flag(args, 'caCert', '--ca-cert') + bool(args, 'insecure', '--insecure') + bool(args, 'embedded', '--embedded') +
        flag(args, 'config', '--config') +
        flag(args, 'data', '--data') + bool(args, 'verbose', '--verbose')
}

/** For the log: the command line with prompted-variable values hidden. */
@NonCPS
String display(List argv) {
    List shown = []
    boolean hideNext = false
    for (String a in argv) {
        shown << (hideNext ? a.replaceFirst(/=.*/, '=***') : a)
        hideNext = (a == '--variable')
    }
    return 'ferry ' + shown.join(' ')
}

/**
 * The ferry binary of a tool installation from Manage Jenkins > Tools (any tool type whose home
 * holds `ferry`, e.g. a Custom Tool), installed on this node by the `tool` step; null without one.
 */
def toolBinary(toolName) {
    if (!toolName) {
        return null
    }
    String home = tool(name: toolName.toString())
    return home.replaceAll('[\\\\/]+$', '') + (isUnix() ? '/ferry' : '\\ferry.exe')
}

@NonCPS
def parseJson(String text) {
    String clean = text.startsWith('\uFEFF') ? text.substring(1) : text
    return new groovy.json.JsonSlurperClassic().parseText(clean)
}

/**
 * Run ferry with `argv` (after `-o json` and the global options) and return its parsed JSON
 * output. A non-zero exit fails the step with error(), which fails the stage and the build alike;
 * exit 3 means a deployment finished unsuccessfully.
 */
def run(Map args, List argv, String step) {
    List all = ['-o', 'json'] + globalOptions(args) + argv + exactList(args.extraArgs)
    // The binary ferryInstall put on this node (parallel branches may run on other nodes), else
    // FERRY_BIN, else ferry on PATH.
    String bin = args.ferry ?: toolBinary(args.tool ?: env.FERRY_TOOL) ?: env[ferryInstall.nodeBinVariable(env.NODE_NAME)] ?:
        env.FERRY_BIN ?: (isUnix() ? 'ferry' : 'ferry.exe')
    // One unique pair of files per call: parallel branches on one agent never share them.
    String base = "${pwd(tmp: true)}/ferry-${step}-${java.util.UUID.randomUUID()}"
    String out = "${base}.json"
    String argsFile = "${base}.args.json"
    writeFile(file: argsFile, text: argsJson(all), encoding: 'UTF-8')
    List vars = ["FERRY_BIN=${bin}", "FERRY_OUT=${out}", "FERRY_ARGS=${argsFile}"]
    if (args.server) {
        vars << "FERRY_SERVER=${args.server}"
    }
    if (args.space) {
        vars << "FERRY_SPACE=${args.space}"
    }
    echo(display(all))
    int status = 0
    Closure body = {
        withEnv(vars.collect { it.toString() }) {
            if (isUnix()) {
                status = sh(script: shScript(), returnStatus: true, label: "${step}")
            } else {
                status = bat(script: batScript(), returnStatus: true, label: "${step}")
            }
        }
    }
    List bindings = credentialBindings(args)
    masking(secretValues(args)) {
        if (bindings) {
            withCredentials(bindings) {
                body()
            }
        } else {
            body()
        }
    }
    String text = fileExists(out) ? readFile(file: out, encoding: 'UTF-8') : ''
    def result = null
    if (text.trim()) {
        try {
            result = parseJson(text)
        } catch (Exception e) {
            echo("${step}: ferry's output is not JSON (${e.message})")
        }
    }
    if (status == 3) {
        error("${step}: a deployment finished unsuccessfully (ferry exit 3)")
    } else if (status == 2) {
        error("${step}: ferry rejected the arguments (exit 2); see the log above")
    } else if (status != 0) {
        error("${step}: ferry failed (exit ${status}); see the log above")
    }
    return result
}
