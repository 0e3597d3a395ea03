//! A task's activity tree, as Octopus keeps one: the task, one step per package the release
//! extracts and one for the deploy command, each with its own status and log lines. The API
//! serves it at `tasks/{id}/details` (`ActivityLogs`) and renders the raw log from it as Octopus
//! does: a header, then one block per activity, indented by depth, headed
//! `== Status: Name ==`. Clients that follow a task read this tree, so Ferry's own client is
//! tested against the shape it meets on Octopus, where lines appear in the middle of the document.

use rusqlite::{Connection, params};

use crate::errors::ApiResult;
use crate::store::model::Task;
use crate::store::now;

/// The id of step `index` (from 1) of a task: unique within the task, like Octopus's
/// `ServerTasks-N_XXXX` activity ids.
pub fn step_id(task_id: &str, index: usize) -> String {
    format!("{task_id}_step{index}")
}

/// Create the task's steps, all Pending, in order.
pub fn plan_steps(c: &Connection, task_id: &str, names: &[String]) -> ApiResult<()> {
    let mut insert = c.prepare_cached(
        "INSERT OR IGNORE INTO task_activities(task_id, id, parent_id, name, status) VALUES (?1, ?2, ?1, ?3, 'Pending')",
    )?;
    for (index, name) in names.iter().enumerate() {
        insert.execute(params![
            task_id,
            step_id(task_id, index + 1),
            format!("Step {}: {name}", index + 1)
        ])?;
    }
    Ok(())
}

/// Move a step to `status` (Running, Success, Failed, Skipped, Canceled), stamping when it started
/// and ended.
pub fn set_status(c: &Connection, task_id: &str, activity: &str, status: &str) -> ApiResult<()> {
    let at = now();
    let ended = matches!(status, "Success" | "Failed" | "Skipped" | "Canceled" | "SuccessWithWarning");
    c.execute(
        "UPDATE task_activities SET status = ?3, started = COALESCE(started, CASE WHEN ?3 = 'Skipped' THEN NULL ELSE ?4 END), \
         ended = CASE WHEN ?5 THEN ?4 ELSE ended END WHERE task_id = ?1 AND id = ?2",
        params![task_id, activity, status, at, ended],
    )?;
    Ok(())
}

/// Close the steps when the task ends in `state`: a running step ends as the task did, a step
/// that never started is Skipped.
pub fn finish(c: &Connection, task_id: &str, state: &str) -> ApiResult<()> {
    let running_ends = match state {
        "Success" => "Success",
        "Canceled" => "Canceled",
        _ => "Failed",
    };
    c.execute(
        "UPDATE task_activities SET status = ?2, ended = ?3 WHERE task_id = ?1 AND status = 'Running'",
        params![task_id, running_ends, now()],
    )?;
    c.execute(
        "UPDATE task_activities SET status = 'Skipped' WHERE task_id = ?1 AND status = 'Pending'",
        [task_id],
    )?;
    Ok(())
}

/// Append lines to one step's log (`None`: the task's own lines).
pub fn append(
    c: &Connection,
    task_id: &str,
    activity: Option<&str>,
    lines: &[(String, String)],
) -> ApiResult<()> {
    let mut seq: i64 =
        c.query_row("SELECT COALESCE(MAX(seq), 0) FROM task_logs WHERE task_id = ?1", [task_id], |r| {
            r.get(0)
        })?;
    let at = now();
    let mut stmt = c.prepare_cached(
        "INSERT INTO task_logs(task_id, seq, at, category, message, activity_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (category, message) in lines {
        seq += 1;
        stmt.execute(params![task_id, seq, at, category, message, activity])?;
    }
    Ok(())
}

/// One log line of an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Increases along the task's log (and so along each activity's).
    pub number: i64,
    /// When.
    pub at: String,
    /// Info, Warning, Error, Verbose, ...
    pub category: String,
    /// The text.
    pub message: String,
}

/// An activity and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Unique within the task (the root's is the task id).
    pub id: String,
    /// E.g. "Step 1: Extract Hello".
    pub name: String,
    /// Pending, Running, Success, Failed, Skipped, SuccessWithWarning, Canceled.
    pub status: String,
    /// Started.
    pub started: Option<String>,
    /// Ended.
    pub ended: Option<String>,
    /// Children, in order.
    pub children: Vec<Activity>,
    /// Its lines, oldest first.
    pub elements: Vec<Element>,
}

