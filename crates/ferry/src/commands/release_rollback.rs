//! `ferry release rollback`: redeploy the release that succeeded in an environment before the
//! current one.

use crate::cli::ReleaseRollbackArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseRollbackArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = async {
        let client = &connection.client;
        let project = client.find_project(&args.project).await.map_err(client_error)?;
        let environment = client
            .find_environments(std::slice::from_ref(&args.environment))
            .await
            .map_err(client_error)?
            .remove(0);
        let history = super::release_promote::successful_deployments(client, &project, &environment).await?;
        // The current release: the one most recently deployed there (whatever the outcome).
        let Some((current, _)) = history.iter().find(|(_, state)| state != "Queued" && state != "Executing")
        else {
            return Err(UserError::failure(format!(
                "{} has no deployment of {} to roll back",
                environment.name, project.name
            ))
            .into());
        };
        let previous = history
            .iter()
            .find(|(d, state)| state == "Success" && d.release_id != current.release_id)
            .map(|(d, _)| d.release_id.clone());
        let Some(previous) = previous else {
            let current = client.release(&current.release_id).await.map_err(client_error)?;
            return Err(UserError::failure(format!(
                "nothing to roll back to: {} has had no successful release of {} other than {}",
                environment.name, project.name, current.version
            ))
            .into());
        };
        let current = client.release(&current.release_id).await.map_err(client_error)?;
        let release = client.release(&previous).await.map_err(client_error)?;
        ctx.info(&format!(
            "rolling {} in {} back from {} to {}",
            project.name, environment.name, current.version, release.version
        ));
        let results = super::release_deploy::deploy(
            ctx,
            client,
            &project,
            &release,
            std::slice::from_ref(&environment.name),
            &args.deploy,
        )
        .await?;
        anyhow::Ok((release, results))
    }
    .await;
    connection.close().await;
    let (release, results) = result?;
    super::release_deploy::finish(ctx, &release, &results)
}
