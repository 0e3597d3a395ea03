//! What the CI system tells us about the build from its environment variables: build number and
//! URL, branch, repository URL, commit (ci-adapters.md §6).
//!
//! Every lookup goes through a `var` function so tests pass a map instead of the process
//! environment.

use ferry_core::build_info::BuildInformation;

use crate::system::CiSystem;

/// The build's identity as the CI system reports it. Empty strings mean "not known"; git fills
/// the commit and branch later when the CI does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildContext {
    /// `BuildEnvironment`, e.g. `GitHub Actions`.
    pub environment: String,
    /// The CI's build (run) number.
    pub build_number: String,
    /// A link to the build.
    pub build_url: String,
    /// The branch, without `refs/heads/`; for a pull request, its source branch; for a tag build,
    /// the tag name.
    pub branch: String,
    /// The tag, when this is a tag build.
    pub tag: Option<String>,
    /// The pull/merge request number, when this is a pull-request build.
    pub pull_request: Option<String>,
    /// The repository's web URL without credentials.
    pub repository_url: String,
    /// The commit that was built (for GitHub pull requests the head commit, not the merge commit).
    pub commit: String,
    /// A commit the CI itself names as the previous build's (GitLab's `CI_COMMIT_BEFORE_SHA`,
    /// Jenkins' `GIT_PREVIOUS_SUCCESSFUL_COMMIT`).
    pub previous_commit: Option<String>,
}

