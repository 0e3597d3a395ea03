//! [`DeploymentServer`] for Octopus Deploy, and therefore for `ferry server`, which speaks the
//! same API. The client stays protocol-only; this module maps its model to the flow's.

use std::path::Path;

use ferry_octopus::{Client, OctopusError, model as octopus};

use crate::DeploymentServer;
use crate::model::{
    Activity, ActivityLine, BuildInformation, CreatedRelease, DeployRequest, Deployment, Environment,
    IfExists, Interruption, Lifecycle, Phase, Project, PushedPackage, Release, ReleasePackage,
    ReleaseRequest, StartedDeployment, StoredBuildInformation, Task,
};

impl From<&octopus::Project> for Project {
    fn from(project: &octopus::Project) -> Project {
        Project {
            id: project.id.clone(),
            name: project.name.clone(),
            lifecycle_id: project.lifecycle_id.clone(),
        }
    }
}

/// The client's requests read a project's id and name only; the slug is not needed again.
fn octopus_project(project: &Project) -> octopus::Project {
    octopus::Project {
        id: project.id.clone(),
        name: project.name.clone(),
        lifecycle_id: project.lifecycle_id.clone(),
        ..octopus::Project::default()
    }
}

impl From<&octopus::Environment> for Environment {
    fn from(environment: &octopus::Environment) -> Environment {
        Environment { id: environment.id.clone(), name: environment.name.clone() }
    }
}

fn octopus_environment(environment: &Environment) -> octopus::Environment {
    octopus::Environment { id: environment.id.clone(), name: environment.name.clone() }
}

impl From<&octopus::Release> for Release {
    fn from(release: &octopus::Release) -> Release {
        Release { id: release.id.clone(), version: release.version.clone() }
    }
}

/// The client needs a release's id and version only: without the server's links it uses the
/// documented paths, relative to the server's base.
fn octopus_release(release: &Release) -> octopus::Release {
    octopus::Release {
        id: release.id.clone(),
        version: release.version.clone(),
        ..octopus::Release::default()
    }
}

impl From<&octopus::Deployment> for Deployment {
    fn from(deployment: &octopus::Deployment) -> Deployment {
        Deployment {
            id: deployment.id.clone(),
            release_id: deployment.release_id.clone(),
            environment_id: deployment.environment_id.clone(),
            task_id: deployment.task_id.clone(),
        }
    }
}

impl From<&octopus::Task> for Task {
    fn from(task: &octopus::Task) -> Task {
        Task {
            id: task.id.clone(),
            state: task.state.clone(),
            completed: task.completed(),
            description: task.description.clone(),
            duration: task.duration.clone(),
            duration_seconds: task.duration_seconds(jiff::Timestamp::now()),
            error_message: task.error_message.clone(),
            has_pending_interruptions: task.has_pending_interruptions,
        }
    }
}

impl From<&octopus::Activity> for Activity {
    fn from(activity: &octopus::Activity) -> Activity {
        Activity {
            id: activity.id.clone(),
            name: activity.name.clone(),
            children: activity.children.iter().map(Activity::from).collect(),
            lines: activity
                .log_elements
                .iter()
                .map(|e| ActivityLine {
                    category: e.category.clone(),
                    text: e.message_text.clone(),
                    number: e.number,
                })
                .collect(),
        }
    }
}

impl From<ferry_octopus::CreatedDeployment> for StartedDeployment {
    fn from(created: ferry_octopus::CreatedDeployment) -> StartedDeployment {
        StartedDeployment {
            environment: created.environment,
            deployment_id: created.deployment_id,
            task_id: created.task_id,
        }
    }
}

impl From<ferry_octopus::PushOutcome> for PushedPackage {
    fn from(outcome: ferry_octopus::PushOutcome) -> PushedPackage {
        PushedPackage {
            path: outcome.path,
            package_id: outcome.package_id,
            version: outcome.version,
            status: outcome.status,
        }
    }
}

impl From<ferry_octopus::StoredBuildInformation> for StoredBuildInformation {
    fn from(stored: ferry_octopus::StoredBuildInformation) -> StoredBuildInformation {
        StoredBuildInformation {
            id: stored.id,
            package_id: stored.package_id,
            version: stored.version,
            info: stored.info,
        }
    }
}

impl From<&octopus::SelectedPackage> for ReleasePackage {
    /// Octopus names the step (and its action) and leaves the package id to the deployment
    /// process; Ferry's server fills the id in. Without one, the step's name stands for it.
    fn from(selected: &octopus::SelectedPackage) -> ReleasePackage {
        let step = selected.step_name.clone().or_else(|| selected.action_name.clone()).unwrap_or_default();
        ReleasePackage {
            package_id: selected.package_id.clone().unwrap_or_else(|| step.clone()),
            step,
            action: selected.action_name.clone().unwrap_or_default(),
            version: selected.version.clone(),
        }
    }
}

