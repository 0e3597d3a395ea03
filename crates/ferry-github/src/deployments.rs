//! GitHub Deployments: deploying a release to an environment is a deployment of its tag, whose
//! statuses say how it went. Ferry's payload carries the version and the asset URLs, so an
//! external deployer (a workflow on the `deployment` event) knows what to fetch.

use std::time::{Duration, Instant};

use ferry_core::version::Version;
use http::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::{Body, Call, GITHUB_JSON, GitHubClient, Lookup};
use crate::error::{ErrorKind, GitHubError, Permission};

/// A deployment, with the fields Ferry uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Deployment {
    /// GitHub's id.
    pub id: u64,
    /// The ref that was deployed (Ferry deploys tags).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The commit.
    pub sha: String,
    /// The environment.
    pub environment: String,
    /// The payload: Ferry's is `{"ferry": {"version", "assets", "request"}}`.
    pub payload: serde_json::Value,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// Whether GitHub treats the environment as production.
    #[serde(default)]
    pub production_environment: Option<bool>,
}

impl Deployment {
    /// The version Ferry recorded in the payload.
    pub fn version(&self) -> Option<&str> {
        self.payload.pointer("/ferry/version")?.as_str()
    }

    fn request_id(&self) -> Option<&str> {
        self.payload.pointer("/ferry/request")?.as_str()
    }
}

/// A deployment status's state, as GitHub documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    /// Waiting for a deployer.
    Pending,
    /// Queued by a deployer.
    Queued,
    /// Being deployed.
    InProgress,
    /// Deployed.
    Success,
    /// The deployment failed.
    Failure,
    /// The deployer failed before it could deploy.
    Error,
    /// Superseded by a later successful deployment to the environment.
    Inactive,
}

impl DeploymentState {
    /// GitHub's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentState::Pending => "pending",
            DeploymentState::Queued => "queued",
            DeploymentState::InProgress => "in_progress",
            DeploymentState::Success => "success",
            DeploymentState::Failure => "failure",
            DeploymentState::Error => "error",
            DeploymentState::Inactive => "inactive",
        }
    }

    /// Whether the deployer is done with it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DeploymentState::Success
                | DeploymentState::Failure
                | DeploymentState::Error
                | DeploymentState::Inactive
        )
    }
}

/// A deployment status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeploymentStatus {
    /// GitHub's id.
    pub id: u64,
    /// The state.
    pub state: DeploymentState,
    /// The deployment's log (Ferry sets the CI run's URL).
    #[serde(default)]
    pub log_url: Option<String>,
    /// A short description.
    #[serde(default)]
    pub description: Option<String>,
    /// When it was set (RFC 3339).
    pub created_at: String,
}

/// What a new deployment holds.
#[derive(Debug, Clone)]
pub struct NewDeployment<'a> {
    /// The release's tag: the ref to deploy.
    pub tag: &'a str,
    /// The version (recorded in the payload).
    pub version: &'a Version,
    /// The environment.
    pub environment: &'a str,
    /// Download URLs of the release's assets (recorded in the payload).
    pub asset_urls: &'a [String],
    /// Whether the environment is the lifecycle's last phase.
    pub production: bool,
    /// A short description, e.g. "Ferry: deploy 1.2.0 to Staging".
    pub description: &'a str,
}

/// The status to set on a deployment.
#[derive(Debug, Clone)]
pub struct NewStatus<'a> {
    /// `in_progress`, `success`, `failure`, ...
    pub state: DeploymentState,
    /// The CI run's URL.
    pub log_url: Option<&'a str>,
    /// A short description (GitHub keeps 140 characters).
    pub description: &'a str,
}

/// How long [`GitHubClient::wait_for_final_status`] waits and how often it looks.
#[derive(Debug, Clone, Copy)]
pub struct Wait {
    /// Give up after this long.
    pub timeout: Duration,
    /// Time between looks.
    pub poll: Duration,
}

impl GitHubClient {
    /// Create a deployment of `new.tag` to `new.environment`. `auto_merge` is off (Ferry deploys
    /// a tag, never a merge) and `required_contexts` is empty (the build already passed its
    /// checks). A request id in the payload lets a retry after a lost answer find the deployment
    /// the first attempt made instead of making a second one.
    pub async fn create_deployment(&self, new: &NewDeployment<'_>) -> Result<Deployment, GitHubError> {
        let doing = format!(
            "creating a deployment of {} to {} in {}",
            new.tag,
            new.environment,
            self.target().full_name()
        );
        let request_id = format!("{:032x}", rand::random::<u128>());
        let body = json!({
            "ref": new.tag,
            "task": "deploy",
            "auto_merge": false,
            "required_contexts": [],
            "environment": new.environment,
            "production_environment": new.production,
            "transient_environment": false,
            "description": new.description,
            "payload": { "ferry": {
                "version": new.version.original(),
                "assets": new.asset_urls,
                "request": request_id,
            }},
        });
        // The request id is new: nothing to find before the first attempt.
        self.create_once(
            Lookup::AfterLoss,
            async || {
                let mine = self.list_deployments(new.environment, Some(new.tag)).await?;
                Ok(mine.into_iter().find(|deployment| deployment.request_id() == Some(request_id.as_str())))
            },
            async || {
                let call = Call {
                    doing: &doing,
                    method: Method::POST,
                    uri: self.repo_path("/deployments"),
                    body: Body::Json(body.clone()),
                    accept: GITHUB_JSON,
                    permission: Permission::DeploymentsWrite,
                };
                self.send(&call).await?.json::<Deployment>(&doing)
            },
        )
        .await
    }

