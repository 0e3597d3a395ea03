//! Rows of the store and the queries that read them.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::channel::ChannelRule;
use crate::errors::{ApiError, ApiResult};
use crate::lifecycle::Phase;

/// An environment.
#[derive(Debug, Clone)]
pub struct Environment {
    /// `Environments-N`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Sort order.
    pub sort: i64,
}

/// A lifecycle.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    /// `Lifecycles-N`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Phases (environment ids).
    pub phases: Vec<Phase>,
}

/// A project.
#[derive(Debug, Clone)]
pub struct Project {
    /// `Projects-N`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Lifecycle id.
    pub lifecycle_id: String,
    /// Package ids, one step each (named after the package).
    pub steps: Vec<String>,
    /// Environment name (or `*`) -> deploy command.
    pub deploy: BTreeMap<String, String>,
    /// Deploy command timeout override.
    pub deploy_timeout_secs: Option<u64>,
    /// Directory relative deploy commands resolve against.
    pub base_dir: Option<String>,
    /// A config-as-code project: releases need a Git ref (Octopus's `IsVersionControlled`).
    pub version_controlled: bool,
}

impl Project {
    /// The deploy command for an environment name.
    pub fn deploy_command(&self, environment: &str) -> Option<&str> {
        self.deploy
            .iter()
            .find(|(env, _)| env.eq_ignore_ascii_case(environment))
            .or_else(|| self.deploy.iter().find(|(env, _)| env.as_str() == "*"))
            .map(|(_, command)| command.as_str())
    }
}

/// A channel.
#[derive(Debug, Clone)]
pub struct Channel {
    /// `Channels-N`.
    pub id: String,
    /// Project id.
    pub project_id: String,
    /// Name.
    pub name: String,
    /// Lifecycle override.
    pub lifecycle_id: Option<String>,
    /// The project's default channel.
    pub is_default: bool,
    /// Version rules.
    pub rules: Vec<ChannelRule>,
}

/// A package in the built-in feed.
#[derive(Debug, Clone)]
pub struct Package {
    /// `packages-Id.Version`.
    pub id: String,
    /// Package id.
    pub package_id: String,
    /// Version text as pushed.
    pub version: String,
    /// Format extension, e.g. `.zip`.
    pub format: String,
    /// File path relative to the data directory.
    pub file: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-1 hex.
    pub sha1: String,
    /// SHA-256 hex.
    pub sha256: String,
    /// Upload time.
    pub published: String,
    /// From a nuspec.
    pub title: Option<String>,
    /// From a nuspec.
    pub description: Option<String>,
}

/// Build information for a package version.
#[derive(Debug, Clone)]
pub struct BuildInfo {
    /// `BuildInformation-N`.
    pub id: String,
    /// Package id.
    pub package_id: String,
    /// Version.
    pub version: String,
    /// `OctopusBuildInformation` as pushed (normalised JSON).
    pub body: serde_json::Value,
    /// Time.
    pub created: String,
}

/// A package version chosen for a release step.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SelectedPackage {
    /// Step (= action) name.
    pub step: String,
    /// Package id.
    pub package_id: String,
    /// Version.
    pub version: String,
}

/// A release.
#[derive(Debug, Clone)]
pub struct Release {
    /// `Releases-N`.
    pub id: String,
    /// Project id.
    pub project_id: String,
    /// Channel id.
    pub channel_id: String,
    /// Version.
    pub version: String,
    /// Release notes.
    pub notes: String,
    /// Packages.
    pub selected: Vec<SelectedPackage>,
    /// Creation time.
    pub assembled: String,
    /// Custom fields.
    pub custom_fields: serde_json::Value,
    /// Created ignoring channel rules.
    pub ignore_channel_rules: bool,
    /// The Git ref a config-as-code project's process was taken from (`VersionControlReference`).
    pub git_ref: Option<String>,
    /// The commit of that ref, when the client named it.
    pub git_commit: Option<String>,
}

