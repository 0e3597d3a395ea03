//! `ferry check`: validate the configuration file and the connection without changing anything.
//! One line per check on stdout; exit 1 when any fails. The server checks only read (GET).

use ferry_octopus::Client;
use ferry_server::config::Config;

use crate::cli::CheckArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;
use crate::render::count;

/// The most environments read.
const MOST_ENVIRONMENTS: usize = 200;

/// The outcome of one check.
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
}

/// The checks done so far.
#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn pass(&mut self, name: &'static str, detail: impl Into<String>) {
        self.0.push(Check { name, ok: true, detail: detail.into() });
    }

    fn fail(&mut self, name: &'static str, detail: impl Into<String>) {
        self.0.push(Check { name, ok: false, detail: detail.into() });
    }

    fn failed(&self) -> usize {
        self.0.iter().filter(|c| !c.ok).count()
    }
}

/// Run the command.
pub async fn run(ctx: &Ctx, args: &CheckArgs) -> anyhow::Result<()> {
    let mut checks = Checks::default();
    let config = check_config(ctx, args, &mut checks);
    if !args.offline {
        match &config {
            Some(config) => check_server(ctx, args, config.as_ref(), &mut checks).await,
            None if ctx.server_url().is_some() => check_server(ctx, args, None, &mut checks).await,
            None => checks.fail("server", "not started: the embedded server needs a valid configuration"),
        }
    }
    let text: Vec<String> = checks
        .0
        .iter()
        .map(|c| format!("{:<4}  {:<12}  {}", if c.ok { "ok" } else { "FAIL" }, c.name, c.detail))
        .collect();
    let json: Vec<serde_json::Value> = checks
        .0
        .iter()
        .map(|c| serde_json::json!({"check": c.name, "ok": c.ok, "detail": c.detail}))
        .collect();
    ctx.print_result(&text.join("\n"), &serde_json::json!({"checks": json, "ok": checks.failed() == 0}));
    match checks.failed() {
        0 => Ok(()),
        failed => {
            Err(UserError::failure(format!("{} of {} failed", count(failed, "check"), checks.0.len())).into())
        }
    }
}

/// The configuration file: `Some(Some(config))` loaded, `Some(None)` there is none (fine with a
/// server), `None` it is broken (a failed check).
fn check_config(ctx: &Ctx, args: &CheckArgs, checks: &mut Checks) -> Option<Option<Config>> {
    let Some(path) = ctx.config_path() else {
        if args.offline || ctx.server_url().is_none() {
            checks.fail("config", "no ferry.toml here and no --config FILE (create one with: ferry init)");
            return None;
        }
        checks.pass("config", "no ferry.toml (not needed with --server)");
        return Some(None);
    };
    let config = match Config::load(&path) {
        Ok(config) => config,
        Err(err) => {
            checks.fail("config", err.to_string());
            return None;
        }
    };
    checks.pass(
        "config",
        format!(
            "{}: {}, {}, {}",
            path.display(),
            count(config.environments.len(), "environment"),
            count(config.lifecycles.len(), "lifecycle"),
            count(config.projects.len(), "project")
        ),
    );
    if let Some(project) = &args.project
        && !config.projects.is_empty()
    {
        match config.projects.iter().find(|p| p.name.eq_ignore_ascii_case(project)) {
            Some(found) => {
                checks.pass("project", format!("{} is declared in {}", found.name, path.display()))
            }
            None => checks.fail(
                "project",
                format!(
                    "{project} is not among the projects of {}: {}",
                    path.display(),
                    config.projects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }
    Some(Some(config))
}

/// Reach the server (key and space included), then its environments and the project.
async fn check_server(ctx: &Ctx, args: &CheckArgs, config: Option<&Config>, checks: &mut Checks) {
    let connection = match ctx.connect(None).await {
        Ok(connection) => connection,
        Err(err) => {
            checks.fail("server", message(err));
            return;
        }
    };
    let client = &connection.client;
    let server = if ctx.uses_embedded_server() {
        format!("the embedded server over {}", ctx.data_dir().display())
    } else {
        client.server_url().to_owned()
    };
    checks.pass("server", format!("{server} answers; the API key is accepted"));
    checks.pass("space", client.space_id().unwrap_or("(a server without spaces)").to_owned());
    if let Err(err) = check_environments(client, config, checks).await {
        checks.fail("environments", err);
    }
    if let Some(project) = &args.project
        && let Err(err) = check_project(client, project, checks).await
    {
        checks.fail("project", err);
    }
    connection.close().await;
}

async fn check_environments(
    client: &Client,
    config: Option<&Config>,
    checks: &mut Checks,
) -> Result<(), String> {
    let environments =
        client.list_environments(MOST_ENVIRONMENTS).await.map_err(|err| err.to_string())?.items;
    let missing: Vec<&str> = config
        .map(|c| {
            c.environments
                .iter()
                .map(|e| e.name.as_str())
                .filter(|name| !environments.iter().any(|e| e.name.eq_ignore_ascii_case(name)))
                .collect()
        })
        .unwrap_or_default();
    if !missing.is_empty() {
        return Err(format!("the configuration names environments the server lacks: {}", missing.join(", ")));
    }
    if environments.is_empty() {
        return Err("the server has no environments to deploy to".to_owned());
    }
    let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    checks.pass("environments", names.join(", "));
    Ok(())
}

/// The project exists, its lifecycle has phases, and where its newest release can go next.
async fn check_project(client: &Client, wanted: &str, checks: &mut Checks) -> Result<(), String> {
    let project = client.find_project(wanted).await.map_err(|err| message(client_error(err)))?;
    checks.pass("project", format!("{} ({})", project.name, project.id));
    let Some(lifecycle) = client.project_lifecycle(&project).await.map_err(|err| err.to_string())? else {
        checks.pass("lifecycle", "none named: the server's default applies");
        return Ok(());
    };
    if lifecycle.phases.is_empty() {
        checks.fail("lifecycle", format!("{} has no phases: no release can be deployed", lifecycle.name));
        return Ok(());
    }
    let environments =
        client.list_environments(MOST_ENVIRONMENTS).await.map_err(|err| err.to_string())?.items;
    let name = |id: &String| environments.iter().find(|e| &e.id == id).map_or(id.clone(), |e| e.name.clone());
    let newest =
        client.list_releases(&project, 1).await.map_err(|err| err.to_string())?.items.into_iter().next();
    let next = match &newest {
        Some(release) => {
            let progression = client.progression(release).await.map_err(|err| err.to_string())?;
            let next: Vec<String> = progression.next_deployments.iter().map(name).collect();
            if next.is_empty() {
                format!("release {} has been through every phase", release.version)
            } else {
                format!("release {} can go next to {}", release.version, next.join(", "))
            }
        }
        None => {
            let first = &lifecycle.phases[0];
            let targets: Vec<String> = first
                .automatic_deployment_targets
                .iter()
                .chain(&first.optional_deployment_targets)
                .map(name)
                .collect();
            format!("no release yet; the first goes to {}", targets.join(", "))
        }
    };
    checks.pass(
        "lifecycle",
        format!("{} ({}): {next}", lifecycle.name, count(lifecycle.phases.len(), "phase")),
    );
    Ok(())
}

/// An error's message with its hints, on one line.
fn message(err: anyhow::Error) -> String {
    let failure = crate::exit::Failure::of(&err);
    std::iter::once(failure.message).chain(failure.hints).collect::<Vec<_>>().join("; ")
}
