//! A failed command's error reaches each CI's log marked as an error exactly once: the CI
//! emitter adds its marker (`::error::`, `✖ error:`, `error:`) to the bare message, so no log
//! shows `error: error:`.

use std::process::Command;

/// The failing command's stderr with the CI's variables set: a package file that does not exist
/// is refused before anything is contacted.
fn failure_log(ci_variables: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    // No CI of the machine running the tests may leak in.
    for name in [
        "GITHUB_ACTIONS",
        "TF_BUILD",
        "JENKINS_URL",
        "BITBUCKET_BUILD_NUMBER",
        "GITLAB_CI",
        "TEAMCITY_VERSION",
        "CIRCLECI",
        "CI",
        "FERRY_CI",
    ] {
        command.env_remove(name);
    }
    command
        .current_dir(dir.path())
        .args(["package", "push", "Nope.1.0.0.zip", "--server", "http://127.0.0.1:9"])
        .envs(ci_variables.iter().copied());
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bitbucket_marks_the_error_once() {
    let log = failure_log(&[("BITBUCKET_BUILD_NUMBER", "7"), ("CI", "true")]);
    assert!(log.contains("✖ error: Nope.1.0.0.zip is not a file"), "{log}");
    assert!(!log.contains("error: error:"), "{log}");
}

#[test]
fn gitlab_marks_the_error_once() {
    let log = failure_log(&[("GITLAB_CI", "true"), ("CI", "true")]);
    assert!(log.lines().any(|line| line.starts_with("error: Nope.1.0.0.zip is not a file")), "{log}");
    assert!(!log.contains("error: error:"), "{log}");
}

#[test]
fn github_annotations_carry_the_bare_message() {
    let log = failure_log(&[("GITHUB_ACTIONS", "true")]);
    assert!(log.contains("::error::Nope.1.0.0.zip is not a file"), "{log}");
}

#[test]
fn outside_ci_the_error_word_comes_once() {
    let log = failure_log(&[]);
    assert!(log.starts_with("error: Nope.1.0.0.zip is not a file"), "{log}");
    assert!(!log.contains("error: error:"), "{log}");
}
