//! `ferry ship`: the whole pipeline step. Package, push, build information, release (with notes
//! from the build information), deploy (to `--to`, or the lifecycle's automatic phase), wait, and
//! one summary at the end.

use ferry_core::packaging::PackOutcome;
use ferry_flow::adoption::{self, EarlierDeployments};
use ferry_flow::follow::Followed;
use ferry_flow::lifecycle_guard::Reach;
use ferry_flow::model::{Project, PushStatus, Release, StartedDeployment, TaskState};
use ferry_flow::ship::{self, Batch, PlanError, PublishError, ReleaseInputs, ShipPlan, ShipRequest, Targets};

use crate::cli::{IfExists, ReleaseIfExists, ReleaseOptions, ShipArgs};
use crate::context::{Ctx, FirstUseProject};
use crate::exit::UserError;
use crate::github_target::{GitHubRun, Unhonoured};
use crate::render::{markdown_table, size, table};
use crate::target::{Server, server_error};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ShipArgs) -> anyhow::Result<()> {
    let version = crate::versions::resolve(ctx, &args.version)?;
    let notes = release_inputs(args)?;
    let project = &crate::github_target::project_name(ctx, args.project.as_deref())?;
    if args.deploy.dry_run {
        return dry_run(ctx, args, project, &version.to_string(), notes).await;
    }
    // Refused flags are refused before the package is built.
    ctx.refuse_what_github_cannot_honour(&github_run(args, project))?;
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
        crate::packing::create(ctx, &args.id, &version.to_string(), &pack, &out_folder, true).await?;
    if temporary.is_none() {
        ctx.set_output("package-path", &package.path.display().to_string());
    }
    ctx.set_output("package-sha256", &package.sha256);

    let package_ids = vec![package.package_id.to_string()];
    let first_use = FirstUseProject { name: project, package_ids: &package_ids };
    let run = GitHubRun { first_use: Some(first_use), ..github_run(args, project) };
    let server = ctx.connect_server(&run).await?;
    let inputs = ShipInputs { args, project, version: &version.to_string(), notes };
    let result = publish(ctx, &server, inputs, &package, &package_ids).await;
    let links = server.web_links();
    server.close().await;
    let shipped = result?;
    report(ctx, args, project, &package, &shipped, &links)
}

struct Shipped {
    push_status: String,
    build_info: serde_json::Value,
    release: Release,
    release_json: serde_json::Value,
    deployments: Vec<(StartedDeployment, Followed)>,
}

/// What a run ships: the flags, with the project and version they resolved to.
struct ShipInputs<'a> {
    args: &'a ShipArgs,
    /// `--project`, or on a GitHub server the repository's name.
    project: &'a str,
    version: &'a str,
    notes: Option<String>,
}

