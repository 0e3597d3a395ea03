//! The Go `octopus` CLI's exact requests, in order: bootstrap and space resolution, the project
//! lookup with its 404 fallback, the streamed multipart upload, build information with
//! `Commits: null` and `OverwriteMode` in the body, release creation and deployment with
//! camelCase bodies, and task polling. Bodies are fixtures under `tests/fixtures/go-cli/`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{TestServer, hello_zip, task_ids};

const CONFIG: &str = r#"
[[environments]]
name = "dev"
[[environments]]
name = "prod"

[[lifecycles]]
name = "Default"
phases = [
  { name = "dev", environments = ["dev"] },
  { name = "prod", environments = ["prod"] },
]

[[projects]]
name = "Fire Project"
packages = ["GoPkg"]
deploy = "echo fire"
"#;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/go-cli/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn go_cli_request_sequence() {
    let s = TestServer::with(Some(CONFIG), &["API-GOCLI123"]).await;
    // Bootstrap as pkg/apiclient does: root (trailing slash), spaces (paged, IsDefault), spaces/all.
    assert_eq!(s.get("/api/").await.0, StatusCode::OK);
    let (_, spaces) = s.get("/api/spaces").await;
    assert_eq!(spaces["Items"][0]["IsDefault"], true);
    let (_, all) = s.get("/api/spaces/all").await;
    assert_eq!(all[0]["Id"], "Spaces-1");
    assert_eq!(s.get("/api/Spaces-1").await.0, StatusCode::OK);
    // Project by identifier, as OctopusDeploy/cli pkg/cmd/release/deploy/deploy_test.go records
    // it: `projects/Fire%20Project` answers 404 (a name is not an id or slug), and the CLI falls
    // back to partialName. The id and the slug answer directly.
    assert_eq!(s.get("/api/Spaces-1/projects/Fire%20Project").await.0, StatusCode::NOT_FOUND);
    assert_eq!(s.get("/api/Spaces-1/projects/fire-project").await.0, StatusCode::OK);
    assert_eq!(s.get("/api/Spaces-1/projects/Projects-1").await.0, StatusCode::OK);
    let (_, search) = s.get("/api/Spaces-1/projects?partialName=Fire+Project").await;
    assert_eq!(search["Items"][0]["Name"], "Fire Project");

    // Delta signature first (404 -> full upload), then the exact multipart body, streamed.
    assert_eq!(s.get("/api/Spaces-1/packages/GoPkg/1.0.0/delta-signature").await.0, StatusCode::NOT_FOUND);
    let boundary = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
    assert_eq!(boundary.len(), 60);
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        b"Content-Disposition: form-data; name=\"file\"; filename=\"GoPkg.1.0.0.zip\"\r\n",
    );
    body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(&hello_zip("go"));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(1000).map(|c| Ok(c.to_vec())).collect();
    let response = s
        .client
        .post(format!("{}/api/Spaces-1/packages/raw?overwriteMode=FailIfExists", s.url))
        .header("X-Octopus-ApiKey", "API-GOCLI123")
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "the CLI prints 'Uploaded package' on 201");
    let response = s
        .client
        .post(format!("{}/api/Spaces-1/packages/raw?overwriteMode=IgnoreIfExists", s.url))
        .header("X-Octopus-ApiKey", "API-GOCLI123")
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "'Ignored existing package' on 200");

    // Build information: POST with no query string, OverwriteMode in the body, Commits null.
    let (status, info) = s.post("/api/Spaces-1/build-information", fixture("build-information.json")).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert!(info["Id"].as_str().unwrap().starts_with("BuildInformation-"));
    assert_eq!(
        s.post("/api/Spaces-1/build-information", fixture("build-information.json")).await.0,
        StatusCode::CONFLICT
    );

    // Release creation, minimal then full (the full one repeats 1.0 = 1.0.0 with ignoreIfAlreadyExists).
    let (status, created) =
        s.post("/api/Spaces-1/releases/create/v1", fixture("release-create-minimal.json")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["ReleaseVersion"], "0.0.1");
    let (status, full) =
        s.post("/api/Spaces-1/releases/create/v1", fixture("release-create-full.json")).await;
    assert_eq!(status, StatusCode::CREATED, "{full}");
    assert_eq!(full["ReleaseVersion"], "1.0");
    let (status, again) =
        s.post("/api/Spaces-1/releases/create/v1", fixture("release-create-full.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["ReleaseId"], full["ReleaseId"]);
    // After creating, the CLI reads the release and its channel.
    let (_, release) =
        s.get(&format!("/api/Spaces-1/releases/{}", full["ReleaseId"].as_str().unwrap())).await;
    assert_eq!(release["ReleaseNotes"], "from the Go CLI");
    assert_eq!(
        s.get(&format!("/api/Spaces-1/channels/{}", release["ChannelId"].as_str().unwrap())).await.0,
        StatusCode::OK
    );

    // Deploy (useGuidedFailure null), then the CLI's release lookup by project and version.
    let (status, deployed) =
        s.post("/api/Spaces-1/deployments/create/untenanted/v1", fixture("deploy-untenanted.json")).await;
    assert_eq!(status, StatusCode::OK, "{deployed}");
    let task = task_ids(&deployed).remove(0);
    let project = release["ProjectId"].as_str().unwrap();
    assert_eq!(s.get(&format!("/api/Spaces-1/projects/{project}/releases/1.0")).await.0, StatusCode::OK);
    // `octopus task wait`: GET {Tasks}?ids=..., then cancel through /api/spaces/{id}/tasks/{id}/cancel.
    let done = s.wait_task(&task).await;
    assert_eq!(done["State"], "Success");
    let (_, polled) = s.get(&format!("/api/tasks?ids={task}")).await;
    assert_eq!(polled["Items"][0]["FinishedSuccessfully"], true);
    assert_eq!(
        s.post(&format!("/api/spaces/Spaces-1/tasks/{task}/cancel"), serde_json::json!({})).await.0,
        StatusCode::OK
    );
}
