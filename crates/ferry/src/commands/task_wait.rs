//! `ferry task wait`, and the waiting that deploy, promote, rollback and ship share: poll the
//! tasks, stream new log lines as they appear, end with a per-task result.

use std::time::{Duration, Instant};

use ferry_octopus::Client;

use crate::cli::TaskWaitArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// A task to wait for, with the label its log lines carry (an environment name, or the id).
#[derive(Debug, Clone)]
pub(super) struct Waited {
    /// Label, e.g. the environment.
    pub label: String,
    /// `ServerTasks-N`.
    pub task_id: String,
    /// The task's own state: final, or the last seen when Ferry stopped waiting (`Executing`).
    pub state: String,
    /// Ferry stopped waiting (`--timeout`) before the task finished; it carries on on the server.
    pub wait_timed_out: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// Human duration.
    pub duration: Option<String>,
    /// The task's description.
    pub description: String,
    /// The last lines of its log (kept for failures).
    pub log_tail: Vec<String>,
}

impl Waited {
    /// A task that was looked at without waiting: `state` is whatever it was then.
    pub fn looked_at(label: &str, task_id: &str, task: &ferry_octopus::model::Task) -> Waited {
        Waited {
            label: label.to_owned(),
            task_id: task_id.to_owned(),
            state: task.state.clone(),
            wait_timed_out: false,
            error: task.error_message.clone().filter(|e| !e.is_empty()),
            duration: task.duration.clone(),
            description: task.description.clone(),
            log_tail: Vec::new(),
        }
    }

    /// Whether this counts against the command (exit 3): the task finished without success, or
    /// Ferry gave up waiting for it. A task left running without `--wait` does not count.
    pub fn unsuccessful(&self) -> bool {
        self.wait_timed_out || matches!(self.state.as_str(), "Failed" | "Canceled" | "TimedOut")
    }
}

/// The command that picks up the wait for the tasks Ferry stopped waiting for.
pub(super) fn resume_command(results: &[Waited]) -> Option<String> {
    let ids: Vec<&str> = results.iter().filter(|r| r.wait_timed_out).map(|r| r.task_id.as_str()).collect();
    (!ids.is_empty()).then(|| format!("ferry task wait {}", ids.join(" ")))
}

/// How to wait.
#[derive(Debug, Clone, Copy)]
pub(super) struct WaitSettings {
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub cancel_on_timeout: bool,
}

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TaskWaitArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let settings = WaitSettings {
        timeout: args.timeout,
        poll_interval: args.poll_interval,
        cancel_on_timeout: args.cancel_on_timeout,
    };
    let tasks: Vec<(String, String)> = args.ids.iter().map(|id| (id.clone(), id.clone())).collect();
    let result = wait(ctx, &connection.client, &tasks, settings).await;
    connection.close().await;
    let results = result?;
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.task_id.clone(),
                r.state.clone(),
                r.duration.clone().unwrap_or_default(),
                r.description.clone(),
            ]
        })
        .collect();
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({"taskId": r.task_id, "state": r.state, "waitTimedOut": r.wait_timed_out,
                "description": r.description, "duration": r.duration, "errorMessage": r.error})
        })
        .collect();
    ctx.set_output("task-ids", &join(results.iter().map(|r| r.task_id.as_str())));
    ctx.print_result(
        &table(&["Task", "State", "Duration", "Description"], &rows),
        &serde_json::json!({"tasks": json}),
    );
    fail_if_unsuccessful(&results)
}

/// Exit 3 when any task finished unsuccessfully or was still running when Ferry stopped waiting.
pub(super) fn fail_if_unsuccessful(results: &[Waited]) -> anyhow::Result<()> {
    let failed: Vec<&Waited> = results.iter().filter(|r| r.unsuccessful()).collect();
    if failed.is_empty() {
        return Ok(());
    }
    let what: Vec<String> = failed
        .iter()
        .map(|r| {
            let mut text = format!("{} ({}): {}", r.label, r.task_id, r.state);
            if r.wait_timed_out {
                text.push_str(" when Ferry stopped waiting");
            }
            if let Some(error) = r.error.as_ref().filter(|e| !e.is_empty()) {
                text.push_str(&format!(" - {error}"));
            }
            text
        })
        .collect();
    let mut err = UserError::task_unsuccessful(format!(
        "{} of {} deployment task(s) did not succeed: {}",
        failed.len(),
        results.len(),
        what.join("; ")
    ));
    for r in failed {
        if !r.log_tail.is_empty() {
            err = err.hint(format!(
                "last lines of the log of {} ({}):\n    {}",
                r.label,
                r.task_id,
                r.log_tail.join("\n    ")
            ));
        }
    }
    if let Some(command) = resume_command(results) {
        err = err.hint(format!("they keep running on the server; follow them with: {command} (raise --timeout to wait longer next time)"));
    }
    Err(err.into())
}

/// Poll `tasks` ((label, task id)) until all finish or `timeout` passes, streaming new log lines
/// on stderr as `[label] line`. SIGINT or SIGTERM stops the wait (exit 130) with the tasks that
/// carry on and how to follow them; the command then closes its connection as usual, so the
/// embedded server lets them finish before the process exits.
pub(super) async fn wait(
    ctx: &Ctx,
    client: &Client,
    tasks: &[(String, String)],
    settings: WaitSettings,
) -> anyhow::Result<Vec<Waited>> {
    let mut results: Vec<Waited> = tasks
        .iter()
        .map(|(label, id)| Waited {
            label: label.clone(),
            task_id: id.clone(),
            state: "Queued".into(),
            wait_timed_out: false,
            error: None,
            duration: None,
            description: String::new(),
            log_tail: Vec::new(),
        })
        .collect();
    let finished = tokio::select! {
        polled = poll_until_done(ctx, client, tasks, settings, &mut results) => Some(polled),
        () = interrupt_signal() => None,
    };
    match finished {
        Some(polled) => polled.map(|()| results),
        None => Err(interrupted(ctx, &results).into()),
    }
}

