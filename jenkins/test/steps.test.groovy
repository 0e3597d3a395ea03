// Unit checks of the library's steps against a stub ferry that records its arguments and
// environment (no server needed). Run by tests/adapters/run.sh through harness.groovy:
//   FERRY_TEST_CREDENTIALS=ferry-api-key=SECRET groovy harness.groovy jenkins <ws> steps.test.groovy

String stub = "${pwd()}/stub-ferry"
writeFile(file: 'stub-ferry', text: '''#!/bin/sh
if [ "${1:-}" = --args-file ]; then cp "$2" "$WORKSPACE/stub-args.json"; shift 2; fi
for a in "$@"; do printf '%s\\n' "$a"; done > "$WORKSPACE/stub-args"
printf '%s\\n' "${FERRY_API_KEY:-}" > "$WORKSPACE/stub-key"
printf '%s\\n' "${FERRY_SERVER:-}" > "$WORKSPACE/stub-server"
printf '%s\\n' "${OCTOPUS_ACCESS_TOKEN:-}" > "$WORKSPACE/stub-access-token"
printf '%s\\n' "${GIT_COMMIT:-}" > "$WORKSPACE/stub-git-commit"
# A ferry that echoes its arguments (prompted variable values included) to its log, to show the masking.
if [ -n "${STUB_ECHO:-}" ]; then cat "$WORKSPACE/stub-args.json" >&2; echo; fi
if [ -n "${STUB_JSON:-}" ]; then printf '%s' "$STUB_JSON"; else printf '{"ok":true}'; fi
exit "${STUB_EXIT:-0}"
''')
sh('chmod +x stub-ferry')
/** The arguments the stub got through --args-file (exactly: empty ones and newlines kept). */
List stubArgs() { new groovy.json.JsonSlurper().parseText(readFile(file: 'stub-args.json', encoding: 'UTF-8')) }

check('ferryDeploy maps its Map to flags; values travel in the arguments file, the key by withCredentials') {
    shCalls.clear()
    def result = withEnv(['STUB_JSON={"deployments":[{"environment":"Development","deploymentId":"Deployments-1","taskId":"ServerTasks-1","state":"Success"}]}']) {
        ferryDeploy(ferry: stub, project: 'Hello World', version: '1.0.0', to: ['Development', 'Test'],
            variables: [Url: 'https://x.test/a?b=c', Quote: 'it\'s "$HOME"; rm -rf /'], server: 'http://127.0.0.1:1', credentialsId: 'ferry-api-key')
    }
    assert stubArgs() == ['-o', 'json', 'release', 'deploy', '--project', 'Hello World', '--version', '1.0.0', '--to', 'Development', '--to', 'Test',
        '--variable', 'Url=https://x.test/a?b=c', '--variable', 'Quote=it\'s "$HOME"; rm -rf /', '--wait']
    assert result.deployments[0].state == 'Success'
    assert readFile('stub-key').trim() == System.getenv('FERRY_TEST_SECRET')
    assert readFile('stub-server').trim() == 'http://127.0.0.1:1'
    Map call = shCalls.find { it.env.FERRY_ARGS }
    assert call.script == ferry.shScript(): 'the script is the constant one'
    assert !call.script.contains('Hello World') && !call.script.contains(System.getenv('FERRY_TEST_SECRET'))
    assert !stepLog.any { it.contains(System.getenv('FERRY_TEST_SECRET')) }: 'the key is never logged'
    assert stepLog.any { it.contains('--variable Url=***') }: 'variable values are hidden in the log'
}

check('wait defaults to true and can be turned off') {
    ferryPromote(ferry: stub, project: 'Hello', from: 'Development', to: 'Test', wait: false)
    assert !stubArgs().contains('--wait')
    assert stubArgs()[2..7] == ['release', 'promote', '--project', 'Hello', '--from', 'Development']
}

check('a failed deployment (exit 3) fails the step with a clear message') {
    try {
        withEnv(['STUB_EXIT=3', 'STUB_JSON={"deployments":[{"state":"Failed"}]}']) {
            ferryDeploy(ferry: stub, project: 'Hello', version: '1.0.0', to: 'Production')
        }
        assert false: 'expected an error'
    } catch (e) {
        assert e.message.contains('a deployment finished unsuccessfully')
    }
}

