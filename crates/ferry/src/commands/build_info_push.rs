//! `ferry build info push`.

use crate::cli::BuildInfoPushArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// Run the command.
pub async fn run(_ctx: &Ctx, _args: &BuildInfoPushArgs) -> anyhow::Result<()> {
    Err(UserError::failure("this command is not built yet").into())
}
