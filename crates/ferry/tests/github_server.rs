//! `--server github:…` at the edges: how the binary reads the target, the token and the tag
//! format, what it refuses, and what a 403 says. Against the fake GitHub of ferry-testkit
//! (`source tests/github/env.sh` first); the shared scenario is in `two_targets.rs`.

use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use ferry_testkit::github::{Denied, FAKE_TOKEN, FakeGitHub};

const SHA: &str = "3f786850e387550fdab836ed7e6dc881de23001b";

/// `ferry ship` of `site` as shop 1.0.0.
const SHIP_SHOP: [&str; 9] =
    ["ship", "--project", "shop", "--id", "shop", "--version", "1.0.0", "--base-path", "site"];

/// `ferry` with no server configured and no CI around it.
fn ferry(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferry"));
    cmd.current_dir(dir)
        .env("FERRY_CI", "none")
        .env("GITHUB_SHA", SHA)
        .env("FERRY_RETRY_BASE_MS", "20")
        .env_remove("FERRY_SERVER")
        .env_remove("OCTOPUS_URL")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_API_URL")
        .env_remove("FERRY_API_KEY")
        .timeout(Duration::from_secs(60));
    cmd
}

/// `ferry` against the fake, with its token.
fn against(fake: &FakeGitHub, dir: &std::path::Path) -> Command {
    let mut cmd = ferry(dir);
    cmd.env("FERRY_SERVER", format!("{}/acme/shop", fake.origin()))
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_TOKEN", FAKE_TOKEN);
    cmd
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn a_github_server_needs_a_repository_a_token_and_a_valid_tag_format() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = ["release", "deploy", "--project", "shop", "--version", "1.0.0", "--to", "Test"];

    let output = ferry(dir.path()).args(["--server", "github:"]).args(deploy).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("GITHUB_REPOSITORY"), "{}", text(&output));

    let output = ferry(dir.path()).args(["--server", "github:acme/shop"]).args(deploy).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("GITHUB_TOKEN"), "no token: {}", text(&output));

    let output = ferry(dir.path())
        .env("GITHUB_TOKEN", FAKE_TOKEN)
        .args(["--server", "github:acme/shop", "--tag-format", "release"])
        .args(deploy)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("{version}"), "{}", text(&output));

    let output = ferry(dir.path())
        .env("GITHUB_TOKEN", FAKE_TOKEN)
        .args(["--server", "github:acme/shop", "--insecure"])
        .args(deploy)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "--insecure is refused, not ignored: {}", text(&output));
}

#[test]
fn exec_with_a_server_that_runs_its_own_deployments_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), "<h1>shop</h1>\n").unwrap();
    for args in [
        &["release", "deploy", "--project", "shop", "--version", "1.0.0", "--to", "Test", "--exec", "true"][..],
        &[&SHIP_SHOP[..], &["--exec", "true"]].concat(),
    ] {
        let output = ferry(dir.path()).args(["--server", "http://127.0.0.1:9"]).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(text(&output).contains("--exec"), "{}", text(&output));
    }
}

#[test]
fn the_token_is_never_printed_and_a_403_names_the_permission() {
    let fake = FakeGitHub::start("acme", "shop");
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("shop.1.0.0.zip");
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), "<h1>shop</h1>\n").unwrap();
    Command::new(env!("CARGO_BIN_EXE_ferry"))
        .current_dir(dir.path())
        .args([
            "--ci",
            "none",
            "package",
            "create",
            "--id",
            "shop",
            "--version",
            "1.0.0",
            "--base-path",
            "site",
        ])
        .assert()
        .success();
    against(&fake, dir.path()).args(["-vv", "package", "push"]).arg(&package).assert().success();
    let output = against(&fake, dir.path())
        .args(["-vv", "-o", "json", "release", "create", "--project", "shop", "--version", "1.0.0"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(!text(&output).contains(FAKE_TOKEN), "the token was printed:\n{}", text(&output));

    fake.deny(Denied::DeploymentsWrite);
    let output = against(&fake, dir.path())
        .args(["release", "deploy", "--project", "shop", "--version", "1.0.0", "--to", "Test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("deployments: write"), "{}", text(&output));

    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn flags_github_cannot_honour_are_usage_errors_that_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), "<h1>shop</h1>\n").unwrap();
    let deploy = ["release", "deploy", "--project", "shop", "--version", "1.0.0", "--to", "Test"];
    let ship = [&SHIP_SHOP[..], &["--out-folder", "out"]].concat();
    let create = ["release", "create", "--project", "shop", "--version", "1.0.0"];
    let cases: [(&[&str], &[&str], &str); 13] = [
        (&deploy, &["--tenant", "Acme"], "--tenant"),
        (&deploy, &["--tenant-tag", "Tier/Gold"], "--tenant-tag"),
        (&deploy, &["--variable", "Colour=teal"], "--variable"),
        (&deploy, &["--deploy-at", "2030-01-01T00:00:00Z"], "--deploy-at"),
        (&deploy, &["--no-deploy-after", "2030-01-01T00:00:00Z"], "--no-deploy-after"),
        (&deploy, &["--guided-failure"], "--guided-failure"),
        (&deploy, &["--skip", "Smoke test"], "--skip"),
        (&deploy, &["--specific-machines", "web-1"], "--specific-machines"),
        (&deploy, &["--exclude-machines", "web-2"], "--exclude-machines"),
        (&deploy, &["--space", "Spaces-2"], "--space"),
        (&create, &["--channel", "Hotfix"], "--channel"),
        (&ship, &["--channel", "Hotfix"], "--channel"),
        (&ship, &["--to", "Test", "--tenant", "Acme"], "--tenant"),
    ];
    for (command, extra, flag) in cases {
        let output = ferry(dir.path())
            .env("GITHUB_TOKEN", FAKE_TOKEN)
            .args(["--server", "github:acme/shop"])
            .args(command)
            .args(extra)
            .output()
            .unwrap();
        let text = text(&output);
        assert_eq!(output.status.code(), Some(2), "{command:?} {extra:?}: {text}");
        assert!(
            text.contains(&format!("{flag} does not apply to a GitHub server")),
            "{command:?} {extra:?} does not name {flag} and why: {text}"
        );
        assert!(!dir.path().join("out").exists(), "ship packed before refusing {flag}");
    }
}

#[test]
fn project_is_the_repository_by_default_on_github_and_required_elsewhere() {
    let fake = FakeGitHub::start("acme", "shop");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), "<h1>shop</h1>\n").unwrap();
    let ship = ["ship", "--id", "shop", "--version", "1.0.0", "--base-path", "site", "--to", "Test"];

    // GitHub: no --project, so the repository.
    let output = against(&fake, dir.path()).args(["-o", "json"]).args(ship).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["release"]["version"], "1.0.0", "{json}");
    let output = against(&fake, dir.path())
        .args(["release", "deploy", "--version", "1.0.0", "--to", "Production"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));

    // A --project that is neither the repository nor a tag prefix is refused.
    let output = against(&fake, dir.path())
        .args(["release", "deploy", "--project", "billing", "--version", "1.0.0", "--to", "Test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("billing"), "{}", text(&output));

    // Any other server: --project is required, as a usage error naming it.
    for command in [&ship[..], &["release", "create", "--version", "1.0.0"]] {
        let output =
            ferry(dir.path()).args(["--server", "http://127.0.0.1:9"]).args(command).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{command:?}: {}", text(&output));
        assert!(text(&output).contains("--project is required"), "{}", text(&output));
    }
    assert_eq!(fake.violations(), Vec::<String>::new());
}
