//! Runbook runs through Octopus's executions API: `POST /api/{spaceId}/runbook-runs/create/v1`,
//! the request the Octopus CLI's `runbook run` sends (OctopusDeploy/cli `pkg/executor/runbook.go`,
//! through go-octopusdeploy's `RunbookRunV1`). The server resolves the project, runbook,
//! environment and tenant names and runs the published snapshot.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::{Client, Retry};
use crate::error::{ErrorKind, OctopusError};

/// What to run: names as the user typed them; the server resolves them.
#[derive(Debug, Clone, Default)]
pub struct RunbookRunRequest {
    /// Project name or id.
    pub project: String,
    /// Runbook name.
    pub runbook: String,
    /// Environments to run in (one run each, or one per tenant and environment).
    pub environments: Vec<String>,
    /// Tenant names or ids.
    pub tenants: Vec<String>,
    /// Tenant tags, `TagSet/Tag`: every tenant carrying one is run for.
    pub tenant_tags: Vec<String>,
    /// Prompted variable values.
    pub variables: Vec<(String, String)>,
    /// `Some(true)`: pause for a person on a failure; `None`: the project's setting.
    pub guided_failure: Option<bool>,
}

/// One run the server started.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunbookRun {
    /// `RunbookRuns-N`.
    #[serde(alias = "runbookRunId")]
    pub runbook_run_id: String,
    /// `ServerTasks-N`.
    #[serde(alias = "serverTaskId")]
    pub server_task_id: String,
}

#[derive(Deserialize)]
struct RunbookRunResponse {
    #[serde(rename = "RunbookRunServerTasks", alias = "runbookRunServerTasks", default)]
    runs: Vec<RunbookRun>,
}

impl Client {
    /// Start a runbook run. Never retried after an ambiguous failure: a second POST would run
    /// the runbook twice, and runs have no natural key to look for first.
    pub async fn run_runbook(&self, request: &RunbookRunRequest) -> Result<Vec<RunbookRun>, OctopusError> {
        let doing = format!(
            "running runbook {} of {} in {} on {}",
            request.runbook,
            request.project,
            request.environments.join(", "),
            self.server_name()
        );
        let variables: serde_json::Map<String, serde_json::Value> =
            request.variables.iter().map(|(name, value)| (name.clone(), json!(value))).collect();
        // Both space fields hold the id: the server's middleware does not resolve names in
        // SpaceIdOrName (a comment in OctopusDeploy/api-client.ts's runRunbook says so).
        let body = json!({
            "SpaceId": self.space_id,
            "SpaceIdOrName": self.space_id,
            "ProjectName": request.project,
            "RunbookName": request.runbook,
            "EnvironmentNames": request.environments,
            "Tenants": request.tenants,
            "TenantTags": request.tenant_tags,
            "Variables": variables,
            "UseGuidedFailure": request.guided_failure,
            "ForcePackageDownload": false,
        });
        let (_, answer): (_, RunbookRunResponse) = self
            .send_json(&doing, Method::POST, &self.space_path("runbook-runs/create/v1"), &body, Retry::Never)
            .await?;
        if answer.runs.is_empty() {
            return Err(OctopusError::new(
                ErrorKind::InvalidResponse,
                doing,
                "the server started no runbook run",
            ));
        }
        Ok(answer.runs)
    }
}
