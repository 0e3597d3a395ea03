//! Server tasks: a bounded pool of workers running deployments. A task goes Queued -> Executing
//! -> Success | Failed | Canceled | TimedOut. Cancel stops a running deploy command; tasks left
//! running when the server stopped are failed at the next start.

pub mod command;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::params;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::errors::{ApiResult, ServerError};
use crate::state::AppState;
use crate::store::model::{Deployment, Environment, Project, Release, Task};
use crate::store::now;

/// The worker pool.
pub struct TaskRunner {
    permits: Arc<Semaphore>,
    running: Mutex<HashMap<String, RunningTask>>,
    /// One deployment at a time per project and environment, in queue order.
    lanes: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// A task running in this process: how to cancel it and its handle.
type RunningTask = (CancellationToken, Option<tokio::task::JoinHandle<()>>);

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

impl TaskRunner {
    /// A pool running at most `workers` tasks at once.
    pub fn new(workers: usize) -> TaskRunner {
        TaskRunner {
            permits: Arc::new(Semaphore::new(workers)),
            running: Mutex::new(HashMap::new()),
            lanes: Mutex::new(HashMap::new()),
        }
    }

    /// Mark tasks a previous run left Executing (or Queued) as Failed.
    pub fn recover_interrupted(&self, state: &AppState) -> Result<(), ServerError> {
        state.store.blocking(|c| {
            let tx = c.transaction()?;
            for (from, message) in [
                ("Executing", "The server stopped while this task was running; it was marked failed when the server started again."),
                ("Cancelling", "The server stopped while this task was being canceled; it was marked failed when the server started again."),
                ("Queued", "The server stopped before this task started; it was marked failed when the server started again."),
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

    /// Start a queued task in the background.
    pub fn enqueue(&self, state: &AppState, task_id: String) {
        let token = CancellationToken::new();
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.insert(task_id.clone(), (token.clone(), None));
        let handle = tokio::spawn(run(state.clone(), task_id.clone(), token));
        if let Some(entry) = running.get_mut(&task_id) {
            entry.1 = Some(handle);
        }
    }

    /// Ask a task to stop. Returns false when it is not running in this process.
    pub fn cancel(&self, task_id: &str) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        match running.get(task_id) {
            Some((token, _)) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn lane(&self, key: String) -> Arc<tokio::sync::Mutex<()>> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(lanes.entry(key).or_default())
    }

    fn finished(&self, task_id: &str) {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).remove(task_id);
    }

    /// Wait up to `grace` for running tasks, then cancel the rest and wait a little more.
    pub async fn shutdown(&self, grace: Duration) {
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
                .filter_map(|(_, (token, handle))| {
                    token.cancel();
                    handle
                })
                .collect()
        };
        for handle in handles {
            let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
        }
    }
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
    let outcome = execute(&state, &task_id, &token).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
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
            tracing::info!(task = %task_id, state = final_state, "task finished");
            for task in next {
                state.tasks.enqueue(&state, task);
            }
        }
        Err(err) => tracing::error!(task = %task_id, error = %err, "could not record the end of a task"),
    }
}

async fn execute(state: &AppState, task_id: &str, token: &CancellationToken) -> ApiResult<Outcome> {
    // Deployments of one project to one environment run one after the other (the lane's mutex is
    // fair, so in queue order); the worker permit is taken only once it is this task's turn.
    let id = task_id.to_owned();
    let task = state.store.call(move |c| Task::get(c, &id)).await?;
    let lane = state.tasks.lane(format!(
        "{}/{}",
        task.project_id.as_deref().unwrap_or(""),
        task.environment_id.as_deref().unwrap_or("")
    ));
    let _turn = tokio::select! {
        turn = lane.lock_owned() => turn,
        _ = token.cancelled() => return Ok(Outcome::failed("Canceled", "The task was canceled before it started.")),
    };
    let permit = tokio::select! {
        permit = Arc::clone(&state.tasks.permits).acquire_owned() => permit,
        _ = token.cancelled() => return Ok(Outcome::failed("Canceled", "The task was canceled before it started.")),
    };
    let _permit = permit.map_err(|err| crate::errors::ApiError::internal(err.to_string()))?;
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
            Ok(Some(DeployContext { task, deployment, release, project, environment }))
        })
        .await?;
    let Some(context) = context else {
        return Ok(Outcome::failed("Canceled", "The task was no longer queued."));
    };
    if token.is_cancelled() {
        return Ok(Outcome::failed("Canceled", "The task was canceled."));
    }
    match context.project.deploy_command(&context.environment.name) {
        None => {
            let line = "No deploy command is configured for this project and environment; the deployment is recorded.";
            let id = task_id.to_owned();
            state.store.call(move |c| Task::append_log(c, &id, &[("Info".into(), line.into())])).await?;
            Ok(Outcome::success())
        }
        Some(command) => {
            let timeout = context
                .project
                .deploy_timeout_secs
                .map(Duration::from_secs)
                .unwrap_or(state.limits.deploy_timeout);
            let command = command.to_owned();
            command::run(state, &context, &command, timeout, token).await
        }
    }
}
