//! Following Octopus tasks through the real client, against a fake that answers in Octopus's
//! shapes (`tasks/{id}/details` as in go-octopusdeploy `pkg/tasks/task_detail.go`,
//! `interruptions` as OctopusClients' `InterruptionResource`): a log tree whose parallel steps and
//! targets gain lines between polls, and a task that stops for a manual intervention.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;
use axum::routing::get;
use ferry_flow::follow::{FollowEvent, FollowReporter, Followed, WaitSettings, follow_until_done};
use ferry_octopus::{Client, ClientOptions, ProgressMode};
use serde_json::{Value, json};

/// One log line of the scripted tree: (number, activity path, category, text).
type Line = (u64, &'static [&'static str], &'static str, &'static str);

/// Two steps running in parallel, the first on two targets; numbers follow the order the lines
/// were written in, which interleaves the activities.
const SCRIPT: &[Line] = &[
    (1, &[], "Info", "Deploy Hello release 1.0.0 to Production"),
    (2, &["Step 1: Deploy web", "web-01"], "Info", "extracting"),
    (3, &["Step 1: Deploy web", "web-02"], "Info", "extracting"),
    (4, &["Step 2: Migrate database", "db-01"], "Info", "migration 1"),
    (5, &["Step 1: Deploy web", "web-02"], "Info", "starting"),
    (6, &["Step 1: Deploy web", "web-01"], "Info", "starting"),
    (7, &["Step 2: Migrate database", "db-01"], "Info", "migration 2"),
    (8, &["Step 1: Deploy web", "web-01"], "Info", "healthy"),
    (9, &["Step 1: Deploy web", "web-02"], "Warning", "slow to start"),
    (10, &["Step 2: Migrate database", "db-01"], "Info", "migrations done"),
    (11, &[], "Info", "Deployment completed"),
];

/// How much of the script each look at the task has written; the last look finds it done.
const WRITTEN_BY_LOOK: &[u64] = &[1, 4, 7, 9, 11];

#[derive(Default)]
struct Fake {
    looks: AtomicUsize,
    detail_queries: Mutex<Vec<String>>,
    interruption_queries: Mutex<Vec<String>>,
    /// The task waits for a manual intervention instead of running the script.
    intervention: bool,
    /// `details` answers 404 (a server without it): the raw log is all there is.
    no_tree: bool,
}

type S = State<Arc<Fake>>;

fn written(fake: &Fake) -> u64 {
    let look = fake.looks.load(Ordering::SeqCst).max(1);
    WRITTEN_BY_LOOK[(look - 1).min(WRITTEN_BY_LOOK.len() - 1)]
}

fn task_json(fake: &Fake) -> Value {
    let done = !fake.intervention && written(fake) == 11;
    json!({"Id":"ServerTasks-7","Name":"Deploy","Description":"Deploy Hello release 1.0.0 to Production",
        "State": if done { "Success" } else { "Executing" }, "IsCompleted": done, "FinishedSuccessfully": done,
        "HasPendingInterruptions": fake.intervention, "ErrorMessage": "", "Duration": "3 seconds", "SpaceId": "Spaces-1",
        "Links":{"Self":"/api/Spaces-1/tasks/ServerTasks-7","Web":"/app#/Spaces-1/tasks/ServerTasks-7"}})
}

async fn task(State(fake): S) -> impl IntoResponse {
    fake.looks.fetch_add(1, Ordering::SeqCst);
    axum::Json(task_json(&fake))
}

/// The activity at `path` (created on first use) under `node`.
fn node<'a>(root: &'a mut Value, path: &[&str]) -> &'a mut Value {
    let mut here = root;
    for (depth, name) in path.iter().enumerate() {
        let children = here["Children"].as_array_mut().unwrap();
        let index = match children.iter().position(|c| c["Name"] == *name) {
            Some(index) => index,
            None => {
                let id = format!("ServerTasks-7_{}", path[..=depth].join("/"));
                children.push(json!({"Id": id, "Name": name, "Status": "Running", "Children": [], "LogElements": [],
                    "ShowAtSummaryLevel": true, "ProgressPercentage": 0, "ProgressMessage": null, "Started": null, "Ended": null}));
                children.len() - 1
            }
        };
        here = &mut here["Children"][index];
    }
    here
}

