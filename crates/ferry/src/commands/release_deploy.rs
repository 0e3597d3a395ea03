//! `ferry release deploy`.

use ferry_core::version::compare_text;
use ferry_flow::model::{Project, Release};
use ferry_octopus::Client;

use crate::cli::ReleaseDeployArgs;
use crate::context::{Ctx, client_error};
use crate::deployments::{deploy, finish, print_plan};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseDeployArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = async {
        let client = &connection.client;
        let project = client.find_project(&args.project).await.map_err(client_error)?;
        let release = find_release(client, &project, &args.version).await?;
        if args.deploy.dry_run {
            let (project, release) = (Project::from(&project), Release::from(&release));
            print_plan(ctx, client, &project, &release, &args.environments, &args.deploy).await?;
            return Ok(None);
        }
        let results = deploy(
            ctx,
            client,
            &Project::from(&project),
            &Release::from(&release),
            &args.environments,
            &args.deploy,
        )
        .await?;
        anyhow::Ok(Some((release, results)))
    }
    .await;
    connection.close().await;
    match result? {
        Some((release, results)) => finish(ctx, &Release::from(&release), &results),
        None => Ok(()),
    }
}

/// The release `version` of `project`, or its newest release for `latest`.
async fn find_release(
    client: &Client,
    project: &ferry_octopus::model::Project,
    version: &str,
) -> anyhow::Result<ferry_octopus::model::Release> {
    if version.eq_ignore_ascii_case("latest") {
        let mut releases = client.releases(project).await.map_err(client_error)?;
        releases.sort_by(|a, b| compare_text(&b.version, &a.version));
        return releases.into_iter().next().ok_or_else(|| {
            UserError::failure(format!("project {} has no releases yet", project.name))
                .hint(format!("create one: ferry release create --project {} --version 1.0.0", project.name))
                .into()
        });
    }
    match client.find_release(project, version).await.map_err(client_error)? {
        Some(release) => Ok(release),
        None => {
            let mut releases = client.releases(project).await.map_err(client_error)?;
            releases.sort_by(|a, b| compare_text(&b.version, &a.version));
            let recent: Vec<&str> = releases.iter().take(5).map(|r| r.version.as_str()).collect();
            let mut err = UserError::failure(format!("project {} has no release {version}", project.name));
            err = if recent.is_empty() {
                err.hint(format!(
                    "create it first: ferry release create --project {} --version {version}",
                    project.name
                ))
            } else {
                err.hint(format!(
                    "the newest releases are {}; --version latest picks the newest",
                    recent.join(", ")
                ))
            };
            Err(err.into())
        }
    }
}