/// Deployments of `release` that exist right after its creation: the ones its lifecycle started
/// by itself, oldest first.
async fn automatic_deployments(
    client: &Client,
    project: &octopus::Project,
    release: &octopus::Release,
) -> Result<Vec<StartedDeployment>, OctopusError> {
    let (project, release) = (Project::from(project), Release::from(release));
    let targets = crate::adoption::automatic_targets(client, &release).await?;
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    // Octopus queues the lifecycle's deployments after answering the create request, so they
    // are waited for briefly: a run that looked once, at once, would deploy a second time.
    let mine = crate::adoption::await_automatic_deployments(
        client,
        &project,
        &release,
        &targets,
        crate::adoption::AUTOMATIC_DEPLOYMENT_WINDOW,
    )
    .await?;
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let environments = Client::environments(client).await?;
    Ok(mine
        .into_iter()
        .rev()
        .map(|d| StartedDeployment {
            environment: environments
                .iter()
                .find(|e| e.id == d.environment_id)
                .map_or_else(|| d.environment_id.clone(), |e| e.name.clone()),
            deployment_id: d.id,
            task_id: d.task_id,
        })
        .collect())
}

/// A phase of a release's progression, entered unless Octopus says `Pending`; a lifecycle's own
/// phases (read before any release exists) carry no progress and are `entered: false`.
fn phase(phase: &octopus::ProgressionPhase, in_progression: bool) -> Phase {
    Phase {
        name: phase.name.clone(),
        automatic: phase.automatic_deployment_targets.clone(),
        optional: phase.optional_deployment_targets.clone(),
        is_optional: phase.is_optional_phase,
        entered: in_progression && !phase.progress.eq_ignore_ascii_case("Pending"),
    }
}

impl DeploymentServer for Client {
    type Error = OctopusError;

    async fn find_project(&self, name: &str) -> Result<Project, OctopusError> {
        Ok(Project::from(&Client::find_project(self, name).await?))
    }

    async fn environments(&self) -> Result<Vec<Environment>, OctopusError> {
        Ok(Client::environments(self).await?.iter().map(Environment::from).collect())
    }

    async fn find_environments(&self, names: &[String]) -> Result<Vec<Environment>, OctopusError> {
        Ok(Client::find_environments(self, names).await?.iter().map(Environment::from).collect())
    }

    async fn find_release(&self, project: &Project, version: &str) -> Result<Option<Release>, OctopusError> {
        let found = Client::find_release(self, &octopus_project(project), version).await?;
        Ok(found.as_ref().map(Release::from))
    }

    async fn push_package(&self, file: &Path, if_exists: IfExists) -> Result<PushedPackage, OctopusError> {
        Ok(PushedPackage::from(Client::push_package(self, file, if_exists).await?))
    }

    async fn push_build_information(
        &self,
        package_id: &str,
        version: &str,
        info: &BuildInformation,
        if_exists: IfExists,
    ) -> Result<StoredBuildInformation, OctopusError> {
        let stored = Client::push_build_information(self, package_id, version, info, if_exists).await?;
        Ok(StoredBuildInformation::from(stored))
    }

    async fn build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>, OctopusError> {
        let stored = Client::build_information(self, package_id, Some(version)).await?;
        Ok(stored.map(StoredBuildInformation::from))
    }

    async fn previous_build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>, OctopusError> {
        let stored = Client::previous_build_information(self, package_id, version).await?;
        Ok(stored.map(StoredBuildInformation::from))
    }

    async fn create_release(&self, request: &ReleaseRequest) -> Result<CreatedRelease, OctopusError> {
        let project = octopus_project(&request.project);
        if let Some(channel) = &request.channel {
            // Resolved first for a clear error with close names, before anything is written.
            Client::find_channel(self, &project, channel).await?;
        }
        let wire = ferry_octopus::CreateRelease {
            project: project.clone(),
            version: request.version.clone(),
            channel: request.channel.clone(),
            packages: request.packages.clone(),
            package_version: request.package_version.clone(),
            release_notes: request.notes.clone(),
            ignore_existing: request.use_existing,
            git_ref: request.git_ref.clone(),
            git_commit: request.git_commit.clone(),
        };
        let created = Client::create_release(self, &wire).await?;
        // The channel's name for messages; a channel that cannot be read is shown by its id.
        let channel = match &created.release.channel_id {
            Some(id) => Client::channel(self, id).await.ok().flatten().map_or_else(|| id.clone(), |c| c.name),
            None => request.channel.clone().unwrap_or_default(),
        };
        let automatic_deployments = if created.existing {
            Vec::new()
        } else {
            automatic_deployments(self, &project, &created.release).await?
        };
        Ok(CreatedRelease {
            release: Release::from(&created.release),
            existing: created.existing,
            channel,
            packages: created.release.selected_packages.iter().map(ReleasePackage::from).collect(),
            automatic_deployments,
        })
    }

