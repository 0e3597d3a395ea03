//! `ferry man`: manual pages generated from the command definitions (roff, for `man -l`).

use anyhow::Context as _;

use crate::cli::ManArgs;
use crate::context::Ctx;

/// Run the command.
pub fn run(ctx: &Ctx, args: &ManArgs) -> anyhow::Result<()> {
    let command = crate::command_tree::command();
    let Some(dir) = &args.out_dir else {
        clap_mangen::Man::new(command)
            .render(&mut std::io::stdout())
            .context("writing the manual page to stdout")?;
        return Ok(());
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating the folder {}", dir.display()))?;
    clap_mangen::generate_to(command, dir)
        .with_context(|| format!("writing the manual pages into {}", dir.display()))?;
    ctx.info(&format!("wrote the manual pages into {}", dir.display()));
    Ok(())
}
