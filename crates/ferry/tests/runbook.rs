//! `ferry runbook run` against `ferry server`, which has no runbooks: a usage error (exit 2) that
//! says so and where runbooks run, in text and JSON, and the server's own answer on the runbook
//! routes. (The request Octopus receives is checked in ferry-octopus's tests/runbook_run.rs.)

mod client_support;

use client_support::*;

const RUN: &[&str] =
    &["runbook", "run", "--project", "Hello", "--runbook", "Backup", "--environment", "Development"];

#[test]
fn ferry_server_refuses_runbooks_as_a_usage_error_with_a_hint() {
    let server = Server::start();
    let output = server.ferry().args(RUN).arg("--wait").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("running runbook Backup of Hello in Development"), "{stderr}");
    assert!(stderr.contains("Runbooks are not supported by `ferry server`"), "{stderr}");
    assert!(stderr.contains("hint: runbooks run on Octopus Deploy"), "{stderr}");

    let output = server.ferry().args(["-o", "json"]).args(RUN).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json = json_of(&output);
    assert_eq!(json["error"]["kind"], "usage", "{json}");
    assert_eq!(json["error"]["exitCode"], 2);
}

#[test]
fn every_runbook_route_answers_400_in_octopus_error_shape() {
    let server = Server::start();
    let client = ferry_testkit::http::Client::new(&server.url, Some(KEY));
    for path in
        ["/api/Spaces-1/runbook-runs/create/v1", "/api/Spaces-1/runbooks/Runbooks-1/run", "/api/runbookRuns"]
    {
        let answer = client.post_json(path, &serde_json::json!({})).unwrap();
        assert_eq!(answer.status, 400, "{path}: {}", answer.text());
        let message = answer.json()["ErrorMessage"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("not supported by `ferry server`"), "{path}: {}", answer.text());
    }
}
