//! The SQLite store: one connection (WAL, foreign keys) behind a mutex, used from async code
//! through `spawn_blocking`. Every multi-step change runs in one transaction under the lock, so
//! checks and writes (lifecycle rules, duplicate versions) cannot race.

mod apply;
mod migrations;
pub use apply::{apply, ensure_project};
pub mod model;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::errors::{ApiError, ServerError};

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Open (creating and migrating) `ferry.db` under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Store, ServerError> {
        let path = data_dir.join("ferry.db");
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Run `f` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|err| ApiError::internal(format!("store task: {err}")))?
    }

    /// Run `f` inside one transaction (committed when `f` succeeds).
    pub async fn tx<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// Fold the write-ahead log into the database file (at shutdown).
    pub fn checkpoint(&self) {
        let guard = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = guard.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }

    /// Run `f` synchronously (start-up and shutdown paths).
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut guard = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }
}

/// Allocate the next id `Prefix-N` for `kind`.
pub fn next_id(tx: &Connection, kind: &str) -> Result<String, ApiError> {
    tx.execute(
        "INSERT INTO counters(kind, next) VALUES (?1, 1) ON CONFLICT(kind) DO UPDATE SET next = next + 1",
        [kind],
    )?;
    let n: i64 = tx.query_row("SELECT next FROM counters WHERE kind = ?1", [kind], |r| r.get(0))?;
    Ok(format!("{kind}-{n}"))
}

/// Now, as Octopus formats times: `2025-01-01T00:00:00.000+00:00`.
pub fn now() -> String {
    format_time(jiff::Timestamp::now())
}

/// Format a timestamp as Octopus does.
pub fn format_time(ts: jiff::Timestamp) -> String {
    jiff::fmt::strtime::format("%Y-%m-%dT%H:%M:%S%.3f+00:00", ts).unwrap_or_else(|_| ts.to_string())
}

/// A case-insensitive slug: lower-case letters and digits joined by `-`.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}
