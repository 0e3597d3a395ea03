//! The operations Ferry performs: name resolution, releases, deployments, tasks and build
//! information. Creating a release or a deployment is never repeated blindly: after an ambiguous
//! failure the client looks for what the first attempt may have created.

use std::collections::HashSet;

use ferry_core::build_info::BuildInformation;
use ferry_core::deploy_options::DeploymentOptions;
use ferry_core::if_exists::IfExists;
use ferry_core::version::compare_text;
use reqwest::Method;
use serde_json::json;

use crate::client::{Client, Retry};
use crate::error::{self, ErrorKind, OctopusError};
use crate::model::{
    Channel, Deployment, DeploymentProcess, DeploymentServerTask, Environment, Interruption, Lifecycle,
    PackageResource, Page, Progression, Project, Release, ReleaseTemplate, Task, TaskDetails,
};

/// Octopus's `overwriteMode` name for ferry-core's one overwrite type.
pub(crate) fn overwrite_mode(if_exists: IfExists) -> &'static str {
    match if_exists {
        IfExists::Fail => "FailIfExists",
        IfExists::Ignore => "IgnoreIfExists",
        IfExists::Overwrite => "OverwriteExisting",
    }
}

/// A release to create.
#[derive(Debug, Clone, Default)]
pub struct CreateRelease {
    /// The project (resolved).
    pub project: Project,
    /// Release version; `None` lets the server choose.
    pub version: Option<String>,
    /// Channel name or id.
    pub channel: Option<String>,
    /// `ID:VERSION`, `STEP:VERSION` or `STEP:REF:VERSION` specs.
    pub packages: Vec<String>,
    /// Version for every other package.
    pub package_version: Option<String>,
    /// Markdown release notes.
    pub release_notes: Option<String>,
    /// Return the existing release instead of failing.
    pub ignore_existing: bool,
    /// Git reference (version-controlled projects).
    pub git_ref: Option<String>,
    /// Git commit (version-controlled projects).
    pub git_commit: Option<String>,
}

/// The release that [`Client::create_release`] created or found.
#[derive(Debug, Clone)]
pub struct CreatedRelease {
    /// The release.
    pub release: Release,
    /// Whether it existed before this run.
    pub existing: bool,
}

/// Deployments to create.
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    /// The project (resolved).
    pub project: Project,
    /// The release (resolved).
    pub release: Release,
    /// Environments (resolved).
    pub environments: Vec<Environment>,
    /// Tenant names or ids; empty for untenanted.
    pub tenants: Vec<String>,
    /// Prompted variable values.
    pub variables: Vec<(String, String)>,
    /// Tenant tags, machines, skipped steps, schedule, guided failure.
    pub options: DeploymentOptions,
}

impl DeployRequest {
    /// Tenanted when tenants or tenant tags are named, as the Go CLI decides.
    pub fn is_tenanted(&self) -> bool {
        !self.tenants.is_empty() || !self.options.tenant_tags.is_empty()
    }
}

/// One deployment created by [`Client::deploy`].
#[derive(Debug, Clone)]
pub struct CreatedDeployment {
    /// Environment name.
    pub environment: String,
    /// `Deployments-N`.
    pub deployment_id: String,
    /// `ServerTasks-N`.
    pub task_id: String,
}

/// Build information as stored on the server.
#[derive(Debug, Clone)]
pub struct StoredBuildInformation {
    /// `BuildInformation-N`.
    pub id: String,
    /// Package id.
    pub package_id: String,
    /// Package version.
    pub version: String,
    /// The information.
    pub info: BuildInformation,
}

impl Client {
    /// Resolve a project as the Go CLI does (`GetByIdentifier`): `projects/{id or slug}`, and on
    /// a 404 `projects?partialName=` with an exact, case-insensitive name match. Octopus answers
    /// `projects/{x}` for ids and slugs only, and the project list is never read whole.
    pub async fn find_project(&self, wanted: &str) -> Result<Project, OctopusError> {
        let doing = format!("finding project {wanted} on {}", self.server_name());
        let direct = self.space_path(&format!("projects/{}", encode_segment(wanted)));
        if let Some(project) = self.get_optional::<Project>(&doing, &direct).await?
            && !project.id.is_empty()
        {
            return Ok(project);
        }
        let path = format!("projects?partialName={}&take={PARTIAL_NAME_TAKE}", encode_query(wanted));
        let similar: Vec<Project> = self.get_all(&doing, &self.space_path(&path)).await?;
        if let Some(project) = similar.iter().find(|p| p.name.eq_ignore_ascii_case(wanted)) {
            return Ok(project.clone());
        }
        // For the hint only: the first page of names, when no name contains what was asked.
        let names: Vec<Project> = if similar.is_empty() {
            let page: Page<Project> =
                self.get_json(&doing, &self.space_path(&format!("projects?take={HINT_TAKE}"))).await?;
            page.items
        } else {
            similar
        };
        Err(not_found(doing, "project", wanted, names.iter().map(|p| p.name.as_str()), "--project"))
    }

