//! [`DeploymentServer`] for Octopus Deploy, and therefore for `ferry server`, which speaks the
//! same API. The client stays protocol-only; this module maps its model to the flow's.

use ferry_octopus::{Client, OctopusError, model as octopus};

use crate::DeploymentServer;
use crate::model::{
    DeployRequest, Deployment, Environment, Lifecycle, Phase, Project, Release, StartedDeployment, Task,
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
            error_message: task.error_message.clone(),
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
        };
        Ok(Client::deploy(self, &request).await?.into_iter().map(StartedDeployment::from).collect())
    }

    async fn task(&self, id: &str) -> Result<Task, OctopusError> {
        Ok(Task::from(&Client::task(self, id).await?))
    }

    async fn task_log(&self, id: &str) -> Result<String, OctopusError> {
        Client::task_raw_log(self, id).await
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
