//! The version a command works with: `--version` as given, or computed from git.

use std::path::Path;

use ferry_ci::BuildContext;
use ferry_ci::git_version::{ComputedVersion, compute};
use ferry_core::version::Version;

use crate::context::Ctx;
use crate::exit::UserError;

/// Compute the version of HEAD in `repo` (see `ferry_ci::git_version`).
pub fn compute_version(
    ctx: &Ctx,
    repo: &Path,
    label: &str,
    use_build_number: bool,
) -> anyhow::Result<ComputedVersion> {
    let build_number = if use_build_number {
        let number = BuildContext::from_env(ctx.ci_system, |name| std::env::var(name).ok()).build_number;
        if number.is_empty() {
            return Err(UserError::usage("--use-build-number needs a CI build number, and none was found")
                .hint(format!(
                    "Ferry detected CI system `{}`; run inside a CI job, or pass --ci to name the CI system",
                    ctx.ci_system
                ))
                .into());
        }
        Some(number)
    } else {
        None
    };
    compute(repo, label, build_number.as_deref(), jiff::Timestamp::now()).map_err(|err| {
        UserError::failure(format!("could not compute a version from git in {}: {err}", repo.display()))
            .hint(
                "`ferry version next` needs a git repository with at least one commit; pass --repo DIR to name it",
            )
            .into()
    })
}

/// Turn a `--version` value into a version: `auto` computes one from git (as `ferry version next`
/// does), anything else must parse. Used by every command that takes `--version`.
pub fn resolve(ctx: &Ctx, text: &str) -> anyhow::Result<Version> {
    let text = text.trim();
    if text == "auto" {
        let computed = compute_version(ctx, Path::new("."), "ci", false)?;
        ctx.info(&format!("version: {} (computed from git)", computed.version));
        return computed.version.parse::<Version>().map_err(|err| {
            UserError::failure(format!("the computed version `{}` is not valid: {err}", computed.version))
                .into()
        });
    }
    text.parse::<Version>()
        .map_err(|err| UserError::usage(format!("invalid value `{text}` for --version: {err}")).into())
}
