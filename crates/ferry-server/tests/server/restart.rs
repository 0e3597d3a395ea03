//! Restarting over the same data directory keeps everything; tasks interrupted by a stop are
//! failed with a message at the next start; leftovers are cleaned.

use reqwest::StatusCode;

use crate::common::{TestServer, hello_zip, task_ids};

#[tokio::test]
async fn restart_keeps_data_and_fails_interrupted_tasks() {
    let mut s = TestServer::start().await;
    s.push("Hello.1.0.0.zip", hello_zip("1.0.0"), "").await;
    s.post("/api/build-information", serde_json::json!({"PackageId":"Hello","Version":"1.0.0","OctopusBuildInformation":{"BuildNumber":"7"}})).await;
    let (_, created) = s.create_release("Hello", "1.0.0").await;
    let release_id = created["ReleaseId"].as_str().unwrap().to_owned();
    let dev_task = s.automatic_task(&release_id).await;
    s.wait_task(&dev_task).await;
    s.create_release("Long", "1.0.0").await;
    let (_, long) = s.deploy("Long", "1.0.0", &["Development"]).await;
    let long_task = task_ids(&long).remove(0);
    // Leftovers a crash could leave: a temporary upload and an unrecorded package file.
    s.stop().await;
    let data = s.dir.path().join("data");
    std::fs::write(data.join("tmp/crashed.upload"), b"partial").unwrap();
    std::fs::write(data.join("packages/hello/orphan.zip"), b"orphan").unwrap();
    // Simulate a crash during the long deployment: the stop above canceled it, so put it back
    // in the state a killed process leaves.
    {
        let db = rusqlite::Connection::open(data.join("ferry.db")).unwrap();
        db.execute("UPDATE tasks SET state = 'Executing', completed_time = NULL WHERE id = ?1", [&long_task])
            .unwrap();
    }
    s.restart().await;
    let (_, packages) = s.get("/api/packages").await;
    assert_eq!(packages["TotalResults"], 1);
    assert_eq!(packages["Items"][0]["PackageVersionBuildInformation"]["BuildNumber"], "7");
    let (status, download) = s.get_text("/api/packages/packages-Hello.1.0.0/raw").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!download.is_empty());
    assert_eq!(s.get(&format!("/api/releases/{release_id}")).await.0, StatusCode::OK);
    assert_eq!(s.get(&format!("/api/tasks/{dev_task}")).await.1["State"], "Success");
    let (_, interrupted) = s.get(&format!("/api/tasks/{long_task}")).await;
    assert_eq!(interrupted["State"], "Failed");
    assert!(interrupted["ErrorMessage"].as_str().unwrap().contains("server stopped"), "{interrupted}");
    assert!(!data.join("tmp/crashed.upload").exists());
    assert!(!data.join("packages/hello/orphan.zip").exists());
    // The lifecycle state survived: Test is allowed now, Production is not.
    assert_eq!(s.deploy("Hello", "1.0.0", &["Production"]).await.0, StatusCode::BAD_REQUEST);
    // Ids continue; the configuration applied twice changed nothing.
    let (_, projects) = s.get("/api/projects/all").await;
    let count = projects.as_array().unwrap().len();
    s.restart().await;
    let (_, again) = s.get("/api/projects/all").await;
    assert_eq!(again.as_array().unwrap().len(), count);
    let (_, release) = s.create_release("Hello", "1.0.1").await;
    assert_ne!(release["ReleaseId"], created["ReleaseId"]);
    s.stop().await;
}

/// Push Hello 1.0.0 and create its release (which deploys to Development automatically); its id.
async fn hello_release(s: &TestServer) -> String {
    s.push("Hello.1.0.0.zip", hello_zip("1.0.0"), "").await;
    let (_, created) = s.create_release("Hello", "1.0.0").await;
    created["ReleaseId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn shutdown_lets_a_short_deployment_finish() {
    let mut s = TestServer::start().await;
    let release_id = hello_release(&s).await;
    s.stop().await;
    s.restart().await;
    let (_, deployments) = s.get(&format!("/api/releases/{release_id}/deployments")).await;
    let task = deployments["Items"][0]["TaskId"].as_str().unwrap().to_owned();
    let (_, task) = s.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(task["IsCompleted"], true, "{task}");
}

#[tokio::test]
async fn a_second_server_on_the_same_data_directory_is_refused() {
    let mut s = TestServer::start().await;
    let options = ferry_server::ServerOptions::embedded(s.dir.path().join("data"), None);
    let err = ferry_server::start(options).await.unwrap_err();
    assert!(err.to_string().contains("in use by another ferry server"), "{err}");
    // The first one is unaffected, and after it stops the directory is free again.
    assert_eq!(s.get("/api/projects").await.0, StatusCode::OK);
    s.stop().await;
    let options = ferry_server::ServerOptions::embedded(s.dir.path().join("data"), None);
    ferry_server::start(options).await.unwrap().shutdown().await;
}

/// The transaction that queues a release's automatic deployments clears the mark the release was
/// created with, so a later start does not look at it again.
#[tokio::test]
async fn queueing_automatic_deployments_clears_their_pending_mark() {
    let mut s = TestServer::start().await;
    let release_id = hello_release(&s).await;
    let task = s.automatic_task(&release_id).await;
    s.wait_task(&task).await;
    s.stop().await;
    let db = rusqlite::Connection::open(s.dir.path().join("data").join("ferry.db")).unwrap();
    let pending: i64 = db
        .query_row("SELECT automatic_deployments_pending FROM releases WHERE id = ?1", [&release_id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(pending, 0);
}