async fn publish(
    ctx: &Ctx,
    client: &Server,
    inputs: ShipInputs<'_>,
    package: &PackOutcome,
    package_ids: &[String],
) -> anyhow::Result<Shipped> {
    let (args, version) = (inputs.args, inputs.version);
    // 2. Before anything is written: the plan, with the lifecycle's word on every --to environment.
    let plan = plan(client, inputs).await?;
    let project = &plan.project;
    // 3-5. Push the package and its build information, create (or use) the release with notes
    // from that build information.
    let parsed_version = version.parse().map_err(|err| UserError::usage(format!("{err}")))?;
    let collect = |previous| {
        crate::build_information::collect(ctx, &args.collect, package_ids, &parsed_version, previous)
    };
    let published = match ship::publish(client, &plan, &package.path, collect, ctx).await {
        Ok(published) => published,
        Err(PublishError::Server(err)) => return Err(server_error(err)),
        Err(PublishError::Collect(err)) => return Err(err),
    };
    let push_status = published.package.status.as_str().to_owned();
    // --if-exists overwrite replaced the bytes of a package version that releases may already use.
    let replaced = published.package.status == PushStatus::Overwritten;
    let options = ReleaseOptions {
        channel: args.channel.clone(),
        packages: std::iter::once(format!("{}:{version}", package.package_id))
            .chain(args.release.packages.iter().cloned())
            .collect(),
        package_version: None,
        release_notes: None,
        release_notes_file: None,
        release_notes_auto: false,
        if_exists: if args.if_exists == IfExists::Fail {
            ReleaseIfExists::Fail
        } else {
            ReleaseIfExists::Ignore
        },
        git_ref: args.release.git_ref.clone(),
        git_commit: args.release.git_commit.clone(),
    };
    let created = &published.release;
    let release_json = crate::releasing::report(ctx, project, created, &options);
    let stored = vec![published.build_information.clone()];
    // 6. Deploy: to --to, else where the lifecycle deploys automatically (the server may have
    // started those already when the release was created).
    let release = created.release.clone();
    let targets = if args.environments.is_empty() {
        adoption::automatic_targets(client, &release).await.map_err(server_error)?
    } else {
        args.environments.clone()
    };
    // An existing release whose package bytes were just replaced: its earlier deployments ran the
    // old bytes, so they are not adopted; the targets get new deployments of the changed content.
    let earlier = EarlierDeployments::of(created.existing, replaced);
    if earlier == EarlierDeployments::OfReplacedBytes {
        ctx.info(&format!(
            "--if-exists overwrite replaced the bytes of {} {version}, which release {} already uses: deploying it again so no environment keeps running the old bytes",
            package.package_id, release.version
        ));
    }
    let deployments = deploy_targets(ctx, client, project, &release, earlier, &targets, args).await?;
    Ok(Shipped {
        push_status,
        build_info: crate::build_information::result_json(&stored),
        release,
        release_json,
        deployments,
    })
}

/// Check ship's release inputs before anything is packed or pushed: that `--package` does not
/// also pin the package ship packs (that one always gets --version).
/// Returns the release notes given with `--release-notes` or `--release-notes-file` (which also
/// go into a nupkg), read now so a wrong path stops the run while nothing has changed.
fn release_inputs(args: &ShipArgs) -> anyhow::Result<Option<String>> {
    for spec in &args.release.packages {
        let named = crate::releasing::parsed_spec(spec).and_then(|spec| spec.step_or_package);
        if named.is_some_and(|named| named.eq_ignore_ascii_case(&args.id)) {
            return Err(UserError::usage(format!(
                "--package {spec} names {}, the package ship packs: it gets --version",
                args.id
            ))
            .hint("use --package for the release's other packages only")
            .into());
        }
    }
    match (&args.pack.release_notes, &args.pack.release_notes_file) {
        (Some(text), _) => Ok(Some(text.clone())),
        (None, Some(file)) => crate::releasing::read_notes_file(file).map(Some),
        (None, None) => Ok(None),
    }
}

/// What this run will do, from reads alone; refuses, before pushing anything, `--to` environments
/// a new release cannot reach in this run: the lifecycle wants the non-optional phases before
/// them to succeed first, and this run only deploys them first when they come earlier in `--to`
/// with `--wait`. (An existing release has its own progression; the server decides for it.)
async fn plan(client: &Server, inputs: ShipInputs<'_>) -> anyhow::Result<ShipPlan> {
    let ShipInputs { args, project, version, notes } = inputs;
    let request = ShipRequest {
        project: project.to_owned(),
        package_id: args.id.clone(),
        version: version.to_owned(),
        if_exists: args.if_exists,
        channel: args.channel.clone(),
        targets: args.environments.clone(),
        wait: args.deploy.wait.wait,
        range_from_server: args.collect.since.is_none(),
        release: ReleaseInputs {
            other_packages: args.release.packages.clone(),
            notes,
            git_ref: args.release.git_ref.clone(),
            git_commit: args.release.git_commit.clone(),
        },
    };
    match ship::plan(client, &request).await {
        Ok(plan) => Ok(plan),
        Err(PlanError::Server(err)) => Err(server_error(err)),
        Err(PlanError::Refused { project, reach }) => Err(refusal(&project, reach)),
    }
}

