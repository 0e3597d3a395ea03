//! The resources Ferry reads from the API. Parsing is lenient: unknown fields are ignored,
//! missing ones take defaults, and camelCase spellings are accepted.

use std::collections::HashMap;

use ferry_core::task_state::TaskState;
use serde::Deserialize;

/// `GET /api`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RootDocument {
    /// "Octopus Deploy".
    pub application: Option<String>,
    /// The server version.
    pub version: Option<String>,
    /// "3.0.0".
    pub api_version: Option<String>,
    /// "Ferry" when the server is `ferry server` (Octopus Deploy sends its host name or none).
    pub server_name: Option<String>,
    /// Link templates.
    pub links: HashMap<String, String>,
}

/// A space.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Space {
    /// `Spaces-1`.
    #[serde(alias = "id")]
    pub id: String,
    /// The space's name.
    #[serde(alias = "name")]
    pub name: String,
    /// Whether this is the default space.
    #[serde(alias = "isDefault")]
    pub is_default: bool,
}

/// A page of a collection.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Page<T> {
    /// This page's items.
    #[serde(default = "Vec::new", alias = "items")]
    pub items: Vec<T>,
    /// Links, among them `Page.Next` when there are more pages.
    #[serde(default, alias = "links")]
    pub links: HashMap<String, String>,
    /// How many items the whole collection holds (this page may hold fewer).
    #[serde(default, alias = "totalResults")]
    pub total_results: Option<usize>,
}

/// A project.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Project {
    /// `Projects-1`.
    #[serde(alias = "id")]
    pub id: String,
    /// Display name.
    #[serde(alias = "name")]
    pub name: String,
    /// URL slug.
    #[serde(alias = "slug")]
    pub slug: String,
    /// The project's lifecycle.
    #[serde(alias = "lifecycleId")]
    pub lifecycle_id: Option<String>,
    /// A config-as-code project: its process lives in Git, so releases name a Git ref and the
    /// process is read at that ref.
    #[serde(alias = "isVersionControlled")]
    pub is_version_controlled: bool,
    /// Links; a config-as-code project's `DeploymentProcess` has `{gitRef}` in its path.
    #[serde(alias = "links")]
    pub links: HashMap<String, String>,
}

/// An environment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Environment {
    /// `Environments-1`.
    #[serde(alias = "id")]
    pub id: String,
    /// Display name.
    #[serde(alias = "name")]
    pub name: String,
}

/// A project channel.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Channel {
    /// `Channels-1`.
    #[serde(alias = "id")]
    pub id: String,
    /// Display name.
    #[serde(alias = "name")]
    pub name: String,
    /// Whether releases use it when none is named.
    #[serde(alias = "isDefault")]
    pub is_default: bool,
    /// Lifecycle override.
    #[serde(alias = "lifecycleId")]
    pub lifecycle_id: Option<String>,
}

/// A package version chosen for a release step.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SelectedPackage {
    /// Step name.
    #[serde(alias = "stepName")]
    pub step_name: Option<String>,
    /// Action name.
    #[serde(alias = "actionName")]
    pub action_name: Option<String>,
    /// The package id (Ferry's server fills it; Octopus leaves it to the template).
    #[serde(alias = "packageId")]
    pub package_id: Option<String>,
    /// Package reference name.
    #[serde(alias = "packageReferenceName")]
    pub package_reference_name: Option<String>,
    /// Version.
    #[serde(alias = "version")]
    pub version: String,
}

/// A release.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Release {
    /// `Releases-1`.
    #[serde(alias = "id")]
    pub id: String,
    /// Release version.
    #[serde(alias = "version")]
    pub version: String,
    /// Project id.
    #[serde(alias = "projectId")]
    pub project_id: String,
    /// Channel id.
    #[serde(alias = "channelId")]
    pub channel_id: Option<String>,
    /// Release notes (markdown).
    #[serde(alias = "releaseNotes")]
    pub release_notes: Option<String>,
    /// When it was created.
    #[serde(alias = "assembled")]
    pub assembled: Option<String>,
    /// Chosen package versions.
    #[serde(alias = "selectedPackages")]
    pub selected_packages: Vec<SelectedPackage>,
    /// Links (Web, Progression, ...).
    #[serde(alias = "links")]
    pub links: HashMap<String, String>,
}

/// A deployment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Deployment {
    /// `Deployments-1`.
    #[serde(alias = "id")]
    pub id: String,
    /// Release deployed.
    #[serde(alias = "releaseId")]
    pub release_id: String,
    /// Environment deployed to.
    #[serde(alias = "environmentId")]
    pub environment_id: String,
    /// Project.
    #[serde(alias = "projectId")]
    pub project_id: String,
    /// Tenant, for tenanted deployments.
    #[serde(alias = "tenantId")]
    pub tenant_id: Option<String>,
    /// The server task running it.
    #[serde(alias = "taskId")]
    pub task_id: String,
    /// When it was created.
    #[serde(alias = "created")]
    pub created: Option<String>,
}

