//! The client against small axum fakes of the Octopus API: discovery, spaces, paging, errors
//! and hints, retries, and no duplicates after ambiguous failures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ferry_octopus::{
    Client, ClientOptions, CreateRelease, DeployRequest, ErrorKind, OverwriteMode, ProgressMode, PushStatus,
};
use serde_json::{Value, json};

#[derive(Default)]
struct Fake {
    /// Statuses to answer before really handling a write (popped front first).
    fail_next: Mutex<Vec<u16>>,
    /// Whether a failure is answered after the work was done (a lost response).
    fail_after_commit: Mutex<bool>,
    releases: Mutex<Vec<(String, String)>>,
    deployments: Mutex<Vec<(String, String, String)>>,
    release_posts: AtomicUsize,
    deploy_posts: AtomicUsize,
    uploads: Mutex<Vec<usize>>,
    user_agent: Mutex<String>,
    api_key: Mutex<String>,
    /// `Retry-After` sent with failures; "0" when empty.
    retry_after: Mutex<String>,
    /// When set, the environments collection answers this body instead.
    environments_body: Mutex<Option<String>>,
    /// When set, `spaces/all` answers this list instead.
    spaces_body: Mutex<Option<Value>>,
    /// When set, the root document's `Version`.
    server_version: Mutex<Option<String>>,
}

type S = State<Arc<Fake>>;

fn take_failure(fake: &Fake) -> Option<StatusCode> {
    let mut fails = fake.fail_next.lock().unwrap();
    if fails.is_empty() { None } else { StatusCode::from_u16(fails.remove(0)).ok() }
}

fn busy(fake: &Fake, status: StatusCode) -> Response {
    let after = fake.retry_after.lock().unwrap().clone();
    let after = if after.is_empty() { "0".to_owned() } else { after };
    (status, [("Retry-After", after)], "<html>busy</html>").into_response()
}

async fn root(State(fake): S, headers: HeaderMap) -> Response {
    *fake.user_agent.lock().unwrap() =
        headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let version = fake.server_version.lock().unwrap().clone().unwrap_or_else(|| "2025.2.1000".into());
    axum::Json(json!({"Application":"Octopus Deploy","Version":version,"ApiVersion":"3.0.0","Links":{"Self":"/api"}}))
        .into_response()
}

async fn spaces(State(fake): S, headers: HeaderMap) -> Response {
    let key = headers.get("x-octopus-apikey").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    *fake.api_key.lock().unwrap() = key.clone();
    if key != "API-GOOD" {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"ErrorMessage":"You must be logged in to perform this action."})),
        )
            .into_response();
    }
    if let Some(body) = fake.spaces_body.lock().unwrap().clone() {
        return axum::Json(body).into_response();
    }
    axum::Json(json!([{"Id":"Spaces-1","Name":"Default","IsDefault":true},{"Id":"Spaces-2","Name":"Other","IsDefault":false}]))
        .into_response()
}

async fn project_by_name(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    if name == "Projects-1" {
        return axum::Json(json!({"Id":"Projects-1","Name":"Hello","Slug":"hello"})).into_response();
    }
    (StatusCode::NOT_FOUND, axum::Json(json!({"ErrorMessage":"not found"}))).into_response()
}

/// Two pages: Hello on the first, "Web Shop" on the second.
async fn projects(Query(query): Query<Vec<(String, String)>>) -> Response {
    let skip = query.iter().find(|(k, _)| k == "skip").map(|(_, v)| v.as_str()).unwrap_or("0");
    if skip == "0" {
        axum::Json(json!({"Items":[{"Id":"Projects-1","Name":"Hello","Slug":"hello"}],"TotalResults":2,
            "Links":{"Page.Next":"/api/Spaces-1/projects?skip=1&take=1"}}))
        .into_response()
    } else {
        axum::Json(json!({"Items":[{"Id":"Projects-2","Name":"Web Shop","Slug":"web-shop"}],"TotalResults":2,"Links":{}}))
            .into_response()
    }
}

async fn environments(State(fake): S) -> Response {
    if let Some(status) = take_failure(&fake) {
        return busy(&fake, status);
    }
    if let Some(body) = fake.environments_body.lock().unwrap().clone() {
        return ([("Content-Type", "application/json")], body).into_response();
    }
    axum::Json(
        json!({"Items":[{"Id":"Environments-1","Name":"Development"},{"Id":"Environments-2","Name":"Test"},
        {"Id":"Environments-3","Name":"Production"}],"Links":{}}),
    )
    .into_response()
}

