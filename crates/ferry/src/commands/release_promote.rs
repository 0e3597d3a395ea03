//! `ferry release promote`: deploy the release that is current in one environment to others.

use ferry_flow::DeploymentServer;
use ferry_flow::model::{Environment, Project, Release};
use ferry_flow::selection::{PromoteFrom, Promotion, promotion_candidate};

use crate::cli::ReleasePromoteArgs;
use crate::context::Ctx;
use crate::exit::UserError;
use crate::target::server_error;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleasePromoteArgs) -> anyhow::Result<()> {
    let project = &crate::github_target::project_name(ctx, args.project.as_deref())?;
    let server = ctx.connect_server(&args.deploy.github_run(project)).await?;
    let result = async {
        let client = &server;
        let project = client.find_project(project).await.map_err(server_error)?;
        let from =
            client.find_environments(std::slice::from_ref(&args.from)).await.map_err(server_error)?.remove(0);
        let choice =
            if args.latest_successful { PromoteFrom::LatestSuccessful } else { PromoteFrom::Current };
        let release =
            match promotion_candidate(client, &project, &from, choice).await.map_err(server_error)? {
                Promotion::Promote(release) => release,
                Promotion::NoDeployment => return Err(nothing_succeeded(&project, &from)),
                Promotion::CurrentUnsuccessful { current, state } => {
                    return Err(current_unsuccessful(&project, &from, &current, &state));
                }
            };
        ctx.info(&format!(
            "promoting {} {} from {} to {}",
            project.name,
            release.version,
            from.name,
            args.environments.join(", ")
        ));
        if args.deploy.dry_run {
            let environments = &args.environments;
            crate::deployments::print_plan(ctx, client, &project, &release, environments, &args.deploy)
                .await?;
            return Ok(None);
        }
        let results =
            crate::deployments::deploy(ctx, client, &project, &release, &args.environments, &args.deploy)
                .await?;
        anyhow::Ok::<Option<(Release, _)>>(Some((release, results)))
    }
    .await;
    server.close().await;
    match result? {
        Some((release, results)) => crate::deployments::finish(ctx, &release, &results),
        None => Ok(()),
    }
}

/// No release of `project` has succeeded in `environment`: nothing to promote.
fn nothing_succeeded(project: &Project, environment: &Environment) -> anyhow::Error {
    UserError::failure(format!("no release of {} has succeeded in {} yet", project.name, environment.name))
        .hint(format!(
            "deploy one there first: ferry release deploy --project {} --version VERSION --to {} --wait",
            project.name, environment.name
        ))
        .into()
}

/// The current release of `project` in `environment` did not deploy successfully there.
fn current_unsuccessful(
    project: &Project,
    environment: &Environment,
    current: &Release,
    state: &ferry_flow::model::TaskState,
) -> anyhow::Error {
    UserError::failure(format!(
        "the current release of {} in {} is {}, and its deployment there ended {}: Ferry does not promote it",
        project.name,
        environment.name,
        current.version,
        state.as_str()
    ))
    .hint(format!(
        "pass --latest-successful to promote the newest release that succeeded in {}, or deploy {} there again first",
        environment.name, current.version
    ))
    .into()
}
