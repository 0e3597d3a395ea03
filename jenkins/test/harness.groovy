// A small Jenkins pipeline stand-in for testing this shared library on plain Groovy (Debian's
// `groovy` package, the Groovy 2.4 line Jenkins runs): it loads every vars/*.groovy as a global
// variable, provides the pipeline steps the library uses, and runs test scripts.
//
//   groovy jenkins/test/harness.groovy <library dir> <workspace dir> <test script>...
//
// `sh` really runs its script with /bin/sh, in the workspace, with the environment built by
// withEnv/withCredentials; every call is recorded (script text and environment) so tests can
// check that no value was interpolated into a script. Test scripts call steps as a Jenkinsfile
// would and wrap checks in `check('name') { ... }`; the harness ends with the line
// `jenkins: N passed, N failed` and exits non-zero when a check failed.


class StepError extends RuntimeException {
    StepError(String message) { super(message) }
}

/** A global variable: callable like a step (`ferryDeploy(...)`), with methods (`ferry.flag(...)`). */
class GlobalVar extends Closure {
    Script script
    GlobalVar(Script script) { super(script); this.script = script }
    Object doCall(Object... args) { script.invokeMethod('call', args) }
    Object methodMissing(String name, Object args) { script.invokeMethod(name, args) }
}

if (args.length < 3) {
    System.err.println('usage: harness.groovy <library dir> <workspace dir> <test script>...')
    System.exit(2)
}
File library = new File(args[0]).canonicalFile
File workspace = new File(args[1]).canonicalFile
workspace.mkdirs()
File tmpDir = new File(workspace.path + '@tmp')
tmpDir.mkdirs()

Binding binding = new Binding()
Map<String, String> envMap = new LinkedHashMap<String, String>(System.getenv())
envMap.WORKSPACE = workspace.path
List<Map> envStack = []
List<Map> shCalls = []
List<String> credentials = [] // credential ids bound so far
Map<String, String> credentialStore = [:] // id -> secret, from FERRY_TEST_CREDENTIALS=id=secret,id2=secret2
(System.getenv('FERRY_TEST_CREDENTIALS') ?: '').tokenize(',').each { String spec ->
    int at = spec.indexOf('=')
    credentialStore[spec.substring(0, at)] = spec.substring(at + 1)
}
int passed = 0
int failed = 0
List<String> log = []

Closure currentEnv = {
    Map<String, String> merged = new LinkedHashMap<String, String>(envMap)
    envStack.each { merged.putAll(it) }
    merged
}