/// Which lines a reader wants: Octopus leaves Verbose lines out unless asked, and `tail` keeps
/// the last lines of each activity.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    /// Include Verbose lines.
    pub verbose: bool,
    /// Keep only this many last lines per activity.
    pub tail: Option<usize>,
}

/// The task's status as an activity's.
fn task_status(task: &Task, warned: bool) -> &'static str {
    match task.state.as_str() {
        "Queued" => "Pending",
        "Executing" | "Cancelling" => "Running",
        "Success" if warned => "SuccessWithWarning",
        "Success" => "Success",
        "Canceled" => "Canceled",
        _ => "Failed",
    }
}

/// The task's tree: the task as the root activity, its steps as children.
pub fn tree(c: &Connection, task: &Task, reading: Reading) -> ApiResult<Activity> {
    let mut elements_of = c.prepare_cached(
        "SELECT seq, at, category, message FROM task_logs WHERE task_id = ?1 AND activity_id IS ?2 ORDER BY seq",
    )?;
    let mut read = |activity: Option<&str>| -> ApiResult<Vec<Element>> {
        let rows = elements_of.query_map(params![task.id, activity], |r| {
            Ok(Element { number: r.get(0)?, at: r.get(1)?, category: r.get(2)?, message: r.get(3)? })
        })?;
        let mut all: Vec<Element> = rows.collect::<Result<_, _>>()?;
        if !reading.verbose {
            all.retain(|e| e.category != "Verbose");
        }
        if let Some(tail) = reading.tail {
            all.drain(..all.len().saturating_sub(tail));
        }
        Ok(all)
    };
    let mut steps_of = c.prepare_cached(
        "SELECT id, name, status, started, ended FROM task_activities WHERE task_id = ?1 ORDER BY rowid",
    )?;
    let mut children: Vec<Activity> = steps_of
        .query_map([&task.id], |r| {
            Ok(Activity {
                id: r.get(0)?,
                name: r.get(1)?,
                status: r.get(2)?,
                started: r.get(3)?,
                ended: r.get(4)?,
                children: Vec::new(),
                elements: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    for child in &mut children {
        child.elements = read(Some(&child.id))?;
    }
    let elements = read(None)?;
    let warned = children.iter().flat_map(|c| &c.elements).chain(&elements).any(|e| e.category == "Warning");
    Ok(Activity {
        id: task.id.clone(),
        name: task.description.clone(),
        status: task_status(task, warned).to_owned(),
        started: task.start_time.clone(),
        ended: task.completed_time.clone(),
        children,
        elements,
    })
}

/// The raw log as Octopus renders it: a header, then each activity as a block headed
/// `== Status: Name ==`, its lines and children indented by depth.
pub fn render_raw(task: &Task, related: &[&str], duration: &str, root: &Activity) -> String {
    let mut out = String::new();
    let header = [
        ("Task ID", task.id.clone()),
        ("Related IDs", related.join(", ")),
        ("Task status", task.state.clone()),
        ("Task queued", task.queue_time.clone()),
        ("Task started", task.start_time.clone().unwrap_or_default()),
        ("Task duration", duration.to_owned()),
        ("Server version", format!("ferry {}", env!("CARGO_PKG_VERSION"))),
        ("Server node", "ferry".to_owned()),
    ];
    for (label, value) in header {
        out.push_str(&format!("{:<16}{value}\n", format!("{label}:")));
    }
    out.push('\n');
    render_block(root, 0, &mut out);
    out
}

/// Width of the time and category columns before the `|`.
const MARGIN: usize = 40;

fn render_block(activity: &Activity, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    out.push_str(&format!("{:<MARGIN$}| {indent}== {}: {} ==\n", "", activity.status, activity.name));
    for element in &activity.elements {
        let margin = format!("{} {}", element.at, element.category);
        out.push_str(&format!("{margin:<MARGIN$}| {indent}  {}\n", element.message));
    }
    for child in &activity.children {
        out.push_str(&format!("{:<MARGIN$}|\n", ""));
        render_block(child, depth + 1, out);
    }
}