check('missing required arguments and bad NAME=VALUE entries fail before running ferry') {
    shCalls.clear()
    try { ferryShip(ferry: stub, project: 'Hello', id: 'Hello'); assert false } catch (e) { assert e.message.contains('the version argument is required') }
    try { ferryDeploy(ferry: stub, project: 'H', version: '1', to: 'D', variables: ['novalue']); assert false } catch (e) { assert e.message.contains('is not NAME=VALUE') }
    assert shCalls.isEmpty()
}

check('ferryShip, ferryPackage, ferryPush, ferryBuildInfo, ferryCreateRelease build their command lines') {
    ferryShip(ferry: stub, project: 'Hello', id: 'Hello', version: '1.2.3', basePath: 'site', include: "**/*.html\n*.css", to: 'Development', ifExists: 'ignore', since: 'abc')
    assert stubArgs() == ['-o', 'json', 'ship', '--project', 'Hello', '--id', 'Hello', '--version', '1.2.3', '--base-path', 'site',
        '--include', '**/*.html', '--include', '*.css', '--if-exists', 'ignore', '--to', 'Development', '--since', 'abc', '--wait']
    ferryPackage(ferry: stub, id: 'Hello', version: '1.0.0', format: 'tar.gz', overwrite: true)
    assert stubArgs() == ['-o', 'json', 'package', 'create', '--id', 'Hello', '--version', '1.0.0', '--format', 'tar.gz', '--overwrite']
    ferryPush(ferry: stub, packages: ['a b.zip', 'c.zip'], ifExists: 'overwrite')
    assert stubArgs() == ['-o', 'json', 'package', 'push', '--if-exists', 'overwrite', 'a b.zip', 'c.zip']
    ferryBuildInfo(ferry: stub, packageIds: ['A', 'B'], version: '1.0.0')
    assert stubArgs() == ['-o', 'json', 'build-info', 'push', '--package-id', 'A', '--package-id', 'B', '--version', '1.0.0']
    ferryCreateRelease(ferry: stub, project: 'Hello', version: '1.0.0', packages: ['Hello:1.0.0'], releaseNotesAuto: true, caCert: '/ca.pem')
    assert stubArgs() == ['-o', 'json', '--ca-cert', '/ca.pem', 'release', 'create', '--project', 'Hello', '--version', '1.0.0', '--package', 'Hello:1.0.0', '--release-notes-auto']
}

check('the generic ferry step runs any command') {
    ferry(ferry: stub, command: ['task', 'wait', 'ServerTasks-1'])
    assert stubArgs() == ['-o', 'json', 'task', 'wait', 'ServerTasks-1']
}

check('ferryInstall with usePath takes ferry from PATH and sets env.FERRY_BIN') {
    withEnv(["PATH=${pwd()}/bin:${env.PATH}"]) {
        sh('mkdir -p bin && cp stub-ferry bin/ferry')
        withEnv(['STUB_JSON=ferry 0.1.0']) {
            def installed = ferryInstall(usePath: true)
            assert installed.path.endsWith('/bin/ferry')
            assert installed.version == '0.1.0'
            assert env.FERRY_BIN == installed.path
        }
    }
    env.remove('FERRY_BIN')
    env.remove(ferryInstall.nodeBinVariable(env.NODE_NAME))
}

check('ferryInstall refuses a version whose published checksums it cannot read') {
    try { ferryInstall(version: '9.9.9', checksumsBaseUrl: 'http://127.0.0.1:9/unreachable'); assert false } catch (e) {
        assert e.message.contains('could not read http://127.0.0.1:9/unreachable/v9.9.9/SHA256SUMS')
    }
}

check('ferryInstall resolves latest and ranges like the other installers (drafts and pre-releases skipped)') {
    String list = '''[{"tag_name":"v2.1.0-rc.1","draft":false,"prerelease":true},{"tag_name":"v1.4.0","draft":true,"prerelease":false},
        {"tag_name":"v2.0.0","draft":false,"prerelease":false},{"tag_name":"v1.3.0","draft":false,"prerelease":false},
        {"tag_name":"v1.2.3","draft":false,"prerelease":false},{"tag_name":"v0.2.5","draft":false,"prerelease":false}]'''
    Map cases = [latest: '2.0.0', '1': '1.3.0', '1.x': '1.3.0', '^1.2': '1.3.0', '~1.2.0': '1.2.3', '1.2': '1.2.3', '^0.2.3': '0.2.5', '^0.3.0': null, '3': null]
    cases.each { range, expected -> assert ferryInstall.resolveVersion(list, range) == expected: range }
}

