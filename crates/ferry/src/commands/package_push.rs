//! `ferry package push`.

use crate::cli::PackagePushArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &PackagePushArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
