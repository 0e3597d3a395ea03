//! Creating releases and deployments: the rules (channels, package versions, lifecycles) applied
//! inside one store transaction, so concurrent requests cannot break them.

use std::collections::HashSet;

use ferry_core::package_spec::PackageSpec;
use ferry_core::version::Version;
use rusqlite::{Connection, params};

use crate::channel::{check_rules, prerelease_allowed};
use crate::deploy_options::{DeploymentSettings, Schedule};
use crate::errors::{ApiError, ApiResult};
use crate::lifecycle::Progression;
use crate::store::model::{
    Channel, Deployment, Environment, Lifecycle, Package, Project, Release, SelectedPackage, Task,
};
use crate::store::{format_time, next_id, now};
use crate::versions;

/// A request to create a release, from any of the endpoints.
#[derive(Debug, Clone, Default)]
pub struct ReleaseRequest {
    /// Project id, slug or name.
    pub project: String,
    /// Channel id or name; none: the default channel, else the first whose rules fit.
    pub channel: Option<String>,
    /// Release version; none: the channel's next version.
    pub version: Option<String>,
    /// Version for every package without an override.
    pub package_version: Option<String>,
    /// `Step:Version`, `PackageId:Version`, `Step:Ref:Version`, `*:Version`.
    pub packages: Vec<String>,
    /// Release notes.
    pub notes: Option<String>,
    /// Return an existing release of that version instead of failing.
    pub ignore_if_exists: bool,
    /// Skip channel version rules.
    pub ignore_channel_rules: bool,
    /// Only pick pre-releases with this tag.
    pub package_prerelease: Option<String>,
    /// Custom fields.
    pub custom_fields: serde_json::Value,
    /// `GitRef` (config-as-code projects; checked by the API before this).
    pub git_ref: Option<String>,
    /// `GitCommit`.
    pub git_commit: Option<String>,
}

/// The outcome of a release creation.
#[derive(Debug)]
pub struct ReleaseOutcome {
    /// The release.
    pub release: Release,
    /// Whether it existed already (IgnoreIfAlreadyExists).
    pub existing: bool,
}

/// The lifecycle a release follows: its channel's, else its project's.
pub fn lifecycle_of(c: &Connection, release: &Release) -> ApiResult<Lifecycle> {
    let channel = Channel::by_id(c, &release.channel_id)?;
    let id = match channel.and_then(|ch| ch.lifecycle_id) {
        Some(id) => id,
        None => Project::get(c, &release.project_id)?.lifecycle_id,
    };
    Lifecycle::find(c, &id)?.ok_or_else(|| ApiError::internal(format!("lifecycle {id} is missing")))
}

