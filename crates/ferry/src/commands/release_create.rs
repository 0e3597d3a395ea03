//! `ferry release create`.

use anyhow::Context as _;

use crate::cli::ReleaseCreateArgs;
use crate::context::{Ctx, client_error};
use crate::releasing::{auto_notes, check_package_spec, create};

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
    let connection = ctx.connect(None).await?;
    let result = async {
        let client = &connection.client;
        let project = client.find_project(&args.project).await.map_err(client_error)?;
        let notes = match notes {
            Some(notes) => Some(notes),
            None if args.release.release_notes_auto => {
                auto_notes(ctx, client, &project, version.as_deref(), &args.release).await?
            }
            None => None,
        };
        create(ctx, client, &ferry_flow::model::Project::from(&project), version, &args.release, notes).await
    }
    .await;
    connection.close().await;
    let (created, json) = result?;
    let verb = if created.existing { "using existing release" } else { "created release" };
    ctx.print_result(&format!("{verb} {} ({})", created.release.version, created.release.id), &json);
    Ok(())
}