    /// Set a status on a deployment. After a lost answer the latest status is checked first, so
    /// the history does not show the same step twice.
    pub async fn set_deployment_status(
        &self,
        deployment: &Deployment,
        status: &NewStatus<'_>,
    ) -> Result<DeploymentStatus, GitHubError> {
        let doing = format!(
            "setting deployment {} ({} to {}) to {}",
            deployment.id,
            deployment.git_ref,
            deployment.environment,
            status.state.as_str()
        );
        let mut body = json!({
            "state": status.state.as_str(),
            "description": status.description.chars().take(140).collect::<String>(),
            "auto_inactive": true,
        });
        if let Some(log_url) = status.log_url {
            body["log_url"] = json!(log_url);
        }
        self.create_once(
            Lookup::AfterLoss,
            async || {
                let latest = self.list_statuses(deployment.id).await?.into_iter().next();
                Ok(latest.filter(|latest| latest.state == status.state))
            },
            async || {
                let call = Call {
                    doing: &doing,
                    method: Method::POST,
                    uri: self.repo_path(&format!("/deployments/{}/statuses", deployment.id)),
                    body: Body::Json(body.clone()),
                    accept: GITHUB_JSON,
                    permission: Permission::DeploymentsWrite,
                };
                self.send(&call).await?.json::<DeploymentStatus>(&doing)
            },
        )
        .await
    }

    /// The deployments to `environment` (of `git_ref` when given), newest first, every page.
    pub async fn list_deployments(
        &self,
        environment: &str,
        git_ref: Option<&str>,
    ) -> Result<Vec<Deployment>, GitHubError> {
        let doing = format!("listing the deployments to {environment} in {}", self.target().full_name());
        self.get_all(&doing, self.deployments_query(environment, git_ref), Permission::Read).await
    }

    fn deployments_query(&self, environment: &str, git_ref: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("environment", environment);
        if let Some(git_ref) = git_ref {
            query.append_pair("ref", git_ref);
        }
        query.append_pair("per_page", "100");
        self.repo_path(&format!("/deployments?{}", query.finish()))
    }

    /// The deployment with `id`.
    pub async fn deployment(&self, id: u64) -> Result<Deployment, GitHubError> {
        let doing = format!("reading deployment {id} in {}", self.target().full_name());
        self.get_json(&doing, self.repo_path(&format!("/deployments/{id}")), Permission::Read).await
    }

    /// A deployment's statuses, newest first.
    pub async fn list_statuses(&self, deployment_id: u64) -> Result<Vec<DeploymentStatus>, GitHubError> {
        let doing =
            format!("reading the statuses of deployment {deployment_id} in {}", self.target().full_name());
        self.get_all(
            &doing,
            self.repo_path(&format!("/deployments/{deployment_id}/statuses?per_page=100")),
            Permission::Read,
        )
        .await
    }

    /// The newest deployment to `environment` that succeeded (what `promote --from` takes).
    pub async fn latest_successful(&self, environment: &str) -> Result<Option<Deployment>, GitHubError> {
        Ok(self.successful(environment, 1).await?.into_iter().next())
    }

    /// The newest successful deployment to `environment` of another ref than the latest
    /// successful one (what `rollback` goes back to).
    pub async fn previous_successful(&self, environment: &str) -> Result<Option<Deployment>, GitHubError> {
        Ok(self.successful(environment, 2).await?.into_iter().nth(1))
    }

    /// Up to `wanted` successful deployments to `environment` with distinct refs, newest first,
    /// reading only as many pages as it takes.
    async fn successful(&self, environment: &str, wanted: usize) -> Result<Vec<Deployment>, GitHubError> {
        let doing =
            format!("looking for successful deployments to {environment} in {}", self.target().full_name());
        let mut found: Vec<Deployment> = Vec::new();
        let mut next = Some(self.deployments_query(environment, None));
        while let Some(uri) = next.take() {
            let (page, following) = self.get_page::<Deployment>(&doing, uri, Permission::Read).await?;
            for deployment in page {
                if found.iter().any(|earlier| earlier.git_ref == deployment.git_ref) {
                    continue;
                }
                let statuses = self.list_statuses(deployment.id).await?;
                if statuses.iter().any(|status| status.state == DeploymentState::Success) {
                    found.push(deployment);
                    if found.len() == wanted {
                        return Ok(found);
                    }
                }
            }
            next = following;
        }
        Ok(found)
    }

    /// Wait until the deployment's latest status is final (an external deployer's `success`,
    /// `failure` or `error`).
    pub async fn wait_for_final_status(
        &self,
        deployment: &Deployment,
        wait: Wait,
    ) -> Result<DeploymentStatus, GitHubError> {
        let started = Instant::now();
        loop {
            let latest = self.list_statuses(deployment.id).await?.into_iter().next();
            if let Some(status) = latest.filter(|status| status.state.is_final()) {
                return Ok(status);
            }
            if started.elapsed() >= wait.timeout {
                let state = latest_state_text(self.list_statuses(deployment.id).await?.first());
                return Err(GitHubError::new(
                    ErrorKind::WaitTimedOut,
                    format!("waiting for deployment {} of {} to {}", deployment.id, deployment.git_ref, deployment.environment),
                    format!("no final status after {} s (latest: {state})", wait.timeout.as_secs()),
                )
                .hint("check that a workflow runs on the `deployment` event for this environment, or raise --timeout"));
            }
            tokio::time::sleep(
                wait.poll.min(wait.timeout.saturating_sub(started.elapsed())).max(Duration::from_millis(10)),
            )
            .await;
        }
    }
}

fn latest_state_text(status: Option<&DeploymentStatus>) -> &'static str {
    status.map_or("none yet", |status| status.state.as_str())
}
