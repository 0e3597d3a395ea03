//! `ferry task wait`.

use crate::cli::TaskWaitArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &TaskWaitArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
