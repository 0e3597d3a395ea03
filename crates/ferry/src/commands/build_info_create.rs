//! `ferry build-info create`: collect build information into a JSON file.

use std::path::Path;

use anyhow::Context as _;

use crate::build_information::collect;
use crate::cli::BuildInfoCreateArgs;
use crate::context::Ctx;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &BuildInfoCreateArgs) -> anyhow::Result<()> {
    let version = crate::versions::resolve(ctx, &args.version)?;
    let info = collect(ctx, &args.collect, &args.package_ids, &version, None)?;
    let json = info.to_json();
    if args.file == Path::new("-") {
        println!("{json}");
        return Ok(());
    }
    std::fs::write(&args.file, format!("{json}\n"))
        .with_context(|| format!("writing build information to {}", args.file.display()))?;
    ctx.info(&format!(
        "wrote build information for version {version} ({} commits, {} work items) to {}",
        info.commits.len(),
        info.work_items.len(),
        args.file.display()
    ));
    ctx.set_output("build-info-path", &args.file.display().to_string());
    ctx.print_result(
        &args.file.display().to_string(),
        &serde_json::json!({
            "file": args.file,
            "version": version.to_string(),
            "commits": info.commits.len(),
            "workItems": info.work_items.len(),
        }),
    );
    Ok(())
}
