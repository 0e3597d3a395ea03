//! Running a deploy command: extract the release's packages into a fresh working directory,
//! run the command there with `FERRY_*` variables, stream its output into the task log, and
//! stop it (its whole process group) on timeout or cancel.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ferry_core::deploy_env::{DeployVariables, SECRET_VARIABLES, variable_suffix};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::activity;
use super::{DeployContext, Outcome};
use crate::archive::ExtractLimits;
use crate::errors::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::model::Package;
use crate::versions;

/// Most log lines kept per task; later lines are counted, not stored.
const MAX_LOG_LINES: usize = 50_000;
/// Longer output lines are cut to this many characters.
const MAX_LINE_CHARS: usize = 8192;
/// Most lines written in one transaction, so that a flood of output never holds the store for
/// long (a few milliseconds per batch).
const LOG_BATCH_LINES: usize = 2_000;
/// How long the first line of a batch waits for more before the batch is written.
const LOG_BATCH_DELAY: Duration = Duration::from_millis(50);

/// Run the deploy command for a task.
pub async fn run(
    state: &AppState,
    context: &DeployContext,
    command: &str,
    timeout: Duration,
    token: &CancellationToken,
) -> ApiResult<Outcome> {
    let task_id = context.task.id.clone();
    let work = state.data_dir.join("work").join(&task_id);
    let outcome = run_in(state, context, command, timeout, token, &work).await;
    let _ = tokio::fs::remove_dir_all(&work).await;
    outcome
}

/// Append lines to the log of one of the task's steps (`None`: the task's own), all in one
/// transaction.
async fn log(
    state: &AppState,
    task_id: &str,
    step: Option<&str>,
    lines: Vec<(String, String)>,
) -> ApiResult<()> {
    let (id, step) = (task_id.to_owned(), step.map(str::to_owned));
    state.store.tx(move |tx| activity::append(tx, &id, step.as_deref(), &lines)).await
}

/// Move one of the task's steps to `status`.
async fn step_status(state: &AppState, task_id: &str, step: &str, status: &'static str) -> ApiResult<()> {
    let (id, step) = (task_id.to_owned(), step.to_owned());
    state.store.tx(move |tx| activity::set_status(tx, &id, &step, status)).await
}

/// The steps of a deployment: one per package of the release, then the deploy command. Their
/// names are what `SkipStepNames` matches (the package steps by their step name).
pub fn step_names(context: &DeployContext, has_command: bool) -> Vec<String> {
    let mut names: Vec<String> =
        context.release.selected.iter().map(|s| format!("Extract {}", s.step)).collect();
    if has_command {
        names.push("Run the deploy command".to_owned());
    }
    names
}

