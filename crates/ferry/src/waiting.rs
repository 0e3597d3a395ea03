//! Waiting for server tasks in a terminal or CI job: the flow follows them; this adds what only a
//! process can do (stop on SIGINT/SIGTERM) and the exit-3 verdict with its hints.

use ferry_flow::DeploymentServer;
use ferry_flow::follow::{Followed, WaitSettings, follow_until_done};

use crate::context::Ctx;
use crate::exit::UserError;
use crate::target::{ServerError, server_error};

/// The command that picks up the wait for the tasks Ferry stopped waiting for.
pub fn resume_command(results: &[Followed]) -> Option<String> {
    let ids: Vec<&str> = results
        .iter()
        .filter(|r| r.wait_timed_out || !r.waiting_for.is_empty())
        .map(|r| r.task_id.as_str())
        .collect();
    (!ids.is_empty()).then(|| format!("ferry task wait {}", ids.join(" ")))
}

/// What a task waits for a person to answer (`waitingFor` in JSON results): each interruption's
/// question, kind and the page to answer it on; empty when it waits for nobody.
pub fn waiting_for_json(followed: &Followed) -> serde_json::Value {
    serde_json::Value::Array(
        followed
            .waiting_for
            .iter()
            .map(|i| {
                serde_json::json!({
                    "title": i.title,
                    "kind": if i.guided_failure { "guidedFailure" } else { "manualIntervention" },
                    "link": i.web_link,
                })
            })
            .collect(),
    )
}

/// Exit 3 when any task finished unsuccessfully, was still running when Ferry stopped waiting, or
/// waits for a person (a manual intervention or guided failure). The last lines of a failed
/// task's log go into the hint only under `--quiet`: otherwise they were just streamed above it.
pub fn fail_if_unsuccessful(ctx: &Ctx, results: &[Followed]) -> anyhow::Result<()> {
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
            for interruption in &r.waiting_for {
                text.push_str(&format!(
                    ", waiting for a person to answer \"{}\" at {}",
                    interruption.title, interruption.web_link
                ));
            }
            if let Some(error) = r.error.as_ref().filter(|e| !e.is_empty()) {
                text.push_str(&format!(" - {error}"));
            }
            text
        })
        .collect();
    let mut err = UserError::task_unsuccessful(format!(
        "{} of {} did not succeed: {}",
        failed.len(),
        crate::render::count(results.len(), "deployment task"),
        what.join("; ")
    ));
    for r in failed {
        if !ctx.global.quiet {
            err = err.hint(format!("the whole log of {}: ferry task log {}", r.label, r.task_id));
        } else if !r.log_tail.is_empty() {
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
pub async fn wait<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    tasks: &[(String, String)],
    settings: WaitSettings,
) -> anyhow::Result<Vec<Followed>>
where
    ServerError: From<S::Error>,
{
    let mut results: Vec<Followed> = tasks.iter().map(|(label, id)| Followed::queued(label, id)).collect();
    let finished = tokio::select! {
        polled = follow_until_done(client, &mut results, settings, ctx) => Some(polled.map_err(|err| server_error(err.into()))),
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
