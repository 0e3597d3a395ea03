//! `ferry release promote`.

use crate::cli::ReleasePromoteArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &ReleasePromoteArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
