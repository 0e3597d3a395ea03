//! [`DeploymentServer`] for GitHub: the project is the repository, a release is a GitHub Release
//! whose tag comes from the tag format, a deployment is a GitHub Deployment of that tag, and its
//! task is the deployment's statuses.
//!
//! GitHub has no lifecycles. When ferry.toml declares one, this server enforces it itself, from
//! the deployments and statuses GitHub holds: a release may go to an environment once every
//! environment of the earlier (non-optional) phases has a successful deployment of its tag.
//! Release ids are tags and task ids are deployment ids, so the flow's selection (promote,
//! rollback) works unchanged.

mod error;
mod exec;

use std::collections::HashMap;
use std::sync::Mutex;

use ferry_core::deploy_env::DeployVariables;
use ferry_core::version::Version;
use ferry_github::{DeploymentState, GitHubClient, NewDeployment, NewStatus, TagFormat};

pub use error::GitHubServerError;
pub use exec::{ExecOutcome, Extractor, LocalDeployer};

use crate::DeploymentServer;
use crate::model::{
    BuildInformation, CreatedRelease, DeployRequest, Deployment, Environment, IfExists, Lifecycle, Phase,
    Project, PushStatus, PushedPackage, Release, ReleasePackage, ReleaseRequest, StartedDeployment,
    StoredBuildInformation, Task, TaskState,
};
use ferry_github::{AssetContent, PushOutcome, build_info_asset_name};

/// GitHub Releases and Deployments of one repository, as a deployment server.
pub struct GitHubServer {
    client: GitHubClient,
    tag_format: TagFormat,
    /// The commit a new release's tag points at: `GITHUB_SHA`, else `HEAD`.
    commit: String,
    lifecycle: Option<Lifecycle>,
    deployer: Option<LocalDeployer>,
    /// The output of deploy commands run here, by deployment id: GitHub keeps no logs.
    logs: Mutex<HashMap<String, Vec<String>>>,
}

type Result<T> = std::result::Result<T, GitHubServerError>;

impl GitHubServer {
    /// A server over `client`. `lifecycle` is ferry.toml's lifecycle for the project, with
    /// environments named by name (`None`: any environment); `deployer` runs deployments here
    /// (`--exec`); without it a deployment is left to an external deployer.
    pub fn new(
        client: GitHubClient,
        tag_format: TagFormat,
        commit: String,
        lifecycle: Option<Lifecycle>,
        deployer: Option<LocalDeployer>,
    ) -> GitHubServer {
        GitHubServer { client, tag_format, commit, lifecycle, deployer, logs: Mutex::new(HashMap::new()) }
    }

    /// The release of `version`, a draft created at the build's commit when there is none yet:
    /// where packages and build information are pushed before `release create` publishes it.
    async fn release_for_push(&self, version: &Version) -> Result<ferry_github::Release> {
        let new = ferry_github::NewRelease {
            version,
            tag_format: &self.tag_format,
            commit: &self.commit,
            notes: None,
        };
        Ok(self.client.ensure_draft_release(&new).await?)
    }

    /// The build information asset of `package_id` on the release of `version`, read.
    async fn read_build_information(
        &self,
        package_id: &str,
        version: &Version,
    ) -> Result<Option<StoredBuildInformation>> {
        let tag = self.tag_format.tag(version);
        let Some(release) = self.client.find_release(&tag).await? else { return Ok(None) };
        let name = build_info_asset_name(package_id);
        let Some(asset) = release.assets.iter().find(|asset| asset.name == name) else { return Ok(None) };
        let bytes = self.client.download_asset(asset).await?;
        let info: BuildInformation = serde_json::from_slice(&bytes).map_err(|err| {
            GitHubServerError::BadBuildInformation { name: name.clone(), message: err.to_string() }
        })?;
        Ok(Some(StoredBuildInformation {
            id: asset.id.to_string(),
            package_id: package_id.to_owned(),
            version: version.original().to_owned(),
            info,
        }))
    }

    /// The client, for what the trait does not cover yet (assets, publishing).
    pub fn client(&self) -> &GitHubClient {
        &self.client
    }

    /// The tag format.
    pub fn tag_format(&self) -> &TagFormat {
        &self.tag_format
    }

    fn repository(&self) -> String {
        self.client.target().full_name()
    }

    fn version(&self, text: &str) -> Result<Version> {
        text.parse().map_err(|_| GitHubServerError::BadVersion(text.to_owned()))
    }

