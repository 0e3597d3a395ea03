//! Conformance with the official clients, Ferry's client side: each fixture under
//! `tests/conformance/fixtures/` records requests an official client sends and the answers its own
//! tests give (the source is cited in the file). A fake answers those recorded answers and checks
//! that Ferry's client, doing the same operation, sends the recorded requests: same method and
//! path, the recorded query parameters and body fields (field names without case, as Octopus
//! reads JSON). Reads Ferry makes that the recorded test does not contain are answered by the
//! `support` list below and by nothing else. `ferry server`'s side of the same fixtures is
//! crates/ferry-server/tests/server/conformance.rs.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ferry_octopus::model::Release;
use ferry_octopus::{
    Client, ClientOptions, CreateRelease, DeployRequest, ErrorKind, OverwriteMode, ProgressMode, PushStatus,
};
use serde_json::{Value, json};

/// One recorded request and its answer.
#[derive(Debug, Clone)]
struct Exchange {
    name: String,
    method: String,
    path: String,
    query: serde_json::Map<String, Value>,
    body: Option<Value>,
    /// For an upload: the part's field name, file name and content.
    multipart: Option<Value>,
    status: u16,
    answer: Value,
}

impl Exchange {
    fn from_fixture(value: &Value) -> Exchange {
        let request = &value["request"];
        Exchange {
            name: value["name"].as_str().unwrap_or_default().to_owned(),
            method: request["method"].as_str().unwrap().to_owned(),
            path: request["path"].as_str().unwrap().to_owned(),
            query: request["query"].as_object().cloned().unwrap_or_default(),
            body: request.get("body").cloned(),
            multipart: request.get("multipart").cloned(),
            status: value["response"]["status"].as_u64().unwrap() as u16,
            answer: value["response"]["body"].clone(),
        }
    }

    fn support(method: &str, path: &str, answer: Value) -> Exchange {
        Exchange {
            name: format!("support: {method} {path}"),
            method: method.into(),
            path: path.into(),
            query: Default::default(),
            body: None,
            multipart: None,
            status: 200,
            answer,
        }
    }
}

#[derive(Default)]
struct Replay {
    recorded: Vec<Exchange>,
    support: Vec<Exchange>,
    hit: Mutex<Vec<bool>>,
    problems: Mutex<Vec<String>>,
}

fn decoded(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect()
}

/// Every recorded field is in `sent` with an equal value; names compared without case.
fn missing_fields(recorded: &Value, sent: &Value) -> Vec<String> {
    let (Some(recorded), Some(sent)) = (recorded.as_object(), sent.as_object()) else {
        return vec![format!("the body is not a JSON object: {sent}")];
    };
    recorded
        .iter()
        .filter_map(|(name, value)| {
            let found = sent.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v);
            (found != Some(value)).then(|| format!("{name}: recorded {value}, sent {found:?}"))
        })
        .collect()
}

async fn answer(state: axum::extract::State<Arc<Replay>>, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = decoded(uri.path());
    let pairs = query_pairs(&uri);
    let respond = |exchange: &Exchange| {
        let status = StatusCode::from_u16(exchange.status).unwrap();
        if exchange.answer.is_null() {
            status.into_response()
        } else {
            (status, axum::Json(exchange.answer.clone())).into_response()
        }
    };
    let mut hit = state.hit.lock().unwrap();
    let position = state
        .recorded
        .iter()
        .enumerate()
        .position(|(i, e)| !hit[i] && e.method == method.as_str() && e.path == path);
    if let Some(i) = position {
        hit[i] = true;
        let exchange = &state.recorded[i];
        let mut problems = Vec::new();
        for (key, value) in &exchange.query {
            let sent = pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
            if sent != value.as_str() {
                problems.push(format!("query {key}: recorded {value}, sent {sent:?}"));
            }
        }
        if let Some(part) = &exchange.multipart {
            let sent = String::from_utf8_lossy(&body);
            let field = format!("name=\"{}\"", part["field"].as_str().unwrap());
            let file = format!("filename=\"{}\"", part["filename"].as_str().unwrap());
            for expected in [field.as_str(), file.as_str(), part["content"].as_str().unwrap()] {
                if !sent.contains(expected) {
                    problems.push(format!("the multipart body lacks {expected}"));
                }
            }
        }
        if let Some(recorded) = &exchange.body {
            let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            problems.extend(missing_fields(recorded, &sent));
        }
        state
            .problems
            .lock()
            .unwrap()
            .extend(problems.into_iter().map(|p| format!("{}: {p}", exchange.name)));
        return respond(exchange);
    }
    if let Some(exchange) = state.support.iter().find(|e| e.method == method.as_str() && e.path == path) {
        return respond(exchange);
    }
    state.problems.lock().unwrap().push(format!("unexpected request {method} {uri}"));
    StatusCode::NOT_FOUND.into_response()
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/conformance/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let value: Value = serde_json::from_str(&text).unwrap();
    for key in ["repository", "path", "commit"] {
        assert!(value["source"][key].is_string(), "{name} cites its source's {key}");
    }
    value
}

