//! Server tasks: deployments run by a dispatcher. A task goes Queued -> Executing -> Success |
//! Failed | Canceled | TimedOut. The store is the queue: a request only commits a Queued task,
//! and the dispatcher starts Queued tasks in creation order, so a task runs even when the
//! request that created it was dropped after its commit, or the server restarted in between.
//! Cancel stops a running deploy command; tasks left Executing when the server stopped are
//! failed at the next start.

pub mod activity;
pub mod command;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::params;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::errors::{ApiResult, ServerError};
use crate::state::AppState;
use crate::store::model::{Deployment, Environment, Project, Release, Task};
use crate::store::now;

/// How often the dispatcher looks for Queued tasks without being woken: the bound on how late a
/// task committed by a request that never reached [`TaskRunner::notify_queued`] starts.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The dispatcher and the tasks it started.
pub struct TaskRunner {
    /// Tasks running at once, at most.
    workers: usize,
    running: Mutex<HashMap<String, RunningTask>>,
    /// Wakes the dispatcher: a task was queued or finished.
    wake: Notify,
    /// Stops the dispatcher (shutdown).
    stopping: CancellationToken,
    /// Automatic deployments being queued after a release's answer: a shutdown waits for them,
    /// so a release answered just before it still gets its deployments.
    queuing: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// A task started in this process.
struct RunningTask {
    /// Cancels it.
    token: CancellationToken,
    /// Its project and environment: one task per lane runs at a time.
    lane: String,
    handle: Option<tokio::task::JoinHandle<()>>,
}

/// How a task ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Success, Failed, Canceled or TimedOut.
    pub state: &'static str,
    /// Empty on success.
    pub error: String,
}

impl Outcome {
    fn success() -> Outcome {
        Outcome { state: "Success", error: String::new() }
    }
    fn failed(state: &'static str, error: impl Into<String>) -> Outcome {
        Outcome { state, error: error.into() }
    }
}

/// Deployments of one project to one environment form a lane: they run one at a time, in the
/// order they were created.
fn lane_of(task: &Task) -> String {
    format!("{}/{}", task.project_id.as_deref().unwrap_or(""), task.environment_id.as_deref().unwrap_or(""))
}

impl TaskRunner {
    /// A runner starting at most `workers` tasks at once.
    pub fn new(workers: usize) -> TaskRunner {
        TaskRunner {
            workers: workers.max(1),
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            stopping: CancellationToken::new(),
            queuing: Mutex::new(Vec::new()),
        }
    }

