//! Collecting build information: what the CI environment says about the build, the git history
//! since the previous build, and the work items its commits mention. `build-info create`,
//! `build-info push`, `release-notes` and `ship` all collect through [`collect`].

use std::path::{Path, PathBuf};

use ferry_core::build_info::{BuildInformation, Commit};
use ferry_core::work_items::{WorkItemPatternError, WorkItemRules};

use crate::history::{self, HistoryRequest, RangeStart};
use crate::{BuildContext, CiSystem};

/// What to collect and from where.
#[derive(Debug, Clone)]
pub struct CollectRequest {
    /// The CI system the build runs on (its variables describe the build).
    pub ci: CiSystem,
    /// The git repository to read.
    pub repo: PathBuf,
    /// Start of the commit range (exclusive), as the user named it; wins over `previous_commit`.
    pub since: Option<String>,
    /// The previous build's commit as the deployment server knows it.
    pub previous_commit: Option<String>,
    /// Most commits to record.
    pub max_commits: usize,
    /// Deepen a shallow clone when history is missing.
    pub deepen: bool,
    /// Extra work-item patterns (regexes).
    pub work_item_patterns: Vec<String>,
    /// Link template for work items (`{id}` is replaced).
    pub work_item_url: Option<String>,
    /// Work items added by hand.
    pub work_items: Vec<String>,
    /// The Jira-style project keys that count as work items (empty: any).
    pub work_item_keys: Vec<String>,
}

/// Collected build information, and what got in the way without stopping it.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The build information.
    pub info: BuildInformation,
    /// Problems with the history (shallow clone, no tag, an API that failed): what is known was
    /// recorded anyway; the caller shows them as CI warnings.
    pub warnings: Vec<String>,
}

/// Build information from the CI environment (read through `env`) and git. Missing history never
/// fails; only a work-item pattern that is not a valid regex does.
pub fn collect(
    request: &CollectRequest,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Collected, WorkItemPatternError> {
    let context = BuildContext::from_env(request.ci, &env);
    let history_request = HistoryRequest {
        repo: request.repo.clone(),
        since: request.since.clone(),
        previous_commit: request.previous_commit.clone().or_else(|| context.previous_commit.clone()),
        max_commits: request.max_commits,
        deepen: request.deepen,
    };
    let mut history = history::collect(&history_request);
    let mut warnings = std::mem::take(&mut history.warnings);

    // A shallow GitHub checkout without a usable range: ask the compare API when a token and the
    // range's start are known, else take the commits the push event lists.
    if request.ci == CiSystem::GitHub && history.shallow && history.start == RangeStart::Unbounded {
        let head =
            Some(context.commit.clone()).filter(|c| !c.is_empty()).unwrap_or_else(|| history.head.clone());
        let base = history_request.since.clone().or_else(|| history_request.previous_commit.clone());
        let compared = match (env("GITHUB_TOKEN"), env("GITHUB_REPOSITORY"), base) {
            (Some(token), Some(repository), Some(base)) => {
                let api = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
                match compare_on_own_runtime(&api, &token, &repository, &base, &head, request.max_commits) {
                    Ok(commits) => Some(commits),
                    Err(err) => {
                        warnings.push(err);
                        None
                    }
                }
            }
            _ => None,
        };
        let event =
            || env("GITHUB_EVENT_PATH").and_then(|path| crate::github_event::push_commits(Path::new(&path)));
        if let Some(commits) = compared {
            warnings.push(format!(
                "took {} commits from GitHub's compare API (the clone is shallow)",
                commits.len()
            ));
            history.commits = commits;
        } else if let Some(mut commits) = event() {
            commits.truncate(request.max_commits);
            warnings
                .push(format!("took {} commits from the push event (the clone is shallow)", commits.len()));
            history.commits = commits;
        }
    }

    let mut info = context.to_build_information();
    if info.vcs_commit_number.is_empty() {
        info.vcs_commit_number = history.head.clone();
    }
    if info.branch.is_empty() {
        info.branch = history.branch.clone().unwrap_or_default();
    }
    if info.vcs_root.is_empty()
        && let Ok(remote) = crate::git::git(&request.repo, &["remote", "get-url", "origin"])
    {
        info.vcs_root = crate::context::web_url(&remote);
    }
    for commit in &mut history.commits {
        if commit.link_url.is_none() && info.vcs_root.starts_with("http") {
            // Bitbucket's web pages for a commit are under `commits/`, GitHub's and GitLab's under `commit/`.
            let path = if info.vcs_root.contains("bitbucket") { "commits" } else { "commit" };
            commit.link_url = Some(format!("{}/{path}/{}", info.vcs_root, commit.id));
        }
    }
    let rules = WorkItemRules::new(
        &request.work_item_keys,
        &request.work_item_patterns,
        request.work_item_url.clone(),
        Some(info.vcs_root.clone()).filter(|root| !root.is_empty()),
    )?;
    info.work_items = rules.collect(&history.commits, &request.work_items);
    info.commits = history.commits;
    Ok(Collected { info, warnings })
}

/// Run the compare-API call to completion from synchronous code that may itself be inside the
/// async runtime: a scoped thread with its own small runtime avoids blocking a runtime worker.
fn compare_on_own_runtime(
    api: &str,
    token: &str,
    repository: &str,
    base: &str,
    head: &str,
    limit: usize,
) -> Result<Vec<Commit>, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|err| format!("could not start a runtime for GitHub's compare API: {err}"))?;
                runtime
                    .block_on(crate::github_api::compare_commits(api, token, repository, base, head, limit))
                    .map_err(|err| err.to_string())
            })
            .join()
            .unwrap_or_else(|_| Err("the GitHub compare request panicked".to_owned()))
    })
}
