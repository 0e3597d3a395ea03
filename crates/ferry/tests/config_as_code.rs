//! Config-as-code projects, ship's release inputs, and release notes from build information an
//! Octopus server stores: `ship`/`release create` with `--git-ref`/`--git-commit`, `ship --package`
//! and `--release-notes-file`, and `--release-notes-auto` following a version-controlled
//! project's links to the template at a Git ref, against `ferry server` in its own process.

mod client_support;

use client_support::*;
use ferry_testkit::http::Client;

const CAC: &str = r#"
[[projects]]
name = "Cac"
packages = ["Web", "Lib"]
deploy = "echo deploying Cac $FERRY_RELEASE_VERSION"
version_controlled = true
"#;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn site(dir: &std::path::Path) -> std::path::PathBuf {
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("index.html"), "<h1>Cac</h1>\n").unwrap();
    site
}

fn ship(server: &Server, version: &str, extra: &[&str]) -> std::process::Output {
    server
        .ferry()
        .args(["-o", "json", "ship", "--project", "Cac", "--id", "Web", "--version", version, "--base-path"])
        .arg(site(server.path()))
        .args(["--repo", "."])
        .args(extra)
        .output()
        .unwrap()
}

fn release(server: &Server, version: &str) -> serde_json::Value {
    let project = server.get("/api/Spaces-1/projects/cac");
    server.get(&format!("/api/Spaces-1/projects/{}/releases/{version}", project["Id"].as_str().unwrap()))
}

#[test]
fn ship_pins_other_packages_takes_notes_from_a_file_and_sends_the_git_ref() {
    let server = Server::start_with(&config(CAC));
    git_repo(server.path(), &["feat: first"]);
    let lib = make_package(server.path(), "Lib", "2.0.0");
    server.ferry().args(["package", "push"]).arg(&lib).assert().success();
    std::fs::write(server.path().join("notes.md"), "Hand-written notes\n").unwrap();

    // A version-controlled project without --git-ref: the server's 400 names the field.
    let output = ship(&server, "1.0.0", &["--package", "Lib:2.0.0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("GitRef is required"), "{stderr}");

    let output = ship(
        &server,
        "1.0.1",
        &[
            "--package",
            "Lib:2.0.0",
            "--release-notes-file",
            "notes.md",
            "--git-ref",
            "refs/heads/main",
            "--git-commit",
            COMMIT,
        ],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let release = release(&server, "1.0.1");
    assert_eq!(release["ReleaseNotes"], "Hand-written notes\n");
    assert_eq!(release["VersionControlReference"]["GitRef"], "refs/heads/main");
    assert_eq!(release["VersionControlReference"]["GitCommit"], COMMIT);
    let mut selected: Vec<(String, String)> = release["SelectedPackages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["ActionName"].as_str().unwrap().to_owned(), p["Version"].as_str().unwrap().to_owned()))
        .collect();
    selected.sort();
    assert_eq!(selected, [("Lib".to_owned(), "2.0.0".to_owned()), ("Web".to_owned(), "1.0.1".to_owned())]);
}

#[test]
fn ship_checks_its_release_inputs_before_packing_anything() {
    let server = Server::start_with(&config(CAC));
    for (extra, wanted) in [
        (&["--package", "Web:9.9.9"][..], "the package ship packs"),
        (&["--package", "Lib"][..], "'Lib' for '--package"),
        (&["--release-notes-file", "missing.md"][..], "could not read the release notes file"),
    ] {
        let output = ship(&server, "1.0.0", extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(wanted), "{extra:?}: {stderr}");
    }
    let packages = server.get("/api/Spaces-1/packages?take=100");
    assert_eq!(packages["Items"].as_array().map(Vec::len), Some(0), "nothing was pushed: {packages}");
}

#[test]
fn release_notes_auto_reads_the_template_at_the_git_ref_and_derives_work_items_from_commits() {
    let server = Server::start_with(&config(CAC));
    for id in ["Web", "Lib"] {
        let package = make_package(server.path(), id, "3.0.0");
        server.ferry().args(["package", "push"]).arg(&package).assert().success();
    }
    // Build information as the Go CLI pushes it (OctopusDeploy/cli build-information upload):
    // commits only; Octopus derives work items with its issue-tracker extensions, so a server
    // without one answers `WorkItems: []`.
    let body = serde_json::json!({
        "PackageId": "Web", "Version": "3.0.0", "OverwriteMode": "FailIfExists",
        "OctopusBuildInformation": {
            "BuildEnvironment": "GitHub Actions", "BuildNumber": "42", "Branch": "main", "VcsType": "Git",
            "VcsRoot": "https://github.com/acme/cac", "VcsCommitNumber": COMMIT,
            "Commits": [{"Id": COMMIT, "Comment": "feat: greet in French ABC-7"}],
        },
    });
    let answer =
        Client::new(&server.url, Some(KEY)).post_json("/api/Spaces-1/build-information", &body).unwrap();
    assert!((200..300).contains(&answer.status), "{}", String::from_utf8_lossy(&answer.body));

    let output = server
        .ferry()
        .args(["release", "create", "--project", "Cac", "--version", "3.0.0", "--package-version", "3.0.0"])
        .args(["--release-notes-auto", "--git-ref", "refs/heads/main", "--git-commit", COMMIT])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("no release notes"), "{stderr}");
    let notes = release(&server, "3.0.0")["ReleaseNotes"].as_str().unwrap_or_default().to_owned();
    assert!(notes.contains("greet in French"), "{notes}");
    assert!(notes.contains("### Work items\n\n- ABC-7: feat: greet in French ABC-7"), "{notes}");

    // Without --git-ref the template cannot be read at a ref: stopped before creating anything.
    let output = server
        .ferry()
        .args(["release", "create", "--project", "Cac", "--version", "3.0.1", "--package-version", "3.0.0"])
        .arg("--release-notes-auto")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("version-controlled project") && stderr.contains("pass --git-ref"), "{stderr}");
}
