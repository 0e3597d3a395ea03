//! Deploy options on `deployments/create/untenanted/v1`: honoured (variables, skipped steps,
//! schedule) or refused with a 400 naming the field, never dropped.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestServer, task_ids, zip_bytes};

fn body(project: &str, version: &str, options: Value) -> Value {
    let mut body = json!({"spaceIdOrName": "Spaces-1", "spaceId": "Spaces-1", "projectName": project,
        "releaseVersion": version, "environmentNames": ["Development"], "useGuidedFailure": null});
    for (key, value) in options.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

const ROUTE: &str = "/api/Spaces-1/deployments/create/untenanted/v1";

#[tokio::test]
async fn fields_this_server_cannot_honour_are_refused_by_name() {
    let s = TestServer::start().await;
    assert_eq!(s.create_release("Slow", "1.0.0").await.0, StatusCode::CREATED);
    for (field, value) in [
        ("TenantTags", json!(["Regions/eu"])),
        ("SpecificMachineNames", json!(["web-01"])),
        ("ExcludedMachineNames", json!(["web-03"])),
        ("UseGuidedFailure", json!(true)),
        ("DeploymentFreezeNames", json!(["Xmas"])),
        ("DeploymentFreezeOverrideReason", json!("hotfix")),
        ("NoRunAfter", json!("2001-01-01T00:00:00+00:00")),
        ("RunAt", json!("tomorrow")),
    ] {
        let (status, answer) = s.post(ROUTE, body("Slow", "1.0.0", json!({ field: value }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {answer}");
        assert!(answer.to_string().contains(field), "{field} not named in {answer}");
    }
    let (_, deployments) = s.get("/api/Spaces-1/deployments").await;
    assert_eq!(deployments["TotalResults"], 0, "nothing was deployed: {deployments}");
}

#[tokio::test]
async fn variables_and_skipped_steps_reach_the_deploy_command() {
    let s = TestServer::start().await;
    s.push("Hello.Lib.3.1.0.zip", zip_bytes(&[("top.txt", b"t")]), "").await;
    assert_eq!(s.create_release("Env", "3.1.0").await.0, StatusCode::CREATED);
    let options = json!({"Variables": {"Region": "eu"}, "SkipStepNames": ["Hello.Lib", "No such step"],
        "ForcePackageDownload": true, "UseGuidedFailure": false});
    let (status, answer) = s.post(ROUTE, body("Env", "3.1.0", options)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let task = task_ids(&answer).remove(0);
    assert_eq!(s.wait_task(&task).await["State"], "Success");
    let (_, raw) = s.get_text(&format!("/api/tasks/{task}/raw")).await;
    assert!(raw.contains("FERRY_VARIABLE_REGION=eu"), "{raw}");
    assert!(raw.contains("Skipping step Hello.Lib"), "{raw}");
    assert!(!raw.contains("FERRY_PACKAGE_HELLO_LIB="), "a skipped step is not extracted: {raw}");
    assert!(raw.contains("no step is named 'No such step'"), "{raw}");
}

#[tokio::test]
async fn a_scheduled_deployment_waits_for_run_at() {
    let s = TestServer::start().await;
    assert_eq!(s.create_release("Slow", "1.0.0").await.0, StatusCode::CREATED);
    let in_an_hour = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3600)).to_string();
    let (status, answer) = s.post(ROUTE, body("Slow", "1.0.0", json!({"RunAt": in_an_hour}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let task = task_ids(&answer).remove(0);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, waiting) = s.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(waiting["State"], "Queued", "not started before RunAt: {waiting}");
    let queue_time: jiff::Timestamp = waiting["QueueTime"].as_str().unwrap().parse().unwrap();
    assert_eq!(queue_time.as_second(), in_an_hour.parse::<jiff::Timestamp>().unwrap().as_second());
}

#[tokio::test]
async fn a_deployment_not_started_by_no_run_after_times_out() {
    let s = TestServer::start().await;
    assert_eq!(s.create_release("Long", "1.0.0").await.0, StatusCode::CREATED);
    // The first deployment holds the lane (project and environment) for a minute.
    let (status, first) = s.post(ROUTE, body("Long", "1.0.0", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let soon = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2)).to_string();
    let (status, answer) = s.post(ROUTE, body("Long", "1.0.0", json!({"NoRunAfter": soon}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let task = task_ids(&answer).remove(0);
    let done = s.wait_task(&task).await;
    assert_eq!(done["State"], "TimedOut", "{done}");
    assert!(done["ErrorMessage"].as_str().unwrap().contains("NoRunAfter"), "{done}");
    assert!(done["StartTime"].is_null(), "it never started: {done}");
    let first = task_ids(&first).remove(0);
    s.post(&format!("/api/tasks/{first}/cancel"), json!({})).await;
}
