//! A deployment's task: its state, times, and log as a collapsible tree with the failing lines
//! marked, following live over server-sent events while it runs; the raw log as a download.

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect};
use futures_util::Stream;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Section};
use super::queries;
use super::session::Viewer;
use super::status::DeployState;
use super::{Dashboard, PageError, PageResult};
use crate::store::model::{Deployment, Environment, LogLine, Project, Release, Task};

/// How often a following browser is sent new lines.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);

/// `GET /app/deployments/{id}`: the deployment's task page.
pub async fn deployment_redirect(State(dashboard): State<Dashboard>, Path(id): Path<String>) -> PageResult {
    let deployment = dashboard.app.store.call(move |c| Deployment::by_id(c, &id)).await?;
    match deployment {
        Some(d) => Ok(Redirect::to(&format!("/app/tasks/{}", d.task_id)).into_response()),
        None => Err(PageError::not_found("such deployment")),
    }
}

/// A run of log lines under one heading.
struct LogStage {
    title: &'static str,
    lines: Vec<LogLine>,
}

/// Group the log by the stages the task runner announces: waiting in the queue, executing, and
/// the deploy command's own output. A line opens a stage when the runner wrote it to say so.
fn stages(lines: Vec<LogLine>) -> Vec<LogStage> {
    let mut out = vec![LogStage { title: "Queue", lines: Vec::new() }];
    for line in lines {
        let opens = match line.message.as_str() {
            m if line.category == "Info" && m.starts_with("Executing: ") => Some("Execution"),
            m if line.category == "Info" && m.starts_with("Running the deploy command: ") => {
                Some("Deploy command")
            }
            _ => None,
        };
        if let Some(title) = opens {
            out.push(LogStage { title, lines: Vec::new() });
        }
        out.last_mut().expect("never empty").lines.push(line);
    }
    out.retain(|s| !s.lines.is_empty());
    out
}

fn is_failing(category: &str) -> bool {
    matches!(category, "Error" | "Fatal")
}

fn clock(at: &str) -> String {
    at.parse::<jiff::Timestamp>()
        .map(|ts| ts.strftime("%H:%M:%S").to_string())
        .unwrap_or_else(|_| at.to_owned())
}

fn log_line(line: &LogLine) -> Markup {
    let failing = is_failing(&line.category);
    let class = if failing {
        Some("failing")
    } else if line.category == "Warning" {
        Some("warning")
    } else {
        None
    };
    html! {
        li class=[class] {
            time datetime=(line.at) { (clock(&line.at)) }
            span { @if failing { "✗ " } (line.category) }
            span { (line.message) }
        }
    }
}

