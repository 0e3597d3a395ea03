//! `--dry-run` prints the plan and changes nothing: the server's state is the same before and
//! after, and every request it sent was a GET (seen by a proxy between `ferry` and the server).

mod client_support;

use client_support::*;

/// What the server holds that a run could change.
fn state(server: &Server) -> Vec<serde_json::Value> {
    ["releases", "deployments", "packages", "build-information", "tasks"]
        .iter()
        .map(|what| server.get(&format!("/api/Spaces-1/{what}?take=1000")))
        .collect()
}

fn ship(server: &Server, proxy_url: &str, extra: &[&str]) -> std::process::Output {
    let app = server.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), "<h1>Hello</h1>\n").unwrap();
    server
        .ferry()
        .env("FERRY_SERVER", proxy_url)
        .args(["-o", "json", "ship", "--project", "Hello", "--id", "Hello", "--version", "1.0.0"])
        .args(["--base-path", "app", "--out-folder", "out", "--repo", "."])
        .args(extra)
        .output()
        .unwrap()
}

fn only_gets(requests: &[String]) {
    assert!(!requests.is_empty(), "the dry run asked the server nothing");
    let writes: Vec<&String> = requests.iter().filter(|r| !r.starts_with("GET ")).collect();
    assert!(writes.is_empty(), "a dry run sent writes: {writes:?}");
}

#[test]
fn ship_dry_run_prints_the_plan_and_sends_only_gets() {
    let server = Server::start();
    let proxy = flaky_proxy(&server, "/no-request-has-this-path", 500, 0);
    let before = state(&server);
    let output = ship(&server, &proxy.url, &["--to", "Development", "--to", "Test", "--wait", "--dry-run"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let plan = json_of(&output);
    assert_eq!(plan["dryRun"], true);
    assert_eq!(plan["project"], "Hello");
    assert_eq!(plan["package"]["ifExists"], "fail");
    assert_eq!(plan["release"]["existing"], false);
    let targets: Vec<&str> =
        plan["deployments"].as_array().unwrap().iter().map(|d| d["environment"].as_str().unwrap()).collect();
    assert_eq!(targets, ["Development", "Test"]);
    only_gets(&proxy.requests());
    assert_eq!(state(&server), before, "the dry run changed the server");
    assert!(!server.path().join("out").exists(), "the dry run packed a package");

    // The lifecycle's refusal comes from the same plan, still with GETs only.
    let refused = ship(&server, &proxy.url, &["--to", "Production", "--dry-run"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nothing was pushed"));
    only_gets(&proxy.requests());
    assert_eq!(state(&server), before);
}

#[test]
fn ship_dry_run_after_a_run_plans_the_existing_release_and_its_conflict() {
    let server = Server::start();
    let proxy = flaky_proxy(&server, "/no-request-has-this-path", 500, 0);
    let empty = state(&server);
    let shipped = ship(&server, &server.url, &["--wait", "--poll-interval", "200ms"]);
    assert!(shipped.status.success(), "{}", String::from_utf8_lossy(&shipped.stderr));
    let before = state(&server);
    // The state compared sees what a real run changes.
    assert_ne!(before, empty);
    let output = ship(&server, &proxy.url, &["--dry-run"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let plan = json_of(&output);
    assert_eq!(plan["release"]["existing"], true);
    assert_eq!(plan["release"]["conflict"], true);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--if-exists ignore"));
    let ignoring = json_of(&ship(&server, &proxy.url, &["--dry-run", "--if-exists", "ignore"]));
    assert_eq!(ignoring["release"]["conflict"], false);
    only_gets(&proxy.requests());
    assert_eq!(state(&server), before);
}

#[test]
fn deploy_promote_and_rollback_dry_runs_name_the_release_and_send_only_gets() {
    let server = Server::start();
    let proxy = flaky_proxy(&server, "/no-request-has-this-path", 500, 0);
    for version in ["1.0.0", "1.1.0"] {
        let app = server.path().join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("index.html"), format!("<h1>{version}</h1>\n")).unwrap();
        let shipped = server
            .ferry()
            .args(["ship", "--project", "Hello", "--id", "Hello", "--version", version, "--base-path", "app"])
            .args(["--repo", ".", "--wait", "--poll-interval", "200ms"])
            .output()
            .unwrap();
        assert!(shipped.status.success(), "{}", String::from_utf8_lossy(&shipped.stderr));
    }
    let before = state(&server);
    let run = |args: &[&str]| {
        let output = server
            .ferry()
            .env("FERRY_SERVER", &proxy.url)
            .args(["-o", "json", "release"])
            .args(args)
            .args(["--project", "Hello", "--dry-run"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        json_of(&output)
    };
    let deploy = run(&["deploy", "--version", "1.0.0", "--to", "Test", "--to", "Production", "--wait"]);
    assert_eq!(deploy["dryRun"], true);
    assert_eq!(deploy["release"]["version"], "1.0.0");
    assert_eq!(deploy["deployments"][1]["environment"], "Production");
    assert_eq!(deploy["wait"], true);
    let promote = run(&["promote", "--from", "Development", "--to", "Test"]);
    assert_eq!(promote["release"]["version"], "1.1.0");
    assert_eq!(promote["deployments"][0]["environment"], "Test");
    let rollback = run(&["rollback", "--environment", "Development"]);
    assert_eq!(rollback["release"]["version"], "1.0.0");
    assert_eq!(rollback["deployments"][0]["environment"], "Development");
    only_gets(&proxy.requests());
    assert_eq!(state(&server), before, "a dry run changed the server");
}