async fn release_by_version(
    State(fake): S,
    axum::extract::Path((_, version)): axum::extract::Path<(String, String)>,
) -> Response {
    let releases = fake.releases.lock().unwrap();
    match releases.iter().find(|(_, v)| *v == version) {
        Some((id, v)) => axum::Json(json!({"Id":id,"Version":v,"ProjectId":"Projects-1"})).into_response(),
        None => (StatusCode::NOT_FOUND, axum::Json(json!({"ErrorMessage":"not found"}))).into_response(),
    }
}

async fn release_by_id(State(fake): S, axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    let releases = fake.releases.lock().unwrap();
    match releases.iter().find(|(i, _)| *i == id) {
        Some((id, v)) => axum::Json(json!({"Id":id,"Version":v,"ProjectId":"Projects-1"})).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn create_release(State(fake): S, body: axum::Json<Value>) -> Response {
    fake.release_posts.fetch_add(1, Ordering::SeqCst);
    let after = *fake.fail_after_commit.lock().unwrap();
    if !after && let Some(status) = take_failure(&fake) {
        return busy(&fake, status);
    }
    let version = body["ReleaseVersion"].as_str().unwrap_or("0.0.1").to_owned();
    let id = {
        let mut releases = fake.releases.lock().unwrap();
        if releases.iter().any(|(_, v)| *v == version) {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"ErrorMessage":"There was a problem with your request.",
                "Errors":["A release with the version 1.0.0 already exists."]})),
            )
                .into_response();
        }
        let id = format!("Releases-{}", releases.len() + 1);
        releases.push((id.clone(), version.clone()));
        id
    };
    if after && let Some(status) = take_failure(&fake) {
        return busy(&fake, status);
    }
    (StatusCode::CREATED, axum::Json(json!({"ReleaseId":id,"ReleaseVersion":version}))).into_response()
}

fn deployment_json(id: &str, release: &str, environment: &str) -> Value {
    json!({"Id":id,"ReleaseId":release,"EnvironmentId":environment,"ProjectId":"Projects-1",
        "TaskId":format!("ServerTasks-{}", &id[12..])})
}

async fn deployments(State(fake): S) -> Response {
    let items: Vec<Value> = fake
        .deployments
        .lock()
        .unwrap()
        .iter()
        .map(|(id, release, env)| deployment_json(id, release, env))
        .collect();
    axum::Json(json!({"Items":items,"Links":{}})).into_response()
}

/// `releases/{id}/deployments`: the release's own deployments, newest first.
async fn release_deployments(
    State(fake): S,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let items: Vec<Value> = fake
        .deployments
        .lock()
        .unwrap()
        .iter()
        .rev()
        .filter(|(_, release, _)| *release == id)
        .map(|(id, release, env)| deployment_json(id, release, env))
        .collect();
    axum::Json(json!({"Items":items,"Links":{}})).into_response()
}

async fn deploy(State(fake): S, body: axum::Json<Value>) -> Response {
    fake.deploy_posts.fetch_add(1, Ordering::SeqCst);
    let version = body["ReleaseVersion"].as_str().unwrap_or_default().to_owned();
    if body["EnvironmentNames"][0] == "Production" {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"ErrorMessage":"There was a problem with your request.",
            "Errors":["The release has not been deployed to the required environments before it can be promoted to this environment."]})))
        .into_response();
    }
    let release = fake.releases.lock().unwrap().iter().find(|(_, v)| *v == version).map(|(id, _)| id.clone());
    let Some(release) = release else { return StatusCode::BAD_REQUEST.into_response() };
    let mut tasks = Vec::new();
    for env in body["EnvironmentNames"].as_array().cloned().unwrap_or_default() {
        let env_id = match env.as_str() {
            Some("Development") => "Environments-1",
            _ => "Environments-2",
        };
        let mut all = fake.deployments.lock().unwrap();
        let id = format!("Deployments-{}", all.len() + 1);
        tasks.push(json!({"DeploymentId":id,"ServerTaskId":format!("ServerTasks-{}", all.len() + 1)}));
        all.push((id, release.clone(), env_id.to_owned()));
    }
    if let Some(status) = take_failure(&fake) {
        return busy(&fake, status);
    }
    axum::Json(json!({"DeploymentServerTasks":tasks})).into_response()
}

