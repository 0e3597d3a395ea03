//! Config-as-code projects (`version_controlled = true`): releases need `GitRef`, a database
//! project refuses one, and the deployment process is served at the ref-scoped routes the
//! project's links name (shapes from OctopusDeploy/cli test/fixtures/projects.go).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestServer, nupkg_bytes};

const CONFIG: &str = r#"
[[environments]]
name = "Development"

[[projects]]
name = "Cac App"
packages = ["Cac.App"]
version_controlled = true

[[projects]]
name = "Db App"
packages = []
"#;

/// A URI template's `{gitRef}` filled with the ref as one path segment, and its query part
/// (`{?channel,releaseId}`) dropped, the way the Go client expands them.
fn expand(link: &str, git_ref: &str) -> String {
    let path = link.split("{?").next().unwrap_or_default();
    path.replace("{gitRef}", &git_ref.replace('/', "%2F"))
}

fn errors_text(answer: &Value) -> String {
    answer["Errors"]
        .as_array()
        .map(|e| e.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[tokio::test]
async fn version_controlled_project_needs_a_git_ref_and_serves_its_process_at_the_ref() {
    let s = TestServer::with(Some(CONFIG), &[]).await;
    let (status, project) = s.get("/api/Spaces-1/projects/cac-app").await;
    assert_eq!(status, StatusCode::OK, "{project}");
    assert_eq!(project["IsVersionControlled"], true);
    assert_eq!(project["PersistenceSettings"]["Type"], "VersionControlled");
    let process_link = project["Links"]["DeploymentProcess"].as_str().unwrap().to_owned();
    assert!(process_link.ends_with("/{gitRef}/deploymentprocesses"), "{process_link}");

    // Every link the project gives answers at a ref.
    let settings_link = project["Links"]["DeploymentSettings"].as_str().unwrap();
    let (status, settings) = s.get(&expand(settings_link, "refs/heads/main")).await;
    assert_eq!(status, StatusCode::OK, "{settings_link} -> {settings}");

    // The process at a ref links its template at the same ref, encoded as one segment.
    let (status, process) = s.get(&expand(&process_link, "refs/heads/main")).await;
    assert_eq!(status, StatusCode::OK, "{process}");
    let template_link = process["Links"]["Template"].as_str().unwrap();
    assert!(
        template_link.contains("/refs%2Fheads%2Fmain/deploymentprocesses/template{?channel,releaseId}"),
        "{template_link}"
    );
    let (status, template) = s.get(&format!("{}?channel=Default", expand(template_link, ""))).await;
    assert_eq!(status, StatusCode::OK, "{template}");
    assert_eq!(template["Packages"][0]["PackageId"], "Cac.App");

    // The unscoped routes are not this project's: 400 pointing at the ref-scoped one.
    let id = project["Id"].as_str().unwrap();
    for path in [
        format!("/api/Spaces-1/projects/{id}/deploymentprocesses"),
        format!("/api/Spaces-1/projects/{id}/deploymentprocesses/template"),
    ] {
        let (status, answer) = s.get(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} -> {answer}");
        assert!(errors_text(&answer).contains("{gitRef}"), "{answer}");
    }

    // A release without GitRef: 400 naming the field; with it, created.
    let (status, pushed) = s.push("Cac.App.1.0.0.nupkg", nupkg_bytes("Cac.App", "1.0.0"), "").await;
    assert!(status.is_success(), "{pushed}");
    let (status, answer) = s.create_release("Cac App", "1.0.0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(errors_text(&answer).contains("GitRef is required"), "{answer}");
    let (status, created) = s
        .post(
            "/api/Spaces-1/releases/create/v1",
            json!({"spaceId":"Spaces-1","projectName":"Cac App","releaseVersion":"1.0.0",
                   "gitRef":"refs/heads/main","gitCommit":"0123456789abcdef0123456789abcdef01234567"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, release) =
        s.get(&format!("/api/Spaces-1/releases/{}", created["ReleaseId"].as_str().unwrap())).await;
    assert_eq!(
        release["VersionControlReference"],
        json!({"GitRef":"refs/heads/main","GitCommit":"0123456789abcdef0123456789abcdef01234567","VariablesGitCommit":null})
    );
}

#[tokio::test]
async fn database_project_refuses_git_references_and_ref_scoped_routes() {
    let s = TestServer::with(Some(CONFIG), &[]).await;
    let (_, project) = s.get("/api/Spaces-1/projects/db-app").await;
    assert_eq!(project["IsVersionControlled"], false);
    assert_eq!(
        project["Links"]["DeploymentProcess"],
        format!("/api/Spaces-1/projects/{}/deploymentprocesses", project["Id"].as_str().unwrap())
    );
    let id = project["Id"].as_str().unwrap();
    let (status, answer) =
        s.get(&format!("/api/Spaces-1/projects/{id}/refs%2Fheads%2Fmain/deploymentprocesses/template")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    for field in ["gitRef", "gitCommit"] {
        let mut body = json!({"spaceId":"Spaces-1","projectName":"Db App","releaseVersion":"1.0.0"});
        body[field] = json!("main");
        let (status, answer) = s.post("/api/Spaces-1/releases/create/v1", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(errors_text(&answer).contains("not version-controlled"), "{answer}");
    }
}
