//! `ferry build-info push`: push build information (from a file written by `build-info create`,
//! or collected on the spot) for package versions.

use crate::build_information::{push, result_json};
use crate::cli::BuildInfoPushArgs;
use crate::context::Ctx;
use crate::exit::UserError;
use crate::github_target::GitHubRun;
use anyhow::Context as _;
use ferry_core::build_info::BuildInformation;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &BuildInfoPushArgs) -> anyhow::Result<()> {
    for id in &args.package_ids {
        ferry_core::package_id::PackageId::new(id).map_err(|err| {
            UserError::usage(format!("invalid value `{id}` for --package-id: {err}"))
                .hint("package ids are letters, digits, `_`, `-` and `.`, e.g. MyCompany.Web")
        })?;
    }
    let version = crate::versions::resolve(ctx, &args.version)?;
    let from_file = match &args.file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading build information from {}", file.display()))?;
            Some(BuildInformation::from_json(&text).map_err(|err| {
                UserError::failure(format!("{} is not build information JSON: {err}", file.display())).hint(
                    "write it with `ferry build-info create`, or pass an Octopus buildinfo.octopus file",
                )
            })?)
        }
        None => None,
    };
    let server = ctx.connect_server(&GitHubRun::none()).await?;
    let result = async {
        let info = match from_file {
            Some(info) => info,
            None => {
                crate::build_information::collect_with_server(
                    ctx,
                    &server,
                    &args.collect,
                    &args.package_ids,
                    &version,
                )
                .await?
            }
        };
        push(ctx, &server, &args.package_ids, &version, &info, args.if_exists.resolve()).await
    }
    .await;
    server.close().await;
    let stored = result?;
    let text: Vec<String> = stored
        .iter()
        .map(|s| format!("pushed build information for {} {} ({})", s.package_id, s.version, s.id))
        .collect();
    ctx.print_result(&text.join("\n"), &result_json(&stored));
    Ok(())
}
