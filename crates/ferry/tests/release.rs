//! `ferry release create/deploy/promote/rollback` and `ferry task wait` against `ferry server`
//! running as a separate process.

mod client_support;

use client_support::*;
use predicates::prelude::*;

/// Push `id` `version` and create the release of `project` using it.
fn release(server: &Server, project: &str, id: &str, version: &str) -> serde_json::Value {
    let package = make_package(server.path(), id, version);
    server.ferry().args(["package", "push", "--if-exists", "ignore"]).arg(&package).assert().success();
    let output = server
        .ferry()
        .args(["-o", "json", "release", "create", "--project", project, "--version", version, "--package"])
        .arg(format!("{id}:{version}"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    json_of(&output)
}

/// Deploy and wait; returns (exit code, stdout JSON or Null, stderr).
fn deploy(server: &Server, project: &str, version: &str, to: &str) -> (i32, serde_json::Value, String) {
    let output = server
        .ferry()
        .args([
            "-o",
            "json",
            "release",
            "deploy",
            "--project",
            project,
            "--version",
            version,
            "--to",
            to,
            "--wait",
        ])
        .args(["--poll-interval", "200ms", "--timeout", "60s"])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn release_create_reports_and_if_exists_ignore_returns_the_existing_one() {
    let server = Server::start();
    let json = release(&server, "Hello", "Hello", "1.0.0");
    assert_eq!(json["version"], "1.0.0");
    assert_eq!(json["project"], "Hello");
    assert_eq!(json["existing"], false);
    assert!(json["releaseId"].as_str().unwrap().starts_with("Releases-"));
    assert!(json["channel"].as_str().is_some());

    server
        .ferry()
        .args(["release", "create", "--project", "Hello", "--version", "1.0.0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("exists"))
        .stderr(predicate::str::contains("--if-exists ignore"));
    let output = server
        .ferry()
        .args([
            "-o",
            "json",
            "release",
            "create",
            "--project",
            "hello",
            "--version",
            "1.0.0",
            "--if-exists",
            "ignore",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let again = json_of(&output);
    assert_eq!(again["existing"], true);
    assert_eq!(again["releaseId"], json["releaseId"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("exists already"));

    // A following deploy still deploys it.
    let (code, json, stderr) = deploy(&server, "Hello", "1.0.0", "Development");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["deployments"][0]["state"], "Success");
}

#[test]
fn unknown_project_environment_and_channel_list_close_names() {
    let server = Server::start();
    server
        .ferry()
        .args(["release", "create", "--project", "Helo", "--version", "1.0.0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no project named Helo"))
        .stderr(predicate::str::contains("did you mean Hello"));
    release(&server, "Hello", "Hello", "1.0.0");
    server
        .ferry()
        .args(["release", "deploy", "--project", "Hello", "--version", "1.0.0", "--to", "Prod"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no environment named Prod"))
        .stderr(predicate::str::contains("Production"));
    server
        .ferry()
        .args(["release", "create", "--project", "Hello", "--version", "1.0.1", "--channel", "Defualt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean Default"));
    server
        .ferry()
        .args(["release", "deploy", "--project", "Hello", "--version", "9.9.9", "--to", "Development"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no release 9.9.9"))
        .stderr(predicate::str::contains("1.0.0"));
    server
        .ferry()
        .args(["release", "create", "--project", "Hello", "--package", "Hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ID:VERSION"));
}

#[test]
fn lifecycle_refusal_then_success_after_the_earlier_phase() {
    let server = Server::start();
    let created = release(&server, "Hello", "Hello", "1.0.0");
    // The lifecycle's automatic deployment to Development runs on its own; once it has ended,
    // the refusal's hint names the phase still missing (while it runs, it says to wait instead).
    for automatic in created["automaticDeployments"].as_array().unwrap() {
        let task = automatic["taskId"].as_str().unwrap();
        server.ferry().args(["task", "wait", task]).assert().success();
    }
    let (code, _, stderr) = deploy(&server, "Hello", "1.0.0", "Production");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("must first succeed in"), "{stderr}");
    assert_eq!(deploy(&server, "Hello", "1.0.0", "Development").0, 0);
    let (code, json, stderr) = deploy(&server, "Hello", "1.0.0", "Test");
    assert_eq!(code, 0, "after Development, Test is allowed: {stderr}");
    assert_eq!(json["deployments"][0]["environment"], "Test");
    assert_eq!(json["deployments"][0]["state"], "Success");
    assert!(stderr.contains("deploying Hello 1.0.0 to Test"), "the task log is streamed: {stderr}");
    let (code, json, stderr) = deploy(&server, "Hello", "1.0.0", "Production");
    assert_eq!(code, 0, "{stderr}");
    let d = &json["deployments"][0];
    assert!(d["deploymentId"].as_str().unwrap().starts_with("Deployments-"));
    assert!(d["taskId"].as_str().unwrap().starts_with("ServerTasks-"));
}

#[test]
fn latest_promote_and_rollback_pick_the_right_release() {
    let server = Server::start();
    release(&server, "Hello", "Hello", "1.0.0");
    assert_eq!(deploy(&server, "Hello", "1.0.0", "Development").0, 0);
    assert_eq!(deploy(&server, "Hello", "1.0.0", "Test").0, 0);
    release(&server, "Hello", "Hello", "1.1.0");
    let (code, _, stderr) = deploy(&server, "Hello", "latest", "Development");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("deploying Hello 1.1.0 to Development"), "latest is 1.1.0: {stderr}");

    // Test has only 1.0.0: promoting from Test to Production deploys 1.0.0.
    let output = server
        .ferry()
        .args([
            "-o",
            "json",
            "release",
            "promote",
            "--project",
            "Hello",
            "--from",
            "Test",
            "--to",
            "Production",
            "--wait",
        ])
        .args(["--poll-interval", "200ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("deploying Hello 1.0.0 to Production"), "{stderr}");
    let json = json_of(&output);
    assert_eq!(json["deployments"][0]["state"], "Success");
    assert_eq!(
        (json["deployments"][0]["releaseVersion"].clone(), json["release"]["version"].clone()),
        ("1.0.0".into(), "1.0.0".into()),
        "promote names the release: {json}"
    );
    // Development has 1.1.0 as its newest success: promoting to Test deploys 1.1.0.
    let output = server
        .ferry()
        .args(["release", "promote", "--project", "Hello", "--from", "Development", "--to", "Test", "--wait"])
        .args(["--poll-interval", "200ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("deploying Hello 1.1.0 to Test"), "{stderr}");

    // Rolling Development back goes from 1.1.0 to 1.0.0.
    let output = server
        .ferry()
        .args([
            "-o",
            "json",
            "release",
            "rollback",
            "--project",
            "Hello",
            "--environment",
            "Development",
            "--wait",
        ])
        .args(["--poll-interval", "200ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("back from 1.1.0 to 1.0.0"), "{stderr}");
    assert!(stderr.contains("deploying Hello 1.0.0 to Development"), "{stderr}");
    let json = json_of(&output);
    assert_eq!(json["deployments"][0]["releaseVersion"], "1.0.0", "rollback names the release: {json}");

    // Production only ever had 1.0.0: nothing to roll back to.
    server
        .ferry()
        .args(["release", "rollback", "--project", "Hello", "--environment", "Production"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing to roll back to"));
    // Promote from an environment with no success.
    server
        .ferry()
        .args(["release", "promote", "--project", "Broken", "--from", "Test", "--to", "Production"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has succeeded in Test"));
}

#[test]
fn a_failing_deploy_command_exits_3_with_its_log() {
    let server = Server::start();
    release(&server, "Broken", "Broken", "1.0.0");
    let (code, json, stderr) = deploy(&server, "Broken", "1.0.0", "Development");
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(json["deployments"][0]["state"], "Failed");
    assert!(stderr.contains("about to fail in Development"), "the log is shown: {stderr}");
    assert!(stderr.contains("the database is on fire"), "{stderr}");
    assert!(stderr.contains("did not succeed"), "{stderr}");

    // task wait on the failed task: exit 3 too.
    let task = json["deployments"][0]["taskId"].as_str().unwrap().to_owned();
    server.ferry().args(["task", "wait", &task]).assert().code(3).stdout(predicate::str::contains("Failed"));
}

#[test]
fn deploy_without_wait_then_task_wait() {
    let server = Server::start();
    release(&server, "Hello", "Hello", "1.0.0");
    let output = server
        .ferry()
        .args([
            "-o",
            "json",
            "release",
            "deploy",
            "--project",
            "Hello",
            "--version",
            "1.0.0",
            "--to",
            "Development",
        ])
        .args(["--variable", "Greeting=hi=there"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json = json_of(&output);
    let task = json["deployments"][0]["taskId"].as_str().unwrap().to_owned();
    let output = server
        .ferry()
        .args(["-o", "json", "task", "wait", &task, "--poll-interval", "100ms"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)["tasks"][0]["state"], "Success");
    server
        .ferry()
        .args(["task", "wait", "ServerTasks-999"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ServerTasks-999"));
}

/// `release deploy` of Slow 1.0.0 to Development with `--wait --timeout 2s` and `extra`.
fn deploy_slow_with_timeout(server: &Server, extra: &[&str]) -> std::process::Output {
    server
        .ferry()
        .args([
            "-o",
            "json",
            "release",
            "deploy",
            "--project",
            "Slow",
            "--version",
            "1.0.0",
            "--to",
            "Development",
        ])
        .args(["--wait", "--timeout", "2s", "--poll-interval", "200ms"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_wait_that_times_out_reports_the_real_state_exits_3_and_can_cancel() {
    let server = Server::start();
    release(&server, "Slow", "Slow", "1.0.0");
    // Ferry stops waiting; the task is still running on the server, and says how to follow it.
    let output = deploy_slow_with_timeout(&server, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let json = json_of(&output);
    let deployment = &json["deployments"][0];
    let task = deployment["taskId"].as_str().unwrap();
    // (Queued behind the lifecycle's automatic deployment of the same release, or Executing.)
    let running = |state: &serde_json::Value| matches!(state.as_str(), Some("Queued" | "Executing"));
    assert!(running(&deployment["state"]), "the task's own state, not Octopus's TimedOut: {json}");
    assert_eq!(deployment["waitTimedOut"], true, "{json}");
    assert_eq!(deployment["releaseVersion"], "1.0.0", "{json}");
    assert_eq!(json["error"]["exitCode"], 3, "{json}");
    assert!(stderr.contains(&format!("ferry task wait {task}")), "the exact command to resume: {stderr}");
    let state = server.get(&format!("/api/Spaces-1/tasks/{task}"))["State"].clone();
    assert!(running(&state), "the deployment keeps running on the server: {state}");

    // task wait with a short timeout says the same.
    let output =
        server.ferry().args(["-o", "json", "task", "wait", task, "--timeout", "1s"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let json = json_of(&output);
    assert!(running(&json["tasks"][0]["state"]) && json["tasks"][0]["waitTimedOut"] == true, "{json}");

    // With --cancel-on-timeout the result is what the cancellation did.
    let output = deploy_slow_with_timeout(&server, &["--cancel-on-timeout"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let json = json_of(&output);
    assert!(matches!(json["deployments"][0]["state"].as_str(), Some("Canceled" | "Cancelling")), "{json}");
    assert!(stderr.contains("canceled"), "{stderr}");
}

#[test]
fn deploy_to_several_environments_with_wait_goes_in_order_and_names_the_release() {
    let server = Server::start();
    release(&server, "Hello", "Hello", "1.0.0");
    // Test needs Development first: deployed one after the other, both succeed.
    let output = server
        .ferry()
        .args(["-o", "json", "release", "deploy", "--project", "Hello", "--version", "1.0.0"])
        .args(["--to", "Development", "--to", "Test", "--wait", "--poll-interval", "200ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json = json_of(&output);
    let environments: Vec<&str> =
        json["deployments"].as_array().unwrap().iter().map(|d| d["environment"].as_str().unwrap()).collect();
    assert_eq!(environments, ["Development", "Test"], "{json}");
    assert!(
        json["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] == "Success" && d["releaseVersion"] == "1.0.0"),
        "{json}"
    );
    assert_eq!(json["release"]["version"], "1.0.0", "{json}");
    // The table names the release too.
    let output = server
        .ferry()
        .args([
            "release",
            "deploy",
            "--project",
            "Hello",
            "--version",
            "1.0.0",
            "--to",
            "Production",
            "--wait",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.lines().next().unwrap().contains("Release") && stdout.contains("1.0.0"), "{stdout}");
}

#[test]
fn release_notes_auto_come_from_the_packages_build_information() {
    let server = Server::start();
    let repo = git_repo(&server.path().join("repo"), &["feat: greet in French ABC-7"]);
    let package = make_package(server.path(), "Hello", "4.0.0");
    server.ferry().args(["package", "push"]).arg(&package).assert().success();
    server
        .ferry()
        .args(["build-info", "push", "--package-id", "Hello", "--version", "4.0.0", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    server
        .ferry()
        .args(["release", "create", "--project", "Hello", "--version", "4.0.0", "--package-version", "4.0.0"])
        .arg("--release-notes-auto")
        .assert()
        .success();
    let release = server.get("/api/Spaces-1/projects/Hello/releases/4.0.0");
    let notes = release["ReleaseNotes"].as_str().unwrap_or_default();
    assert!(notes.contains("greet in French"), "{release}");
    assert!(notes.contains("ABC-7"), "{notes}");
}

#[test]
fn release_create_names_its_package_versions_its_automatic_deployments_and_a_picked_pre_release() {
    let server = Server::start();
    // Only a pre-release of Hello is in the feed.
    let package = make_package(server.path(), "Hello", "2.0.0-beta.1");
    server.ferry().args(["package", "push"]).arg(&package).assert().success();
    let create = |extra: &[&str]| {
        server
            .ferry()
            .args(["-o", "json", "release", "create", "--project", "Hello"])
            .args(extra)
            .output()
            .unwrap()
    };
    let output = create(&["--version", "2.0.0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json = json_of(&output);
    let picked = &json["packages"][0];
    assert_eq!(
        (
            picked["packageId"].as_str(),
            picked["version"].as_str(),
            picked["pickedBy"].as_str(),
            picked["prerelease"].as_bool()
        ),
        (Some("Hello"), Some("2.0.0-beta.1"), Some("channel"), Some(true)),
        "{json}"
    );
    assert!(
        stderr.lines().any(|l| l.starts_with("warning:")
            && l.contains("pre-release")
            && l.contains("--package Hello:VERSION")),
        "a picked pre-release is a warning naming the rule: {stderr}"
    );
    // The lifecycle deploys to Development automatically: said, and in the JSON.
    let automatic = json["automaticDeployments"].as_array().unwrap();
    assert_eq!(automatic.len(), 1, "{json}");
    assert_eq!(automatic[0]["environment"], "Development");
    assert!(automatic[0]["taskId"].as_str().unwrap().starts_with("ServerTasks-"));
    assert!(
        stderr.contains("the lifecycle started an automatic deployment of Hello 2.0.0 to Development"),
        "{stderr}"
    );

    // Pinned by the user: no warning, and the JSON says who chose it.
    let output = create(&["--version", "2.0.1", "--package", "Hello:2.0.0-beta.1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(json_of(&output)["packages"][0]["pickedBy"], "--package");
    assert!(!stderr.contains("warning:"), "{stderr}");
}

#[test]
fn sigint_during_wait_says_which_tasks_continue_and_exits_130() {
    let server = Server::start();
    release(&server, "Slow", "Slow", "1.0.0");
    let mut command = std::process::Command::new(ferry_bin());
    command
        .current_dir(server.path())
        .env("FERRY_SERVER", &server.url)
        .env("FERRY_API_KEY", KEY)
        .env("FERRY_CI", "none")
        .args([
            "release",
            "deploy",
            "--project",
            "Slow",
            "--version",
            "1.0.0",
            "--to",
            "Development",
            "--wait",
        ]);
    let (code, stderr) = interrupt_when(command, "deploying Slow 1.0.0 to Development");
    assert_eq!(code, Some(130), "{stderr}");
    let task = stderr
        .split("ServerTasks-")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap();
    assert!(stderr.contains(&format!("stopped waiting for ServerTasks-{task}")), "{stderr}");
    assert!(stderr.contains(&format!("ferry task wait ServerTasks-{task}")), "{stderr}");
    let state = server.get(&format!("/api/Spaces-1/tasks/ServerTasks-{task}"))["State"].clone();
    assert!(matches!(state.as_str(), Some("Queued" | "Executing")), "it continues on the server: {state}");
}

#[test]
fn a_lifecycle_refusal_while_the_earlier_phase_is_running_hints_at_waiting_not_deploying_again() {
    let server = Server::start();
    // Creating the release starts the automatic (20 s) deployment of Slow to Development.
    let json = release(&server, "Slow", "Slow", "1.0.0");
    let task = json["automaticDeployments"][0]["taskId"].as_str().unwrap().to_owned();
    let (code, _, stderr) = deploy(&server, "Slow", "1.0.0", "Test");
    assert_eq!(code, 1, "{stderr}");
    let hints: Vec<&str> = stderr.lines().filter(|l| l.trim_start().starts_with("hint:")).collect();
    assert!(hints.iter().any(|h| h.contains(&format!("ferry task wait {task}"))), "{stderr}");
    assert!(!hints.iter().any(|h| h.contains("ferry release deploy")), "no second deployment: {stderr}");
}

/// A server with these versions of Hello pushed.
fn server_with_hello(versions: &[&str]) -> Server {
    let server = Server::start();
    for version in versions {
        let package = make_package(server.path(), "Hello", version);
        server.ferry().args(["package", "push"]).arg(&package).assert().success();
    }
    server
}

#[test]
fn package_versions_take_the_delimiters_octo_accepts() {
    let server = server_with_hello(&["1.0.0", "1.1.0"]);
    for (spec, version) in [("Hello=1.0.0", "1.0.0"), ("hello/1.1.0", "1.1.0")] {
        let output = server
            .ferry()
            .args(["-o", "json", "release", "create", "--project", "Hello", "--version", version])
            .args(["--package", spec])
            .output()
            .unwrap();
        assert!(output.status.success(), "{spec}: {}", String::from_utf8_lossy(&output.stderr));
        let json = json_of(&output);
        assert_eq!(json["packages"][0]["version"], version, "{spec}: {json}");
        assert_eq!(json["packages"][0]["pickedBy"], "--package", "{spec}: {json}");
    }
    server
        .ferry()
        .args(["release", "create", "--project", "Hello", "--version", "2.0.0", "--package", "Hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a package version"));
}

/// A step whose name holds a delimiter is written with `\:` (as octo and Octopus read it): the
/// client and the server both read it as one name, not as more parts, so the release is created
/// and the other `--package` still picks Hello's version.
#[test]
fn package_specs_with_an_escaped_colon_in_the_step_name_reach_the_server_whole() {
    let server = server_with_hello(&["1.0.0", "1.1.0"]);
    let output = server
        .ferry()
        .args(["-o", "json", "release", "create", "--project", "Hello", "--version", "3.0.0"])
        .args(["--package", "Hello:1.0.0", "--package", r"Deploy\: web/Hello=1.1.0"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json = json_of(&output);
    assert_eq!(json["packages"][0]["version"], "1.0.0", "{json}");
    assert_eq!(json["packages"][0]["pickedBy"], "--package", "{json}");
}

#[test]
fn promote_refuses_a_current_release_that_failed_and_latest_successful_takes_the_one_before() {
    let server = Server::start_with(&config(
        r#"
[[projects]]
name = "Flaky"
packages = ["Flaky"]
deploy = "test \"$FERRY_RELEASE_VERSION\" != 2.0.0"
"#,
    ));
    release(&server, "Flaky", "Flaky", "1.0.0");
    assert_eq!(deploy(&server, "Flaky", "1.0.0", "Development").0, 0);
    release(&server, "Flaky", "Flaky", "2.0.0");
    assert_eq!(deploy(&server, "Flaky", "2.0.0", "Development").0, 3, "2.0.0 fails in Development");

    server
        .ferry()
        .args(["release", "promote", "--project", "Flaky", "--from", "Development", "--to", "Test"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("current release of Flaky in Development is 2.0.0"))
        .stderr(predicate::str::contains("--latest-successful"));
    let output = server
        .ferry()
        .args("-o json release promote --project Flaky --from Development --to Test".split(' '))
        .args(["--latest-successful", "--wait", "--poll-interval", "200ms"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)["release"]["version"], "1.0.0");
}