impl BuildContext {
    /// Read the build context of `system` through `var`.
    pub fn from_env(system: CiSystem, var: impl Fn(&str) -> Option<String>) -> BuildContext {
        let get = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let first = |names: &[&str]| names.iter().find_map(|name| get(name));
        let mut context =
            BuildContext { environment: system.build_environment().to_owned(), ..BuildContext::default() };
        match system {
            CiSystem::GitHub => {
                let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
                let server = server.trim_end_matches('/');
                let repository = get("GITHUB_REPOSITORY");
                context.build_number = get("GITHUB_RUN_NUMBER").unwrap_or_default();
                if let (Some(repository), Some(run)) = (&repository, get("GITHUB_RUN_ID")) {
                    context.build_url = format!("{server}/{repository}/actions/runs/{run}");
                }
                if let Some(repository) = &repository {
                    context.repository_url = format!("{server}/{repository}");
                }
                context.commit = get("GITHUB_SHA").unwrap_or_default();
                let reference = get("GITHUB_REF").unwrap_or_default();
                if let Some(number) = pull_request_number(&reference) {
                    context.pull_request = Some(number);
                    context.branch = get("GITHUB_HEAD_REF").unwrap_or(reference);
                    // GITHUB_SHA is the merge commit of refs/pull/N/merge; the head is in the event.
                    if let Some(head) = get("GITHUB_EVENT_PATH").and_then(|path| pull_request_head(&path)) {
                        context.commit = head;
                    }
                } else {
                    context.set_ref(&reference);
                }
            }
            CiSystem::Azure => {
                context.build_number = get("BUILD_BUILDNUMBER").unwrap_or_default();
                if let (Some(collection), Some(project), Some(id)) =
                    (get("SYSTEM_COLLECTIONURI"), get("SYSTEM_TEAMPROJECT"), get("BUILD_BUILDID"))
                {
                    let collection = collection.trim_end_matches('/');
                    context.build_url = format!("{collection}/{project}/_build/results?buildId={id}");
                }
                context.repository_url = web_url(&get("BUILD_REPOSITORY_URI").unwrap_or_default());
                context.commit = get("BUILD_SOURCEVERSION").unwrap_or_default();
                if let Some(number) = get("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER")
                    .or_else(|| get("SYSTEM_PULLREQUEST_PULLREQUESTID"))
                {
                    context.pull_request = Some(number);
                    context.branch =
                        strip_heads(&get("SYSTEM_PULLREQUEST_SOURCEBRANCH").unwrap_or_default()).to_owned();
                } else {
                    context.set_ref(&get("BUILD_SOURCEBRANCH").unwrap_or_default());
                }
            }
            CiSystem::Jenkins => {
                context.build_number = get("BUILD_NUMBER").unwrap_or_default();
                context.build_url = get("BUILD_URL").unwrap_or_default();
                context.repository_url = web_url(&get("GIT_URL").unwrap_or_default());
                context.commit = get("GIT_COMMIT").unwrap_or_default();
                context.previous_commit = get("GIT_PREVIOUS_SUCCESSFUL_COMMIT");
                context.pull_request = get("CHANGE_ID");
                context.tag = get("TAG_NAME");
                let branch = first(&["CHANGE_BRANCH", "BRANCH_NAME", "GIT_BRANCH"]).unwrap_or_default();
                // The git plugin reports the remote-tracking name, e.g. `origin/main`.
                context.branch = strip_heads(branch.strip_prefix("origin/").unwrap_or(&branch)).to_owned();
            }
            CiSystem::Bitbucket => {
                context.build_number = get("BITBUCKET_BUILD_NUMBER").unwrap_or_default();
                if let Some(repository) = get("BITBUCKET_REPO_FULL_NAME") {
                    context.build_url = format!(
                        "https://bitbucket.org/{repository}/addon/pipelines/home#!/results/{}",
                        context.build_number
                    );
                }
                context.repository_url = web_url(&get("BITBUCKET_GIT_HTTP_ORIGIN").unwrap_or_default());
                context.commit = get("BITBUCKET_COMMIT").unwrap_or_default();
                context.pull_request = get("BITBUCKET_PR_ID");
                context.tag = get("BITBUCKET_TAG");
                context.branch = get("BITBUCKET_BRANCH").or_else(|| context.tag.clone()).unwrap_or_default();
            }
            CiSystem::GitLab => {
                context.build_number = first(&["CI_PIPELINE_IID", "CI_PIPELINE_ID"]).unwrap_or_default();
                context.build_url = first(&["CI_PIPELINE_URL", "CI_JOB_URL"]).unwrap_or_default();
                context.repository_url = web_url(&get("CI_PROJECT_URL").unwrap_or_default());
                context.commit = get("CI_COMMIT_SHA").unwrap_or_default();
                // A new branch's first pipeline has an all-zero "before" commit.
                context.previous_commit =
                    get("CI_COMMIT_BEFORE_SHA").filter(|sha| !sha.chars().all(|c| c == '0'));
                context.pull_request = get("CI_MERGE_REQUEST_IID");
                context.tag = get("CI_COMMIT_TAG");
                context.branch = first(&[
                    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
                    "CI_COMMIT_BRANCH",
                    "CI_COMMIT_TAG",
                    "CI_COMMIT_REF_NAME",
                ])
                .unwrap_or_default();
            }
            CiSystem::TeamCity => {
                context.build_number = get("BUILD_NUMBER").unwrap_or_default();
                context.commit = get("BUILD_VCS_NUMBER").unwrap_or_default();
                if let Some(branch) = get("TEAMCITY_BUILD_PROPERTIES_FILE")
                    .and_then(|file| java_property(&file, "teamcity.build.branch"))
                {
                    context.set_ref(&branch);
                }
            }
            CiSystem::CircleCi => {
                context.build_number = get("CIRCLE_BUILD_NUM").unwrap_or_default();
                context.build_url = get("CIRCLE_BUILD_URL").unwrap_or_default();
                context.repository_url = web_url(&get("CIRCLE_REPOSITORY_URL").unwrap_or_default());
                context.commit = get("CIRCLE_SHA1").unwrap_or_default();
                context.pull_request = get("CIRCLE_PR_NUMBER").or_else(|| {
                    get("CIRCLE_PULL_REQUEST").and_then(|url| url.rsplit('/').next().map(str::to_owned))
                });
                context.tag = get("CIRCLE_TAG");
                context.branch = get("CIRCLE_BRANCH").or_else(|| context.tag.clone()).unwrap_or_default();
            }
            // https://www.appveyor.com/docs/environment-variables/
            CiSystem::AppVeyor => {
                context.build_number = get("APPVEYOR_BUILD_NUMBER").unwrap_or_default();
                if let (Some(account), Some(slug), Some(id)) =
                    (get("APPVEYOR_ACCOUNT_NAME"), get("APPVEYOR_PROJECT_SLUG"), get("APPVEYOR_BUILD_ID"))
                {
                    let server = get("APPVEYOR_URL").unwrap_or_else(|| "https://ci.appveyor.com".into());
                    context.build_url =
                        format!("{}/project/{account}/{slug}/builds/{id}", server.trim_end_matches('/'));
                }
                // APPVEYOR_REPO_NAME is `owner/name` on the hosted providers it names.
                if let Some(name) = get("APPVEYOR_REPO_NAME") {
                    let host =
                        match get("APPVEYOR_REPO_PROVIDER").unwrap_or_default().to_ascii_lowercase().as_str()
                        {
                            "github" => Some("https://github.com"),
                            "bitbucket" => Some("https://bitbucket.org"),
                            "gitlab" => Some("https://gitlab.com"),
                            _ => None,
                        };
                    if let Some(host) = host {
                        context.repository_url = format!("{host}/{name}");
                    }
                }
                context.commit =
                    first(&["APPVEYOR_PULL_REQUEST_HEAD_COMMIT", "APPVEYOR_REPO_COMMIT"]).unwrap_or_default();
                context.pull_request = get("APPVEYOR_PULL_REQUEST_NUMBER");
                if get("APPVEYOR_REPO_TAG").is_some_and(|tag| tag.eq_ignore_ascii_case("true")) {
                    context.tag = get("APPVEYOR_REPO_TAG_NAME");
                }
                context.branch = first(&["APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH", "APPVEYOR_REPO_BRANCH"])
                    .or_else(|| context.tag.clone())
                    .unwrap_or_default();
            }
            // https://confluence.atlassian.com/bamboo/bamboo-variables-289277087.html: plan
            // repository variables exist per repository (`planRepository_1_…`, the first is the
            // default) and, for the default one, without the number.
            CiSystem::Bamboo => {
                context.build_number = get("bamboo_buildNumber").unwrap_or_default();
                context.build_url = get("bamboo_buildResultsUrl").unwrap_or_default();
                context.repository_url = web_url(
                    &first(&["bamboo_planRepository_1_repositoryUrl", "bamboo_planRepository_repositoryUrl"])
                        .unwrap_or_default(),
                );
                context.commit =
                    first(&["bamboo_planRepository_1_revision", "bamboo_planRepository_revision"])
                        .unwrap_or_default();
                context.previous_commit = first(&[
                    "bamboo_planRepository_1_previousRevision",
                    "bamboo_planRepository_previousRevision",
                ]);
                context.pull_request = get("bamboo_repository_pr_key");
                context.branch = first(&[
                    "bamboo_repository_pr_sourceBranch",
                    "bamboo_planRepository_1_branchName",
                    "bamboo_planRepository_branchName",
                    "bamboo_planRepository_1_branch",
                ])
                .unwrap_or_default();
            }
            // Continua CI exports `ContinuaCI.Build.*` to actions (the names Cake's
            // ContinuaCIBuildInfo reads). It exports no link to the build and no repository
            // URL; git fills the repository from the clone's remote.
            CiSystem::ContinuaCi => {
                context.build_number = get("ContinuaCI.Build.BuildNumber").unwrap_or_default();
                context.commit = get("ContinuaCI.Build.LatestChangeset.Revision").unwrap_or_default();
                context.branch =
                    first(&["ContinuaCI.Build.LatestChangeset.Branch", "ContinuaCI.Build.TriggeringBranch"])
                        .map(|branch| strip_heads(&branch).to_owned())
                        .unwrap_or_default();
            }
            CiSystem::None => {}
        }
        context
    }

