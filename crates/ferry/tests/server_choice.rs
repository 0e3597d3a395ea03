//! No server configured in CI must not look like a successful deployment: in a CI job, or with
//! credentials for a real server, commands that need a server refuse the embedded fallback
//! (exit 2, naming the setting to fix) unless `--embedded` / FERRY_EMBEDDED asks for it.

use std::path::Path;
use std::process::Output;

/// Every variable that makes Ferry think it runs in CI or has a server or credentials.
const CI_AND_SERVER_VARS: &[&str] = &[
    "CI",
    "GITHUB_ACTIONS",
    "TF_BUILD",
    "BUILD_BUILDURI",
    "JENKINS_URL",
    "BITBUCKET_BUILD_NUMBER",
    "GITLAB_CI",
    "TEAMCITY_VERSION",
    "CIRCLECI",
    "APPVEYOR",
    "bamboo_buildNumber",
    "ContinuaCI.Version",
    "FERRY_CI",
    "FERRY_SERVER",
    "OCTOPUS_URL",
    "FERRY_API_KEY",
    "OCTOPUS_API_KEY",
    "FERRY_ACCESS_TOKEN",
    "OCTOPUS_ACCESS_TOKEN",
    "FERRY_EMBEDDED",
    "FERRY_DATA",
];

/// `ferry release create --project Hello --version 1.0.0` in `dir` with only `env` set among
/// [`CI_AND_SERVER_VARS`]. Release create makes its project on the embedded server, so it
/// succeeds whenever the embedded server is used.
fn release_create(dir: &Path, env: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"));
    command.current_dir(dir);
    for name in CI_AND_SERVER_VARS {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.args(extra).args([
        "--data",
        "data",
        "release",
        "create",
        "--project",
        "Hello",
        "--version",
        "1.0.0",
    ]);
    command.output().unwrap()
}

fn refused(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "exit 2 expected: {stderr}");
    assert!(stderr.contains("no server configured"), "{stderr}");
    assert!(stderr.contains("--embedded"), "names the way to ask for the embedded server: {stderr}");
    stderr
}

#[test]
fn each_ci_system_without_a_server_exits_2_naming_its_setting() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("GITHUB_ACTIONS", "true")], "`server` input"),
        (&[("TF_BUILD", "True")], "ferryService"),
        (&[("JENKINS_URL", "https://jenkins.example.com/")], "`server:`"),
        (&[("BITBUCKET_BUILD_NUMBER", "7")], "FERRY_SERVER"),
        (&[("GITLAB_CI", "true")], "FERRY_SERVER"),
        (&[("CI", "true")], "FERRY_SERVER"),
        (&[("FERRY_CI", "teamcity")], "FERRY_SERVER"),
    ];
    for (env, setting) in cases {
        let dir = tempfile::tempdir().unwrap();
        let stderr = refused(&release_create(dir.path(), env, &[]));
        assert!(stderr.contains(setting), "{env:?}: names {setting}: {stderr}");
        assert!(!dir.path().join("data").exists(), "{env:?}: no embedded server was started");
    }
}

#[test]
fn an_api_key_or_access_token_outside_ci_requires_a_server() {
    for env in [[("FERRY_API_KEY", "API-NOTFORTHEEMBEDDED")], [("OCTOPUS_ACCESS_TOKEN", "eyJhbGciOi")]] {
        let dir = tempfile::tempdir().unwrap();
        let stderr = refused(&release_create(dir.path(), &env, &[]));
        assert!(!stderr.contains(env[0].1), "the secret is not printed: {stderr}");
        assert!(!dir.path().join("data").exists());
    }
}

#[test]
fn the_embedded_server_asked_for_by_flag_or_variable_still_works_in_ci() {
    let dir = tempfile::tempdir().unwrap();
    let output = release_create(dir.path(), &[("CI", "true"), ("GITHUB_ACTIONS", "true")], &["--embedded"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let dir = tempfile::tempdir().unwrap();
    let output = release_create(dir.path(), &[("JENKINS_URL", "https://j/"), ("FERRY_EMBEDDED", "1")], &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.path().join("data").is_dir());
}

#[test]
fn outside_ci_without_credentials_the_embedded_default_stays() {
    let dir = tempfile::tempdir().unwrap();
    let output = release_create(dir.path(), &[("CI", "false")], &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("embedded server"));
}

#[test]
fn embedded_and_a_server_together_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = release_create(
        dir.path(),
        &[("FERRY_SERVER", "http://127.0.0.1:9"), ("FERRY_EMBEDDED", "true")],
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--embedded") && stderr.contains("127.0.0.1:9"), "{stderr}");
}