    /// Every environment of the space.
    pub async fn environments(&self) -> Result<Vec<Environment>, OctopusError> {
        let doing = format!("listing environments on {}", self.server_name());
        self.get_all(&doing, &self.space_path("environments?take=1000")).await
    }

    /// Resolve environments by name or id, with close names in the error.
    pub async fn find_environments(&self, wanted: &[String]) -> Result<Vec<Environment>, OctopusError> {
        let all = self.environments().await?;
        wanted
            .iter()
            .map(|name| {
                all.iter()
                    .find(|e| e.name.eq_ignore_ascii_case(name))
                    .or_else(|| all.iter().find(|e| e.id.eq_ignore_ascii_case(name)))
                    .cloned()
                    .ok_or_else(|| {
                        not_found(
                            format!("finding environment {name} on {}", self.server_name()),
                            "environment",
                            name,
                            all.iter().map(|e| e.name.as_str()),
                            self.environment_flag(name),
                        )
                    })
            })
            .collect()
    }

    /// The flag the user typed `name` with (see [`crate::ClientOptions::environment_flags`]).
    fn environment_flag(&self, name: &str) -> &str {
        self.options
            .environment_flags
            .iter()
            .find(|(typed, _)| typed == name)
            .map_or("--environment", |(_, flag)| flag.as_str())
    }

    /// The project's channels.
    pub async fn channels(&self, project: &Project) -> Result<Vec<Channel>, OctopusError> {
        let doing = format!("listing channels of {}", project.name);
        self.get_all(&doing, &self.space_path(&format!("projects/{}/channels?take=1000", project.id))).await
    }

    /// Resolve a channel of `project` by name or id.
    pub async fn find_channel(&self, project: &Project, wanted: &str) -> Result<Channel, OctopusError> {
        let all = self.channels(project).await?;
        all.iter()
            .find(|c| c.name.eq_ignore_ascii_case(wanted) || c.id.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| {
                not_found(
                    format!("finding channel {wanted} of {}", project.name),
                    "channel",
                    wanted,
                    all.iter().map(|c| c.name.as_str()),
                    "--channel",
                )
            })
    }

    /// A channel by id, when it exists.
    pub async fn channel(&self, id: &str) -> Result<Option<Channel>, OctopusError> {
        self.get_optional(&format!("reading channel {id}"), &self.space_path(&format!("channels/{id}"))).await
    }

    /// The release `version` of `project`, when it exists.
    pub async fn find_release(
        &self,
        project: &Project,
        version: &str,
    ) -> Result<Option<Release>, OctopusError> {
        let doing = format!("looking up release {version} of {}", project.name);
        let path = self.space_path(&format!("projects/{}/releases/{}", project.id, encode_segment(version)));
        Ok(self.get_optional::<Release>(&doing, &path).await?.filter(|r| !r.id.is_empty()))
    }

    /// A release by id.
    pub async fn release(&self, id: &str) -> Result<Release, OctopusError> {
        self.get_json(&format!("reading release {id}"), &self.space_path(&format!("releases/{id}"))).await
    }

    /// Every release of `project`, as the server orders them (newest first on Octopus).
    pub async fn releases(&self, project: &Project) -> Result<Vec<Release>, OctopusError> {
        let doing = format!("listing releases of {}", project.name);
        self.get_all(&doing, &self.space_path(&format!("projects/{}/releases?take=1000", project.id))).await
    }

    /// At most `take` of `project`'s newest releases, in one request.
    pub async fn recent_releases(
        &self,
        project: &Project,
        take: usize,
    ) -> Result<Vec<Release>, OctopusError> {
        let doing = format!("reading recent releases of {}", project.name);
        let path = self.space_path(&format!("projects/{}/releases?take={take}", project.id));
        Ok(self.get_json::<Page<Release>>(&doing, &path).await?.items)
    }

