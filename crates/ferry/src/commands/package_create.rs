//! `ferry package create` (alias `ferry pack`).

use std::path::PathBuf;

use crate::cli::PackageCreateArgs;
use crate::context::Ctx;
use crate::packing::{create, json};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &PackageCreateArgs) -> anyhow::Result<()> {
    let out_folder = args.pack.out_folder.clone().unwrap_or_else(|| PathBuf::from("."));
    let outcome = create(ctx, &args.id, &args.version, &args.pack, &out_folder, false).await?;
    ctx.set_output("package-path", &outcome.path.display().to_string());
    ctx.set_output("package-sha256", &outcome.sha256);
    ctx.print_result(&outcome.path.display().to_string(), &json(&outcome));
    Ok(())
}
