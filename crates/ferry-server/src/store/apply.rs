//! Applying `ferry.toml` to the store: create what is missing, update what changed, keep the
//! rest (ids stay stable across restarts). Running it twice changes nothing.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use super::model::{Channel, Environment, Lifecycle, Project};
use super::{next_id, slugify};
use crate::channel::ChannelRule;
use ferry_core::duration::parse_duration;

use crate::config::Config;
use crate::errors::{ApiError, ApiResult};
use crate::lifecycle::Phase;

/// Apply a configuration inside a transaction.
pub fn apply(c: &Connection, config: &Config) -> ApiResult<()> {
    let base_dir = config.base_dir.as_ref().map(|d| d.display().to_string());
    for (sort, env) in config.environments.iter().enumerate() {
        match Environment::find(c, &env.name)? {
            Some(existing) => {
                c.execute(
                    "UPDATE environments SET description = ?2, sort = ?3 WHERE id = ?1",
                    params![existing.id, env.description, sort as i64],
                )?;
            }
            None => {
                let id = next_id(c, "Environments")?;
                c.execute(
                    "INSERT INTO environments(id, name, description, sort) VALUES (?1, ?2, ?3, ?4)",
                    params![id, env.name, env.description, sort as i64],
                )?;
            }
        }
    }
    for lifecycle in &config.lifecycles {
        let id = match Lifecycle::find(c, &lifecycle.name)? {
            Some(existing) => existing.id,
            None => {
                let id = next_id(c, "Lifecycles")?;
                c.execute(
                    "INSERT INTO lifecycles(id, name, phases) VALUES (?1, ?2, '[]')",
                    params![id, lifecycle.name],
                )?;
                id
            }
        };
        let mut phases = Vec::new();
        for (index, phase) in lifecycle.phases.iter().enumerate() {
            let mut environments = Vec::new();
            for name in &phase.environments {
                let env = Environment::find(c, name)?.ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "lifecycle `{}`: environment `{name}` does not exist",
                        lifecycle.name
                    ))
                })?;
                environments.push(env.id);
            }
            phases.push(Phase {
                id: format!("{id}-phase-{}", index + 1),
                name: phase.name.clone(),
                environments,
                automatic: phase.automatic,
                optional: phase.optional,
                minimum: phase.minimum_environments,
            });
        }
        c.execute(
            "UPDATE lifecycles SET phases = ?2 WHERE id = ?1",
            params![id, serde_json::to_string(&phases)?],
        )?;
    }
    for project in &config.projects {
        let lifecycle_name = project.lifecycle.as_deref().unwrap_or("Default");
        let lifecycle = lifecycle_for(c, lifecycle_name)?;
        let deploy = project.deploy.as_ref().map(|d| d.to_map()).unwrap_or_default();
        let timeout = match &project.deploy_timeout {
            Some(text) => Some(parse_duration(text).map_err(ApiError::bad_request)?.as_secs() as i64),
            None => None,
        };
        let project_id = match Project::find(c, &project.name)? {
            Some(existing) => {
                c.execute(
                    "UPDATE projects SET lifecycle_id = ?2, steps = ?3, deploy = ?4, deploy_timeout_secs = ?5, base_dir = ?6 WHERE id = ?1",
                    params![
                        existing.id,
                        lifecycle.id,
                        serde_json::to_string(&project.packages)?,
                        serde_json::to_string(&deploy)?,
                        timeout,
                        base_dir
                    ],
                )?;
                existing.id
            }
            None => insert_project(
                c,
                &project.name,
                &lifecycle.id,
                &project.packages,
                &deploy,
                timeout,
                base_dir.as_deref(),
            )?,
        };
        c.execute(
            "UPDATE projects SET version_controlled = ?2 WHERE id = ?1",
            params![project_id, project.version_controlled],
        )?;
        // A project whose channels are declared gets those instead of an implicit `Default`.
        if !config.channels.iter().any(|ch| ch.project.eq_ignore_ascii_case(&project.name)) {
            ensure_default_channel(c, &project_id)?;
        }
    }
    for channel in &config.channels {
        // ferry.toml names a channel's project by name.
        let project =
            Project::find(c, &channel.project)?.ok_or_else(|| ApiError::not_found(&channel.project))?;
        let lifecycle_id = match &channel.lifecycle {
            Some(name) => Some(lifecycle_for(c, name)?.id),
            None => None,
        };
        let mut rules = Vec::new();
        if channel.version_range.is_some() || channel.tag.is_some() {
            rules.push(ChannelRule {
                packages: Vec::new(),
                version_range: channel.version_range.clone(),
                tag: channel.tag.clone(),
            });
        }
        rules.extend(channel.rules.iter().cloned());
        let rules = serde_json::to_string(&rules)?;
        let id = match Channel::find(c, &project.id, &channel.name)? {
            Some(existing) => {
                c.execute(
                    "UPDATE channels SET lifecycle_id = ?2, rules = ?3 WHERE id = ?1",
                    params![existing.id, lifecycle_id, rules],
                )?;
                existing.id
            }
            None => {
                let id = next_id(c, "Channels")?;
                c.execute(
                    "INSERT INTO channels(id, project_id, name, lifecycle_id, is_default, rules) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                    params![id, project.id, channel.name, lifecycle_id, rules],
                )?;
                id
            }
        };
        if channel.default {
            c.execute(
                "UPDATE channels SET is_default = (id = ?2) WHERE project_id = ?1",
                params![project.id, id],
            )?;
        }
    }
    Ok(())
}

