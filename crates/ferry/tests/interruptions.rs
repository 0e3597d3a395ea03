//! `--wait` on a task that waits for a person, against a fake answering in Octopus's shapes
//! (`TaskResource` with `HasPendingInterruptions`, OctopusClients' `InterruptionResource` for
//! guided failure): Ferry stops waiting at once, says what the task asks and where to answer, and
//! exits 3. `ferry server` has no interruptions, so this is tested against the fake only.

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use serde_json::json;

const TASK: &str = r#"{"Id":"ServerTasks-9","Name":"Deploy","Description":"Deploy Hello release 2.0.0 to Production",
    "State":"Executing","IsCompleted":false,"FinishedSuccessfully":false,"HasPendingInterruptions":true,"ErrorMessage":"",
    "Duration":"1 minute","SpaceId":"Spaces-1","Links":{"Self":"/api/Spaces-1/tasks/ServerTasks-9","Web":"/app#/Spaces-1/tasks/ServerTasks-9"}}"#;

fn fake() -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let task: serde_json::Value = serde_json::from_str(TASK).unwrap();
            let details = json!({"Task": task.clone(), "ActivityLogs": [{"Id": "ServerTasks-9", "Name": "Deploy Hello release 2.0.0 to Production",
                "Status": "Running", "Children": [{"Id": "ServerTasks-9_s1", "Name": "Step 1: Deploy web", "Status": "Failed", "Children": [],
                "LogElements": [{"Category": "Error", "OccurredAt": "2026-11-28T18:00:01.000+00:00", "MessageText": "web-01: health check failed", "Number": 2}]}],
                "LogElements": [{"Category": "Info", "OccurredAt": "2026-11-28T18:00:00.000+00:00", "MessageText": "Deploying", "Number": 1}]}],
                "PhysicalLogSize": 100, "Progress": {"ProgressPercentage": 50}});
            let interruptions = json!({"ItemType":"Interruption","TotalResults":1,"ItemsPerPage":30,"NumberOfPages":1,"LastPageNumber":0,
                "Items":[{"Id":"Interruptions-4","Title":"Deploy web failed: retry, ignore, fail or exclude the target?",
                    "Created":"2026-11-28T18:00:02.000+00:00","IsPending":true,
                    "Form":{"Values":{"Guidance":null,"Notes":null},"Elements":[]},"RelatedDocumentIds":["ServerTasks-9"],
                    "ResponsibleTeamIds":[],"CanTakeResponsibility":true,"HasResponsibility":false,"TaskId":"ServerTasks-9",
                    "CorrelationId":"ServerTasks-9_s1","IsLinkedToOtherInterruption":false,"SpaceId":"Spaces-1",
                    "Links":{"Self":"/api/Spaces-1/interruptions/Interruptions-4","Submit":"/api/Spaces-1/interruptions/Interruptions-4/submit",
                        "Responsible":"/api/Spaces-1/interruptions/Interruptions-4/responsible"}}],"Links":{}});
            let app = Router::new()
                .route("/api", get(|| async {
                    axum::Json(json!({"Application":"Octopus Deploy","Version":"2025.2.1000","ApiVersion":"3.0.0","Links":{"Self":"/api"}}))
                }))
                .route("/api/spaces/all", get(|| async { axum::Json(json!([{"Id":"Spaces-1","Name":"Default","IsDefault":true}])) }))
                .route("/api/Spaces-1/tasks/ServerTasks-9", get(move || async move { axum::Json(task) }))
                .route("/api/Spaces-1/tasks/ServerTasks-9/details", get(move || async move { axum::Json(details) }))
                .route("/api/Spaces-1/interruptions", get(move || async move { axum::Json(interruptions) }));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(format!("http://{}", listener.local_addr().unwrap())).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    receiver.recv().unwrap()
}

#[test]
fn a_task_waiting_for_guided_failure_ends_the_wait_with_exit_3_and_the_link() {
    let url = fake();
    let started = Instant::now();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["-o", "json", "task", "wait", "ServerTasks-9", "--timeout", "60s", "--server", &url])
        .env("FERRY_API_KEY", "API-TEST")
        .env("FERRY_CI", "none")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30), "the wait must not run to its timeout");
    let link = format!("{url}/app#/Spaces-1/tasks/ServerTasks-9");
    assert!(stderr.contains("guided failure"), "{stderr}");
    assert!(stderr.contains("Deploy web failed: retry, ignore, fail or exclude the target?"), "{stderr}");
    assert!(stderr.contains(&link), "{stderr}");
    assert!(
        stderr.contains("[Step 1: Deploy web] error: web-01: health check failed"),
        "the log was streamed: {stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let waiting = &json["tasks"][0]["waitingFor"][0];
    assert_eq!(waiting["kind"], "guidedFailure", "{json}");
    assert_eq!(waiting["link"], link.as_str());
    assert_eq!(json["tasks"][0]["waitTimedOut"], false);
}