fn refusal(project: &Project, reach: Reach) -> anyhow::Error {
    match reach {
        Reach::Open => UserError::failure("the lifecycle refused the run".to_owned()).into(),
        Reach::NotInLifecycle { target, lifecycle } => UserError::failure(format!(
            "{target} is not in lifecycle {lifecycle} of {}: no release of it can be deployed there; nothing was pushed",
            project.name
        ))
        .hint("name an environment of the lifecycle with --to, or add the environment to a phase of the lifecycle")
        .into(),
        Reach::AfterOthers { target, lifecycle, first } => {
            let flags: Vec<String> = first.iter().chain([&target]).map(|env| format!("--to {env}")).collect();
            UserError::failure(format!(
                "a new release of {} cannot be deployed to {target} by this run: lifecycle {lifecycle} says it must first succeed in {}; nothing was pushed",
                project.name,
                first.join(", ")
            ))
            .hint(format!(
                "deploy through the phases in order in one run: {} --wait (ship follows a deployment the lifecycle starts by itself instead of deploying twice)",
                flags.join(" ")
            ))
            .into()
        }
    }
}

/// What a GitHub server needs to know of this run, with `--channel` among the flags it refuses.
fn github_run<'a>(args: &'a ShipArgs, project: &'a str) -> GitHubRun<'a> {
    let mut run = args.deploy.github_run(project);
    run.unhonoured.extend(args.channel.as_ref().map(|_| Unhonoured::CHANNEL));
    run
}

/// `--dry-run`: connect, plan from reads alone, print the plan. Nothing is packed, pushed,
/// created or deployed, and no project is created on first use.
async fn dry_run(
    ctx: &Ctx,
    args: &ShipArgs,
    project: &str,
    version: &str,
    notes: Option<String>,
) -> anyhow::Result<()> {
    let server = ctx.connect_server(&github_run(args, project)).await?;
    let result = plan(&server, ShipInputs { args, project, version, notes }).await;
    server.close().await;
    let plan = result?;
    if plan.release_conflicts() {
        ctx.warn(&format!(
            "release {version} of {} exists already: the run would stop at the release (pass --if-exists ignore to use it)",
            plan.project.name
        ));
    }
    let (release_action, release_id) = match &plan.existing_release {
        Some(release) if plan.release_conflicts() => ("exists: the run stops here", Some(release.id.clone())),
        Some(release) => ("use the existing release", Some(release.id.clone())),
        None => ("create", None),
    };
    let targets_from = match plan.targets {
        Targets::Named(_) => "--to",
        Targets::Automatic(_) => "lifecycle",
    };
    let mut rows = vec![
        vec![
            "Package".to_owned(),
            format!("{} {version}", plan.package_id),
            format!("pack and push (--if-exists {})", plan.if_exists),
        ],
        vec![
            "Build information".to_owned(),
            format!("{} {version}", plan.package_id),
            "push (commits since the previous build on the server)".to_owned(),
        ],
        vec![
            "Release".to_owned(),
            format!("{} {version}", plan.project.name),
            format!(
                "{release_action}{}",
                release_id.as_ref().map(|id| format!(" ({id})")).unwrap_or_default()
            ),
        ],
    ];
    for environment in plan.targets.environments() {
        rows.push(vec![
            environment.name.clone(),
            "deploy".to_owned(),
            format!("from {targets_from}{}", if plan.wait { ", then wait" } else { "" }),
        ]);
    }
    if plan.targets.environments().is_empty() {
        rows.push(vec!["Deploy".into(), "none".into(), "no --to and no automatic phase".into()]);
    }
    let json = serde_json::json!({
        "dryRun": true,
        "project": plan.project.name,
        "package": {"packageId": plan.package_id, "version": version, "ifExists": plan.if_exists.as_str()},
        "buildInformation": {"packageId": plan.package_id, "version": version},
        "release": {
            "version": version,
            "channel": plan.channel,
            "existing": plan.existing_release.is_some(),
            "releaseId": release_id,
            "conflict": plan.release_conflicts(),
        },
        "deployments": plan.targets.environments().iter().map(|e| serde_json::json!({
            "environment": e.name, "environmentId": e.id,
        })).collect::<Vec<_>>(),
        "targetsFrom": targets_from,
        "wait": plan.wait,
    });
    ctx.print_result(&table(&["Step", "Plan", "Details"], &rows), &json);
    Ok(())
}

