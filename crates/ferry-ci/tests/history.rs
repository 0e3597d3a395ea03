//! Git ranges on repositories the tests build (requires the `git` program).

use std::path::Path;
use std::process::Command;

use ferry_ci::git_version::{VersionSource, compute};
use ferry_ci::history::{HistoryRequest, RangeStart, collect};

fn run(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Tester")
        .env("GIT_AUTHOR_EMAIL", "t@example.test")
        .env("GIT_COMMITTER_NAME", "Tester")
        .env("GIT_COMMITTER_EMAIL", "t@example.test")
        .output()
        .expect("git must be installed for these tests");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
    dir
}

fn commit(repo: &Path, message: &str) -> String {
    run(repo, &["commit", "--quiet", "--allow-empty", "-m", message]);
    run(repo, &["rev-parse", "HEAD"])
}

fn request(repo: &Path) -> HistoryRequest {
    HistoryRequest {
        repo: repo.to_owned(),
        since: None,
        previous_commit: None,
        max_commits: 200,
        deepen: false,
    }
}

fn subjects(history: &ferry_ci::history::History) -> Vec<String> {
    history.commits.iter().map(|c| c.subject().to_owned()).collect()
}

#[test]
fn range_starts_at_the_nearest_tag_and_keeps_multiline_messages() {
    let dir = new_repo();
    let repo = dir.path();
    commit(repo, "one");
    run(repo, &["tag", "v1.0.0"]);
    commit(repo, "feat: two\n\nbody line\nwith ABC-1");
    commit(repo, "three");
    let history = collect(&request(repo));
    assert_eq!(subjects(&history), ["three", "feat: two"]);
    assert_eq!(history.start, RangeStart::Tag("v1.0.0".into()));
    assert_eq!(history.commits[1].comment, "feat: two\n\nbody line\nwith ABC-1");
    assert_eq!(history.commits[0].author.as_deref(), Some("Tester"));
    assert!(history.commits[0].timestamp.is_some());
    assert_eq!(history.branch.as_deref(), Some("main"));
    assert!(history.warnings.is_empty(), "{:?}", history.warnings);
}

#[test]
fn a_tag_on_head_itself_does_not_empty_the_range() {
    let dir = new_repo();
    let repo = dir.path();
    commit(repo, "one");
    run(repo, &["tag", "v1.0.0"]);
    commit(repo, "two");
    run(repo, &["tag", "v1.1.0"]);
    assert_eq!(subjects(&collect(&request(repo))), ["two"]);
}

#[test]
fn since_and_previous_commit_bound_the_range_and_merges_are_included() {
    let dir = new_repo();
    let repo = dir.path();
    let first = commit(repo, "base");
    run(repo, &["checkout", "--quiet", "-b", "topic"]);
    commit(repo, "topic work");
    run(repo, &["checkout", "--quiet", "main"]);
    commit(repo, "main work");
    run(repo, &["merge", "--quiet", "--no-ff", "-m", "Merge topic", "topic"]);
    let mut since = request(repo);
    since.since = Some(first.clone());
    let mut got = subjects(&collect(&since));
    got.sort();
    assert_eq!(got, ["Merge topic", "main work", "topic work"]);
    let mut previous = request(repo);
    previous.previous_commit = Some(first.clone());
    let history = collect(&previous);
    assert_eq!(history.start, RangeStart::PreviousBuild(first));
    assert_eq!(history.commits.len(), 3);
}

#[test]
fn max_commits_cuts_and_warns() {
    let dir = new_repo();
    let repo = dir.path();
    for n in 0..5 {
        commit(repo, &format!("c{n}"));
    }
    let mut limited = request(repo);
    limited.max_commits = 3;
    let history = collect(&limited);
    assert_eq!(subjects(&history), ["c4", "c3", "c2"]);
    assert!(history.truncated);
    assert!(history.warnings.iter().any(|w| w.contains("more than 3 commits")), "{:?}", history.warnings);
}

#[test]
fn a_rebased_previous_commit_uses_the_merge_base_instead_of_all_history() {
    let dir = new_repo();
    let repo = dir.path();
    for n in 0..20 {
        commit(repo, &format!("old {n}"));
    }
    let fork = run(repo, &["rev-parse", "HEAD"]);
    run(repo, &["checkout", "--quiet", "-b", "feature"]);
    let previous_build = commit(repo, "before rebase");
    // Rewrite the branch: the previous build's commit is no longer an ancestor of HEAD.
    run(repo, &["reset", "--quiet", "--hard", &fork]);
    commit(repo, "after rebase");
    let mut rebased = request(repo);
    rebased.previous_commit = Some(previous_build);
    let history = collect(&rebased);
    assert_eq!(subjects(&history), ["after rebase"]);
    assert_eq!(history.start, RangeStart::MergeBase(fork));
    assert!(history.warnings.iter().any(|w| w.contains("not an ancestor")), "{:?}", history.warnings);
}

