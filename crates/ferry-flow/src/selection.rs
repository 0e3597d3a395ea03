//! Which release `promote` takes from an environment, and which one `rollback` returns to.

use ferry_core::version::compare_text;

use crate::DeploymentServer;
use crate::model::{Deployment, Environment, Project, Release, TaskState};

/// How many of an environment's most recent deployments are read: enough history for a rollback
/// or a promotion, without reading every task of a long-lived project.
const HISTORY: usize = 200;

/// The most recent deployments of `project` to `environment`, newest first, each with the state
/// of its task.
pub async fn deployment_history<S: DeploymentServer>(
    server: &S,
    project: &Project,
    environment: &Environment,
) -> Result<Vec<(Deployment, TaskState)>, S::Error> {
    let deployments = server.deployments(project, Some(environment)).await?;
    let mut history = Vec::new();
    for deployment in deployments.into_iter().take(HISTORY) {
        let task = server.task(&deployment.task_id).await?;
        history.push((deployment, task.state));
    }
    Ok(history)
}

/// What `promote` takes from `environment`: the highest-versioned release with a successful
/// deployment there (not the most recent one: an older hotfix deployed last does not win), or
/// `None` when none has succeeded there.
pub async fn promotion_candidate<S: DeploymentServer>(
    server: &S,
    project: &Project,
    environment: &Environment,
) -> Result<Option<Release>, S::Error> {
    let history = deployment_history(server, project, environment).await?;
    let mut releases: Vec<Release> = Vec::new();
    for (deployment, _) in history.iter().filter(|(_, state)| *state == TaskState::Success) {
        if releases.iter().all(|r| r.id != deployment.release_id) {
            releases.push(server.release(&deployment.release_id).await?);
        }
    }
    releases.sort_by(|a, b| compare_text(&b.version, &a.version));
    Ok(releases.into_iter().next())
}

/// What `rollback` does in an environment.
#[derive(Debug, PartialEq, Eq)]
pub enum Rollback {
    /// The environment has no deployment of the project that has started to end.
    NoDeployment,
    /// No other release has succeeded there.
    NothingEarlier {
        /// The release there now.
        current: Release,
    },
    /// Redeploy `previous`.
    To {
        /// The release there now.
        current: Release,
        /// The most recent other release that succeeded there.
        previous: Release,
    },
}

/// The release `rollback` returns `environment` to: the current release is the one most recently
/// deployed there, whatever the outcome (a deployment still queued or running does not count);
/// the target is the most recent successful deployment of a different release.
pub async fn rollback_target<S: DeploymentServer>(
    server: &S,
    project: &Project,
    environment: &Environment,
) -> Result<Rollback, S::Error> {
    let history = deployment_history(server, project, environment).await?;
    let Some((current, _)) = history.iter().find(|(_, state)| !state.is_pending()) else {
        return Ok(Rollback::NoDeployment);
    };
    let previous = history
        .iter()
        .find(|(d, state)| *state == TaskState::Success && d.release_id != current.release_id)
        .map(|(d, _)| d.release_id.clone());
    let current = server.release(&current.release_id).await?;
    Ok(match previous {
        None => Rollback::NothingEarlier { current },
        Some(previous) => Rollback::To { current, previous: server.release(&previous).await? },
    })
}
