//! `ferry release create`.

use anyhow::Context as _;
use ferry_core::version::Version;
use ferry_octopus::model::{Project, Release};
use ferry_octopus::{Client, CreateRelease, CreatedDeployment, CreatedRelease};

use crate::cli::{ReleaseCreateArgs, ReleaseIfExists, ReleaseOptions};
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseCreateArgs) -> anyhow::Result<()> {
    let version = match args.version.as_deref() {
        None => None,
        Some(text) => Some(crate::versions::resolve(ctx, text)?.to_string()),
    };
    for spec in &args.release.packages {
        check_package_spec(spec)?;
    }
    let notes = match (&args.release.release_notes, &args.release.release_notes_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(file)) => Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("reading release notes from {}", file.display()))?,
        ),
        (None, None) => None,
    };
    let connection = ctx.connect(None).await?;
    let result = async {
        let client = &connection.client;
        let project = client.find_project(&args.project).await.map_err(client_error)?;
        let notes = match notes {
            Some(notes) => Some(notes),
            None if args.release.release_notes_auto => {
                auto_notes(ctx, client, &project, version.as_deref(), &args.release).await?
            }
            None => None,
        };
        create(ctx, client, &project, version, &args.release, notes).await
    }
    .await;
    connection.close().await;
    let (created, json) = result?;
    let verb = if created.existing { "using existing release" } else { "created release" };
    ctx.print_result(&format!("{verb} {} ({})", created.release.version, created.release.id), &json);
    Ok(())
}

/// `ID:VERSION`, `STEP:VERSION` or `STEP:REF:VERSION`.
pub(super) fn check_package_spec(spec: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = spec.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.trim().is_empty()) {
        return Err(UserError::usage(format!(
            "invalid value `{spec}` for --package: use ID:VERSION, STEP:VERSION or STEP:REF:VERSION"
        ))
        .into());
    }
    Ok(())
}

/// Create the release (or find it with `--if-exists ignore`), print what happened on stderr,
/// set the CI outputs, and return it with its JSON (`{releaseId, version, project, channel, existing}`).
pub(super) async fn create(
    ctx: &Ctx,
    client: &Client,
    project: &Project,
    version: Option<String>,
    opts: &ReleaseOptions,
    notes: Option<String>,
) -> anyhow::Result<(CreatedRelease, serde_json::Value)> {
    if let Some(channel) = &opts.channel {
        // Resolve it first for a clear error with close names.
        client.find_channel(project, channel).await.map_err(client_error)?;
    }
    let request = CreateRelease {
        project: project.clone(),
        version,
        channel: opts.channel.clone(),
        packages: opts.packages.clone(),
        package_version: opts.package_version.clone(),
        release_notes: notes,
        ignore_existing: opts.if_exists == ReleaseIfExists::Ignore,
        git_ref: opts.git_ref.clone(),
        git_commit: opts.git_commit.clone(),
    };
    let created = client.create_release(&request).await.map_err(client_error)?;
    let channel = match &created.release.channel_id {
        Some(id) => client.channel(id).await.ok().flatten().map(|c| c.name).unwrap_or_else(|| id.clone()),
        None => opts.channel.clone().unwrap_or_default(),
    };
    if created.existing {
        ctx.info(&format!(
            "release {} of {} exists already ({}); using it",
            created.release.version, project.name, created.release.id
        ));
    } else {
        ctx.info(&format!(
            "created release {} of {} ({}{})",
            created.release.version,
            project.name,
            created.release.id,
            if channel.is_empty() { String::new() } else { format!(", channel {channel}") }
        ));
    }
    ctx.set_output("release-id", &created.release.id);
    ctx.set_output("release-version", &created.release.version);
    // The Octopus create-release action's output name, so workflows written for it keep working.
    ctx.set_output("release_number", &created.release.version);
    let packages = picked_packages(&created.release, opts);
    report_packages(ctx, &packages, &channel);
    let automatic =
        if created.existing { Vec::new() } else { automatic_deployments(client, &created.release).await? };
    for deployment in &automatic {
        ctx.info(&format!(
            "the lifecycle started an automatic deployment of {} {} to {} ({}, {})",
            project.name,
            created.release.version,
            deployment.environment,
            deployment.deployment_id,
            deployment.task_id
        ));
    }
    let json = serde_json::json!({
        "releaseId": created.release.id,
        "version": created.release.version,
        "project": project.name,
        "channel": channel,
        "existing": created.existing,
        "packages": packages.iter().map(PickedPackage::json).collect::<Vec<_>>(),
        "automaticDeployments": automatic.iter().map(|d| serde_json::json!({
            "environment": d.environment, "deploymentId": d.deployment_id, "taskId": d.task_id,
        })).collect::<Vec<_>>(),
    });
    Ok((created, json))
}

/// Who chose a package version of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PickedBy {
    /// `--package STEP|ID:VERSION`.
    PackageFlag,
    /// `--package-version`.
    PackageVersionFlag,
    /// The server, by Octopus's rule: the newest version the channel's rules allow, else the newest.
    Channel,
}

