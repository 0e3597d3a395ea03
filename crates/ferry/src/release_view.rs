//! What `release list` and `release show` show of a release: its packages, and where it is
//! deployed (the newest deployment of the release to each environment, with its task's state). Read with a bounded number of
//! requests: the deployments given, the environments, and all their tasks in one request.

use std::collections::HashMap;

use ferry_core::task_state::TaskState;
use ferry_octopus::model::{Deployment, Environment, Release};
use ferry_octopus::{Client, OctopusError};

/// The most environments read to name them.
const MOST_ENVIRONMENTS: usize = 200;

/// One environment a release went to.
#[derive(Debug, Clone)]
pub struct DeployedTo {
    /// Environment name.
    pub environment: String,
    /// State of the newest deployment's task.
    pub state: TaskState,
    /// That task's id.
    pub task_id: String,
    /// When that deployment was created.
    pub created: Option<String>,
}

impl DeployedTo {
    /// The JSON form.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({"environment": self.environment, "state": self.state.as_str(),
            "taskId": self.task_id, "created": self.created})
    }
}

/// The release's packages as JSON: step, package id and version.
pub fn packages_json(release: &Release) -> Vec<serde_json::Value> {
    release
        .selected_packages
        .iter()
        .map(|p| serde_json::json!({"step": p.step_name, "packageId": p.package_id, "version": p.version}))
        .collect()
}

/// `Development: Success, Test: Failed`, or `-` for none.
pub fn summary(deployed: &[DeployedTo]) -> String {
    if deployed.is_empty() {
        return "-".to_owned();
    }
    deployed.iter().map(|d| format!("{}: {}", d.environment, d.state)).collect::<Vec<_>>().join(", ")
}

/// For each release id among `deployments`, its newest deployment per environment, in the
/// environments' order.
pub async fn by_release(
    client: &Client,
    deployments: &[Deployment],
) -> Result<HashMap<String, Vec<DeployedTo>>, OctopusError> {
    if deployments.is_empty() {
        return Ok(HashMap::new());
    }
    let environments = client.list_environments(MOST_ENVIRONMENTS).await?.items;
    let newest = newest_per_environment(deployments);
    let task_ids: Vec<&str> = newest.iter().map(|d| d.task_id.as_str()).collect();
    let states: HashMap<String, TaskState> =
        client.tasks_by_id(&task_ids).await?.into_iter().map(|task| (task.id, task.state)).collect();
    let mut grouped: HashMap<String, Vec<(usize, DeployedTo)>> = HashMap::new();
    for deployment in newest {
        let position = environments.iter().position(|e| e.id == deployment.environment_id);
        grouped.entry(deployment.release_id.clone()).or_default().push((
            position.unwrap_or(usize::MAX),
            DeployedTo {
                environment: name_of(&environments, &deployment.environment_id),
                state: states.get(&deployment.task_id).cloned().unwrap_or(TaskState::Queued),
                task_id: deployment.task_id.clone(),
                created: deployment.created.clone(),
            },
        ));
    }
    Ok(grouped
        .into_iter()
        .map(|(release, mut deployed)| {
            deployed.sort_by_key(|(position, _)| *position);
            (release, deployed.into_iter().map(|(_, d)| d).collect())
        })
        .collect())
}

/// The newest deployment of each (release, environment): by creation time, then by id number.
fn newest_per_environment(deployments: &[Deployment]) -> Vec<&Deployment> {
    let mut sorted: Vec<&Deployment> = deployments.iter().collect();
    sorted.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| id_number(&b.id).cmp(&id_number(&a.id))));
    let mut seen = std::collections::HashSet::new();
    sorted.retain(|d| seen.insert((d.release_id.clone(), d.environment_id.clone())));
    sorted
}

fn id_number(id: &str) -> u64 {
    id.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The environment's name, or its id when the first page of environments does not hold it.
fn name_of(environments: &[Environment], id: &str) -> String {
    environments.iter().find(|e| e.id == id).map_or_else(|| id.to_owned(), |e| e.name.clone())
}
