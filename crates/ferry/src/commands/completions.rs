//! `ferry completions SHELL`: a completion script generated from the command definitions, so it
//! can never fall behind them.

use crate::cli::CompletionsArgs;

/// Run the command.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    let mut command = crate::command_tree::command();
    clap_complete::generate(args.shell, &mut command, "ferry", &mut std::io::stdout());
    Ok(())
}
