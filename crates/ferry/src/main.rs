//! `ferry`: the binary. It parses the command line, sets up logging and the CI context, and hands
//! each command to its module under `commands/`. All real work lives in the library crates.

mod cli;
mod commands;
mod context;
mod exit;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { exit::ExitStatus::Usage.code() } else { 0 });
        }
    };
    let mut cli = cli;
    if matches!(cli.command, cli::Command::Server(_)) && cli.global.verbose == 0 && !cli.global.quiet {
        // A server logs its requests by default.
        cli.global.verbose = 1;
    }
    context::init_logging(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: could not start the async runtime: {err}");
            return ExitCode::from(exit::ExitStatus::Failure.code());
        }
    };
    let status = runtime.block_on(async {
        let ctx = match context::Ctx::new(cli.global) {
            Ok(ctx) => ctx,
            Err(err) => return exit::report(&err, None),
        };
        for value in cli.command.variable_values() {
            ctx.mask_secret(value);
        }
        match commands::run(&ctx, cli.command).await {
            Ok(()) => exit::ExitStatus::Success,
            Err(err) => exit::report(&err, Some(&ctx)),
        }
    });
    // Deployment tasks or uploads may still hold runtime threads; do not wait for them.
    runtime.shutdown_background();
    ExitCode::from(status.code())
}
