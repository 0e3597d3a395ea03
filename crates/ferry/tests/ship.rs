//! `ferry ship` against `ferry server` in its own process, and against the embedded default.

mod client_support;

use client_support::*;
use predicates::prelude::*;

/// `ferry -o json ship` of `app` as Hello 1.0.0 against `server`, waiting, with `extra` flags.
fn ship_hello(server: &Server, app: &std::path::Path, extra: &[&str]) -> std::process::Output {
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
        .arg(app)
        .args(["--out-folder", "out", "--wait", "--poll-interval", "200ms", "--repo", "."])
        .args(extra)
        .output()
        .unwrap()
}

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
    let ship = |extra: &[&str]| ship_hello(&server, &app, extra);
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
    // (release create needs a project that exists: declare it.)
    std::fs::write(work.path().join("ferry.toml"), "[[projects]]\nname = \"Hello\"\ndeploy = \"true\"\n")
        .unwrap();
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

#[test]
fn ship_keeps_its_package_out_of_the_work_tree_and_reuses_an_identical_leftover() {
    let server = Server::start();
    let app = app(server.path());
    let work = server.path().join("work");
    let tmp = server.path().join("tmp");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let ship = |version: &str, extra: &[&str]| {
        server
            .ferry()
            .current_dir(&work)
            .env("TMPDIR", &tmp)
            .args(["-o", "json", "ship", "--project", "Hello", "--id", "Hello", "--version", version])
            .arg("--base-path")
            .arg(&app)
            .args(["--repo", "..", "--wait", "--poll-interval", "200ms"])
            .args(extra)
            .output()
            .unwrap()
    };
    let listing = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    // A remote server and no --out-folder: nothing in the work folder (no ./.ferry/packages), and
    // the temporary folder is gone after the push.
    let output = ship("1.0.0", &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)["package"]["version"], "1.0.0");
    assert!(listing(&work).is_empty(), "the work folder stays clean: {:?}", listing(&work));
    assert!(listing(&tmp).is_empty(), "the temporary folder is removed: {:?}", listing(&tmp));

    // `--out-folder .` is honoured. A run that fails after packaging leaves the file behind...
    let unreachable = server
        .ferry()
        .current_dir(&work)
        .env("FERRY_SERVER", "http://127.0.0.1:9")
        .env("FERRY_RETRY_ATTEMPTS", "1")
        .args(["ship", "--project", "Hello", "--id", "Hello", "--version", "1.1.0", "--out-folder", "."])
        .arg("--base-path")
        .arg(&app)
        .args(["--repo", ".."])
        .output()
        .unwrap();
    assert_eq!(unreachable.status.code(), Some(1), "{}", String::from_utf8_lossy(&unreachable.stderr));
    assert_eq!(listing(&work), ["Hello.1.1.0.zip"]);
    // ...and the next run uses it: same bytes, so no conflict.
    let output = ship("1.1.0", &["--out-folder", "."]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "an identical leftover does not block: {stderr}");
    assert!(stderr.contains("same bytes"), "{stderr}");
    assert_eq!(json_of(&output)["package"]["path"], "./Hello.1.1.0.zip");

    // Different bytes under the same name are a conflict, and the file is left alone.
    std::fs::write(app.join("index.html"), "<h1>Hello, changed</h1>\n").unwrap();
    let before = std::fs::read(work.join("Hello.1.1.0.zip")).unwrap();
    let output = ship("1.1.0", &["--out-folder", ".", "--if-exists", "ignore"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("different content"), "{stderr}");
    assert_eq!(std::fs::read(work.join("Hello.1.1.0.zip")).unwrap(), before);
}

/// `ferry` on the embedded server over `work/data`, in `work`.
fn embedded(work: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(ferry_bin());
    command
        .current_dir(work)
        .env_remove("FERRY_SERVER")
        .env_remove("OCTOPUS_URL")
        .env_remove("FERRY_API_KEY")
        .env("FERRY_CI", "none")
        .env("FERRY_EMBEDDED", "1")
        .args(["--data", "data"])
        .timeout(std::time::Duration::from_secs(60));
    command
}