/// Deploy to each target unless this release already has a deployment there that did not fail
/// (an automatic one, or one from an earlier run of the same ship): then follow that one.
async fn deploy_targets(
    ctx: &Ctx,
    client: &Server,
    project: &Project,
    release: &Release,
    earlier: EarlierDeployments,
    targets: &[String],
    args: &ShipArgs,
) -> anyhow::Result<Vec<(StartedDeployment, Followed)>> {
    if targets.is_empty() {
        ctx.info("the lifecycle has no automatic phase and no --to was given: nothing to deploy");
        return Ok(Vec::new());
    }
    ferry_flow::order::in_order(
        targets,
        args.deploy.wait.wait,
        async |batch: &[String]| deploy_batch(ctx, client, project, release, earlier, batch, args).await,
        |(_, followed)| followed.state == TaskState::Success,
    )
    .await
}

/// Deploy to `targets` at once (following deployments that exist already), then follow them.
async fn deploy_batch(
    ctx: &Ctx,
    client: &Server,
    project: &Project,
    release: &Release,
    earlier: EarlierDeployments,
    targets: &[String],
    args: &ShipArgs,
) -> anyhow::Result<Vec<(StartedDeployment, Followed)>> {
    let options = args.deploy.deployment_options();
    let batch = Batch {
        project,
        release,
        earlier,
        tenants: &args.deploy.tenants,
        variables: &args.deploy.variables,
        options: &options,
    };
    let all = ship::start_batch(client, batch, targets, ctx).await.map_err(server_error)?;
    crate::deployments::follow(ctx, client, all, &args.deploy).await
}

fn report(
    ctx: &Ctx,
    args: &ShipArgs,
    project: &str,
    package: &PackOutcome,
    shipped: &Shipped,
    links: &Option<(String, Option<String>)>,
) -> anyhow::Result<()> {
    let web = |path: &str| match links {
        Some((server, Some(space))) => format!("{server}/app#/{space}/{path}"),
        Some((server, None)) => format!("{server}/app#/{path}"),
        None => String::new(),
    };
    let mut rows: Vec<Vec<String>> = vec![
        vec![
            "Package".into(),
            format!("{} {}", package.package_id, package.version),
            match &args.pack.out_folder {
                Some(_) => format!(
                    "{} ({}, {})",
                    package.path.display(),
                    size(package.size_bytes),
                    shipped.push_status
                ),
                None => format!(
                    "{}, {} (no --out-folder: not kept)",
                    size(package.size_bytes),
                    shipped.push_status
                ),
            },
        ],
        vec!["SHA-256".into(), String::new(), package.sha256.clone()],
        vec![
            "Release".into(),
            format!("{project} {}", shipped.release.version),
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
            crate::deployments::state_cell(waited),
            format!("{}  {}", deployment.task_id, web(&format!("tasks/{}", deployment.task_id))),
        ]);
    }
    if shipped.deployments.is_empty() {
        rows.push(vec!["Deploy".into(), "none".into(), "no --to and no automatic phase".into()]);
    }
    crate::deployments::set_outputs(ctx, &shipped.deployments);
    ctx.summary(&format!(
        "### Ferry ship: {} {}\n\n{}",
        project,
        shipped.release.version,
        markdown_table(&["Step", "Result", "Details"], &rows)
    ));
    let json = serde_json::json!({
        "package": crate::packing::json(package),
        "buildInformation": shipped.build_info,
        "release": shipped.release_json,
        "deployments": crate::deployments::deployments_json(&shipped.release, &shipped.deployments),
    });
    ctx.print_result(&table(&["What", "Result", "Details"], &rows), &json);
    let waited: Vec<Followed> = shipped.deployments.iter().map(|(_, w)| w.clone()).collect();
    crate::waiting::fail_if_unsuccessful(ctx, &waited)
}
