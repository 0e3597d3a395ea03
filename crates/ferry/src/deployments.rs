//! Deploying a release and reporting the deployments: shared by `release deploy`, `promote`,
//! `rollback` and `ship`.

use ferry_flow::DeploymentServer;
use ferry_flow::follow::{Followed, WaitSettings};
use ferry_flow::model::{DeployRequest, Project, Release, StartedDeployment, TaskState};

use crate::cli::DeployOptions;
use crate::context::Ctx;
use crate::render::{join, markdown_table, table};
use crate::target::{ServerError, server_error};

/// Deploy `release` to `environments`; with `--wait`, wait and stream logs. Returns one result
/// per deployment (state = the task state when returning). Several environments with `--wait`
/// are deployed one after the other (see [`ferry_flow::order::in_order`]).
pub async fn deploy<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    project: &Project,
    release: &Release,
    environments: &[String],
    opts: &DeployOptions,
) -> anyhow::Result<Vec<(StartedDeployment, Followed)>>
where
    ServerError: From<S::Error>,
{
    ferry_flow::order::in_order(
        environments,
        opts.wait.wait,
        async |batch: &[String]| {
            let environments = DeploymentServer::find_environments(client, batch)
                .await
                .map_err(|err| server_error(err.into()))?;
            let request = DeployRequest {
                project: project.clone(),
                release: release.clone(),
                environments,
                tenants: opts.tenants.clone(),
                variables: opts.variables.clone(),
                options: opts.deployment_options(),
            };
            let created =
                DeploymentServer::deploy(client, &request).await.map_err(|err| server_error(err.into()))?;
            for deployment in &created {
                ctx.info(&deploying_line(project, release, deployment));
            }
            follow(ctx, client, created, opts).await
        },
        |(_, followed)| followed.state == TaskState::Success,
    )
    .await
}

/// `--dry-run`: the deployments [`deploy`] would start, from reads alone (the environments are
/// looked up, so a misspelt one fails as it would for real), printed as a table or as
/// `{dryRun, project, release: {releaseId, version}, deployments: [{environment, environmentId}], wait}`.
pub async fn print_plan<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    project: &Project,
    release: &Release,
    environments: &[String],
    opts: &DeployOptions,
) -> anyhow::Result<()>
where
    ServerError: From<S::Error>,
{
    let found = DeploymentServer::find_environments(client, environments)
        .await
        .map_err(|err| server_error(err.into()))?;
    let headers = ["Environment", "Release", "Plan"];
    let plan = if opts.wait.wait && found.len() > 1 { "deploy, one after the other" } else { "deploy" };
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|e| vec![e.name.clone(), format!("{} {}", project.name, release.version), plan.to_owned()])
        .collect();
    ctx.print_result(
        &table(&headers, &rows),
        &serde_json::json!({
            "dryRun": true,
            "project": project.name,
            "release": {"releaseId": release.id, "version": release.version},
            "deployments": found.iter().map(|e| serde_json::json!({
                "environment": e.name, "environmentId": e.id,
            })).collect::<Vec<_>>(),
            "wait": opts.wait.wait,
        }),
    );
    Ok(())
}

/// A deployment that was started, as a line for stderr.
pub fn deploying_line(project: &Project, release: &Release, deployment: &StartedDeployment) -> String {
    format!(
        "deploying {} {} to {} ({}, {})",
        project.name, release.version, deployment.environment, deployment.deployment_id, deployment.task_id
    )
}

