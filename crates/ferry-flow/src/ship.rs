//! `ship`'s plan: what one run will push, record, create and deploy, computed from reads alone
//! before anything is written. The lifecycle check is part of it, so a run the lifecycle would
//! stop half-way (`ship --to Production` for a release that must pass Test first) is refused
//! before the package is pushed; `--dry-run` prints the plan and stops there.

use std::path::Path;

use ferry_core::release_notes;

use crate::adoption::{EarlierDeployments, Reused};
use crate::lifecycle_guard::{self, Reach};
use crate::model::{
    BuildInformation, CreatedRelease, DeployRequest, Environment, IfExists, Project, PushedPackage, Release,
    ReleaseRequest, StartedDeployment, StoredBuildInformation,
};
use crate::{DeploymentServer, adoption, previous_build};

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
    /// Start the build information's commit range at the previous build the server knows (false
    /// when the caller names the start itself).
    pub range_from_server: bool,
    /// What the release gets besides the package the run pushes.
    pub release: ReleaseInputs,
}

/// The release's inputs besides the pushed package (the Octopus actions' `packages`,
/// `release_notes_file`, `git_ref`, `git_commit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseInputs {
    /// Versions of the release's other packages: `ID:VERSION`, `STEP:VERSION`, `STEP:REF:VERSION`.
    pub other_packages: Vec<String>,
    /// Release notes; `None`: rendered from the pushed build information.
    pub notes: Option<String>,
    /// The Git ref of a version-controlled project's process.
    pub git_ref: Option<String>,
    /// The Git commit of that ref.
    pub git_commit: Option<String>,
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
    /// Whether the build information's commit range starts at the previous build on the server.
    pub range_from_server: bool,
    /// What the release gets besides the pushed package.
    pub release: ReleaseInputs,
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
        range_from_server: request.range_from_server,
        release: request.release.clone(),
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

