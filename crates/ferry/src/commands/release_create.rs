//! `ferry release create`.

use crate::cli::ReleaseCreateArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &ReleaseCreateArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
