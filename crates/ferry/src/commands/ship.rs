//! `ferry ship`.

use crate::cli::ShipArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &ShipArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