async fn progression() -> Response {
    axum::Json(json!({"Phases":[{"Name":"Development","Progress":"Current","AutomaticDeploymentTargets":["Environments-1"]},
        {"Name":"Production","Progress":"Pending","OptionalDeploymentTargets":["Environments-3"]}],"NextDeployments":["Environments-1"]}))
    .into_response()
}

async fn upload(State(fake): S, Query(query): Query<Vec<(String, String)>>, body: Bytes) -> Response {
    if let Some(status) = take_failure(&fake) {
        return busy(&fake, status);
    }
    fake.uploads.lock().unwrap().push(body.len());
    let mode = query.iter().find(|(k, _)| k == "overwriteMode").map(|(_, v)| v.clone()).unwrap_or_default();
    let count = fake.uploads.lock().unwrap().len();
    if count > 1 && mode == "FailIfExists" {
        return (StatusCode::CONFLICT, axum::Json(json!({"ErrorMessage":"A package with the same ID and version already exists. To proceed anyway, specify an overwriteMode of OverwriteExisting or IgnoreIfExists."})))
            .into_response();
    }
    if count > 1 && mode == "IgnoreIfExists" {
        return (StatusCode::OK, axum::Json(json!({"PackageId":"Hello","Version":"1.0.0"}))).into_response();
    }
    (StatusCode::CREATED, axum::Json(json!({"PackageId":"Hello","Version":"1.0.0"}))).into_response()
}

async fn start(fake: Arc<Fake>) -> String {
    start_under("", fake).await
}

/// The fake served under `prefix` (a virtual directory such as `/octopus`, or empty).
async fn start_under(prefix: &str, fake: Arc<Fake>) -> String {
    let app = Router::new()
        .route("/api", get(root))
        .route("/api/spaces/all", get(spaces))
        .route("/api/Spaces-1/projects", get(projects))
        .route("/api/Spaces-1/projects/{name}", get(project_by_name))
        .route("/api/Spaces-1/environments", get(environments))
        .route("/api/Spaces-1/projects/{project}/releases/{version}", get(release_by_version))
        .route("/api/Spaces-1/releases/{id}", get(release_by_id))
        .route("/api/Spaces-1/releases/{id}/progression", get(progression))
        .route("/api/Spaces-1/releases/{id}/deployments", get(release_deployments))
        .route("/api/Spaces-1/releases/create/v1", post(create_release))
        .route("/api/Spaces-1/deployments", get(deployments))
        .route("/api/Spaces-1/deployments/create/untenanted/v1", post(deploy))
        .route("/api/Spaces-1/packages/raw", post(upload))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(fake);
    let app = if prefix.is_empty() { app } else { Router::new().nest(prefix, app) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}{prefix}")
}

fn options(url: &str) -> ClientOptions {
    let mut options = ClientOptions::new(url);
    options.api_key = Some("API-GOOD".into());
    options.api_key_source = "FERRY_API_KEY".into();
    options.retry_base = Duration::from_millis(10);
    options.progress = ProgressMode::Off;
    options.ci_name = "GitHub Actions".into();
    options
}

async fn connect(fake: &Arc<Fake>) -> Client {
    let url = start(fake.clone()).await;
    Client::connect(options(&url)).await.unwrap()
}

#[tokio::test]
async fn discovers_the_default_space_and_sends_identity_headers() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    assert_eq!(client.space_id(), Some("Spaces-1"));
    assert_eq!(*fake.user_agent.lock().unwrap(), "ferry/0.1.0 (GitHub Actions)");
    assert_eq!(*fake.api_key.lock().unwrap(), "API-GOOD");
}

#[tokio::test]
async fn a_space_is_found_by_name_or_id_and_an_unknown_one_lists_the_names() {
    let fake = Arc::new(Fake::default());
    let url = start(fake).await;
    let mut opts = options(&url);
    opts.space = Some("other".into());
    assert_eq!(Client::connect(opts.clone()).await.unwrap().space_id(), Some("Spaces-2"));
    opts.space = Some("Spaces-2".into());
    assert_eq!(Client::connect(opts.clone()).await.unwrap().space_id(), Some("Spaces-2"));
    opts.space = Some("Defalt".into());
    let err = Client::connect(opts).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(err.hints.iter().any(|h| h.contains("did you mean Default")), "{:?}", err.hints);
}

