//! `ferry init` (the files it writes, and that the embedded server ships with them) and
//! `ferry check` (the file alone, and against a server).

mod client_support;

use std::path::Path;

use assert_cmd::Command;
use client_support::*;
use predicates::prelude::*;

/// `ferry` in `dir`, without a server or CI system from the environment.
fn ferry_in(dir: &Path) -> Command {
    let mut cmd = Command::new(ferry_bin());
    cmd.current_dir(dir)
        .env("FERRY_CI", "none")
        .env_remove("FERRY_SERVER")
        .env_remove("OCTOPUS_URL")
        .env_remove("FERRY_API_KEY")
        .env_remove("OCTOPUS_API_KEY")
        .env_remove("FERRY_EMBEDDED")
        .env_remove("FERRY_CONFIG")
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

/// A scratch folder named like a project.
fn project_folder(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join(name);
    std::fs::create_dir(&dir).unwrap();
    (temp, dir)
}

#[test]
fn init_writes_a_configuration_the_embedded_server_ships_with() {
    let (_temp, dir) = project_folder("web shop");
    ferry_in(&dir)
        .args(["init", "--ci", "github"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Ferry is set up for project web shop"));
    for file in ["ferry.toml", "deploy.sh", ".github/workflows/ferry.yml"] {
        assert!(dir.join(file).is_file(), "{file} is written");
    }
    let config = std::fs::read_to_string(dir.join("ferry.toml")).unwrap();
    assert!(
        config.contains("name = \"web shop\"") && config.contains("packages = [\"web-shop\"]"),
        "{config}"
    );
    assert!(config.lines().filter(|line| line.starts_with('#')).count() >= 5, "the file is commented");

    std::fs::create_dir(dir.join("dist")).unwrap();
    std::fs::write(dir.join("dist/index.html"), "hello\n").unwrap();
    let output = ferry_in(&dir)
        .args(["-o", "json", "ship", "--embedded", "--project", "web shop", "--id", "web-shop"])
        .args(["--version", "1.0.0", "--base-path", "dist", "--wait", "--poll-interval", "200ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let shipped = json_of(&output);
    assert_eq!(shipped["deployments"][0]["environment"], "Development", "{shipped}");
    assert_eq!(shipped["deployments"][0]["state"], "Success", "{shipped}");
    assert!(stderr.contains("deploying web shop 1.0.0 to Development"), "deploy.sh ran: {stderr}");
}

#[test]
fn init_refuses_to_replace_files_without_force_and_writes_each_ci_workflow() {
    let (_temp, dir) = project_folder("hello");
    ferry_in(&dir).arg("init").assert().success().stderr(predicate::str::contains("no CI system detected"));
    assert!(!dir.join(".github").exists());
    std::fs::write(dir.join("ferry.toml"), "# mine\n").unwrap();
    ferry_in(&dir)
        .args(["init", "--ci", "gitlab"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "would replace ferry.toml, deploy.sh, which exist already; it wrote nothing",
        ))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(dir.join("ferry.toml")).unwrap(), "# mine\n");
    assert!(!dir.join(".gitlab-ci.yml").exists(), "nothing is written when anything would be replaced");

    for (ci, file) in [
        ("github", ".github/workflows/ferry.yml"),
        ("azure", "azure-pipelines.yml"),
        ("jenkins", "Jenkinsfile"),
        ("bitbucket", "bitbucket-pipelines.yml"),
        ("gitlab", ".gitlab-ci.yml"),
    ] {
        ferry_in(&dir).args(["init", "--force", "--ci", ci]).assert().success();
        let workflow = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|_| panic!("{ci}: {file}"));
        assert!(workflow.contains("hello") && workflow.contains("FERRY_API_KEY"), "{ci}: {workflow}");
    }
    ferry_in(&dir).args(["check", "--offline"]).assert().success();
}

#[test]
fn check_offline_validates_the_file_with_one_line_per_check() {
    let (_temp, dir) = project_folder("app");
    ferry_in(&dir)
        .args(["check", "--offline"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL  config"))
        .stdout(predicate::str::contains("ferry init"));
    ferry_in(&dir).arg("init").assert().success();
    ferry_in(&dir)
        .args(["check", "--offline", "--project", "app"])
        .assert()
        .success()
        .stdout("ok    config        ferry.toml: 3 environments, 1 lifecycle, 1 project\nok    project       app is declared in ferry.toml\n");
    ferry_in(&dir)
        .args(["check", "--offline", "--project", "other"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL  project       other is not among the projects of ferry.toml: app",
        ))
        .stderr(predicate::str::contains("1 check of 2 failed"));

    std::fs::write(dir.join("ferry.toml"), "[[environments]]\nname = \"Dev\"\nbogus = 1\n").unwrap();
    let output = ferry_in(&dir).args(["-o", "json", "check", "--offline"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json = json_of(&output);
    assert_eq!(json["ok"], false);
    assert_eq!(json["checks"][0]["check"], "config");
    assert!(json["checks"][0]["detail"].as_str().unwrap().contains("bogus"), "{json}");
    assert!(!dir.join(".ferry").exists(), "an offline check starts no server");
}

#[test]
fn check_reaches_the_server_and_reports_the_key_the_project_and_the_next_step() {
    let server = Server::start();
    let output = server.ferry().args(["check", "--project", "hello"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("ok    server        http://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("ok    environments  Development, Test, Production"), "{stdout}");
    assert!(stdout.contains("ok    project       Hello (Projects-"), "{stdout}");
    assert!(stdout.contains("no release yet; the first goes to Development"), "{stdout}");

    // From a folder without ferry.toml: the file is not needed with a server.
    let elsewhere = tempfile::tempdir().unwrap();
    server
        .ferry()
        .current_dir(elsewhere.path())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("ok    config        no ferry.toml (not needed with --server)"))
        .stdout(predicate::str::contains("ok    server"));
    server
        .ferry()
        .env("FERRY_API_KEY", "API-WRONGKEY")
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL  server").and(predicate::str::contains("FERRY_API_KEY")))
        .stdout(predicate::str::contains("API-WRONGKEY").not());
    server.ferry().args(["check", "--project", "Helo"]).assert().code(1).stdout(
        predicate::str::contains("FAIL  project").and(predicate::str::contains("did you mean Hello?")),
    );
}

#[test]
fn errors_with_the_embedded_server_do_not_show_its_temporary_url() {
    let (_temp, dir) = project_folder("app");
    ferry_in(&dir).arg("init").assert().success();
    let output = ferry_in(&dir).args(["--embedded", "task", "show", "ServerTasks-42"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error: Vec<&str> = stderr.lines().skip_while(|line| !line.starts_with("error:")).collect();
    assert!(!error.is_empty(), "{stderr}");
    assert!(error[0].contains("on the embedded server"), "{stderr}");
    assert!(!error.iter().any(|line| line.contains("127.0.0.1")), "{stderr}");
}