check('ferryInstall: the Windows install script forces TLS 1.2 and installs with one rename') {
    String script = ferryInstall.installBat()
    assert script.contains('[Net.SecurityProtocolType]::Tls12')
    assert script.contains('Get-FileHash -Algorithm SHA256') && script.contains('Move-Item $ready $dir')
    assert !script.contains('ferry-9') && (script =~ '[$]env:([A-Z0-9_]+)').collect { it[1] }.toSet() ==
        ['FERRY_CACHE_DIR', 'LOCALAPPDATA', 'FERRY_SUBDIR', 'FERRY_ARCHIVE', 'FERRY_URL', 'FERRY_SHA256'].toSet()
}

// Values that a shell or Windows' command-line parsing would re-split: each must reach ferry as
// one argument, unchanged (a release note must never become `--server https://evil`).
List hostile = ['x" --server "https://evil', '', '$(touch pwned)', '`touch pwned`', '%PATH%', '!PATH!', 'a\nb', "it's", 'C:\\dir\\', 'Grüße ✓']

check('hostile values reach ferry exactly, through the arguments file, which is then removed') {
    shCalls.clear()
    ferry(ferry: stub, command: ['release', 'create', '--project', 'Hello'] + hostile.collect { ['--release-notes', it] }.flatten())
    assert stubArgs() == ['-o', 'json', 'release', 'create', '--project', 'Hello'] + hostile.collect { ['--release-notes', it] }.flatten()
    assert !fileExists('pwned')
    Map call = shCalls.find { it.env.FERRY_ARGS }
    assert call.script == ferry.shScript()
    assert !new File(call.env.FERRY_ARGS).exists(): 'the arguments file is removed after the run'
    assert !call.env.any { k, v -> hostile.findAll { it.size() > 3 }.any { h -> v.contains(h) } }: 'no value travels in the environment'
    ferryDeploy(ferry: stub, project: 'Hello', version: '1.0.0', to: 'Development', variables: [Note: hostile[0], Empty: ''])
    assert stubArgs()[10..13] == ['--variable', 'Note=' + hostile[0], '--variable', 'Empty=']
}

check('Windows agents: bat runs a constant script and ferry gets the same arguments file') {
    // No cmd.exe here: this checks the argument construction for `bat` as a unit (the script is
    // constant, expands only Ferry's own paths, and the file holds the exact JSON array).
    def savedIsUnix = binding.isUnix
    def savedBat = binding.bat
    Map seen = [:]
    binding.isUnix = { -> false }
    binding.bat = { Map spec ->
        seen.script = spec.script
        seen.args = new groovy.json.JsonSlurper().parseText(new File(currentEnv().FERRY_ARGS).getText('UTF-8'))
        return 0
    }
    try {
        ferry(ferry: 'C:\\tools\\ferry.exe', command: ['release', 'create', '--project', 'Hello', '--release-notes', hostile[0], '--channel', ''])
    } finally {
        binding.isUnix = savedIsUnix
        binding.bat = savedBat
    }
    assert seen.script == ferry.batScript()
    assert (seen.script =~ /%([A-Z_]+)%/).collect { it[1] }.toSet() == ['FERRY_BIN', 'FERRY_ARGS', 'FERRY_OUT', 'FERRY_STATUS', 'ERRORLEVEL'].toSet()
    assert seen.args == ['-o', 'json', 'release', 'create', '--project', 'Hello', '--release-notes', hostile[0], '--channel', '']
}

check('the JSON result is decoded as UTF-8') {
    def result = withEnv(['STUB_JSON={"note":"Grüße ✓"}']) { ferry(ferry: stub, command: ['version']) }
    assert result.note == 'Grüße ✓'
}

check('embedded: true asks for the embedded server explicitly') {
    ferryCreateRelease(ferry: stub, project: 'Hello', version: '1.0.0', embedded: true)
    assert stubArgs()[0..2] == ['-o', 'json', '--embedded']
}

check('ferryWait waits for the given tasks') {
    ferryWait(ferry: stub, taskIds: ['ServerTasks-1', 'ServerTasks-2'], timeout: '5m', cancelOnTimeout: true)
    assert stubArgs() == ['-o', 'json', 'task', 'wait', '--timeout', '5m', '--cancel-on-timeout', 'ServerTasks-1', 'ServerTasks-2']
}

