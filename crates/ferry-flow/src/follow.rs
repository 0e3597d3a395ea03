//! Following deployment tasks: poll their state, stream new log lines as they appear, and end
//! with a result per task. What happens is reported as [`FollowEvent`]s to the caller's
//! [`FollowReporter`]; the flow never prints.

use std::time::{Duration, Instant};

use crate::DeploymentServer;
use crate::activity_log::{ActivityCursor, Look};
use crate::model::{Interruption, Task, TaskState};

/// How many of a task's last log lines a result keeps (shown for failures).
const LOG_TAIL: usize = 20;

/// How to wait.
#[derive(Debug, Clone, Copy)]
pub struct WaitSettings {
    /// When to stop waiting.
    pub timeout: Duration,
    /// The longest pause between two looks (the first looks come sooner).
    pub poll_interval: Duration,
    /// Cancel the tasks still running at the timeout, instead of leaving them to run.
    pub cancel_on_timeout: bool,
}

/// A followed task and where it stands.
#[derive(Debug, Clone)]
pub struct Followed {
    /// What its log lines are labelled with, e.g. the environment.
    pub label: String,
    /// The task's id.
    pub task_id: String,
    /// The task's own state: final, or the last seen when Ferry stopped waiting.
    pub state: TaskState,
    /// Ferry stopped waiting (the timeout) before the task finished; it carries on on the server.
    pub wait_timed_out: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// How long it ran, as the server words it.
    pub duration: Option<String>,
    /// How long it ran (or has run so far), in seconds, from the server's own times.
    pub duration_seconds: Option<i64>,
    /// The task's description.
    pub description: String,
    /// The last lines of its log (kept for failures).
    pub log_tail: Vec<String>,
    /// Ferry stopped waiting because the task waits for a person (a manual intervention or
    /// guided failure): what it asks and where to answer.
    pub waiting_for: Vec<Interruption>,
}

impl Followed {
    /// A task not looked at yet.
    pub fn queued(label: &str, task_id: &str) -> Followed {
        Followed {
            label: label.to_owned(),
            task_id: task_id.to_owned(),
            state: TaskState::Queued,
            wait_timed_out: false,
            error: None,
            duration: None,
            duration_seconds: None,
            description: String::new(),
            log_tail: Vec::new(),
            waiting_for: Vec::new(),
        }
    }

    /// Task `task_id` looked at once, without waiting: its state is whatever it was then.
    pub fn looked_at(label: &str, task_id: &str, task: &Task) -> Followed {
        let mut followed = Followed::queued(label, task_id);
        followed.update(task);
        followed
    }

    /// Take the task's state, description, duration and error as the server reports them now.
    fn update(&mut self, task: &Task) {
        self.state = task.state.clone();
        self.description = task.description.clone();
        self.duration = task.duration.clone();
        self.duration_seconds = task.duration_seconds;
        self.error = task.error_message.clone().filter(|e| !e.is_empty());
    }

    /// Whether this counts against the run: the task finished without success, Ferry gave up
    /// waiting for it, or it waits for a person. A task left running without waiting does not
    /// count.
    pub fn unsuccessful(&self) -> bool {
        self.wait_timed_out || !self.waiting_for.is_empty() || self.state.is_unsuccessful()
    }
}

/// What happens while tasks are followed.
#[derive(Debug)]
pub enum FollowEvent<'a> {
    /// A new line of a task's log. `label` is set when the line should say which task it is from
    /// (several tasks, or a task followed under a name other than its id).
    LogLine {
        /// The task's label, when lines need one.
        label: Option<&'a str>,
        /// The line.
        line: &'a str,
    },
    /// A task reached a final state.
    Finished {
        /// The task.
        task: &'a Followed,
    },
    /// The timeout passed and the task was canceled, as `cancel_on_timeout` asks.
    Canceled {
        /// The task.
        task: &'a Followed,
    },
    /// The timeout passed and canceling the task failed.
    CancelFailed {
        /// The task.
        task: &'a Followed,
        /// The server's error.
        error: &'a (dyn std::error::Error + 'a),
    },
    /// The task waits for a person (`waiting_for` says what and where): Ferry stops waiting for
    /// it rather than waiting out the timeout.
    WaitingForPerson {
        /// The task.
        task: &'a Followed,
    },
    /// The timeout passed: Ferry stops waiting and the task keeps running on the server.
    StoppedWaiting {
        /// The task, with the state it was last seen in.
        task: &'a Followed,
        /// The timeout.
        after: Duration,
    },
}