/// A lifecycle by name; `Default` is created (one phase per environment) when missing.
fn lifecycle_for(c: &Connection, name: &str) -> ApiResult<Lifecycle> {
    if let Some(lifecycle) = Lifecycle::find(c, name)? {
        return Ok(lifecycle);
    }
    if !name.eq_ignore_ascii_case("Default") {
        return Err(ApiError::bad_request(format!("lifecycle `{name}` does not exist")));
    }
    let id = next_id(c, "Lifecycles")?;
    c.execute("INSERT INTO lifecycles(id, name, phases) VALUES (?1, 'Default', '[]')", [&id])?;
    Ok(Lifecycle { id, name: "Default".into(), phases: Vec::new() })
}

fn insert_project(
    c: &Connection,
    name: &str,
    lifecycle_id: &str,
    steps: &[String],
    deploy: &BTreeMap<String, String>,
    timeout: Option<i64>,
    base_dir: Option<&str>,
) -> ApiResult<String> {
    let id = next_id(c, "Projects")?;
    let mut slug = slugify(name);
    if slug.is_empty() || Project::find(c, &slug)?.is_some() {
        slug = format!("{}-{}", if slug.is_empty() { "project" } else { &slug }, id.to_lowercase());
    }
    c.execute(
        "INSERT INTO projects(id, name, slug, lifecycle_id, steps, deploy, deploy_timeout_secs, base_dir) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            name,
            slug,
            lifecycle_id,
            serde_json::to_string(steps)?,
            serde_json::to_string(deploy)?,
            timeout,
            base_dir
        ],
    )?;
    Ok(id)
}

fn ensure_default_channel(c: &Connection, project_id: &str) -> ApiResult<()> {
    if Channel::list(c, Some(project_id))?.is_empty() {
        let id = next_id(c, "Channels")?;
        c.execute(
            "INSERT INTO channels(id, project_id, name, lifecycle_id, is_default, rules) VALUES (?1, ?2, 'Default', NULL, 1, '[]')",
            params![id, project_id],
        )?;
    }
    Ok(())
}

/// Create a project with the `Default` lifecycle and one step per package id, unless a project
/// of that name exists. Returns the project id.
pub fn ensure_project(c: &Connection, name: &str, package_ids: &[String]) -> ApiResult<String> {
    if let Some(project) = Project::find(c, name)? {
        return Ok(project.id);
    }
    for id in package_ids {
        id.parse::<ferry_core::package_id::PackageId>()
            .map_err(|err| ApiError::bad_request(err.to_string()))?;
    }
    if name.trim().is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request("a project name must be 1 to 200 printable characters"));
    }
    let lifecycle = lifecycle_for(c, "Default")?;
    let id = insert_project(c, name, &lifecycle.id, package_ids, &BTreeMap::new(), None, None)?;
    ensure_default_channel(c, &id)?;
    Ok(id)
}
