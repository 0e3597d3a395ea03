//! The compare-API fallback against a recorded response served on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use ferry_ci::github_api::compare_commits;

/// A recorded `GET /repos/octo/app/compare/aaa...bbb` answer (trimmed to the fields GitHub
/// always sends for each commit).
const RECORDED: &str = r#"{
  "status": "ahead", "ahead_by": 2, "behind_by": 0, "total_commits": 2,
  "commits": [
    {"sha": "1111111111111111111111111111111111111111", "html_url": "https://github.com/octo/app/commit/1111111111111111111111111111111111111111",
     "commit": {"message": "feat: first ABC-1", "author": {"name": "Ann", "email": "ann@example.test", "date": "2025-01-01T10:00:00Z"}}},
    {"sha": "2222222222222222222222222222222222222222", "html_url": "https://github.com/octo/app/commit/2222222222222222222222222222222222222222",
     "commit": {"message": "fix: second\n\nbody", "author": {"name": "Bob", "email": "bob@example.test", "date": "2025-01-02T10:00:00Z"}}}
  ]
}"#;

/// Serve one request; record its request line and headers.
fn serve_once(body: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            record.lock().unwrap().push(line);
        }
        let mut rest = vec![0; length];
        reader.read_exact(&mut rest).unwrap();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(response.as_bytes()).unwrap();
    });
    (url, seen)
}

#[tokio::test]
async fn compare_api_commits_are_read_newest_first_with_the_token_sent() {
    let (url, seen) = serve_once(RECORDED);
    let commits = compare_commits(&url, "test-token", "octo/app", "aaa", "bbb", 200).await.unwrap();
    let ids: Vec<&str> = commits.iter().map(|c| &c.id[..3]).collect();
    assert_eq!(ids, ["222", "111"]);
    assert_eq!(commits[0].comment, "fix: second\n\nbody");
    assert_eq!(commits[1].author.as_deref(), Some("Ann"));
    assert_eq!(commits[1].timestamp.as_deref(), Some("2025-01-01T10:00:00Z"));
    assert!(
        commits[1].link_url.as_deref().unwrap().ends_with("/commit/1111111111111111111111111111111111111111")
    );
    let seen = seen.lock().unwrap();
    assert!(seen[0].starts_with("GET /repos/octo/app/compare/aaa...bbb"), "{seen:?}");
    assert!(seen.iter().any(|h| h.eq_ignore_ascii_case("authorization: bearer test-token")), "{seen:?}");
}

#[tokio::test]
async fn a_failed_compare_is_an_error_not_a_panic() {
    // Nothing listens on this port once the listener is dropped.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let result = compare_commits(&format!("http://127.0.0.1:{port}"), "t", "o/r", "a", "b", 10).await;
    assert!(result.is_err());
}