#[tokio::test]
async fn without_a_default_space_several_spaces_are_listed_never_the_first_picked() {
    let fake = Arc::new(Fake::default());
    *fake.spaces_body.lock().unwrap() = Some(json!([{"Id":"Spaces-1","Name":"Alpha","IsDefault":false},
        {"Id":"Spaces-2","Name":"Beta","IsDefault":false}]));
    let url = start(fake.clone()).await;
    let err = Client::connect(options(&url)).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(err.to_string().contains("no default space"), "{err}");
    assert!(err.to_string().contains("Alpha, Beta"), "{err}");
    assert!(err.hints.iter().any(|h| h.contains("--space")), "{:?}", err.hints);
    // The only space the key sees is used, default or not.
    *fake.spaces_body.lock().unwrap() = Some(json!([{"Id":"Spaces-2","Name":"Beta","IsDefault":false}]));
    assert_eq!(Client::connect(options(&url)).await.unwrap().space_id(), Some("Spaces-2"));
}

#[tokio::test]
async fn a_wrong_key_names_the_variable_that_held_it() {
    let fake = Arc::new(Fake::default());
    let url = start(fake).await;
    let mut opts = options(&url);
    opts.api_key = Some("API-WRONG".into());
    let err = Client::connect(opts).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unauthorized);
    assert_eq!(err.status, Some(401));
    assert!(err.hints[0].contains("FERRY_API_KEY"), "{:?}", err.hints);
    assert!(!format!("{err} {:?}", err.hints).contains("API-WRONG"), "the key must not appear in errors");
}

#[tokio::test]
async fn a_url_that_is_not_an_octopus_api_says_so() {
    let app = Router::new().route("/api", get(|| async { "<html>hello</html>" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let err = Client::connect(options(&format!("http://{addr}"))).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotOctopus);
    assert!(err.hints[0].contains("--server"));
    // And a 404 at /api.
    let app = Router::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let err = Client::connect(options(&format!("http://{addr}/api/"))).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotOctopus);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_with_a_hint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut opts = options(&format!("http://{addr}"));
    opts.max_attempts = 2;
    let err = Client::connect(opts).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connection);
    assert!(err.to_string().contains("connecting to"));
}

#[tokio::test]
async fn projects_are_found_across_pages_with_close_names_when_missing() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    assert_eq!(client.find_project("web shop").await.unwrap().id, "Projects-2");
    assert_eq!(client.find_project("Projects-1").await.unwrap().name, "Hello");
    let err = client.find_project("Helo").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(err.hints.iter().any(|h| h.contains("did you mean Hello")), "{:?}", err.hints);
    let err = client.find_environments(&["Prod".into()]).await.unwrap_err();
    assert!(err.hints.iter().any(|h| h.contains("Production")), "{:?}", err.hints);
}

