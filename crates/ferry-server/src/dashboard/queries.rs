//! Read-only queries the pages need beyond the store's row functions: each answers one page's
//! question in one statement, so a page costs a handful of queries however long the history.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::status::DeployState;
use crate::errors::ApiResult;
use crate::store::model::{LogLine, Release};

/// The newest deployment of a project to an environment: one cell of the matrix.
#[derive(Debug, Clone)]
pub struct LatestDeployment {
    /// Project id.
    pub project_id: String,
    /// Environment id.
    pub environment_id: String,
    /// Task id (the cell links to the task page).
    pub task_id: String,
    /// Release version.
    pub version: String,
    /// State.
    pub state: DeployState,
    /// When the deployment was created.
    pub created: String,
    /// When its task finished, if it did.
    pub completed: Option<String>,
}

const LATEST_DEPLOYMENTS: &str = "SELECT d.project_id, d.environment_id, d.task_id, r.version, t.state, d.created, t.completed_time \
         FROM projects p CROSS JOIN environments e \
         JOIN deployments d ON d.rowid = \
              (SELECT MAX(rowid) FROM deployments WHERE project_id = p.id AND environment_id = e.id) \
         JOIN releases r ON r.id = d.release_id \
         JOIN tasks t ON t.id = d.task_id";

/// The newest deployment of every project to every environment it reached.
///
/// Deployment rowids grow with time, so the newest of a pair is its largest rowid: one seek in
/// the `deployments_project_environment` index per project and environment, however long the
/// history.
pub fn latest_deployments(c: &Connection) -> ApiResult<Vec<LatestDeployment>> {
    let mut stmt = c.prepare_cached(LATEST_DEPLOYMENTS)?;
    let rows = stmt.query_map([], |r| {
        Ok(LatestDeployment {
            project_id: r.get(0)?,
            environment_id: r.get(1)?,
            task_id: r.get(2)?,
            version: r.get(3)?,
            state: DeployState::of_task(&r.get::<_, String>(4)?),
            created: r.get(5)?,
            completed: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One row of a project's release list.
#[derive(Debug, Clone)]
pub struct ReleaseRow {
    /// `Releases-N`.
    pub id: String,
    /// Version.
    pub version: String,
    /// Channel name.
    pub channel: String,
    /// Creation time.
    pub assembled: String,
}

/// A page of a project's releases, newest first, and how many there are in all.
pub fn project_releases(
    c: &Connection,
    project_id: &str,
    limit: usize,
    offset: usize,
) -> ApiResult<(Vec<ReleaseRow>, usize)> {
    let total: i64 =
        c.query_row("SELECT COUNT(*) FROM releases WHERE project_id = ?1", [project_id], |r| r.get(0))?;
    let mut stmt = c.prepare_cached(
        "SELECT r.id, r.version, ch.name, r.assembled FROM releases r JOIN channels ch ON ch.id = r.channel_id \
         WHERE r.project_id = ?1 ORDER BY r.rowid DESC LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt.query_map(params![project_id, limit as i64, offset as i64], |r| {
        Ok(ReleaseRow { id: r.get(0)?, version: r.get(1)?, channel: r.get(2)?, assembled: r.get(3)? })
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total.max(0) as usize))
}

/// For each release, the state of its newest deployment to each environment it was deployed to.
pub fn environments_reached(
    c: &Connection,
    release_ids: &[String],
) -> ApiResult<HashMap<String, HashMap<String, DeployState>>> {
    let ids = serde_json::to_string(release_ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = c.prepare_cached(
        "SELECT d.release_id, d.environment_id, t.state FROM deployments d JOIN tasks t ON t.id = d.task_id \
         WHERE d.release_id IN (SELECT value FROM json_each(?1)) ORDER BY d.rowid",
    )?;
    let rows = stmt
        .query_map([ids], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut out: HashMap<String, HashMap<String, DeployState>> = HashMap::new();
    for row in rows {
        let (release, environment, state) = row?;
        // Rows come oldest first: the newest deployment to an environment wins.
        out.entry(release).or_default().insert(environment, DeployState::of_task(&state));
    }
    Ok(out)
}

/// A release that uses a package version.
#[derive(Debug, Clone)]
pub struct PackageUse {
    /// `Releases-N`.
    pub release_id: String,
    /// Release version.
    pub release_version: String,
    /// Project name.
    pub project: String,
}

/// Which releases use each of these package versions (package id, version text), newest first.
pub fn package_usage(
    c: &Connection,
    versions: &[(String, String)],
) -> ApiResult<HashMap<(String, String), Vec<PackageUse>>> {
    let wanted = serde_json::to_string(
        &versions.iter().map(|(id, v)| format!("{}\u{1f}{v}", id.to_lowercase())).collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    let mut stmt = c.prepare_cached(
        "SELECT lower(json_extract(s.value, '$.package_id')), json_extract(s.value, '$.version'), r.id, r.version, p.name \
         FROM releases r, json_each(r.selected) s JOIN projects p ON p.id = r.project_id \
         WHERE lower(json_extract(s.value, '$.package_id')) || char(31) || json_extract(s.value, '$.version') \
               IN (SELECT value FROM json_each(?1)) \
         ORDER BY r.rowid DESC",
    )?;
    let rows = stmt.query_map([wanted], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
            PackageUse { release_id: r.get(2)?, release_version: r.get(3)?, project: r.get(4)? },
        ))
    })?;
    let mut out: HashMap<(String, String), Vec<PackageUse>> = HashMap::new();
    for row in rows {
        let (key, usage) = row?;
        out.entry(key).or_default().push(usage);
    }
    Ok(out)
}

/// Package ids in the feed containing `needle` (case-insensitive), each with its versions.
pub fn search_packages(c: &Connection, needle: &str, limit: usize) -> ApiResult<Vec<String>> {
    let pattern = format!("%{}%", needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let mut stmt = c.prepare_cached(
        "SELECT DISTINCT package_id FROM packages WHERE package_id LIKE ?1 ESCAPE '\\' ORDER BY package_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit as i64], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A project's newest release, if it has one.
pub fn newest_release(c: &Connection, project_id: &str) -> ApiResult<Option<Release>> {
    let id: Option<String> = c
        .query_row(
            "SELECT id FROM releases WHERE project_id = ?1 ORDER BY rowid DESC LIMIT 1",
            [project_id],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => Release::by_id(c, &id),
        None => Ok(None),
    }
}

/// A task's log lines after line `after`.
pub fn log_after(c: &Connection, task_id: &str, after: i64) -> ApiResult<Vec<LogLine>> {
    let mut stmt = c.prepare_cached(
        "SELECT seq, at, category, message FROM task_logs WHERE task_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![task_id, after], |r| {
        Ok(LogLine { seq: r.get(0)?, at: r.get(1)?, category: r.get(2)?, message: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix must not read every deployment: one index seek per cell (see migration 3).
    #[test]
    fn the_matrix_seeks_the_index_instead_of_scanning_deployments() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let plan: Vec<String> = store
            .blocking(|c| {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {LATEST_DEPLOYMENTS}"))?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("deployments_project_environment"), "{plan}");
        assert!(!plan.contains("SCAN deployments") && !plan.contains("SCAN d\n"), "{plan}");
    }
}
