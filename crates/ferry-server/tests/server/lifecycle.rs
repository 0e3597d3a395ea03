//! Lifecycle enforcement: phases in order, refusals naming what must succeed first, optional
//! phases, minimum environments, environments outside the lifecycle, automatic deployment,
//! progression, deployment listing filters and the dashboard.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestServer, hello_zip, task_ids};

const MINIMUM: &str = r#"
[[environments]]
name = "Dev A"
[[environments]]
name = "Dev B"
[[environments]]
name = "Dev C"
[[environments]]
name = "Prod"
[[environments]]
name = "Elsewhere"

[[lifecycles]]
name = "Two of three"
phases = [
  { name = "Dev", environments = ["Dev A", "Dev B", "Dev C"], minimum_environments = 2 },
  { name = "Prod", environments = ["Prod"], automatic = true },
]

[[projects]]
name = "Min"
lifecycle = "Two of three"
"#;

#[tokio::test]
async fn phases_in_order_with_refusals_and_auto_deploy() {
    let s = TestServer::start().await;
    s.push("Hello.1.0.0.zip", hello_zip("1.0.0"), "").await;
    let (status, created) = s.create_release("Hello", "1.0.0").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // Development is automatic: the server queues its deployment after answering, as Octopus
    // does, and the answer does not mention it.
    assert_eq!(
        created.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["ReleaseId", "ReleaseVersion"],
        "{created}"
    );
    let release_id = created["ReleaseId"].as_str().unwrap();
    let dev_task = s.automatic_task(release_id).await;
    let (_, deployments) = s.get(&format!("/api/releases/{release_id}/deployments")).await;
    assert_eq!(deployments["TotalResults"], 1, "auto-deployed to Development");

    // Production before Test: refused, naming the environments that must succeed first.
    let (status, refused) = s.deploy("Hello", "1.0.0", &["Production"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = refused["Errors"][0].as_str().unwrap();
    assert!(
        message.contains("required environments")
            && message.contains("Test")
            && message.contains("Production"),
        "{message}"
    );
    assert_eq!(refused["ErrorMessage"], "There was a problem with your request.");

    let task = s.wait_task(&dev_task).await;
    assert_eq!(task["State"], "Success", "{task}");
    let (_, raw) = s.get_text(&format!("/api/tasks/{dev_task}/raw")).await;
    assert!(raw.contains("deploying Hello 1.0.0 to Development"), "{raw}");
    assert!(raw.contains("hello 1.0.0"), "the package was extracted: {raw}");

    let (_, progression) = s.get(&format!("/api/releases/{release_id}/progression")).await;
    let progress: Vec<&str> =
        progression["Phases"].as_array().unwrap().iter().map(|p| p["Progress"].as_str().unwrap()).collect();
    assert_eq!(progress, ["Complete", "Current", "Pending"]);
    assert_eq!(progression["NextDeployments"], json!([s.env_id("Test").await]));

    // Test fails (its command exits 3): Production stays refused.
    let (status, answer) = s.deploy("Hello", "1.0.0", &["Test"]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let test_task = &task_ids(&answer)[0];
    let task = s.wait_task(test_task).await;
    assert_eq!(task["State"], "Failed");
    assert!(task["ErrorMessage"].as_str().unwrap().contains("exit code 3"), "{task}");
    assert_eq!(task["FinishedSuccessfully"], false);
    assert_eq!(s.deploy("Hello", "1.0.0", &["Production"]).await.0, StatusCode::BAD_REQUEST);
    // An unknown environment and a mixed request are refused as a whole.
    let (status, unknown) = s.deploy("Hello", "1.0.0", &["Staging"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(unknown.to_string().contains("Staging"));
    // Redeploying an earlier phase is always allowed.
    let (status, again) = s.deploy("Hello", "1.0.0", &["development"]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s.wait_task(&task_ids(&again)[0]).await["State"], "Success");

    // Filters: by project, environment and task state.
    let (_, project) = s.get("/api/projects/Hello").await;
    let pid = project["Id"].as_str().unwrap();
    let dev = s.env_id("Development").await;
    let (_, failed) = s.get(&format!("/api/deployments?projects={pid}&taskState=Failed")).await;
    assert_eq!(failed["TotalResults"], 1);
    let (_, at_dev) =
        s.get(&format!("/api/deployments?projects={pid}&environments={dev}&taskState=Success")).await;
    assert_eq!(at_dev["TotalResults"], 2);
    let (_, dashboard) = s
        .get(&format!("/api/dashboard/dynamic?projects={pid}&environments={dev}&includePrevious=true"))
        .await;
    assert_eq!(dashboard["Items"].as_array().unwrap().len(), 1);
    assert_eq!(dashboard["Items"][0]["ReleaseVersion"], "1.0.0");
    assert_eq!(dashboard["PreviousItems"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn optional_phase_can_be_skipped() {
    let s = TestServer::start().await;
    s.push("Manual.App.1.0.0.zip", hello_zip("1"), "").await;
    s.create_release("Manual App", "1.0.0").await;
    let (_, deployments) = s.get("/api/deployments").await;
    assert_eq!(deployments["TotalResults"], 0, "no automatic phase in Manual");
    assert_eq!(s.deploy("Manual App", "1.0.0", &["Production"]).await.0, StatusCode::BAD_REQUEST);
    let (_, dev) = s.deploy("Manual App", "1.0.0", &["Development"]).await;
    s.wait_task(&task_ids(&dev)[0]).await;
    let (status, prod) = s.deploy("Manual App", "1.0.0", &["Production"]).await;
    assert_eq!(status, StatusCode::OK, "Test is optional: {prod}");
    assert_eq!(s.wait_task(&task_ids(&prod)[0]).await["State"], "Success");
}

#[tokio::test]
async fn minimum_environments_then_automatic_next_phase() {
    let s = TestServer::with(Some(MINIMUM), &[]).await;
    let (status, created) = s.create_release("Min", "1.0.0").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let release_id = created["ReleaseId"].as_str().unwrap().to_owned();
    let (status, refused) = s.deploy("Min", "1.0.0", &["Elsewhere"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["Errors"][0].as_str().unwrap().contains("not part of the lifecycle"), "{refused}");
    let (_, a) = s.deploy("Min", "1.0.0", &["Dev A"]).await;
    s.wait_task(&task_ids(&a)[0]).await;
    let (status, refused) = s.deploy("Min", "1.0.0", &["Prod"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "one of two required: {refused}");
    // Two at once in one request; when the second succeeds, Prod (automatic) follows by itself.
    let (status, both) = s.deploy("Min", "1.0.0", &["Dev B", "Dev C"]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(task_ids(&both).len(), 2);
    for id in task_ids(&both) {
        s.wait_task(&id).await;
    }
    let prod = s.env_id("Prod").await;
    let mut prod_task = None;
    for _ in 0..100 {
        let (_, list) = s.get(&format!("/api/releases/{release_id}/deployments")).await;
        prod_task = list["Items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["EnvironmentId"] == prod.as_str())
            .map(|d| d["TaskId"].clone());
        if prod_task.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let prod_task = prod_task.expect("Prod was deployed automatically");
    assert_eq!(s.wait_task(prod_task.as_str().unwrap()).await["State"], "Success");
    let (_, deployments) = s.get(&format!("/api/releases/{release_id}/deployments")).await;
    assert_eq!(deployments["TotalResults"], 4, "exactly one automatic deployment");
}

#[tokio::test]
async fn tenanted_is_refused_and_bodies_are_validated() {
    let s = TestServer::start().await;
    s.push("Manual.App.1.0.0.zip", hello_zip("1"), "").await;
    s.create_release("Manual App", "1.0.0").await;
    let (status, answer) = s
        .post(
            "/api/Spaces-1/deployments/create/tenanted/v1",
            json!({"ProjectName":"Manual App","ReleaseVersion":"1.0.0","EnvironmentName":"Development","Tenants":["Coke"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.to_string().contains("Coke"));
    assert_eq!(s.deploy("Manual App", "9.9.9", &["Development"]).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(s.deploy("Nope", "1.0.0", &["Development"]).await.0, StatusCode::BAD_REQUEST);
    // An empty environment list deploys nothing (as the API reference says).
    let (status, empty) = s.deploy("Manual App", "1.0.0", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["DeploymentServerTasks"], json!([]));
}

#[tokio::test]
async fn concurrent_deployments_respect_the_lifecycle() {
    let s = TestServer::start().await;
    let mut creates = Vec::new();
    for i in 0..20 {
        let s = &s;
        creates.push(async move { s.create_release("Long", &format!("2.0.{i}")).await.0 });
    }
    let statuses = futures_util::future::join_all(creates).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    // Race Development and Production deployments of each release. Development's command runs
    // for a minute, so Production must be refused every time.
    let mut work = Vec::new();
    for i in 0..20 {
        let s = &s;
        work.push(async move {
            let version = format!("2.0.{i}");
            let (dev, prod) = tokio::join!(
                s.deploy("Long", &version, &["Development"]),
                s.deploy("Long", &version, &["Production"])
            );
            assert_eq!(dev.0, StatusCode::OK);
            assert_eq!(prod.0, StatusCode::BAD_REQUEST, "{}", prod.1);
            task_ids(&dev.1).remove(0)
        });
    }
    let tasks = futures_util::future::join_all(work).await;
    for task in tasks {
        s.post(&format!("/api/tasks/{task}/cancel"), json!({})).await;
        assert_eq!(s.wait_task(&task).await["State"], "Canceled");
    }
}