async fn run_in(
    state: &AppState,
    context: &DeployContext,
    command: &str,
    timeout: Duration,
    token: &CancellationToken,
    work: &Path,
) -> ApiResult<Outcome> {
    let task_id = context.task.id.as_str();
    tokio::fs::create_dir_all(work).await?;
    let mut extracted_packages: Vec<(String, String)> = Vec::new();
    let skip = &context.deployment.settings.skip_steps;
    let mut notes: Vec<(String, String)> = skip
        .iter()
        .filter(|name| !context.release.selected.iter().any(|s| s.step.eq_ignore_ascii_case(name)))
        .map(|name| {
            (
                "Warning".to_owned(),
                format!("SkipStepNames: no step is named '{name}'; nothing was skipped for it."),
            )
        })
        .collect();
    if context.deployment.settings.force_package_download {
        notes.push((
            "Info".to_owned(),
            "ForcePackageDownload: packages are extracted afresh for every deployment.".to_owned(),
        ));
    }
    if !notes.is_empty() {
        log(state, task_id, None, notes).await?;
    }
    for (index, selected) in context.release.selected.iter().enumerate() {
        let step = activity::step_id(task_id, index + 1);
        if skip.iter().any(|name| selected.step.eq_ignore_ascii_case(name)) {
            let line = format!("Skipping step {}: it was named in SkipStepNames.", selected.step);
            log(state, task_id, Some(&step), vec![("Info".into(), line)]).await?;
            step_status(state, task_id, &step, "Skipped").await?;
            continue;
        }
        step_status(state, task_id, &step, "Running").await?;
        let (id, key) =
            (selected.package_id.clone(), versions::key_of(&selected.version).unwrap_or_default());
        let package = state.store.call(move |c| Package::find(c, &id, &key)).await?.ok_or_else(|| {
            ApiError::bad_request(format!(
                "package {} {} is no longer in the feed",
                selected.package_id, selected.version
            ))
        })?;
        let target = work.join(&package.package_id);
        let format = package.format.trim_start_matches('.').parse().map_err(ApiError::internal)?;
        let source = state.data_dir.join(&package.file);
        log(
            state,
            task_id,
            Some(&step),
            vec![(
                "Info".into(),
                format!("Extracting {} {} to {}", package.package_id, package.version, target.display()),
            )],
        )
        .await?;
        let target_clone = target.clone();
        let extracted = tokio::task::spawn_blocking(move || {
            crate::archive::extract(&source, format, &target_clone, ExtractLimits::default())
        })
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
        if let Err(message) = extracted {
            let message = format!("Extracting {} {} failed: {message}", package.package_id, package.version);
            log(state, task_id, Some(&step), vec![("Error".into(), message.clone())]).await?;
            return Ok(Outcome::failed("Failed", message));
        }
        step_status(state, task_id, &step, "Success").await?;
        extracted_packages.push((package.package_id.clone(), target.display().to_string()));
    }
    let work_dir = work.display().to_string();
    let mut variables = DeployVariables {
        project: &context.project.name,
        release_version: &context.release.version,
        release_id: &context.release.id,
        environment: &context.environment.name,
        deployment_id: &context.deployment.id,
        task_id,
        work_dir: &work_dir,
        packages: extracted_packages.iter().map(|(id, dir)| (id.as_str(), dir.clone())).collect(),
    }
    .to_env();
    for (name, value) in &context.deployment.settings.variables {
        variables.push((format!("FERRY_VARIABLE_{}", variable_suffix(name)), value.clone()));
    }
    let resolved = resolve_command(command, context.project.base_dir.as_deref());
    let step = activity::step_id(task_id, context.release.selected.len() + 1);
    step_status(state, task_id, &step, "Running").await?;
    log(state, task_id, Some(&step), vec![("Info".into(), format!("Running the deploy command: {command}"))])
        .await?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(&resolved)
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in SECRET_VARIABLES {
        cmd.env_remove(name);
    }
    if let Some(dir) = &context.project.base_dir {
        cmd.env("FERRY_CONFIG_DIR", dir);
    }
    cmd.envs(variables);
    #[cfg(unix)]
    cmd.process_group(0);
    cmd.kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(err) => {
            return Ok(Outcome::failed("Failed", format!("The deploy command could not be started: {err}")));
        }
    };
    let pid = child.id();
    record_process(state, task_id, pid).await;
    // Room for two batches, so the command keeps running while one is written.
    let (sender, receiver) = mpsc::channel::<(String, String)>(2 * LOG_BATCH_LINES);
    let readers = [
        child.stdout.take().map(|out| tokio::spawn(read_lines(out, "Info", sender.clone()))),
        child.stderr.take().map(|err| tokio::spawn(read_lines(err, "Warning", sender.clone()))),
    ];
    drop(sender);
    let writer = tokio::spawn(write_log(state.clone(), task_id.to_owned(), step, receiver));
    let outcome = tokio::select! {
        status = child.wait() => match status {
            Ok(status) if status.success() => Outcome::success(),
            Ok(status) => Outcome::failed("Failed", match status.code() {
                Some(code) => format!("The deploy command failed with exit code {code}."),
                None => "The deploy command was killed by a signal.".to_owned(),
            }),
            Err(err) => Outcome::failed("Failed", format!("Waiting for the deploy command failed: {err}")),
        },
        _ = tokio::time::sleep(timeout) => {
            kill_group(pid, &mut child).await;
            Outcome::failed("TimedOut", format!("The deploy command did not finish within {}s and was stopped.", timeout.as_secs()))
        },
        _ = token.cancelled() => {
            kill_group(pid, &mut child).await;
            Outcome::failed("Canceled", "The task was canceled; the deploy command was stopped.")
        },
    };
    for reader in readers.into_iter().flatten() {
        // Output pipes held open by orphaned grandchildren must not block the task forever.
        let _ = tokio::time::timeout(Duration::from_secs(5), reader).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    record_process(state, task_id, None).await;
    Ok(outcome)
}

/// Write the command's output lines to the task log as they come, in batches: each batch is one
/// transaction (one commit and fsync), holds the store only briefly, and is at most
/// [`LOG_BATCH_LINES`] lines. The first line of a batch waits at most [`LOG_BATCH_DELAY`] for
/// company, so a slow trickle does not commit per line and a flood does not wait at all.
async fn write_log(
    state: AppState,
    task_id: String,
    step: String,
    mut receiver: mpsc::Receiver<(String, String)>,
) {
    let mut kept = 0usize;
    let mut dropped = 0usize;
    let mut open = true;
    while open {
        let Some(first) = receiver.recv().await else { break };
        let deadline = tokio::time::Instant::now() + LOG_BATCH_DELAY;
        let mut batch = Vec::new();
        let mut line = first;
        loop {
            if kept < MAX_LOG_LINES {
                kept += 1;
                batch.push(line);
            } else {
                dropped += 1;
            }
            if batch.len() >= LOG_BATCH_LINES {
                break;
            }
            // A line already waiting is taken at once; otherwise wait until the deadline.
            line = match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(line)) => line,
                Ok(None) => {
                    open = false;
                    break;
                }
                Err(_elapsed) => break,
            };
        }
        if !batch.is_empty()
            && let Err(err) = log(&state, &task_id, Some(&step), batch).await
        {
            tracing::warn!(task = %task_id, error = %err, "could not write deploy command output to the task log");
        }
    }
    if dropped > 0 {
        let line = format!("{dropped} more output lines were not kept (a task keeps {MAX_LOG_LINES})");
        let _ = log(&state, &task_id, Some(&step), vec![("Warning".into(), line)]).await;
    }
}