/// Environments where the release has a successful deployment.
pub fn succeeded_environments(c: &Connection, release_id: &str) -> ApiResult<HashSet<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT DISTINCT d.environment_id FROM deployments d JOIN tasks t ON t.id = d.task_id \
         WHERE d.release_id = ?1 AND t.state = 'Success'",
    )?;
    let rows = stmt.query_map([release_id], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The release's progression, with the successes it is based on.
pub fn progression(
    c: &Connection,
    release: &Release,
) -> ApiResult<(Lifecycle, Progression, HashSet<String>)> {
    let lifecycle = lifecycle_of(c, release)?;
    let all: Vec<String> = Environment::all(c)?.into_iter().map(|e| e.id).collect();
    let succeeded = succeeded_environments(c, &release.id)?;
    let progression = Progression::compute(&lifecycle.phases, &all, &succeeded);
    Ok((lifecycle, progression, succeeded))
}

fn env_names(c: &Connection, ids: &[String]) -> ApiResult<Vec<String>> {
    ids.iter().map(|id| Ok(Environment::find(c, id)?.map(|e| e.name).unwrap_or_else(|| id.clone()))).collect()
}

/// Create one deployment (and its queued task) per environment, after checking the lifecycle
/// allows every one of them. Returns the deployments.
pub fn create_deployments(
    c: &Connection,
    release: &Release,
    environments: &[Environment],
    started_by: &str,
) -> ApiResult<Vec<Deployment>> {
    create_scheduled_deployments(
        c,
        release,
        environments,
        started_by,
        &DeploymentSettings::default(),
        Schedule::default(),
    )
}

/// [`create_deployments`] with a request's options: kept with each deployment, and the schedule
/// on its task.
pub fn create_scheduled_deployments(
    c: &Connection,
    release: &Release,
    environments: &[Environment],
    started_by: &str,
    settings: &DeploymentSettings,
    schedule: Schedule,
) -> ApiResult<Vec<Deployment>> {
    let (lifecycle, progression, succeeded) = progression(c, release)?;
    let project = Project::get(c, &release.project_id)?;
    let mut errors = Vec::new();
    for env in environments {
        if !progression.contains(&env.id) {
            errors.push(format!(
                "The environment '{}' is not part of the lifecycle '{}' used by release {} of project '{}', so it cannot be deployed there.",
                env.name, lifecycle.name, release.version, project.name
            ));
        } else if !progression.is_allowed(&env.id) {
            let required = env_names(c, &progression.required_before(&env.id, &succeeded))?;
            errors.push(format!(
                "The release has not been deployed to the required environments before it can be promoted to this environment. \
                 Release {} of project '{}' must first be deployed successfully to {} before it can be deployed to {} \
                 (lifecycle '{}').",
                release.version,
                project.name,
                required.join(", "),
                env.name,
                lifecycle.name
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut out = Vec::new();
    for env in environments {
        let task_id = next_id(c, "ServerTasks")?;
        let deployment_id = next_id(c, "Deployments")?;
        let created = now();
        let queue_time = schedule.run_at.map(format_time).unwrap_or_else(|| created.clone());
        let expiry = schedule.no_run_after.map(format_time);
        let description = format!("Deploy {} release {} to {}", project.name, release.version, env.name);
        c.execute(
            "INSERT INTO tasks(id, name, description, state, arguments, project_id, environment_id, release_id, queue_time, started_by, queue_time_expiry) \
             VALUES (?1, 'Deploy', ?2, 'Queued', ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                task_id,
                description,
                serde_json::json!({ "DeploymentId": deployment_id }).to_string(),
                project.id,
                env.id,
                release.id,
                queue_time,
                started_by,
                expiry
            ],
        )?;
        let name = format!("Deploy to {}", env.name);
        c.execute(
            "INSERT INTO deployments(id, release_id, environment_id, project_id, channel_id, task_id, name, created, settings) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                deployment_id,
                release.id,
                env.id,
                project.id,
                release.channel_id,
                task_id,
                name,
                created,
                serde_json::to_string(settings).map_err(ApiError::internal)?
            ],
        )?;
        let mut queued = vec![("Info".to_owned(), format!("Queued: {description}"))];
        if let Some(at) = schedule.run_at {
            queued.push((
                "Info".to_owned(),
                format!("Scheduled: it starts no earlier than {}", format_time(at)),
            ));
        }
        Task::append_log(c, &task_id, &queued)?;
        out.push(Deployment {
            id: deployment_id,
            release_id: release.id.clone(),
            environment_id: env.id.clone(),
            project_id: project.id.clone(),
            channel_id: release.channel_id.clone(),
            task_id,
            name,
            created,
            settings: settings.clone(),
        });
    }
    Ok(out)
}

/// Deploy the release to the automatic environments of every phase it has entered and that
/// have no deployment of it yet. Returns the new task ids.
pub fn auto_deploy(c: &Connection, release: &Release) -> ApiResult<Vec<String>> {
    c.execute("UPDATE releases SET automatic_deployments_pending = 0 WHERE id = ?1", [&release.id])?;
    let (_, progression, _) = progression(c, release)?;
    let deployed: HashSet<String> =
        Deployment::for_release(c, &release.id)?.into_iter().map(|d| d.environment_id).collect();
    let mut targets = Vec::new();
    for id in progression.automatic_targets() {
        if !deployed.contains(&id)
            && let Some(env) = Environment::find(c, &id)?
        {
            targets.push(env);
        }
    }
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let started_by = format!("the lifecycle's automatic deployment ({})", release.version);
    Ok(create_deployments(c, release, &targets, &started_by)?.into_iter().map(|d| d.task_id).collect())
}

/// Queue the automatic deployments of every release created but not yet followed by them (the
/// server stopped between its answer and the queueing); returns the tasks queued.
pub fn queue_pending_automatic_deployments(c: &Connection) -> ApiResult<Vec<String>> {
    let mut statement =
        c.prepare("SELECT id FROM releases WHERE automatic_deployments_pending = 1 ORDER BY rowid")?;
    let pending = statement.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    let mut tasks = Vec::new();
    for id in pending {
        if let Some(release) = Release::by_id(c, &id)? {
            tasks.extend(auto_deploy(c, &release)?);
        }
    }
    Ok(tasks)
}

/// Create a release (or find the existing one). Its automatic deployments are not created here:
/// as on Octopus, they are queued after the answer (see `api::releases`); the release is recorded
/// as having them pending, so a restart queues them if this process dies first.
pub fn create_release(c: &Connection, request: &ReleaseRequest) -> ApiResult<ReleaseOutcome> {
    let project = Project::find(c, &request.project)?
        .ok_or_else(|| ApiError::bad_request(format!("The project '{}' was not found.", request.project)))?;
    let given_version = match &request.version {
        Some(text) if !text.trim().is_empty() => Some(versions::parse("ReleaseVersion", text)?),
        _ => None,
    };
    if let Some(version) = &given_version
        && let Some(existing) = Release::find(c, &project.id, &versions::key(version))?
    {
        if request.ignore_if_exists {
            return Ok(ReleaseOutcome { release: existing, existing: true });
        }
        return Err(ApiError::bad_request(format!(
            "A release with the version {version} already exists for the project '{}'.",
            project.name
        )));
    }
    let channels = Channel::list(c, Some(&project.id))?;
    let candidates: Vec<&Channel> = match &request.channel {
        Some(key) if !key.trim().is_empty() => {
            let key = key.trim();
            let found = channels
                .iter()
                .find(|ch| ch.id.eq_ignore_ascii_case(key) || ch.name.eq_ignore_ascii_case(key))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "The channel '{key}' was not found in the project '{}'.",
                        project.name
                    ))
                })?;
            vec![found]
        }
        _ => channels.iter().collect(),
    };
    let mut first_error = None;
    let mut chosen = None;
    for channel in candidates {
        match select_packages(c, &project, channel, request) {
            Ok(selected) => {
                chosen = Some((channel.clone(), selected));
                break;
            }
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    let (channel, selected) = match chosen {
        Some(chosen) => chosen,
        None => {
            return Err(first_error.unwrap_or_else(|| ApiError::bad_request("The project has no channel.")));
        }
    };
    let version = match given_version {
        Some(version) => version,
        None => {
            let text = next_version(c, &project, &channel)?;
            versions::parse("ReleaseVersion", &text)?
        }
    };
    let key = versions::key(&version);
    if let Some(existing) = Release::find(c, &project.id, &key)? {
        if request.ignore_if_exists {
            return Ok(ReleaseOutcome { release: existing, existing: true });
        }
        return Err(ApiError::bad_request(format!(
            "A release with the version {version} already exists for the project '{}'.",
            project.name
        )));
    }
    let release = Release {
        id: next_id(c, "Releases")?,
        project_id: project.id.clone(),
        channel_id: channel.id.clone(),
        version: version.to_string(),
        notes: request.notes.clone().unwrap_or_default(),
        selected,
        assembled: now(),
        custom_fields: if request.custom_fields.is_object() {
            request.custom_fields.clone()
        } else {
            serde_json::json!({})
        },
        ignore_channel_rules: request.ignore_channel_rules,
        git_ref: request.git_ref.clone(),
        git_commit: request.git_commit.clone(),
    };
    c.execute(
        "INSERT INTO releases(id, project_id, channel_id, version, version_key, notes, selected, assembled, custom_fields, \
         ignore_channel_rules, git_ref, git_commit, automatic_deployments_pending) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1)",
        params![
            release.id,
            release.project_id,
            release.channel_id,
            release.version,
            key,
            release.notes,
            serde_json::to_string(&release.selected)?,
            release.assembled,
            release.custom_fields.to_string(),
            release.ignore_channel_rules,
            release.git_ref,
            release.git_commit
        ],
    )?;
    Ok(ReleaseOutcome { release, existing: false })
}

/// The next version for a channel: the highest release of the channel (else of the project)
/// incremented.
pub fn next_version(c: &Connection, project: &Project, channel: &Channel) -> ApiResult<String> {
    let releases = Release::list(c, Some(&project.id))?;
    let highest = |filter: &dyn Fn(&Release) -> bool| {
        releases.iter().filter(|r| filter(r)).filter_map(|r| r.version.parse::<Version>().ok()).max()
    };
    let last = highest(&|r| r.channel_id == channel.id).or_else(|| highest(&|_| true));
    Ok(versions::next_increment(last.as_ref()))
}

/// Pick a version for every step of the project under a channel's rules.
fn select_packages(
    c: &Connection,
    project: &Project,
    channel: &Channel,
    request: &ReleaseRequest,
) -> ApiResult<Vec<SelectedPackage>> {
    let overrides = parse_overrides(&request.packages)?;
    let mut out = Vec::new();
    for step in &project.steps {
        let explicit = overrides
            .iter()
            .rev()
            .find(|(name, _)| name == "*" || name.eq_ignore_ascii_case(step))
            .map(|(_, v)| v.clone())
            .or_else(|| request.package_version.clone().filter(|v| !v.trim().is_empty()));
        let version = match explicit {
            Some(text) => {
                let version = versions::parse(&format!("the version of package {step}"), &text)?;
                let package = Package::find(c, step, &versions::key(&version))?.ok_or_else(|| {
                    ApiError::bad_request(format!("The package {step} version {version} was not found in the built-in feed."))
                })?;
                if !request.ignore_channel_rules {
                    check_rules(&channel.rules, step, &version).map_err(|why| {
                        ApiError::bad_request(format!(
                            "The package {step} version {version} violates the version rules of the channel '{}': {why}.",
                            channel.name
                        ))
                    })?;
                }
                package.version
            }
            None => latest_allowed(c, channel, step, request)?.ok_or_else(|| {
                ApiError::bad_request(format!(
                    "No version of the package {step} in the built-in feed satisfies the rules of the channel '{}'; push one or give its version.",
                    channel.name
                ))
            })?,
        };
        out.push(SelectedPackage { step: step.clone(), package_id: step.clone(), version });
    }
    Ok(out)
}

/// The highest version of `package_id` the channel allows (stable unless the rules name a tag).
pub fn latest_allowed(
    c: &Connection,
    channel: &Channel,
    package_id: &str,
    request: &ReleaseRequest,
) -> ApiResult<Option<String>> {
    let prerelease_ok =
        prerelease_allowed(&channel.rules, package_id) || request.package_prerelease.is_some();
    let mut candidates: Vec<(Version, String)> = Package::list(c, Some(package_id))?
        .into_iter()
        .filter_map(|p| p.version.parse::<Version>().ok().map(|v| (v, p.version)))
        .filter(|(v, _)| request.ignore_channel_rules || check_rules(&channel.rules, package_id, v).is_ok())
        .filter(|(v, _)| match &request.package_prerelease {
            Some(tag) => {
                v.prerelease().is_some_and(|p| p.to_ascii_lowercase().starts_with(&tag.to_ascii_lowercase()))
            }
            None => true,
        })
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0));
    let stable = candidates.iter().find(|(v, _)| !v.is_prerelease());
    let pick = if prerelease_ok { candidates.first() } else { stable.or(candidates.first()) };
    Ok(pick.map(|(_, text)| text.clone()))
}