/// One entry of the executions API's deploy response.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeploymentServerTask {
    /// `Deployments-N`.
    #[serde(rename = "DeploymentId", alias = "deploymentId")]
    pub deployment_id: String,
    /// `ServerTasks-N`.
    #[serde(rename = "ServerTaskId", alias = "serverTaskId")]
    pub server_task_id: String,
}

/// A server task.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Task {
    /// `ServerTasks-N`.
    #[serde(alias = "id")]
    pub id: String,
    /// Human description, e.g. "Deploy Hello release 1.0.0 to Test".
    #[serde(alias = "description")]
    pub description: String,
    /// Queued, Executing, Success, Failed, Canceled, TimedOut, Cancelling.
    #[serde(alias = "state")]
    pub state: TaskState,
    /// Whether it has finished.
    #[serde(alias = "isCompleted")]
    pub is_completed: Option<bool>,
    /// Whether it finished with Success.
    #[serde(alias = "finishedSuccessfully")]
    pub finished_successfully: Option<bool>,
    /// Why it failed.
    #[serde(alias = "errorMessage")]
    pub error_message: Option<String>,
    /// Human duration.
    #[serde(alias = "duration")]
    pub duration: Option<String>,
    /// Task arguments (`DeploymentId`, ...).
    #[serde(alias = "arguments")]
    pub arguments: HashMap<String, serde_json::Value>,
    /// Kind of task: `Deploy`, `Health`, ...
    #[serde(alias = "name")]
    pub name: String,
    /// When it was queued (RFC 3339).
    #[serde(alias = "queueTime")]
    pub queue_time: Option<String>,
    /// When it started running.
    #[serde(alias = "startTime")]
    pub start_time: Option<String>,
    /// When it finished.
    #[serde(alias = "completedTime")]
    pub completed_time: Option<String>,
    /// The task waits for a person: a manual intervention or guided failure (it stays
    /// `Executing` meanwhile).
    #[serde(alias = "hasPendingInterruptions")]
    pub has_pending_interruptions: bool,
    /// Links; `Web` is the task's page.
    #[serde(alias = "links")]
    pub links: HashMap<String, String>,
}

/// `GET tasks/{id}/details`: the task and its activity tree (go-octopusdeploy
/// `pkg/tasks/task_detail.go`, api-client.ts `serverTaskDetails.ts`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskDetails {
    /// The task.
    #[serde(alias = "task")]
    pub task: Task,
    /// The root activities (one for a deployment: the task), each with nested children.
    #[serde(alias = "activityLogs")]
    pub activity_logs: Vec<Activity>,
}

/// One activity of a task: the task itself, a step, or a step on one deployment target. Children
/// of a step run in parallel, so their log elements interleave in time.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Activity {
    /// Unique within the task.
    #[serde(alias = "id")]
    pub id: String,
    /// E.g. "Step 2: Deploy a Package", or a target's name.
    #[serde(alias = "name")]
    pub name: String,
    /// Pending, Running, Success, Failed, Skipped, SuccessWithWarning, Canceled.
    #[serde(alias = "status")]
    pub status: String,
    /// Nested activities.
    #[serde(alias = "children")]
    pub children: Vec<Activity>,
    /// The activity's own log lines, oldest first (with `tail`, only the last ones).
    #[serde(alias = "logElements")]
    pub log_elements: Vec<LogElement>,
}

/// One log line of an activity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogElement {
    /// Trace, Verbose, Info, Highlight, Wait, Gap, Alert, Warning, Error, Fatal, Planned, Updated,
    /// Finished, Abandoned.
    #[serde(alias = "category")]
    pub category: String,
    /// When it was logged.
    #[serde(alias = "occurredAt")]
    pub occurred_at: Option<String>,
    /// The line.
    #[serde(alias = "messageText")]
    pub message_text: String,
    /// Its number: increases along the activity's log, so it tells new lines from seen ones.
    #[serde(alias = "number")]
    pub number: Option<u64>,
}

/// A manual intervention or guided-failure prompt (`GET interruptions?regarding=`; OctopusClients
/// `InterruptionResource`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Interruption {
    /// `Interruptions-N`.
    #[serde(alias = "id")]
    pub id: String,
    /// What it asks, e.g. "Approve the production deployment".
    #[serde(alias = "title")]
    pub title: String,
    /// Not answered yet.
    #[serde(alias = "isPending")]
    pub is_pending: bool,
    /// The task it holds.
    #[serde(alias = "taskId")]
    pub task_id: Option<String>,
    /// The form to answer: `Result` (Proceed/Abort) for a manual intervention, `Guidance`
    /// (Retry/Ignore/Fail/Exclude) for guided failure.
    #[serde(alias = "form")]
    pub form: InterruptionForm,
}

