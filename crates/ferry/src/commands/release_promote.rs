//! `ferry release promote`: deploy the release that is current in one environment to others.

use ferry_flow::model::{Environment, Project, Release};
use ferry_flow::selection::{PromoteFrom, Promotion, promotion_candidate};

use crate::cli::ReleasePromoteArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleasePromoteArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = async {
        let client = &connection.client;
        let project = Project::from(&client.find_project(&args.project).await.map_err(client_error)?);
        let from = Environment::from(
            &client.find_environments(std::slice::from_ref(&args.from)).await.map_err(client_error)?[0],
        );
        let choice =
            if args.latest_successful { PromoteFrom::LatestSuccessful } else { PromoteFrom::Current };
        let release =
            match promotion_candidate(client, &project, &from, choice).await.map_err(client_error)? {
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
        let results =
            crate::deployments::deploy(ctx, client, &project, &release, &args.environments, &args.deploy)
                .await?;
        anyhow::Ok::<(Release, _)>((release, results))
    }
    .await;
    connection.close().await;
    let (release, results) = result?;
    crate::deployments::finish(ctx, &release, &results)
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