    /// Mark tasks a previous run left Executing (or Cancelling) as Failed, stopping deploy
    /// commands it left running. Queued tasks stay queued: the dispatcher starts them.
    pub fn recover_interrupted(&self, state: &AppState) -> Result<(), ServerError> {
        state.store.blocking(|c| {
            let tx = c.transaction()?;
            for (from, message) in [
                ("Executing", "The server stopped while this task was running; it was marked failed when the server started again."),
                ("Cancelling", "The server stopped while this task was being canceled; it was marked failed when the server started again."),
            ] {
                for task in Task::in_state(&tx, from)? {
                    let leftover: (Option<u32>, Option<String>) =
                        tx.query_row("SELECT pid, pid_start FROM tasks WHERE id = ?1", [&task.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    if let (Some(pid), Some(start)) = leftover
                        && command::kill_leftover(pid, &start)
                    {
                        tracing::warn!(task = %task.id, pid, "stopped a deploy command left running by the previous server process");
                    }
                    tx.execute(
                        "UPDATE tasks SET state = 'Failed', error_message = ?2, completed_time = ?3, pid = NULL WHERE id = ?1",
                        params![task.id, message, now()],
                    )?;
                    Task::append_log(&tx, &task.id, &[("Error".into(), message.into())])?;
                    tracing::warn!(task = %task.id, "interrupted task marked failed");
                }
            }
            tx.commit()?;
            Ok(())
        })?;
        Ok(())
    }

    /// Start the dispatcher; it runs until [`TaskRunner::shutdown`], starting the tasks already
    /// queued first.
    pub fn start_dispatcher(&self, state: &AppState) {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = dispatch(&state).await {
                    tracing::error!(error = %err, "could not start queued tasks; trying again shortly");
                }
                tokio::select! {
                    _ = state.tasks.wake.notified() => {}
                    _ = tokio::time::sleep(POLL_INTERVAL) => {}
                    _ = state.tasks.stopping.cancelled() => return,
                }
            }
        });
    }

    /// Tell the dispatcher that tasks were committed as Queued (it would find them at its next
    /// poll anyway; this starts them now).
    pub fn notify_queued(&self) {
        self.wake.notify_one();
    }

    /// Remember a job that queues tasks (a release's automatic deployments), for the shutdown to
    /// wait for.
    pub fn track_queuing(&self, job: tokio::task::JoinHandle<()>) {
        let mut jobs = self.queuing.lock().unwrap_or_else(|p| p.into_inner());
        jobs.retain(|j| !j.is_finished());
        jobs.push(job);
    }

    /// Ask a task to stop. Returns false when it is not running in this process.
    pub fn cancel(&self, task_id: &str) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        match running.get(task_id) {
            Some(task) => {
                task.token.cancel();
                true
            }
            None => false,
        }
    }

    fn finished(&self, task_id: &str) {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).remove(task_id);
        self.wake.notify_one();
    }

    /// Start tasks committed before the shutdown began, stop dispatching, wait up to `grace`
    /// for running tasks, then cancel the rest and wait a little more. Tasks still queued stay
    /// queued for the next start.
    pub async fn shutdown(&self, state: &AppState, grace: Duration) {
        let queuing: Vec<_> = self.queuing.lock().unwrap_or_else(|p| p.into_inner()).drain(..).collect();
        for job in queuing {
            let _ = tokio::time::timeout(grace, job).await;
        }
        if let Err(err) = dispatch(state).await {
            tracing::warn!(error = %err, "could not start queued tasks before shutting down");
        }
        self.stopping.cancel();
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let empty = self.running.lock().unwrap_or_else(|p| p.into_inner()).is_empty();
            if empty {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let handles: Vec<_> = {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            running
                .drain()
                .filter_map(|(_, task)| {
                    task.token.cancel();
                    task.handle
                })
                .collect()
        };
        for handle in handles {
            let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
        }
    }
}

/// Start every Queued task whose turn it is: the oldest of each free lane, oldest first, while
/// workers are free. Creation order is the table's insertion order, fixed when the request's
/// transaction committed, so the order cannot depend on which thread runs first.
async fn dispatch(state: &AppState) -> ApiResult<()> {
    if state.tasks.stopping.is_cancelled() {
        return Ok(());
    }
    let queued = state.store.call(|c| Task::in_state(c, "Queued")).await?;
    let now = jiff::Timestamp::now();
    // Times are parsed, never compared as text: a client may have written any offset.
    let at = |text: Option<&str>| text.and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let (expired, queued): (Vec<Task>, Vec<Task>) = queued
        .into_iter()
        .partition(|task| at(task.queue_time_expiry.as_deref()).is_some_and(|end| end <= now));
    if !expired.is_empty() {
        time_out_unstarted(state, expired).await?;
    }
    let runner = &state.tasks;
    let mut running = runner.running.lock().unwrap_or_else(|p| p.into_inner());
    let mut busy: HashSet<String> = running.values().map(|task| task.lane.clone()).collect();
    for task in queued {
        // Scheduled for later (`RunAt`): the dispatcher's poll finds it when its time comes.
        if at(Some(&task.queue_time)).is_some_and(|start| start > now) {
            continue;
        }
        if running.len() >= runner.workers {
            break;
        }
        let lane = lane_of(&task);
        // Started and not yet Executing, or behind an older task of its lane.
        if running.contains_key(&task.id) || !busy.insert(lane.clone()) {
            continue;
        }
        let token = CancellationToken::new();
        let handle = tokio::spawn(run(state.clone(), task.id.clone(), token.clone()));
        running.insert(task.id, RunningTask { token, lane, handle: Some(handle) });
    }
    Ok(())
}