#[test]
fn on_the_embedded_server_only_ship_creates_a_project_and_only_without_declared_projects() {
    let work = tempfile::tempdir().unwrap();
    let app = app(work.path());
    let ship = |project: &str| {
        embedded(work.path())
            .args(["ship", "--project", project, "--id", "Web", "--version", "1.0.0", "--base-path"])
            .arg(&app)
            .args(["--repo", "."])
            .output()
            .unwrap()
    };
    // No ferry.toml: release create does not invent "Helo"...
    embedded(work.path())
        .args(["release", "create", "--project", "Helo", "--version", "1.0.0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no project named Helo"));
    // ...ship creates its project on first use, and says so...
    let output = ship("Web");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("created project Web on the embedded server on first use"), "{stderr}");
    // ...after which a typo gets the close match instead of a second project.
    embedded(work.path())
        .args(["release", "create", "--project", "Wbe", "--version", "1.0.1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean Web"));
    embedded(work.path())
        .args(["release", "create", "--project", "Web", "--version", "1.0.1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("created project").not());

    // A ferry.toml that declares projects is the list: ship to a name outside it is a typo.
    let declared = tempfile::tempdir().unwrap();
    std::fs::write(
        declared.path().join("ferry.toml"),
        "[[projects]]\nname = \"Hello\"\npackages = [\"Web\"]\ndeploy = \"true\"\n",
    )
    .unwrap();
    let output = embedded(declared.path())
        .args(["ship", "--project", "Helo", "--id", "Web", "--version", "1.0.0", "--base-path"])
        .arg(&app)
        .args(["--repo", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did you mean Hello"), "{stderr}");
    assert!(!stderr.contains("created project"), "{stderr}");
}

#[test]
fn ship_if_exists_overwrite_with_new_bytes_deploys_the_changed_content_again() {
    let server = Server::start();
    let app = app(server.path());
    let ship = |extra: &[&str]| {
        server
            .ferry()
            .args(["-o", "json", "ship", "--project", "Hello", "--id", "Hello", "--version", "1.0.0"])
            .arg("--base-path")
            .arg(&app)
            .args(["--repo", ".", "--wait", "--poll-interval", "200ms"])
            .args(extra)
            .output()
            .unwrap()
    };
    let first = ship(&[]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first = json_of(&first);
    // Same version, other bytes, --if-exists overwrite: the environment must not keep the old bytes.
    std::fs::write(app.join("index.html"), "<h1>Hello, fixed</h1>\n").unwrap();
    let output = ship(&["--if-exists", "overwrite"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json = json_of(&output);
    assert_eq!(json["release"]["releaseId"], first["release"]["releaseId"], "{json}");
    assert_ne!(json["package"]["sha256"], first["package"]["sha256"]);
    let deployment = &json["deployments"][0];
    assert_eq!(
        (deployment["environment"].as_str(), deployment["state"].as_str()),
        (Some("Development"), Some("Success"))
    );
    assert_ne!(
        deployment["deploymentId"], first["deployments"][0]["deploymentId"],
        "a new deployment: {json}"
    );
    assert!(stderr.contains("deploying it again"), "{stderr}");
    assert!(!stderr.contains("--if-exists ignore"), "the user passed overwrite: {stderr}");
}

#[test]
fn ship_to_a_later_phase_is_refused_before_anything_is_pushed_and_its_hint_deploys_once() {
    let server = Server::start();
    let app = app(server.path());
    let ship = |to: &[&str]| {
        let mut command = server.ferry();
        command
            .args(["ship", "--project", "Hello", "--id", "Hello", "--version", "3.0.0", "--base-path"])
            .arg(&app);
        for env in to {
            command.args(["--to", env]);
        }
        command.args(["--repo", ".", "--wait", "--poll-interval", "200ms"]).output().unwrap()
    };
    let output = ship(&["Production"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("must first succeed in Development, Test") && stderr.contains("nothing was pushed"),
        "{stderr}"
    );
    // Nothing was written: no package, no build information, no release.
    let packages = server.get("/api/Spaces-1/packages?nuGetPackageId=Hello");
    assert_eq!(packages["Items"].as_array().map(Vec::len), Some(0), "{packages}");
    let project = server.get("/api/Spaces-1/projects/Hello");
    assert!(release_versions(&server, project["Id"].as_str().unwrap()).is_empty());
    // The hint's command deploys through the phases, following the automatic deployment to
    // Development rather than deploying there a second time.
    let hint = stderr.lines().find(|l| l.contains("hint: deploy through the phases")).expect("the hint");
    assert!(hint.contains("--to Development --to Test --to Production --wait"), "{hint}");
    let output = ship(&["Development", "Test", "Production"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let deployments = server
        .get(&format!("/api/Spaces-1/deployments?projects={}&take=100", project["Id"].as_str().unwrap()));
    let count = deployments["Items"].as_array().unwrap().len();
    assert_eq!(count, 3, "one deployment per environment: {deployments}");
}

#[test]
fn sigint_during_a_wait_on_the_embedded_server_lets_the_deployment_finish() {
    let work = tempfile::tempdir().unwrap();
    let app = app(work.path());
    let marker = work.path().join("finished.txt");
    std::fs::write(
        work.path().join("ferry.toml"),
        format!(
            "[[environments]]\nname = \"Development\"\n\n[[projects]]\nname = \"Nap\"\npackages = [\"Nap\"]\ndeploy = \"sleep 3; echo done > '{}'\"\n",
            marker.display()
        ),
    )
    .unwrap();
    let mut command = std::process::Command::new(ferry_bin());
    command
        .current_dir(work.path())
        .env_remove("FERRY_SERVER")
        .env_remove("OCTOPUS_URL")
        .env("FERRY_CI", "none")
        .env("FERRY_EMBEDDED", "1")
        .args([
            "--data",
            "data",
            "ship",
            "--project",
            "Nap",
            "--id",
            "Nap",
            "--version",
            "1.0.0",
            "--base-path",
        ])
        .arg(&app)
        .args(["--repo", ".", "--to", "Development", "--wait"]);
    let (code, stderr) = interrupt_when(command, "deploying Nap 1.0.0 to Development");
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("the tasks continue") && stderr.contains("ferry task wait ServerTasks-"),
        "{stderr}"
    );
    assert!(marker.is_file(), "the embedded server let the deployment finish before exiting: {stderr}");
}

/// Octopus queues a lifecycle's automatic deployment a moment after answering the release
/// request; `ferry server --automatic-deployment-delay` reproduces a slow one. Ship must follow
/// that deployment, not start a second one.
#[test]
fn ship_follows_an_automatic_deployment_queued_after_the_answer_and_never_deploys_twice() {
    for delay in ["0s", "2s"] {
        let files = tempfile::tempdir().unwrap();
        let server = Server::start_in(files, &config(""), &["--automatic-deployment-delay", delay]);
        let app = app(server.path());
        let output = ship_hello(&server, &app, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "delay {delay}: {stderr}");
        let json = json_of(&output);
        let shipped = json["deployments"].as_array().unwrap();
        assert_eq!(shipped.len(), 1, "delay {delay}: {json}");
        assert_eq!(shipped[0]["environment"], "Development");
        assert_eq!(shipped[0]["state"], "Success");
        let all = server.get("/api/Spaces-1/deployments");
        assert_eq!(all["TotalResults"], 1, "delay {delay}: exactly one deployment on the server: {all}");
        assert_eq!(all["Items"][0]["Id"], shipped[0]["deploymentId"], "the automatic one was followed");
        assert!(stderr.contains("the lifecycle started an automatic deployment"), "delay {delay}: {stderr}");
    }
}

#[test]
fn ship_text_output_shows_sizes_in_units_and_counts_in_words() {
    let server = Server::start();
    let app = app(server.path());
    let repo = git_repo(&server.path().join("repo"), &["feat: the only commit"]);
    let output = server
        .ferry()
        .args(["ship", "--project", "Hello", "--id", "Hello", "--version", "1.0.0", "--base-path"])
        .arg(&app)
        .args(["--out-folder", "out", "--wait", "--poll-interval", "200ms", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // Bytes are for JSON; people read `512 B`, `1.5 KiB`.
    let both = format!("{stdout}{stderr}");
    assert!(!both.contains(" bytes"), "a size in bytes in the human output:\n{both}");
    let package_row = stdout.lines().find(|l| l.starts_with("Package ")).expect(&stdout);
    assert!(
        [" B, ", " KiB, ", " MiB, "].iter().any(|unit| package_row.contains(unit)),
        "no size with a unit in: {package_row}"
    );
    // One commit is "1 commit", not "1 commits".
    let build_info =
        stderr.lines().find(|l| l.starts_with("build information for Hello 1.0.0:")).expect(&stderr);
    assert!(build_info.contains(": 1 commit, "), "{build_info}");
    assert!(!both.contains(" 1 commits") && !both.contains(" 1 work items"), "{both}");
}