    /// The deployment process template: the packages a release of `project` needs. A
    /// config-as-code project's process lives in Git and is read at `git_ref` by following the
    /// project's links, as the Go CLI does: `Links.DeploymentProcess` (with `{gitRef}` in the
    /// path) to the process, then its `Links.Template` (OctopusDeploy/cli
    /// test/fixtures/projects.go; go-octopusdeploy deployment_process_service.go `GetTemplate`).
    pub async fn release_template(
        &self,
        project: &Project,
        git_ref: Option<&str>,
    ) -> Result<ReleaseTemplate, OctopusError> {
        if !project.is_version_controlled {
            let doing = format!("reading the deployment process of {}", project.name);
            let path = self.space_path(&format!("projects/{}/deploymentprocesses/template", project.id));
            return self.get_json(&doing, &path).await;
        }
        let Some(git_ref) = git_ref.filter(|r| !r.trim().is_empty()) else {
            return Err(OctopusError::new(
                ErrorKind::Usage,
                format!("reading the deployment process of {}", project.name),
                format!(
                    "{} is a version-controlled project: its deployment process is read at a Git ref",
                    project.name
                ),
            )
            .hint("pass --git-ref REF (a branch such as refs/heads/main, or a tag)"));
        };
        let doing = format!("reading the deployment process of {} at {git_ref}", project.name);
        let process_link = match project.links.get("DeploymentProcess") {
            Some(link) => link.clone(),
            None => format!(
                "/{}",
                self.space_path(&format!("projects/{}/{{gitRef}}/deploymentprocesses", project.id))
            ),
        };
        let process: DeploymentProcess =
            self.get_json(&doing, &expand_link(&process_link, Some(git_ref))).await?;
        let template_link = process.links.get("Template").ok_or_else(|| {
            OctopusError::new(
                ErrorKind::InvalidResponse,
                doing.clone(),
                "the deployment process has no Template link",
            )
        })?;
        self.get_json(&doing, &expand_link(template_link, None)).await
    }