/// Reads Ferry's client makes around the recorded ones: discovery, the environments it
/// resolves names with, what exists before a write (to recognise its own after a lost answer).
fn support() -> Vec<Exchange> {
    vec![
        Exchange::support(
            "GET",
            "/api",
            json!({"Application":"Octopus Deploy","Version":"2025.2.1000","ApiVersion":"3.0.0","Links":{"Self":"/api"}}),
        ),
        Exchange::support(
            "GET",
            "/api/spaces/all",
            json!([{"Id":"Spaces-1","Name":"Default","IsDefault":true}]),
        ),
        Exchange::support(
            "GET",
            "/api/Spaces-1/environments",
            json!({"Items":[{"Id":"Environments-1","Name":"dev"}],"Links":{}}),
        ),
        Exchange::support(
            "GET",
            "/api/Spaces-1/releases/Releases-1/deployments",
            json!({"Items":[],"Links":{}}),
        ),
        Exchange::support(
            "GET",
            "/api/Spaces-1/projects/Projects-92/releases",
            json!({"Items":[],"Links":{}}),
        ),
    ]
}

async fn replay(name: &str) -> (Arc<Replay>, Client, Value) {
    let fixture = fixture(name);
    let recorded: Vec<Exchange> =
        fixture["exchanges"].as_array().unwrap().iter().map(Exchange::from_fixture).collect();
    let replay = Arc::new(Replay {
        hit: Mutex::new(vec![false; recorded.len()]),
        recorded,
        support: support(),
        ..Replay::default()
    });
    let app = Router::new().fallback(answer).with_state(replay.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut options = ClientOptions::new(url);
    options.api_key = Some("API-CONFORMANCE1".into());
    options.progress = ProgressMode::Off;
    options.max_attempts = 1;
    let client = Client::connect(options).await.unwrap();
    (replay, client, fixture["operation"].clone())
}

fn assert_replayed(replay: &Replay, name: &str) {
    let problems = replay.problems.lock().unwrap().clone();
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    let hit = replay.hit.lock().unwrap();
    let missed: Vec<&str> = replay
        .recorded
        .iter()
        .zip(hit.iter())
        .filter(|(_, hit)| !**hit)
        .map(|(e, _)| e.name.as_str())
        .collect();
    assert!(missed.is_empty(), "{name}: Ferry never sent {missed:?}");
}

#[tokio::test]
async fn deploy_untenanted_as_the_go_cli_records_it() {
    let name = "go-cli-release-deploy-untenanted.json";
    let (replay, client, operation) = replay(name).await;
    let project = client.find_project(operation["project"].as_str().unwrap()).await.unwrap();
    assert_eq!(project.id, "Projects-22");
    let names: Vec<String> = serde_json::from_value(operation["environments"].clone()).unwrap();
    let environments = client.find_environments(&names).await.unwrap();
    let release = Release {
        id: "Releases-1".into(),
        version: operation["release"].as_str().unwrap().into(),
        ..Release::default()
    };
    let created =
        client.deploy(&DeployRequest { project, release, environments, ..Default::default() }).await.unwrap();
    let tasks: Vec<&str> = created.iter().map(|c| c.task_id.as_str()).collect();
    assert_eq!(tasks, ["ServerTasks-29394", "ServerTasks-55312"], "both tasks of the answer are followed");
    assert_replayed(&replay, name);
}

#[tokio::test]
async fn release_create_minimal_as_the_go_cli_records_it() {
    let name = "go-cli-release-create-minimal.json";
    let (replay, client, operation) = replay(name).await;
    let project = client.find_project(operation["project"].as_str().unwrap()).await.unwrap();
    let created =
        client.create_release(&CreateRelease { project, ..CreateRelease::default() }).await.unwrap();
    assert_eq!((created.release.id.as_str(), created.release.version.as_str()), ("Releases-999", "1.2.3"));
    assert_replayed(&replay, name);
}

#[tokio::test]
async fn package_upload_as_the_go_cli_records_it() {
    let name = "go-cli-package-upload.json";
    let (replay, client, operation) = replay(name).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(operation["file"].as_str().unwrap());
    std::fs::write(&file, operation["content"].as_str().unwrap()).unwrap();
    let pushed = client.push_package(&file, OverwriteMode::FailIfExists).await.unwrap();
    assert_eq!((pushed.package_id.as_str(), pushed.version.as_str()), ("test", "1.0"));
    assert_eq!(pushed.status, PushStatus::Created, "201 is a stored package");
    let err = client.push_package(&file, OverwriteMode::FailIfExists).await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Validation, Some(400)));
    assert!(err.to_string().contains("the package is not gluten-free"), "{err}");
    assert_replayed(&replay, name);
}
