//! `ferry runbook run` against `ferry server`, which has no runbooks: a usage error (exit 2) that
//! says so and where runbooks run, in text and JSON, and the server's own answer on the runbook
//! routes; against a fake Octopus Deploy in the official shapes: the request, the wait, exit 3.

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

/// A fake Octopus Deploy on loopback answering, in the official shapes, what `ferry runbook run
/// --wait` asks: discovery, the space, `runbook-runs/create/v1`, then each run's task and raw
/// log. The run in `Production` succeeds, any other environment's fails. Records the POST bodies.
struct FakeOctopus {
    url: String,
    bodies: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl FakeOctopus {
    fn start() -> FakeOctopus {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let recorded = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
                let path = path.split('?').next().unwrap_or("").to_owned();
                let (content_type, answer) = match path.as_str() {
                    "/api" | "/api/" => (
                        "application/json",
                        serde_json::json!({"Application": "Octopus Deploy",
                        "Version": "2025.2.1000", "ApiVersion": "3.0.0", "Links": {"Self": "/api"}})
                        .to_string(),
                    ),
                    "/api/spaces/all" => (
                        "application/json",
                        serde_json::json!([{"Id": "Spaces-1", "Name": "Default",
                        "IsDefault": true}])
                        .to_string(),
                    ),
                    "/api/Spaces-1/runbook-runs/create/v1" => {
                        let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        let runs: Vec<serde_json::Value> = request["EnvironmentNames"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|environment| {
                                let name = environment.as_str().unwrap();
                                serde_json::json!({"RunbookRunId": format!("RunbookRuns-{name}"),
                                    "ServerTaskId": format!("ServerTasks-{name}")})
                            })
                            .collect();
                        recorded.lock().unwrap().push(request);
                        ("application/json", serde_json::json!({"RunbookRunServerTasks": runs}).to_string())
                    }
                    task if task.ends_with("/raw") => ("text/plain", "running the runbook\n".to_owned()),
                    task => {
                        let id = task.rsplit('/').next().unwrap_or("");
                        let success = id == "ServerTasks-Production";
                        ("application/json", serde_json::json!({"Id": id, "Description": format!("Run runbook in {id}"),
                            "State": if success { "Success" } else { "Failed" }, "IsCompleted": true,
                            "FinishedSuccessfully": success, "ErrorMessage": if success { "" } else { "the runbook failed" },
                            "Duration": "1 second"}).to_string())
                    }
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        FakeOctopus { url, bodies }
    }

    fn ferry(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(ferry_bin());
        cmd.env("FERRY_SERVER", &self.url)
            .env("FERRY_API_KEY", "API-FAKEOCTOPUS01")
            .env("FERRY_CI", "none")
            .env_remove("OCTOPUS_URL")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("TF_BUILD")
            .timeout(std::time::Duration::from_secs(60));
        cmd
    }
}

#[test]
fn against_octopus_the_run_is_started_and_waited_for() {
    let octopus = FakeOctopus::start();
    let output = octopus
        .ferry()
        .args(["-o", "json"])
        .args([
            "runbook",
            "run",
            "--project",
            "Hello",
            "--runbook",
            "Restart web",
            "--environment",
            "Production",
        ])
        .args(["--tenant-tag", "Region/EU", "--variable", "Reason=nightly", "--guided-failure", "--wait"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json = json_of(&output);
    assert_eq!(
        json["runs"],
        serde_json::json!([{"runbookRunId": "RunbookRuns-Production", "serverTaskId": "ServerTasks-Production", "state": "Success"}])
    );
    let body = octopus.bodies.lock().unwrap()[0].clone();
    assert_eq!(body["ProjectName"], "Hello");
    assert_eq!(body["RunbookName"], "Restart web");
    assert_eq!(body["TenantTags"], serde_json::json!(["Region/EU"]));
    assert_eq!(body["Variables"], serde_json::json!({"Reason": "nightly"}));
    assert_eq!(body["UseGuidedFailure"], true);
}

#[test]
fn against_octopus_a_failed_run_is_exit_3_and_without_wait_it_is_only_started() {
    const BACKUP_IN_TEST: &[&str] =
        &["runbook", "run", "--project", "Hello", "--runbook", "Backup", "--environment", "Test"];
    let octopus = FakeOctopus::start();
    octopus.ferry().args(BACKUP_IN_TEST).arg("--wait").assert().code(3);
    let output = octopus.ferry().args(["-o", "json"]).args(BACKUP_IN_TEST).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        json_of(&output)["runs"],
        serde_json::json!([{"runbookRunId": "RunbookRuns-Test", "serverTaskId": "ServerTasks-Test"}])
    );
}