/// An interruption's form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InterruptionForm {
    /// Field name -> value; the names say which kind of interruption it is.
    #[serde(alias = "values")]
    pub values: HashMap<String, serde_json::Value>,
}

impl Interruption {
    /// Guided failure asks for `Guidance`; a manual intervention for a `Result`.
    pub fn is_guided_failure(&self) -> bool {
        self.form.values.keys().any(|k| k.eq_ignore_ascii_case("Guidance"))
    }
}

impl Task {
    /// The deployment a `Deploy` task runs (`Arguments.DeploymentId`).
    pub fn deployment_id(&self) -> Option<&str> {
        self.arguments.get("DeploymentId").and_then(serde_json::Value::as_str).filter(|id| !id.is_empty())
    }

    /// Whole seconds from start to finish (or to `now` for a running task), when it has started.
    pub fn duration_seconds(&self, now: jiff::Timestamp) -> Option<i64> {
        let start: jiff::Timestamp = self.start_time.as_deref()?.parse().ok()?;
        let end = match self.completed_time.as_deref() {
            Some(end) => end.parse().ok()?,
            None => now,
        };
        Some((end.as_second() - start.as_second()).max(0))
    }

    /// Whether the task has reached a final state.
    pub fn completed(&self) -> bool {
        self.is_completed.unwrap_or(self.state.is_final())
    }

    /// Whether the task finished with Success.
    pub fn succeeded(&self) -> bool {
        self.finished_successfully.unwrap_or(self.state == TaskState::Success)
    }
}

/// One phase of a release's progression.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ProgressionPhase {
    /// Phase name.
    #[serde(alias = "name")]
    pub name: String,
    /// Complete, Current or Pending.
    #[serde(alias = "progress")]
    pub progress: String,
    /// Environments deployed automatically when the release reaches the phase.
    #[serde(alias = "automaticDeploymentTargets")]
    pub automatic_deployment_targets: Vec<String>,
    /// Environments deployed by hand.
    #[serde(alias = "optionalDeploymentTargets")]
    pub optional_deployment_targets: Vec<String>,
    /// Whether the phase may be skipped.
    #[serde(alias = "isOptionalPhase")]
    pub is_optional_phase: bool,
}

/// `GET lifecycles/{id}`: the phases a release goes through, in order (the progression's phases
/// without a release's progress).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Lifecycle {
    /// `Lifecycles-1`.
    #[serde(alias = "id")]
    pub id: String,
    /// Display name.
    #[serde(alias = "name")]
    pub name: String,
    /// Its phases, first to last.
    #[serde(alias = "phases")]
    pub phases: Vec<ProgressionPhase>,
}

/// `GET releases/{id}/progression`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Progression {
    /// The lifecycle's phases with this release's progress.
    #[serde(alias = "phases")]
    pub phases: Vec<ProgressionPhase>,
    /// Environment ids the release can go to next.
    #[serde(alias = "nextDeployments")]
    pub next_deployments: Vec<String>,
}

/// A package in the built-in feed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PackageResource {
    /// `packages-Hello.1.0.0`.
    #[serde(alias = "id")]
    pub id: String,
    /// Package id.
    #[serde(alias = "packageId")]
    pub package_id: String,
    /// Version.
    #[serde(alias = "version")]
    pub version: String,
    /// Size in bytes.
    #[serde(alias = "packageSizeBytes")]
    pub package_size_bytes: Option<u64>,
    /// SHA-1 hex.
    #[serde(alias = "hash")]
    pub hash: Option<String>,
}

/// A package of the deployment process template.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TemplatePackage {
    /// Step name.
    #[serde(alias = "stepName")]
    pub step_name: String,
    /// Action name.
    #[serde(alias = "actionName")]
    pub action_name: String,
    /// Package reference name.
    #[serde(alias = "packageReferenceName")]
    pub package_reference_name: Option<String>,
    /// Package id.
    #[serde(alias = "packageId")]
    pub package_id: String,
}

/// A deployment process; only its links are read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentProcess {
    /// Links; `Template` is the release template (ref-scoped for a config-as-code project).
    #[serde(alias = "links")]
    pub links: HashMap<String, String>,
}

/// `GET projects/{id}/deploymentprocesses/template`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReleaseTemplate {
    /// The packages the process deploys.
    #[serde(alias = "packages")]
    pub packages: Vec<TemplatePackage>,
    /// The next version the project's strategy proposes.
    #[serde(alias = "nextVersionIncrement")]
    pub next_version_increment: Option<String>,
}

/// An Octopus timestamp (`2025-01-01T10:00:00.000+10:00`, or with `Z`) as an instant, so times
/// written with different offsets (or either side of a DST change) order correctly. `None` when
/// unreadable.
pub fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    text.trim().parse::<jiff::Timestamp>().ok()
}
