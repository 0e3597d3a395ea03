//! The commits since the previous build, from `git log`.
//!
//! Where the range starts, in order of preference: `--since REF`; the previous build's commit
//! (the caller looks it up on the server); the nearest tag reachable from HEAD's parent; else
//! the last `max_commits` commits. Missing history never fails a build: every problem becomes a
//! warning and the commits that are known are recorded.

use std::path::{Path, PathBuf};

use ferry_core::build_info::Commit;

use crate::git::{git, git_ok, resolve_commit};

/// What to collect.
#[derive(Debug, Clone)]
pub struct HistoryRequest {
    /// The repository (a directory inside the work tree).
    pub repo: PathBuf,
    /// `--since REF`: start of the range, exclusive.
    pub since: Option<String>,
    /// The previous build's commit, as the server knows it.
    pub previous_commit: Option<String>,
    /// Most commits to record.
    pub max_commits: usize,
    /// Fetch more history when the clone is shallow.
    pub deepen: bool,
}

/// Where the range started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeStart {
    /// `--since REF`.
    Since(String),
    /// The previous build's commit.
    PreviousBuild(String),
    /// The merge base of HEAD and a previous build's commit that is no longer an ancestor.
    MergeBase(String),
    /// The nearest tag reachable from HEAD's parent.
    Tag(String),
    /// No start: the newest `max_commits` commits.
    Unbounded,
}

/// The collected history.
#[derive(Debug, Clone)]
pub struct History {
    /// HEAD's full hash (empty outside a repository).
    pub head: String,
    /// The current branch name, when HEAD is on one.
    pub branch: Option<String>,
    /// Commits in the range, newest first.
    pub commits: Vec<Commit>,
    /// Where the range started.
    pub start: RangeStart,
    /// Whether more commits were in the range than `max_commits`.
    pub truncated: bool,
    /// Whether the clone is shallow (after any deepening).
    pub shallow: bool,
    /// Problems to show as CI warnings.
    pub warnings: Vec<String>,
}

/// Collect the commits for `request`. Never fails: problems are in [`History::warnings`].
pub fn collect(request: &HistoryRequest) -> History {
    let repo = request.repo.as_path();
    let mut history = History {
        head: String::new(),
        branch: None,
        commits: Vec::new(),
        start: RangeStart::Unbounded,
        truncated: false,
        shallow: false,
        warnings: Vec::new(),
    };
    let head = match git(repo, &["rev-parse", "--verify", "HEAD"]) {
        Ok(head) => head,
        Err(err) => {
            history.warnings.push(format!(
                "no git history recorded: {} is not a git repository with commits ({err})",
                repo.display()
            ));
            return history;
        }
    };
    history.head = head;
    history.branch = git(repo, &["symbolic-ref", "--quiet", "--short", "HEAD"]).ok();
    history.shallow = is_shallow(repo);
    if history.shallow && request.deepen {
        deepen(repo, request.max_commits, &mut history);
    }

    let mut base: Option<String> = None;
    if let Some(since) = &request.since {
        match resolve_commit(repo, since) {
            Some(commit) => {
                base = Some(commit);
                history.start = RangeStart::Since(since.clone());
            }
            None => history.warnings.push(format!(
                "--since {since} does not name a commit in this clone{}; recording the newest commits instead",
                shallow_advice(history.shallow)
            )),
        }
    } else if let Some(previous) = &request.previous_commit {
        match resolve_commit(repo, previous) {
            Some(commit) if git_ok(repo, &["merge-base", "--is-ancestor", &commit, "HEAD"]) => {
                base = Some(commit);
                history.start = RangeStart::PreviousBuild(previous.clone());
            }
            Some(commit) => match git(repo, &["merge-base", &commit, "HEAD"]) {
                // A rebased or force-pushed branch: the old commit is not in HEAD's history. The
                // merge base is where the two diverged, which bounds the range sensibly.
                Ok(merge_base) => {
                    history.warnings.push(format!(
                        "the previous build's commit {} is not an ancestor of HEAD (rebased or force-pushed?); \
                         recording commits since their merge base {}",
                        short(previous),
                        short(&merge_base)
                    ));
                    base = Some(merge_base.clone());
                    history.start = RangeStart::MergeBase(merge_base);
                }
                Err(_) => history.warnings.push(format!(
                    "the previous build's commit {} shares no history with HEAD; recording the newest commits instead",
                    short(previous)
                )),
            },
            None => history.warnings.push(format!(
                "the previous build's commit {} is not in this clone{}; recording the newest commits instead",
                short(previous),
                shallow_advice(history.shallow)
            )),
        }
    } else if let Ok(tag) = git(repo, &["describe", "--tags", "--abbrev=0", "HEAD^"]) {
        base = resolve_commit(repo, &tag);
        history.start = RangeStart::Tag(tag);
    } else if history.shallow {
        history
            .warnings
            .push(format!("shallow clone: no tag or previous build found{}", shallow_advice(true)));
    }

    let range = match &base {
        Some(base) => format!("{base}..HEAD"),
        None => "HEAD".to_owned(),
    };
    match log(repo, &range, request.max_commits.saturating_add(1)) {
        Ok(mut commits) => {
            if commits.len() > request.max_commits {
                commits.truncate(request.max_commits);
                history.truncated = true;
                history.warnings.push(format!(
                    "more than {} commits since {}; recorded the newest {} (raise --max-commits to record more)",
                    request.max_commits,
                    describe_start(&history.start),
                    request.max_commits
                ));
            }
            history.commits = commits;
        }
        Err(err) => history.warnings.push(format!("could not read the git log: {err}")),
    }
    history
}