/// The request's `Packages` (`Step:Version`, `Step:Ref:Version`, `*:Ref:Version`, with the
/// delimiters and escapes of ferry-core's one parser) -> (step or `*`, version). A step here is
/// its package id, so `*:Ref:Version` names the step whose package is `Ref`.
fn parse_overrides(specs: &[String]) -> ApiResult<Vec<(String, String)>> {
    specs
        .iter()
        .map(|spec| {
            let spec: PackageSpec = spec.parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "The package selection `{spec}` is not `Step:Version`, `PackageId:Version` or `Step:PackageRef:Version` (a backslash makes a `:`, `/` or `=` in a name literal)."
                ))
            })?;
            let key = spec.step_or_package.or(spec.reference).unwrap_or_else(|| "*".to_owned());
            Ok((key, spec.version))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_overrides;

    fn overrides(specs: &[&str]) -> Vec<(String, String)> {
        parse_overrides(&specs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap()
    }

    fn pair(key: &str, version: &str) -> (String, String) {
        (key.to_owned(), version.to_owned())
    }

    #[test]
    fn an_escaped_delimiter_stays_in_the_step_name() {
        assert_eq!(overrides(&[r"Deploy\: web:1.0.0"]), [pair("Deploy: web", "1.0.0")]);
        assert_eq!(overrides(&[r"Deploy\: web:App:2.0.0"]), [pair("Deploy: web", "2.0.0")]);
    }

    #[test]
    fn a_wildcard_step_keys_by_the_reference_else_every_step() {
        assert_eq!(
            overrides(&["*:App:1.0.0", "*:2.0.0", "App=3.0.0"]),
            [pair("App", "1.0.0"), pair("*", "2.0.0"), pair("App", "3.0.0")]
        );
    }

    #[test]
    fn malformed_selections_are_refused() {
        for spec in ["::", "App", "a:b:c:d", "App:"] {
            assert!(parse_overrides(&[spec.to_owned()]).is_err(), "{spec}");
        }
    }
}
