//! Following tasks: log streaming, final states and the timeout, as events a reporter collects.

mod support;

use std::cell::RefCell;
use std::time::Duration;

use ferry_flow::follow::{FollowEvent, FollowReporter, Followed, WaitSettings, follow_until_done};
use ferry_flow::model::TaskState;
use support::{MemoryServer, block_on};

/// Records events as short lines.
#[derive(Default)]
struct Recorder(RefCell<Vec<String>>);

impl FollowReporter for Recorder {
    fn report(&self, event: FollowEvent<'_>) {
        let line = match event {
            FollowEvent::LogLine { label, line } => format!("log {label:?} {line}"),
            FollowEvent::Finished { task } => format!("finished {} {}", task.task_id, task.state),
            FollowEvent::Canceled { task } => format!("canceled {}", task.task_id),
            FollowEvent::CancelFailed { task, error } => format!("cancel failed {} {error}", task.task_id),
            FollowEvent::StoppedWaiting { task, .. } => format!("stopped {} {}", task.task_id, task.state),
            FollowEvent::WaitingForPerson { task } => format!("waiting {}", task.task_id),
        };
        self.0.borrow_mut().push(line);
    }
}

fn settings(timeout: Duration, cancel_on_timeout: bool) -> WaitSettings {
    WaitSettings { timeout, poll_interval: Duration::from_millis(20), cancel_on_timeout }
}

#[test]
fn finished_tasks_stream_their_logs_labelled_and_report_their_final_state() {
    let server = MemoryServer::new(&["Dev", "Test"], &["1.0.0"]);
    server.deployed("1.0.0", "Dev", TaskState::Success);
    server.deployed("1.0.0", "Test", TaskState::Failed);
    server.logs.borrow_mut().insert("Task-1".into(), "unpacking\ndone\n".into());
    server.logs.borrow_mut().insert("Task-2".into(), "boom\n".into());
    let mut results = vec![Followed::queued("Dev", "Task-1"), Followed::queued("Test", "Task-2")];
    let recorder = Recorder::default();
    block_on(follow_until_done(&server, &mut results, settings(Duration::from_secs(5), false), &recorder))
        .unwrap();
    assert_eq!(
        recorder.0.into_inner(),
        vec![
            "log Some(\"Dev\") unpacking",
            "log Some(\"Dev\") done",
            "finished Task-1 Success",
            "log Some(\"Test\") boom",
            "finished Task-2 Failed",
        ]
    );
    assert!(!results[0].unsuccessful() && results[1].unsuccessful());
    assert_eq!(results[1].log_tail, vec!["boom"]);
}

#[test]
fn one_task_followed_by_its_own_id_logs_unlabelled_lines() {
    let server = MemoryServer::new(&["Dev"], &["1.0.0"]);
    server.deployed("1.0.0", "Dev", TaskState::Success);
    server.logs.borrow_mut().insert("Task-1".into(), "hello\n".into());
    let mut results = vec![Followed::queued("Task-1", "Task-1")];
    let recorder = Recorder::default();
    block_on(follow_until_done(&server, &mut results, settings(Duration::from_secs(5), false), &recorder))
        .unwrap();
    assert_eq!(recorder.0.borrow()[0], "log None hello");
}

#[test]
fn at_the_timeout_a_running_task_is_left_running_or_canceled_as_asked() {
    let server = MemoryServer::new(&["Prod"], &["1.0.0"]);
    server.deployed("1.0.0", "Prod", TaskState::Executing);
    let recorder = Recorder::default();
    let mut results = vec![Followed::queued("Prod", "Task-1")];
    block_on(follow_until_done(&server, &mut results, settings(Duration::ZERO, false), &recorder)).unwrap();
    assert_eq!(recorder.0.borrow().last().unwrap(), "stopped Task-1 Executing");
    assert!(results[0].wait_timed_out && results[0].unsuccessful());
    assert_eq!(results[0].state, TaskState::Executing);

    let mut results = vec![Followed::queued("Prod", "Task-1")];
    block_on(follow_until_done(&server, &mut results, settings(Duration::ZERO, true), &recorder)).unwrap();
    assert_eq!(recorder.0.borrow().last().unwrap(), "canceled Task-1");
    // The state reported is what the cancellation did, read back from the server.
    assert_eq!(results[0].state, TaskState::Canceled);
    assert!(results[0].wait_timed_out);
}

#[test]
fn a_task_polled_until_it_ends_streams_each_line_once() {
    let server = MemoryServer::new(&["Prod"], &["1.0.0"]);
    server.deployed("1.0.0", "Prod", TaskState::Executing);
    server.logs.borrow_mut().insert("Task-1".into(), "one\n".into());
    let recorder = Recorder::default();
    let mut results = vec![Followed::queued("Prod", "Task-1")];
    block_on(async {
        let follow =
            follow_until_done(&server, &mut results, settings(Duration::from_secs(5), false), &recorder);
        let finish = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            server.logs.borrow_mut().insert("Task-1".into(), "one\ntwo\n".into());
            let mut tasks = server.tasks.borrow_mut();
            tasks[0].state = TaskState::Success;
            tasks[0].completed = true;
        };
        let (followed, ()) = tokio::join!(follow, finish);
        followed
    })
    .unwrap();
    assert_eq!(
        recorder.0.into_inner(),
        vec!["log Some(\"Prod\") one", "log Some(\"Prod\") two", "finished Task-1 Success"]
    );
}