    /// Set branch and tag from a full ref (`refs/heads/x`, `refs/tags/v1`) or a bare name.
    fn set_ref(&mut self, reference: &str) {
        if let Some(tag) = reference.strip_prefix("refs/tags/") {
            self.tag = Some(tag.to_owned());
            self.branch = tag.to_owned();
        } else {
            self.branch = strip_heads(reference).to_owned();
        }
    }

    /// Build information with this context's fields (no commits or work items yet).
    pub fn to_build_information(&self) -> BuildInformation {
        BuildInformation {
            build_environment: self.environment.clone(),
            build_number: self.build_number.clone(),
            build_url: self.build_url.clone(),
            branch: self.branch.clone(),
            vcs_type: "Git".into(),
            vcs_root: self.repository_url.clone(),
            vcs_commit_number: self.commit.clone(),
            ..BuildInformation::default()
        }
    }
}

fn strip_heads(reference: &str) -> &str {
    reference.strip_prefix("refs/heads/").unwrap_or(reference)
}

/// `refs/pull/12/merge` → `12`.
fn pull_request_number(reference: &str) -> Option<String> {
    let rest = reference.strip_prefix("refs/pull/")?;
    Some(rest.split('/').next()?.to_owned()).filter(|n| !n.is_empty())
}

/// `pull_request.head.sha` from a GitHub event payload.
fn pull_request_head(event_path: &str) -> Option<String> {
    let text = std::fs::read_to_string(event_path).ok()?;
    let event: serde_json::Value = serde_json::from_str(&text).ok()?;
    event.pointer("/pull_request/head/sha")?.as_str().map(str::to_owned)
}

/// One key of a Java properties file (TeamCity's build properties), unescaped simply.
fn java_property(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        (name.trim() == key)
            .then(|| value.trim().replace("\\:", ":").replace("\\=", "=").replace("\\\\", "\\"))
    })
}

/// A repository URL as a browser link: credentials removed, `.git` dropped, and scp-style SSH
/// (`git@host:owner/repo.git`) or `ssh://` turned into `https://host/owner/repo`.
pub fn web_url(remote: &str) -> String {
    let remote = remote.trim();
    if remote.is_empty() {
        return String::new();
    }
    let https = if let Some((user_host, path)) =
        remote.split_once(':').filter(|(head, _)| !head.contains('/') && head.contains('@'))
    {
        let host = user_host.rsplit('@').next().unwrap_or(user_host);
        format!("https://{host}/{}", path.trim_start_matches('/'))
    } else {
        remote.to_owned()
    };
    let Ok(mut url) = url::Url::parse(&https) else {
        return String::new();
    };
    if url.scheme() == "ssh" || url.scheme() == "git" {
        let rebuilt = format!("https://{}{}", url.host_str().unwrap_or_default(), url.path());
        match url::Url::parse(&rebuilt) {
            Ok(parsed) => url = parsed,
            Err(_) => return String::new(),
        }
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    let text = url.to_string();
    text.trim_end_matches('/').trim_end_matches(".git").to_owned()
}
