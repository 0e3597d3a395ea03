//! Service accounts and the OIDC token exchange: a token signed by a key the test made is
//! exchanged at `/token/v1` (the request the official login action sends) for an access token
//! that works as `Authorization: Bearer`; every way a token can be wrong is a 401 in Octopus's
//! error shape, and grants nothing.

use ferry_testkit::oidc::{
    GITHUB_ISSUER, TestIssuer, github_claims, jwks, now, service_account_toml, unsigned,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{CONFIG, TestServer, task_ids};

const ACCOUNT_ID: &str = "e3b0c442-98fc-4c14-9afb-f4c8996fb924";

/// [`CONFIG`] plus a service account trusting GitHub tokens of `acme/app` on any branch, with
/// keys from `jwks_path`.
fn config_with_account(jwks_source: &str) -> String {
    format!("{CONFIG}\n{}", service_account_toml(ACCOUNT_ID, "repo:acme/app:ref:refs/heads/*", jwks_source))
}

struct Setup {
    server: TestServer,
    rsa: TestIssuer,
    ec: TestIssuer,
    _keys: tempfile::TempDir,
}

async fn setup() -> Setup {
    let (rsa, ec) = (TestIssuer::rsa("rsa-1"), TestIssuer::ec("ec-1"));
    let keys = tempfile::tempdir().unwrap();
    let path = keys.path().join("github-jwks.json");
    std::fs::write(&path, jwks(&[&rsa, &ec]).to_string()).unwrap();
    let config = config_with_account(&format!("jwks_file = {:?}", path.display().to_string()));
    let mut server = TestServer::with(Some(&config), &[]).await;
    server.key = None;
    Setup { server, rsa, ec, _keys: keys }
}

/// POST the exchange as OctopusDeploy/login `src/login.ts` does.
async fn exchange(s: &TestServer, audience: &str, token: &str) -> (StatusCode, Value) {
    let response = s
        .client
        .post(format!("{}/token/v1", s.url))
        .header("User-Agent", "GitHubActions (login;v0)")
        .json(&json!({
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "audience": audience,
            "subject_token": token,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get_with_bearer(s: &TestServer, path: &str, token: &str) -> StatusCode {
    s.client.get(format!("{}{path}", s.url)).bearer_auth(token).send().await.unwrap().status()
}

#[tokio::test]
async fn discovery_names_the_token_endpoint_the_login_action_posts_to() {
    let Setup { server: s, .. } = setup().await;
    let response = s.client.get(format!("{}/.well-known/openid-configuration", s.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["issuer"], s.url.as_str());
    assert_eq!(document["token_endpoint"], format!("{}/token/v1", s.url));
}

#[tokio::test]
async fn rs256_and_es256_tokens_are_exchanged_for_bearer_tokens_that_start_tasks_as_the_account() {
    let Setup { server: s, rsa, ec, _keys } = setup().await;
    assert_eq!(
        s.get("/api/projects").await.0,
        StatusCode::UNAUTHORIZED,
        "service accounts require credentials"
    );

    for issuer in [&rsa, &ec] {
        let (status, answer) =
            exchange(&s, ACCOUNT_ID, &issuer.sign(&github_claims("acme/app", ACCOUNT_ID))).await;
        assert_eq!(status, StatusCode::OK, "{}: {answer}", issuer.alg());
        assert_eq!(answer["token_type"], "Bearer");
        assert_eq!(answer["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token");
        assert_eq!(answer["expires_in"], 3600);
        let token = answer["access_token"].as_str().unwrap();
        assert_eq!(get_with_bearer(&s, "/api/Spaces-1/projects", token).await, StatusCode::OK);
        assert_eq!(
            s.client
                .get(format!("{}/api/projects", s.url))
                .header("X-Octopus-ApiKey", token)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED,
            "an access token is not an API key"
        );
    }

    // A deployment started with the token records the service account as who started it.
    let (_, answer) = exchange(&s, ACCOUNT_ID, &rsa.sign(&github_claims("acme/app", ACCOUNT_ID))).await;
    let token = answer["access_token"].as_str().unwrap().to_owned();
    let created = s
        .client
        .post(format!("{}/api/Spaces-1/releases/create/v1", s.url))
        .bearer_auth(&token)
        .json(&json!({"spaceIdOrName": "Spaces-1", "projectName": "Serial", "releaseVersion": "1.0.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let deployed: Value = s
        .client
        .post(format!("{}/api/Spaces-1/deployments/create/untenanted/v1", s.url))
        .bearer_auth(&token)
        .header("User-Agent", "ferry/9.9.9 (GitHub Actions)")
        .json(&json!({"spaceIdOrName": "Spaces-1", "projectName": "Serial", "releaseVersion": "1.0.0",
                      "environmentNames": ["Development"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = task_ids(&deployed).remove(0);
    let db = rusqlite::Connection::open(s.dir.path().join("data").join("ferry.db")).unwrap();
    let started_by: String =
        db.query_row("SELECT started_by FROM tasks WHERE id = ?1", [&task], |row| row.get(0)).unwrap();
    assert_eq!(
        started_by,
        format!("service account GitHub deployer ({ACCOUNT_ID}) by OIDC, ferry/9.9.9 (GitHub Actions)")
    );
}

#[tokio::test]
async fn every_wrong_token_is_a_401_in_octopus_shape_that_grants_nothing() {
    let Setup { server: s, rsa, ec, _keys } = setup().await;
    let good = github_claims("acme/app", ACCOUNT_ID);
    let with = |key: &str, value: Value| {
        let mut claims = good.clone();
        claims[key] = value;
        claims
    };
    let stranger = TestIssuer::ec("ec-1"); // the same key id, another key
    let cases: Vec<(&str, String, String, &str)> = vec![
        ("wrong issuer", ACCOUNT_ID.into(), rsa.sign(&with("iss", json!("https://evil.example"))), "issuer"),
        ("wrong audience", ACCOUNT_ID.into(), rsa.sign(&with("aud", json!("another-account"))), "audience"),
        (
            "wrong subject",
            ACCOUNT_ID.into(),
            rsa.sign(&with("sub", json!("repo:acme/other:ref:refs/heads/main"))),
            "subject",
        ),
        (
            "pull request subject",
            ACCOUNT_ID.into(),
            ec.sign(&with("sub", json!("repo:acme/app:pull_request"))),
            "subject",
        ),
        ("signed by another key", ACCOUNT_ID.into(), stranger.sign(&good), "signature"),
        ("alg none", ACCOUNT_ID.into(), unsigned(&good), "algorithm"),
        ("expired", ACCOUNT_ID.into(), rsa.sign(&with("exp", json!(now() - 600))), "expired"),
        ("not yet valid", ACCOUNT_ID.into(), rsa.sign(&with("nbf", json!(now() + 600))), "not valid yet"),
        ("exp as text", ACCOUNT_ID.into(), rsa.sign(&with("exp", json!("9999999999"))), "not a valid JWT"),
        ("unknown service account", "nobody".into(), rsa.sign(&good), "no service account"),
        ("not a JWT", ACCOUNT_ID.into(), "not-a-jwt".into(), "not a valid JWT"),
    ];
    for (case, audience, token, reason) in cases {
        let (status, body) = exchange(&s, &audience, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        let message = body["ErrorMessage"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{case}: {message}");
        assert!(body["Errors"].as_array().is_some_and(|errors| !errors.is_empty()), "{case}: {body}");
        assert!(body.get("access_token").is_none(), "{case}");
    }
    // HMAC signed with the RSA public key's bytes (algorithm confusion) is refused before any check.
    let hs256 = rsa.sign_with_header(&json!({"alg": "HS256", "kid": "rsa-1"}), &good);
    let (status, body) = exchange(&s, ACCOUNT_ID, &hs256).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["ErrorMessage"].as_str().unwrap().contains("algorithm"), "{body}");
    // A made-up bearer token is not an access token.
    assert_eq!(get_with_bearer(&s, "/api/projects", &"0".repeat(64)).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_request_that_is_not_a_token_exchange_is_a_400() {
    let Setup { server: s, rsa, .. } = setup().await;
    let token = rsa.sign(&github_claims("acme/app", ACCOUNT_ID));
    let response = s
        .client
        .post(format!("{}/token/v1", s.url))
        .json(&json!({"grant_type": "client_credentials", "audience": ACCOUNT_ID, "subject_token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["ErrorMessage"].as_str().unwrap().contains("grant_type"), "{body}");
}

/// Keys from a URL: fetched when first needed (GitHub publishes them at
/// `/.well-known/jwks`) and cached; a token naming an unknown key does not refetch within the floor.
#[tokio::test]
async fn keys_from_a_url_are_fetched_once_and_cached() {
    use std::sync::{Arc, Mutex};
    let first = TestIssuer::rsa("rsa-1");
    let published = Arc::new(Mutex::new(jwks(&[&first])));
    let fetches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = {
        let (published, fetches) = (published.clone(), fetches.clone());
        axum::Router::new().route(
            "/.well-known/jwks",
            axum::routing::get(move || {
                let (published, fetches) = (published.clone(), fetches.clone());
                async move {
                    fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    axum::Json(published.lock().unwrap().clone())
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = config_with_account(&format!("jwks_url = \"http://{address}/.well-known/jwks\""));
    let mut s = TestServer::with(Some(&config), &[]).await;
    s.key = None;

    let (status, body) = exchange(&s, ACCOUNT_ID, &first.sign(&github_claims("acme/app", ACCOUNT_ID))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = exchange(&s, ACCOUNT_ID, &first.sign(&github_claims("acme/app", ACCOUNT_ID))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 1, "the key set is cached");

    // The issuer rotates to a new key id within the refetch floor: still the cached set, so 401.
    let rotated = TestIssuer::ec("ec-2");
    *published.lock().unwrap() = jwks(&[&first, &rotated]);
    let (status, body) =
        exchange(&s, ACCOUNT_ID, &rotated.sign(&github_claims("acme/app", ACCOUNT_ID))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        fetches.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "an unknown kid does not hammer the issuer"
    );
}

#[tokio::test]
async fn a_missing_key_file_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ferry.toml");
    std::fs::write(&config, config_with_account("jwks_file = \"missing-jwks.json\"")).unwrap();
    let options = ferry_server::ServerOptions::embedded(dir.path().join("data"), Some(config));
    let err = ferry_server::start(options).await.unwrap_err().to_string();
    assert!(err.contains("missing-jwks.json") && err.contains(GITHUB_ISSUER), "{err}");
}
