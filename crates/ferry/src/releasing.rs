//! Creating a release and reporting it, shared by `release create` and `ship`: the package
//! versions it uses and who chose them, the automatic deployments it started, the CI outputs and
//! the JSON contract; and release notes from the build information of the packages it will use.

use ferry_core::package_spec::PackageSpec;
use ferry_core::version::Version;
use ferry_flow::DeploymentServer;
use ferry_flow::model::{CreatedRelease, ReleasePackage, ReleaseRequest};
use ferry_octopus::Client;
use ferry_octopus::model::Project;

use crate::cli::{ReleaseIfExists, ReleaseOptions};
use crate::context::{Ctx, client_error};
use crate::exit::UserError;
use crate::target::{ServerError, server_error};

/// A `--package` value, parsed by the one parser (clap checked it already, so `None` only for a
/// value that never went through the command line).
pub fn parsed_spec(spec: &str) -> Option<PackageSpec> {
    spec.parse().ok()
}

/// `--release-notes-file`: read before anything is pushed or created, so a wrong path stops the
/// run while nothing has changed.
pub fn read_notes_file(file: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).map_err(|err| {
        UserError::usage(format!("could not read the release notes file {}: {err}", file.display()))
            .hint("pass --release-notes-file with a readable UTF-8 text file")
            .into()
    })
}

/// Create the release (or find it with `--if-exists ignore`), print what happened on stderr,
/// set the CI outputs, and return it with its JSON (`{releaseId, version, project, channel, existing}`).
pub async fn create<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    project: &ferry_flow::model::Project,
    version: Option<String>,
    opts: &ReleaseOptions,
    notes: Option<String>,
) -> anyhow::Result<(CreatedRelease, serde_json::Value)>
where
    ServerError: From<S::Error>,
{
    let request = ReleaseRequest {
        project: project.clone(),
        version,
        channel: opts.channel.clone(),
        packages: opts.packages.clone(),
        package_version: opts.package_version.clone(),
        notes,
        use_existing: opts.if_exists == ReleaseIfExists::Ignore,
        git_ref: opts.git_ref.clone(),
        git_commit: opts.git_commit.clone(),
    };
    let created =
        DeploymentServer::create_release(client, &request).await.map_err(|err| server_error(err.into()))?;
    let json = report(ctx, project, &created, opts);
    Ok((created, json))
}

/// Say on stderr what release creation did, set the CI outputs, and return the release's JSON
/// (`{releaseId, version, project, channel, existing, packages, automaticDeployments}`).
pub fn report(
    ctx: &Ctx,
    project: &ferry_flow::model::Project,
    created: &CreatedRelease,
    opts: &ReleaseOptions,
) -> serde_json::Value {
    let channel = &created.channel;
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
    let packages = picked_packages(&created.packages, opts);
    report_packages(ctx, &packages, channel);
    let automatic = &created.automatic_deployments;
    for deployment in automatic {
        ctx.info(&format!(
            "the lifecycle started an automatic deployment of {} {} to {} ({}, {})",
            project.name,
            created.release.version,
            deployment.environment,
            deployment.deployment_id,
            deployment.task_id
        ));
    }
    serde_json::json!({
        "releaseId": created.release.id,
        "version": created.release.version,
        "project": project.name,
        "channel": channel,
        "existing": created.existing,
        "packages": packages.iter().map(PickedPackage::json).collect::<Vec<_>>(),
        "automaticDeployments": automatic.iter().map(|d| serde_json::json!({
            "environment": d.environment, "deploymentId": d.deployment_id, "taskId": d.task_id,
        })).collect::<Vec<_>>(),
    })
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
fn spec_names(spec: &PackageSpec, names: &[&str]) -> bool {
    match &spec.step_or_package {
        None => true,
        Some(target) => names.iter().any(|name| !name.is_empty() && name.eq_ignore_ascii_case(target)),
    }
}

/// The release's package versions, each with who chose it.
fn picked_packages(packages: &[ReleasePackage], opts: &ReleaseOptions) -> Vec<PickedPackage> {
    packages
        .iter()
        .map(|selected| {
            let (package_id, step) = (selected.package_id.clone(), selected.step.clone());
            let names = [package_id.as_str(), step.as_str(), selected.action.as_str()];
            let picked_by = if opts
                .packages
                .iter()
                .filter_map(|spec| parsed_spec(spec))
                .any(|spec| spec_names(&spec, &names))
            {
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

/// Release notes rendered from the build information of the packages the release will use:
/// `--package` overrides, then `--package-version`, then the newest version in the feed.
pub async fn auto_notes(
    ctx: &Ctx,
    client: &Client,
    project: &Project,
    release_version: Option<&str>,
    opts: &ReleaseOptions,
) -> anyhow::Result<Option<String>> {
    let template = match client.release_template(project, opts.git_ref.as_deref()).await {
        Ok(template) => template,
        // A version-controlled project without --git-ref: the release would be refused too.
        Err(err) if err.kind == ferry_octopus::ErrorKind::Usage => return Err(client_error(err)),
        Err(err) => {
            ctx.warn(&format!("no release notes from build information: {err}"));
            return Ok(None);
        }
    };
    let mut builds = Vec::new();
    for package in &template.packages {
        let names = [package.package_id.as_str(), package.step_name.as_str(), package.action_name.as_str()];
        let chosen = opts
            .packages
            .iter()
            .filter_map(|spec| parsed_spec(spec))
            .find_map(|spec| spec_names(&spec, &names).then_some(spec.version));
        let version = match chosen.or_else(|| opts.package_version.clone()) {
            Some(version) => Some(version),
            None => client.latest_package_version(&package.package_id).await.ok().flatten(),
        };
        let Some(version) = version else { continue };
        match client.build_information(&package.package_id, Some(&version)).await {
            Ok(Some(mut stored)) => {
                ferry_core::work_items::derive_when_missing(&mut stored.info);
                builds.push(stored.info)
            }
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

#[cfg(test)]
mod tests {
    use super::{parsed_spec, spec_names};

    #[test]
    fn a_spec_names_a_step_with_an_escaped_colon_whole() {
        let spec = parsed_spec(&crate::cli::parse_package_spec(r"Deploy\: web:1.0.0").unwrap()).unwrap();
        assert!(spec_names(&spec, &["App", "Deploy: web", ""]));
        assert!(!spec_names(&spec, &["Deploy", "Deploy\\"]));
        let every = parsed_spec("*:App:2.0.0").unwrap();
        assert!(spec_names(&every, &["Other"]));
    }
}
