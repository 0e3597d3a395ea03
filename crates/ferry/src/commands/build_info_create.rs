//! `ferry build-info create`, and [`collect`], which `build-info push` and `ship` share.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use ferry_ci::history::{self, HistoryRequest, RangeStart};
use ferry_ci::{BuildContext, CiSystem};
use ferry_core::build_info::BuildInformation;
use ferry_core::version::Version;
use ferry_core::work_items::WorkItemRules;

use crate::cli::{BuildInfoCreateArgs, CollectOptions};
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &BuildInfoCreateArgs) -> anyhow::Result<()> {
    let version = crate::versions::resolve(ctx, &args.version)?;
    let info = collect(ctx, &args.collect, &args.package_ids, &version, None)?;
    let json = info.to_json();
    if args.file == Path::new("-") {
        println!("{json}");
        return Ok(());
    }
    std::fs::write(&args.file, format!("{json}\n"))
        .with_context(|| format!("writing build information to {}", args.file.display()))?;
    ctx.info(&format!(
        "wrote build information for version {version} ({} commits, {} work items) to {}",
        info.commits.len(),
        info.work_items.len(),
        args.file.display()
    ));
    ctx.set_output("build-info-path", &args.file.display().to_string());
    ctx.print_result(
        &args.file.display().to_string(),
        &serde_json::json!({
            "file": args.file,
            "version": version.to_string(),
            "commits": info.commits.len(),
            "workItems": info.work_items.len(),
        }),
    );
    Ok(())
}

/// Build information for `version` of `package_ids` from the CI environment and git.
///
/// `previous_commit` is the previous build's commit as the server knows it (the caller looks it
/// up); it bounds the commit range unless `--since` is given. Missing history never fails: the
/// problems become CI warnings and what is known is recorded.
pub fn collect(
    ctx: &Ctx,
    opts: &CollectOptions,
    package_ids: &[String],
    version: &Version,
    previous_commit: Option<String>,
) -> anyhow::Result<BuildInformation> {
    let env = |name: &str| std::env::var(name).ok();
    let context = BuildContext::from_env(ctx.ci_system, env);
    let repo = opts.repo.clone().unwrap_or_else(|| PathBuf::from("."));
    let request = HistoryRequest {
        repo: repo.clone(),
        since: opts.since.clone(),
        previous_commit: previous_commit.or_else(|| context.previous_commit.clone()),
        max_commits: opts.max_commits,
        deepen: opts.deepen,
    };
    let mut history = history::collect(&request);
    let mut warnings = std::mem::take(&mut history.warnings);

    // A shallow GitHub checkout without a usable range: ask the compare API when a token and the
    // range's start are known, else take the commits the push event lists.
    if ctx.ci_system == CiSystem::GitHub && history.shallow && history.start == RangeStart::Unbounded {
        let head =
            Some(context.commit.clone()).filter(|c| !c.is_empty()).unwrap_or_else(|| history.head.clone());
        let base = request.since.clone().or_else(|| request.previous_commit.clone());
        let compared = match (env("GITHUB_TOKEN"), env("GITHUB_REPOSITORY"), base) {
            (Some(token), Some(repository), Some(base)) => {
                let api = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
                match compare_on_own_runtime(&api, &token, &repository, &base, &head, opts.max_commits) {
                    Ok(commits) => Some(commits),
                    Err(err) => {
                        warnings.push(format!("{err}"));
                        None
                    }
                }
            }
            _ => None,
        };
        let event = || {
            env("GITHUB_EVENT_PATH").and_then(|path| ferry_ci::github_event::push_commits(Path::new(&path)))
        };
        if let Some(commits) = compared {
            warnings.push(format!(
                "took {} commits from GitHub's compare API (the clone is shallow)",
                commits.len()
            ));
            history.commits = commits;
        } else if let Some(mut commits) = event() {
            commits.truncate(opts.max_commits);
            warnings
                .push(format!("took {} commits from the push event (the clone is shallow)", commits.len()));
            history.commits = commits;
        }
    }
    for warning in &warnings {
        ctx.warn(warning);
    }

    let mut info = context.to_build_information();
    if info.vcs_commit_number.is_empty() {
        info.vcs_commit_number = history.head.clone();
    }
    if info.branch.is_empty() {
        info.branch = history.branch.clone().unwrap_or_default();
    }
    if info.vcs_root.is_empty()
        && let Ok(remote) = ferry_ci::git::git(&repo, &["remote", "get-url", "origin"])
    {
        info.vcs_root = ferry_ci::context::web_url(&remote);
    }
    for commit in &mut history.commits {
        if commit.link_url.is_none() && info.vcs_root.starts_with("http") {
            let path = if info.vcs_root.contains("bitbucket") { "commits" } else { "commit" };
            commit.link_url = Some(format!("{}/{path}/{}", info.vcs_root, commit.id));
        }
    }
    let rules = WorkItemRules::new(
        &opts.work_item_keys,
        &opts.work_item_pattern,
        opts.work_item_url.clone(),
        Some(info.vcs_root.clone()).filter(|root| !root.is_empty()),
    )
    .map_err(|err| {
        let hint = err.hint();
        let mut user = UserError::usage(err.to_string());
        if let Some(hint) = hint {
            user = user.hint(hint);
        }
        user
    })?;
    info.work_items = rules.collect(&history.commits, &opts.work_items);
    info.commits = history.commits;
    if info.commits.len() >= 200 {
        ctx.warn(&format!(
            "{} commits in the build information for {} {version}; Octopus shows large lists slowly",
            info.commits.len(),
            package_ids.join(", ")
        ));
    }
    tracing::debug!(packages = ?package_ids, %version, commits = info.commits.len(), "collected build information");
    Ok(info)
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
) -> anyhow::Result<Vec<ferry_core::build_info::Commit>> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                Ok(runtime.block_on(ferry_ci::github_api::compare_commits(
                    api, token, repository, base, head, limit,
                ))?)
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the GitHub compare request panicked")))
    })
}
