// End-to-end checks of the Jenkins steps against a live `ferry server` (started by
// tests/adapters/run.sh, which passes E2E_SERVER, E2E_FERRY, E2E_DOWNLOAD_URL and the API key as
// the credential `ferry-api-key`). Run through jenkins/test/harness.groovy; `sh` really runs.

String server = env.E2E_SERVER
String realFerry = env.E2E_FERRY

check('ferryInstall downloads, verifies against the published SHA256SUMS and caches the binary per agent') {
    def installed = ferryInstall(version: '0.1.0-e2e', downloadBaseUrl: env.E2E_DOWNLOAD_URL, checksumsBaseUrl: env.E2E_DOWNLOAD_URL)
    assert installed.version == '0.1.0-e2e'
    assert installed.path == "${env.FERRY_CACHE_DIR}/0.1.0-e2e/x86_64/ferry" || installed.path == "${env.FERRY_CACHE_DIR}/0.1.0-e2e/aarch64/ferry"
    assert env.FERRY_BIN == installed.path
    assert env[ferryInstall.nodeBinVariable(env.NODE_NAME)] == installed.path: 'FERRY_BIN for this node'
    assert new File(installed.path).canExecute()
    def again = ferryInstall(version: '0.1.0-e2e', downloadBaseUrl: 'http://127.0.0.1:9/unused', checksumsBaseUrl: env.E2E_DOWNLOAD_URL)
    assert again.path == installed.path: 'the second install is served from the agent cache'
}

check('ferryInstall resolves latest and a range against the release list') {
    Map loopback = [downloadBaseUrl: env.E2E_DOWNLOAD_URL, checksumsBaseUrl: env.E2E_DOWNLOAD_URL, releasesUrl: env.E2E_RELEASES_URL]
    assert ferryInstall(loopback + [version: 'latest']).path.contains('/2.0.0/')
    assert ferryInstall(loopback + [version: '~1.2.0']).path.contains('/1.2.3/')
    try { ferryInstall(loopback + [version: '3']); assert false: 'expected an error' } catch (e) { assert e.message.contains("no released version satisfies '3'") }
}

check('ferryInstall refuses a tampered archive and a release without published checksums') {
    try {
        ferryInstall(version: '0.1.0-bad', downloadBaseUrl: env.E2E_DOWNLOAD_URL, checksumsBaseUrl: env.E2E_DOWNLOAD_URL)
        assert false: 'expected an error'
    } catch (e) {
        assert e.message.contains('exit code') || e.message.contains('mismatch')
    }
    assert !new File("${env.FERRY_CACHE_DIR}/0.1.0-bad").exists(): 'nothing is installed'
    try {
        ferryInstall(version: '7.7.7', downloadBaseUrl: env.E2E_DOWNLOAD_URL, checksumsBaseUrl: env.E2E_DOWNLOAD_URL)
        assert false: 'expected an error'
    } catch (e) {
        assert e.message.contains('/v7.7.7/SHA256SUMS')
    }
}

check('parallel branches installing the same version on one agent do not race') {
    // Four agents' worth of the install script at once (as parallel branches on one agent run it),
    // with the values ferryInstall passes, all downloading 1.3.0 into an empty cache.
    String sums = new URL("${env.E2E_DOWNLOAD_URL}/v1.3.0/SHA256SUMS").text
    String arch = ['uname', '-m'].execute().text.trim() == 'aarch64' ? 'aarch64' : 'x86_64'
    String archive = "ferry-1.3.0-${arch}-unknown-linux-musl.tar.gz"
    String cache = "${env.FERRY_CACHE_DIR}-race"
    Map vars = [FERRY_URL: "${env.E2E_DOWNLOAD_URL}/v1.3.0/${archive}".toString(), FERRY_SHA256: ferryInstall.expectedSha256(sums, archive),
        FERRY_ARCHIVE: archive, FERRY_SUBDIR: "1.3.0/${arch}".toString(), FERRY_CACHE_DIR: cache, PATH: System.getenv('PATH'), HOME: System.getenv('HOME')]
    List processes = (1..4).collect {
        ProcessBuilder builder = new ProcessBuilder('/bin/sh', '-c', ferryInstall.installSh())
        builder.environment().clear()
        builder.environment().putAll(vars)
        builder.redirectErrorStream(true).start()
    }
    List outputs = processes.collect { it.inputStream.text }
    assert processes.every { it.waitFor() == 0 }: outputs.join('\n')
    assert outputs.collect { it.readLines()[-1] }.toSet() == ["${cache}/1.3.0/${arch}/ferry".toString()].toSet()
    File dir = new File("${cache}/1.3.0/${arch}")
    assert new File(dir, 'ferry').canExecute() && new File(dir, '.complete').exists()
    assert dir.list().toList().sort() == ['.complete', 'ferry']: 'no copy was moved into another'
    assert !new File(cache).list().any { it.startsWith('.download.') }: 'temporary folders are removed'
}

