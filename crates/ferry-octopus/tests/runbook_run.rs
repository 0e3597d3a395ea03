//! `Client::run_runbook` against a fake of Octopus's executions API in its official shape: the
//! request is the one the Octopus CLI's `runbook run` sends (OctopusDeploy/cli
//! `pkg/cmd/runbook/run/run_test.go` expects `POST /api/Spaces-1/runbook-runs/create/v1`), the
//! answer is `{RunbookRunServerTasks: [{RunbookRunId, ServerTaskId}]}`, and a refusal is an error
//! that keeps the server's message.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ferry_octopus::{Client, ClientOptions, ErrorKind, ProgressMode, RunbookRun, RunbookRunRequest};
use serde_json::{Value, json};

#[derive(Default)]
struct Fake {
    bodies: Mutex<Vec<Value>>,
    posts: Mutex<usize>,
}

async fn root() -> Response {
    axum::Json(json!({"Application":"Octopus Deploy","Version":"2025.2.1000","ApiVersion":"3.0.0","Links":{"Self":"/api"}}))
        .into_response()
}

async fn spaces() -> Response {
    axum::Json(json!([{"Id":"Spaces-1","Name":"Default","IsDefault":true}])).into_response()
}

async fn run(State(fake): State<Arc<Fake>>, body: axum::Json<Value>) -> Response {
    *fake.posts.lock().unwrap() += 1;
    fake.bodies.lock().unwrap().push(body.0.clone());
    if body["RunbookName"] == "Missing" {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"ErrorMessage":"There was a problem with your request.",
            "Errors":["Runbook 'Missing' was not found in project 'Hello'."]})),
        )
            .into_response();
    }
    if body["EnvironmentNames"][0] == "Busy" {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    let tasks: Vec<Value> = body["EnvironmentNames"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, _)| json!({"RunbookRunId": format!("RunbookRuns-{}", 203 + i), "ServerTaskId": format!("ServerTasks-{}", 29394 + i)}))
        .collect();
    axum::Json(json!({"RunbookRunServerTasks": tasks})).into_response()
}

async fn connect() -> (Client, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route("/api", get(root))
        .route("/api/spaces/all", get(spaces))
        .route("/api/Spaces-1/runbook-runs/create/v1", post(run))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut options = ClientOptions::new(format!("http://{addr}"));
    options.api_key = Some("API-GOOD".into());
    options.retry_base = std::time::Duration::from_millis(10);
    options.progress = ProgressMode::Off;
    (Client::connect(options).await.unwrap(), fake)
}

fn request(runbook: &str, environments: &[&str]) -> RunbookRunRequest {
    RunbookRunRequest {
        project: "Hello".into(),
        runbook: runbook.into(),
        environments: environments.iter().map(|e| e.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_request_is_the_octopus_clis_and_the_runs_are_read_back() {
    let (client, fake) = connect().await;
    let mut wanted = request("Restart web", &["Development", "Test"]);
    wanted.tenants = vec!["Acme".into()];
    wanted.tenant_tags = vec!["Region/EU".into()];
    wanted.variables = vec![("Reason".into(), "nightly = ok".into())];
    wanted.guided_failure = Some(true);
    let runs = client.run_runbook(&wanted).await.unwrap();
    assert_eq!(
        runs,
        vec![
            RunbookRun {
                runbook_run_id: "RunbookRuns-203".into(),
                server_task_id: "ServerTasks-29394".into()
            },
            RunbookRun {
                runbook_run_id: "RunbookRuns-204".into(),
                server_task_id: "ServerTasks-29395".into()
            },
        ]
    );
    let body = fake.bodies.lock().unwrap()[0].clone();
    assert_eq!(
        body,
        json!({"SpaceId":"Spaces-1","SpaceIdOrName":"Spaces-1","ProjectName":"Hello","RunbookName":"Restart web",
            "EnvironmentNames":["Development","Test"],"Tenants":["Acme"],"TenantTags":["Region/EU"],
            "Variables":{"Reason":"nightly = ok"},"UseGuidedFailure":true,"ForcePackageDownload":false})
    );
}

#[tokio::test]
async fn without_guided_failure_the_projects_setting_applies() {
    let (client, fake) = connect().await;
    client.run_runbook(&request("Backup", &["Production"])).await.unwrap();
    assert_eq!(fake.bodies.lock().unwrap()[0]["UseGuidedFailure"], Value::Null);
}

#[tokio::test]
async fn a_refusal_keeps_the_servers_reason() {
    let (client, _) = connect().await;
    let err = client.run_runbook(&request("Missing", &["Production"])).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert!(err.to_string().contains("Runbook 'Missing' was not found"), "{err}");
    assert!(err.to_string().contains("running runbook Missing of Hello in Production"), "{err}");
}

#[tokio::test]
async fn an_ambiguous_failure_is_not_retried() {
    // A second POST could run the runbook twice.
    let (client, fake) = connect().await;
    let err = client.run_runbook(&request("Backup", &["Busy"])).await.unwrap_err();
    assert_eq!(err.status, Some(503));
    assert_eq!(*fake.posts.lock().unwrap(), 1);
}
