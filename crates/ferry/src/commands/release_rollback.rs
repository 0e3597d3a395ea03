//! `ferry release rollback`.

use crate::cli::ReleaseRollbackArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &ReleaseRollbackArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
