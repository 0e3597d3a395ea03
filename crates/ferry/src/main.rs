//! `ferry`: the binary. It parses the command line, sets up logging and the CI context, and hands
//! each command to its module under `commands/`. All real work lives in the library crates.

mod args_file;
mod build_information;
mod cli;
mod command_tree;
mod commands;
mod context;
mod deployments;
mod environment_flags;
mod exit;
mod github_target;
mod help_examples;
mod oidc_login;
mod packing;
mod pushing;
mod release_view;
mod releasing;
mod render;
mod reporter;
mod server_choice;
mod target;
mod version_flag;
mod versions;
mod waiting;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match args_file::expand(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(err) => {
            let json = exit::json_requested(std::env::args_os());
            return ExitCode::from(fail_without_context(&err.into(), json).code());
        }
    };
    let environment_flags = environment_flags::typed(&args);
    let cli = match command_tree::parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            if !err.use_stderr() {
                return ExitCode::SUCCESS;
            }
            let failure = exit::Failure::of_usage(&err.render().to_string());
            if exit::json_requested(std::env::args_os()) {
                context::print_json(&context::failure_document(&failure));
            }
            return ExitCode::from(failure.status.code());
        }
    };
    let mut cli = cli;
    cli.global.environment_flags = environment_flags;
    if cli.global.args_file.is_some() {
        let err = exit::UserError::usage(format!("{} must be the first argument", args_file::FLAG))
            .hint("put every other argument in the file, or after `--args-file FILE`");
        let json = cli.global.output == cli::OutputFormat::Json;
        return ExitCode::from(fail_without_context(&err.into(), json).code());
    }
    if matches!(cli.command, cli::Command::Server(_)) && cli.global.verbose == 0 && !cli.global.quiet {
        // A server logs its requests by default.
        cli.global.verbose = 1;
    }
    context::init_logging(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            let err = anyhow::Error::new(err).context("could not start the async runtime");
            let json = cli.global.output == cli::OutputFormat::Json;
            return ExitCode::from(fail_without_context(&err, json).code());
        }
    };
    let json = cli.global.output == cli::OutputFormat::Json;
    let status = runtime.block_on(async {
        let ctx = match context::Ctx::new(cli.global) {
            Ok(ctx) => ctx,
            Err(err) => return fail_without_context(&err, json),
        };
        for value in cli.command.variable_values() {
            ctx.mask_secret(value);
        }
        for warning in version_flag::take_warnings() {
            ctx.warn(&warning);
        }
        let failure = commands::run(&ctx, cli.command).await.err().map(|err| exit::report(&err, Some(&ctx)));
        ctx.finish_json(failure.as_ref());
        failure.map_or(exit::ExitStatus::Success, |failure| failure.status)
    });
    // Deployment tasks or uploads may still hold runtime threads; do not wait for them.
    runtime.shutdown_background();
    ExitCode::from(status.code())
}

/// Report an error that happened before a command's context existed (stderr, and the JSON
/// document under `-o json`).
fn fail_without_context(err: &anyhow::Error, json: bool) -> exit::ExitStatus {
    let failure = exit::report(err, None);
    if json {
        context::print_json(&context::failure_document(&failure));
    }
    failure.status
}