impl PickedBy {
    fn as_str(self) -> &'static str {
        match self {
            PickedBy::PackageFlag => "--package",
            PickedBy::PackageVersionFlag => "--package-version",
            PickedBy::Channel => "channel",
        }
    }
}

/// A package version a release uses, and who chose it.
#[derive(Debug, Clone)]
struct PickedPackage {
    package_id: String,
    step: String,
    version: String,
    picked_by: PickedBy,
    prerelease: bool,
}

impl PickedPackage {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "packageId": self.package_id,
            "step": self.step,
            "version": self.version,
            "pickedBy": self.picked_by.as_str(),
            "prerelease": self.prerelease,
        })
    }
}

/// Whether the `--package` spec names this step or package (`*` names all).
fn spec_names(spec: &str, names: &[&str]) -> bool {
    let target = spec.split(':').next().unwrap_or_default();
    target == "*" || names.iter().any(|name| !name.is_empty() && name.eq_ignore_ascii_case(target))
}

/// The release's package versions, each with who chose it.
fn picked_packages(release: &Release, opts: &ReleaseOptions) -> Vec<PickedPackage> {
    release
        .selected_packages
        .iter()
        .map(|selected| {
            let step =
                selected.step_name.clone().or_else(|| selected.action_name.clone()).unwrap_or_default();
            let package_id = selected.package_id.clone().unwrap_or_else(|| step.clone());
            let names =
                [package_id.as_str(), step.as_str(), selected.action_name.as_deref().unwrap_or_default()];
            let picked_by = if opts.packages.iter().any(|spec| spec_names(spec, &names)) {
                PickedBy::PackageFlag
            } else if opts.package_version.is_some() {
                PickedBy::PackageVersionFlag
            } else {
                PickedBy::Channel
            };
            let prerelease = selected.version.parse::<Version>().is_ok_and(|v| v.is_prerelease());
            PickedPackage { package_id, step, version: selected.version.clone(), picked_by, prerelease }
        })
        .collect()
}

/// Say which package versions the release uses; a pre-release the server picked is a warning
/// that names the rule, so it is never taken silently.
fn report_packages(ctx: &Ctx, packages: &[PickedPackage], channel: &str) {
    if packages.is_empty() {
        return;
    }
    let list: Vec<String> = packages
        .iter()
        .map(|p| format!("{} {} ({})", p.package_id, p.version, p.picked_by.as_str()))
        .collect();
    ctx.info(&format!("package versions: {}", list.join(", ")));
    for package in packages.iter().filter(|p| p.prerelease && p.picked_by == PickedBy::Channel) {
        ctx.warn(&format!(
            "the release uses {} {}, a pre-release: with no version given, a release takes the newest version that channel {channel}'s rules allow, else the newest in the feed (Octopus's rule), and here no stable version qualifies; pin one with --package {}:VERSION, or give the channel a rule with tag `^$` to allow stable versions only",
            package.package_id, package.version, package.package_id
        ));
    }
}

/// Deployments of `release` that exist right after its creation: the lifecycle's automatic ones.
async fn automatic_deployments(client: &Client, release: &Release) -> anyhow::Result<Vec<CreatedDeployment>> {
    let mine = client.release_deployments(release).await.map_err(client_error)?;
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let environments = client.environments().await.map_err(client_error)?;
    Ok(mine
        .into_iter()
        .rev()
        .map(|d| CreatedDeployment {
            environment: environments
                .iter()
                .find(|e| e.id == d.environment_id)
                .map_or_else(|| d.environment_id.clone(), |e| e.name.clone()),
            deployment_id: d.id,
            task_id: d.task_id,
        })
        .collect())
}

/// Release notes rendered from the build information of the packages the release will use:
/// `--package` overrides, then `--package-version`, then the newest version in the feed.
pub(super) async fn auto_notes(
    ctx: &Ctx,
    client: &Client,
    project: &Project,
    release_version: Option<&str>,
    opts: &ReleaseOptions,
) -> anyhow::Result<Option<String>> {
    let template = match client.release_template(project).await {
        Ok(template) => template,
        Err(err) => {
            ctx.warn(&format!("no release notes from build information: {err}"));
            return Ok(None);
        }
    };
    let mut builds = Vec::new();
    for package in &template.packages {
        let names = [package.package_id.as_str(), package.step_name.as_str(), package.action_name.as_str()];
        let chosen = opts.packages.iter().find_map(|spec| {
            spec_names(spec, &names).then(|| spec.rsplit(':').next().unwrap_or_default().to_owned())
        });
        let version = match chosen.or_else(|| opts.package_version.clone()) {
            Some(version) => Some(version),
            None => client.latest_package_version(&package.package_id).await.ok().flatten(),
        };
        let Some(version) = version else { continue };
        match client.build_information(&package.package_id, Some(&version)).await {
            Ok(Some(stored)) => builds.push(stored.info),
            Ok(None) => ctx.warn(&format!(
                "no build information for {} {version} on the server; push it with ferry build-info push",
                package.package_id
            )),
            Err(err) => ctx.warn(&format!("could not read build information: {err}")),
        }
    }
    if builds.is_empty() {
        return Ok(None);
    }
    Ok(Some(ferry_core::release_notes::render(&builds, release_version, None)))
}