/// A deployment.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// `Deployments-N`.
    pub id: String,
    /// Release.
    pub release_id: String,
    /// Environment.
    pub environment_id: String,
    /// Project.
    pub project_id: String,
    /// Channel.
    pub channel_id: String,
    /// Task.
    pub task_id: String,
    /// Name, e.g. "Deploy to Test".
    pub name: String,
    /// Time.
    pub created: String,
    /// The request's options this server honours.
    pub settings: crate::deploy_options::DeploymentSettings,
}

/// A server task.
#[derive(Debug, Clone)]
pub struct Task {
    /// `ServerTasks-N`.
    pub id: String,
    /// `Deploy`.
    pub name: String,
    /// Human description.
    pub description: String,
    /// Queued, Executing, Success, Failed, Canceled, TimedOut, Cancelling.
    pub state: String,
    /// Arguments (e.g. `{DeploymentId}`).
    pub arguments: serde_json::Value,
    /// Project.
    pub project_id: Option<String>,
    /// Environment.
    pub environment_id: Option<String>,
    /// Release.
    pub release_id: Option<String>,
    /// Times.
    pub queue_time: String,
    /// Start.
    pub start_time: Option<String>,
    /// End.
    pub completed_time: Option<String>,
    /// Why it failed.
    pub error_message: String,
    /// Who started it, as [`crate::auth::Caller`] describes a request (empty for tasks created
    /// before the server recorded it).
    pub started_by: String,
    /// The latest time it may start (`QueueTimeExpiry`); a scheduled task still queued then
    /// times out.
    pub queue_time_expiry: Option<String>,
}

impl Task {
    /// Whether the task reached a final state.
    pub fn is_completed(&self) -> bool {
        matches!(self.state.as_str(), "Success" | "Failed" | "Canceled" | "TimedOut")
    }
}

/// One task log line.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Number.
    pub seq: i64,
    /// Time.
    pub at: String,
    /// Info, Error, ...
    pub category: String,
    /// Text.
    pub message: String,
}

fn json_col<T: serde::de::DeserializeOwned>(text: String) -> rusqlite::Result<T> {
    serde_json::from_str(&text).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err))
    })
}

impl Environment {
    const COLS: &'static str = "id, name, description, sort";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Environment { id: r.get(0)?, name: r.get(1)?, description: r.get(2)?, sort: r.get(3)? })
    }
    /// All, in order.
    pub fn all(c: &Connection) -> ApiResult<Vec<Self>> {
        query(c, &format!("SELECT {} FROM environments ORDER BY sort, id", Self::COLS), [], Self::from_row)
    }
    /// By id or name (case-insensitive).
    pub fn find(c: &Connection, key: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM environments WHERE id = ?1 COLLATE NOCASE OR name = ?1", Self::COLS),
            [key],
            Self::from_row,
        )
    }
}

impl Lifecycle {
    const COLS: &'static str = "id, name, phases";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Lifecycle { id: r.get(0)?, name: r.get(1)?, phases: json_col(r.get(2)?)? })
    }
    /// All.
    pub fn all(c: &Connection) -> ApiResult<Vec<Self>> {
        query(c, &format!("SELECT {} FROM lifecycles ORDER BY id", Self::COLS), [], Self::from_row)
    }
    /// By id or name.
    pub fn find(c: &Connection, key: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM lifecycles WHERE id = ?1 COLLATE NOCASE OR name = ?1", Self::COLS),
            [key],
            Self::from_row,
        )
    }
}