/// `GET /app/tasks/{id}`.
pub async fn page(
    State(dashboard): State<Dashboard>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> PageResult {
    let loaded = dashboard
        .app
        .store
        .call(move |c| {
            let Some(task) = Task::by_id(c, &id)? else { return Ok(None) };
            let log = Task::log(c, &task.id)?;
            let project = match &task.project_id {
                Some(p) => Project::find(c, p)?,
                None => None,
            };
            let release = match &task.release_id {
                Some(r) => Release::by_id(c, r)?,
                None => None,
            };
            let environment = match &task.environment_id {
                Some(e) => Environment::find(c, e)?,
                None => None,
            };
            Ok(Some((task, log, project, release, environment)))
        })
        .await?;
    let Some((task, log, project, release, environment)) = loaded else {
        return Err(PageError::not_found("such task"));
    };
    let state = DeployState::of_task(&task.state);
    let last_seq = log.last().map(|l| l.seq).unwrap_or(0);
    let now = crate::store::now();
    let ran_for = task
        .start_time
        .as_deref()
        .and_then(|start| layout::duration(start, task.completed_time.as_deref().unwrap_or(&now)));
    let follow = state.is_active().then(|| format!("/app/tasks/{}/events?after={last_seq}", task.id));
    let body = html! {
        nav aria-label="Breadcrumb" {
            a href="/app" { "Dashboard" }
            @if let Some(project) = &project { " › " a href={ "/app/projects/" (project.id) } { (project.name) } }
            @if let Some(release) = &release { " › " a href={ "/app/releases/" (release.id) } { (release.version) } }
            " › " (task.id)
        }
        h1 { (task.description) }
        dl.facts {
            dt { "State" } dd #task-state { (state.badge()) }
            @if let Some(environment) = &environment { dt { "Environment" } dd { (environment.name) } }
            dt { "Queued" } dd { (layout::time(&task.queue_time)) }
            dt { "Started" } dd { @match &task.start_time { Some(t) => (layout::time(t)), None => "not yet" } }
            dt { "Finished" } dd { @match &task.completed_time { Some(t) => (layout::time(t)), None => "not yet" } }
            dt { "Duration" } dd { (ran_for.unwrap_or_else(|| "—".into())) }
            dt { "Started by" }
            @if task.started_by.is_empty() {
                dd.muted { "not recorded (queued before this server recorded it)" }
            } @else {
                dd #task-started-by { (task.started_by) }
            }
        }
        @if !task.error_message.is_empty() {
            p.problem role="alert" { "✗ " (task.error_message) }
        }
        @if viewer.can_act() && state.is_active() {
            form method="post" action={ "/app/tasks/" (task.id) "/cancel" } {
                input type="hidden" name="csrf" value=(viewer.csrf);
                button.secondary type="submit" { "Cancel this task" }
            }
        }
        h2 { "Log" }
        p {
            a.button.secondary href={ "/app/tasks/" (task.id) "/raw" } download { "Download raw log" }
            @if follow.is_some() { " " span #live-status .live role="status" { "Following live" } }
        }
        div.log.card data-follow=[follow] {
            @let stages = stages(log);
            @if stages.is_empty() { ol {} }
            @for stage in &stages {
                @let failing = stage.lines.iter().filter(|l| is_failing(&l.category)).count();
                details open {
                    summary {
                        (stage.title) " "
                        span.muted {
                            "(" (stage.lines.len()) @if stage.lines.len() == 1 { " line" } @else { " lines" }
                            ", from " (clock(&stage.lines[0].at)) ")"
                        }
                        @if failing > 0 { " " span.state.state-failed { "✗ " (failing) " failing" } }
                    }
                    ol { @for line in &stage.lines { (log_line(line)) } }
                }
            }
        }
    };
    let title = format!("{} {}", task.id, state.label());
    Ok(layout::page(&title, &viewer, Section::Dashboard, None, body))
}

/// `?after=N`: the last line the browser has.
#[derive(Debug, Deserialize)]
pub struct After {
    after: Option<i64>,
}

/// `GET /app/tasks/{id}/events`: new log lines as `line` events until the task finishes, then
/// one `end` event.
pub async fn events(
    State(dashboard): State<Dashboard>,
    Path(id): Path<String>,
    Query(after): Query<After>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let start = (dashboard, id, after.after.unwrap_or(0), false);
    let stream = futures_util::stream::unfold(start, |(dashboard, id, after, finished)| async move {
        if finished {
            return None;
        }
        let key = id.clone();
        let read = dashboard
            .app
            .store
            .call(move |c| Ok((queries::log_after(c, &key, after)?, Task::by_id(c, &key)?)))
            .await;
        let (lines, task) = match read {
            Ok(read) => read,
            Err(_) => return Some((Vec::new(), (dashboard, id, after, true))),
        };
        let done = task.as_ref().is_none_or(|t| t.is_completed());
        let next = lines.last().map(|l| l.seq).unwrap_or(after);
        let mut batch: Vec<Event> = lines.iter().map(line_event).collect();
        if done {
            batch.push(Event::default().event("end").data(task.map(|t| t.state).unwrap_or_default()));
        } else if batch.is_empty() {
            tokio::time::sleep(FOLLOW_INTERVAL).await;
        }
        Some((batch, (dashboard, id, next, done)))
    });
    let flat = futures_util::StreamExt::flat_map(stream, |batch| {
        futures_util::stream::iter(batch.into_iter().map(Ok))
    });
    Sse::new(flat).keep_alive(KeepAlive::default())
}

fn line_event(line: &LogLine) -> Event {
    let data = serde_json::json!({
        "seq": line.seq, "at": line.at, "time": clock(&line.at), "category": line.category, "message": line.message,
    });
    Event::default().event("line").id(line.seq.to_string()).data(data.to_string())
}

/// `GET /app/tasks/{id}/raw`: the log as a text file.
pub async fn raw(State(dashboard): State<Dashboard>, Path(id): Path<String>) -> PageResult {
    let loaded = dashboard
        .app
        .store
        .call(move |c| {
            let Some(task) = Task::by_id(c, &id)? else { return Ok(None) };
            Ok(Some((Task::log(c, &task.id)?, task.id)))
        })
        .await?;
    let Some((lines, task_id)) = loaded else { return Err(PageError::not_found("such task")) };
    let mut text = String::new();
    for line in &lines {
        text.push_str(&format!("{} {:<7} {}\n", line.at, line.category, line.message));
    }
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    let disposition = format!("attachment; filename=\"{task_id}.log\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: i64, category: &str, message: &str) -> LogLine {
        LogLine {
            seq,
            at: "2026-01-01T00:00:00.000+00:00".into(),
            category: category.into(),
            message: message.into(),
        }
    }

    #[test]
    fn stages_follow_the_runner() {
        let grouped = stages(vec![
            line(1, "Info", "Queued: Deploy x"),
            line(2, "Info", "Executing: Deploy x"),
            line(3, "Info", "Running the deploy command: ./deploy.sh"),
            line(4, "Error", "boom"),
            line(5, "Error", "Executing: not a heading"),
        ]);
        let titles: Vec<_> = grouped.iter().map(|s| (s.title, s.lines.len())).collect();
        assert_eq!(titles, [("Queue", 1), ("Execution", 1), ("Deploy command", 3)]);
    }
}
