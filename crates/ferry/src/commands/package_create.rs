//! `ferry package create`.

use crate::cli::PackageCreateArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &PackageCreateArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
