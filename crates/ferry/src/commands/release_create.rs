//! `ferry release create`.

use anyhow::Context as _;

use crate::cli::ReleaseCreateArgs;
use ferry_flow::DeploymentServer;

use crate::context::{Ctx, client_error};
use crate::exit::UserError;
use crate::github_target::GitHubRun;
use crate::releasing::{auto_notes, check_package_spec, create};
use crate::target::{Server, server_error};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseCreateArgs) -> anyhow::Result<()> {
    let version = match args.version.as_deref() {
        None => None,
        Some(text) => Some(crate::versions::resolve(ctx, text)?.to_string()),
    };
    for spec in &args.release.packages {
        check_package_spec(spec)?;
    }
    let notes = match (&args.release.release_notes, &args.release.release_notes_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(file)) => Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("reading release notes from {}", file.display()))?,
        ),
        (None, None) => None,
    };
    let run = GitHubRun { project: Some(&args.project), ..GitHubRun::none() };
    let server = ctx.connect_server(&run).await?;
    let result = async {
        let project = server.find_project(&args.project).await.map_err(server_error)?;
        let notes = match notes {
            Some(notes) => Some(notes),
            None if args.release.release_notes_auto => match &server {
                // The release template that names the packages is Octopus's.
                Server::Octopus(connection) => {
                    let client = &connection.client;
                    let project = client.find_project(&args.project).await.map_err(client_error)?;
                    auto_notes(ctx, client, &project, version.as_deref(), &args.release).await?
                }
                Server::GitHub(_) => {
                    return Err(UserError::usage(
                        "--release-notes-auto does not work with a GitHub server yet",
                    )
                    .hint("pass --release-notes or --release-notes-file")
                    .into());
                }
            },
            None => None,
        };
        create(ctx, &server, &project, version, &args.release, notes).await
    }
    .await;
    server.close().await;
    let (created, json) = result?;
    let verb = if created.existing { "using existing release" } else { "created release" };
    ctx.print_result(&format!("{verb} {} ({})", created.release.version, created.release.id), &json);
    Ok(())
}