#[tokio::test]
async fn reads_are_retried_after_a_500_and_writes_are_not() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    *fake.fail_next.lock().unwrap() = vec![500, 500];
    let found = client.find_environments(&["Test".into()]).await.unwrap();
    assert_eq!(found[0].id, "Environments-2");
    assert!(fake.fail_next.lock().unwrap().is_empty(), "both 500s were answered to GETs");
    // A 500 after a POST may mean the release was created: no blind second POST.
    *fake.fail_next.lock().unwrap() = vec![500];
    let project = client.find_project("Hello").await.unwrap();
    let request = CreateRelease { project, version: Some("3.0.0".into()), ..CreateRelease::default() };
    let err = client.create_release(&request).await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Server, Some(500)));
    assert_eq!(fake.release_posts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_server_older_than_the_executions_api_is_refused_before_sending() {
    let fake = Arc::new(Fake::default());
    *fake.server_version.lock().unwrap() = Some("2022.2.8000".into());
    let client = connect(&fake).await;
    let project = client.find_project("Hello").await.unwrap();
    let request =
        CreateRelease { project: project.clone(), version: Some("1.0.0".into()), ..Default::default() };
    let err = client.create_release(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert!(err.to_string().contains("2022.2.8000") && err.to_string().contains("2022.3.5512"), "{err}");
    assert!(err.hints.iter().any(|h| h.contains("upgrade") && h.contains("older route")), "{:?}", err.hints);
    assert_eq!(fake.release_posts.load(Ordering::SeqCst), 0, "nothing was sent");
    let release = ferry_octopus::model::Release {
        id: "Releases-1".into(),
        version: "1.0.0".into(),
        ..Default::default()
    };
    let environments = client.find_environments(&["Development".into()]).await.unwrap();
    let err = client
        .deploy(&DeployRequest { project, release, environments, ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert_eq!(fake.deploy_posts.load(Ordering::SeqCst), 0);
    // The first version with the routes, and a local build (0.0.0), are let through.
    for (n, version) in ["2022.3.5512", "0.0.0-local"].into_iter().enumerate() {
        *fake.server_version.lock().unwrap() = Some(version.into());
        let client = connect(&fake).await;
        let project = client.find_project("Hello").await.unwrap();
        let request = CreateRelease { project, version: Some(format!("1.0.{n}")), ..Default::default() };
        client.create_release(&request).await.unwrap_or_else(|err| panic!("{version}: {err}"));
    }
}

#[tokio::test]
async fn release_creation_survives_503s_without_duplicates() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    *fake.fail_next.lock().unwrap() = vec![503, 503];
    let project = client.find_project("Hello").await.unwrap();
    let request = CreateRelease { project, version: Some("1.0.0".into()), ..CreateRelease::default() };
    let created = client.create_release(&request).await.unwrap();
    assert_eq!(created.release.version, "1.0.0");
    assert!(!created.existing);
    assert_eq!(fake.releases.lock().unwrap().len(), 1);
    assert_eq!(fake.release_posts.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_lost_release_response_is_not_followed_by_a_second_release() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    *fake.fail_after_commit.lock().unwrap() = true;
    *fake.fail_next.lock().unwrap() = vec![502];
    let project = client.find_project("Hello").await.unwrap();
    let request = CreateRelease { project, version: Some("2.0.0".into()), ..CreateRelease::default() };
    let created = client.create_release(&request).await.unwrap();
    assert_eq!(created.release.id, "Releases-1");
    assert!(!created.existing);
    assert_eq!(fake.release_posts.load(Ordering::SeqCst), 1, "no second POST after the release was found");
    // Asking again: a conflict, or the existing one with ignore.
    let err = client.create_release(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    let again = client.create_release(&CreateRelease { ignore_existing: true, ..request }).await.unwrap();
    assert!(again.existing);
    assert_eq!(fake.releases.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_lost_deploy_response_is_not_followed_by_a_second_deployment() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    let project = client.find_project("Hello").await.unwrap();
    let release = client
        .create_release(&CreateRelease {
            project: project.clone(),
            version: Some("1.0.0".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .release;
    *fake.fail_next.lock().unwrap() = vec![504];
    let environments = client.find_environments(&["Development".into()]).await.unwrap();
    let request = DeployRequest { project, release, environments, ..Default::default() };
    let created = client.deploy(&request).await.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].environment, "Development");
    assert_eq!(created[0].deployment_id, "Deployments-1");
    assert_eq!(fake.deploy_posts.load(Ordering::SeqCst), 1);
    assert_eq!(fake.deployments.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_lifecycle_refusal_says_what_must_deploy_first() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    let project = client.find_project("Hello").await.unwrap();
    let release = client
        .create_release(&CreateRelease {
            project: project.clone(),
            version: Some("1.0.0".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .release;
    let environments = client.find_environments(&["Production".into()]).await.unwrap();
    let err = client
        .deploy(&DeployRequest { project, release, environments, ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::LifecycleRefused);
    assert!(err.hints.iter().any(|h| h.contains("must first succeed in Development")), "{:?}", err.hints);
}

#[tokio::test]
async fn uploads_stream_the_file_again_after_a_503_and_report_conflicts() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Hello.1.0.0.zip");
    std::fs::write(&path, vec![7u8; 3 * 1024 * 1024 + 17]).unwrap();
    *fake.fail_next.lock().unwrap() = vec![503];
    let outcome = client.push_package(&path, OverwriteMode::FailIfExists).await.unwrap();
    assert_eq!(outcome.status, PushStatus::Created);
    assert_eq!(outcome.package_id, "Hello");
    let uploads = fake.uploads.lock().unwrap().clone();
    assert_eq!(uploads.len(), 1);
    assert!(uploads[0] > 3 * 1024 * 1024 + 17, "the whole multipart body arrived: {}", uploads[0]);
    let err = client.push_package(&path, OverwriteMode::FailIfExists).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.to_string().contains("same ID and version"), "{err}");
    assert!(err.hints.iter().any(|h| h.contains("--if-exists ignore")));
    let ignored = client.push_package(&path, OverwriteMode::IgnoreIfExists).await.unwrap();
    assert_eq!(ignored.status, PushStatus::Ignored);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    *fake.retry_after.lock().unwrap() = "1".into();
    *fake.fail_next.lock().unwrap() = vec![429];
    let project = client.find_project("Hello").await.unwrap();
    let started = std::time::Instant::now();
    client
        .create_release(&CreateRelease { project, version: Some("5.0.0".into()), ..Default::default() })
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "waited {:?}", started.elapsed());
    assert_eq!(fake.releases.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_release_without_links_is_read_under_the_servers_virtual_directory() {
    let url = start_under("/octopus", Arc::new(Fake::default())).await;
    let client = Client::connect(options(&url)).await.unwrap();
    // A release known by id and version only (as the flow hands it back) has no Progression link.
    let release = ferry_octopus::model::Release {
        id: "Releases-1".into(),
        version: "1.0.0".into(),
        ..Default::default()
    };
    let progression = client.progression(&release).await.unwrap();
    assert_eq!(progression.phases.len(), 2);
}

/// Whatever a server sends as `Retry-After`, the client neither panics nor waits past its
/// maximum: `inf`, `1e30` and far-future dates wait the maximum, `-1`, NaN and nonsense fall back
/// to the client's own backoff, a past date retries at once.
#[tokio::test]
async fn a_hostile_retry_after_is_clamped_or_ignored() {
    let fake = Arc::new(Fake::default());
    let url = start(fake.clone()).await;
    let mut options = options(&url);
    options.max_retry_after = Duration::from_millis(300);
    let client = Client::connect(options).await.unwrap();
    let project = client.find_project("Hello").await.unwrap();
    let cases = [
        ("inf", true),
        ("1e30", true),
        ("99999999999999999999999999999", true),
        ("Wed, 01 Jan 9000 00:00:00 GMT", true),
        ("-1", false),
        ("NaN", false),
        ("Thu, 01 Jan 1970 00:00:00 GMT", false),
        ("Fri, 31 Dec 9999 23:59:59 GMT", false),
        ("Mon, 01 Jan 99999999999999 00:00:00 GMT", false),
        ("Mon, 01 Jan 2020 99999999999999999:00:00 GMT", false),
    ];
    for (index, (value, waits_the_maximum)) in cases.into_iter().enumerate() {
        *fake.retry_after.lock().unwrap() = value.into();
        *fake.fail_next.lock().unwrap() = vec![503];
        let started = std::time::Instant::now();
        let version = format!("7.0.{index}");
        client
            .create_release(&CreateRelease {
                project: project.clone(),
                version: Some(version),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|err| panic!("Retry-After: {value}: {err}"));
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(2), "Retry-After: {value}: waited {waited:?}");
        if waits_the_maximum {
            assert!(waited >= Duration::from_millis(290), "Retry-After: {value}: waited only {waited:?}");
        } else {
            assert!(waited < Duration::from_millis(290), "Retry-After: {value}: waited {waited:?}");
        }
    }
}

/// Answers that are valid HTTP but hostile JSON are errors naming what was being done, never a
/// panic or an endless loop, and a link to another host is not followed (it would carry the key).
#[tokio::test]
async fn hostile_json_answers_are_errors() {
    let fake = Arc::new(Fake::default());
    let client = connect(&fake).await;
    let bodies = [
        r#"{"Items":[{"Id":1e999,"Name":"Development"}]}"#.to_owned(),
        r#"{"Items":[{"Id":"Environments-1","Name":"Development","SortOrder":99999999999999999999999999}]}"#.to_owned(),
        r#"{"Items":[{"Id":"Environments-1","Name":"Development"}],"Links":{"Page.Next":"/api/Spaces-1/environments"}}"#
            .to_owned(),
        r#"{"Items":[],"Links":{"Page.Next":"http://198.51.100.1:9/steal"}}"#.to_owned(),
        format!(r#"{{"Items":{}}}"#, "[".repeat(10_000)),
        r#"{"Items":[{"Id":"Environments-1","Name":"\ud800"}]}"#.to_owned(),
        "{\"Items\":[".to_owned(),
        "null".to_owned(),
        "1e999999999".to_owned(),
    ];
    for body in bodies {
        *fake.environments_body.lock().unwrap() = Some(body.clone());
        let shown: String = body.chars().take(120).collect();
        let result =
            tokio::time::timeout(Duration::from_secs(20), client.find_environments(&["Development".into()]))
                .await
                .unwrap_or_else(|_| panic!("{shown}: no answer within 20 s (an endless loop?)"));
        match result {
            Err(err) => assert_eq!(err.kind, ErrorKind::InvalidResponse, "{shown}: {err}"),
            // Tolerated fields may be ignored, but then the answer must be the real one.
            Ok(found) => assert!(found.len() == 1 && found[0].name == "Development", "{shown}: {found:?}"),
        }
    }
}