    /// Create a release; see the module docs for how retries avoid duplicates.
    pub async fn create_release(&self, request: &CreateRelease) -> Result<CreatedRelease, OctopusError> {
        let project = &request.project;
        let doing = format!(
            "creating release {}of {} on {}",
            request.version.as_deref().map(|v| format!("{v} ")).unwrap_or_default(),
            project.name,
            self.server_name()
        );
        // What exists before: decides `existing`, and what a lost response may have created.
        let before: HashSet<String> = match &request.version {
            Some(version) => {
                if let Some(release) = self.find_release(project, version).await? {
                    if request.ignore_existing {
                        return Ok(CreatedRelease { release, existing: true });
                    }
                    return Err(OctopusError::new(
                        ErrorKind::Conflict,
                        doing,
                        format!("release {version} of {} exists already ({})", project.name, release.id),
                    )
                    .hint("pass --if-exists ignore to use the existing release, or give another --version"));
                }
                HashSet::new()
            }
            // Only the newest: what appears above it afterwards is new.
            None => self.recent_releases(project, 1).await?.into_iter().map(|r| r.id).collect(),
        };
        let mut body = json!({
            "SpaceId": self.space_id,
            "SpaceIdOrName": self.space_id,
            "ProjectName": project.name,
            "IgnoreIfAlreadyExists": request.ignore_existing,
            "IgnoreChannelRules": false,
        });
        let fields = [
            ("ReleaseVersion", &request.version),
            ("ChannelName", &request.channel),
            ("PackageVersion", &request.package_version),
            ("ReleaseNotes", &request.release_notes),
            ("GitRef", &request.git_ref),
            ("GitCommit", &request.git_commit),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                body[name] = json!(value);
            }
        }
        if !request.packages.is_empty() {
            body["Packages"] = json!(request.packages);
        }
        self.require_executions_api(&doing, "releases/create/v1")?;
        let path = self.space_path("releases/create/v1");
        let attempts = self.options.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let result: Result<(_, serde_json::Value), _> =
                self.send_json(&doing, Method::POST, &path, &body, Retry::Never).await;
            match result {
                Ok((_, answer)) => {
                    let id = answer
                        .get("ReleaseId")
                        .or_else(|| answer.get("releaseId"))
                        .or_else(|| answer.get("Id"))
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    let release = self.release(&id).await?;
                    return Ok(CreatedRelease { release, existing: false });
                }
                Err(err) if err.is_transient() && attempt < attempts => {
                    let delay = self.backoff(attempt, err.retry_after);
                    self.notify(&format!(
                        "{doing}: {}; checking whether the release was created before retrying in {:.1}s",
                        err.status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| err.message.clone()),
                        delay.as_secs_f64()
                    ));
                    tokio::time::sleep(delay).await;
                    if let Some(created) = self.created_meanwhile(request, &before).await? {
                        self.notify(&format!(
                            "{doing}: the earlier attempt had created {}; not creating it again",
                            created.id
                        ));
                        return Ok(CreatedRelease { release: created, existing: false });
                    }
                    attempt += 1;
                }
                Err(err) => {
                    // Octopus words "already exists" in free text, so ask it instead: a refused
                    // request for a version that now exists is a conflict.
                    let exists = match (&request.version, err.kind) {
                        (Some(version), ErrorKind::Validation) => {
                            self.find_release(&request.project, version).await.ok().flatten().is_some()
                        }
                        _ => false,
                    };
                    return Err(error::release_create_failure(err, exists));
                }
            }
        }
    }

    async fn created_meanwhile(
        &self,
        request: &CreateRelease,
        before: &HashSet<String>,
    ) -> Result<Option<Release>, OctopusError> {
        match &request.version {
            Some(version) => self.find_release(&request.project, version).await,
            None => {
                let recent = self.recent_releases(&request.project, RECENT_RELEASES).await?;
                Ok(recent.into_iter().take_while(|r| !before.contains(&r.id)).last())
            }
        }
    }

    /// Deployments of `project`, optionally only to `environment`, newest first: every page.
    pub async fn deployments(
        &self,
        project: &Project,
        environment: Option<&Environment>,
    ) -> Result<Vec<Deployment>, OctopusError> {
        let doing = format!("listing deployments of {}", project.name);
        let mut path = format!("deployments?projects={}&take=1000", project.id);
        if let Some(environment) = environment {
            path.push_str(&format!("&environments={}", environment.id));
        }
        let all: Vec<Deployment> = self.get_all(&doing, &self.space_path(&path)).await?;
        Ok(newest_first(only_of(all, project, environment)))
    }

    /// At most `take` deployments of `project` to `environment`, newest first, in one request
    /// (Octopus lists deployments newest first).
    pub async fn recent_deployments(
        &self,
        project: &Project,
        environment: &Environment,
        take: usize,
    ) -> Result<Vec<Deployment>, OctopusError> {
        let doing = format!("reading recent deployments of {} to {}", project.name, environment.name);
        let path = format!("deployments?projects={}&environments={}&take={take}", project.id, environment.id);
        let page: Page<Deployment> = self.get_json(&doing, &self.space_path(&path)).await?;
        Ok(newest_first(only_of(page.items, project, Some(environment))))
    }

    /// The deployments of `release`, newest first, through its own `Deployments` link: a
    /// release has a handful, where its project may have thousands.
    pub async fn release_deployments(&self, release: &Release) -> Result<Vec<Deployment>, OctopusError> {
        let doing = format!("listing deployments of release {}", release.version);
        let base = release.links.get("Deployments").map(|link| without_template(link).to_owned());
        let base = base.unwrap_or_else(|| self.space_path(&format!("releases/{}/deployments", release.id)));
        let separator = if base.contains('?') { '&' } else { '?' };
        let all: Vec<Deployment> = self.get_all(&doing, &format!("{base}{separator}take=1000")).await?;
        let mut all = newest_first(all);
        all.retain(|d| d.release_id.is_empty() || d.release_id == release.id);
        Ok(all)
    }

    /// Deploy a release to environments (one deployment each, or one per tenant). A lost
    /// response is followed by a look at the release's deployments before trying again.
    pub async fn deploy(&self, request: &DeployRequest) -> Result<Vec<CreatedDeployment>, OctopusError> {
        let names: Vec<String> = request.environments.iter().map(|e| e.name.clone()).collect();
        let doing = format!(
            "deploying {} {} to {} on {}",
            request.project.name,
            request.release.version,
            names.join(", "),
            self.server_name()
        );
        let before: HashSet<String> =
            self.release_deployments(&request.release).await?.into_iter().map(|d| d.id).collect();
        let mut created: Vec<CreatedDeployment> = Vec::new();
        let mut remaining: Vec<Environment> = request.environments.clone();
        let attempts = self.options.max_attempts.max(1);
        let mut attempt = 1;
        while !remaining.is_empty() {
            let result = self.deploy_once(request, &remaining, &doing).await;
            match result {
                Ok(mut tasks) => {
                    created.append(&mut tasks);
                    remaining.clear();
                }
                Err(err) if err.is_transient() && attempt < attempts => {
                    let delay = self.backoff(attempt, err.retry_after);
                    self.notify(&format!(
                        "{doing}: {}; checking which deployments exist before retrying in {:.1}s",
                        err.status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| err.message.clone()),
                        delay.as_secs_f64()
                    ));
                    tokio::time::sleep(delay).await;
                    let now = self.release_deployments(&request.release).await?;
                    let known: HashSet<String> = created.iter().map(|c| c.deployment_id.clone()).collect();
                    // An environment's call creates all its deployments at once: one untenanted, or
                    // one per tenant. Every new one there came from the lost attempt, so all are
                    // adopted before the environment leaves `remaining`.
                    let mut adopted: HashSet<String> = HashSet::new();
                    for deployment in now.iter().filter(|d| {
                        d.release_id == request.release.id
                            && !before.contains(&d.id)
                            && !known.contains(&d.id)
                    }) {
                        if let Some(environment) =
                            remaining.iter().find(|e| e.id == deployment.environment_id)
                        {
                            adopted.insert(environment.id.clone());
                            let tenant = deployment
                                .tenant_id
                                .as_deref()
                                .map(|t| format!(" for {t}"))
                                .unwrap_or_default();
                            self.notify(&format!(
                                "{doing}: the earlier attempt had created {} to {}{tenant}; not deploying it again",
                                deployment.id, environment.name
                            ));
                            created.push(CreatedDeployment {
                                environment: environment.name.clone(),
                                deployment_id: deployment.id.clone(),
                                task_id: deployment.task_id.clone(),
                            });
                        }
                    }
                    remaining.retain(|e| !adopted.contains(&e.id));
                    attempt += 1;
                }
                Err(err) if err.kind == ErrorKind::LifecycleRefused => {
                    return Err(self.explain_lifecycle(err, request).await);
                }
                Err(err) => return Err(err),
            }
        }
        // Keep the order the user asked for.
        created.sort_by_key(|c| {
            names.iter().position(|n| n.eq_ignore_ascii_case(&c.environment)).unwrap_or(usize::MAX)
        });
        Ok(created)
    }

    async fn deploy_once(
        &self,
        request: &DeployRequest,
        environments: &[Environment],
        doing: &str,
    ) -> Result<Vec<CreatedDeployment>, OctopusError> {
        let mut created = Vec::new();
        let mut calls: Vec<(Vec<&Environment>, serde_json::Value, &str)> = Vec::new();
        let base = crate::execution::body(self.space_id.as_deref(), request);
        if !request.is_tenanted() {
            let mut body = base.clone();
            body["EnvironmentNames"] = json!(environments.iter().map(|e| &e.name).collect::<Vec<_>>());
            calls.push((environments.iter().collect(), body, "deployments/create/untenanted/v1"));
        } else {
            for environment in environments {
                let mut body = base.clone();
                body["EnvironmentName"] = json!(environment.name);
                if !request.tenants.is_empty() {
                    body["Tenants"] = json!(request.tenants);
                }
                if !request.options.tenant_tags.is_empty() {
                    body["TenantTags"] = json!(request.options.tenant_tags);
                }
                calls.push((vec![environment], body, "deployments/create/tenanted/v1"));
            }
        }
        for (envs, body, route) in calls {
            self.require_executions_api(doing, route)?;
            let (_, answer): (_, serde_json::Value) =
                self.send_json(doing, Method::POST, &self.space_path(route), &body, Retry::Never).await?;
            let tasks: Vec<DeploymentServerTask> = answer
                .get("DeploymentServerTasks")
                .or_else(|| answer.get("deploymentServerTasks"))
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            if tasks.is_empty() {
                return Err(OctopusError::new(
                    ErrorKind::InvalidResponse,
                    doing,
                    "the server created no deployment",
                ));
            }
            for task in tasks {
                // Find the environment of each deployment (the answer lists only ids).
                let environment = if envs.len() == 1 {
                    envs[0].name.clone()
                } else {
                    match self
                        .get_optional::<Deployment>(
                            doing,
                            &self.space_path(&format!("deployments/{}", task.deployment_id)),
                        )
                        .await?
                    {
                        Some(d) => envs
                            .iter()
                            .find(|e| e.id == d.environment_id)
                            .map(|e| e.name.clone())
                            .unwrap_or(d.environment_id),
                        None => String::new(),
                    }
                };
                created.push(CreatedDeployment {
                    environment,
                    deployment_id: task.deployment_id,
                    task_id: task.server_task_id,
                });
            }
        }
        Ok(created)
    }

    /// Add what must be deployed first to a lifecycle refusal.
    async fn explain_lifecycle(&self, mut err: OctopusError, request: &DeployRequest) -> OctopusError {
        let Ok(progression) = self.progression(&request.release).await else {
            return err.hint("deploy the release to the lifecycle's earlier phases first");
        };
        let environments = self.environments().await.unwrap_or_default();
        let name = |id: &str| {
            environments.iter().find(|e| e.id == id).map(|e| e.name.clone()).unwrap_or_else(|| id.to_owned())
        };
        let current = progression.phases.iter().find(|p| p.progress.eq_ignore_ascii_case("Current"));
        let mut next: Vec<String> = progression.next_deployments.iter().map(|id| name(id)).collect();
        if next.is_empty()
            && let Some(phase) = current
        {
            next = phase
                .automatic_deployment_targets
                .iter()
                .chain(&phase.optional_deployment_targets)
                .map(|id| name(id))
                .collect();
        }
        if next.is_empty() {
            return err.hint("deploy the release to the lifecycle's earlier phases first");
        }
        // A deployment of this release that is still running there (the lifecycle's automatic
        // one, say) is waited for, not repeated: the hint must not lead to a second deployment.
        if let Some((environment, task)) = self.running_deployment(request, &environments, &next).await {
            err.hints.push(format!(
                "release {} is being deployed to {environment} already ({}, {}): wait for it with `ferry task wait {}`, then deploy again",
                request.release.version, task.id, task.state, task.id
            ));
            err
        } else {
            err.hints.push(format!(
                "release {} must first succeed in {}{}: ferry release deploy --project {} --version {} --to {} --wait",
                request.release.version,
                next.join(", "),
                current.map(|p| format!(" (phase {})", p.name)).unwrap_or_default(),
                quote(&request.project.name),
                request.release.version,
                quote(&next[0])
            ));
            err
        }
    }

    /// A lifecycle with its phases.
    pub async fn lifecycle(&self, id: &str) -> Result<Lifecycle, OctopusError> {
        let doing = format!("reading lifecycle {id}");
        self.get_json(&doing, &self.space_path(&format!("lifecycles/{}", encode_segment(id)))).await
    }

    /// A deployment of the request's release to one of `environment_names` whose task has not
    /// finished, with the environment's name.
    async fn running_deployment(
        &self,
        request: &DeployRequest,
        environments: &[Environment],
        environment_names: &[String],
    ) -> Option<(String, Task)> {
        let deployments = self.release_deployments(&request.release).await.ok()?;
        for deployment in &deployments {
            let Some(environment) = environments
                .iter()
                .find(|e| e.id == deployment.environment_id && environment_names.contains(&e.name))
            else {
                continue;
            };
            if let Ok(task) = self.task(&deployment.task_id).await
                && !task.completed()
            {
                return Some((environment.name.clone(), task));
            }
        }
        None
    }

    /// The release's progress through its lifecycle.
    pub async fn progression(&self, release: &Release) -> Result<Progression, OctopusError> {
        let doing = format!("reading the lifecycle progression of release {}", release.version);
        // Without the server's link, the path is relative to the base, so a virtual directory
        // (https://host/octopus/) is kept.
        let path = release
            .links
            .get("Progression")
            .cloned()
            .unwrap_or_else(|| self.space_path(&format!("releases/{}/progression", release.id)));
        self.get_json(&doing, &path).await
    }

    /// A server task.
    pub async fn task(&self, id: &str) -> Result<Task, OctopusError> {
        self.get_json(&format!("reading task {id}"), &self.space_path(&format!("tasks/{id}"))).await
    }

    /// The tasks with ids `ids`, in that order, read as [`Client::tasks_by_id`] reads them (one
    /// request per 50 ids); a task the server does not list is an error.
    pub async fn tasks(&self, ids: &[String]) -> Result<Vec<Task>, OctopusError> {
        let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
        let listed = self.tasks_by_id(&wanted).await?;
        ids.iter()
            .map(|id| {
                listed.iter().find(|t| t.id.eq_ignore_ascii_case(id)).cloned().ok_or_else(|| {
                    OctopusError::new(
                        ErrorKind::InvalidResponse,
                        format!("reading tasks {}", ids.join(", ")),
                        format!("the server did not list task {id}"),
                    )
                })
            })
            .collect()
    }

    /// A task with its activity tree; `tail` keeps only the last lines of each activity.
    pub async fn task_details(&self, id: &str, tail: Option<usize>) -> Result<TaskDetails, OctopusError> {
        let mut path = self.space_path(&format!("tasks/{id}/details?verbose=false"));
        if let Some(tail) = tail {
            path.push_str(&format!("&tail={tail}"));
        }
        self.get_json(&format!("reading the log of task {id}"), &path).await
    }

    /// The task's interruptions still waiting for an answer.
    pub async fn pending_interruptions(&self, task_id: &str) -> Result<Vec<Interruption>, OctopusError> {
        let doing = format!("reading what task {task_id} waits for");
        let path = self.space_path(&format!("interruptions?regarding={task_id}&pendingOnly=true"));
        let mut all: Vec<Interruption> = self.get_all(&doing, &path).await?;
        all.retain(|i| i.is_pending);
        Ok(all)
    }

    /// A task's raw log.
    pub async fn task_raw_log(&self, id: &str) -> Result<String, OctopusError> {
        let doing = format!("reading the log of task {id}");
        let url = self.url(&self.space_path(&format!("tasks/{id}/raw")))?;
        let response = self.send(&doing, Retry::Read, || self.http.get(url.clone())).await?;
        response.text().await.map_err(|err| error::from_reqwest(&doing, &err))
    }

    /// Cancel a task.
    pub async fn cancel_task(&self, id: &str) -> Result<(), OctopusError> {
        let doing = format!("canceling task {id}");
        let url = self.url(&self.space_path(&format!("tasks/{id}/cancel")))?;
        self.send(&doing, Retry::Safe, || self.http.post(url.clone())).await?;
        Ok(())
    }

    /// The package `id` `version` in the built-in feed, when it exists.
    pub async fn package(&self, id: &str, version: &str) -> Result<Option<PackageResource>, OctopusError> {
        let doing = format!("looking up package {id} {version}");
        let path =
            self.space_path(&format!("packages/packages-{}.{}", encode_segment(id), encode_segment(version)));
        Ok(self.get_optional::<PackageResource>(&doing, &path).await?.filter(|p| !p.version.is_empty()))
    }

    /// The newest version of package `id` in the built-in feed.
    pub async fn latest_package_version(&self, id: &str) -> Result<Option<String>, OctopusError> {
        let doing = format!("finding the latest version of package {id}");
        let path =
            self.space_path(&format!("packages?nuGetPackageId={}&latest=true&take=1", encode_query(id)));
        let page: crate::model::Page<PackageResource> = self.get_json(&doing, &path).await?;
        Ok(page
            .items
            .into_iter()
            .find(|p| p.package_id.is_empty() || p.package_id.eq_ignore_ascii_case(id))
            .map(|p| p.version))
    }

    /// Push build information for `package_id` `version`.
    pub async fn push_build_information(
        &self,
        package_id: &str,
        version: &str,
        info: &BuildInformation,
        if_exists: IfExists,
    ) -> Result<StoredBuildInformation, OctopusError> {
        let doing = format!("pushing build information for {package_id} {version} to {}", self.server_name());
        let mode = overwrite_mode(if_exists);
        let body = json!({
            "SpaceId": self.space_id,
            "PackageId": package_id,
            "Version": version,
            "OctopusBuildInformation": info,
            "OverwriteMode": mode,
        });
        let path = self.space_path(&format!("build-information?overwriteMode={mode}"));
        // Ignore and overwrite are safe to repeat; FailIfExists after an ambiguous failure must
        // recognise its own earlier write.
        let retry = if if_exists == IfExists::Fail { Retry::Never } else { Retry::Safe };
        let attempts = if retry == Retry::Never { self.options.max_attempts.max(1) } else { 1 };
        let mut attempt = 1;
        let mut ambiguous = false;
        loop {
            let result: Result<(_, serde_json::Value), _> =
                self.send_json(&doing, Method::POST, &path, &body, retry).await;
            match result {
                Ok((_, answer)) => {
                    return Ok(StoredBuildInformation {
                        id: answer.get("Id").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                        package_id: package_id.to_owned(),
                        version: version.to_owned(),
                        info: info.clone(),
                    });
                }
                Err(err) if err.is_transient() && attempt < attempts => {
                    ambiguous = true;
                    let delay = self.backoff(attempt, err.retry_after);
                    self.notify(&format!(
                        "{doing}: {}; retrying in {:.1}s (attempt {} of {attempts}; an earlier write that arrived is recognised)",
                        err.status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| err.message.clone()),
                        delay.as_secs_f64(),
                        attempt + 1
                    ));
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(err) if err.kind == ErrorKind::Conflict && ambiguous => {
                    if let Some(stored) = self.build_information(package_id, Some(version)).await?
                        && stored.info.vcs_commit_number == info.vcs_commit_number
                        && stored.info.build_number == info.build_number
                    {
                        return Ok(stored);
                    }
                    return Err(conflict_hint(err));
                }
                Err(err) if err.kind == ErrorKind::Conflict => return Err(conflict_hint(err)),
                Err(err) => return Err(err),
            }
        }
    }

    /// Build information for `package_id` `version`, when the server has it.
    pub async fn build_information(
        &self,
        package_id: &str,
        version: Option<&str>,
    ) -> Result<Option<StoredBuildInformation>, OctopusError> {
        let mut all = self.build_informations(package_id, version).await?;
        if version.is_none() {
            all.sort_by(|a, b| compare_text(&b.version, &a.version));
        }
        Ok(all.into_iter().next())
    }

    /// The newest build information of `package_id` for a version below `version`: the previous
    /// build, whose commit starts the next build's commit range.
    pub async fn previous_build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>, OctopusError> {
        let mut all = self.build_informations(package_id, None).await?;
        all.retain(|b| compare_text(&b.version, version) == std::cmp::Ordering::Less);
        all.sort_by(|a, b| compare_text(&b.version, &a.version));
        Ok(all.into_iter().next())
    }

    async fn build_informations(
        &self,
        package_id: &str,
        version: Option<&str>,
    ) -> Result<Vec<StoredBuildInformation>, OctopusError> {
        let doing = format!("reading build information of {package_id}");
        let mut path = format!("build-information?packageId={}&take=1000", encode_query(package_id));
        if let Some(version) = version {
            path.push_str(&format!("&filter={}", encode_query(version)));
        }
        let items: Vec<serde_json::Value> = self.get_all(&doing, &self.space_path(&path)).await?;
        Ok(items
            .into_iter()
            .filter_map(|item| {
                let text = |key: &str| item.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                let stored = StoredBuildInformation {
                    id: text("Id"),
                    package_id: text("PackageId"),
                    version: text("Version"),
                    info: serde_json::from_value(item.clone()).ok()?,
                };
                let same_package =
                    stored.package_id.is_empty() || stored.package_id.eq_ignore_ascii_case(package_id);
                let same_version =
                    version.is_none_or(|v| compare_text(&stored.version, v) == std::cmp::Ordering::Equal);
                (same_package && same_version).then_some(stored)
            })
            .collect())
    }
}