async fn details(State(fake): S, RawQuery(query): RawQuery) -> axum::response::Response {
    if fake.no_tree {
        return (axum::http::StatusCode::NOT_FOUND, axum::Json(json!({"ErrorMessage": "not found"})))
            .into_response();
    }
    let query = query.unwrap_or_default();
    fake.detail_queries.lock().unwrap().push(query.clone());
    let tail: Option<usize> =
        query.split('&').find_map(|pair| pair.strip_prefix("tail=")).and_then(|v| v.parse().ok());
    let mut root = json!({"Id":"ServerTasks-7","Name":"Deploy Hello release 1.0.0 to Production","Status":"Running",
        "Children":[],"LogElements":[],"ShowAtSummaryLevel":true,"ProgressPercentage":50,"ProgressMessage":null});
    for (number, path, category, text) in SCRIPT.iter().filter(|line| line.0 <= written(&fake)) {
        let at = format!("2026-11-28T18:00:{number:02}.000+00:00");
        node(&mut root, path)["LogElements"].as_array_mut().unwrap().push(
            json!({"Category": category, "OccurredAt": at, "MessageText": text, "Detail": null, "Number": number}),
        );
    }
    fn trim(activity: &mut Value, tail: usize) {
        let elements = activity["LogElements"].as_array_mut().unwrap();
        let skip = elements.len().saturating_sub(tail);
        elements.drain(..skip);
        for child in activity["Children"].as_array_mut().unwrap() {
            trim(child, tail);
        }
    }
    if let Some(tail) = tail {
        trim(&mut root, tail);
    }
    axum::Json(json!({"Task": task_json(&fake), "ActivityLogs": [root], "PhysicalLogSize": 1000,
        "Progress": {"ProgressPercentage": 50, "EstimatedTimeRemaining": null}, "Links": {}}))
    .into_response()
}

async fn raw() -> &'static str {
    "line one\nline two\n"
}

async fn interruptions(State(fake): S, RawQuery(query): RawQuery) -> impl IntoResponse {
    fake.interruption_queries.lock().unwrap().push(query.unwrap_or_default());
    axum::Json(
        json!({"ItemType":"Interruption","TotalResults":1,"ItemsPerPage":30,"NumberOfPages":1,"LastPageNumber":0,
        "Items":[{"Id":"Interruptions-3","Title":"Approve the production deployment","Created":"2026-11-28T18:00:05.000+00:00",
            "IsPending":true,"Form":{"Values":{"Instructions":null,"Notes":null,"Result":null},"Elements":[]},
            "RelatedDocumentIds":["Deployments-7","ServerTasks-7"],"ResponsibleTeamIds":["teams-managers"],"ResponsibleUserId":null,
            "CanTakeResponsibility":true,"HasResponsibility":false,"TaskId":"ServerTasks-7","CorrelationId":"ServerTasks-7_ABC",
            "IsLinkedToOtherInterruption":false,"SpaceId":"Spaces-1",
            "Links":{"Self":"/api/Spaces-1/interruptions/Interruptions-3","Submit":"/api/Spaces-1/interruptions/Interruptions-3/submit",
                "Responsible":"/api/Spaces-1/interruptions/Interruptions-3/responsible"}}],
        "Links":{"Self":"/api/Spaces-1/interruptions?regarding=ServerTasks-7&pendingOnly=true"}}),
    )
}

async fn start(fake: Arc<Fake>) -> Client {
    let app = Router::new()
        .route("/api", get(|| async {
            axum::Json(json!({"Application":"Octopus Deploy","Version":"2025.2.1000","ApiVersion":"3.0.0","Links":{"Self":"/api"}}))
        }))
        .route("/api/spaces/all", get(|| async { axum::Json(json!([{"Id":"Spaces-1","Name":"Default","IsDefault":true}])) }))
        .route("/api/Spaces-1/tasks/{id}", get(task))
        .route("/api/Spaces-1/tasks/{id}/details", get(details))
        .route("/api/Spaces-1/tasks/{id}/raw", get(raw))
        .route("/api/Spaces-1/interruptions", get(interruptions))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut options = ClientOptions::new(format!("http://{addr}"));
    options.api_key = Some("API-TEST".into());
    options.progress = ProgressMode::Off;
    Client::connect(options).await.unwrap()
}

