//! `ferry release deploy`.

use ferry_core::version::compare_text;
use ferry_flow::DeploymentServer;
use ferry_flow::model::{Project, Release};

use crate::cli::ReleaseDeployArgs;
use crate::context::Ctx;
use crate::deployments::{deploy, finish, print_plan};
use crate::exit::UserError;
use crate::target::{Server, server_error};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseDeployArgs) -> anyhow::Result<()> {
    let project = &crate::github_target::project_name(ctx, args.project.as_deref())?;
    let server = ctx.connect_server(&args.deploy.github_run(project)).await?;
    let result = async {
        let project = server.find_project(project).await.map_err(server_error)?;
        let release = find_release(&server, &project, &args.version).await?;
        if args.deploy.dry_run {
            print_plan(ctx, &server, &project, &release, &args.environments, &args.deploy).await?;
            return Ok(None);
        }
        let results = deploy(ctx, &server, &project, &release, &args.environments, &args.deploy).await?;
        anyhow::Ok(Some((release, results)))
    }
    .await;
    server.close().await;
    match result? {
        Some((release, results)) => finish(ctx, &release, &results),
        None => Ok(()),
    }
}

/// The release `version` of `project`, or its newest release for `latest`.
async fn find_release(server: &Server, project: &Project, version: &str) -> anyhow::Result<Release> {
    if version.eq_ignore_ascii_case("latest") {
        let mut releases = server.releases(project).await.map_err(server_error)?;
        releases.sort_by(|a, b| compare_text(&b.version, &a.version));
        return releases.into_iter().next().ok_or_else(|| {
            UserError::failure(format!("project {} has no releases yet", project.name))
                .hint(format!("create one: ferry release create --project {} --version 1.0.0", project.name))
                .into()
        });
    }
    match server.find_release(project, version).await.map_err(server_error)? {
        Some(release) => Ok(release),
        None => {
            let mut releases = server.releases(project).await.map_err(server_error)?;
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