fn conflict_hint(err: OctopusError) -> OctopusError {
    err.hint("pass --if-exists ignore to keep what is on the server, or --if-exists overwrite to replace it")
}

fn not_found<'a>(
    doing: String,
    what: &str,
    wanted: &str,
    names: impl Iterator<Item = &'a str> + Clone,
    flag: &str,
) -> OctopusError {
    let close = error::close_names(wanted, names.clone());
    let all: Vec<&str> = names.collect();
    let mut err = OctopusError::new(ErrorKind::NotFound, doing, format!("there is no {what} named {wanted}"));
    if !close.is_empty() {
        err = err.hint(format!("did you mean {}?", close.join(" or ")));
    }
    if all.is_empty() {
        err.hint(format!(
            "the server has no {what}s yet; create one (in ferry.toml for Ferry's server) and retry"
        ))
    } else {
        let shown: Vec<&str> = all.iter().copied().take(20).collect();
        err.hint(format!(
            "{flag} takes one of: {}{}",
            shown.join(", "),
            if all.len() > 20 { ", ..." } else { "" }
        ))
    }
}

fn quote(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// How many of a project's newest releases are read to find one a lost answer created.
const RECENT_RELEASES: usize = 30;

/// How many projects a `partialName` search reads per page.
const PARTIAL_NAME_TAKE: usize = 100;

/// How many names a "did you mean" hint is chosen from when nothing matched.
const HINT_TAKE: usize = 30;

/// Keep the deployments of `project` (and `environment`): a server that ignores a filter must
/// not make Ferry act on another project's deployment.
fn only_of(
    mut all: Vec<Deployment>,
    project: &Project,
    environment: Option<&Environment>,
) -> Vec<Deployment> {
    all.retain(|d| d.project_id.is_empty() || d.project_id == project.id);
    if let Some(environment) = environment {
        all.retain(|d| d.environment_id.is_empty() || d.environment_id == environment.id);
    }
    all
}

/// Newest first: by creation time, parsed (Octopus writes offsets, `+10:00` or `Z`, so the text
/// does not sort), then by the id's number. A deployment without a readable time keeps its
/// place relative to the others by id only.
fn newest_first(mut all: Vec<Deployment>) -> Vec<Deployment> {
    all.sort_by_cached_key(|d| {
        let created = d.created.as_deref().and_then(crate::model::parse_time);
        std::cmp::Reverse((created, id_number(&d.id)))
    });
    all
}

/// A link without its RFC 6570 template part (`/api/x/deployments{?skip,take}`).
fn without_template(link: &str) -> &str {
    link.split('{').next().unwrap_or(link)
}

fn id_number(id: &str) -> u64 {
    id.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Percent-encode a path segment.
pub(crate) fn encode_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A link from the server as a path to request: `{gitRef}` filled with `git_ref` as one path
/// segment (`refs/heads/main` -> `refs%2Fheads%2Fmain`), and optional query parameters
/// (`{?channel,releaseId}`) left out.
pub(crate) fn expand_link(link: &str, git_ref: Option<&str>) -> String {
    let path = link.split_once("{?").map_or(link, |(path, _)| path);
    match git_ref {
        Some(git_ref) => path.replace("{gitRef}", &encode_segment(git_ref)),
        None => path.to_owned(),
    }
}

/// Percent-encode a query value.
pub(crate) fn encode_query(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(id: &str, created: &str) -> Deployment {
        Deployment { id: id.into(), created: Some(created.into()), ..Deployment::default() }
    }

    #[test]
    fn deployments_are_ordered_by_instant_not_by_text() {
        // Written in Sydney (+10:00, midnight UTC) and in London (+00:00, 01:00 UTC): the text
        // of the first sorts later, the instant of the second is later.
        let sydney = deployment("Deployments-9", "2025-01-01T10:00:00.000+10:00");
        let london = deployment("Deployments-2", "2025-01-01T01:00:00.000+00:00");
        // The night clocks went back in Berlin (2025-10-26): 02:30+02:00 is before 02:10+01:00.
        let before_dst_end = deployment("Deployments-3", "2025-10-26T02:30:00+02:00");
        let after_dst_end = deployment("Deployments-4", "2025-10-26T02:10:00+01:00");
        let ordered = newest_first(vec![sydney, london, after_dst_end, before_dst_end]);
        let ids: Vec<&str> = ordered.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["Deployments-4", "Deployments-3", "Deployments-2", "Deployments-9"]);
    }

    #[test]
    fn deployments_without_a_readable_time_order_by_id() {
        let ordered = newest_first(vec![
            Deployment { id: "Deployments-2".into(), ..Deployment::default() },
            Deployment { id: "Deployments-10".into(), ..Deployment::default() },
        ]);
        assert_eq!(ordered[0].id, "Deployments-10");
    }
}
