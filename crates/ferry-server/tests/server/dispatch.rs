//! The dispatcher: a task whose creation committed runs even when the request that created it
//! was dropped, or the server restarted before it started; deployments of one project to one
//! environment start in creation order; a flood of output reaches the task log in order, batch
//! after batch, up to its limit.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::{TestServer, task_ids};

const CONFIG: &str = r#"
[[environments]]
name = "Development"
[[environments]]
name = "Test"

[[lifecycles]]
name = "Manual"
phases = [
  { name = "Development", environments = ["Development"] },
  { name = "Test", environments = ["Test"] },
]

[[projects]]
name = "Order"
lifecycle = "Manual"
packages = []
deploy = "sleep 0.02; echo $FERRY_RELEASE_VERSION > \"$FERRY_CONFIG_DIR/current-$FERRY_ENVIRONMENT\""

[[projects]]
name = "Flood"
lifecycle = "Manual"
packages = []
deploy = "seq 1 60000"

[[projects]]
name = "Quick"
lifecycle = "Manual"
packages = []
"#;

const FINAL_STATES: &str = "('Success', 'Failed', 'Canceled', 'TimedOut')";

/// The raw HTTP/1.1 request creating a deployment of `Quick` 1.0.0 to Development.
fn deploy_request(addr: &str) -> Vec<u8> {
    let body =
        json!({"projectName": "Quick", "releaseVersion": "1.0.0", "environmentNames": ["Development"]})
            .to_string();
    format!(
        "POST /api/Spaces-1/deployments/create/untenanted/v1 HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Send the first `cut` bytes of `request`, wait `pause`, then reset the connection (RST) without
/// reading the answer.
async fn send_and_reset(addr: &str, request: &[u8], cut: usize, pause: Duration) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(&request[..cut]).await;
    tokio::time::sleep(pause).await;
    stream.set_zero_linger().unwrap();
    drop(stream);
}

fn database(s: &TestServer) -> rusqlite::Connection {
    rusqlite::Connection::open(s.dir.path().join("data/ferry.db")).unwrap()
}

/// Tasks not in a final state, polled until there are none (at most 20 s).
async fn wait_all_final(s: &TestServer) -> i64 {
    let db = database(s);
    let sql = format!("SELECT COUNT(*) FROM tasks WHERE state NOT IN {FINAL_STATES}");
    let mut open = 0;
    for _ in 0..400 {
        open = db.query_row(&sql, [], |r| r.get::<_, i64>(0)).unwrap();
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    open
}

#[tokio::test]
async fn a_deployment_committed_after_its_client_left_still_runs() {
    let s = TestServer::with(Some(CONFIG), &[]).await;
    assert_eq!(s.create_release("Quick", "1.0.0").await.0, StatusCode::CREATED);
    // Hold the database's write lock so the request's transaction waits inside the handler,
    // reset the connection meanwhile (the handler is dropped), then let the transaction commit.
    let blocker = database(&s);
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let addr = s.url.trim_start_matches("http://").to_owned();
    let request = deploy_request(&addr);
    send_and_reset(&addr, &request, request.len(), Duration::from_millis(300)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    blocker.execute_batch("COMMIT").unwrap();
    let db = database(&s);
    let mut created = 0;
    for _ in 0..100 {
        created = db.query_row("SELECT COUNT(*) FROM deployments", [], |r| r.get::<_, i64>(0)).unwrap();
        if created > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(created, 1, "the dropped request's transaction committed a deployment");
    assert_eq!(wait_all_final(&s).await, 0, "its task was never run");
    let state: String = db.query_row("SELECT state FROM tasks", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "Success");
}

#[tokio::test]
async fn deployments_whose_connection_drops_at_any_point_all_finish() {
    let s = TestServer::with(Some(CONFIG), &[]).await;
    assert_eq!(s.create_release("Quick", "1.0.0").await.0, StatusCode::CREATED);
    let addr = s.url.trim_start_matches("http://").to_owned();
    let request = deploy_request(&addr);
    // Cut points across the whole request (head, body, complete) and pauses from none to a few
    // milliseconds, so that connections die before, during and after the handler runs; one in
    // four waits long enough for the answer even on a loaded machine.
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |bound: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % bound
    };
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..60 {
        let cut = if next(3) == 0 { next(request.len() as u64) as usize } else { request.len() };
        let pause = Duration::from_micros(if next(4) == 0 { 800_000 } else { next(8_000) });
        let (addr, request) = (addr.clone(), request.clone());
        sends.spawn(async move { send_and_reset(&addr, &request, cut, pause).await });
    }
    while let Some(sent) = sends.join_next().await {
        sent.unwrap();
    }
    let db = database(&s);
    assert_eq!(wait_all_final(&s).await, 0, "a committed task never reached a final state");
    let (deployments, succeeded): (i64, i64) = db
        .query_row(
            "SELECT COUNT(*), COUNT(CASE WHEN t.state = 'Success' THEN 1 END) \
             FROM deployments d JOIN tasks t ON t.id = d.task_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(deployments > 0, "no request got through: the test exercised nothing");
    assert_eq!(succeeded, deployments, "every committed deployment ran");
}

#[tokio::test]
async fn twenty_deployments_start_in_creation_order() {
    let s = TestServer::with(Some(CONFIG), &[]).await;
    let versions: Vec<String> = (1..=20).map(|n| format!("1.0.{n}")).collect();
    for version in &versions {
        assert_eq!(s.create_release("Order", version).await.0, StatusCode::CREATED);
    }
    let mut tasks = Vec::new();
    for version in &versions {
        let (status, answer) = s.deploy("Order", version, &["Development"]).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        tasks.push(task_ids(&answer).remove(0));
    }
    let mut previous_completed = String::new();
    for (task, version) in tasks.iter().zip(&versions) {
        let done = s.wait_task(task).await;
        assert_eq!(done["State"], "Success", "{done}");
        let started = done["StartTime"].as_str().unwrap().to_owned();
        assert!(
            started >= previous_completed,
            "{task} ({version}) started at {started}, before the deployment created before it completed at {previous_completed}"
        );
        previous_completed = done["CompletedTime"].as_str().unwrap().to_owned();
    }
    let current = std::fs::read_to_string(s.dir.path().join("current-Development")).unwrap();
    assert_eq!(current.trim(), "1.0.20", "the environment ends on the last deployment created");
}

#[tokio::test]
async fn a_task_still_queued_when_the_server_stopped_runs_at_the_next_start() {
    let mut s = TestServer::with(Some(CONFIG), &[]).await;
    assert_eq!(s.create_release("Quick", "1.0.0").await.0, StatusCode::CREATED);
    let (_, answer) = s.deploy("Quick", "1.0.0", &["Development"]).await;
    let task = task_ids(&answer).remove(0);
    assert_eq!(s.wait_task(&task).await["State"], "Success");
    s.stop().await;
    // What a stop between the request's commit and the task's start leaves.
    database(&s)
        .execute(
            "UPDATE tasks SET state = 'Queued', start_time = NULL, completed_time = NULL WHERE id = ?1",
            [&task],
        )
        .unwrap();
    s.restart().await;
    let done = s.wait_task(&task).await;
    assert_eq!(done["State"], "Success", "{done}");
    let (_, log) = s.get_text(&format!("/api/tasks/{task}/raw")).await;
    assert_eq!(log.matches("Executing:").count(), 2, "it ran again after the restart: {log}");
    s.stop().await;
}

#[tokio::test]
async fn a_flood_of_output_is_logged_in_order_up_to_the_limit() {
    let s = TestServer::with(Some(CONFIG), &[]).await;
    assert_eq!(s.create_release("Flood", "1.0.0").await.0, StatusCode::CREATED);
    let (_, answer) = s.deploy("Flood", "1.0.0", &["Development"]).await;
    let task = task_ids(&answer).remove(0);
    assert_eq!(s.wait_task(&task).await["State"], "Success");
    let db = database(&s);
    let mut statement =
        db.prepare("SELECT seq, category, message FROM task_logs WHERE task_id = ?1 ORDER BY seq").unwrap();
    let rows: Vec<(i64, String, String)> = statement
        .query_map([&task], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let output: Vec<&str> = rows
        .iter()
        .filter(|(_, category, message)| category == "Info" && message.parse::<u32>().is_ok())
        .map(|(_, _, message)| message.as_str())
        .collect();
    let expected: Vec<String> = (1..=50_000).map(|n| n.to_string()).collect();
    assert!(output == expected, "the first 50,000 lines, each once, in order (got {})", output.len());
    assert!(
        rows.iter().any(|(_, category, message)| category == "Warning"
            && message.starts_with("10000 more output lines were not kept")),
        "the rest is counted"
    );
    let sequence: Vec<i64> = rows.iter().map(|(seq, _, _)| *seq).collect();
    assert_eq!(sequence, (1..=rows.len() as i64).collect::<Vec<_>>(), "no gap between batches");
}
