//! The commands that show what a server holds (`release list|show`, `task list|show|log|cancel`,
//! `project list|show`, `environment list`) and `task wait`'s labels, against `ferry server` in
//! its own process, in text and under `-o json`.

mod client_support;

use client_support::*;
use predicates::prelude::*;

/// Push `id` `version` and create the release of `project` using it.
fn release(server: &Server, project: &str, id: &str, version: &str) {
    let package = make_package(server.path(), id, version);
    server.ferry().args(["package", "push", "--if-exists", "ignore"]).arg(&package).assert().success();
    server
        .ferry()
        .args(["release", "create", "--project", project, "--version", version, "--package"])
        .arg(format!("{id}:{version}"))
        .assert()
        .success();
}

/// Wait for the tasks that are running or queued (the automatic deployments to Development).
fn settle(server: &Server) {
    let active = json(server, &["task", "list", "--active"]);
    let ids: Vec<&str> =
        active["tasks"].as_array().unwrap().iter().map(|t| t["taskId"].as_str().unwrap()).collect();
    if !ids.is_empty() {
        server
            .ferry()
            .args(["task", "wait", "--poll-interval", "200ms", "--timeout", "60s"])
            .args(&ids)
            .assert()
            .success();
    }
}

/// Deploy and wait for it (after the automatic deployments); the task id.
fn deploy(server: &Server, project: &str, version: &str, to: &str) -> String {
    settle(server);
    let output = server
        .ferry()
        .args(["-o", "json", "release", "deploy", "--project", project, "--version", version, "--to", to])
        .args(["--wait", "--poll-interval", "200ms", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    json_of(&output)["deployments"][0]["taskId"].as_str().expect("a task id").to_owned()
}

/// `ferry -o json ARGS` against `server`: the document, after a successful run.
fn json(server: &Server, args: &[&str]) -> serde_json::Value {
    let output = server.ferry().args(["-o", "json"]).args(args).output().unwrap();
    assert!(output.status.success(), "ferry {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    json_of(&output)
}

/// `ferry ARGS` against `server`: stdout, after a successful run.
fn text(server: &Server, args: &[&str]) -> String {
    let output = server.ferry().args(args).output().unwrap();
    assert!(output.status.success(), "ferry {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn releases_are_listed_newest_first_with_where_each_is_deployed() {
    let server = Server::start();
    release(&server, "Hello", "Hello", "1.0.0");
    release(&server, "Hello", "Hello", "1.1.0");
    deploy(&server, "Hello", "1.0.0", "Test");

    let listed = json(&server, &["release", "list", "--project", "Hello"]);
    let versions: Vec<&str> =
        listed["releases"].as_array().unwrap().iter().map(|r| r["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["1.1.0", "1.0.0"]);
    assert_eq!(listed["total"], 2);
    let old = &listed["releases"][1];
    assert_eq!(old["channel"], "Default");
    assert_eq!(old["packages"][0]["packageId"], "Hello");
    assert_eq!(old["packages"][0]["version"], "1.0.0");
    let to_test = old["deployedTo"].as_array().unwrap().iter().find(|d| d["environment"] == "Test");
    assert_eq!(to_test.expect("1.0.0 went to Test")["state"], "Success", "{listed}");

    // A bounded page: the newest only, and the text says what it left out.
    let newest = json(&server, &["release", "list", "--project", "Hello", "--take", "1"]);
    assert_eq!(newest["releases"].as_array().unwrap().len(), 1);
    assert_eq!(newest["releases"][0]["version"], "1.1.0");
    let table = text(&server, &["release", "list", "--project", "Hello", "--take", "1"]);
    assert!(table.contains("1 older release not shown (raise --take)"), "{table}");
    assert!(table.lines().next().unwrap().starts_with("Version  Channel  Created"), "{table}");

    let shown = json(&server, &["release", "show", "--project", "hello", "--version", "v1.0.0"]);
    assert_eq!(shown["version"], "1.0.0");
    assert_eq!(shown["channel"], "Default");
    assert!(shown["deployedTo"].as_array().unwrap().iter().any(|d| d["environment"] == "Test"));
    let shown = text(&server, &["release", "show", "--project", "Hello", "--version", "latest"]);
    assert!(shown.starts_with("Hello 1.1.0\n"), "{shown}");
    assert!(shown.contains("Packages:"), "{shown}");
    assert!(!shown.lines().any(|line| line.ends_with(' ')), "trailing spaces in:\n{shown}");

    server
        .ferry()
        .args(["release", "show", "--project", "Hello", "--version", "9.9.9"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Hello has no release 9.9.9"))
        .stderr(predicate::str::contains("ferry release list --project \"Hello\""));
}

#[test]
fn tasks_are_listed_shown_logged_and_canceled_and_unknown_ids_get_a_hint() {
    let server = Server::start();
    release(&server, "Hello", "Hello", "1.0.0");
    let task = deploy(&server, "Hello", "1.0.0", "Test");

    let listed = json(&server, &["task", "list", "--project", "Hello", "--environment", "test"]);
    let tasks = listed["tasks"].as_array().unwrap();
    assert!(tasks.iter().all(|t| t["description"].as_str().unwrap().ends_with("to Test")), "{listed}");
    let ours = tasks.iter().find(|t| t["taskId"] == task.as_str()).expect("the deployment's task");
    assert_eq!(ours["state"], "Success");
    assert!(ours["durationSeconds"].is_u64(), "durations are numbers of seconds: {ours}");
    let failed = json(&server, &["task", "list", "--state", "Failed"]);
    assert_eq!(failed["tasks"].as_array().unwrap().len(), 0, "{failed}");

    let shown = json(&server, &["task", "show", &task]);
    assert_eq!(shown["project"], "Hello");
    assert_eq!(shown["release"], "1.0.0");
    assert_eq!(shown["environment"], "Test");
    let shown = text(&server, &["task", "show", &task]);
    assert!(shown.contains("Deploys:   Hello 1.0.0 to Test"), "{shown}");

    let log = text(&server, &["task", "log", &task]);
    assert!(log.contains("deploying Hello 1.0.0 to Test"), "{log}");
    let tail = text(&server, &["task", "log", &task, "--tail", "1"]);
    assert_eq!(tail.lines().count(), 1, "{tail}");

    for command in [&["task", "show"][..], &["task", "log"], &["task", "cancel"], &["task", "wait"]] {
        server
            .ferry()
            .args(command)
            .arg("ServerTasks-999")
            .assert()
            .code(1)
            .stderr(predicate::str::contains("there is no task ServerTasks-999"))
            .stderr(predicate::str::contains(
                "hint: task ids look like ServerTasks-123; see the recent ones with: ferry task list",
            ));
    }

    let finished = json(&server, &["task", "cancel", &task]);
    assert_eq!(finished["tasks"][0]["cancelRequested"], false);
    // Creating the release starts its (20 s) automatic deployment to Development.
    release(&server, "Slow", "Slow", "1.0.0");
    let active = json(&server, &["task", "list", "--project", "Slow", "--active"]);
    let slow = active["tasks"][0]["taskId"].as_str().expect("Slow's automatic deployment").to_owned();
    let canceled = json(&server, &["task", "cancel", &slow]);
    assert_eq!(canceled["tasks"][0]["cancelRequested"], true);
    let waited = server
        .ferry()
        .args(["-o", "json", "task", "wait", &slow, "--timeout", "30s", "--poll-interval", "200ms"])
        .output()
        .unwrap();
    assert_eq!(json_of(&waited)["tasks"][0]["state"], "Canceled");
}

#[test]
fn task_wait_labels_tasks_by_project_release_and_environment() {
    let server = Server::start();
    release(&server, "Hello", "Hello", "1.0.0");
    let task = deploy(&server, "Hello", "1.0.0", "Test");
    let output = server
        .ferry()
        .args(["-o", "json", "task", "wait", &task, "--timeout", "30s", "--poll-interval", "200ms"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let waited = json_of(&output);
    assert_eq!(waited["tasks"][0]["label"], "Hello 1.0.0 to Test");
    assert!(waited["tasks"][0]["durationSeconds"].is_u64(), "durations are numbers of seconds: {waited}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("[Hello 1.0.0 to Test] "), "log lines carry the label: {stderr}");
    assert!(!stderr.contains(&format!("[{task}]")), "{stderr}");
}

#[test]
fn projects_and_environments_are_listed_and_a_project_shows_its_lifecycle() {
    let server = Server::start();
    let projects = json(&server, &["project", "list"]);
    let names: Vec<&str> =
        projects["projects"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Broken", "Hello", "Slow"], "by name, as Octopus sorts them");
    assert_eq!(json(&server, &["project", "list", "--take", "1"])["projects"].as_array().unwrap().len(), 1);

    let environments = json(&server, &["environment", "list"]);
    let names: Vec<&str> = environments["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Development", "Test", "Production"]);
    assert!(
        text(&server, &["environment", "list"]).starts_with("Environment  Id\nDevelopment  Environments-")
    );

    release(&server, "Hello", "Hello", "1.0.0");
    let shown = json(&server, &["project", "show", "hello"]);
    assert_eq!(shown["name"], "Hello");
    assert_eq!(shown["lifecycle"]["phases"][0]["automatic"][0], "Development");
    assert_eq!(shown["lifecycle"]["phases"][1]["manual"][0], "Test");
    assert_eq!(shown["newestReleases"][0]["version"], "1.0.0");
    let shown = text(&server, &["project", "show", "Hello"]);
    assert!(shown.contains("Development (automatic)"), "{shown}");

    server
        .ferry()
        .args(["project", "show", "Helo"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean Hello?"));
}

#[test]
fn an_unknown_environment_is_named_with_the_flag_the_user_typed() {
    let server = Server::start();
    release(&server, "Hello", "Hello", "1.0.0");
    for flag in ["--to", "--environment"] {
        server
            .ferry()
            .args(["release", "deploy", "--project", "Hello", "--version", "1.0.0", flag, "Tset"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("did you mean Test?"))
            .stderr(predicate::str::contains(format!(
                "hint: {flag} takes one of: Development, Test, Production"
            )));
    }
    server
        .ferry()
        .args(["release", "promote", "--project", "Hello", "--from", "Tset", "--to", "Production"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hint: --from takes one of"));
}
