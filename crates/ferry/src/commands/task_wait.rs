//! `ferry task wait`, and the waiting that deploy, promote, rollback and ship share: poll the
//! tasks, stream new log lines as they appear, end with a per-task result.

use ferry_flow::follow::{Followed, WaitSettings, follow_until_done};
use ferry_octopus::Client;

use crate::cli::TaskWaitArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// The command that picks up the wait for the tasks Ferry stopped waiting for.
pub(super) fn resume_command(results: &[Followed]) -> Option<String> {
    let ids: Vec<&str> = results.iter().filter(|r| r.wait_timed_out).map(|r| r.task_id.as_str()).collect();
    (!ids.is_empty()).then(|| format!("ferry task wait {}", ids.join(" ")))
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
                r.state.to_string(),
                r.duration.clone().unwrap_or_default(),
                r.description.clone(),
            ]
        })
        .collect();
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({"taskId": r.task_id, "state": r.state.as_str(), "waitTimedOut": r.wait_timed_out,
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
pub(super) fn fail_if_unsuccessful(results: &[Followed]) -> anyhow::Result<()> {
    let failed: Vec<&Followed> = results.iter().filter(|r| r.unsuccessful()).collect();
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
) -> anyhow::Result<Vec<Followed>> {
    let mut results: Vec<Followed> = tasks.iter().map(|(label, id)| Followed::queued(label, id)).collect();
    let finished = tokio::select! {
        polled = follow_until_done(client, &mut results, settings, ctx) => Some(polled.map_err(client_error)),
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
fn interrupted(ctx: &Ctx, results: &[Followed]) -> UserError {
    let running: Vec<&Followed> = results.iter().filter(|r| !r.state.is_final()).collect();
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
