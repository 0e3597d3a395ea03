//! The operations Ferry performs: name resolution, releases, deployments, tasks and build
//! information. Creating a release or a deployment is never repeated blindly: after an ambiguous
//! failure the client looks for what the first attempt may have created.

use std::collections::HashSet;

use ferry_core::build_info::BuildInformation;
use ferry_core::if_exists::IfExists;
use ferry_core::version::compare_text;
use reqwest::Method;
use serde_json::json;

use crate::client::{Client, Retry};
use crate::error::{self, ErrorKind, OctopusError};
use crate::model::{
    Channel, Deployment, DeploymentProcess, DeploymentServerTask, Environment, Lifecycle, PackageResource,
    Progression, Project, Release, ReleaseTemplate, Task,
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
    /// Resolve a project by id, slug or name (case-insensitive), with close names in the error.
    pub async fn find_project(&self, wanted: &str) -> Result<Project, OctopusError> {
        let doing = format!("finding project {wanted} on {}", self.server_url());
        let direct = self.space_path(&format!("projects/{}", encode_segment(wanted)));
        if let Some(project) = self.get_optional::<Project>(&doing, &direct).await?
            && !project.id.is_empty()
        {
            return Ok(project);
        }
        let all: Vec<Project> = self.get_all(&doing, &self.space_path("projects?take=1000")).await?;
        if let Some(project) = all.iter().find(|p| {
            p.name.eq_ignore_ascii_case(wanted)
                || p.slug.eq_ignore_ascii_case(wanted)
                || p.id.eq_ignore_ascii_case(wanted)
        }) {
            return Ok(project.clone());
        }
        Err(not_found(doing, "project", wanted, all.iter().map(|p| p.name.as_str()), "--project"))
    }

    /// Every environment of the space.
    pub async fn environments(&self) -> Result<Vec<Environment>, OctopusError> {
        let doing = format!("listing environments on {}", self.server_url());
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
                            format!("finding environment {name} on {}", self.server_url()),
                            "environment",
                            name,
                            all.iter().map(|e| e.name.as_str()),
                            "--to/--from/--environment",
                        )
                    })
            })
            .collect()
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
            self.server_url()
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
            None => self.releases(project).await?.into_iter().map(|r| r.id).collect(),
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
                Err(mut err) => {
                    if err.kind == ErrorKind::Validation && err.server_text().to_lowercase().contains("exist")
                    {
                        err.kind = ErrorKind::Conflict;
                        err = err.hint(
                            "pass --if-exists ignore to use the existing release, or give another --version",
                        );
                    }
                    if err.kind == ErrorKind::NotFound || err.server_text().to_lowercase().contains("package")
                    {
                        err = err.hint("push the release's packages first (ferry package push), or name versions with --package ID:VERSION / --package-version");
                    }
                    return Err(err);
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
            None => Ok(self.releases(&request.project).await?.into_iter().find(|r| !before.contains(&r.id))),
        }
    }

    /// Deployments of `project`, optionally only to `environment`, newest first.
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
        let mut all: Vec<Deployment> = self.get_all(&doing, &self.space_path(&path)).await?;
        all.retain(|d| d.project_id.is_empty() || d.project_id == project.id);
        if let Some(environment) = environment {
            all.retain(|d| d.environment_id.is_empty() || d.environment_id == environment.id);
        }
        // Newest first: by creation time when given, else by the numeric id.
        all.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| id_number(&b.id).cmp(&id_number(&a.id))));
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
            self.server_url()
        );
        let before: HashSet<String> = self
            .deployments(&request.project, None)
            .await?
            .into_iter()
            .filter(|d| d.release_id == request.release.id)
            .map(|d| d.id)
            .collect();
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
                    let now = self.deployments(&request.project, None).await?;
                    let known: HashSet<String> = created.iter().map(|c| c.deployment_id.clone()).collect();
                    for deployment in now.iter().filter(|d| {
                        d.release_id == request.release.id
                            && !before.contains(&d.id)
                            && !known.contains(&d.id)
                    }) {
                        if let Some(index) = remaining.iter().position(|e| e.id == deployment.environment_id)
                        {
                            let environment = remaining.remove(index);
                            self.notify(&format!(
                                "{doing}: the earlier attempt had created {} to {}; not deploying it again",
                                deployment.id, environment.name
                            ));
                            created.push(CreatedDeployment {
                                environment: environment.name,
                                deployment_id: deployment.id.clone(),
                                task_id: deployment.task_id.clone(),
                            });
                        }
                    }
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
        let variables: serde_json::Map<String, serde_json::Value> =
            request.variables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let mut created = Vec::new();
        let mut calls: Vec<(Vec<&Environment>, serde_json::Value, &str)> = Vec::new();
        let base = json!({
            "SpaceId": self.space_id,
            "SpaceIdOrName": self.space_id,
            "ProjectName": request.project.name,
            "ReleaseVersion": request.release.version,
            "ForcePackageDownload": false,
            "ForcePackageRedeployment": false,
            "UpdateVariableSnapshot": false,
            "UseGuidedFailure": null,
            "Variables": variables,
        });
        if request.tenants.is_empty() {
            let mut body = base.clone();
            body["EnvironmentNames"] = json!(environments.iter().map(|e| &e.name).collect::<Vec<_>>());
            calls.push((environments.iter().collect(), body, "deployments/create/untenanted/v1"));
        } else {
            for environment in environments {
                let mut body = base.clone();
                body["EnvironmentName"] = json!(environment.name);
                body["Tenants"] = json!(request.tenants);
                calls.push((vec![environment], body, "deployments/create/tenanted/v1"));
            }
        }
        for (envs, body, route) in calls {
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
        let deployments = self.deployments(&request.project, None).await.ok()?;
        for deployment in deployments.iter().filter(|d| d.release_id == request.release.id) {
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

    /// A task's raw log.
    pub async fn task_raw_log(&self, id: &str) -> Result<String, OctopusError> {
        let doing = format!("reading the log of task {id}");
        let url = self.url(&self.space_path(&format!("tasks/{id}/raw")))?;
        let response = self.send(&doing, Retry::Safe, || self.http.get(url.clone())).await?;
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
        let doing = format!("pushing build information for {package_id} {version} to {}", self.server_url());
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
