//! `ferry release-notes`.

use anyhow::Context as _;
use ferry_core::build_info::BuildInformation;
use ferry_core::release_notes::render;

use crate::cli::ReleaseNotesArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseNotesArgs) -> anyhow::Result<()> {
    let builds = if args.from_build_info.is_empty() {
        // The version only labels log messages here; compute it from the same repository.
        let repo = args.collect.repo.clone().unwrap_or_else(|| std::path::PathBuf::from("."));
        let computed = crate::versions::compute_version(ctx, &repo, "ci", false)?;
        let version = computed.version.parse().map_err(|err| UserError::failure(format!("{err}")))?;
        vec![crate::build_information::collect(ctx, &args.collect, &[], &version, None)?]
    } else {
        args.from_build_info
            .iter()
            .map(|file| {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading build information from {}", file.display()))?;
                BuildInformation::from_json(&text).map_err(|err| {
                    UserError::failure(format!("{} is not build information JSON: {err}", file.display()))
                        .hint("write it with `ferry build-info create`, or pass an Octopus buildinfo.octopus file")
                        .into()
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let template = match &args.template {
        Some(file) => Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("reading the template {}", file.display()))?,
        ),
        None => None,
    };
    let notes = render(&builds, None, template.as_deref());
    ctx.set_output("release-notes", &notes);
    if let Some(file) = &args.file {
        std::fs::write(file, &notes)
            .with_context(|| format!("writing release notes to {}", file.display()))?;
        ctx.info(&format!("wrote release notes to {}", file.display()));
        ctx.print_result("", &serde_json::json!({"file": file, "notes": notes}));
    } else if ctx.json() {
        ctx.print_result("", &serde_json::json!({"notes": notes}));
    } else {
        print!("{notes}");
    }
    Ok(())
}
