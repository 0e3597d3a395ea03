//! `ferry ship` against `ferry server` in its own process, and against the embedded default.

mod client_support;

use client_support::*;
use predicates::prelude::*;

fn app(dir: &std::path::Path) -> std::path::PathBuf {
    let app = dir.join("app");
    std::fs::create_dir_all(app.join("static")).unwrap();
    std::fs::write(app.join("index.html"), "<h1>Hello</h1>\n").unwrap();
    std::fs::write(app.join("static/site.css"), "h1 { color: teal }\n").unwrap();
    app
}

#[test]
fn ship_runs_the_whole_step_and_is_idempotent_with_if_exists_ignore() {
    let server = Server::start();
    let app = app(server.path());
    let ship = |extra: &[&str]| {
        server
            .ferry()
            .args([
                "-o",
                "json",
                "ship",
                "--project",
                "Hello",
                "--id",
                "Hello",
                "--version",
                "1.0.0",
                "--base-path",
            ])
            .arg(&app)
            .args(["--out-folder", "out", "--wait", "--poll-interval", "200ms", "--repo", "."])
            .args(extra)
            .output()
            .unwrap()
    };
    let output = ship(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json = json_of(&output);
    assert_eq!(json["package"]["packageId"], "Hello");
    assert_eq!(json["package"]["version"], "1.0.0");
    assert_eq!(json["package"]["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(json["package"]["fileCount"], 2);
    assert_eq!(json["buildInformation"]["packageId"], "Hello");
    assert_eq!(json["release"]["version"], "1.0.0");
    assert_eq!(json["release"]["existing"], false);
    let deployments = json["deployments"].as_array().unwrap();
    assert_eq!(deployments.len(), 1, "only the automatic phase: {json}");
    assert_eq!(deployments[0]["environment"], "Development");
    assert_eq!(deployments[0]["state"], "Success");
    assert!(stderr.contains("deploying Hello 1.0.0 to Development"), "{stderr}");

    // Again with the same version: a conflict by default...
    let again = ship(&[]);
    assert_eq!(again.status.code(), Some(1), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--if-exists"));
    // ...and idempotent with --if-exists ignore: same release, same deployment.
    let again = ship(&["--if-exists", "ignore"]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let json2 = json_of(&again);
    assert_eq!(json2["release"]["existing"], true);
    assert_eq!(json2["release"]["releaseId"], json["release"]["releaseId"]);
    assert_eq!(json2["deployments"][0]["deploymentId"], deployments[0]["deploymentId"]);
    assert_eq!(json2["package"]["sha256"], json["package"]["sha256"], "the package is reproducible");
    let project = server.get("/api/Spaces-1/projects/Hello");
    assert_eq!(release_versions(&server, project["Id"].as_str().unwrap()), vec!["1.0.0"]);

    // --to an environment the lifecycle does not allow yet: refused with the hint.
    let output = server
        .ferry()
        .args(["ship", "--project", "Hello", "--id", "Hello", "--version", "1.1.0", "--base-path"])
        .arg(&app)
        .args(["--out-folder", "out", "--to", "Production", "--repo", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("must first succeed in"));
}

#[test]
fn ship_text_output_is_one_summary_table_and_failures_exit_3() {
    let server = Server::start();
    let app = app(server.path());
    let output = server
        .ferry()
        .args(["ship", "--project", "Broken", "--id", "Broken", "--version", "2.0.0", "--base-path"])
        .arg(&app)
        .args(["--out-folder", "out", "--wait", "--poll-interval", "200ms", "--repo", "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stdout.contains("SHA-256"), "{stdout}");
    assert!(stdout.contains("Release"), "{stdout}");
    assert!(stdout.contains("Development") && stdout.contains("Failed"), "{stdout}");
    assert!(stdout.contains("/app#/Spaces-1/tasks/ServerTasks-"), "links: {stdout}");
    assert!(stderr.contains("the database is on fire"), "{stderr}");
}

#[test]
fn ship_with_the_embedded_server_deploys_the_example() {
    let work = tempfile::tempdir().unwrap();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let config = work.path().join("ferry.toml");
    std::fs::copy(examples.join("ferry.toml"), &config).unwrap();
    std::fs::copy(examples.join("deploy.sh"), work.path().join("deploy.sh")).unwrap();
    let app = app(work.path());
    let deployed = work.path().join("deployed");
    let output = assert_cmd::Command::new(ferry_bin())
        .current_dir(work.path())
        .env_remove("FERRY_SERVER")
        .env("FERRY_EMBEDDED", "1")
        .env_remove("OCTOPUS_URL")
        .env_remove("FERRY_API_KEY")
        .env("FERRY_CI", "none")
        .env("FERRY_DEPLOY_ROOT", &deployed)
        .args(["--config", "ferry.toml", "--data", "data", "ship", "--project", "Hello", "--id", "Hello"])
        .args(["--version", "1.0.0", "--base-path"])
        .arg(&app)
        .args(["--wait", "--out-folder", "out", "--repo", "."])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr.matches("embedded server").count(), 1, "one line says so: {stderr}");
    assert_eq!(std::fs::read_to_string(deployed.join("Development/VERSION")).unwrap().trim(), "1.0.0");
    assert!(deployed.join("Development/current/static/site.css").is_file());
    assert!(!deployed.join("Test").exists(), "only the automatic phase");

    // The data persists: the next commands see the release; deploy it to Test.
    assert_cmd::Command::new(ferry_bin())
        .current_dir(work.path())
        .env_remove("FERRY_SERVER")
        .env("FERRY_EMBEDDED", "1")
        .env("FERRY_CI", "none")
        .env("FERRY_DEPLOY_ROOT", &deployed)
        .args(["--config", "ferry.toml", "--data", "data", "release", "deploy", "--project", "Hello"])
        .args(["--version", "latest", "--to", "Test", "--wait"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Success"));
    assert_eq!(std::fs::read_to_string(deployed.join("Test/VERSION")).unwrap().trim(), "1.0.0");
}

#[test]
fn a_deployment_started_without_wait_finishes_before_the_embedded_server_stops() {
    let work = tempfile::tempdir().unwrap();
    let app = app(work.path());
    std::fs::write(
        work.path().join("ferry.toml"),
        "[[projects]]\nname = \"Hello\"\npackages = [\"Hello\"]\ndeploy = \"sleep 1; echo done > $FERRY_CONFIG_DIR/marker\"\n",
    )
    .unwrap();
    let output = assert_cmd::Command::new(ferry_bin())
        .current_dir(work.path())
        .env_remove("FERRY_SERVER")
        .env("FERRY_EMBEDDED", "1")
        .env("FERRY_CI", "none")
        .args([
            "-o",
            "json",
            "--data",
            "data",
            "ship",
            "--project",
            "Hello",
            "--id",
            "Hello",
            "--version",
            "1.0.0",
        ])
        .arg("--base-path")
        .arg(&app)
        .args(["--out-folder", "out", "--repo", "."])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(work.path().join("marker").is_file(), "the deployment finished before ferry exited");
    assert_eq!(json_of(&output)["deployments"][0]["state"], "Success", "and ferry reports how it ended");
    assert!(String::from_utf8_lossy(&output.stderr).contains("waiting for them to finish"));
}

#[test]
fn in_github_actions_ship_writes_step_outputs_and_a_summary_and_masks_the_key() {
    let server = Server::start();
    let app = app(server.path());
    let outputs = server.path().join("github_output");
    let summary = server.path().join("step_summary");
    let output = server
        .ferry()
        .env("FERRY_CI", "github")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["ship", "--project", "Hello", "--id", "Hello", "--version", "3.0.0", "--base-path"])
        .arg(&app)
        .args(["--out-folder", "out", "--wait", "--poll-interval", "200ms", "--repo", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let written = std::fs::read_to_string(&outputs).unwrap();
    for name in [
        "package-path",
        "package-sha256",
        "release-id",
        "release-version",
        "deployment-ids",
        "task-ids",
        "environments",
    ] {
        assert!(written.contains(name), "{name} missing from $GITHUB_OUTPUT:\n{written}");
    }
    assert!(written.contains("Development"), "{written}");
    // The Octopus actions' output names too: release_number and server_tasks.
    assert!(written.contains("release_number"), "{written}");
    let server_tasks = written
        .lines()
        .find(|line| line.contains("serverTaskId"))
        .map(|line| line.trim_start_matches("server_tasks="))
        .unwrap_or_else(|| panic!("no server_tasks in $GITHUB_OUTPUT:\n{written}"));
    let server_tasks: serde_json::Value = serde_json::from_str(server_tasks).unwrap();
    assert_eq!(server_tasks[0]["environmentName"], "Development", "{server_tasks}");
    assert!(server_tasks[0]["serverTaskId"].as_str().unwrap().starts_with("ServerTasks-"), "{server_tasks}");
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(markdown.contains("| Development | Success |"), "{markdown}");
    // The key is masked first, and appears nowhere else.
    assert!(stderr.starts_with(&format!("::add-mask::{KEY}")), "{stderr}");
    let everything = format!(
        "{}{}{written}{markdown}",
        String::from_utf8_lossy(&output.stdout),
        stderr.replacen(&format!("::add-mask::{KEY}"), "", 1)
    );
    assert!(!everything.contains(KEY), "the API key leaked");
}

#[test]
fn the_embedded_server_does_not_invent_projects_on_deploy() {
    let work = tempfile::tempdir().unwrap();
    assert_cmd::Command::new(ferry_bin())
        .current_dir(work.path())
        .env_remove("FERRY_SERVER")
        .env("FERRY_EMBEDDED", "1")
        .env_remove("OCTOPUS_URL")
        .env("FERRY_CI", "none")
        .args([
            "--data",
            "data",
            "release",
            "deploy",
            "--project",
            "Helo",
            "--version",
            "1.0.0",
            "--to",
            "Development",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("embedded server"))
        .stderr(predicate::str::contains("no project named Helo"));
}

#[test]
fn ship_to_several_environments_with_wait_goes_through_the_lifecycle_in_order() {
    let server = Server::start();
    let app = app(server.path());
    let output = server
        .ferry()
        .args([
            "-o",
            "json",
            "ship",
            "--project",
            "Hello",
            "--id",
            "Hello",
            "--version",
            "5.0.0",
            "--base-path",
        ])
        .arg(&app)
        .args(["--out-folder", "out", "--repo", ".", "--wait", "--poll-interval", "200ms"])
        .args(["--to", "Development", "--to", "Test", "--to", "Production"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json = json_of(&output);
    let environments: Vec<&str> =
        json["deployments"].as_array().unwrap().iter().map(|d| d["environment"].as_str().unwrap()).collect();
    assert_eq!(environments, ["Development", "Test", "Production"]);
    assert!(json["deployments"].as_array().unwrap().iter().all(|d| d["state"] == "Success"), "{json}");
}

#[test]
fn the_embedded_server_is_reached_directly_despite_proxy_variables() {
    let work = tempfile::tempdir().unwrap();
    assert_cmd::Command::new(ferry_bin())
        .current_dir(work.path())
        .env_remove("FERRY_SERVER")
        .env("FERRY_EMBEDDED", "1")
        .env_remove("OCTOPUS_URL")
        .env("FERRY_CI", "none")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .args(["--data", "data", "release", "create", "--project", "Hello", "--version", "1.0.0"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
}
