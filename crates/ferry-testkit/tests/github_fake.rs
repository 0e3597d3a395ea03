//! The fake GitHub's judges: requests GitHub's OpenAPI description does not allow are refused
//! and recorded, and recorded real exchanges from `@octokit/fixtures` replay with the statuses
//! and error bodies GitHub gave. `source tests/github/env.sh` first (tests/run.sh does).

use ferry_testkit::github::{FAKE_TOKEN, FakeGitHub};
use ferry_testkit::http::{Response, request};
use serde_json::{Value, json};

fn send(fake: &FakeGitHub, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Response {
    let auth = format!("Bearer {FAKE_TOKEN}");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Accept", "application/vnd.github+json"),
        ("User-Agent", "ferry-tests"),
    ];
    if let Some(content_type) = content_type {
        headers.push(("Content-Type", content_type));
    }
    request(&fake.origin(), method, path, &headers, body).unwrap()
}

fn post_json(fake: &FakeGitHub, path: &str, body: &Value) -> Response {
    send(fake, "POST", path, Some("application/json"), body.to_string().as_bytes())
}

/// Each bad request is refused and leaves exactly one violation that names the problem.
#[test]
fn requests_the_description_does_not_allow_are_refused_and_recorded() {
    let fake = FakeGitHub::start("acme", "shop");
    let cases: Vec<(&str, Response, &str)> = vec![
        (
            "a misspelled field",
            post_json(&fake, "/api/v3/repos/acme/shop/releases", &json!({"tag": "v1"})),
            "'tag' was unexpected",
        ),
        (
            "a field of the wrong type",
            post_json(&fake, "/api/v3/repos/acme/shop/releases", &json!({"tag_name": "v1", "draft": "yes"})),
            "draft",
        ),
        (
            "a deployment state GitHub does not have",
            post_json(&fake, "/api/v3/repos/acme/shop/deployments/1/statuses", &json!({"state": "done"})),
            "done",
        ),
        (
            "required_contexts that are not strings",
            post_json(
                &fake,
                "/api/v3/repos/acme/shop/deployments",
                &json!({"ref": "v1", "required_contexts": [1]}),
            ),
            "required_contexts",
        ),
        (
            "a path GitHub does not have",
            send(&fake, "GET", "/api/v3/repos/acme/shop/release", None, b""),
            "no such path",
        ),
        (
            "a method GitHub does not have",
            send(&fake, "PUT", "/api/v3/repos/acme/shop/releases", None, b""),
            "no such method",
        ),
        (
            "an upload sent to the API instead of upload_url",
            send(
                &fake,
                "POST",
                "/api/v3/repos/acme/shop/releases/1/assets?name=a.zip",
                Some("application/zip"),
                b"x",
            ),
            "upload_url",
        ),
        (
            "an upload without its name",
            send(
                &fake,
                "POST",
                "/api/uploads/repos/acme/shop/releases/1/assets",
                Some("application/zip"),
                b"x",
            ),
            "`name` is missing",
        ),
        (
            "an upload without a media type",
            send(&fake, "POST", "/api/uploads/repos/acme/shop/releases/1/assets?name=a.zip", None, b"x"),
            "Content-Type",
        ),
        (
            "a JSON body sent as form data",
            send(
                &fake,
                "POST",
                "/api/v3/repos/acme/shop/releases",
                Some("application/x-www-form-urlencoded"),
                b"tag_name=v1",
            ),
            "Content-Type",
        ),
        (
            "a page size that is not a number",
            send(&fake, "GET", "/api/v3/repos/acme/shop/releases?per_page=many", None, b""),
            "per_page",
        ),
        (
            "no User-Agent",
            request(
                &fake.origin(),
                "GET",
                "/api/v3/repos/acme/shop/releases",
                &[("Accept", "application/json")],
                b"",
            )
            .unwrap(),
            "User-Agent",
        ),
        (
            "an undocumented query parameter",
            send(&fake, "GET", "/api/v3/repos/acme/shop/deployments?env=prod", None, b""),
            "`env` is not documented",
        ),
    ];
    let violations = fake.violations();
    assert_eq!(violations.len(), cases.len(), "{violations:#?}");
    for ((what, response, expected), violation) in cases.iter().zip(&violations) {
        assert!(
            matches!(response.status, 403 | 404 | 422),
            "{what}: answered {} {}",
            response.status,
            response.text()
        );
        assert!(violation.contains(expected), "{what}: {violation}");
    }
}