#[test]
fn shallow_clones_warn_and_deepen_fetches_the_range() {
    let origin = new_repo();
    let first = commit(origin.path(), "first");
    for n in 0..5 {
        commit(origin.path(), &format!("c{n}"));
    }
    let clone_dir = tempfile::tempdir().unwrap();
    let clone = clone_dir.path().join("clone");
    let url = format!("file://{}", origin.path().display());
    run(clone_dir.path(), &["clone", "--quiet", "--depth", "1", &url, clone.to_str().unwrap()]);

    let mut shallow = request(&clone);
    shallow.previous_commit = Some(first.clone());
    let history = collect(&shallow);
    assert!(history.shallow);
    assert_eq!(subjects(&history), ["c4"], "only what the clone has");
    assert!(history.warnings.iter().any(|w| w.contains("--deepen")), "{:?}", history.warnings);

    shallow.deepen = true;
    let deepened = collect(&shallow);
    assert_eq!(subjects(&deepened), ["c4", "c3", "c2", "c1", "c0"]);
    assert_eq!(deepened.start, RangeStart::PreviousBuild(first));
}

#[test]
fn outside_a_repository_history_is_empty_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let history = collect(&request(dir.path()));
    assert!(history.commits.is_empty());
    assert!(history.warnings[0].contains("not a git repository"), "{:?}", history.warnings);
}

#[test]
fn versions_from_tags_commit_counts_build_numbers_and_dates() {
    let now: jiff::Timestamp = "2025-03-07T09:05:03Z".parse().unwrap();
    let dir = new_repo();
    let repo = dir.path();
    commit(repo, "one");
    let date = compute(repo, "ci", None, now).unwrap();
    assert_eq!((date.version.as_str(), date.source), ("2025.3.7.90503", VersionSource::Date));

    run(repo, &["tag", "v1.2.3"]);
    assert_eq!(compute(repo, "ci", None, now).unwrap().version, "1.2.3");
    commit(repo, "two");
    commit(repo, "three");
    let after = compute(repo, "ci", None, now).unwrap();
    assert_eq!(after.version, "1.2.4-ci.2");
    assert_eq!(after.source, VersionSource::AfterTag { tag: "v1.2.3".into(), commits: 2 });
    assert_eq!(compute(repo, "beta", Some("57"), now).unwrap().version, "1.2.4-beta.57");

    run(repo, &["tag", "2.0.0-rc.1"]);
    commit(repo, "four");
    assert_eq!(compute(repo, "ci", None, now).unwrap().version, "2.0.0-rc.1.ci.1");
    run(repo, &["tag", "not-a-version"]);
    assert_eq!(compute(repo, "ci", None, now).unwrap().version, "2.0.0-rc.1.ci.1");
}

/// After any version tag, the computed version sorts after the tag (and before the next
/// release), by the version ordering releases and channels use.
#[test]
fn a_build_after_any_tag_shape_sorts_after_the_tag() {
    use ferry_core::version::Version;
    let now: jiff::Timestamp = "2025-03-07T09:05:03Z".parse().unwrap();
    // (tag, expected version three commits later)
    let table = [
        ("v1.2.3", "1.2.4-ci.3"),
        ("1.2.3", "1.2.4-ci.3"),
        ("V1.2.3", "1.2.4-ci.3"),
        ("v1.2.3-rc.1", "1.2.3-rc.1.ci.3"),
        ("v1.2.3-rc", "1.2.3-rc.ci.3"),
        ("v1.2.3-alpha", "1.2.3-alpha.ci.3"),
        ("v1.2.3-beta.2", "1.2.3-beta.2.ci.3"),
        ("v1.2.3-0", "1.2.3-0.ci.3"),
        ("v1.2.3-x.7.z.92", "1.2.3-x.7.z.92.ci.3"),
        ("v1.2.3-rc.1+build.5", "1.2.3-rc.1.ci.3"),
        ("v1.2.3+sha.abc", "1.2.4-ci.3"),
        ("v0.0.0", "0.0.1-ci.3"),
    ];
    let mut problems = Vec::new();
    for (tag, expected) in table {
        let dir = new_repo();
        let repo = dir.path();
        commit(repo, "tagged");
        run(repo, &["tag", tag]);
        for n in 0..3 {
            commit(repo, &format!("after {n}"));
        }
        let computed = compute(repo, "ci", None, now).unwrap().version;
        let tagged: Version = tag.trim_start_matches(['v', 'V']).parse().unwrap();
        let built: Version = computed.parse().unwrap();
        if computed != expected || built <= tagged {
            problems.push(format!("{tag}: {computed} (want {expected}, sorting after the tag)"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