/// Time out queued tasks whose `QueueTimeExpiry` passed before they started, as Octopus does with
/// a deployment's `NoRunAfter`.
async fn time_out_unstarted(state: &AppState, tasks: Vec<Task>) -> ApiResult<()> {
    state
        .store
        .tx(move |tx| {
            for task in &tasks {
                let message = format!(
                    "The task did not start before {}, the latest time it was allowed to start (NoRunAfter).",
                    task.queue_time_expiry.as_deref().unwrap_or_default()
                );
                let changed = tx.execute(
                    "UPDATE tasks SET state = 'TimedOut', error_message = ?2, completed_time = ?3 WHERE id = ?1 AND state = 'Queued'",
                    params![task.id, message, now()],
                )?;
                if changed > 0 {
                    Task::append_log(tx, &task.id, &[("Error".into(), message)])?;
                }
            }
            Ok(())
        })
        .await
}

/// Everything a deployment task needs.
pub struct DeployContext {
    /// The task.
    pub task: Task,
    /// Its deployment.
    pub deployment: Deployment,
    /// The release.
    pub release: Release,
    /// The project.
    pub project: Project,
    /// The environment.
    pub environment: Environment,
}

async fn run(state: AppState, task_id: String, token: CancellationToken) {
    let outcome = match execute(&state, &task_id, &token).await {
        Ok(Some(outcome)) => outcome,
        // Canceled (or finished) since the dispatcher saw it queued: nothing to record.
        Ok(None) => {
            state.tasks.finished(&task_id);
            return;
        }
        Err(err) => Outcome::failed("Failed", format!("The task could not run: {}", err.message)),
    };
    let id = task_id.clone();
    let result = state
        .store
        .tx(move |tx| {
            let mut lines = Vec::new();
            if outcome.state == "Success" {
                lines.push(("Info".to_owned(), "Deployment completed successfully.".to_owned()));
            } else {
                lines.push(("Error".to_owned(), outcome.error.clone()));
            }
            Task::append_log(tx, &id, &lines)?;
            activity::finish(tx, &id, outcome.state)?;
            tx.execute(
                "UPDATE tasks SET state = ?2, error_message = ?3, completed_time = ?4, \
                 start_time = COALESCE(start_time, ?4) WHERE id = ?1",
                params![id, outcome.state, outcome.error, now()],
            )?;
            // A success may let the release into an automatic phase.
            let mut next = Vec::new();
            if outcome.state == "Success"
                && let Some(deployment) = Deployment::by_task(tx, &id)?
                && let Some(release) = Release::by_id(tx, &deployment.release_id)?
            {
                next = crate::deploy::auto_deploy(tx, &release)?;
            }
            Ok((outcome.state, next))
        })
        .await;
    state.tasks.finished(&task_id);
    match result {
        Ok((final_state, next)) => {
            tracing::info!(task = %task_id, state = final_state, automatic_deployments = next.len(), "task finished");
        }
        Err(err) => tracing::error!(task = %task_id, error = %err, "could not record the end of a task"),
    }
}

