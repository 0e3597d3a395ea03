//! One module per command. Each exposes `run`, which turns flags into library calls and prints
//! the result through [`Ctx`].

mod build_info_create;
mod build_info_push;
mod check;
mod completions;
mod environment_list;
mod init;
mod man;
mod package_create;
mod package_push;
mod project_list;
mod project_show;
mod release_create;
mod release_deploy;
mod release_list;
mod release_notes;
mod release_promote;
mod release_rollback;
mod release_show;
mod runbook_run;
mod server;
mod ship;
mod task_cancel;
mod task_list;
mod task_log;
mod task_show;
mod task_wait;
mod version;
mod version_info;

use crate::cli::{
    BuildInfoCommand, Command, EnvironmentCommand, PackageCommand, ProjectCommand, ReleaseCommand,
    RunbookCommand, TaskCommand, VersionSubcommand,
};
use crate::context::Ctx;

/// Run one command.
pub async fn run(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Package(PackageCommand::Create(args)) | Command::Pack(args) => {
            package_create::run(ctx, &args).await
        }
        Command::Package(PackageCommand::Push(args)) => package_push::run(ctx, &args).await,
        Command::BuildInfo(BuildInfoCommand::Create(args)) => build_info_create::run(ctx, &args).await,
        Command::BuildInfo(BuildInfoCommand::Push(args)) => build_info_push::run(ctx, &args).await,
        Command::ReleaseNotes(args) => release_notes::run(ctx, &args).await,
        Command::Version(args) => match args.next {
            Some(VersionSubcommand::Next(args)) => version::run(ctx, &args).await,
            None => version_info::run(ctx),
        },
        Command::Release(ReleaseCommand::Create(args)) => release_create::run(ctx, &args).await,
        Command::Release(ReleaseCommand::Deploy(args)) => release_deploy::run(ctx, &args).await,
        Command::Release(ReleaseCommand::Promote(args)) => release_promote::run(ctx, &args).await,
        Command::Release(ReleaseCommand::Rollback(args)) => release_rollback::run(ctx, &args).await,
        Command::Release(ReleaseCommand::List(args)) => release_list::run(ctx, &args).await,
        Command::Release(ReleaseCommand::Show(args)) => release_show::run(ctx, &args).await,
        Command::Task(TaskCommand::Wait(args)) => task_wait::run(ctx, &args).await,
        Command::Task(TaskCommand::List(args)) => task_list::run(ctx, &args).await,
        Command::Task(TaskCommand::Show(args)) => task_show::run(ctx, &args).await,
        Command::Task(TaskCommand::Log(args)) => task_log::run(ctx, &args).await,
        Command::Task(TaskCommand::Cancel(args)) => task_cancel::run(ctx, &args).await,
        Command::Project(ProjectCommand::List(args)) => project_list::run(ctx, &args).await,
        Command::Project(ProjectCommand::Show(args)) => project_show::run(ctx, &args).await,
        Command::Environment(EnvironmentCommand::List(args)) => environment_list::run(ctx, &args).await,
        Command::Init(args) => init::run(ctx, &args),
        Command::Check(args) => check::run(ctx, &args).await,
        Command::Runbook(RunbookCommand::Run(args)) => runbook_run::run(ctx, &args).await,
        Command::Ship(args) => ship::run(ctx, &args).await,
        Command::Server(args) => server::run(ctx, &args).await,
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(ctx, &args),
    }
}
