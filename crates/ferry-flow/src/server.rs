//! The one trait the flow talks to.

use crate::model::{
    DeployRequest, Deployment, Environment, Lifecycle, Phase, Project, Release, StartedDeployment, Task,
};

/// A server that holds releases and runs deployments of them: Octopus (and `ferry server`), or
/// GitHub, where a release is a tag with a GitHub Release, a deployment is a GitHub Deployment,
/// and a task is that deployment's statuses.
///
/// Every method reports the server's own error type, so the caller keeps its hints and its
/// classification (usage, refused, transient) without the flow reading messages. Lookups by name
/// fail with the server's "not found, did you mean" error; `find_release` returns `None` instead,
/// because a missing release is a normal answer the flow decides on.
///
/// Package and build-information uploads are not in this trait yet: they join it with ferry-core's
/// `IfExists` as their one overwrite type; today the binary calls the client for them.
#[allow(async_fn_in_trait)] // used through generics by the binary and tests, never boxed
pub trait DeploymentServer {
    /// The server's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The project named `name` (or with that id or slug).
    async fn find_project(&self, name: &str) -> Result<Project, Self::Error>;

    /// Every environment.
    async fn environments(&self) -> Result<Vec<Environment>, Self::Error>;

    /// The environments named `names`, in that order.
    async fn find_environments(&self, names: &[String]) -> Result<Vec<Environment>, Self::Error>;

    /// The release `version` of `project`, if there is one.
    async fn find_release(&self, project: &Project, version: &str) -> Result<Option<Release>, Self::Error>;

    /// The release with id `id`.
    async fn release(&self, id: &str) -> Result<Release, Self::Error>;

    /// Every release of `project`.
    async fn releases(&self, project: &Project) -> Result<Vec<Release>, Self::Error>;

    /// Deployments of `project`, only to `environment` when given, newest first.
    async fn deployments(
        &self,
        project: &Project,
        environment: Option<&Environment>,
    ) -> Result<Vec<Deployment>, Self::Error>;

    /// At most `take` deployments of `project` to `environment`, newest first: one bounded
    /// request on Octopus (`deployments?projects=&environments=&take=`), where `deployments`
    /// reads every page.
    async fn recent_deployments(
        &self,
        project: &Project,
        environment: &Environment,
        take: usize,
    ) -> Result<Vec<Deployment>, Self::Error> {
        let mut deployments = self.deployments(project, Some(environment)).await?;
        deployments.truncate(take);
        Ok(deployments)
    }

    /// The deployments of `release`, newest first: on Octopus the release's own `Deployments`
    /// link, so the project's whole history is not read for one release.
    async fn release_deployments(
        &self,
        project: &Project,
        release: &Release,
    ) -> Result<Vec<Deployment>, Self::Error> {
        let mut deployments = self.deployments(project, None).await?;
        deployments.retain(|d| d.release_id == release.id);
        Ok(deployments)
    }

    /// Start deployments; after a lost answer the server's implementation looks up what the lost
    /// attempt created instead of deploying twice.
    async fn deploy(&self, request: &DeployRequest) -> Result<Vec<StartedDeployment>, Self::Error>;

    /// A task's state.
    async fn task(&self, id: &str) -> Result<Task, Self::Error>;

    /// The tasks with ids `ids`, in that order: one request on Octopus (`tasks?ids=`).
    async fn tasks(&self, ids: &[String]) -> Result<Vec<Task>, Self::Error> {
        let mut tasks = Vec::with_capacity(ids.len());
        for id in ids {
            tasks.push(self.task(id).await?);
        }
        Ok(tasks)
    }

    /// A task's log so far, as plain lines.
    async fn task_log(&self, id: &str) -> Result<String, Self::Error>;

    /// Ask the server to cancel a task.
    async fn cancel_task(&self, id: &str) -> Result<(), Self::Error>;

    /// The lifecycle a new release of `project` follows in `channel` (the default channel when
    /// `None`); `None` when the server enforces no lifecycle for it.
    async fn lifecycle(
        &self,
        project: &Project,
        channel: Option<&str>,
    ) -> Result<Option<Lifecycle>, Self::Error>;

    /// The release's progression through its lifecycle: its phases, each marked entered or not.
    async fn progression(&self, release: &Release) -> Result<Vec<Phase>, Self::Error>;
}
