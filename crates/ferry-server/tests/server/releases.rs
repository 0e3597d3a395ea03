//! Release creation: explicit and latest package versions, channels (ranges, tags, selection),
//! the channel's next version, IgnoreIfAlreadyExists, the legacy endpoint and lookups.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestServer, hello_zip};

async fn push_chan(s: &TestServer, versions: &[&str]) {
    for v in versions {
        assert_eq!(s.push(&format!("Chan.{v}.zip"), hello_zip(v), "").await.0, StatusCode::CREATED);
    }
}

#[tokio::test]
async fn go_cli_minimal_body_and_latest_package() {
    let s = TestServer::start().await;
    for v in ["1.0.0", "1.1.0", "1.2.0-beta.1"] {
        s.push(&format!("Manual.App.{v}.zip"), hello_zip(v), "").await;
    }
    // The exact minimal body the Go CLI sends (camelCase, zero bools), plus a version.
    let (status, created) = s
        .post(
            "/api/Spaces-1/releases/create/v1",
            json!({"spaceIdOrName":"Spaces-1","spaceId":"Spaces-1","projectName":"Manual App","releaseVersion":"5.0.0","ignoreIfAlreadyExists":false,"ignoreChannelRules":false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["ReleaseVersion"], "5.0.0");
    let id = created["ReleaseId"].as_str().unwrap();
    let (_, release) = s.get(&format!("/api/Spaces-1/releases/{id}")).await;
    assert_eq!(release["SelectedPackages"][0]["Version"], "1.1.0", "latest stable by default");
    assert!(
        release["Links"]["Progression"].is_string() && release["Links"]["DeploymentTemplate"].is_string()
    );
    let channel = release["ChannelId"].as_str().unwrap();
    let (_, channel) = s.get(&format!("/api/Spaces-1/channels/{channel}")).await;
    assert_eq!(channel["Name"], "Default");
    // By project and version; 1.0 style versions normalise.
    let project = release["ProjectId"].as_str().unwrap();
    assert_eq!(s.get(&format!("/api/Spaces-1/projects/{project}/releases/5.0.0")).await.0, StatusCode::OK);
    assert_eq!(s.get(&format!("/api/Spaces-1/projects/{project}/releases/5.0")).await.0, StatusCode::OK);
    assert_eq!(
        s.get(&format!("/api/Spaces-1/projects/{project}/releases/9.9.9")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = s.get(&format!("/api/Spaces-1/projects/{project}/releases?searchByVersion=5.0")).await;
    assert_eq!(list["TotalResults"], 1);
}

#[tokio::test]
async fn explicit_versions_next_version_and_duplicates() {
    let s = TestServer::start().await;
    for v in ["1.0.0", "1.1.0"] {
        s.push(&format!("Manual.App.{v}.zip"), hello_zip(v), "").await;
    }
    // TS shape: PascalCase with spaceName, Packages override.
    let (status, created) = s
        .post(
            "/api/Spaces-1/releases/create/v1",
            json!({"spaceId":"Spaces-1","spaceIdOrName":"Default","spaceName":"Default","ProjectName":"Manual App","ReleaseVersion":"1.0.0","Packages":["Manual.App:1.0.0"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, release) = s.get(&format!("/api/releases/{}", created["ReleaseId"].as_str().unwrap())).await;
    assert_eq!(release["SelectedPackages"][0]["Version"], "1.0.0");
    // PackageVersion for all steps.
    let (_, r2) = s
        .post(
            "/api/releases/create/v1",
            json!({"ProjectName":"Manual App","ReleaseVersion":"1.0.1","PackageVersion":"1.1.0"}),
        )
        .await;
    let (_, release) = s.get(&format!("/api/releases/{}", r2["ReleaseId"].as_str().unwrap())).await;
    assert_eq!(release["SelectedPackages"][0]["Version"], "1.1.0");
    // No version: the channel's next version.
    let (status, next) = s.post("/api/releases/create/v1", json!({"ProjectName":"Manual App"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(next["ReleaseVersion"], "1.0.2");
    // Duplicate: 400, or the existing one with IgnoreIfAlreadyExists.
    let (status, dup) = s.create_release("Manual App", "1.0.0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(dup["ErrorMessage"].as_str().unwrap().contains("already exists"), "{dup}");
    let (status, same) = s
        .post(
            "/api/releases/create/v1",
            json!({"projectName":"Manual App","releaseVersion":"1.0.0","ignoreIfAlreadyExists":true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same["ReleaseId"], created["ReleaseId"]);
    // Missing package version, unknown project, unknown channel, bad version, git ref.
    let cases = [
        json!({"ProjectName":"Manual App","ReleaseVersion":"3.0.0","Packages":["Manual.App:9.9.9"]}),
        json!({"ProjectName":"Nope","ReleaseVersion":"3.0.0"}),
        json!({"ProjectName":"Manual App","ReleaseVersion":"3.0.0","ChannelName":"Nope"}),
        json!({"ProjectName":"Manual App","ReleaseVersion":"three"}),
        json!({"ProjectName":"Manual App","ReleaseVersion":"3.0.0","GitRef":"refs/heads/main"}),
        json!({"ReleaseVersion":"3.0.0"}),
        json!({"ProjectName":"Manual App","ReleaseVersion":"3.0.0","Packages":["::"]}),
    ];
    for body in cases {
        let (status, answer) = s.post("/api/releases/create/v1", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {answer}");
        assert!(answer["ErrorMessage"].is_string());
    }
    // A project with a step but no package pushed at all.
    let (status, answer) = s.create_release("Hello", "1.0.0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["ErrorMessage"].as_str().unwrap().contains("Hello"), "{answer}");
}

#[tokio::test]
async fn channel_rules_select_versions_and_channels() {
    let s = TestServer::start().await;
    push_chan(&s, &["1.0.0", "1.5.0", "2.0.0", "1.6.0-beta.1", "1.7.0-alpha.1"]).await;
    // Default channel Stable: range [1.0,2.0), no pre-releases.
    let (status, stable) =
        s.post("/api/releases/create/v1", json!({"ProjectName":"Channels","ReleaseVersion":"10.0.0"})).await;
    assert_eq!(status, StatusCode::CREATED, "{stable}");
    let (_, release) = s.get(&format!("/api/releases/{}", stable["ReleaseId"].as_str().unwrap())).await;
    assert_eq!(release["SelectedPackages"][0]["Version"], "1.5.0");
    // Beta channel: tag ^beta.
    let (status, beta) = s
        .post(
            "/api/releases/create/v1",
            json!({"ProjectName":"Channels","ReleaseVersion":"10.0.1-beta","ChannelName":"Beta"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{beta}");
    let (_, release) = s.get(&format!("/api/releases/{}", beta["ReleaseId"].as_str().unwrap())).await;
    assert_eq!(release["SelectedPackages"][0]["Version"], "1.6.0-beta.1");
    // An explicit version breaking the channel's rules: 400, unless IgnoreChannelRules.
    let (status, refused) =
        s.post("/api/releases/create/v1", json!({"ProjectName":"Channels","ReleaseVersion":"10.0.2","ChannelName":"Stable","PackageVersion":"2.0.0"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["ErrorMessage"].as_str().unwrap().contains("Stable"), "{refused}");
    let (status, _) = s
        .post("/api/releases/create/v1", json!({"ProjectName":"Channels","ReleaseVersion":"10.0.2","ChannelName":"Stable","PackageVersion":"2.0.0","IgnoreChannelRules":true}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // No channel named, a beta package given: the default channel refuses it, Beta fits.
    let (status, auto) = s
        .post(
            "/api/releases/create/v1",
            json!({"ProjectName":"Channels","ReleaseVersion":"10.0.3","Packages":["Chan:1.6.0-beta.1"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{auto}");
    let (_, release) = s.get(&format!("/api/releases/{}", auto["ReleaseId"].as_str().unwrap())).await;
    let (_, channel) = s.get(&format!("/api/channels/{}", release["ChannelId"].as_str().unwrap())).await;
    assert_eq!(channel["Name"], "Beta");
    // Channel releases list and next version per channel.
    let (_, list) = s.get(&format!("/api/channels/{}/releases", channel["Id"].as_str().unwrap())).await;
    assert_eq!(list["TotalResults"], 2);
    let (_, template) = s
        .get(&format!(
            "/api/projects/Channels/deploymentprocesses/template?channel={}",
            channel["Id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(template["NextVersionIncrement"], "10.0.4");
}

#[tokio::test]
async fn legacy_release_and_deployment_endpoints() {
    let s = TestServer::start().await;
    s.push("Manual.App.1.0.0.zip", hello_zip("1"), "").await;
    let (_, project) = s.get("/api/projects/manual-app").await;
    let (_, channels) = s.get(&format!("/api/projects/{}/channels", project["Id"].as_str().unwrap())).await;
    let (status, release) = s
        .post(
            "/api/Spaces-1/releases?ignoreChannelRules=false",
            json!({"Version":"1.2.3","ProjectId":project["Id"],"ChannelId":channels["Items"][0]["Id"],"ReleaseNotes":"notes",
                   "SelectedPackages":[{"ActionName":"Manual.App","PackageReferenceName":"","Version":"1.0.0"}],
                   "VersionControlReference":{"GitRef":null,"GitCommit":null}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{release}");
    assert_eq!(release["Version"], "1.2.3");
    assert_eq!(release["ReleaseNotes"], "notes");
    let release_id = release["Id"].as_str().unwrap();
    let (_, template) = s.get(&format!("/api/Spaces-1/releases/{release_id}/deployments/template")).await;
    let promote: Vec<&str> =
        template["PromoteTo"].as_array().unwrap().iter().map(|e| e["Name"].as_str().unwrap()).collect();
    assert_eq!(promote, ["Development"]);
    let preview =
        template["PromoteTo"][0]["Links"]["Preview"].as_str().unwrap().split('{').next().unwrap().to_owned();
    let (status, preview) = s.get(&preview).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["StepsToExecute"][0]["ActionName"], "Manual.App");
    let prod = s.env_id("Production").await;
    let (status, refused) =
        s.post("/api/deployments", json!({"ReleaseId": release_id, "EnvironmentId": prod})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["Errors"][0].as_str().unwrap().contains("required environments"), "{refused}");
    let dev = s.env_id("Development").await;
    let (status, deployment) = s
        .post(
            "/api/Spaces-1/deployments",
            json!({"ReleaseId": release_id, "EnvironmentId": dev, "TenantId": null}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deployment}");
    let task = s.wait_task(deployment["TaskId"].as_str().unwrap()).await;
    assert_eq!(task["State"], "Success");
    // Test is optional: Production is allowed once Development succeeded.
    let (status, prod_ok) =
        s.post("/api/deployments", json!({"ReleaseId": release_id, "EnvironmentId": prod})).await;
    assert_eq!(status, StatusCode::CREATED, "{prod_ok}");
    s.wait_task(prod_ok["TaskId"].as_str().unwrap()).await;
    let (_, deployments) = s.get(&format!("/api/releases/{release_id}/deployments")).await;
    assert_eq!(deployments["TotalResults"], 2);
    let deployment_id = deployment["Id"].as_str().unwrap();
    let (_, one) = s.get(&format!("/api/deployments/{deployment_id}")).await;
    assert_eq!(one["State"], "Success");
}
