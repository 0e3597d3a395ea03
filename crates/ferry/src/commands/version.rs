//! `ferry version`.

use ferry_core::version::Version;

use crate::cli::VersionArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &VersionArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}

/// Turn a `--version` value into a version: `auto` computes one from git (as `ferry version`
/// does), anything else must parse. Used by every command that takes `--version`.
pub fn resolve(_ctx: &Ctx, text: &str) -> anyhow::Result<Version> {
    if text.trim() == "auto" {
        return Err(UserError::failure("--version auto is not built yet").into());
    }
    text.parse::<Version>()
        .map_err(|err| UserError::usage(format!("invalid value `{text}` for --version: {err}")).into())
}