binding.env = envMap
binding.currentEnv = currentEnv // the environment withEnv/withCredentials built, for stand-in steps
binding.currentBuild = [result: null, number: 1, description: null]
binding.shCalls = shCalls
binding.stepLog = log
binding.echo = { Object message -> log << message.toString(); println "[echo] ${message}" }
binding.error = { String message -> throw new StepError(message) }
binding.isUnix = { -> true }
binding.pwd = { Map options = [:] -> options.tmp ? tmpDir.path : workspace.path }
binding.fileExists = { String path -> new File(path).isAbsolute() ? new File(path).exists() : new File(workspace, path).exists() }
binding.readFile = { Object spec ->
    String path = spec instanceof Map ? spec.file : spec.toString()
    File f = new File(path).isAbsolute() ? new File(path) : new File(workspace, path)
    f.getText('UTF-8')
}
binding.writeFile = { Map spec ->
    String path = spec.file.toString()
    File f = new File(path).isAbsolute() ? new File(path) : new File(workspace, path)
    f.setText(spec.text.toString(), spec.encoding ?: 'UTF-8')
}
binding.libraryResource = { String path -> new File(library, "resources/${path}").getText('UTF-8') }
binding.withEnv = { List vars, Closure body ->
    Map layer = [:]
    vars.each { String entry ->
        int at = entry.indexOf('=')
        layer[entry.substring(0, at)] = entry.substring(at + 1)
    }
    envStack << layer
    try { body() } finally { envStack.remove(envStack.size() - 1) }
}
binding.string = { Map spec -> [type: 'string', credentialsId: spec.credentialsId, variable: spec.variable] }
// A Username with password credential is stored as `id=user:password` in FERRY_TEST_CREDENTIALS.
binding.usernamePassword = { Map spec ->
    [type: 'usernamePassword', credentialsId: spec.credentialsId, usernameVariable: spec.usernameVariable, passwordVariable: spec.passwordVariable]
}
binding.withCredentials = { List bindings, Closure body ->
    Map layer = [:]
    bindings.each { Map b ->
        if (!credentialStore.containsKey(b.credentialsId)) {
            throw new StepError("Could not find credentials entry with ID '${b.credentialsId}'")
        }
        credentials << b.credentialsId
        String secret = credentialStore[b.credentialsId]
        if (b.type == 'usernamePassword') {
            int colon = secret.indexOf(':')
            layer[b.usernameVariable] = secret.substring(0, colon)
            layer[b.passwordVariable] = secret.substring(colon + 1)
        } else {
            layer[b.variable] = secret
        }
    }
    envStack << layer
    try { body() } finally { envStack.remove(envStack.size() - 1) }
}
// The Mask Passwords plugin's build wrapper: inside it, every value is shown as ******** in the
// console (what `sh` prints is recorded in consoleLog after masking).
List<String> masks = []
List<String> consoleLog = []
binding.consoleLog = consoleLog
Closure console = { String line ->
    String shown = line
    masks.each { String value -> shown = shown.replace(value, '********') }
    consoleLog << shown
    println shown
}
binding.wrap = { Map spec, Closure body ->
    if (spec['$class'] != 'MaskPasswordsBuildWrapper') {
        throw new StepError("No such wrapper ${spec['$class']}")
    }
    List<String> values = spec.varPasswordPairs.collect { it.password.toString() }
    masks.addAll(values)
    try { body() } finally { values.each { masks.remove(it) } }
}
// Tool installations: `tool name: X` answers FERRY_TEST_TOOLS_DIR/X (the tool's home on the node).
binding.tool = { Object spec ->
    String name = spec instanceof Map ? spec.name : spec.toString()
    File home = new File(System.getenv('FERRY_TEST_TOOLS_DIR') ?: "${workspace.path}/tools", name)
    if (!home.isDirectory()) { throw new StepError("No tool named ${name} found") }
    home.path
}
// Pipeline Utility Steps' findFiles: an Ant-style glob (`**` is any depth, zero included) over the
// workspace, answering workspace-relative paths.
binding.findFiles = { Map spec ->
    String regex = spec.glob.toString().replace('.', '\\.').replace('**/', '\u0000').replace('*', '[^/]*')
        .replace('?', '[^/]').replace('\u0000', '(?:.*/)?')
    List found = []
    workspace.eachFileRecurse { File f ->
        String relative = workspace.toPath().relativize(f.toPath()).toString()
        if (relative ==~ regex) { found << [path: relative, name: f.name, directory: f.isDirectory()] }
    }
    found
}
binding.sh = { Object spec ->
    Map options = spec instanceof Map ? spec : [script: spec.toString()]
    Map<String, String> environment = currentEnv()
    shCalls << [script: options.script, env: new LinkedHashMap(environment), label: options.label]
    File script = File.createTempFile('harness-sh', '.sh', tmpDir)
    script.text = options.script
    ProcessBuilder builder = new ProcessBuilder('/bin/sh', script.path).directory(workspace)
    builder.environment().clear()
    builder.environment().putAll(environment)
    Process process = builder.start()
    StringBuilder stdout = new StringBuilder()
    Thread errors = Thread.start { process.errorStream.eachLine { String line ->
        String shown = line
        masks.each { String value -> shown = shown.replace(value, '********') }
        synchronized (consoleLog) { consoleLog << shown }
        System.err.println(shown)
    } }
    process.inputStream.eachLine { line ->
        if (options.returnStdout) { stdout.append(line).append('\n') } else { console(line) }
    }
    int status = process.waitFor()
    errors.join()
    script.delete()
    if (options.returnStatus) { return status }
    if (status != 0) { throw new StepError("script returned exit code ${status}") }
    return options.returnStdout ? stdout.toString() : null
}
binding.bat = { Object spec -> throw new StepError('bat is not available in this harness (Linux)') }
binding.check = { String name, Closure body ->
    try {
        body()
        passed++
        println "  ok   ${name}"
    } catch (Throwable t) {
        failed++
        println "  FAIL ${name}: ${t.class.simpleName}: ${t.message}"
    }
}
binding.StepError = StepError
binding.credentialsBound = credentials

// The library's global variables, parsed as Jenkins does (one script per vars/*.groovy), with
// Jenkins' implicit import of @NonCPS (a no-op annotation here).
GroovyClassLoader loader = new GroovyClassLoader(this.class.classLoader)
loader.parseClass('package com.cloudbees.groovy.cps\n@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME) @interface NonCPS {}')
def config = new org.codehaus.groovy.control.CompilerConfiguration()
config.addCompilationCustomizers(new org.codehaus.groovy.control.customizers.ImportCustomizer().addImports('com.cloudbees.groovy.cps.NonCPS'))
GroovyShell shell = new GroovyShell(loader, binding, config)
new File(library, 'vars').listFiles().findAll { it.name.endsWith('.groovy') }.sort { it.name }.each { File file ->
    Script script = shell.parse(file)
    script.binding = binding
    binding.setVariable(file.name - '.groovy', new GlobalVar(script))
}

args.drop(2).each { String test ->
    println "== ${test}"
    try {
        shell.evaluate(new File(test))
    } catch (Throwable t) {
        failed++
        println "  FAIL ${test} (outside a check): ${t.class.simpleName}: ${t.message}"
    }
}
println "jenkins: ${passed} passed, ${failed} failed"
System.exit(failed == 0 ? 0 : 1)
