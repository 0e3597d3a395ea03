//! `ship`'s plan: what one run will push, record, create and deploy, computed from reads alone
//! before anything is written. The lifecycle check is part of it, so a run the lifecycle would
//! stop half-way (`ship --to Production` for a release that must pass Test first) is refused
//! before the package is pushed; `--dry-run` prints the plan and stops there.

use crate::DeploymentServer;
use crate::adoption;
use crate::lifecycle_guard::{self, Reach};
use crate::model::{Environment, IfExists, Project, Release};

/// What the caller asks one run of ship to do.
#[derive(Debug, Clone, Default)]
pub struct ShipRequest {
    /// Project name, slug or id.
    pub project: String,
    /// The package id.
    pub package_id: String,
    /// The version of the package and of the release.
    pub version: String,
    /// What pushes do when the server holds different content under the same name; anything but
    /// `Fail` also lets the run use an existing release.
    pub if_exists: IfExists,
    /// The release's channel; `None` for the default channel.
    pub channel: Option<String>,
    /// Environments to deploy to, in order (`--to`); empty: where the lifecycle deploys
    /// automatically.
    pub targets: Vec<String>,
    /// Deploy the targets one after the other and wait for each.
    pub wait: bool,
}

/// Where the run deploys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// The environments named, in order.
    Named(Vec<Environment>),
    /// No environment named: where the lifecycle deploys a new release by itself (for a release
    /// that exists already, its progression decides when the run gets there).
    Automatic(Vec<Environment>),
}

impl Targets {
    /// The environments, in deployment order.
    pub fn environments(&self) -> &[Environment] {
        match self {
            Targets::Named(environments) | Targets::Automatic(environments) => environments,
        }
    }
}

/// What one run of ship will do, in order: push the package, push its build information, create
/// (or use) the release, deploy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipPlan {
    /// The project.
    pub project: Project,
    /// The package id.
    pub package_id: String,
    /// The version of the package and of the release.
    pub version: String,
    /// What the pushes do with different content already on the server.
    pub if_exists: IfExists,
    /// The release's channel, as named.
    pub channel: Option<String>,
    /// The release when it exists already; `None` when the run creates it.
    pub existing_release: Option<Release>,
    /// Where the run deploys.
    pub targets: Targets,
    /// Whether the run deploys one target after the other and waits for each.
    pub wait: bool,
}

impl ShipPlan {
    /// Whether the run stops at the release because it exists and `--if-exists fail` forbids
    /// using it.
    pub fn release_conflicts(&self) -> bool {
        self.existing_release.is_some() && self.if_exists == IfExists::Fail
    }
}

/// Why there is no plan.
#[derive(Debug)]
pub enum PlanError<E> {
    /// The server could not answer (the project or an environment does not exist, for example).
    Server(E),
    /// The lifecycle does not let a new release reach the targets in one run.
    Refused {
        /// The project.
        project: Project,
        /// What the lifecycle says (never [`Reach::Open`]).
        reach: Reach,
    },
}

impl<E> From<E> for PlanError<E> {
    fn from(err: E) -> Self {
        PlanError::Server(err)
    }
}

/// Plan one run of ship from reads alone: the project, the release if it exists, the targets and
/// what the lifecycle says about them.
pub async fn plan<S: DeploymentServer>(
    server: &S,
    request: &ShipRequest,
) -> Result<ShipPlan, PlanError<S::Error>> {
    let project = server.find_project(&request.project).await?;
    let reach = lifecycle_guard::check_new_release(
        server,
        &project,
        &request.version,
        request.channel.as_deref(),
        &request.targets,
        request.wait,
    )
    .await?;
    if reach != Reach::Open {
        return Err(PlanError::Refused { project, reach });
    }
    let existing_release = server.find_release(&project, &request.version).await?;
    let targets = if !request.targets.is_empty() {
        Targets::Named(server.find_environments(&request.targets).await?)
    } else if let Some(release) = &existing_release {
        let names = adoption::automatic_targets(server, release).await?;
        Targets::Automatic(server.find_environments(&names).await?)
    } else {
        Targets::Automatic(automatic_environments(server, &project, request.channel.as_deref()).await?)
    };
    Ok(ShipPlan {
        project,
        package_id: request.package_id.clone(),
        version: request.version.clone(),
        if_exists: request.if_exists,
        channel: request.channel.clone(),
        existing_release,
        targets,
        wait: request.wait,
    })
}

/// The environments a new release of `project` in `channel` is deployed to by itself: the
/// automatic environments of the lifecycle's first phase (the one a new release enters).
async fn automatic_environments<S: DeploymentServer>(
    server: &S,
    project: &Project,
    channel: Option<&str>,
) -> Result<Vec<Environment>, S::Error> {
    let Some(lifecycle) = server.lifecycle(project, channel).await? else {
        return Ok(Vec::new());
    };
    let Some(first) = lifecycle.phases.first() else {
        return Ok(Vec::new());
    };
    let all = server.environments().await?;
    Ok(first.automatic.iter().filter_map(|id| all.iter().find(|e| &e.id == id).cloned()).collect())
}