/// Receives what the flow does, to show it (or, in tests, to record it).
pub trait FollowReporter {
    /// One event.
    fn report(&self, event: FollowEvent<'_>);
}

/// Poll `results` (from [`Followed::queued`]) until every task finished or the timeout passed,
/// updating them in place, so a caller that stops the wait early (a signal) still knows where each
/// task stood. Tasks still running at the timeout are marked `wait_timed_out` (and canceled first
/// with `cancel_on_timeout`).
pub async fn follow_until_done<S: DeploymentServer>(
    server: &S,
    results: &mut [Followed],
    settings: WaitSettings,
    reporter: &impl FollowReporter,
) -> Result<(), S::Error> {
    let started = Instant::now();
    let mut logs: Vec<LogFollower> = results.iter().map(|_| LogFollower::default()).collect();
    let mut done: Vec<bool> = vec![false; results.len()];
    let several = results.len() > 1;
    let mut delay = Duration::from_millis(100).min(settings.poll_interval);
    loop {
        for (index, result) in results.iter_mut().enumerate() {
            if done[index] {
                continue;
            }
            let task = server.task(&result.task_id).await?;
            // Read the log after the state, so a finished task's log is complete.
            let label = (several || result.label != result.task_id).then_some(result.label.as_str());
            for line in logs[index].new_lines(server, &result.task_id).await {
                reporter.report(FollowEvent::LogLine { label, line: &line });
            }
            result.log_tail = logs[index].tail();
            result.update(&task);
            if task.completed {
                done[index] = true;
                reporter.report(FollowEvent::Finished { task: result });
            } else if task.has_pending_interruptions {
                // Waiting out the timeout would only cancel a task a person is about to answer.
                result.waiting_for = server.pending_interruptions(&task).await?;
                if !result.waiting_for.is_empty() {
                    done[index] = true;
                    reporter.report(FollowEvent::WaitingForPerson { task: result });
                }
            }
        }
        if done.iter().all(|d| *d) {
            return Ok(());
        }
        if started.elapsed() >= settings.timeout {
            for (index, result) in results.iter_mut().enumerate() {
                if !done[index] {
                    stop_waiting(server, result, settings, reporter).await;
                }
            }
            return Ok(());
        }
        // Poll quickly at first (most deployments are short), backing off to the poll interval.
        let left = settings.timeout.saturating_sub(started.elapsed());
        tokio::time::sleep(delay.min(left).max(Duration::from_millis(20))).await;
        delay = (delay * 2).min(settings.poll_interval);
    }
}

/// The timeout passed with `result` still running: cancel it when asked, and mark it.
async fn stop_waiting<S: DeploymentServer>(
    server: &S,
    result: &mut Followed,
    settings: WaitSettings,
    reporter: &impl FollowReporter,
) {
    if settings.cancel_on_timeout {
        match server.cancel_task(&result.task_id).await {
            Ok(()) => reporter.report(FollowEvent::Canceled { task: result }),
            Err(error) => reporter.report(FollowEvent::CancelFailed { task: result, error: &error }),
        }
        // Report what the cancellation did, not what Ferry asked for.
        if let Ok(task) = server.task(&result.task_id).await {
            result.state = task.state;
        }
    } else {
        reporter.report(FollowEvent::StoppedWaiting { task: result, after: settings.timeout });
    }
    result.wait_timed_out = true;
    result.error = Some(format!(
        "Ferry stopped waiting after {}s (--timeout); the task was {}",
        settings.timeout.as_secs(),
        result.state
    ));
}

/// One task's log as followed so far: through its activity tree when the server has one, else
/// through the plain log by line count.
#[derive(Default)]
struct LogFollower {
    cursor: ActivityCursor,
    /// The server has no activity tree for this task (it said so, or its first answer was an
    /// error): the plain log is followed instead, by line count.
    plain: bool,
    /// A tree was read once: a later error is passing, not a reason to switch logs.
    tree_seen: bool,
    /// Lines of the plain log shown so far.
    plain_shown: usize,
    /// The last lines shown, for a failure's report.
    recent: std::collections::VecDeque<String>,
}

impl LogFollower {
    /// Lines not shown before. A log that cannot be read is not worth failing the wait for: the
    /// state still tells the outcome.
    async fn new_lines<S: DeploymentServer>(&mut self, server: &S, task_id: &str) -> Vec<String> {
        let lines = if self.plain {
            self.plain_lines(server, task_id).await
        } else {
            self.tree_lines(server, task_id).await
        };
        for line in &lines {
            if self.recent.len() == LOG_TAIL {
                self.recent.pop_front();
            }
            self.recent.push_back(line.clone());
        }
        lines
    }

    async fn tree_lines<S: DeploymentServer>(&mut self, server: &S, task_id: &str) -> Vec<String> {
        let mut tail = self.cursor.tail();
        // At most twice: a tail too short for what is new is followed by one read of everything.
        for _ in 0..2 {
            match server.task_activity(task_id, tail).await {
                Ok(Some(tree)) => {
                    self.tree_seen = true;
                    match self.cursor.look(&tree, tail) {
                        Look::New(lines) => return lines.iter().map(|l| l.render()).collect(),
                        Look::TailTooShort => tail = None,
                    }
                }
                Ok(None) => {
                    self.plain = true;
                    return self.plain_lines(server, task_id).await;
                }
                Err(_) if !self.tree_seen => {
                    self.plain = true;
                    return self.plain_lines(server, task_id).await;
                }
                Err(_) => return Vec::new(),
            }
        }
        Vec::new()
    }

    async fn plain_lines<S: DeploymentServer>(&mut self, server: &S, task_id: &str) -> Vec<String> {
        match server.task_log(task_id).await {
            Ok(log) => {
                let lines: Vec<String> = log.lines().skip(self.plain_shown).map(str::to_owned).collect();
                self.plain_shown += lines.len();
                lines
            }
            Err(_) => Vec::new(),
        }
    }

    fn tail(&self) -> Vec<String> {
        self.recent.iter().cloned().collect()
    }
}
