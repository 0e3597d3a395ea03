//! `ferry release deploy`.

use crate::cli::ReleaseDeployArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &ReleaseDeployArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