/// Wait for (with `--wait`) or look once at the deployments' tasks.
pub async fn follow<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    created: Vec<StartedDeployment>,
    opts: &DeployOptions,
) -> anyhow::Result<Vec<(StartedDeployment, Followed)>>
where
    ServerError: From<S::Error>,
{
    let tasks: Vec<(String, String)> =
        created.iter().map(|d| (d.environment.clone(), d.task_id.clone())).collect();
    // The embedded server's deployments run inside this process, which cannot exit before they
    // end: wait for them and report how they ended.
    let wait = opts.wait.wait || (ctx.uses_embedded_server() && !created.is_empty());
    if wait && !opts.wait.wait {
        ctx.info(
            "the embedded server runs deployments inside this process: waiting for them to finish (pass --server to use a server that keeps running)",
        );
    }
    let waited = if wait {
        let settings = WaitSettings {
            timeout: opts.wait.timeout,
            poll_interval: opts.wait.poll_interval,
            cancel_on_timeout: opts.wait.cancel_on_timeout,
        };
        crate::waiting::wait(ctx, client, &tasks, settings).await?
    } else {
        let mut states = Vec::new();
        for (label, id) in &tasks {
            let task = DeploymentServer::task(client, id).await.map_err(|err| server_error(err.into()))?;
            states.push(Followed::looked_at(label, id, &task));
        }
        states
    };
    Ok(created.into_iter().zip(waited).collect())
}

/// `[{environment, releaseVersion, deploymentId, taskId, state, waitTimedOut}]`.
pub fn deployments_json(release: &Release, results: &[(StartedDeployment, Followed)]) -> serde_json::Value {
    serde_json::Value::Array(
        results
            .iter()
            .map(|(d, w)| {
                serde_json::json!({
                    "environment": d.environment,
                    "releaseVersion": release.version,
                    "deploymentId": d.deployment_id,
                    "taskId": d.task_id,
                    "state": w.state.as_str(),
                    "waitTimedOut": w.wait_timed_out,
                    "waitingFor": crate::waiting::waiting_for_json(w),
                })
            })
            .collect(),
    )
}

/// CI outputs for deployments.
pub fn set_outputs(ctx: &Ctx, results: &[(StartedDeployment, Followed)]) {
    ctx.set_output("deployment-ids", &join(results.iter().map(|(d, _)| d.deployment_id.as_str())));
    ctx.set_output("task-ids", &join(results.iter().map(|(d, _)| d.task_id.as_str())));
    ctx.set_output("environments", &join(results.iter().map(|(d, _)| d.environment.as_str())));
    // The Octopus deploy actions' output: `[{serverTaskId, environmentName}]` as JSON, so
    // `fromJson(steps.x.outputs.server_tasks)[0].serverTaskId` keeps working.
    let server_tasks: Vec<serde_json::Value> = results
        .iter()
        .map(|(d, _)| serde_json::json!({ "serverTaskId": d.task_id, "environmentName": d.environment }))
        .collect();
    ctx.set_output("server_tasks", &serde_json::Value::Array(server_tasks).to_string());
}

/// The state column of a result: the task's state, marked when Ferry stopped waiting for it.
pub fn state_cell(waited: &Followed) -> String {
    if waited.wait_timed_out {
        format!("{} (stopped waiting)", waited.state)
    } else {
        waited.state.to_string()
    }
}

/// Print the deployments of `release` (table or `{release: {releaseId, version}, deployments}`),
/// write CI outputs and summary, exit 3 on an unsuccessful task or one Ferry stopped waiting for.
pub fn finish(ctx: &Ctx, release: &Release, results: &[(StartedDeployment, Followed)]) -> anyhow::Result<()> {
    set_outputs(ctx, results);
    let headers = ["Environment", "Release", "State", "Deployment", "Task"];
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|(d, w)| {
            vec![
                d.environment.clone(),
                release.version.clone(),
                state_cell(w),
                d.deployment_id.clone(),
                d.task_id.clone(),
            ]
        })
        .collect();
    ctx.summary(&format!("### Ferry deployments\n\n{}", markdown_table(&headers, &rows)));
    ctx.print_result(
        &table(&headers, &rows),
        &serde_json::json!({
            "release": {"releaseId": release.id, "version": release.version},
            "deployments": deployments_json(release, results),
        }),
    );
    let waited: Vec<Followed> = results.iter().map(|(_, w)| w.clone()).collect();
    crate::waiting::fail_if_unsuccessful(ctx, &waited)
}