/// Remember (or forget) the command's process group for crash recovery.
async fn record_process(state: &AppState, task_id: &str, pid: Option<u32>) {
    let start = pid.and_then(process_start_time);
    let id = task_id.to_owned();
    let recorded = state
        .store
        .call(move |c| {
            c.execute(
                "UPDATE tasks SET pid = ?2, pid_start = ?3 WHERE id = ?1",
                rusqlite::params![id, pid, start],
            )?;
            Ok(())
        })
        .await;
    if let Err(err) = recorded {
        tracing::warn!(task = task_id, error = %err, "could not record the deploy command's process");
    }
}

/// The start time of a process (field 22 of `/proc/PID/stat`), to tell a pid reused later apart.
pub fn process_start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_owned)
}

/// Stop a deploy command a previous server process left running, if it is still the same process.
pub fn kill_leftover(pid: u32, start: &str) -> bool {
    if process_start_time(pid).as_deref() != Some(start) {
        return false;
    }
    std::process::Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pid}")])
        .status()
        .is_ok_and(|status| status.success())
}

async fn read_lines(
    stream: impl AsyncRead + Unpin,
    category: &'static str,
    sender: mpsc::Sender<(String, String)>,
) {
    let mut lines = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match lines.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf);
                let text = text.trim_end_matches(['\n', '\r']);
                // Counting characters only when the bytes could exceed the limit keeps a flood of
                // short lines cheap.
                let cut = (text.len() > MAX_LINE_CHARS)
                    .then(|| text.char_indices().nth(MAX_LINE_CHARS).map(|(at, _)| at))
                    .flatten();
                let text = cut.map_or(text, |at| &text[..at]);
                if sender.send((category.to_owned(), text.to_owned())).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn kill_group(pid: Option<u32>, child: &mut tokio::process::Child) {
    if let Some(pid) = pid {
        // The command runs in its own process group; stop all of it, not just the shell.
        let _ = Command::new("kill").args(["-s", "KILL", "--", &format!("-{pid}")]).status().await;
    }
    let _ = child.kill().await;
}

/// A command starting with `./` or `../` names a script next to the configuration file: make
/// that first word absolute when the file exists there.
fn resolve_command(command: &str, base_dir: Option<&str>) -> String {
    let Some(base) = base_dir else { return command.to_owned() };
    let trimmed = command.trim_start();
    let first = trimmed.split_whitespace().next().unwrap_or("");
    if !(first.starts_with("./") || first.starts_with("../")) {
        return command.to_owned();
    }
    let candidate: PathBuf = Path::new(base).join(first);
    if candidate.exists() {
        let quoted = format!("'{}'", candidate.display().to_string().replace('\'', "'\\''"));
        format!("{quoted}{}", &trimmed[first.len()..])
    } else {
        command.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times() {
        let me = std::process::id();
        let start = process_start_time(me);
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(start.as_deref().is_some_and(|s| s.parse::<u64>().is_ok()), "{start:?}");
            assert!(!kill_leftover(me, "0"), "a different start time is another process");
        }
    }

    #[tokio::test]
    async fn output_lines_are_cut_at_the_character_limit() {
        let long = "é".repeat(MAX_LINE_CHARS + 10);
        let input = format!("{long}\nshort\r\n{}", "x".repeat(MAX_LINE_CHARS));
        let (sender, mut receiver) = mpsc::channel(8);
        read_lines(input.as_bytes(), "Info", sender).await;
        let (category, first) = receiver.recv().await.unwrap();
        assert_eq!(category, "Info");
        assert_eq!(first.chars().count(), MAX_LINE_CHARS);
        assert_eq!(receiver.recv().await.unwrap().1, "short");
        assert_eq!(receiver.recv().await.unwrap().1.len(), MAX_LINE_CHARS, "exactly the limit stays whole");
        assert!(receiver.recv().await.is_none());
    }

    #[test]
    fn commands_next_to_the_configuration() {
        let dir = std::env::temp_dir();
        assert_eq!(resolve_command("echo hi", Some(dir.to_str().unwrap())), "echo hi");
        assert_eq!(resolve_command("./nope.sh a", Some(dir.to_str().unwrap())), "./nope.sh a");
    }
}