/// What ship reports while it publishes, in order, for the caller to render (a line on a
/// terminal or in a CI log; nothing under `-o json`).
#[derive(Debug)]
pub enum ShipEvent<'a, E> {
    /// The package is on the server.
    Pushed(&'a PushedPackage),
    /// The commit range of the build information starts at this previous build.
    PreviousBuild(&'a StoredBuildInformation),
    /// The previous build could not be read: the commit range is wider, nothing else changes.
    PreviousBuildUnreadable(&'a E),
    /// The build information is on the server.
    BuildInformationPushed(&'a StoredBuildInformation),
    /// An earlier run's deployment of the release is followed instead of deploying again.
    Adopted {
        /// The project.
        project: &'a Project,
        /// The release.
        release: &'a Release,
        /// The deployment followed, and its state when looked at.
        reused: &'a Reused,
    },
    /// A deployment was started.
    Deploying {
        /// The project.
        project: &'a Project,
        /// The release.
        release: &'a Release,
        /// The deployment.
        deployment: &'a StartedDeployment,
    },
}

/// Receives [`ShipEvent`]s.
pub trait ShipReporter<E> {
    /// One event.
    fn report(&self, event: ShipEvent<'_, E>);
}

/// What publishing wrote: the package, its build information, the release.
#[derive(Debug, Clone)]
pub struct Published {
    /// The package pushed.
    pub package: PushedPackage,
    /// Its build information as stored.
    pub build_information: StoredBuildInformation,
    /// The release created or used, with the deployments its lifecycle started.
    pub release: CreatedRelease,
}

/// Why publishing stopped.
#[derive(Debug)]
pub enum PublishError<E, C> {
    /// The server refused or could not be reached.
    Server(E),
    /// Collecting the build information failed.
    Collect(C),
}

/// Publish what `plan` says, in order: push the package file, push its build information
/// (collected by `collect`, given the previous build's commit the server knows), create or use
/// the release with notes rendered from that build information.
pub async fn publish<S, C, R>(
    server: &S,
    plan: &ShipPlan,
    package_file: &Path,
    collect: impl FnOnce(Option<String>) -> Result<BuildInformation, C>,
    reporter: &R,
) -> Result<Published, PublishError<S::Error, C>>
where
    S: DeploymentServer,
    R: ShipReporter<S::Error>,
{
    let package = server.push_package(package_file, plan.if_exists).await.map_err(PublishError::Server)?;
    reporter.report(ShipEvent::Pushed(&package));
    let package_ids = [plan.package_id.clone()];
    let previous = previous_build::find(server, &package_ids, &plan.version).await;
    for failure in &previous.failures {
        reporter.report(ShipEvent::PreviousBuildUnreadable(failure));
    }
    if let Some(found) = &previous.found {
        reporter.report(ShipEvent::PreviousBuild(found));
    }
    let info =
        collect(previous.found.map(|stored| stored.info.vcs_commit_number)).map_err(PublishError::Collect)?;
    let build_information = server
        .push_build_information(&plan.package_id, &plan.version, &info, plan.if_exists)
        .await
        .map_err(PublishError::Server)?;
    reporter.report(ShipEvent::BuildInformationPushed(&build_information));
    let inputs = &plan.release;
    let mut packages = vec![format!("{}:{}", plan.package_id, plan.version)];
    packages.extend(inputs.other_packages.iter().cloned());
    let notes = match &inputs.notes {
        Some(notes) => notes.clone(),
        None => release_notes::render(std::slice::from_ref(&info), Some(&plan.version), None),
    };
    let request = ReleaseRequest {
        project: plan.project.clone(),
        version: Some(plan.version.clone()),
        channel: plan.channel.clone(),
        packages,
        notes: Some(notes),
        use_existing: plan.if_exists != IfExists::Fail,
        git_ref: inputs.git_ref.clone(),
        git_commit: inputs.git_commit.clone(),
        ..ReleaseRequest::default()
    };
    let release = server.create_release(&request).await.map_err(PublishError::Server)?;
    Ok(Published { package, build_information, release })
}

/// A release to deploy to one batch of targets (deployed at once), and how.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// The project.
    pub project: &'a Project,
    /// The release.
    pub release: &'a Release,
    /// Which of the release's earlier deployments may be followed instead of deploying again.
    pub earlier: EarlierDeployments,
    /// Tenant names or ids; empty for untenanted.
    pub tenants: &'a [String],
    /// Prompted variable values.
    pub variables: &'a [(String, String)],
    /// Scheduling, steps to skip, targets and guided failure, as `release deploy` takes them.
    pub options: &'a ferry_core::deploy_options::DeploymentOptions,
}

/// Start the deployments of `batch.release` to `targets` at once, following instead a deployment
/// that exists already and did not fail (an automatic one, or one of an earlier run); returns
/// them all in target order, for the caller to follow.
pub async fn start_batch<S, R>(
    server: &S,
    batch: Batch<'_>,
    targets: &[String],
    reporter: &R,
) -> Result<Vec<StartedDeployment>, S::Error>
where
    S: DeploymentServer,
    R: ShipReporter<S::Error>,
{
    let Batch { project, release, earlier, .. } = batch;
    let plan = adoption::plan_reuse(server, project, release, earlier, targets).await?;
    // An automatic deployment of a release this run created was announced with the release.
    if earlier == EarlierDeployments::FromAnEarlierRun {
        for reused in &plan.reused {
            reporter.report(ShipEvent::Adopted { project, release, reused });
        }
    }
    let mut all: Vec<StartedDeployment> = plan.reused.into_iter().map(|r| r.deployment).collect();
    if !plan.to_deploy.is_empty() {
        let request = DeployRequest {
            project: project.clone(),
            release: release.clone(),
            environments: server.find_environments(&plan.to_deploy).await?,
            tenants: batch.tenants.to_vec(),
            variables: batch.variables.to_vec(),
            options: batch.options.clone(),
        };
        let started = server.deploy(&request).await?;
        for deployment in &started {
            reporter.report(ShipEvent::Deploying { project, release, deployment });
        }
        all.extend(started);
    }
    adoption::sort_by_targets(&mut all, targets);
    Ok(all)
}
