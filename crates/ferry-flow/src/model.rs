//! What the flow knows of a deployment server's objects: only the fields its decisions read, so
//! a server that is not Octopus (GitHub Releases and Deployments) can supply them too.

pub use ferry_core::build_info::BuildInformation;
pub use ferry_core::if_exists::{IfExists, PushStatus};
pub use ferry_core::task_state::TaskState;

/// A project: on Octopus a project, on GitHub a repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// The server's id (`Projects-1`).
    pub id: String,
    /// Display name, used in messages.
    pub name: String,
    /// The server's id of the lifecycle a release follows when its channel names none.
    pub lifecycle_id: Option<String>,
}

/// An environment a release is deployed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// The server's id (`Environments-1`); lifecycles name environments by id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A release of a project: on GitHub, a tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Release {
    /// The server's id (`Releases-1`).
    pub id: String,
    /// The release version as the server stores it.
    pub version: String,
}

/// One deployment of a release to an environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deployment {
    /// The server's id (`Deployments-1`).
    pub id: String,
    /// The release deployed.
    pub release_id: String,
    /// Where it was deployed.
    pub environment_id: String,
    /// The task that runs it: on GitHub, the deployment's statuses.
    pub task_id: String,
}

/// Where a server task stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The server's id (`ServerTasks-1`).
    pub id: String,
    /// Its state.
    pub state: TaskState,
    /// Whether it has ended, as the server says (Octopus's `IsCompleted`, else from the state).
    pub completed: bool,
    /// What the task does, as the server describes it.
    pub description: String,
    /// How long it ran, as the server words it.
    pub duration: Option<String>,
    /// How long it ran (or has run so far), in seconds, from the server's own times.
    pub duration_seconds: Option<i64>,
    /// Why it failed, when the server says.
    pub error_message: Option<String>,
    /// It waits for a person (a manual intervention or guided failure); Octopus's
    /// `HasPendingInterruptions`.
    pub has_pending_interruptions: bool,
}

/// One activity of a task's log: the task, a step, or a step on one target. Children of a step
/// run in parallel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Unique within the task.
    pub id: String,
    /// E.g. "Step 1: Deploy Hello" or a target's name.
    pub name: String,
    /// Nested activities.
    pub children: Vec<Activity>,
    /// Its own lines, oldest first (only the last ones when fetched with a tail).
    pub lines: Vec<ActivityLine>,
}

/// One line of an activity's log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityLine {
    /// Info, Warning, Error, ...
    pub category: String,
    /// The text.
    pub text: String,
    /// Increases along the activity's log, telling new lines from seen ones; `None` when the
    /// server does not number them (then lines are counted, and never fetched with a tail).
    pub number: Option<u64>,
}

/// What a task waiting for a person asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interruption {
    /// What it asks, e.g. "Approve the production deployment".
    pub title: String,
    /// Guided failure (a step failed and the task asks what to do) rather than a manual
    /// intervention.
    pub guided_failure: bool,
    /// Where a person answers it (the task's page).
    pub web_link: String,
}

/// A phase of a lifecycle, or of a release's progression through it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phase {
    /// The phase's name.
    pub name: String,
    /// Environment ids a release entering the phase is deployed to automatically.
    pub automatic: Vec<String>,
    /// Environment ids a release may be deployed to in the phase.
    pub optional: Vec<String>,
    /// An optional phase does not hold back the phases after it.
    pub is_optional: bool,
    /// In a release's progression: whether the release has entered the phase (on a lifecycle
    /// read for a release that does not exist yet, false).
    pub entered: bool,
}

impl Phase {
    /// Every environment of the phase, automatic ones first.
    pub fn environments(&self) -> impl Iterator<Item = &String> {
        self.automatic.iter().chain(&self.optional)
    }
}

/// The rules a release follows through environments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// The lifecycle's name, used in messages.
    pub name: String,
    /// Its phases in order. None at all means every environment is open (as in Octopus).
    pub phases: Vec<Phase>,
}

/// A deployment to start: one per environment (or per tenant in it).
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    /// The project.
    pub project: Project,
    /// The release to deploy.
    pub release: Release,
    /// Where to.
    pub environments: Vec<Environment>,
    /// Tenant names or ids; empty for untenanted.
    pub tenants: Vec<String>,
    /// Prompted variable values.
    pub variables: Vec<(String, String)>,
    /// Tenant tags, machines, skipped steps, schedule, guided failure.
    pub options: ferry_core::deploy_options::DeploymentOptions,
}

/// A deployment the server started (or had started already, after a lost answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedDeployment {
    /// Environment name.
    pub environment: String,
    /// The deployment's id.
    pub deployment_id: String,
    /// The id of the task that runs it.
    pub task_id: String,
}

/// A package file the server now holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedPackage {
    /// The local file that was pushed.
    pub path: std::path::PathBuf,
    /// The package id, as the server reports it (else from the file name).
    pub package_id: String,
    /// The package version, as the server reports it (else from the file name).
    pub version: String,
    /// Whether it was stored, kept or replaced.
    pub status: PushStatus,
}

/// Build information the server holds for one package version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBuildInformation {
    /// The server's id (`BuildInformation-1`; on GitHub the asset's id).
    pub id: String,
    /// The package id it describes.
    pub package_id: String,
    /// The package version it describes.
    pub version: String,
    /// The information itself.
    pub info: BuildInformation,
}

/// A release to create, or to find when it exists and `use_existing` says so.
#[derive(Debug, Clone, Default)]
pub struct ReleaseRequest {
    /// The project.
    pub project: Project,
    /// The release version; `None` lets the server choose (Octopus's version template).
    pub version: Option<String>,
    /// Channel name or id; `None` for the project's default channel.
    pub channel: Option<String>,
    /// Pinned package versions: `ID:VERSION`, `STEP:VERSION` or `STEP:REF:VERSION`.
    pub packages: Vec<String>,
    /// The version of every package not pinned in `packages`.
    pub package_version: Option<String>,
    /// Release notes, markdown.
    pub notes: Option<String>,
    /// When a release with this version exists: use it (true) or fail (false).
    pub use_existing: bool,
    /// Git reference, for projects whose process lives in git.
    pub git_ref: Option<String>,
    /// Git commit, for projects whose process lives in git (on GitHub, the tag's target).
    pub git_commit: Option<String>,
}

/// A package version a release uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleasePackage {
    /// The package id (the step name when the server does not say).
    pub package_id: String,
    /// The deployment step that uses it (empty when the server has no steps).
    pub step: String,
    /// Another name the step's action goes by, which `--package ACTION:VERSION` may use.
    pub action: String,
    /// The version.
    pub version: String,
}

/// The release [`DeploymentServer::create_release`](crate::DeploymentServer::create_release)
/// created or found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRelease {
    /// The release.
    pub release: Release,
    /// Whether it existed before this call (and so was found, not created).
    pub existing: bool,
    /// The channel's name (empty when the server has no channels).
    pub channel: String,
    /// The package versions it uses.
    pub packages: Vec<ReleasePackage>,
    /// Deployments the server's lifecycle started by itself when the release was created, in the
    /// order they were started; empty for a release that existed.
    pub automatic_deployments: Vec<StartedDeployment>,
}
