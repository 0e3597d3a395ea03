//! `ferry version next` (and its old spelling `ferry version --FLAG`): a version computed from git.

use std::path::Path;

use ferry_ci::git_version::VersionSource;

use crate::cli::VersionArgs;
use crate::context::Ctx;
use crate::versions::compute_version;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &VersionArgs) -> anyhow::Result<()> {
    let repo = args.repo.as_deref().unwrap_or(Path::new("."));
    let computed = compute_version(ctx, repo, &args.prerelease_label, args.use_build_number)?;
    ctx.set_output("version", &computed.version);
    let (source, tag, commits) = match &computed.source {
        VersionSource::Tag(tag) => ("tag", Some(tag.as_str()), None),
        VersionSource::AfterTag { tag, commits } => ("commits-since-tag", Some(tag.as_str()), Some(*commits)),
        VersionSource::Date => ("date", None, None),
    };
    ctx.print_result(
        &computed.version,
        &serde_json::json!({"version": computed.version, "source": source, "tag": tag, "commitsSinceTag": commits}),
    );
    Ok(())
}