/// SIGINT (Ctrl-C) or SIGTERM (a CI system canceling the job).
async fn interrupt_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The error of a wait stopped by a signal: which tasks continue, and how to follow them.
fn interrupted(ctx: &Ctx, results: &[Waited]) -> UserError {
    let running: Vec<&Waited> = results
        .iter()
        .filter(|r| !matches!(r.state.as_str(), "Success" | "Failed" | "Canceled" | "TimedOut"))
        .collect();
    let listed: Vec<String> =
        running.iter().map(|r| format!("{} ({}, {})", r.task_id, r.label, r.state)).collect();
    let mut err = UserError::interrupted(if running.is_empty() {
        "interrupted while waiting; every task had finished".to_owned()
    } else {
        format!("interrupted: stopped waiting for {}; the tasks continue", listed.join(", "))
    });
    if !running.is_empty() {
        let ids: Vec<&str> = running.iter().map(|r| r.task_id.as_str()).collect();
        err = if ctx.uses_embedded_server() {
            err.hint(format!(
                "they run inside this process on the embedded server, which lets them finish before Ferry exits; see how they ended with: ferry task wait {}",
                ids.join(" ")
            ))
        } else {
            err.hint(format!("follow them with: ferry task wait {}", ids.join(" ")))
        };
    }
    err
}

/// The polling behind [`wait`]: updates `results` in place until every task finished or the
/// timeout passed.
async fn poll_until_done(
    ctx: &Ctx,
    client: &Client,
    tasks: &[(String, String)],
    settings: WaitSettings,
    results: &mut [Waited],
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut printed: Vec<usize> = vec![0; tasks.len()];
    let mut done: Vec<bool> = vec![false; tasks.len()];
    let several = tasks.len() > 1;
    let mut delay = Duration::from_millis(100).min(settings.poll_interval);
    loop {
        for (index, result) in results.iter_mut().enumerate() {
            if done[index] {
                continue;
            }
            let task = client.task(&result.task_id).await.map_err(client_error)?;
            // Read the log after the state, so a finished task's log is complete.
            if let Ok(log) = client.task_raw_log(&result.task_id).await {
                let lines: Vec<&str> = log.lines().collect();
                for line in lines.iter().skip(printed[index]) {
                    if several || tasks[index].0 != tasks[index].1 {
                        ctx.info(&format!("[{}] {line}", result.label));
                    } else {
                        ctx.info(line);
                    }
                }
                printed[index] = printed[index].max(lines.len());
                result.log_tail = lines.iter().rev().take(20).rev().map(|l| (*l).to_owned()).collect();
            }
            result.state = task.state.clone();
            result.description = task.description.clone();
            result.duration = task.duration.clone();
            result.error = task.error_message.clone().filter(|e| !e.is_empty());
            if task.completed() {
                done[index] = true;
                ctx.info(&format!("{}: {} {}", result.label, result.task_id, task.state));
            }
        }
        if done.iter().all(|d| *d) {
            return Ok(());
        }
        if started.elapsed() >= settings.timeout {
            for (index, result) in results.iter_mut().enumerate() {
                if done[index] {
                    continue;
                }
                if settings.cancel_on_timeout {
                    match client.cancel_task(&result.task_id).await {
                        Ok(()) => ctx.warn(&format!(
                            "canceled {} ({}) after the timeout",
                            result.task_id, result.label
                        )),
                        Err(err) => ctx.warn(&format!("could not cancel {}: {err}", result.task_id)),
                    }
                    // Report what the cancellation did, not what Ferry asked for.
                    if let Ok(task) = client.task(&result.task_id).await {
                        result.state = task.state;
                    }
                } else {
                    ctx.warn(&format!(
                        "stopped waiting for {} ({}) after {}s: it is still {} and keeps running on the server; follow it with: ferry task wait {}",
                        result.task_id,
                        result.label,
                        settings.timeout.as_secs(),
                        result.state,
                        result.task_id
                    ));
                }
                result.wait_timed_out = true;
                result.error = Some(format!(
                    "Ferry stopped waiting after {}s (--timeout); the task was {}",
                    settings.timeout.as_secs(),
                    result.state
                ));
            }
            return Ok(());
        }
        // Poll quickly at first (most deployments are short), backing off to --poll-interval.
        let left = settings.timeout.saturating_sub(started.elapsed());
        tokio::time::sleep(delay.min(left).max(Duration::from_millis(20))).await;
        delay = (delay * 2).min(settings.poll_interval);
    }
}

/// Comma-separated list for CI outputs.
pub(super) fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// A plain-text table with aligned columns.
pub(super) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> =
            cells.iter().enumerate().map(|(i, c)| format!("{c:<width$}", width = widths[i])).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.iter().map(|h| (*h).to_owned()).collect())];
    for row in rows {
        out.push(line(row.clone()));
    }
    out.join("\n")
}

/// A markdown table.
pub(super) fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}|\n",
        headers.join(" | "),
        headers.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for row in rows {
        out.push_str(&format!(
            "| {} |\n",
            row.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | ")
        ));
    }
    out
}
