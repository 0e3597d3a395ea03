//! `ferry ship`: the whole pipeline step. Package, push, build information, release (with notes
//! from the build information), deploy (to `--to`, or the lifecycle's automatic phase), wait, and
//! one summary at the end.

use std::collections::HashMap;

use ferry_core::packaging::PackOutcome;
use ferry_octopus::model::{ProgressionPhase, Project, Release};
use ferry_octopus::{Client, CreatedDeployment};

use super::task_wait::{Waited, markdown_table, table};
use crate::cli::{IfExists, ReleaseIfExists, ReleaseOptions, ShipArgs};
use crate::context::{Ctx, FirstUseProject, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ShipArgs) -> anyhow::Result<()> {
    let version = super::version::resolve(ctx, &args.version)?;
    // 1. Package, into --out-folder when given, else into a temporary folder removed when this
    // function returns (after the push): the package is an intermediate here, and neither the work
    // tree nor the embedded server's data folder is the place for it. Packages are reproducible, so
    // a file left by an earlier run with the same bytes is used as it is.
    let mut pack = args.pack.clone();
    pack.overwrite = pack.overwrite || args.if_exists == IfExists::Overwrite;
    let (out_folder, temporary) = match &pack.out_folder {
        Some(dir) => (dir.clone(), None),
        None => {
            let temporary = tempfile::Builder::new().prefix("ferry-ship-").tempdir().map_err(|err| {
                UserError::failure(format!("could not create a temporary folder for the package: {err}"))
                    .hint("set TMPDIR to a writable folder, or pass --out-folder DIR for where the package goes")
            })?;
            (temporary.path().to_owned(), Some(temporary))
        }
    };
    let package =
        super::package_create::create(ctx, &args.id, &version.to_string(), &pack, &out_folder, true).await?;
    if temporary.is_none() {
        ctx.set_output("package-path", &package.path.display().to_string());
    }
    ctx.set_output("package-sha256", &package.sha256);

    let package_ids = vec![package.package_id.to_string()];
    let first_use = FirstUseProject { name: &args.project, package_ids: &package_ids };
    let connection = ctx.connect(Some(first_use)).await?;
    let result = publish(ctx, &connection.client, args, &package, &version.to_string(), &package_ids).await;
    let links = (connection.client.server_url().to_owned(), connection.client.space_id().map(str::to_owned));
    connection.close().await;
    let shipped = result?;
    report(ctx, args, &package, &shipped, &links)
}

struct Shipped {
    push_status: String,
    build_info: serde_json::Value,
    release: Release,
    release_json: serde_json::Value,
    deployments: Vec<(CreatedDeployment, Waited)>,
}

async fn publish(
    ctx: &Ctx,
    client: &Client,
    args: &ShipArgs,
    package: &PackOutcome,
    version: &str,
    package_ids: &[String],
) -> anyhow::Result<Shipped> {
    let project = client.find_project(&args.project).await.map_err(client_error)?;
    // 2. Before anything is written: can this run reach every --to environment?
    check_lifecycle(client, &project, version, args).await?;
    // 3. Push.
    let pushed =
        super::package_push::push_all(ctx, client, std::slice::from_ref(&package.path), args.if_exists)
            .await?;
    let push_status = pushed.first().map(|p| p.status.as_str().to_owned()).unwrap_or_default();
    // --if-exists overwrite replaced the bytes of a package version that releases may already use.
    let replaced = pushed.first().is_some_and(|p| p.status == ferry_octopus::PushStatus::Overwritten);
    // 4. Build information (commit range from the previous build on the server).
    let parsed_version = version.parse().map_err(|err| UserError::usage(format!("{err}")))?;
    let info =
        super::build_info_push::collect_with_server(ctx, client, &args.collect, package_ids, &parsed_version)
            .await?;
    let stored =
        super::build_info_push::push(ctx, client, package_ids, &parsed_version, &info, args.if_exists)
            .await?;
    // 5. Release with notes from the build information.
    let notes = ferry_core::release_notes::render(std::slice::from_ref(&info), Some(version), None);
    let options = ReleaseOptions {
        channel: args.channel.clone(),
        packages: vec![format!("{}:{version}", package.package_id)],
        package_version: None,
        release_notes: None,
        release_notes_file: None,
        release_notes_auto: false,
        if_exists: if args.if_exists == IfExists::Fail {
            ReleaseIfExists::Fail
        } else {
            ReleaseIfExists::Ignore
        },
        git_ref: None,
        git_commit: None,
    };
    let (created, release_json) =
        super::release_create::create(ctx, client, &project, Some(version.to_owned()), &options, Some(notes))
            .await?;
    // 6. Deploy: to --to, else where the lifecycle deploys automatically (the server may have
    // started those already when the release was created).
    let targets = if args.environments.is_empty() {
        automatic_targets(client, &created.release).await?
    } else {
        args.environments.clone()
    };
    // An existing release whose package bytes were just replaced: its earlier deployments ran the
    // old bytes, so they are not adopted; the targets get new deployments of the changed content.
    let earlier = match (created.existing, replaced) {
        (false, _) => EarlierDeployments::Automatic,
        (true, false) => EarlierDeployments::FromAnEarlierRun,
        (true, true) => EarlierDeployments::OfReplacedBytes,
    };
    if earlier == EarlierDeployments::OfReplacedBytes {
        ctx.info(&format!(
            "--if-exists overwrite replaced the bytes of {} {version}, which release {} already uses: deploying it again so no environment keeps running the old bytes",
            package.package_id, created.release.version
        ));
    }
    let deployments =
        deploy_targets(ctx, client, &project, &created.release, earlier, &targets, args).await?;
    Ok(Shipped {
        push_status,
        build_info: super::build_info_push::result_json(&stored),
        release: created.release,
        release_json,
        deployments,
    })
}

