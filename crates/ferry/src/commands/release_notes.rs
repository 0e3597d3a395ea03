//! `ferry release-notes`.

use anyhow::Context as _;
use ferry_core::build_info::BuildInformation;
use ferry_core::release_notes::{check_template, render};

use crate::cli::ReleaseNotesArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseNotesArgs) -> anyhow::Result<()> {
    // The template is checked first: a typo fails before git is read.
    let template = match &args.template {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading the template {}", file.display()))?;
            check_template(&text).map_err(|err| {
                UserError::usage(format!(
                    "the template {} uses an unknown placeholder: {err}",
                    file.display()
                ))
                .hint("see the placeholders with: ferry release-notes --help")
            })?;
            Some(text)
        }
        None => None,
    };
    let mut heading = args.version.clone();
    let builds = if args.from_build_info.is_empty() {
        // Notes collected from git are for the version computed from it, as `ship` would store them.
        let repo = args.collect.repo.clone().unwrap_or_else(|| std::path::PathBuf::from("."));
        let version_text = match &args.version {
            Some(version) => version.clone(),
            None => crate::versions::compute_version(ctx, &repo, "ci", false)?.version,
        };
        let version = version_text.parse().map_err(|err| UserError::failure(format!("{err}")))?;
        heading = Some(version_text);
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
    let notes = render(&builds, heading.as_deref(), template.as_deref());
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