check('octopusCreateRelease and octopusDeployRelease take the octopusdeploy plugin\'s parameters') {
    shCalls.clear()
    env.FERRY_SERVER_ferry_api_key = 'http://127.0.0.1:2' // a global property, as Jenkins' env shows it
    withEnv(['STUB_JSON={"version":"1.2.3","deployments":[{"taskId":"ServerTasks-9"}]}']) {
        def release = octopusCreateRelease(ferry: stub, serverId: 'ferry-api-key', spaceId: 'Spaces-2', toolId: 'octocli', project: 'Hello',
            releaseVersion: '1.2.3', packageConfigs: [[packageName: 'Hello', packageReferenceName: '', packageVersion: '1.2.3']],
            deployThisRelease: true, environment: 'Test', variables: 'Url: https://x.test:8443/a\nMode: fast',
            waitForDeployment: true, deploymentTimeout: '00:10:00', cancelOnTimeout: true)
        assert release.deployments[0].taskId == 'ServerTasks-9'
        List calls = shCalls.findAll { it.env.FERRY_ARGS }
        assert calls.size() == 2
        assert calls.every { it.env.FERRY_SERVER == 'http://127.0.0.1:2' && it.env.FERRY_SPACE == 'Spaces-2' }
        assert stubArgs() == ['-o', 'json', 'release', 'deploy', '--project', 'Hello', '--version', '1.2.3', '--to', 'Test',
            '--variable', 'Url=https://x.test:8443/a', '--variable', 'Mode=fast', '--wait', '--timeout', '600s', '--cancel-on-timeout']
        assert readFile('stub-key').trim() == System.getenv('FERRY_TEST_SECRET'): 'the API key comes from the credential named by serverId'
        octopusPushPackage(ferry: stub, serverId: 'ferry-api-key', packagePaths: 'out/Hello.1.2.3.zip', overwriteMode: 'IgnoreIfExists')
        assert stubArgs() == ['-o', 'json', 'package', 'push', '--if-exists', 'ignore', 'out/Hello.1.2.3.zip']
    }
    env.remove('FERRY_SERVER_ferry_api_key')
}

check('tenant tags, guided failure and scheduling map to ferry\'s flags on deploy, promote and ship') {
    ferryDeploy(ferry: stub, project: 'Hello', version: '1.0.0', to: 'Production', tenants: ['Acme'], tenantTags: ['Region/EU', 'Tier/Gold'],
        guidedFailure: true, deployAt: '2026-12-01T22:00:00+01:00', noDeployAfter: '2026-12-02T06:00:00+01:00')
    assert stubArgs() == ['-o', 'json', 'release', 'deploy', '--project', 'Hello', '--version', '1.0.0', '--to', 'Production',
        '--tenant', 'Acme', '--tenant-tag', 'Region/EU', '--tenant-tag', 'Tier/Gold', '--guided-failure',
        '--deploy-at', '2026-12-01T22:00:00+01:00', '--no-deploy-after', '2026-12-02T06:00:00+01:00', '--wait']
    ferryShip(ferry: stub, project: 'Hello', id: 'Hello', version: '1.2.3', packages: ['Sidecar:2.0.0', 'Tools:1.1.0'],
        gitRef: 'refs/heads/main', gitCommit: '0123abc', packageReleaseNotesFile: 'notes.md', wait: false)
    assert stubArgs() == ['-o', 'json', 'ship', '--project', 'Hello', '--id', 'Hello', '--version', '1.2.3', '--release-notes-file', 'notes.md',
        '--package', 'Sidecar:2.0.0', '--package', 'Tools:1.1.0', '--git-ref', 'refs/heads/main', '--git-commit', '0123abc']
}

check('ferryRunRunbook runs `runbook run` and waits by default') {
    ferryRunRunbook(ferry: stub, project: 'Hello', runbook: 'Restart web', environments: ['Production', 'Test'], tenantTags: 'Region/EU',
        variables: [Reason: 'nightly'], guidedFailure: true, timeout: '5m')
    assert stubArgs() == ['-o', 'json', 'runbook', 'run', '--project', 'Hello', '--runbook', 'Restart web', '--environment', 'Production',
        '--environment', 'Test', '--tenant-tag', 'Region/EU', '--variable', 'Reason=nightly', '--guided-failure', '--wait', '--timeout', '5m']
    try { ferryRunRunbook(ferry: stub, project: 'Hello', runbook: 'Backup'); assert false } catch (e) { assert e.message.contains('the environments argument is required') }
}

