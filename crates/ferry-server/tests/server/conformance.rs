//! Conformance with the official clients, `ferry server`'s side: the requests recorded in
//! `tests/conformance/fixtures/` (each citing its source) are sent to the server, and its answers
//! must have the recorded status class and every field the recorded answers have (the fields the
//! official clients read); values differ (ids are the server's own) and are not compared. Ids
//! from earlier answers replace the recorded ones in later paths. An exchange with a `server`
//! note is skipped, for the reason the note gives. Ferry's client side of the same fixtures is
//! crates/ferry-octopus/tests/conformance.rs.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::TestServer;

const CONFIG: &str = r#"
[[environments]]
name = "dev"

[[projects]]
name = "Fire Project"
deploy = "echo fire"

[[projects]]
name = "CaC Project"
deploy = "echo cac"
"#;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/conformance/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}")))
        .unwrap()
}

/// Where `actual` lacks a field `recorded` has (objects: every key; arrays: the first item's).
/// Ids met on the way (`...Id` fields) are remembered, recorded → actual.
fn missing(recorded: &Value, actual: &Value, at: &str, ids: &mut HashMap<String, String>) -> Vec<String> {
    match (recorded, actual) {
        (Value::Object(recorded), Value::Object(actual)) => recorded
            .iter()
            .flat_map(|(key, value)| match actual.get(key) {
                None => vec![format!("{at}/{key}")],
                Some(found) => {
                    if key.ends_with("Id")
                        && let (Some(from), Some(to)) = (value.as_str(), found.as_str())
                    {
                        ids.insert(from.to_owned(), to.to_owned());
                    }
                    missing(value, found, &format!("{at}/{key}"), ids)
                }
            })
            .collect(),
        (Value::Array(recorded), Value::Array(actual)) => match (recorded.first(), actual.first()) {
            (Some(first), Some(found)) => missing(first, found, &format!("{at}/0"), ids),
            (Some(_), None) => vec![format!("{at}: recorded items, none answered")],
            _ => Vec::new(),
        },
        (Value::Object(_) | Value::Array(_), other) => vec![format!("{at}: answered {other}")],
        _ => Vec::new(),
    }
}

async fn replay(s: &TestServer, name: &str) {
    let fixture = fixture(name);
    let mut ids: HashMap<String, String> = HashMap::new();
    for exchange in fixture["exchanges"].as_array().unwrap() {
        if exchange.get("server").is_some() {
            continue;
        }
        let request = &exchange["request"];
        let mut path = request["path"].as_str().unwrap().to_owned();
        for (from, to) in &ids {
            path = path.replace(from.as_str(), to);
        }
        if let Some(query) = request["query"].as_object() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        url::form_urlencoded::byte_serialize(v.as_str().unwrap().as_bytes())
                            .collect::<String>()
                    )
                })
                .collect();
            path = format!("{path}?{}", pairs.join("&"));
        }
        let (status, answer) = match request["method"].as_str().unwrap() {
            "GET" => s.get(&path).await,
            "POST" => s.post(&path, request["body"].clone()).await,
            other => panic!("{name}: method {other}"),
        };
        let recorded = exchange["response"]["status"].as_u64().unwrap() as u16;
        let what = format!("{name}: {} ({path})", exchange["name"].as_str().unwrap_or_default());
        assert_eq!(
            status.as_u16() / 100,
            recorded / 100,
            "{what}: status {status}, recorded {recorded}: {answer}"
        );
        if recorded == StatusCode::NOT_FOUND.as_u16() {
            assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
        }
        let gaps = missing(&exchange["response"]["body"], &answer, "", &mut ids);
        assert!(gaps.is_empty(), "{what}: the answer lacks {gaps:?}: {answer}");
    }
}

#[tokio::test]
async fn ferry_server_answers_the_recorded_requests_in_the_official_shapes() {
    let s = TestServer::with(Some(CONFIG), &["API-CONFORMANCE1"]).await;
    // The deploy fixture deploys release 1.0, which its test had created before.
    assert_eq!(s.create_release("Fire Project", "1.0").await.0, StatusCode::CREATED);
    replay(&s, "go-cli-release-deploy-untenanted.json").await;
    replay(&s, "go-cli-release-create-minimal.json").await;
}
