//! `--service-account-id` end to end: `ferry` in a simulated GitHub Actions job asks a fake
//! runner token service for the job's OIDC token (as `@actions/core` `getIDToken` does), exchanges
//! it at a real `ferry server` for an access token (the login action's request), and works with it
//! as `Authorization: Bearer`. No token of the chain appears in anything Ferry prints at `-vv`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use ferry_testkit::flow::{self, describe, ferry_command};
use ferry_testkit::oidc::{TestIssuer, github_claims, jwks, service_account_toml};
use ferry_testkit::server::{ServerBuilder, ServerProcess};

const ACCOUNT_ID: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
/// The runner's request token: a secret like any other.
const REQUEST_TOKEN: &str = "runner-request-token-3c1f9e7a55d2";

/// A request the fake runner service saw: the path with its query, and `Authorization`.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// The fake runner token service: answers every GET with `{"value": JWT}` for the `audience` of
/// the query, signed by `issuer` for a push to `main` of `repository`.
fn runner_token_service(
    issuer: TestIssuer,
    repository: &'static str,
) -> (String, Seen, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url =
        format!("http://{}/_apis/distributedtask/oidc/token?api-version=2.0", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let issued: Arc<Mutex<Vec<String>>> = Arc::default();
    let (seen_by_thread, issued_by_thread) = (seen.clone(), issued.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
            let mut authorization = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("authorization")
                {
                    authorization = value.trim().to_owned();
                }
            }
            let audience = url::Url::parse(&format!("http://x{path}"))
                .unwrap()
                .query_pairs()
                .find(|(name, _)| name == "audience")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            let jwt = issuer.sign(&github_claims(repository, &audience));
            issued_by_thread.lock().unwrap().push(jwt.clone());
            seen_by_thread.lock().unwrap().push((path, authorization));
            let body = serde_json::json!({"value": jwt}).to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen, issued)
}

/// `ferry server` with the flow configuration, a project `Oidc`, and a service account trusting
/// GitHub tokens of `acme/app` on `main`, with keys in a file next to the configuration.
fn server_trusting(issuer: &TestIssuer, keys_dir: &Path) -> ServerProcess {
    let keys = keys_dir.join("github-jwks.json");
    std::fs::write(&keys, jwks(&[issuer]).to_string()).unwrap();
    let config = format!(
        "{}\n[[projects]]\nname = \"Oidc\"\npackages = []\ndeploy = \"echo deployed\"\n\n{}",
        flow::config(None, 0.05),
        service_account_toml(
            ACCOUNT_ID,
            "repo:acme/app:ref:refs/heads/main",
            &format!("jwks_file = {:?}", keys.display().to_string())
        )
    );
    ServerBuilder::new(env!("CARGO_BIN_EXE_ferry")).config(&config).start().expect("ferry server starts")
}

/// Run `ferry -vv ARGS` as a step of a GitHub Actions job allowed to request an OIDC token.
fn ferry_in_actions(server: &ServerProcess, runner_url: Option<&str>, args: &[&str]) -> Output {
    let github = tempfile::tempdir().unwrap();
    let mut command = ferry_command(&server.url(), None);
    command
        .env("GITHUB_ACTIONS", "true")
        .env("FERRY_CI", "github")
        .env("GITHUB_OUTPUT", github.path().join("output"))
        .env("GITHUB_STEP_SUMMARY", github.path().join("summary"))
        .env("OCTOPUS_SERVICE_ACCOUNT_ID", ACCOUNT_ID)
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    if let Some(url) = runner_url {
        command.env("ACTIONS_ID_TOKEN_REQUEST_URL", url).env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN);
    }
    command.arg("-vv").args(args).output().expect("run ferry")
}

/// The access tokens `ferry server` issues are 64 hex digits: any such run in the output would be
/// one (nothing else Ferry prints in these commands is that long and hex).
fn hex64_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_hexdigit()).filter(|run| run.len() >= 64).map(str::to_owned).collect()
}

#[test]
fn a_github_job_logs_in_with_its_oidc_token_and_no_token_is_printed() {
    let keys = tempfile::tempdir().unwrap();
    let issuer = TestIssuer::rsa("github-1");
    let server = server_trusting(&issuer, keys.path());
    let (runner_url, seen, issued) = runner_token_service(TestIssuer::rsa("github-1"), "acme/app");

    let created = ferry_in_actions(
        &server,
        Some(&runner_url),
        &["release", "create", "--project", "Oidc", "--version", "1.0.0"],
    );
    assert!(created.status.success(), "{}", describe(&created));
    let deployed = ferry_in_actions(
        &server,
        Some(&runner_url),
        &["release", "deploy", "--project", "Oidc", "--version", "1.0.0", "--to", "Development", "--wait"],
    );
    assert!(deployed.status.success(), "{}", describe(&deployed));

    // The runner service was asked as @actions/core asks: the request token as bearer, the
    // service account id as audience.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one OIDC token per run: {seen:?}");
    for (path, authorization) in &seen {
        assert!(
            path.contains("api-version=2.0") && path.contains(&format!("audience={ACCOUNT_ID}")),
            "{path}"
        );
        assert_eq!(authorization, &format!("Bearer {REQUEST_TOKEN}"));
    }

    // The server accepted the exchanged token as a bearer token and names the account as the
    // starter of the deployment Ferry asked for.
    let db = rusqlite::Connection::open(server.data_dir().join("ferry.db")).unwrap();
    let starters: Vec<String> = db
        .prepare("SELECT started_by FROM tasks ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        starters
            .iter()
            .any(|who| who
                .starts_with(&format!("service account GitHub deployer ({ACCOUNT_ID}) by OIDC, ferry/"))),
        "{starters:?}"
    );

    for output in [&created, &deployed] {
        let all =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        // `::add-mask::VALUE` is how a step tells the runner to mask VALUE: the runner consumes
        // the line and shows it nowhere. Each of the three tokens must be registered so.
        let (masks, shown): (Vec<&str>, Vec<&str>) =
            all.lines().partition(|line| line.starts_with("::add-mask::"));
        assert!(masks.contains(&format!("::add-mask::{REQUEST_TOKEN}").as_str()), "{masks:?}");
        assert!(
            masks.iter().any(|mask| mask.starts_with("::add-mask::eyJ")),
            "the OIDC token is masked: {masks:?}"
        );
        assert_eq!(
            masks.iter().filter(|mask| hex64_runs(mask).len() == 1).count(),
            1,
            "the access token is masked: {masks:?}"
        );
        let printed = shown.join("\n");
        assert!(!printed.contains(REQUEST_TOKEN), "the runner's request token was printed:\n{printed}");
        for jwt in issued.lock().unwrap().iter() {
            let signature = jwt.rsplit('.').next().unwrap();
            assert!(!printed.contains(signature), "the OIDC token was printed:\n{printed}");
        }
        assert_eq!(hex64_runs(&printed), Vec::<String>::new(), "an access token was printed:\n{printed}");
        assert!(printed.contains("service account"), "-vv says how Ferry logged in:\n{printed}");
    }
}