impl Project {
    const COLS: &'static str =
        "id, name, slug, lifecycle_id, steps, deploy, deploy_timeout_secs, base_dir, version_controlled";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Project {
            id: r.get(0)?,
            name: r.get(1)?,
            slug: r.get(2)?,
            lifecycle_id: r.get(3)?,
            steps: json_col(r.get(4)?)?,
            deploy: json_col(r.get(5)?)?,
            deploy_timeout_secs: r.get::<_, Option<i64>>(6)?.map(|s| s.max(0) as u64),
            base_dir: r.get(7)?,
            version_controlled: r.get(8)?,
        })
    }
    /// All.
    pub fn all(c: &Connection) -> ApiResult<Vec<Self>> {
        query(c, &format!("SELECT {} FROM projects ORDER BY name", Self::COLS), [], Self::from_row)
    }
    /// By id, slug or name (case-insensitive).
    pub fn find(c: &Connection, key: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!(
                "SELECT {} FROM projects WHERE id = ?1 COLLATE NOCASE OR slug = lower(?1) OR name = ?1",
                Self::COLS
            ),
            [key],
            Self::from_row,
        )
    }
    /// By id or slug, or 404: what Octopus's `projects/{idOrSlug}` routes answer. A name is not
    /// a key there (clients search `?partialName=` and match the name themselves); only the
    /// executions API, whose bodies carry `ProjectName`, resolves names ([`Project::find`]).
    pub fn get(c: &Connection, key: &str) -> ApiResult<Self> {
        one(
            c,
            &format!("SELECT {} FROM projects WHERE id = ?1 COLLATE NOCASE OR slug = lower(?1)", Self::COLS),
            [key],
            Self::from_row,
        )?
        .ok_or_else(|| ApiError::not_found(key))
    }
}

impl Channel {
    const COLS: &'static str = "id, project_id, name, lifecycle_id, is_default, rules";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Channel {
            id: r.get(0)?,
            project_id: r.get(1)?,
            name: r.get(2)?,
            lifecycle_id: r.get(3)?,
            is_default: r.get(4)?,
            rules: json_col(r.get(5)?)?,
        })
    }
    /// All, or a project's.
    pub fn list(c: &Connection, project_id: Option<&str>) -> ApiResult<Vec<Self>> {
        match project_id {
            Some(p) => query(
                c,
                &format!(
                    "SELECT {} FROM channels WHERE project_id = ?1 ORDER BY is_default DESC, id",
                    Self::COLS
                ),
                [p],
                Self::from_row,
            ),
            None => query(c, &format!("SELECT {} FROM channels ORDER BY id", Self::COLS), [], Self::from_row),
        }
    }
    /// By id.
    pub fn by_id(c: &Connection, id: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM channels WHERE id = ?1 COLLATE NOCASE", Self::COLS),
            [id],
            Self::from_row,
        )
    }
    /// A project's channel by id or name.
    pub fn find(c: &Connection, project_id: &str, key: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!(
                "SELECT {} FROM channels WHERE project_id = ?1 AND (id = ?2 COLLATE NOCASE OR name = ?2)",
                Self::COLS
            ),
            [project_id, key],
            Self::from_row,
        )
    }
}

impl Package {
    const COLS: &'static str =
        "id, package_id, version, format, file, size, sha1, sha256, published, title, description";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Package {
            id: r.get(0)?,
            package_id: r.get(1)?,
            version: r.get(2)?,
            format: r.get(3)?,
            file: r.get(4)?,
            size: r.get(5)?,
            sha1: r.get(6)?,
            sha256: r.get(7)?,
            published: r.get(8)?,
            title: r.get(9)?,
            description: r.get(10)?,
        })
    }
    /// All versions of a package id, or all packages.
    pub fn list(c: &Connection, package_id: Option<&str>) -> ApiResult<Vec<Self>> {
        match package_id {
            Some(id) => query(
                c,
                &format!("SELECT {} FROM packages WHERE package_id = ?1", Self::COLS),
                [id],
                Self::from_row,
            ),
            None => query(
                c,
                &format!("SELECT {} FROM packages ORDER BY package_id", Self::COLS),
                [],
                Self::from_row,
            ),
        }
    }
    /// By package id and version key.
    pub fn find(c: &Connection, package_id: &str, version_key: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM packages WHERE package_id = ?1 AND version_key = ?2", Self::COLS),
            [package_id, version_key],
            Self::from_row,
        )
    }
    /// By resource id (`packages-X.1.0` or `X.1.0`, case-insensitive).
    pub fn by_id(c: &Connection, id: &str) -> ApiResult<Option<Self>> {
        let full = if id.to_ascii_lowercase().starts_with("packages-") {
            id.to_owned()
        } else {
            format!("packages-{id}")
        };
        one(
            c,
            &format!("SELECT {} FROM packages WHERE id = ?1 COLLATE NOCASE", Self::COLS),
            [full],
            Self::from_row,
        )
    }
    /// Every file path recorded.
    pub fn files(c: &Connection) -> ApiResult<Vec<String>> {
        query(c, "SELECT file FROM packages", [], |r| r.get(0))
    }
}