#[test]
fn good_requests_get_github_shaped_answers_with_rate_limit_headers_and_no_violation() {
    let fake = FakeGitHub::start("acme", "shop");
    let created =
        post_json(&fake, "/api/v3/repos/acme/shop/releases", &json!({"tag_name": "v1.0.0", "draft": true}));
    assert_eq!(created.status, 201, "{}", created.text());
    let release = created.json();
    assert!(release["upload_url"].as_str().unwrap().ends_with("/assets{?name,label}"));
    assert_eq!(created.header("location"), release["url"].as_str());
    for name in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-resource"] {
        assert!(created.header(name).is_some(), "{name}");
    }
    // Unauthenticated calls are refused as GitHub refuses a bad token.
    let anonymous = request(
        &fake.origin(),
        "GET",
        "/api/v3/repos/acme/shop/releases",
        &[("User-Agent", "ferry-tests")],
        b"",
    )
    .unwrap();
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["message"], "Bad credentials");
    assert!(fake.violations().is_empty(), "{:#?}", fake.violations());
}

/// `release-assets-conflict` from `@octokit/fixtures`: a real upload under a taken name (422
/// `already_exists`), the listing, the delete and the second upload. The fake must answer each
/// recorded request with the recorded status, the same error body, and at least the recorded
/// answer's fields.
#[test]
fn the_recorded_asset_conflict_exchange_replays() {
    let dir = std::env::var("FERRY_OCTOKIT_FIXTURES")
        .expect("FERRY_OCTOKIT_FIXTURES is not set: `source tests/github/env.sh` installs @octokit/fixtures");
    let file = format!("{dir}/release-assets-conflict/normalized-fixture.json");
    let recorded: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let (owner, repo) = ("octokit-fixture-org", "release-assets-conflict");
    let fake = FakeGitHub::start(owner, repo);
    // The recorded repository has a published release v1.0.0 holding test-upload.txt.
    let release =
        post_json(&fake, &format!("/api/v3/repos/{owner}/{repo}/releases"), &json!({"tag_name": "v1.0.0"}))
            .json();
    let upload = release["upload_url"].as_str().unwrap().split('{').next().unwrap().to_owned();
    let upload_path = upload.strip_prefix(&fake.origin()).unwrap().to_owned();
    let first = send(
        &fake,
        "POST",
        &format!("{upload_path}?name=test-upload.txt&label=test"),
        Some("text/plain"),
        b"Hello, world!\n",
    );
    assert_eq!(first.status, 201, "{}", first.text());

    // Recorded ids stand for the fake's own (GitHub's recording numbers releases and assets
    // from 1000 alike): the release's is known, the assets' are learned from each answer.
    let release_id = release["id"].to_string();
    let mut asset_ids: Vec<(String, String)> = Vec::new();
    let mut replayed = 0;
    for exchange in &recorded {
        let method = exchange["method"].as_str().unwrap().to_ascii_uppercase();
        let recorded_path = exchange["path"].as_str().unwrap();
        let path = match recorded_path.rsplit_once("/releases/assets/") {
            Some((head, recorded_id)) => {
                let fake_id =
                    &asset_ids.iter().rev().find(|(recorded, _)| recorded == recorded_id).unwrap().1;
                format!("{head}/releases/assets/{fake_id}")
            }
            None => recorded_path.replacen("/releases/1000/", &format!("/releases/{release_id}/"), 1),
        };
        let on_uploads = exchange["reqheaders"]["host"] == "uploads.github.com";
        let path = format!("{}{path}", if on_uploads { "/api/uploads" } else { "/api/v3" });
        let body = match &exchange["body"] {
            Value::String(text) => text.clone().into_bytes(),
            Value::Null => Vec::new(),
            other => other.to_string().into_bytes(),
        };
        let content_type = exchange["reqheaders"]["content-type"].as_str();
        let answer = send(&fake, &method, &path, content_type, &body);
        let status = exchange["status"].as_u64().unwrap() as u16;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text());
        let expected = &exchange["response"];
        let got = answer.json();
        if status == 422 {
            assert_eq!(got["message"], expected["message"]);
            assert_eq!(got["errors"], expected["errors"]);
        } else if let Some(fields) = expected.as_object() {
            for field in fields.keys() {
                assert!(got.get(field).is_some(), "{method} {path}: the fake's answer lacks `{field}`");
            }
            if let (Some(recorded_id), Some(fake_id)) = (expected["id"].as_u64(), got["id"].as_u64()) {
                asset_ids.push((recorded_id.to_string(), fake_id.to_string()));
            }
        } else if let Some(items) = expected.as_array() {
            for (recorded_item, fake_item) in items.iter().zip(got.as_array().unwrap()) {
                for field in recorded_item.as_object().unwrap().keys() {
                    assert!(
                        fake_item.get(field).is_some(),
                        "{method} {path}: the fake's item lacks `{field}`"
                    );
                }
                asset_ids.push((recorded_item["id"].to_string(), fake_item["id"].to_string()));
            }
        }
        replayed += 1;
    }
    assert_eq!(replayed, 5, "every recorded exchange was replayed");
    assert!(fake.violations().is_empty(), "{:#?}", fake.violations());
}
