//! Deployments a run follows instead of starting again: the lifecycle's automatic deployments of
//! a release the run created, and those an earlier run of the same command started.

use std::collections::HashMap;

use crate::DeploymentServer;
use crate::model::{Deployment, Project, Release, StartedDeployment, TaskState};

/// What the deployments a release already has mean for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlierDeployments {
    /// The release was created by this run: they are the lifecycle's automatic deployments,
    /// followed rather than repeated.
    Automatic,
    /// The release exists from an earlier run: those that did not fail are followed, not repeated.
    FromAnEarlierRun,
    /// The release exists, but this run replaced its package's bytes (`--if-exists overwrite`):
    /// they ran the old bytes, so the targets are deployed again.
    OfReplacedBytes,
}

impl EarlierDeployments {
    /// The meaning of a release's earlier deployments, from whether the release `existed` before
    /// this run and whether this run `replaced` the bytes of its package.
    pub fn of(existed: bool, replaced: bool) -> EarlierDeployments {
        match (existed, replaced) {
            (false, _) => EarlierDeployments::Automatic,
            (true, false) => EarlierDeployments::FromAnEarlierRun,
            (true, true) => EarlierDeployments::OfReplacedBytes,
        }
    }
}

/// A deployment the run follows rather than starting it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reused {
    /// The deployment, named by its environment.
    pub deployment: StartedDeployment,
    /// Its task's state when it was looked at.
    pub state: TaskState,
}

/// Which targets get a new deployment and which earlier deployments are followed instead.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReusePlan {
    /// Earlier deployments to follow, in target order.
    pub reused: Vec<Reused>,
    /// Environment names to deploy to, in target order.
    pub to_deploy: Vec<String>,
}

/// Decide, for each of `targets` (environment names), whether `release` already has a deployment
/// there to follow: its latest one, unless that one finished unsuccessfully or ran bytes this run
/// replaced.
pub async fn plan_reuse<S: DeploymentServer>(
    server: &S,
    project: &Project,
    release: &Release,
    earlier: EarlierDeployments,
    targets: &[String],
) -> Result<ReusePlan, S::Error> {
    let environments = server.find_environments(targets).await?;
    let existing = server.release_deployments(project, release).await?;
    // Newest first: the first of each environment is the latest.
    let mut latest: HashMap<&str, &Deployment> = HashMap::new();
    for deployment in &existing {
        latest.entry(deployment.environment_id.as_str()).or_insert(deployment);
    }
    let mut plan = ReusePlan::default();
    for environment in &environments {
        let reusable = match latest.get(environment.id.as_str()) {
            Some(deployment) if earlier != EarlierDeployments::OfReplacedBytes => {
                let state = server.task(&deployment.task_id).await?.state;
                (!state.is_unsuccessful()).then_some((deployment, state))
            }
            _ => None,
        };
        match reusable {
            Some((deployment, state)) => plan.reused.push(Reused {
                deployment: StartedDeployment {
                    environment: environment.name.clone(),
                    deployment_id: deployment.id.clone(),
                    task_id: deployment.task_id.clone(),
                },
                state,
            }),
            None => plan.to_deploy.push(environment.name.clone()),
        }
    }
    Ok(plan)
}

/// Put `deployments` in the order of `targets` (names, compared without case); a deployment to
/// an environment not among them goes last.
pub fn sort_by_targets(deployments: &mut [StartedDeployment], targets: &[String]) {
    deployments.sort_by_key(|d| {
        targets.iter().position(|t| t.eq_ignore_ascii_case(&d.environment)).unwrap_or(usize::MAX)
    });
}

/// Names of the environments of the automatic phases `release` has entered: where the lifecycle
/// deploys it without being asked.
pub async fn automatic_targets<S: DeploymentServer>(
    server: &S,
    release: &Release,
) -> Result<Vec<String>, S::Error> {
    let phases = server.progression(release).await?;
    let environments = server.environments().await?;
    let mut names = Vec::new();
    for phase in phases.iter().filter(|p| p.entered && !p.is_optional) {
        for id in &phase.automatic {
            let name =
                environments.iter().find(|e| &e.id == id).map_or_else(|| id.clone(), |e| e.name.clone());
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}
