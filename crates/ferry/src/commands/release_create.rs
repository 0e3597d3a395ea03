//! `ferry release create`.

use anyhow::Context as _;
use ferry_octopus::model::Project;
use ferry_octopus::{Client, CreateRelease, CreatedRelease};

use crate::cli::{ReleaseCreateArgs, ReleaseIfExists, ReleaseOptions};
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseCreateArgs) -> anyhow::Result<()> {
    let version = match args.version.as_deref() {
        None => None,
        Some(text) => Some(super::version::resolve(ctx, text)?.to_string()),
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
    let connection = ctx.connect(Some((&args.project, &[]))).await?;
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
            "release {} of {} exists already ({}); using it (--if-exists ignore)",
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
    let _ = ctx.ci.set_output("release-id", &created.release.id);
    let _ = ctx.ci.set_output("release-version", &created.release.version);
    // The Octopus create-release action's output name, so workflows written for it keep working.
    let _ = ctx.ci.set_output("release_number", &created.release.version);
    let json = serde_json::json!({
        "releaseId": created.release.id,
        "version": created.release.version,
        "project": project.name,
        "channel": channel,
        "existing": created.existing,
    });
    Ok((created, json))
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
        let chosen = opts.packages.iter().find_map(|spec| {
            let parts: Vec<&str> = spec.split(':').collect();
            let matches = |name: &str| {
                name.eq_ignore_ascii_case(&package.package_id)
                    || name.eq_ignore_ascii_case(&package.step_name)
                    || name.eq_ignore_ascii_case(&package.action_name)
                    || name == "*"
            };
            (matches(parts[0])).then(|| parts[parts.len() - 1].to_owned())
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
