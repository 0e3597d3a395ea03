// End-to-end checks of the Jenkins steps against a live `ferry server` (started by
// tests/adapters/run.sh, which passes E2E_SERVER, E2E_FERRY, E2E_DOWNLOAD_URL and the API key as
// the credential `ferry-api-key`). Run through jenkins/test/harness.groovy; `sh` really runs.

String server = env.E2E_SERVER
String realFerry = env.E2E_FERRY

check('ferryInstall downloads, verifies and caches the binary, and sets env.FERRY_BIN') {
    def installed = ferryInstall(version: '0.1.0-e2e', downloadBaseUrl: env.E2E_DOWNLOAD_URL)
    assert installed.version == '0.1.0-e2e'
    assert installed.path.endsWith('/ferry-tools/0.1.0-e2e/x86_64/ferry') || installed.path.endsWith('/ferry-tools/0.1.0-e2e/aarch64/ferry')
    assert env.FERRY_BIN == installed.path
    assert new File(installed.path).canExecute()
    def again = ferryInstall(version: '0.1.0-e2e', downloadBaseUrl: 'http://127.0.0.1:9/unused')
    assert again.path == installed.path: 'the second install is served from the workspace tool directory'
}

check('ferryInstall refuses a download whose sha256 does not match') {
    try {
        ferryInstall(version: '0.1.0-bad', downloadBaseUrl: env.E2E_DOWNLOAD_URL)
        assert false: 'expected an error'
    } catch (e) {
        assert e.message.contains('exit code') || e.message.contains('mismatch')
    }
}

// The real binary for the remaining steps.
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
