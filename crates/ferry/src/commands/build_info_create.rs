//! `ferry build info create`.

use crate::cli::BuildInfoCreateArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &BuildInfoCreateArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