check('a Username with password credential gives the API key; a Secret text one an access token; env.FERRY_CREDENTIALS_ID is the default') {
    ferryWait(ferry: stub, taskIds: 'ServerTasks-1', usernamePasswordCredentialsId: 'octopus-user-pass')
    assert readFile('stub-key').trim() == 'API-USERPASS0001': 'the password is the API key'
    ferryWait(ferry: stub, taskIds: 'ServerTasks-1', accessTokenCredentialsId: 'octopus-access-token')
    assert readFile('stub-access-token').trim() == 'ACCESS-TOKEN-0001'
    assert readFile('stub-key').trim() == ''
    env.FERRY_CREDENTIALS_ID = 'ferry-api-key'
    try {
        ferryWait(ferry: stub, taskIds: 'ServerTasks-1')
        assert readFile('stub-key').trim() == System.getenv('FERRY_TEST_SECRET'): 'the global default credential'
    } finally {
        env.remove('FERRY_CREDENTIALS_ID')
    }
    assert !stepLog.any { it.contains('API-USERPASS0001') || it.contains('ACCESS-TOKEN-0001') }
}

check('prompted variable values are masked in the console (Mask Passwords wrapper) while ferry gets them whole') {
    consoleLog.clear()
    withEnv(['STUB_ECHO=1']) {
        ferryDeploy(ferry: stub, project: 'Hello', version: '1.0.0', to: 'Production', variables: [DbPassword: 'S3cret-Jenkins-Value-42'])
    }
    assert stubArgs().contains('DbPassword=S3cret-Jenkins-Value-42')
    assert consoleLog.any { it.contains('DbPassword=********') }: 'the value was printed, masked'
    assert !consoleLog.any { it.contains('S3cret-Jenkins-Value-42') }
    assert !stepLog.any { it.contains('S3cret-Jenkins-Value-42') }
}

check('tool: the binary of a Jenkins tool installation, by name or env.FERRY_TOOL') {
    sh('mkdir -p tools/ferry-latest && cp stub-ferry tools/ferry-latest/ferry')
    ferryWait(tool: 'ferry-latest', taskIds: 'ServerTasks-5')
    assert shCalls[-1].env.FERRY_BIN == "${pwd()}/tools/ferry-latest/ferry".toString()
    assert stubArgs()[-1] == 'ServerTasks-5'
}

check('octopusPushBuildInformation takes the plugin\'s parameters; the default server is env.FERRY_DEFAULT_SERVER_ID') {
    env.FERRY_SERVER_ferry_api_key = 'http://127.0.0.1:3'
    env.FERRY_DEFAULT_SERVER_ID = 'ferry-api-key'
    try {
        octopusPushBuildInformation(ferry: stub, spaceId: 'Spaces-1', packageId: ['Hello', 'Hello.Db'], packageVersion: '1.0.7',
            overwriteMode: 'OverwriteExisting', commentParser: 'Jira', gitCommit: 'feedbeef', gitBranch: 'main')
        assert stubArgs() == ['-o', 'json', 'build-info', 'push', '--package-id', 'Hello', '--package-id', 'Hello.Db', '--version', '1.0.7',
            '--if-exists', 'overwrite']
        assert readFile('stub-git-commit').trim() == 'feedbeef'
        assert shCalls[-1].env.FERRY_SERVER == 'http://127.0.0.1:3'
        assert readFile('stub-key').trim() == System.getenv('FERRY_TEST_SECRET')
    } finally {
        env.remove('FERRY_SERVER_ferry_api_key')
        env.remove('FERRY_DEFAULT_SERVER_ID')
    }
}

check('ferryPush expands globs with findFiles: dist/**/*.zip recurses') {
    sh('mkdir -p dist/b dist/c/d && touch dist/a.1.0.0.zip dist/b/b.1.0.0.zip dist/c/d/c.1.0.0.zip dist/notes.txt')
    ferryPush(ferry: stub, packages: 'dist/**/*.zip\nother/plain.1.0.0.zip')
    assert stubArgs() == ['-o', 'json', 'package', 'push', 'dist/a.1.0.0.zip', 'dist/b/b.1.0.0.zip', 'dist/c/d/c.1.0.0.zip', 'other/plain.1.0.0.zip']
    try { ferryPush(ferry: stub, packages: 'nothing/**/*.zip'); assert false } catch (e) { assert e.message.contains("no file matches 'nothing/**/*.zip'") }
}
