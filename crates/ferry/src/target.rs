//! The deployment server a command works against, whichever it is: Octopus (or `ferry server`,
//! embedded or not) or GitHub. Commands take a [`Server`] and call the flow through
//! [`DeploymentServer`]; only [`crate::context::Ctx::connect_server`] looks at which it is.

use ferry_flow::DeploymentServer;
use ferry_flow::github::{GitHubServer, GitHubServerError};
use ferry_flow::model::{
    Activity, BuildInformation, CreatedRelease, DeployRequest, Deployment, Environment, IfExists,
    Interruption, Lifecycle, Phase, Project, PushedPackage, Release, ReleaseRequest, StartedDeployment,
    StoredBuildInformation, Task,
};
use ferry_octopus::OctopusError;

use crate::context::Connection;
use crate::exit::{ExitStatus, UserError};

/// A connected deployment server.
pub enum Server {
    /// Octopus Deploy or `ferry server`.
    Octopus(Box<Connection>),
    /// GitHub Releases and Deployments of one repository.
    GitHub(Box<GitHubServer>),
}

impl Server {
    /// The Octopus web UI's base and space, for links in `ship`'s summary; GitHub's pages are
    /// not linked.
    pub fn web_links(&self) -> Option<(String, Option<String>)> {
        match self {
            Server::Octopus(connection) => Some((
                connection.client.server_url().to_owned(),
                connection.client.space_id().map(str::to_owned),
            )),
            Server::GitHub(_) => None,
        }
    }

    /// Let the embedded server finish its deployments (nothing to do for the others).
    pub async fn close(self) {
        if let Server::Octopus(connection) = self {
            (*connection).close().await;
        }
    }
}

/// An error of either server, with its hints.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// From Octopus or `ferry server`.
    #[error(transparent)]
    Octopus(#[from] OctopusError),
    /// From GitHub, or a rule Ferry enforces for it.
    #[error(transparent)]
    GitHub(#[from] GitHubServerError),
}

impl ServerError {
    /// What the user can do about it.
    pub fn hints(&self) -> Vec<String> {
        match self {
            ServerError::Octopus(error) => error.hints.clone(),
            ServerError::GitHub(error) => error.hints(),
        }
    }

    /// Whether the options cannot work (exit 2) rather than the server refusing or failing.
    fn is_usage(&self) -> bool {
        match self {
            ServerError::Octopus(error) => error.kind == ferry_octopus::ErrorKind::Usage,
            ServerError::GitHub(error) => error.is_usage(),
        }
    }
}

/// A server error as the user sees it: exit 2 for options that cannot work, else 1.
pub fn server_error(error: ServerError) -> anyhow::Error {
    let status = if error.is_usage() { ExitStatus::Usage } else { ExitStatus::Failure };
    anyhow::Error::new(UserError { status, message: error.to_string(), hints: error.hints() })
}

/// Call `$method` on whichever server it is, with the error made a [`ServerError`].
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Server::Octopus(connection) => {
                DeploymentServer::$method(&connection.client, $($arg),*).await.map_err(ServerError::from)
            }
            Server::GitHub(github) => {
                DeploymentServer::$method(github.as_ref(), $($arg),*).await.map_err(ServerError::from)
            }
        }
    };
}

impl DeploymentServer for Server {
    type Error = ServerError;

    async fn find_project(&self, name: &str) -> Result<Project, ServerError> {
        dispatch!(self.find_project(name))
    }

    async fn environments(&self) -> Result<Vec<Environment>, ServerError> {
        dispatch!(self.environments())
    }

    async fn find_environments(&self, names: &[String]) -> Result<Vec<Environment>, ServerError> {
        dispatch!(self.find_environments(names))
    }

    async fn find_release(&self, project: &Project, version: &str) -> Result<Option<Release>, ServerError> {
        dispatch!(self.find_release(project, version))
    }

    async fn push_package(
        &self,
        file: &std::path::Path,
        if_exists: IfExists,
    ) -> Result<PushedPackage, ServerError> {
        dispatch!(self.push_package(file, if_exists))
    }

    async fn push_build_information(
        &self,
        package_id: &str,
        version: &str,
        info: &BuildInformation,
        if_exists: IfExists,
    ) -> Result<StoredBuildInformation, ServerError> {
        dispatch!(self.push_build_information(package_id, version, info, if_exists))
    }

    async fn build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>, ServerError> {
        dispatch!(self.build_information(package_id, version))
    }

    async fn previous_build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>, ServerError> {
        dispatch!(self.previous_build_information(package_id, version))
    }

    async fn create_release(&self, request: &ReleaseRequest) -> Result<CreatedRelease, ServerError> {
        dispatch!(self.create_release(request))
    }

    async fn release(&self, id: &str) -> Result<Release, ServerError> {
        dispatch!(self.release(id))
    }

    async fn releases(&self, project: &Project) -> Result<Vec<Release>, ServerError> {
        dispatch!(self.releases(project))
    }

    async fn deployments(
        &self,
        project: &Project,
        environment: Option<&Environment>,
    ) -> Result<Vec<Deployment>, ServerError> {
        dispatch!(self.deployments(project, environment))
    }

    // The trait's default bodies of the next five read more than they need to (or nothing): a
    // wrapper must pass each on, or Octopus's bounded requests and activity tree would be lost.
    async fn recent_deployments(
        &self,
        project: &Project,
        environment: &Environment,
        take: usize,
    ) -> Result<Vec<Deployment>, ServerError> {
        dispatch!(self.recent_deployments(project, environment, take))
    }

    async fn release_deployments(
        &self,
        project: &Project,
        release: &Release,
    ) -> Result<Vec<Deployment>, ServerError> {
        dispatch!(self.release_deployments(project, release))
    }

    async fn tasks(&self, ids: &[String]) -> Result<Vec<Task>, ServerError> {
        dispatch!(self.tasks(ids))
    }

    async fn task_activity(
        &self,
        id: &str,
        tail: Option<usize>,
    ) -> Result<Option<Vec<Activity>>, ServerError> {
        dispatch!(self.task_activity(id, tail))
    }

    async fn pending_interruptions(&self, task: &Task) -> Result<Vec<Interruption>, ServerError> {
        dispatch!(self.pending_interruptions(task))
    }

    async fn deploy(&self, request: &DeployRequest) -> Result<Vec<StartedDeployment>, ServerError> {
        dispatch!(self.deploy(request))
    }

    async fn task(&self, id: &str) -> Result<Task, ServerError> {
        dispatch!(self.task(id))
    }

    async fn task_log(&self, id: &str) -> Result<String, ServerError> {
        dispatch!(self.task_log(id))
    }

    async fn cancel_task(&self, id: &str) -> Result<(), ServerError> {
        dispatch!(self.cancel_task(id))
    }

    async fn lifecycle(
        &self,
        project: &Project,
        channel: Option<&str>,
    ) -> Result<Option<Lifecycle>, ServerError> {
        dispatch!(self.lifecycle(project, channel))
    }

    async fn progression(&self, release: &Release) -> Result<Vec<Phase>, ServerError> {
        dispatch!(self.progression(release))
    }
}