#[test]
fn a_job_without_id_token_permission_is_told_to_add_it() {
    let keys = tempfile::tempdir().unwrap();
    let server = server_trusting(&TestIssuer::ec("github-1"), keys.path());
    let output =
        ferry_in_actions(&server, None, &["release", "create", "--project", "Oidc", "--version", "1.0.0"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("permissions: id-token: write"), "{stderr}");
}

#[test]
fn a_refused_exchange_says_which_claims_to_check() {
    let keys = tempfile::tempdir().unwrap();
    let issuer = TestIssuer::ec("github-1");
    let server = server_trusting(&issuer, keys.path());
    // The right key, but a job of another repository: the subject does not match.
    let (runner_url, _, _) = runner_token_service(issuer, "acme/other");
    let output = ferry_in_actions(
        &server,
        Some(&runner_url),
        &["release", "create", "--project", "Oidc", "--version", "1.0.0"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HTTP 401") && stderr.contains("subject"), "{stderr}");
    for claim in ["issuer", "audience", "subject pattern"] {
        assert!(stderr.contains(claim), "the hint names the {claim}: {stderr}");
    }
}

#[test]
fn a_service_account_and_an_api_key_together_are_a_usage_error() {
    let keys = tempfile::tempdir().unwrap();
    let server = server_trusting(&TestIssuer::ec("github-1"), keys.path());
    let mut command = ferry_command(&server.url(), Some("API-SOMEKEY1"));
    let output = command
        .env("OCTOPUS_SERVICE_ACCOUNT_ID", ACCOUNT_ID)
        .args(["release", "create", "--project", "Oidc", "--version", "1.0.0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("logs in one way only"),
        "{}",
        describe(&output)
    );
}

/// What the official login action leaves behind (`OCTOPUS_ACCESS_TOKEN`), and the same token in a
/// file: Ferry sends it as `Authorization: Bearer` (the server accepts access tokens only there)
/// and prints it nowhere.
#[test]
fn an_access_token_from_the_environment_or_a_file_is_used_and_never_printed() {
    let keys = tempfile::tempdir().unwrap();
    let issuer = TestIssuer::ec("github-1");
    let server = server_trusting(&issuer, keys.path());
    let exchange = serde_json::json!({
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "audience": ACCOUNT_ID,
        "subject_token": issuer.sign(&github_claims("acme/app", ACCOUNT_ID)),
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
    });
    let answer = server.client().post_json("/token/v1", &exchange).unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    let token = answer.json()["access_token"].as_str().unwrap().to_owned();
    let token_file = keys.path().join("access-token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();

    let from_env = ferry_command(&server.url(), None)
        .env("OCTOPUS_ACCESS_TOKEN", &token)
        .args(["-vv", "release", "create", "--project", "Oidc", "--version", "1.0.0"])
        .output()
        .unwrap();
    let from_file = ferry_command(&server.url(), None)
        .arg("--access-token-file")
        .arg(&token_file)
        .args(["-vv", "release", "create", "--project", "Oidc", "--version", "1.0.1"])
        .output()
        .unwrap();
    let wrong = ferry_command(&server.url(), None)
        .env("FERRY_ACCESS_TOKEN", "0".repeat(64))
        .args(["release", "create", "--project", "Oidc", "--version", "1.0.2"])
        .output()
        .unwrap();
    for output in [&from_env, &from_file] {
        assert!(output.status.success(), "{}", describe(output));
        assert!(!describe(output).contains(&token), "the access token was printed: {}", describe(output));
    }
    assert_eq!(wrong.status.code(), Some(1), "{}", describe(&wrong));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("FERRY_ACCESS_TOKEN"), "{}", describe(&wrong));
}

/// The embedded server has no service accounts: a service account id given anyway is not
/// silently dropped.
#[test]
fn a_service_account_id_with_the_embedded_server_is_named_as_unused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ferry.toml");
    std::fs::write(&config, "[[projects]]\nname = \"Oidc\"\npackages = []\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("FERRY_CI", "none")
        .env("OCTOPUS_SERVICE_ACCOUNT_ID", ACCOUNT_ID)
        .arg("--embedded")
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .args(["release", "create", "--project", "Oidc", "--version", "1.0.0"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--service-account-id"),
        "{}",
        describe(&output)
    );
}