#[derive(Default)]
struct Recorder {
    lines: Mutex<Vec<String>>,
    waiting: Mutex<Vec<String>>,
}

impl FollowReporter for Recorder {
    fn report(&self, event: FollowEvent<'_>) {
        match event {
            FollowEvent::LogLine { line, .. } => self.lines.lock().unwrap().push(line.to_owned()),
            FollowEvent::WaitingForPerson { task } => {
                self.waiting.lock().unwrap().extend(task.waiting_for.iter().map(|i| i.title.clone()))
            }
            _ => {}
        }
    }
}

fn settings() -> WaitSettings {
    WaitSettings {
        timeout: Duration::from_secs(20),
        poll_interval: Duration::from_millis(20),
        cancel_on_timeout: false,
    }
}

#[tokio::test]
async fn parallel_steps_and_targets_are_streamed_once_each_in_tree_order() {
    let fake = Arc::new(Fake::default());
    let client = start(fake.clone()).await;
    let mut results = vec![Followed::queued("Production", "ServerTasks-7")];
    let recorder = Recorder::default();
    follow_until_done(&client, &mut results, settings(), &recorder).await.unwrap();
    let lines = recorder.lines.lock().unwrap().clone();
    let mut expected: Vec<String> = SCRIPT
        .iter()
        .map(|(_, path, category, text)| {
            let category = if *category == "Warning" { "warning: " } else { "" };
            if path.is_empty() {
                format!("{category}{text}")
            } else {
                format!("[{}] {category}{text}", path.join(" / "))
            }
        })
        .collect();
    let mut sorted = lines.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "every line exactly once, none dropped: {lines:#?}");
    // Within one activity the order is the order written.
    let web02: Vec<&String> = lines.iter().filter(|l| l.contains("web-02")).collect();
    assert_eq!(
        web02,
        [
            "[Step 1: Deploy web / web-02] extracting",
            "[Step 1: Deploy web / web-02] starting",
            "[Step 1: Deploy web / web-02] warning: slow to start"
        ]
    );
    assert_eq!(results[0].state.as_str(), "Success");
    let queries = fake.detail_queries.lock().unwrap().clone();
    assert!(queries.len() >= 4, "{queries:?}");
    assert!(queries.iter().all(|q| q.contains("tail=")), "only the last lines are fetched: {queries:?}");
}

#[tokio::test]
async fn a_task_waiting_for_a_manual_intervention_ends_the_wait_with_the_link_to_answer_it() {
    let fake = Arc::new(Fake { intervention: true, ..Fake::default() });
    let client = start(fake.clone()).await;
    let mut results = vec![Followed::queued("Production", "ServerTasks-7")];
    let recorder = Recorder::default();
    let started = std::time::Instant::now();
    follow_until_done(&client, &mut results, settings(), &recorder).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "the wait must not run to its timeout");
    assert_eq!(*recorder.waiting.lock().unwrap(), ["Approve the production deployment"]);
    let waiting = &results[0].waiting_for;
    assert_eq!(waiting.len(), 1);
    assert!(!waiting[0].guided_failure);
    assert!(waiting[0].web_link.ends_with("/app#/Spaces-1/tasks/ServerTasks-7"), "{}", waiting[0].web_link);
    assert!(
        results[0].unsuccessful() && !results[0].wait_timed_out,
        "a person must act: not a success, not a timeout"
    );
    let queries: HashMap<String, usize> =
        fake.interruption_queries.lock().unwrap().iter().map(|q| (q.clone(), 1)).collect();
    assert!(queries.contains_key("regarding=ServerTasks-7&pendingOnly=true"), "{queries:?}");
}

#[tokio::test]
async fn a_server_without_details_is_followed_through_the_raw_log() {
    let fake = Arc::new(Fake { no_tree: true, ..Fake::default() });
    let client = start(fake.clone()).await;
    let mut results = vec![Followed::queued("Production", "ServerTasks-7")];
    let recorder = Recorder::default();
    follow_until_done(&client, &mut results, settings(), &recorder).await.unwrap();
    assert_eq!(*recorder.lines.lock().unwrap(), ["line one", "line two"], "each line once");
    assert_eq!(results[0].state.as_str(), "Success");
}
