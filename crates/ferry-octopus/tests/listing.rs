//! The bounded reads behind `release list`, `task list|show` and `project show` against a fake
//! Octopus whose answers have the shape of Octopus's own (PascalCase resources, paged
//! collections with `TotalResults`, a server that may ignore `take`): every list asks for one
//! page with `take=`, and names are resolved through a task's `DeploymentId`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ferry_octopus::{Client, ClientOptions, ErrorKind, ProgressMode, TaskFilter};
use serde_json::{Value, json};

/// Every request's path and query, in order.
type Seen = Arc<Mutex<Vec<String>>>;

fn page(items: Vec<Value>, total: usize) -> Response {
    axum::Json(
        json!({"ItemType": "Task", "TotalResults": total, "ItemsPerPage": 30, "Items": items, "Links": {}}),
    )
    .into_response()
}

fn task(n: usize) -> Value {
    json!({
        "Id": format!("ServerTasks-{n}"), "Name": "Deploy", "Description": format!("Deploy Hello release 1.0.{n} to Test"),
        "State": "Success", "QueueTime": "2026-11-28T10:00:00.000+00:00", "StartTime": "2026-11-28T10:00:01.000+00:00",
        "CompletedTime": "2026-11-28T10:01:31.500+00:00", "IsCompleted": true, "FinishedSuccessfully": true,
        "Duration": "1 minute", "ErrorMessage": "", "Arguments": {"DeploymentId": format!("Deployments-{n}")},
    })
}

async fn start(seen: Seen) -> String {
    let record = |seen: &Seen, path: &str, query: Option<String>| {
        seen.lock().unwrap().push(format!("{path}?{}", query.unwrap_or_default()));
    };
    let app = Router::new()
        .route("/api", get(|| async { axum::Json(json!({"Application":"Octopus Deploy","ApiVersion":"3.0.0","Links":{}})) }))
        .route("/api/spaces/all", get(|| async { axum::Json(json!([{"Id":"Spaces-1","Name":"Default","IsDefault":true}])) }))
        .route(
            "/api/Spaces-1/tasks",
            get(move |State(seen): State<Seen>, RawQuery(query): RawQuery| async move {
                record(&seen, "tasks", query.clone());
                // Like a server that ignores `take`: 50 tasks of 120 in one page.
                page((1..=50).map(task).collect(), 120)
            }),
        )
        .route(
            "/api/Spaces-1/tasks/{id}",
            get(move |State(seen): State<Seen>, Path(id): Path<String>| async move {
                record(&seen, &format!("tasks/{id}"), None);
                if id == "ServerTasks-7" {
                    axum::Json(task(7)).into_response()
                } else {
                    (StatusCode::NOT_FOUND, axum::Json(json!({"ErrorMessage": format!("The resource '{id}' was not found.")})))
                        .into_response()
                }
            }),
        )
        .route("/api/Spaces-1/deployments/{id}", get(|| async {
            axum::Json(json!({"Id":"Deployments-7","ReleaseId":"Releases-3","EnvironmentId":"Environments-2","ProjectId":"Projects-1","TaskId":"ServerTasks-7"}))
        }))
        .route("/api/Spaces-1/projects/{id}", get(|| async { axum::Json(json!({"Id":"Projects-1","Name":"Hello","Slug":"hello","LifecycleId":"Lifecycles-1"})) }))
        .route("/api/Spaces-1/releases/{id}", get(|| async { axum::Json(json!({"Id":"Releases-3","Version":"1.0.7","ProjectId":"Projects-1"})) }))
        .route("/api/Spaces-1/environments/{id}", get(|| async { axum::Json(json!({"Id":"Environments-2","Name":"Test"})) }))
        .route(
            "/api/Spaces-1/projects/{id}/releases",
            get(move |State(seen): State<Seen>, RawQuery(query): RawQuery| async move {
                record(&seen, "releases", query.clone());
                page(vec![json!({"Id":"Releases-3","Version":"1.0.7","ProjectId":"Projects-1","ChannelId":"Channels-1"})], 9)
            }),
        )
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn client(seen: &Seen) -> Client {
    let url = start(seen.clone()).await;
    let mut options = ClientOptions::new(&url);
    options.api_key = Some("API-GOOD".into());
    options.progress = ProgressMode::Off;
    options.max_attempts = 1;
    Client::connect(options).await.unwrap()
}

#[tokio::test]
async fn lists_ask_for_one_bounded_page_and_keep_to_it() {
    let seen = Seen::default();
    let client = client(&seen).await;
    let filter = TaskFilter {
        states: vec!["Failed".into(), "TimedOut".into()],
        active: false,
        project_id: Some("Projects-1".into()),
        environment_id: None,
    };
    let tasks = client.list_tasks(&filter, 20).await.unwrap();
    assert_eq!(tasks.items.len(), 20, "a server that ignores take still yields 20");
    assert_eq!(tasks.total, Some(120));
    assert_eq!(tasks.left_out(), 100);
    assert_eq!(tasks.items[0].duration_seconds(jiff::Timestamp::now()), Some(90));
    let ids: Vec<String> = (1..=120).map(|n| format!("ServerTasks-{n}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(client.tasks_by_id(&ids).await.unwrap().len(), 50 + 50 + 20, "each page cut to its ids");
    let project = client.project("Projects-1").await.unwrap();
    let releases = client.list_releases(&project, 5).await.unwrap();
    assert_eq!(releases.total, Some(9));
    let seen = seen.lock().unwrap().clone();
    // The id lists are long: compare their start, and the page size each asks for.
    let lists: Vec<String> = seen
        .iter()
        .filter(|request| !request.starts_with("tasks/"))
        .map(|request| match request.strip_prefix("tasks?ids=") {
            Some(ids) => format!("tasks?ids={}", &ids[..ids.find("%2C").map_or(ids.len(), |i| i + 3)]),
            None => request.clone(),
        })
        .collect();
    let takes: Vec<&str> =
        seen.iter().filter(|r| r.starts_with("tasks?ids=")).map(|r| r.rsplit('&').next().unwrap()).collect();
    assert_eq!(takes, ["take=50", "take=50", "take=20"]);
    assert_eq!(
        lists,
        [
            "tasks?states=Failed%2CTimedOut&project=Projects-1&skip=0&take=20",
            "tasks?ids=ServerTasks-1%2C",
            "tasks?ids=ServerTasks-51%2C",
            "tasks?ids=ServerTasks-101%2C",
            "releases?skip=0&take=5",
        ],
        "one page each, bounded"
    );
}

#[tokio::test]
async fn a_task_is_named_by_what_it_deploys_and_an_unknown_one_points_at_task_list() {
    let seen = Seen::default();
    let client = client(&seen).await;
    let task = client.find_task("ServerTasks-7").await.unwrap();
    let subject = client.task_subject(&task).await.unwrap().expect("a deployment task");
    assert_eq!(subject.to_string(), "Hello 1.0.7 to Test");

    let err = client.find_task("ServerTasks-99").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(err.to_string().contains("there is no task ServerTasks-99"), "{err}");
    assert!(err.hints.iter().any(|hint| hint.contains("ferry task list")), "{:?}", err.hints);
}