/// Refuse, before pushing anything, `--to` environments a new release cannot reach in this run:
/// the lifecycle wants the non-optional phases before them to succeed first, and this run only
/// deploys them first when they come earlier in `--to` with `--wait`. (An existing release has its
/// own progression; the server decides for it.)
async fn check_lifecycle(
    client: &Client,
    project: &Project,
    version: &str,
    args: &ShipArgs,
) -> anyhow::Result<()> {
    if args.environments.is_empty()
        || client.find_release(project, version).await.map_err(client_error)?.is_some()
    {
        return Ok(());
    }
    let targets = client.find_environments(&args.environments).await.map_err(client_error)?;
    let channel = match &args.channel {
        Some(name) => Some(client.find_channel(project, name).await.map_err(client_error)?),
        None => client.channels(project).await.map_err(client_error)?.into_iter().find(|c| c.is_default),
    };
    let Some(lifecycle_id) = channel.and_then(|c| c.lifecycle_id).or_else(|| project.lifecycle_id.clone())
    else {
        return Ok(());
    };
    let lifecycle = client.lifecycle(&lifecycle_id).await.map_err(client_error)?;
    let target_ids: Vec<String> = targets.iter().map(|e| e.id.clone()).collect();
    let Some(blocked) = first_unreachable(&lifecycle.phases, &target_ids, args.deploy.wait.wait) else {
        return Ok(());
    };
    let all = client.environments().await.map_err(client_error)?;
    let name = |id: &str| all.iter().find(|e| e.id == id).map_or_else(|| id.to_owned(), |e| e.name.clone());
    let target = name(&target_ids[blocked.target]);
    if blocked.first.is_empty() {
        return Err(UserError::failure(format!(
            "{target} is not in lifecycle {} of {}: no release of it can be deployed there; nothing was pushed",
            lifecycle.name, project.name
        ))
        .hint("name an environment of the lifecycle with --to, or add the environment to a phase of the lifecycle")
        .into());
    }
    let first: Vec<String> = blocked.first.iter().map(|id| name(id)).collect();
    let flags: Vec<String> = first.iter().chain([&target]).map(|env| format!("--to {env}")).collect();
    Err(UserError::failure(format!(
        "a new release of {} cannot be deployed to {target} by this run: lifecycle {} says it must first succeed in {}; nothing was pushed",
        project.name,
        lifecycle.name,
        first.join(", ")
    ))
    .hint(format!(
        "deploy through the phases in order in one run: {} --wait (ship follows a deployment the lifecycle starts by itself instead of deploying twice)",
        flags.join(" ")
    ))
    .into())
}

/// A `--to` target the lifecycle does not let a new release reach in one run.
#[derive(Debug, PartialEq, Eq)]
struct Unreachable {
    /// Index of the target in the `--to` order.
    target: usize,
    /// Environment ids that must succeed before it.
    first: Vec<String>,
}

/// The first of `targets` (environment ids, in `--to` order) that a new release cannot reach:
/// every environment of each non-optional phase before the target's first phase must have
/// succeeded, and in one run only the targets deployed before it (`in_order`, i.e. `--wait`) have.
/// An environment in no phase is unreachable (with nothing to deploy first), unless the lifecycle
/// has no phases at all: then, as in Octopus, every environment is open.
fn first_unreachable(phases: &[ProgressionPhase], targets: &[String], in_order: bool) -> Option<Unreachable> {
    if phases.is_empty() {
        return None;
    }
    let environments = |phase: &ProgressionPhase| -> Vec<String> {
        phase.automatic_deployment_targets.iter().chain(&phase.optional_deployment_targets).cloned().collect()
    };
    for (index, target) in targets.iter().enumerate() {
        let Some(position) = phases.iter().position(|p| environments(p).contains(target)) else {
            return Some(Unreachable { target: index, first: Vec::new() });
        };
        let done = if in_order { &targets[..index] } else { &[][..] };
        let first: Vec<String> = phases[..position]
            .iter()
            .filter(|p| !p.is_optional_phase)
            .flat_map(environments)
            .filter(|env| !done.contains(env))
            .collect();
        if !first.is_empty() {
            return Some(Unreachable { target: index, first });
        }
    }
    None
}

