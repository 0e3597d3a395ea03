//! Deploy commands and server tasks: environment variables, success, failure, timeout, cancel,
//! logs (details and raw), listing, and safe extraction.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestServer, task_ids, zip_bytes};

async fn release_and_deploy(s: &TestServer, project: &str, version: &str) -> String {
    let (status, created) = s.create_release(project, version).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, answer) = s.deploy(project, version, &["Development"]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    task_ids(&answer).remove(0)
}

#[tokio::test]
async fn deploy_command_gets_ferry_variables_and_extracted_packages() {
    let s = TestServer::start().await;
    s.push("Hello.Lib.3.1.0.zip", zip_bytes(&[("lib/a.txt", b"a"), ("top.txt", b"t")]), "").await;
    let task = release_and_deploy(&s, "Env", "3.1.0").await;
    let done = s.wait_task(&task).await;
    assert_eq!(done["State"], "Success", "{done}");
    let (_, raw) = s.get_text(&format!("/api/tasks/{task}/raw")).await;
    for expected in [
        "FERRY_PROJECT=Env",
        "FERRY_RELEASE_VERSION=3.1.0",
        "FERRY_ENVIRONMENT=Development",
        "FERRY_DEPLOYMENT_ID=Deployments-",
        &format!("FERRY_TASK_ID={task}"),
        "FERRY_PACKAGE_HELLO_LIB=",
        "top.txt",
    ] {
        assert!(raw.contains(expected), "{expected} missing from:\n{raw}");
    }
    let (_, details) = s.get(&format!("/api/tasks/{task}/details")).await;
    assert_eq!(details["Task"]["Id"], task.as_str());
    let root = &details["ActivityLogs"][0];
    assert_eq!(root["Status"], "Success");
    // The task's steps: one per package, then the deploy command, whose output is its log.
    let steps = root["Children"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|c| c["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Step 1: Extract Hello.Lib", "Step 2: Run the deploy command"]);
    assert!(
        steps.iter().all(|c| c["Status"] == "Success" && c["Started"].is_string() && c["Ended"].is_string())
    );
    assert!(steps[1]["LogElements"].as_array().unwrap().len() > 5, "{details}");
    let (_, tail) = s.get(&format!("/api/tasks/{task}/details?tail=2")).await;
    assert_eq!(tail["ActivityLogs"][0]["Children"][1]["LogElements"].as_array().unwrap().len(), 2);
    // The working directory is removed afterwards.
    assert_eq!(std::fs::read_dir(s.dir.path().join("data/work")).unwrap().count(), 0);
}

#[tokio::test]
async fn timeout_marks_the_task_timed_out() {
    let s = TestServer::start().await;
    let task = release_and_deploy(&s, "Slow", "1.0.0").await;
    let started = std::time::Instant::now();
    let done = s.wait_task(&task).await;
    assert_eq!(done["State"], "TimedOut", "{done}");
    assert!(started.elapsed() < Duration::from_secs(10), "the sleep was stopped");
    assert!(done["ErrorMessage"].as_str().unwrap().contains("did not finish within 1s"));
    assert_eq!(done["IsCompleted"], true);
    assert_eq!(done["FinishedSuccessfully"], false);
}

