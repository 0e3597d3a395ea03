//! `ferry version`, `ferry build-info create` and `ferry release-notes` end to end (needs `git`).

use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;

fn git(repo: &Path, args: &[&str]) {
    let status = StdCommand::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Tester")
        .env("GIT_AUTHOR_EMAIL", "t@example.test")
        .env("GIT_COMMITTER_NAME", "Tester")
        .env("GIT_COMMITTER_EMAIL", "t@example.test")
        .status()
        .expect("git must be installed for these tests");
    assert!(status.success(), "git {args:?}");
}

/// A repository: `v1.2.3` tag, then two commits mentioning work items.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "--quiet", "--initial-branch=main"]);
    git(repo, &["commit", "--quiet", "--allow-empty", "-m", "initial"]);
    git(repo, &["tag", "v1.2.3"]);
    git(repo, &["commit", "--quiet", "--allow-empty", "-m", "feat: login page ABC-12\n\nfixes #4"]);
    git(repo, &["commit", "--quiet", "--allow-empty", "-m", "fix(api): handle UTF-8 names"]);
    dir
}

/// `ferry` with a clean environment (no CI variables leak in from the machine running the tests).
fn ferry(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("ferry").unwrap();
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).current_dir(dir);
    command
}

#[test]
fn version_counts_commits_since_the_tag() {
    let dir = repo();
    let out = ferry(dir.path()).args(["version", "next", "--ci", "none"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.2.4-ci.2");

    let out = ferry(dir.path()).args(["-o", "json", "version", "--prerelease-label", "pr"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    assert_eq!(json["version"], "1.2.4-pr.2");
    assert_eq!(json["tag"], "v1.2.3");
    assert_eq!(json["commitsSinceTag"], 2);
}

#[test]
fn version_with_build_number_needs_one() {
    let dir = repo();
    let out = ferry(dir.path()).args(["version", "--ci", "none", "--use-build-number"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("build number"));
    let out = ferry(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_RUN_NUMBER", "88")
        .args(["version", "--use-build-number"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.2.4-ci.88");
}

#[test]
fn build_info_create_on_github_records_context_commits_and_work_items() {
    let dir = repo();
    let outputs = dir.path().join("gh-output");
    let out = ferry(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_RUN_ID", "1001")
        .env("GITHUB_RUN_NUMBER", "15")
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_SHA", "0123456789abcdef")
        .env("GITHUB_OUTPUT", &outputs)
        .args(["build-info", "create", "--package-id", "App", "--version", "auto", "--file", "bi.json"])
        .args(["--work-item-url", "https://jira.example.test/browse/{id}"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("bi.json")).unwrap()).unwrap();
    assert_eq!(info["BuildEnvironment"], "GitHub Actions");
    assert_eq!(info["BuildNumber"], "15");
    assert_eq!(info["BuildUrl"], "https://github.com/octo/app/actions/runs/1001");
    assert_eq!(info["Branch"], "main");
    assert_eq!(info["VcsType"], "Git");
    assert_eq!(info["VcsRoot"], "https://github.com/octo/app");
    assert_eq!(info["VcsCommitNumber"], "0123456789abcdef");
    let commits = info["Commits"].as_array().unwrap();
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[0]["Comment"], "fix(api): handle UTF-8 names");
    let id = commits[0]["Id"].as_str().unwrap();
    assert_eq!(commits[0]["LinkUrl"], format!("https://github.com/octo/app/commit/{id}"));
    let items: Vec<(&str, &str)> = info["WorkItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["Id"].as_str().unwrap(), item["LinkUrl"].as_str().unwrap()))
        .collect();
    assert_eq!(
        items,
        [
            ("ABC-12", "https://jira.example.test/browse/ABC-12"),
            ("#4", "https://github.com/octo/app/issues/4")
        ]
    );
    assert!(std::fs::read_to_string(&outputs).unwrap().starts_with("build-info-path<<ghadelimiter_"));
}

#[test]
fn release_notes_from_a_build_info_file() {
    let dir = repo();
    let out = ferry(dir.path())
        .args(["build-info", "create", "--ci", "none", "--version", "1.2.4", "--file", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.path().join("bi.json"), &out.stdout).unwrap();
    let out = ferry(dir.path())
        .args(["release-notes", "--ci", "none", "--from-build-info", "bi.json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let notes = String::from_utf8_lossy(&out.stdout);
    assert!(notes.starts_with("2 commits, 2 work items"), "{notes}");
    assert!(notes.contains("### Features\n\n- login page ABC-12 (`"), "{notes}");
    assert!(notes.contains("### Bug fixes\n\n- **api:** handle UTF-8 names (`"), "{notes}");

    let out =
        ferry(dir.path()).args(["release-notes", "--from-build-info", "missing.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

/// A shallow clone (`--depth 1`) of [`repo`] in `parent/clone`.
fn shallow_clone(origin: &Path, parent: &Path) -> std::path::PathBuf {
    let clone = parent.join("clone");
    let url = format!("file://{}", origin.display());
    git(parent, &["clone", "--quiet", "--depth", "1", &url, clone.to_str().unwrap()]);
    clone
}

#[test]
fn shallow_github_checkout_falls_back_to_the_push_event() {
    let origin = repo();
    let parent = tempfile::tempdir().unwrap();
    let clone = shallow_clone(origin.path(), parent.path());
    let event = parent.path().join("event.json");
    std::fs::write(
        &event,
        r#"{"commits":[{"id":"e1","message":"feat: from the event ABC-7"},{"id":"e2","message":"fix: newest"}]}"#,
    )
    .unwrap();
    let out = ferry(&clone)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["build-info", "create", "--version", "1.0.0", "--file", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> =
        info["Commits"].as_array().unwrap().iter().map(|c| c["Id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["e2", "e1"]);
    assert_eq!(info["WorkItems"][0]["Id"], "ABC-7");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("::warning::") && stderr.contains("push event"), "{stderr}");
}

#[test]
fn release_note_templates_know_their_placeholders_and_print_the_version() {
    let dir = repo();
    std::fs::write(dir.path().join("notes.tmpl.md"), "# {{version}}\n\n{{summary}}\n").unwrap();
    let out = ferry(dir.path())
        .args(["release-notes", "--ci", "none", "--template", "notes.tmpl.md", "--version", "v1.2.4"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "# 1.2.4\n\nVersion 1.2.4: 2 commits, 2 work items (branch `main`).\n"
    );

    std::fs::write(dir.path().join("typo.tmpl.md"), "# {{version}}\n{{work_itmes}}\n").unwrap();
    let out = ferry(dir.path())
        .args(["release-notes", "--ci", "none", "--template", "typo.tmpl.md", "--version", "1.2.4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2: {{work_itmes}} is not a placeholder"), "{stderr}");
    assert!(stderr.contains("{{work_items}}"), "the known ones are listed: {stderr}");

    let help = ferry(dir.path()).args(["release-notes", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for (placeholder, _) in ferry_core::release_notes::PLACEHOLDERS {
        assert!(help.contains(placeholder), "--help documents {placeholder}");
    }
}

#[test]
fn release_notes_start_like_the_notes_ship_stores() {
    let dir = repo();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), "hello\n").unwrap();
    let shipped = ferry(dir.path())
        .args(["--ci", "none", "--embedded", "ship", "--project", "App", "--id", "App", "--version", "1.2.4"])
        .args(["--base-path", "site"])
        .output()
        .unwrap();
    assert!(shipped.status.success(), "{}", String::from_utf8_lossy(&shipped.stderr));
    let shown = ferry(dir.path())
        .args([
            "--ci",
            "none",
            "--embedded",
            "-o",
            "json",
            "release",
            "show",
            "--project",
            "App",
            "--version",
            "1.2.4",
        ])
        .output()
        .unwrap();
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let stored: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let stored = stored["releaseNotes"].as_str().unwrap().to_owned();
    let printed =
        ferry(dir.path()).args(["--ci", "none", "release-notes", "--version", "1.2.4"]).output().unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let printed = String::from_utf8_lossy(&printed.stdout).into_owned();
    let opening = |notes: &str| notes.lines().take(3).collect::<Vec<_>>().join("\n");
    assert_eq!(opening(&printed), opening(&stored));
    assert!(printed.starts_with("## 1.2.4\n\nVersion 1.2.4: 2 commits"), "{printed}");
}