/// Run a task the dispatcher started; `None` when it is no longer Queued.
async fn execute(state: &AppState, task_id: &str, token: &CancellationToken) -> ApiResult<Option<Outcome>> {
    let id = task_id.to_owned();
    let context = state
        .store
        .tx(move |tx| {
            let task = Task::get(tx, &id)?;
            if task.state != "Queued" {
                return Ok(None);
            }
            tx.execute(
                "UPDATE tasks SET state = 'Executing', start_time = ?2 WHERE id = ?1",
                params![id, now()],
            )?;
            let missing =
                |what: &str| crate::errors::ApiError::internal(format!("task {id}: {what} is missing"));
            let deployment = Deployment::by_task(tx, &id)?.ok_or_else(|| missing("deployment"))?;
            let release = Release::by_id(tx, &deployment.release_id)?.ok_or_else(|| missing("release"))?;
            let project = Project::get(tx, &deployment.project_id)?;
            let environment =
                Environment::find(tx, &deployment.environment_id)?.ok_or_else(|| missing("environment"))?;
            Task::append_log(tx, &id, &[("Info".into(), format!("Executing: {}", task.description))])?;
            let context = DeployContext { task, deployment, release, project, environment };
            let has_command = context.project.deploy_command(&context.environment.name).is_some();
            activity::plan_steps(tx, &id, &command::step_names(&context, has_command))?;
            Ok(Some(context))
        })
        .await?;
    let Some(context) = context else {
        return Ok(None);
    };
    if token.is_cancelled() {
        return Ok(Some(Outcome::failed("Canceled", "The task was canceled before it started.")));
    }
    match context.project.deploy_command(&context.environment.name) {
        None => {
            let line = "No deploy command is configured for this project and environment; the deployment is recorded.";
            let id = task_id.to_owned();
            state.store.tx(move |tx| Task::append_log(tx, &id, &[("Info".into(), line.into())])).await?;
            Ok(Some(Outcome::success()))
        }
        Some(command) => {
            let timeout = context
                .project
                .deploy_timeout_secs
                .map(Duration::from_secs)
                .unwrap_or(state.limits.deploy_timeout);
            let command = command.to_owned();
            command::run(state, &context, &command, timeout, token).await.map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Limits;
    use crate::store::Store;

    /// A Queued task with no deployment behind it (nothing here gets as far as running one).
    fn state_with_queued_task(dir: &std::path::Path) -> AppState {
        let store = Store::open(dir).unwrap();
        store
            .blocking(|c| {
                c.execute(
                    "INSERT INTO tasks(id, name, description, state, arguments, queue_time) \
                     VALUES ('ServerTasks-1', 'Deploy', 'Deploy x', 'Queued', '{}', ?1)",
                    [now()],
                )?;
                Ok(())
            })
            .unwrap();
        let limits = Limits {
            max_upload_bytes: 1 << 20,
            max_json_bytes: 1 << 20,
            deploy_timeout: Duration::from_secs(5),
            automatic_deployment_delay: Duration::ZERO,
        };
        AppState::new(store, dir.to_path_buf(), limits, &[], crate::oidc::ServiceAccounts::default(), 1)
    }

    /// The window the cancel race lived in: the dispatcher has picked the Queued task (it is in
    /// `running`) and its `run` has not yet moved it to Executing. Cancel must settle it in the
    /// store at once, and the dispatcher's `execute` must then not start it.
    #[tokio::test]
    async fn a_queued_task_canceled_after_the_dispatcher_picked_it_never_starts() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_queued_task(dir.path());
        let token = CancellationToken::new();
        let picked = RunningTask { token: token.clone(), lane: "/".into(), handle: None };
        state.tasks.running.lock().unwrap().insert("ServerTasks-1".into(), picked);

        let task = state.store.call(|c| Task::get(c, "ServerTasks-1")).await.unwrap();
        let answered = crate::api::tasks::request_cancel(&state, task, "Cancel requested.").await.unwrap();
        assert_eq!(answered.state, "Canceled");
        assert!(token.is_cancelled(), "the dispatcher's token is canceled too");

        let started = execute(&state, "ServerTasks-1", &token).await.unwrap();
        assert!(started.is_none(), "the dispatcher started a canceled task");
        let stored = state.store.call(|c| Task::get(c, "ServerTasks-1")).await.unwrap();
        assert_eq!((stored.state.as_str(), stored.start_time), ("Canceled", None));
    }

    /// Not picked by the dispatcher yet: canceled in the store, and never started afterwards.
    #[tokio::test]
    async fn a_queued_task_canceled_before_the_dispatcher_saw_it_never_starts() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_queued_task(dir.path());
        let task = state.store.call(|c| Task::get(c, "ServerTasks-1")).await.unwrap();
        let answered = crate::api::tasks::request_cancel(&state, task, "Cancel requested.").await.unwrap();
        assert_eq!(answered.state, "Canceled");
        assert!(execute(&state, "ServerTasks-1", &CancellationToken::new()).await.unwrap().is_none());
    }
}
