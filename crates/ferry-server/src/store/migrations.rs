//! Schema migrations, versioned in code: migration N is applied when `PRAGMA user_version` < N.
//! Append new migrations; never edit an applied one.

use rusqlite::Connection;

use crate::errors::ServerError;

const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
CREATE TABLE counters (kind TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE environments (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, description TEXT NOT NULL DEFAULT '',
    sort INTEGER NOT NULL
);
CREATE TABLE lifecycles (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, phases TEXT NOT NULL
);
CREATE TABLE projects (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, slug TEXT NOT NULL UNIQUE,
    lifecycle_id TEXT NOT NULL REFERENCES lifecycles(id), steps TEXT NOT NULL, deploy TEXT NOT NULL,
    deploy_timeout_secs INTEGER, base_dir TEXT
);
CREATE TABLE channels (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id), name TEXT NOT NULL COLLATE NOCASE,
    lifecycle_id TEXT REFERENCES lifecycles(id), is_default INTEGER NOT NULL, rules TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE TABLE packages (
    id TEXT PRIMARY KEY, package_id TEXT NOT NULL COLLATE NOCASE, version TEXT NOT NULL,
    version_key TEXT NOT NULL, format TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,
    sha1 TEXT NOT NULL, sha256 TEXT NOT NULL, published TEXT NOT NULL, title TEXT, description TEXT,
    release_notes TEXT, UNIQUE (package_id, version_key)
);
CREATE TABLE build_information (
    id TEXT PRIMARY KEY, package_id TEXT NOT NULL COLLATE NOCASE, version TEXT NOT NULL,
    version_key TEXT NOT NULL, body TEXT NOT NULL, created TEXT NOT NULL, UNIQUE (package_id, version_key)
);
CREATE TABLE releases (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
    channel_id TEXT NOT NULL REFERENCES channels(id), version TEXT NOT NULL, version_key TEXT NOT NULL,
    notes TEXT NOT NULL, selected TEXT NOT NULL, assembled TEXT NOT NULL, custom_fields TEXT NOT NULL,
    ignore_channel_rules INTEGER NOT NULL DEFAULT 0, UNIQUE (project_id, version_key)
);
CREATE TABLE tasks (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, state TEXT NOT NULL,
    arguments TEXT NOT NULL, project_id TEXT, environment_id TEXT, release_id TEXT,
    queue_time TEXT NOT NULL, start_time TEXT, completed_time TEXT, error_message TEXT NOT NULL DEFAULT ''
);
CREATE TABLE deployments (
    id TEXT PRIMARY KEY, release_id TEXT NOT NULL REFERENCES releases(id),
    environment_id TEXT NOT NULL REFERENCES environments(id), project_id TEXT NOT NULL REFERENCES projects(id),
    channel_id TEXT NOT NULL REFERENCES channels(id), task_id TEXT NOT NULL UNIQUE REFERENCES tasks(id),
    name TEXT NOT NULL, created TEXT NOT NULL
);
CREATE INDEX deployments_release ON deployments(release_id);
CREATE TABLE task_logs (
    task_id TEXT NOT NULL REFERENCES tasks(id), seq INTEGER NOT NULL, at TEXT NOT NULL,
    category TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (task_id, seq)
);
"#,
    // 2: the process group of a running deploy command, so that a restart after a crash can stop
    // a command the dead server left running (start time guards against a reused pid).
    r#"
ALTER TABLE tasks ADD COLUMN pid INTEGER;
ALTER TABLE tasks ADD COLUMN pid_start TEXT;
"#,
    // 3: the dispatcher looks up Queued tasks by state, every second and after every change.
    r#"
CREATE INDEX tasks_state ON tasks(state);
"#,
    // 4: the dashboard's matrix asks for the newest deployment of each project to each
    // environment; with this index each cell is one seek instead of a scan of every deployment.
    r#"
CREATE INDEX deployments_project_environment ON deployments(project_id, environment_id);
"#,
    // 5: who started a task (the dashboard's task page shows it); empty for tasks from before.
    r#"
ALTER TABLE tasks ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
"#,
    // 6: deployment options a request asked for and this server honours (skipped steps, prompted
    // variables; JSON), and the latest time a scheduled task may start (`QueueTimeExpiry`).
    r#"
ALTER TABLE deployments ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tasks ADD COLUMN queue_time_expiry TEXT;
"#,
    // 7: a task's activity tree (its steps, each with a status) and which step each log line
    // belongs to (NULL: the task's own lines, as every line before this migration).
    r#"
CREATE TABLE task_activities (
    task_id TEXT NOT NULL REFERENCES tasks(id), id TEXT NOT NULL, parent_id TEXT, name TEXT NOT NULL,
    status TEXT NOT NULL, started TEXT, ended TEXT, PRIMARY KEY (task_id, id)
);
ALTER TABLE task_logs ADD COLUMN activity_id TEXT;
"#,
    // 8: config-as-code projects (`version_controlled = true` in ferry.toml): their releases need
    // a Git ref and their deployment process is read at a ref-scoped route, as on Octopus.
    r#"
ALTER TABLE projects ADD COLUMN version_controlled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE releases ADD COLUMN git_ref TEXT;
ALTER TABLE releases ADD COLUMN git_commit TEXT;
"#,
    // 9: a release whose automatic deployments are still to be queued. Set in the transaction
    // that creates the release and cleared in the one that queues them (after the answer), so a
    // server that dies in between queues them when it starts again.
    r#"
ALTER TABLE releases ADD COLUMN automatic_deployments_pending INTEGER NOT NULL DEFAULT 0;
"#,
];

/// Bring the schema up to date.
pub fn migrate(conn: &mut Connection) -> Result<(), ServerError> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Err(ServerError::Database(format!(
            "the database schema (version {current}) is newer than this ferry (version {}); use a newer ferry",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