/// What the deployments the release already has mean for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EarlierDeployments {
    /// The release was created by this run: they are the lifecycle's automatic deployments,
    /// followed rather than repeated.
    Automatic,
    /// The release exists from an earlier run: those that did not fail are followed, not repeated.
    FromAnEarlierRun,
    /// The release exists, but this run replaced its package's bytes (`--if-exists overwrite`):
    /// they ran the old bytes, so the targets are deployed again.
    OfReplacedBytes,
}

/// Names of the environments of the lifecycle's automatic phases this release has entered.
async fn automatic_targets(client: &Client, release: &Release) -> anyhow::Result<Vec<String>> {
    let progression = client.progression(release).await.map_err(client_error)?;
    let environments = client.environments().await.map_err(client_error)?;
    let mut names = Vec::new();
    for phase in progression
        .phases
        .iter()
        .filter(|p| !p.progress.eq_ignore_ascii_case("Pending") && !p.is_optional_phase)
    {
        for id in &phase.automatic_deployment_targets {
            let name = environments
                .iter()
                .find(|e| &e.id == id)
                .map(|e| e.name.clone())
                .unwrap_or_else(|| id.clone());
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// Deploy to each target unless this release already has a deployment there that did not fail
/// (an automatic one, or one from an earlier run of the same ship): then follow that one.
async fn deploy_targets(
    ctx: &Ctx,
    client: &Client,
    project: &Project,
    release: &Release,
    earlier: EarlierDeployments,
    targets: &[String],
    args: &ShipArgs,
) -> anyhow::Result<Vec<(CreatedDeployment, Waited)>> {
    if targets.is_empty() {
        ctx.info("the lifecycle has no automatic phase and no --to was given: nothing to deploy");
        return Ok(Vec::new());
    }
    super::release_deploy::in_order(targets, args.deploy.wait.wait, async |batch: &[String]| {
        deploy_batch(ctx, client, project, release, earlier, batch, args).await
    })
    .await
}

/// Deploy to `targets` at once (following deployments that exist already), then follow them.
async fn deploy_batch(
    ctx: &Ctx,
    client: &Client,
    project: &Project,
    release: &Release,
    earlier: EarlierDeployments,
    targets: &[String],
    args: &ShipArgs,
) -> anyhow::Result<Vec<(CreatedDeployment, Waited)>> {
    let environments = client.find_environments(targets).await.map_err(client_error)?;
    let existing = client.deployments(project, None).await.map_err(client_error)?;
    // Newest first: the first of each environment is the latest.
    let mut latest: HashMap<String, &ferry_octopus::model::Deployment> = HashMap::new();
    for deployment in existing.iter().filter(|d| d.release_id == release.id) {
        latest.entry(deployment.environment_id.clone()).or_insert(deployment);
    }
    let mut adopted = Vec::new();
    let mut to_deploy = Vec::new();
    for environment in &environments {
        let reusable = match latest.get(&environment.id) {
            Some(deployment) if earlier != EarlierDeployments::OfReplacedBytes => {
                let task = client.task(&deployment.task_id).await.map_err(client_error)?;
                (!matches!(task.state.as_str(), "Failed" | "Canceled" | "TimedOut"))
                    .then_some((deployment, task))
            }
            _ => None,
        };
        match reusable {
            Some((deployment, task)) => {
                if earlier == EarlierDeployments::FromAnEarlierRun {
                    ctx.info(&format!(
                        "{} {} is already deployed to {} ({}, {}: {}); not deploying it again",
                        project.name,
                        release.version,
                        environment.name,
                        deployment.id,
                        deployment.task_id,
                        task.state
                    ));
                }
                // (An automatic deployment of a release created by this run was announced by
                // release creation already.)
                adopted.push(CreatedDeployment {
                    environment: environment.name.clone(),
                    deployment_id: deployment.id.clone(),
                    task_id: deployment.task_id.clone(),
                });
            }
            None => to_deploy.push(environment.name.clone()),
        }
    }
    let mut created = Vec::new();
    if !to_deploy.is_empty() {
        let request = ferry_octopus::DeployRequest {
            project: project.clone(),
            release: release.clone(),
            environments: client.find_environments(&to_deploy).await.map_err(client_error)?,
            tenants: args.deploy.tenants.clone(),
            variables: args.deploy.variables.clone(),
        };
        created = client.deploy(&request).await.map_err(client_error)?;
        for d in &created {
            ctx.info(&format!(
                "deploying {} {} to {} ({}, {})",
                project.name, release.version, d.environment, d.deployment_id, d.task_id
            ));
        }
    }
    let mut all = adopted;
    all.extend(created);
    all.sort_by_key(|d| {
        targets.iter().position(|t| t.eq_ignore_ascii_case(&d.environment)).unwrap_or(usize::MAX)
    });
    super::release_deploy::follow(ctx, client, all, &args.deploy).await
}

fn report(
    ctx: &Ctx,
    args: &ShipArgs,
    package: &PackOutcome,
    shipped: &Shipped,
    (server, space): &(String, Option<String>),
) -> anyhow::Result<()> {
    let web = |path: &str| match space {
        Some(space) => format!("{server}/app#/{space}/{path}"),
        None => format!("{server}/app#/{path}"),
    };
    let mut rows: Vec<Vec<String>> = vec![
        vec![
            "Package".into(),
            format!("{} {}", package.package_id, package.version),
            match &args.pack.out_folder {
                Some(_) => format!(
                    "{} ({} bytes, {})",
                    package.path.display(),
                    package.size_bytes,
                    shipped.push_status
                ),
                None => format!(
                    "{} bytes, {} (no --out-folder: not kept)",
                    package.size_bytes, shipped.push_status
                ),
            },
        ],
        vec!["SHA-256".into(), String::new(), package.sha256.clone()],
        vec![
            "Release".into(),
            format!("{} {}", args.project, shipped.release.version),
            format!(
                "{}{}  {}",
                shipped.release.id,
                if shipped.release_json["existing"] == true { " (existing)" } else { "" },
                web(&format!("releases/{}", shipped.release.id))
            ),
        ],
    ];
    for (deployment, waited) in &shipped.deployments {
        rows.push(vec![
            deployment.environment.clone(),
            super::release_deploy::state_cell(waited),
            format!("{}  {}", deployment.task_id, web(&format!("tasks/{}", deployment.task_id))),
        ]);
    }
    if shipped.deployments.is_empty() {
        rows.push(vec!["Deploy".into(), "none".into(), "no --to and no automatic phase".into()]);
    }
    super::release_deploy::set_outputs(ctx, &shipped.deployments);
    ctx.summary(&format!(
        "### Ferry ship: {} {}\n\n{}",
        args.project,
        shipped.release.version,
        markdown_table(&["Step", "Result", "Details"], &rows)
    ));
    let json = serde_json::json!({
        "package": super::package_create::json(package),
        "buildInformation": shipped.build_info,
        "release": shipped.release_json,
        "deployments": super::release_deploy::deployments_json(&shipped.release, &shipped.deployments),
    });
    ctx.print_result(&table(&["What", "Result", "Details"], &rows), &json);
    let waited: Vec<Waited> = shipped.deployments.iter().map(|(_, w)| w.clone()).collect();
    super::task_wait::fail_if_unsuccessful(&waited)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(automatic: &[&str], optional: &[&str], is_optional_phase: bool) -> ProgressionPhase {
        ProgressionPhase {
            automatic_deployment_targets: automatic.iter().map(|s| (*s).to_owned()).collect(),
            optional_deployment_targets: optional.iter().map(|s| (*s).to_owned()).collect(),
            is_optional_phase,
            ..ProgressionPhase::default()
        }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_new_release_reaches_later_phases_only_through_the_earlier_targets_of_the_same_run() {
        let phases =
            [phase(&["Dev"], &[], false), phase(&[], &["Test"], false), phase(&[], &["Prod"], false)];
        let check = |targets: &[&str], wait: bool| first_unreachable(&phases, &ids(targets), wait);
        assert_eq!(check(&["Dev"], false), None);
        assert_eq!(check(&["Prod"], true), Some(Unreachable { target: 0, first: ids(&["Dev", "Test"]) }));
        assert_eq!(check(&["Dev", "Test", "Prod"], true), None);
        assert_eq!(check(&["Dev", "Prod"], true), Some(Unreachable { target: 1, first: ids(&["Test"]) }));
        // Without --wait the targets are deployed at once: Dev has not succeeded when Test starts.
        assert_eq!(check(&["Dev", "Test"], false), Some(Unreachable { target: 1, first: ids(&["Dev"]) }));
        assert_eq!(check(&["Elsewhere"], true), Some(Unreachable { target: 0, first: Vec::new() }));
    }

    #[test]
    fn a_lifecycle_without_phases_opens_every_environment() {
        assert_eq!(first_unreachable(&[], &ids(&["Prod"]), false), None);
    }

    #[test]
    fn optional_phases_do_not_block() {
        let phases = [phase(&["Dev"], &[], true), phase(&[], &["Test"], false)];
        assert_eq!(first_unreachable(&phases, &ids(&["Test"]), false), None);
    }
}