    /// The published release with `tag`, as the flow sees it.
    async fn published(&self, tag: &str) -> Result<Option<(ferry_github::Release, Release)>> {
        let Some(release) = self.client.find_release(tag).await?.filter(|release| !release.draft) else {
            return Ok(None);
        };
        let Some(version) = self.tag_format.version_of(&release.tag_name) else {
            return Ok(None);
        };
        let flow = Release { id: release.tag_name.clone(), version: version.original().to_owned() };
        Ok(Some((release, flow)))
    }

    /// Every environment the lifecycle names, in lifecycle order.
    fn lifecycle_environments(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for phase in self.lifecycle.iter().flat_map(|lifecycle| &lifecycle.phases) {
            for name in phase.environments() {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// Whether `tag` has a successful deployment to `environment`.
    async fn succeeded_in(&self, tag: &str, environment: &str) -> Result<bool> {
        for deployment in self.client.list_deployments(environment, Some(tag)).await? {
            let statuses = self.client.list_statuses(deployment.id).await?;
            if statuses.iter().any(|status| status.state == DeploymentState::Success) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The phases of the lifecycle, each entered when every environment of the non-optional
    /// phases before it has a successful deployment of `tag` (the first phase always is).
    async fn phases_for(&self, tag: &str) -> Result<Vec<Phase>> {
        let Some(lifecycle) = &self.lifecycle else { return Ok(Vec::new()) };
        let mut phases = Vec::new();
        let mut open = true;
        for phase in &lifecycle.phases {
            phases.push(Phase { entered: open, ..phase.clone() });
            if open && !phase.is_optional {
                for environment in phase.environments() {
                    if !self.succeeded_in(tag, environment).await? {
                        open = false;
                        break;
                    }
                }
            }
        }
        Ok(phases)
    }

    /// Refuse `environment` unless the lifecycle lets `release` go there now.
    async fn check_lifecycle(&self, release: &Release, environment: &str) -> Result<()> {
        let Some(lifecycle) = self.lifecycle.as_ref().filter(|l| !l.phases.is_empty()) else {
            return Ok(());
        };
        let phases = self.phases_for(&release.id).await?;
        let Some(position) = phases.iter().position(|p| p.environments().any(|env| env == environment))
        else {
            return Err(GitHubServerError::NotInLifecycle {
                lifecycle: lifecycle.name.clone(),
                environment: environment.to_owned(),
            });
        };
        if phases[position].entered {
            return Ok(());
        }
        let mut first = Vec::new();
        for phase in phases[..position].iter().filter(|p| !p.is_optional) {
            for name in phase.environments() {
                if !self.succeeded_in(&release.id, name).await? {
                    first.push(name.clone());
                }
            }
        }
        Err(GitHubServerError::LifecycleRefused {
            lifecycle: lifecycle.name.clone(),
            version: release.version.clone(),
            environment: environment.to_owned(),
            first,
        })
    }

    /// Whether `environment` is the lifecycle's last phase: GitHub's `production_environment`.
    fn is_production(&self, environment: &str) -> bool {
        self.lifecycle
            .as_ref()
            .and_then(|lifecycle| lifecycle.phases.last())
            .is_some_and(|phase| phase.environments().any(|env| env == environment))
    }

    /// Download the release's packages into `work` and unpack each into `work/<packageId>`, as
    /// `ferry server` does for its deploy commands; returns `(package id, folder)`.
    async fn unpack(
        &self,
        deployer: &LocalDeployer,
        release: &ferry_github::Release,
        work: &std::path::Path,
    ) -> Result<Vec<(String, String)>> {
        let mut unpacked = Vec::new();
        for asset in &release.assets {
            let Ok(parsed) = ferry_core::package_id::parse_package_file_name(&asset.name) else { continue };
            let failed = |message: String| GitHubServerError::Unpack { asset: asset.name.clone(), message };
            let archive = work.join(format!(".download-{}", asset.id));
            let bytes = self.client.download_asset(asset).await?;
            tokio::fs::write(&archive, &bytes).await.map_err(|err| failed(err.to_string()))?;
            let target = work.join(parsed.id.as_str());
            let extract = deployer.extract.clone();
            let (source, into) = (archive.clone(), target.clone());
            tokio::task::spawn_blocking(move || extract(&source, parsed.format, &into))
                .await
                .map_err(|err| failed(err.to_string()))?
                .map_err(failed)?;
            let _ = tokio::fs::remove_file(&archive).await;
            unpacked.push((parsed.id.as_str().to_owned(), target.display().to_string()));
        }
        Ok(unpacked)
    }

    /// Unpack the release's packages into a fresh work folder and run the deploy command.
    async fn prepare_and_run(
        &self,
        deployer: &LocalDeployer,
        request: &DeployRequest,
        release: &ferry_github::Release,
        environment: &str,
        id: &str,
    ) -> Result<ExecOutcome> {
        let work = tempfile::Builder::new().prefix("ferry-deploy-").tempdir().map_err(|err| {
            GitHubServerError::Unpack { asset: String::new(), message: format!("no work folder: {err}") }
        })?;
        let packages = self.unpack(deployer, release, work.path()).await?;
        let work_dir = work.path().display().to_string();
        let variables = DeployVariables {
            project: &request.project.name,
            release_version: &request.release.version,
            release_id: &request.release.id,
            environment,
            deployment_id: id,
            task_id: id,
            work_dir: &work_dir,
            packages: packages.iter().map(|(id, dir)| (id.as_str(), dir.clone())).collect(),
        };
        deployer
            .run(&variables)
            .await
            .map_err(|source| GitHubServerError::Exec { command: deployer.command.clone(), source })
    }

    /// Run the deploy command for `deployment` and report it as its statuses.
    async fn run_here(
        &self,
        deployer: &LocalDeployer,
        request: &DeployRequest,
        release: &ferry_github::Release,
        deployment: &ferry_github::Deployment,
    ) -> Result<()> {
        let id = deployment.id.to_string();
        let log_url = deployer.log_url.as_deref();
        let status = |state, description| NewStatus { state, log_url, description };
        self.client
            .set_deployment_status(
                deployment,
                &status(DeploymentState::InProgress, "ferry --exec is deploying"),
            )
            .await?;
        // A deployment that cannot start (a package that does not unpack, no shell) fails like a
        // failed command, so its statuses never stop at `in_progress`.
        let outcome =
            match self.prepare_and_run(deployer, request, release, &deployment.environment, &id).await {
                Ok(outcome) => outcome,
                Err(error) => ExecOutcome { success: false, reason: error.to_string(), log: Vec::new() },
            };
        let mut log = outcome.log;
        log.push(outcome.reason.clone());
        self.logs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(id, log);
        let state = if outcome.success { DeploymentState::Success } else { DeploymentState::Failure };
        self.client.set_deployment_status(deployment, &status(state, &outcome.reason)).await?;
        Ok(())
    }
}

/// A deployment's statuses (newest first) as a task state.
fn task_state(statuses: &[ferry_github::DeploymentStatus]) -> TaskState {
    match statuses.first().map(|status| status.state) {
        None | Some(DeploymentState::Pending | DeploymentState::Queued) => TaskState::Queued,
        Some(DeploymentState::InProgress) => TaskState::Executing,
        Some(DeploymentState::Success) => TaskState::Success,
        Some(DeploymentState::Failure | DeploymentState::Error) => TaskState::Failed,
        // `auto_inactive` marks the previous successful deployment inactive when a newer one
        // succeeds: it still succeeded.
        Some(DeploymentState::Inactive) => {
            if statuses.iter().any(|status| status.state == DeploymentState::Success) {
                TaskState::Success
            } else {
                TaskState::Canceled
            }
        }
    }
}

/// From the first status to the latest, in the words `ferry server` uses.
/// Seconds from the first status to the newest (statuses come newest first).
fn ran_for_seconds(statuses: &[ferry_github::DeploymentStatus]) -> Option<i64> {
    let at = |status: &ferry_github::DeploymentStatus| status.created_at.parse::<jiff::Timestamp>().ok();
    let (first, last) = (at(statuses.last()?)?, at(statuses.first()?)?);
    Some((last.as_second() - first.as_second()).max(0))
}

fn flow_deployment(deployment: &ferry_github::Deployment) -> Deployment {
    Deployment {
        id: deployment.id.to_string(),
        release_id: deployment.git_ref.clone(),
        environment_id: deployment.environment.clone(),
        task_id: deployment.id.to_string(),
    }
}

fn parse_id(id: &str) -> Result<u64> {
    id.parse().map_err(|_| {
        GitHubServerError::GitHub(ferry_github::GitHubError::new(
            ferry_github::ErrorKind::Usage,
            format!("looking up the deployment {id}"),
            "a GitHub deployment id is a number",
        ))
    })
}

/// What happened to an asset, in the words of a package push.
fn push_status(outcome: PushOutcome) -> PushStatus {
    match outcome {
        PushOutcome::Uploaded | PushOutcome::Unchanged => PushStatus::Created,
        PushOutcome::KeptExisting => PushStatus::Ignored,
        PushOutcome::Replaced => PushStatus::Overwritten,
    }
}

impl DeploymentServer for GitHubServer {
    type Error = GitHubServerError;

    /// A release asset on the (draft) release of the file's version.
    async fn push_package(&self, file: &std::path::Path, if_exists: IfExists) -> Result<PushedPackage> {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let parsed = ferry_core::package_id::parse_package_file_name(&name)?;
        let release = self.release_for_push(&parsed.version).await?;
        let pushed = self
            .client
            .push_asset(
                &release,
                &name,
                "application/octet-stream",
                &AssetContent::File(file.to_owned()),
                if_exists,
            )
            .await?;
        Ok(PushedPackage {
            path: file.to_owned(),
            package_id: parsed.id.as_str().to_owned(),
            version: parsed.version.original().to_owned(),
            status: push_status(pushed.outcome),
        })
    }

    /// A `buildinfo.<packageId>.json` asset on the (draft) release of `version`.
    async fn push_build_information(
        &self,
        package_id: &str,
        version: &str,
        info: &BuildInformation,
        if_exists: IfExists,
    ) -> Result<StoredBuildInformation> {
        let parsed = self.version(version)?;
        let release = self.release_for_push(&parsed).await?;
        let pushed = self.client.push_build_information(&release, package_id, info, if_exists).await?;
        let info = match pushed.outcome {
            // The asset kept is the one on GitHub, not the one given.
            PushOutcome::KeptExisting => match self.read_build_information(package_id, &parsed).await? {
                Some(stored) => stored.info,
                None => info.clone(),
            },
            _ => info.clone(),
        };
        Ok(StoredBuildInformation {
            id: pushed.asset.id.to_string(),
            package_id: package_id.to_owned(),
            version: version.to_owned(),
            info,
        })
    }

    async fn build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>> {
        self.read_build_information(package_id, &self.version(version)?).await
    }

    /// From the highest release of this tag format below `version` (drafts included: their
    /// build information was pushed by an earlier build).
    async fn previous_build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>> {
        let version = self.version(version)?;
        let mut earlier: Vec<Version> = self
            .client
            .list_releases()
            .await?
            .iter()
            .filter_map(|release| self.tag_format.version_of(&release.tag_name))
            .filter(|other| *other < version)
            .collect();
        earlier.sort();
        match earlier.last() {
            Some(previous) => self.read_build_information(package_id, previous).await,
            None => Ok(None),
        }
    }

    /// Publish the release of the version (the draft the pushes made, or a new one at the
    /// build's commit): `prerelease` for SemVer pre-releases, "latest" only for the highest
    /// stable version. GitHub has no channels and starts no deployments by itself.
    async fn create_release(&self, request: &ReleaseRequest) -> Result<CreatedRelease> {
        let text = request.version.as_deref().ok_or(GitHubServerError::NoVersion)?;
        let version = self.version(text)?;
        let tag = self.tag_format.tag(&version);
        let existing = self.client.find_release(&tag).await?.filter(|release| !release.draft);
        let (release, existing) = match existing {
            Some(_) if !request.use_existing => {
                return Err(GitHubServerError::ReleaseExists { repository: self.repository(), tag });
            }
            Some(release) => (release, true),
            None => {
                let commit = request.git_commit.clone().unwrap_or_else(|| self.commit.clone());
                let new = ferry_github::NewRelease {
                    version: &version,
                    tag_format: &self.tag_format,
                    commit: &commit,
                    notes: request.notes.as_deref(),
                };
                let draft = self.client.ensure_draft_release(&new).await?;
                let published = self
                    .client
                    .publish_release(&draft, &version, &self.tag_format, request.notes.as_deref())
                    .await?;
                (published, false)
            }
        };
        let packages = release
            .assets
            .iter()
            .filter_map(|asset| ferry_core::package_id::parse_package_file_name(&asset.name).ok())
            .map(|parsed| ReleasePackage {
                package_id: parsed.id.as_str().to_owned(),
                version: parsed.version.original().to_owned(),
                ..ReleasePackage::default()
            })
            .collect();
        Ok(CreatedRelease {
            release: Release { id: release.tag_name, version: version.original().to_owned() },
            existing,
            channel: String::new(),
            packages,
            automatic_deployments: Vec::new(),
        })
    }

    /// The repository, under the name given when it names the repository (`REPO` or
    /// `OWNER/REPO`) or the tag format's prefix (a monorepo's `api/v{version}`).
    async fn find_project(&self, name: &str) -> Result<Project> {
        let target = self.client.target();
        let sample: Version = "1.0.0".parse().map_err(|_| GitHubServerError::BadVersion("1.0.0".into()))?;
        let tag_prefix = self.tag_format.tag(&sample);
        let matches = name.eq_ignore_ascii_case(&target.repo)
            || name.eq_ignore_ascii_case(&target.full_name())
            || tag_prefix.starts_with(&format!("{name}/"));
        if !matches {
            return Err(GitHubServerError::OtherProject {
                project: name.to_owned(),
                repository: target.full_name(),
            });
        }
        Ok(Project { id: target.full_name(), name: name.to_owned(), lifecycle_id: None })
    }

    async fn environments(&self) -> Result<Vec<Environment>> {
        Ok(self
            .lifecycle_environments()
            .into_iter()
            .map(|name| Environment { id: name.clone(), name })
            .collect())
    }

    /// Any name is an environment on GitHub: a deployment creates it.
    async fn find_environments(&self, names: &[String]) -> Result<Vec<Environment>> {
        Ok(names.iter().map(|name| Environment { id: name.clone(), name: name.clone() }).collect())
    }

    async fn find_release(&self, _project: &Project, version: &str) -> Result<Option<Release>> {
        let tag = self.tag_format.tag(&self.version(version)?);
        Ok(self.published(&tag).await?.map(|(_, release)| release))
    }

    async fn release(&self, id: &str) -> Result<Release> {
        match self.published(id).await? {
            Some((_, release)) => Ok(release),
            None => Err(GitHubServerError::NoRelease {
                repository: self.repository(),
                tag: id.to_owned(),
                version: self.tag_format.version_of(id).map(|v| v.original().to_owned()).unwrap_or_default(),
            }),
        }
    }

    /// Published releases whose tag has the tag format (drafts hold pushed packages only).
    async fn releases(&self, _project: &Project) -> Result<Vec<Release>> {
        Ok(self
            .client
            .list_releases()
            .await?
            .into_iter()
            .filter(|release| !release.draft)
            .filter_map(|release| {
                let version = self.tag_format.version_of(&release.tag_name)?;
                Some(Release { id: release.tag_name, version: version.original().to_owned() })
            })
            .collect())
    }

    /// GitHub lists deployments per environment: without one, those of every lifecycle
    /// environment, newest first.
    async fn deployments(
        &self,
        _project: &Project,
        environment: Option<&Environment>,
    ) -> Result<Vec<Deployment>> {
        let names = match environment {
            Some(environment) => vec![environment.name.clone()],
            None => self.lifecycle_environments(),
        };
        let mut deployments = Vec::new();
        for name in names {
            deployments.extend(self.client.list_deployments(&name, None).await?);
        }
        deployments.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        // Only this tag format's releases belong to the project (a monorepo shares deployments).
        Ok(deployments
            .iter()
            .filter(|deployment| self.tag_format.version_of(&deployment.git_ref).is_some())
            .map(flow_deployment)
            .collect())
    }

    /// One GitHub Deployment per environment, after the lifecycle allows it. With `--exec` the
    /// deploy command runs here before this returns; otherwise the deployment waits for an
    /// external deployer (a workflow on the `deployment` event).
    async fn deploy(&self, request: &DeployRequest) -> Result<Vec<StartedDeployment>> {
        let version = self.version(&request.release.version)?;
        let (release, _) =
            self.published(&request.release.id).await?.ok_or_else(|| GitHubServerError::NoRelease {
                repository: self.repository(),
                tag: request.release.id.clone(),
                version: request.release.version.clone(),
            })?;
        let asset_urls: Vec<String> =
            release.assets.iter().map(|asset| asset.browser_download_url.clone()).collect();
        for environment in &request.environments {
            self.check_lifecycle(&request.release, &environment.name).await?;
        }
        let mut started = Vec::new();
        for environment in &request.environments {
            let description =
                format!("{} {} to {}", request.project.name, request.release.version, environment.name);
            let deployment = self
                .client
                .create_deployment(&NewDeployment {
                    tag: &release.tag_name,
                    version: &version,
                    environment: &environment.name,
                    asset_urls: &asset_urls,
                    production: self.is_production(&environment.name),
                    description: &description,
                })
                .await?;
            if let Some(deployer) = &self.deployer {
                self.run_here(deployer, request, &release, &deployment).await?;
            }
            started.push(StartedDeployment {
                environment: environment.name.clone(),
                deployment_id: deployment.id.to_string(),
                task_id: deployment.id.to_string(),
            });
        }
        Ok(started)
    }

    async fn task(&self, id: &str) -> Result<Task> {
        let statuses = self.client.list_statuses(parse_id(id)?).await?;
        let state = task_state(&statuses);
        let latest = statuses.first();
        Ok(Task {
            id: id.to_owned(),
            completed: state.is_final(),
            error_message: (state == TaskState::Failed)
                .then(|| latest.and_then(|status| status.description.clone()))
                .flatten(),
            description: latest.and_then(|status| status.description.clone()).unwrap_or_default(),
            duration: state
                .is_final()
                .then(|| ran_for_seconds(&statuses).map(ferry_core::duration::task_duration_words))
                .flatten(),
            duration_seconds: ran_for_seconds(&statuses),
            state,
            // GitHub deployments have no interruptions: a person answers through the external
            // deployer's own workflow, which reports a status when it is done.
            has_pending_interruptions: false,
        })
    }

    /// The output of the deploy command when it ran here; else the statuses, oldest first.
    async fn task_log(&self, id: &str) -> Result<String> {
        if let Some(log) = self.logs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(id) {
            return Ok(log.join("\n"));
        }
        let statuses = self.client.list_statuses(parse_id(id)?).await?;
        let lines: Vec<String> = statuses
            .iter()
            .rev()
            .map(|status| {
                let mut line = status.state.as_str().to_owned();
                if let Some(description) = status.description.as_deref().filter(|d| !d.is_empty()) {
                    line.push_str(&format!(": {description}"));
                }
                if let Some(url) = status.log_url.as_deref() {
                    line.push_str(&format!(" ({url})"));
                }
                line
            })
            .collect();
        Ok(lines.join("\n"))
    }

    /// GitHub cannot stop an external deployer: the deployment is marked `error`, so it does not
    /// count as a success whatever the deployer does later.
    async fn cancel_task(&self, id: &str) -> Result<()> {
        let id = parse_id(id)?;
        let deployment = self.client.deployment(id).await?;
        self.client
            .set_deployment_status(
                &deployment,
                &NewStatus {
                    state: DeploymentState::Error,
                    log_url: None,
                    description: "Ferry stopped waiting and canceled this deployment",
                },
            )
            .await?;
        Ok(())
    }

    async fn lifecycle(&self, _project: &Project, _channel: Option<&str>) -> Result<Option<Lifecycle>> {
        Ok(self.lifecycle.clone())
    }

    async fn progression(&self, release: &Release) -> Result<Vec<Phase>> {
        self.phases_for(&release.id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_github::DeploymentStatus;

    fn status(state: DeploymentState, created_at: &str) -> DeploymentStatus {
        DeploymentStatus { id: 1, state, log_url: None, description: None, created_at: created_at.to_owned() }
    }

    #[test]
    fn statuses_read_newest_first_as_a_task_state() {
        use DeploymentState::*;
        assert_eq!(task_state(&[]), TaskState::Queued, "no status yet: waiting for a deployer");
        assert_eq!(task_state(&[status(InProgress, "")]), TaskState::Executing);
        assert_eq!(task_state(&[status(Error, ""), status(InProgress, "")]), TaskState::Failed);
        assert_eq!(
            task_state(&[status(Inactive, ""), status(Success, "")]),
            TaskState::Success,
            "a newer deployment made it inactive; it still succeeded"
        );
        assert_eq!(task_state(&[status(Inactive, "")]), TaskState::Canceled);
    }

    #[test]
    fn a_task_ran_from_its_first_status_to_its_last() {
        let statuses = [
            status(DeploymentState::Success, "2026-11-28T10:01:30Z"),
            status(DeploymentState::InProgress, "2026-11-28T10:00:00Z"),
        ];
        assert_eq!(ran_for_seconds(&statuses), Some(90));
        assert_eq!(ran_for_seconds(&[]), None);
    }
}