impl BuildInfo {
    const COLS: &'static str = "id, package_id, version, body, created";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(BuildInfo {
            id: r.get(0)?,
            package_id: r.get(1)?,
            version: r.get(2)?,
            body: json_col(r.get(3)?)?,
            created: r.get(4)?,
        })
    }
    /// All, or for one package id.
    pub fn list(c: &Connection, package_id: Option<&str>) -> ApiResult<Vec<Self>> {
        match package_id {
            Some(id) => query(
                c,
                &format!("SELECT {} FROM build_information WHERE package_id = ?1 ORDER BY id", Self::COLS),
                [id],
                Self::from_row,
            ),
            None => query(
                c,
                &format!("SELECT {} FROM build_information ORDER BY id", Self::COLS),
                [],
                Self::from_row,
            ),
        }
    }
    /// By id.
    pub fn by_id(c: &Connection, id: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM build_information WHERE id = ?1 COLLATE NOCASE", Self::COLS),
            [id],
            Self::from_row,
        )
    }
    /// By package id and version key.
    pub fn find(c: &Connection, package_id: &str, version_key: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!(
                "SELECT {} FROM build_information WHERE package_id = ?1 AND version_key = ?2",
                Self::COLS
            ),
            [package_id, version_key],
            Self::from_row,
        )
    }
}

impl Release {
    const COLS: &'static str = "id, project_id, channel_id, version, notes, selected, assembled, custom_fields, \
                                ignore_channel_rules, git_ref, git_commit";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Release {
            id: r.get(0)?,
            project_id: r.get(1)?,
            channel_id: r.get(2)?,
            version: r.get(3)?,
            notes: r.get(4)?,
            selected: json_col(r.get(5)?)?,
            assembled: r.get(6)?,
            custom_fields: json_col(r.get(7)?)?,
            ignore_channel_rules: r.get(8)?,
            git_ref: r.get(9)?,
            git_commit: r.get(10)?,
        })
    }
    /// All, or a project's; newest first.
    pub fn list(c: &Connection, project_id: Option<&str>) -> ApiResult<Vec<Self>> {
        let sql = format!(
            "SELECT {} FROM releases WHERE (?1 IS NULL OR project_id = ?1) ORDER BY rowid DESC",
            Self::COLS
        );
        query(c, &sql, params![project_id], Self::from_row)
    }
    /// By id.
    pub fn by_id(c: &Connection, id: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM releases WHERE id = ?1 COLLATE NOCASE", Self::COLS),
            [id],
            Self::from_row,
        )
    }
    /// By project and version key.
    pub fn find(c: &Connection, project_id: &str, version_key: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM releases WHERE project_id = ?1 AND version_key = ?2", Self::COLS),
            [project_id, version_key],
            Self::from_row,
        )
    }
}