    async fn release(&self, id: &str) -> Result<Release, OctopusError> {
        Ok(Release::from(&Client::release(self, id).await?))
    }

    async fn releases(&self, project: &Project) -> Result<Vec<Release>, OctopusError> {
        Ok(Client::releases(self, &octopus_project(project)).await?.iter().map(Release::from).collect())
    }

    async fn deployments(
        &self,
        project: &Project,
        environment: Option<&Environment>,
    ) -> Result<Vec<Deployment>, OctopusError> {
        let environment = environment.map(octopus_environment);
        let deployments = Client::deployments(self, &octopus_project(project), environment.as_ref()).await?;
        Ok(deployments.iter().map(Deployment::from).collect())
    }

    async fn recent_deployments(
        &self,
        project: &Project,
        environment: &Environment,
        take: usize,
    ) -> Result<Vec<Deployment>, OctopusError> {
        let (project, environment) = (octopus_project(project), octopus_environment(environment));
        let deployments = Client::recent_deployments(self, &project, &environment, take).await?;
        Ok(deployments.iter().map(Deployment::from).collect())
    }

    async fn release_deployments(
        &self,
        _project: &Project,
        release: &Release,
    ) -> Result<Vec<Deployment>, OctopusError> {
        let deployments = Client::release_deployments(self, &octopus_release(release)).await?;
        Ok(deployments.iter().map(Deployment::from).collect())
    }

    async fn tasks(&self, ids: &[String]) -> Result<Vec<Task>, OctopusError> {
        Ok(Client::tasks(self, ids).await?.iter().map(Task::from).collect())
    }

    async fn deploy(&self, request: &DeployRequest) -> Result<Vec<StartedDeployment>, OctopusError> {
        let request = ferry_octopus::DeployRequest {
            project: octopus_project(&request.project),
            release: octopus_release(&request.release),
            environments: request.environments.iter().map(octopus_environment).collect(),
            tenants: request.tenants.clone(),
            variables: request.variables.clone(),
            options: request.options.clone(),
        };
        Ok(Client::deploy(self, &request).await?.into_iter().map(StartedDeployment::from).collect())
    }

    async fn task(&self, id: &str) -> Result<Task, OctopusError> {
        Ok(Task::from(&Client::task(self, id).await?))
    }

    async fn task_log(&self, id: &str) -> Result<String, OctopusError> {
        Client::task_raw_log(self, id).await
    }

    async fn task_activity(
        &self,
        id: &str,
        tail: Option<usize>,
    ) -> Result<Option<Vec<Activity>>, OctopusError> {
        let details = Client::task_details(self, id, tail).await?;
        Ok(Some(details.activity_logs.iter().map(Activity::from).collect()))
    }

    async fn pending_interruptions(&self, task: &Task) -> Result<Vec<Interruption>, OctopusError> {
        let web_link =
            self.web_link(&format!("app#/{}/tasks/{}", self.space_id().unwrap_or("Spaces-1"), task.id));
        Ok(Client::pending_interruptions(self, &task.id)
            .await?
            .iter()
            .map(|i| Interruption {
                title: i.title.clone(),
                guided_failure: i.is_guided_failure(),
                web_link: web_link.clone(),
            })
            .collect())
    }

    async fn cancel_task(&self, id: &str) -> Result<(), OctopusError> {
        Client::cancel_task(self, id).await
    }

    /// The channel's lifecycle, else the project's (Octopus's rule).
    async fn lifecycle(
        &self,
        project: &Project,
        channel: Option<&str>,
    ) -> Result<Option<Lifecycle>, OctopusError> {
        let wire_project = octopus_project(project);
        let channel = match channel {
            Some(name) => Some(Client::find_channel(self, &wire_project, name).await?),
            None => Client::channels(self, &wire_project).await?.into_iter().find(|c| c.is_default),
        };
        let Some(id) = channel.and_then(|c| c.lifecycle_id).or_else(|| project.lifecycle_id.clone()) else {
            return Ok(None);
        };
        let lifecycle = Client::lifecycle(self, &id).await?;
        Ok(Some(Lifecycle {
            name: lifecycle.name,
            phases: lifecycle.phases.iter().map(|p| phase(p, false)).collect(),
        }))
    }

    async fn progression(&self, release: &Release) -> Result<Vec<Phase>, OctopusError> {
        let progression = Client::progression(self, &octopus_release(release)).await?;
        Ok(progression.phases.iter().map(|p| phase(p, true)).collect())
    }
}