/// One `git log` over `range`, newest first, at most `limit` commits.
pub fn log(repo: &Path, range: &str, limit: usize) -> Result<Vec<Commit>, crate::git::GitError> {
    // NUL ends each record (-z); the unit separator splits fields, the message comes last.
    let text = git(
        repo,
        &[
            "log",
            "-z",
            "--no-color",
            &format!("--max-count={limit}"),
            "--format=%H%x1f%an%x1f%aI%x1f%B",
            range,
            "--",
        ],
    )?;
    Ok(text
        .split('\0')
        .filter(|record| !record.trim().is_empty())
        .filter_map(|record| {
            let mut fields = record.trim_start_matches('\n').splitn(4, '\x1f');
            let id = fields.next()?.to_owned();
            let author = fields.next().map(str::to_owned).filter(|a| !a.is_empty());
            let timestamp = fields.next().map(str::to_owned).filter(|t| !t.is_empty());
            let comment = fields.next().unwrap_or("").trim_end().to_owned();
            Some(Commit { id, comment, link_url: None, author, timestamp })
        })
        .collect())
}

/// Whether the clone is shallow.
pub fn is_shallow(repo: &Path) -> bool {
    git(repo, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|answer| answer == "true")
}

/// `git fetch --deepen=N`, then `--unshallow` if that was not enough to leave shallow mode.
fn deepen(repo: &Path, depth: usize, history: &mut History) {
    let deepened = git(repo, &["fetch", "--quiet", "--tags", &format!("--deepen={depth}")]);
    if (deepened.is_err() || is_shallow(repo))
        && let Err(err) = git(repo, &["fetch", "--quiet", "--tags", "--unshallow"])
    {
        history.warnings.push(format!("could not deepen the shallow clone: {err}"));
    }
    history.shallow = is_shallow(repo);
}

fn shallow_advice(shallow: bool) -> &'static str {
    if shallow {
        " (the clone is shallow: pass --deepen, or fetch full history, e.g. `fetch-depth: 0` with actions/checkout)"
    } else {
        ""
    }
}

fn describe_start(start: &RangeStart) -> String {
    match start {
        RangeStart::Since(reference) => reference.clone(),
        RangeStart::PreviousBuild(commit) => format!("the previous build ({})", short(commit)),
        RangeStart::MergeBase(commit) => format!("the merge base {}", short(commit)),
        RangeStart::Tag(tag) => format!("tag {tag}"),
        RangeStart::Unbounded => "the first commit".to_owned(),
    }
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}