// The real binary for the remaining steps (the installs above set this node's FERRY_BIN_<node>,
// which the steps prefer).
env.remove(ferryInstall.nodeBinVariable(env.NODE_NAME))
env.FERRY_BIN = realFerry

check('ferryShip packages, pushes, releases and deploys to Development; returns the parsed result') {
    def shipped = ferryShip(project: 'JkShip', id: 'JkShip', version: '1.0.0', basePath: 'site', outFolder: 'out',
        to: ['Development'], server: server, credentialsId: 'ferry-api-key')
    assert shipped.package.packageId == 'JkShip'
    assert shipped.package.path.endsWith('JkShip.1.0.0.zip')
    assert shipped.release.version == '1.0.0'
    assert shipped.release.releaseId.startsWith('Releases-')
    assert shipped.deployments.size() == 1
    assert shipped.deployments[0].environment == 'Development'
    assert shipped.deployments[0].state == 'Success'
}

check('ferryPromote deploys the release that succeeded in Development to Test') {
    def promoted = ferryPromote(project: 'JkShip', from: 'Development', to: 'Test', server: server, credentialsId: 'ferry-api-key')
    assert promoted.deployments[0].environment == 'Test'
    assert promoted.deployments[0].state == 'Success'
}

check('ferryPush and ferryCreateRelease with ifExists: ignore make a re-run pass') {
    def pushed = ferryPush(packages: ['out/JkShip.1.0.0.zip'], ifExists: 'ignore', server: server, credentialsId: 'ferry-api-key')
    assert pushed[0].status == 'ignored'
    def release = ferryCreateRelease(project: 'JkShip', version: '1.0.0', ifExists: 'ignore', server: server, credentialsId: 'ferry-api-key')
    assert release.existing == true
    assert release.version == '1.0.0'
}

check('ferryDeploy of a failing deployment fails the step') {
    try {
        ferryDeploy(project: 'Broken', version: '1.0.0', to: ['Development'], server: server, credentialsId: 'ferry-api-key')
        assert false: 'expected an error'
    } catch (e) {
        assert e.message.contains('a deployment finished unsuccessfully')
    }
}

check('a wrong API key fails the step (the key really is used)') {
    try {
        ferryCreateRelease(project: 'JkShip', version: '9.9.9', server: server, credentialsId: 'wrong-key')
        assert false: 'expected an error'
    } catch (e) {
        assert e.message.contains('ferry failed')
    }
}

check('no server on a Jenkins agent: the step fails with exit 2 unless embedded: true') {
    try {
        ferryCreateRelease(project: 'NoServer', version: '1.0.0', data: 'no-server-data')
        assert false: 'expected an error'
    } catch (e) {
        assert e.message.contains('exit 2')
    }
    assert !fileExists('no-server-data'): 'no embedded server was started'
    def release = ferryCreateRelease(project: 'NoServer', version: '1.0.0', embedded: true, data: 'embedded-data')
    assert release.version == '1.0.0'
}

check('a hostile release note reaches the real ferry unchanged (it is not split into --server)') {
    String note = 'x" --server "https://evil.invalid $(touch pwned) `touch pwned` %PATH%\nsecond line ✓'
    def release = ferryCreateRelease(project: 'JkShip', version: '1.0.1', releaseNotes: note, server: server, credentialsId: 'ferry-api-key')
    assert release.version == '1.0.1'
    assert !fileExists('pwned')
    String notes = ''
    withCredentials([string(credentialsId: 'ferry-api-key', variable: 'FERRY_API_KEY')]) {
        withEnv(["RELEASE_ID=${release.releaseId}"]) {
            notes = sh(script: '''curl -fsS -H "X-Octopus-ApiKey: $FERRY_API_KEY" "$E2E_SERVER/api/releases/$RELEASE_ID" |
                python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["ReleaseNotes"])'
''', returnStdout: true)
        }
    }
    assert notes.trim() == note
}
