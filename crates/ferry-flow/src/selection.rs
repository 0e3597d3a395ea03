//! Which release `promote` takes from an environment, and which one `rollback` returns to.
//!
//! Both start from the release that is **current** in the environment, as Octopus's dashboard
//! shows it: the project's newest deployment there (`dashboard/dynamic`, the item with
//! `IsCurrent`), whatever its outcome, so after a failed 2.0 was rolled back to 1.9 the current
//! release is 1.9. The Go CLI has no promote command (its `release` commands are create, deploy,
//! list, delete and progression), so Ferry follows `octo promote-release`, which promotes the
//! dashboard's current item and, with `--latestSuccessful`, the newest release that succeeded
//! there. Two choices are Ferry's own and stricter than `octo`:
//! - a deployment still queued or running is not current yet (it has not replaced anything);
//! - a current release whose deployment failed is never promoted by default: `octo` would promote
//!   it; Ferry refuses and points to `--latest-successful`.

use crate::DeploymentServer;
use crate::model::{Deployment, Environment, Project, Release, TaskState};

/// How many of an environment's most recent deployments are read at most: enough history for a
/// rollback or a promotion, in one bounded request, without reading a long-lived project's
/// every deployment.
const HISTORY: usize = 200;

/// How many task states are read per request while walking the history: the answer is usually
/// in the first few deployments, so the rest are never read.
const TASKS_PER_READ: usize = 10;

/// An environment's recent deployments, newest first, whose task states are read lazily in
/// small batches as the walk goes on.
struct History {
    deployments: std::vec::IntoIter<Deployment>,
    ready: std::collections::VecDeque<(Deployment, TaskState)>,
}

impl History {
    async fn read<S: DeploymentServer>(
        server: &S,
        project: &Project,
        environment: &Environment,
    ) -> Result<History, S::Error> {
        let deployments = server.recent_deployments(project, environment, HISTORY).await?;
        Ok(History { deployments: deployments.into_iter(), ready: Default::default() })
    }

    /// The next older deployment with its task's state.
    async fn next<S: DeploymentServer>(
        &mut self,
        server: &S,
    ) -> Result<Option<(Deployment, TaskState)>, S::Error> {
        if self.ready.is_empty() {
            let batch: Vec<Deployment> = self.deployments.by_ref().take(TASKS_PER_READ).collect();
            let ids: Vec<String> = batch.iter().map(|d| d.task_id.clone()).collect();
            let tasks = if ids.is_empty() { Vec::new() } else { server.tasks(&ids).await? };
            for deployment in batch {
                let state = tasks
                    .iter()
                    .find(|t| t.id == deployment.task_id)
                    .map_or(TaskState::Other("unknown".into()), |t| t.state.clone());
                self.ready.push_back((deployment, state));
            }
        }
        Ok(self.ready.pop_front())
    }

    /// The next older deployment that has ended: the current one, when called first.
    async fn next_ended<S: DeploymentServer>(
        &mut self,
        server: &S,
    ) -> Result<Option<(Deployment, TaskState)>, S::Error> {
        while let Some((deployment, state)) = self.next(server).await? {
            if state.is_final() {
                return Ok(Some((deployment, state)));
            }
        }
        Ok(None)
    }

    /// The next older successful deployment of a release other than `except`.
    async fn next_success<S: DeploymentServer>(
        &mut self,
        server: &S,
        except: Option<&str>,
    ) -> Result<Option<Deployment>, S::Error> {
        while let Some((deployment, state)) = self.next(server).await? {
            if state == TaskState::Success && except != Some(deployment.release_id.as_str()) {
                return Ok(Some(deployment));
            }
        }
        Ok(None)
    }
}

/// Which release of an environment `promote` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PromoteFrom {
    /// The current release, when its deployment there succeeded.
    #[default]
    Current,
    /// The newest release that succeeded there, current or not (`--latest-successful`).
    LatestSuccessful,
}

/// What `promote` found in the environment it promotes from.
#[derive(Debug, PartialEq, Eq)]
pub enum Promotion {
    /// Promote this release.
    Promote(Release),
    /// Nothing to promote: no deployment there has ended (for `LatestSuccessful`: none
    /// succeeded).
    NoDeployment,
    /// The current release's deployment there ended in `state`: it is not promoted by default.
    CurrentUnsuccessful {
        /// The release there now.
        current: Release,
        /// How its deployment ended.
        state: TaskState,
    },
}

/// What `promote` takes from `environment`; see the module docs for what "current" means.
pub async fn promotion_candidate<S: DeploymentServer>(
    server: &S,
    project: &Project,
    environment: &Environment,
    from: PromoteFrom,
) -> Result<Promotion, S::Error> {
    let mut history = History::read(server, project, environment).await?;
    let found = match from {
        PromoteFrom::Current => match history.next_ended(server).await? {
            None => return Ok(Promotion::NoDeployment),
            Some((deployment, state)) if state != TaskState::Success => {
                let current = server.release(&deployment.release_id).await?;
                return Ok(Promotion::CurrentUnsuccessful { current, state });
            }
            Some((deployment, _)) => deployment,
        },
        PromoteFrom::LatestSuccessful => match history.next_success(server, None).await? {
            None => return Ok(Promotion::NoDeployment),
            Some(deployment) => deployment,
        },
    };
    Ok(Promotion::Promote(server.release(&found.release_id).await?))
}

/// What `rollback` does in an environment.
#[derive(Debug, PartialEq, Eq)]
pub enum Rollback {
    /// The environment has no deployment of the project that has ended.
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

/// The release `rollback` returns `environment` to: from the current release (the module docs
/// say which), back to the most recent successful deployment of a different release.
pub async fn rollback_target<S: DeploymentServer>(
    server: &S,
    project: &Project,
    environment: &Environment,
) -> Result<Rollback, S::Error> {
    let mut history = History::read(server, project, environment).await?;
    let Some((current, _)) = history.next_ended(server).await? else {
        return Ok(Rollback::NoDeployment);
    };
    let previous = history.next_success(server, Some(&current.release_id)).await?;
    let current = server.release(&current.release_id).await?;
    Ok(match previous {
        None => Rollback::NothingEarlier { current },
        Some(previous) => Rollback::To { current, previous: server.release(&previous.release_id).await? },
    })
}