#[tokio::test]
async fn cancel_stops_a_running_command() {
    let s = TestServer::start().await;
    let task = release_and_deploy(&s, "Long", "1.0.0").await;
    // Wait until it runs.
    for _ in 0..200 {
        let (_, t) = s.get(&format!("/api/tasks/{task}")).await;
        if t["State"] == "Executing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let started = std::time::Instant::now();
    let (status, canceled) = s.post(&format!("/api/spaces/Spaces-1/tasks/{task}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let done = if canceled["IsCompleted"] == true { canceled } else { s.wait_task(&task).await };
    assert_eq!(done["State"], "Canceled", "{done}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Cancelling a finished task returns it unchanged.
    let (_, again) = s.post(&format!("/api/tasks/{task}/cancel"), json!({})).await;
    assert_eq!(again["State"], "Canceled");
    assert_eq!(s.post("/api/tasks/ServerTasks-999/cancel", json!({})).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn task_listing_by_ids_and_states() {
    let s = TestServer::start().await;
    let slow = release_and_deploy(&s, "Slow", "1.0.0").await;
    let (_, created) = s.create_release("Manual App", "1.0.0").await;
    assert!(created["ErrorMessage"].is_string(), "no Manual.App package: {created}");
    let (_, long) = s.create_release("Long", "1.0.0").await;
    assert_eq!(long["ReleaseVersion"], "1.0.0");
    let (_, answer) = s.deploy("Long", "1.0.0", &["Development"]).await;
    let long_task = task_ids(&answer).remove(0);
    s.wait_task(&slow).await;
    // As TS polls: ids list with skip/take.
    let (_, both) = s.get(&format!("/api/Spaces-1/tasks?skip=0&take=300&ids={slow},{long_task}")).await;
    assert_eq!(both["TotalResults"], 2);
    let (_, timed_out) = s.get("/api/tasks?states=TimedOut").await;
    assert_eq!(timed_out["TotalResults"], 1);
    let (_, active) = s.get("/api/tasks?active=true").await;
    assert_eq!(active["TotalResults"], 1);
    let (_, task) = s.get(&format!("/api/tasks/{slow}")).await;
    for link in ["Self", "Raw", "Cancel", "Details", "Web"] {
        assert!(task["Links"][link].is_string(), "{link}");
    }
    assert_eq!(s.get("/api/tasks/ServerTasks-404").await.0, StatusCode::NOT_FOUND);
    s.post(&format!("/api/tasks/{long_task}/cancel"), json!({})).await;
}

#[tokio::test]
async fn relative_deploy_scripts_resolve_next_to_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("deploy.sh");
    std::fs::write(&script, "#!/bin/sh\necho \"script ran with $1 for $FERRY_ENVIRONMENT in $(pwd)\"\necho \"config dir $FERRY_CONFIG_DIR\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let config = "[[projects]]\nname = \"Scripted\"\ndeploy = \"./deploy.sh first-arg\"\n";
    std::fs::write(dir.path().join("ferry.toml"), config).unwrap();
    let options =
        ferry_server::ServerOptions::embedded(dir.path().join("data"), Some(dir.path().join("ferry.toml")));
    let server = ferry_server::start(options).await.unwrap();
    let s = TestServer {
        url: server.url(),
        server: Some(server),
        dir,
        client: crate::common::http_client(),
        key: None,
        ..TestServer::empty()
    };
    // Default lifecycle without configuration: Development is automatic.
    let (status, created) = s.create_release("Scripted", "1.0.0").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let task = s.automatic_task(created["ReleaseId"].as_str().unwrap()).await;
    let done = s.wait_task(&task).await;
    assert_eq!(done["State"], "Success", "{done}");
    let (_, raw) = s.get_text(&format!("/api/tasks/{task}/raw")).await;
    assert!(raw.contains("script ran with first-arg for Development in"), "{raw}");
    assert!(raw.contains(&format!("/data/work/{task}")), "runs in its working directory: {raw}");
}

#[tokio::test]
async fn deployments_to_one_environment_run_one_at_a_time_in_order() {
    let s = TestServer::start().await;
    for v in ["1.0.0", "1.0.1", "1.0.2"] {
        assert_eq!(s.create_release("Serial", v).await.0, StatusCode::CREATED);
    }
    let mut tasks = Vec::new();
    for v in ["1.0.0", "1.0.1", "1.0.2"] {
        let (status, answer) = s.deploy("Serial", v, &["Development"]).await;
        assert_eq!(status, StatusCode::OK);
        tasks.push(task_ids(&answer).remove(0));
    }
    // A redeployment of 1.0.0 queues behind them.
    let (_, other) = s.deploy("Serial", "1.0.0", &["Development"]).await;
    tasks.push(task_ids(&other).remove(0));
    for task in &tasks {
        assert_eq!(s.wait_task(task).await["State"], "Success");
    }
    let log = std::fs::read_to_string(s.dir.path().join("serial.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines,
        [
            "start 1.0.0",
            "end 1.0.0",
            "start 1.0.1",
            "end 1.0.1",
            "start 1.0.2",
            "end 1.0.2",
            "start 1.0.0",
            "end 1.0.0"
        ],
        "never overlapping, in queue order"
    );
}

/// The activity tree in Octopus's shape, and the raw log rendered from it as Octopus renders
/// one: a header, then a block per activity headed `== Status: Name ==`, indented by depth.
#[tokio::test]
async fn details_serve_the_activity_tree_and_raw_renders_it_in_blocks() {
    let s = TestServer::start().await;
    s.push("Hello.Lib.3.1.0.zip", zip_bytes(&[("top.txt", b"t")]), "").await;
    let task = release_and_deploy(&s, "Env", "3.1.0").await;
    assert_eq!(s.wait_task(&task).await["State"], "Success");
    let (_, details) = s.get(&format!("/api/tasks/{task}/details?verbose=true")).await;
    let root = &details["ActivityLogs"][0];
    assert_eq!(root["Id"], task.as_str());
    for activity in std::iter::once(root).chain(root["Children"].as_array().unwrap()) {
        for key in
            ["Id", "Name", "Status", "Children", "LogElements", "Started", "Ended", "ProgressPercentage"]
        {
            assert!(activity.get(key).is_some(), "{key} missing from {activity}");
        }
        let numbers: Vec<i64> = activity["LogElements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["Number"].as_i64().unwrap())
            .collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "numbers increase along an activity: {numbers:?}");
        for element in activity["LogElements"].as_array().unwrap() {
            let at = element["OccurredAt"].as_str().unwrap();
            assert!(at.parse::<jiff::Timestamp>().is_ok(), "{at}");
            assert!(["Info", "Warning", "Error", "Verbose"].contains(&element["Category"].as_str().unwrap()));
        }
    }
    let root_lines: Vec<&str> =
        root["LogElements"].as_array().unwrap().iter().map(|e| e["MessageText"].as_str().unwrap()).collect();
    assert!(root_lines[0].starts_with("Queued: Deploy Env release 3.1.0"), "{root_lines:?}");
    assert_eq!(details["Progress"]["ProgressPercentage"], 100);

    let (_, raw) = s.get_text(&format!("/api/tasks/{task}/raw")).await;
    assert!(raw.starts_with(&format!("Task ID:        {task}\n")), "{raw}");
    for header in [
        "Related IDs:",
        "Task status:    Success",
        "Task queued:",
        "Task started:",
        "Task duration:",
        "Server version:",
    ] {
        assert!(raw.contains(header), "{header} missing from:\n{raw}");
    }
    let root_block =
        raw.find("| == Success: Deploy Env release 3.1.0 to Development ==").expect("root block");
    let extract = raw.find("|   == Success: Step 1: Extract Hello.Lib ==").expect("step 1, indented");
    let command = raw.find("|   == Success: Step 2: Run the deploy command ==").expect("step 2, indented");
    let output = raw.find("FERRY_PROJECT=Env").unwrap();
    assert!(root_block < extract && extract < command && command < output, "{raw}");
    assert!(
        raw.lines().any(|l| l.ends_with("|     FERRY_PROJECT=Env")),
        "a step's lines are indented under it:\n{raw}"
    );
}

#[tokio::test]
async fn a_step_named_in_skip_step_names_is_marked_skipped() {
    let s = TestServer::start().await;
    s.push("Hello.Lib.3.1.0.zip", zip_bytes(&[("top.txt", b"t")]), "").await;
    let (status, _) = s.create_release("Env", "3.1.0").await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, answer) = s
        .post(
            "/api/Spaces-1/deployments/create/untenanted/v1",
            json!({"ProjectName": "Env", "ReleaseVersion": "3.1.0", "EnvironmentNames": ["Development"],
                   "SkipStepNames": ["Hello.Lib"]}),
        )
        .await;
    let task = task_ids(&answer).remove(0);
    s.wait_task(&task).await;
    let (_, details) = s.get(&format!("/api/tasks/{task}/details")).await;
    let steps = details["ActivityLogs"][0]["Children"].as_array().unwrap().clone();
    assert_eq!(steps[0]["Status"], "Skipped", "{details}");
    assert!(steps[0]["Started"].is_null());
}
