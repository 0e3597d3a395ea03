//! How many requests each command sends to a server with a long history: 5,000 releases and
//! 20,000 deployments, seeded into `ferry server`'s store directly. A command that lists every
//! project, deployment or release, or reads a task per past deployment, sends dozens to hundreds
//! of requests here (20 pages of deployments alone); the bounds below hold for any history size.

mod client_support;

use std::time::Duration;

use client_support::*;

const RELEASES: usize = 5_000;
const DEPLOYMENTS: usize = 20_000;

/// Write the old history straight into the running server's store (WAL mode lets it keep
/// serving). Ids start at 100001 so they never meet the ones the server allocates; times are
/// years old, and every task succeeded.
fn seed_history(server: &Server) {
    let db = rusqlite::Connection::open(server.path().join("data").join("ferry.db")).unwrap();
    db.busy_timeout(Duration::from_secs(30)).unwrap();
    db.execute_batch(&format!(
        r#"
BEGIN;
CREATE TEMP TABLE hello AS
  SELECT p.id AS project_id, c.id AS channel_id FROM projects p JOIN channels c ON c.project_id = p.id
  WHERE p.name = 'Hello' AND c.is_default = 1;
CREATE TEMP TABLE envs AS SELECT id, (ROW_NUMBER() OVER (ORDER BY sort, id)) - 1 AS n FROM environments;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {RELEASES})
INSERT INTO releases (id, project_id, channel_id, version, version_key, notes, selected, assembled, custom_fields)
  SELECT 'Releases-' || (100000 + i), project_id, channel_id, '0.0.' || i, 'seeded-' || i, '', '[]',
         '2020-01-01T00:00:00.000+00:00', '{{}}'
  FROM seq, hello;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {DEPLOYMENTS})
INSERT INTO tasks (id, name, description, state, arguments, project_id, environment_id, release_id,
                   queue_time, start_time, completed_time)
  SELECT 'ServerTasks-' || (100000 + i), 'Deploy', 'Deploy Hello', 'Success', '{{}}', hello.project_id,
         envs.id, 'Releases-' || (100001 + i % {RELEASES}), '2020-01-01T00:00:00.000+00:00',
         '2020-01-01T00:00:01.000+00:00', '2020-01-01T00:00:02.000+00:00'
  FROM seq, hello JOIN envs ON envs.n = seq.i % (SELECT COUNT(*) FROM envs);
INSERT INTO deployments (id, release_id, environment_id, project_id, channel_id, task_id, name, created)
  SELECT 'Deployments-' || substr(t.id, 13), t.release_id, t.environment_id, t.project_id, hello.channel_id,
         t.id, 'Deploy', t.queue_time
  FROM tasks t, hello WHERE t.id LIKE 'ServerTasks-1_____' AND CAST(substr(t.id, 13) AS INTEGER) > 100000
  ORDER BY CAST(substr(t.id, 13) AS INTEGER);
COMMIT;
"#
    ))
    .unwrap();
    let count = |table: &str| -> usize {
        db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).unwrap() as usize
    };
    assert!(count("releases") >= RELEASES && count("deployments") >= DEPLOYMENTS, "the history was seeded");
}

/// Run `ferry COMMAND_LINE` (split on spaces) through a counting proxy; returns (requests,
/// stdout JSON, stderr).
fn counted(server: &Server, command_line: &str) -> (usize, serde_json::Value, String) {
    let proxy = flaky_proxy(server, "/api", 500, 0);
    let args: Vec<&str> = command_line.split(' ').collect();
    let output = server.ferry().env("FERRY_SERVER", &proxy.url).args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "ferry {args:?}: {stderr}");
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (proxy.passed(), json, stderr)
}

fn task_of(json: &serde_json::Value) -> String {
    json["deployments"][0]["taskId"].as_str().unwrap_or_else(|| panic!("a task id in {json}")).to_owned()
}

fn wait_for(server: &Server, task: &str) {
    server.ferry().args(["task", "wait", task, "--poll-interval", "100ms"]).assert().success();
}

#[test]
fn each_command_sends_a_bounded_number_of_requests_whatever_the_history() {
    let server = Server::start();
    seed_history(&server);
    for version in ["1.0.0", "1.1.0"] {
        let package = make_package(server.path(), "Hello", version);
        server.ferry().args(["package", "push"]).arg(&package).assert().success();
    }
    let mut counts = Vec::new();

    let (n, _, _) =
        counted(&server, "-o json release create --project Hello --version 1.0.0 --package Hello:1.0.0");
    counts.push(("release create", n, 12));

    let (n, json, _) =
        counted(&server, "-o json release deploy --project Hello --version 1.0.0 --to Development");
    counts.push(("release deploy", n, 12));
    let task = task_of(&json);

    let (n, _, _) = counted(&server, &format!("task wait {task} --poll-interval 100ms --timeout 60s"));
    // Polling adds a request or two per interval while the deployment runs (well under a second).
    counts.push(("task wait", n, 30));

    let (n, json, stderr) =
        counted(&server, "-o json release promote --project Hello --from Development --to Test");
    assert!(stderr.contains("promoting Hello 1.0.0 from Development"), "{stderr}");
    counts.push(("release promote", n, 15));
    wait_for(&server, &task_of(&json));

    server
        .ferry()
        .args(["release", "create", "--project", "Hello", "--version", "1.1.0", "--package", "Hello:1.1.0"])
        .assert()
        .success();
    let output = server
        .ferry()
        .args(["-o", "json", "release", "deploy", "--project", "Hello", "--version", "1.1.0"])
        .args(["--to", "Development", "--wait", "--poll-interval", "100ms"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let (n, json, stderr) =
        counted(&server, "-o json release rollback --project Hello --environment Development");
    assert!(stderr.contains("back from 1.1.0 to 1.0.0"), "{stderr}");
    counts.push(("release rollback", n, 15));
    wait_for(&server, &task_of(&json));

    let app = server.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), "<h1>Hello</h1>\n").unwrap();
    let (n, _, _) = counted(&server, "ship --project Hello --id Hello --version 2.0.0 --base-path app");
    counts.push(("ship", n, 25));

    let over: Vec<String> = counts
        .iter()
        .filter(|(_, n, bound)| n > bound)
        .map(|(command, n, bound)| format!("{command}: {n} requests (bound {bound})"))
        .collect();
    eprintln!("requests per command: {counts:?}");
    assert!(over.is_empty(), "{}", over.join("; "));
}