impl Deployment {
    const COLS: &'static str =
        "id, release_id, environment_id, project_id, channel_id, task_id, name, created, settings";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Deployment {
            id: r.get(0)?,
            release_id: r.get(1)?,
            environment_id: r.get(2)?,
            project_id: r.get(3)?,
            channel_id: r.get(4)?,
            task_id: r.get(5)?,
            name: r.get(6)?,
            created: r.get(7)?,
            settings: json_col(r.get(8)?)?,
        })
    }
    /// All, newest first.
    pub fn all(c: &Connection) -> ApiResult<Vec<Self>> {
        query(c, &format!("SELECT {} FROM deployments ORDER BY rowid DESC", Self::COLS), [], Self::from_row)
    }
    /// A release's, newest first.
    pub fn for_release(c: &Connection, release_id: &str) -> ApiResult<Vec<Self>> {
        query(
            c,
            &format!("SELECT {} FROM deployments WHERE release_id = ?1 ORDER BY rowid DESC", Self::COLS),
            [release_id],
            Self::from_row,
        )
    }
    /// By id.
    pub fn by_id(c: &Connection, id: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM deployments WHERE id = ?1 COLLATE NOCASE", Self::COLS),
            [id],
            Self::from_row,
        )
    }
    /// By task id.
    pub fn by_task(c: &Connection, task_id: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM deployments WHERE task_id = ?1", Self::COLS),
            [task_id],
            Self::from_row,
        )
    }
}

impl Task {
    const COLS: &'static str = "id, name, description, state, arguments, project_id, environment_id, release_id, \
                                queue_time, start_time, completed_time, error_message, started_by, queue_time_expiry";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Task {
            id: r.get(0)?,
            name: r.get(1)?,
            description: r.get(2)?,
            state: r.get(3)?,
            arguments: json_col(r.get(4)?)?,
            project_id: r.get(5)?,
            environment_id: r.get(6)?,
            release_id: r.get(7)?,
            queue_time: r.get(8)?,
            start_time: r.get(9)?,
            completed_time: r.get(10)?,
            error_message: r.get(11)?,
            started_by: r.get(12)?,
            queue_time_expiry: r.get(13)?,
        })
    }
    /// All, newest first.
    pub fn all(c: &Connection) -> ApiResult<Vec<Self>> {
        query(c, &format!("SELECT {} FROM tasks ORDER BY rowid DESC", Self::COLS), [], Self::from_row)
    }
    /// By id.
    pub fn by_id(c: &Connection, id: &str) -> ApiResult<Option<Self>> {
        one(
            c,
            &format!("SELECT {} FROM tasks WHERE id = ?1 COLLATE NOCASE", Self::COLS),
            [id],
            Self::from_row,
        )
    }
    /// By id or 404.
    pub fn get(c: &Connection, id: &str) -> ApiResult<Self> {
        Self::by_id(c, id)?.ok_or_else(|| ApiError::not_found(id))
    }
    /// In a state.
    pub fn in_state(c: &Connection, state: &str) -> ApiResult<Vec<Self>> {
        query(
            c,
            &format!("SELECT {} FROM tasks WHERE state = ?1 ORDER BY rowid", Self::COLS),
            [state],
            Self::from_row,
        )
    }
    /// The task's log.
    pub fn log(c: &Connection, id: &str) -> ApiResult<Vec<LogLine>> {
        query(
            c,
            "SELECT seq, at, category, message FROM task_logs WHERE task_id = ?1 ORDER BY seq",
            [id],
            |r| Ok(LogLine { seq: r.get(0)?, at: r.get(1)?, category: r.get(2)?, message: r.get(3)? }),
        )
    }
    /// Append lines to the task's own log (not a step's). Call it inside a transaction: on a
    /// bare connection every line would be its own commit (and fsync).
    pub fn append_log(c: &Connection, id: &str, lines: &[(String, String)]) -> ApiResult<()> {
        crate::tasks::activity::append(c, id, None, lines)
    }
}

fn query<T, P: rusqlite::Params>(
    c: &Connection,
    sql: &str,
    params: P,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> ApiResult<Vec<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(params, f)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn one<T, P: rusqlite::Params>(
    c: &Connection,
    sql: &str,
    params: P,
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> ApiResult<Option<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    Ok(stmt.query_row(params, f).optional()?)
}
