//! Hostile and malformed input: always a 4xx JSON error, never a 500, and never a file outside
//! the data directory.

use std::io::Write;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestServer, hello_zip, task_ids, zip_bytes};

fn assert_4xx(status: StatusCode, body: &serde_json::Value, what: &str) {
    assert!(status.is_client_error(), "{what}: {status} {body}");
    assert!(body["ErrorMessage"].is_string(), "{what}: not a JSON error: {body}");
}

#[tokio::test]
async fn malformed_json_bodies() {
    let s = TestServer::start().await;
    for path in [
        "/api/releases/create/v1",
        "/api/deployments/create/untenanted/v1",
        "/api/build-information",
        "/api/releases",
        "/api/deployments",
    ] {
        for (content_type, body) in [
            ("application/json", b"{not json".to_vec()),
            ("application/json", b"[1,2,3]".to_vec()),
            ("application/json", b"\"text\"".to_vec()),
            ("text/plain", b"hello".to_vec()),
            ("application/json", vec![0xff, 0xfe, 0x00]),
            (
                "application/json",
                br#"{"ProjectName": 42, "EnvironmentNames": "x", "PackageId": []}"#.to_vec(),
            ),
            ("application/json", b"{}".to_vec()),
        ] {
            let (status, answer) = s.post_raw(path, content_type, body.clone()).await;
            assert_4xx(status, &answer, &format!("{path} {}", String::from_utf8_lossy(&body)));
        }
    }
    // Oversized JSON (the default limit is 1 MiB).
    let big = format!("{{\"ProjectName\": \"{}\"}}", "x".repeat(2 << 20));
    let (status, answer) = s.post_raw("/api/releases/create/v1", "application/json", big.into_bytes()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert!(answer["ErrorMessage"].is_string());
    // Deeply nested JSON.
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let (status, answer) =
        s.post_raw("/api/build-information", "application/json", nested.into_bytes()).await;
    assert_4xx(status, &answer, "nested");
}

#[tokio::test]
async fn hostile_ids_and_paths() {
    let s = TestServer::start().await;
    let long = "A".repeat(10_000);
    let paths = [
        "/api/packages/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/packages/%2e%2e/%2e%2e/delta-signature".to_owned(),
        "/api/projects/..%2F..".to_owned(),
        "/api/projects/%00".to_owned(),
        format!("/api/projects/{long}"),
        format!("/api/packages/{long}"),
        "/api/releases/Releases-1%2F..%2F..".to_owned(),
        "/api/tasks/..%2Fx/raw".to_owned(),
        "/api/spaces/%2E%2Ex/projects".to_owned(),
        "/api/Spaces-99999999999999999999/projects".to_owned(),
        "/api/environments?skip=-5&take=abc".to_owned(),
    ];
    for path in &paths {
        let (status, body) = s.get(path).await;
        if path.contains("skip=-5") {
            assert_eq!(status, StatusCode::OK, "{path}");
            continue;
        }
        assert_4xx(status, &body, path);
    }
    // Package names with traversal, NUL, 10,000 characters, injected version segments.
    let names = [
        "../../evil.1.0.0/../../x.zip".to_owned(),
        "Hello.1.0.0\0.zip".to_owned(),
        format!("{long}.1.0.0.zip"),
        "Hello.1.0.0%2F..%2F..%2Fx.zip".to_owned(),
        "..1.0.0.zip".to_owned(),
        ".zip".to_owned(),
    ];
    for name in &names {
        let (status, body) = s.push(name, hello_zip("x"), "").await;
        // Either refused, or stored under the server's own file name (never the given path).
        if status.is_success() {
            assert!(!name.contains('\0'));
        } else {
            assert_4xx(status, &body, name);
        }
    }
    let (status, body) = s.push("Hello.1.0.0.zip", hello_zip("x"), "?overwriteMode=Sometimes").await;
    assert_4xx(status, &body, "overwriteMode");
    // Nothing was written outside the data directory's own folders.
    let mut entries: Vec<String> = std::fs::read_dir(s.dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    entries.retain(|e| !e.starts_with("ferry.db"));
    assert_eq!(entries, ["packages", "server.lock", "tmp", "work"]);
    assert!(!s.dir.path().join("x.zip").exists() && !s.dir.path().join("evil.1.0.0").exists());
}

#[tokio::test]
async fn zip_slip_and_absolute_entries_are_refused_at_upload() {
    let s = TestServer::start().await;
    for entry in ["../escape.txt", "/etc/evil.txt", "a/../../escape.txt"] {
        let (status, body) = s.push("Hello.1.0.0.zip", zip_bytes(&[(entry, b"x")]), "").await;
        assert_4xx(status, &body, entry);
        assert!(body.to_string().contains("outside"), "{entry}: {body}");
    }
    // A tar.gz with a traversal entry, written by hand (the tar builder refuses such paths).
    let mut header = tar::Header::new_gnu();
    let name = b"../escape.txt";
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_size(1);
    header.set_mode(0o644);
    header.set_cksum();
    let mut raw = Vec::new();
    raw.extend_from_slice(header.as_bytes());
    raw.extend_from_slice(&[b'x'; 512][..512]);
    raw.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    let (status, body) = s.push("Hello.1.0.0.tar.gz", gz.finish().unwrap(), "").await;
    assert_4xx(status, &body, "tar traversal");
}

#[tokio::test]
async fn a_link_chain_that_escapes_is_refused_at_upload_naming_the_entry() {
    // `a -> .`, `a/a/a/x -> ../../..`, `x/evil-marker.txt`: each link is harmless as text; followed
    // in order they write three levels above the work folder.
    let s = TestServer::start().await;
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/link-chain-escape.tar.gz");
    let (status, body) = s.push("Hello.1.0.0.tar.gz", std::fs::read(fixture).unwrap(), "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["ErrorMessage"].as_str().unwrap_or_default().contains("`a/a/a/x`"), "{body}");
    let (status, _) = s.get("/api/Spaces-1/packages/Hello.1.0.0").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a refused package is not stored");
}

#[tokio::test]
async fn zip_bomb_is_not_extracted() {
    let s = TestServer::start().await;
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip_bytes(&[("zeros.bin", &zeros)]);
    assert!(bomb.len() < (1 << 20), "compresses well: {}", bomb.len());
    let (status, body) = s.push("Bomb.1.0.0.zip", bomb, "").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    s.create_release("Bomb", "1.0.0").await;
    let (_, answer) = s.deploy("Bomb", "1.0.0", &["Development"]).await;
    let task = s.wait_task(&task_ids(&answer)[0]).await;
    assert_eq!(task["State"], "Failed");
    assert!(task["ErrorMessage"].as_str().unwrap().contains("zip bomb"), "{task}");
    let (_, raw) = s.get_text(&format!("/api/tasks/{}/raw", task["Id"].as_str().unwrap())).await;
    assert!(!raw.contains("should not run"));
}

#[tokio::test]
async fn size_limits_answer_413_json() {
    let s = TestServer::with_upload_limit(1 << 20).await;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..3_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let big = zip_bytes(&[("random.bin", &noise)]);
    assert!(big.len() > 1 << 20);
    let (status, body) = s.push("Hello.1.0.0.zip", big, "").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["ErrorMessage"].is_string());
    assert_eq!(s.push("Hello.1.0.0.zip", hello_zip("small"), "").await.0, StatusCode::CREATED);
    let (status, body) = s.post("/api/build-information", json!({"PackageId": "Hello", "Version": "1.0.0", "OctopusBuildInformation": {"BuildUrl": "x".repeat(5000)}})).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(std::fs::read_dir(s.dir.path().join("data/tmp")).unwrap().count(), 0);
}

/// A small xorshift generator: the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn random_value(rng: &mut Rng, depth: u32) -> serde_json::Value {
    match rng.next() % if depth > 2 { 5 } else { 7 } {
        0 => serde_json::Value::Null,
        1 => json!(rng.next().is_multiple_of(2)),
        2 => json!(rng.next() as i64),
        3 => json!(rng.pick(&[
            "",
            "1.0.0",
            "Hello",
            "Development",
            "../x",
            "\u{0}",
            "API-X",
            "*:1.0",
            "[1.0,2.0)",
            "Production",
            "9999999999999999999999.0"
        ])),
        4 => json!("x".repeat((rng.next() % 300) as usize)),
        5 => serde_json::Value::Array((0..rng.next() % 4).map(|_| random_value(rng, depth + 1)).collect()),
        _ => {
            let keys = [
                "ProjectName",
                "releaseVersion",
                "EnvironmentNames",
                "Packages",
                "PackageId",
                "Version",
                "OverwriteMode",
                "OctopusBuildInformation",
                "Commits",
                "ChannelName",
                "ReleaseId",
                "EnvironmentId",
                "IgnoreIfAlreadyExists",
                "PackageVersion",
                "CustomFields",
                "Tenants",
                "SelectedPackages",
                "ProjectId",
            ];
            let mut map = serde_json::Map::new();
            for _ in 0..rng.next() % 6 {
                map.insert(rng.pick(&keys).to_owned(), random_value(rng, depth + 1));
            }
            serde_json::Value::Object(map)
        }
    }
}

#[tokio::test]
async fn random_requests_never_get_a_server_error() {
    let s = TestServer::start().await;
    s.push("Hello.1.0.0.zip", hello_zip("1.0.0"), "").await;
    s.create_release("Hello", "1.0.0").await;
    let mut rng = Rng(0x5EED_F00D_1234_5678);
    let resources = [
        "projects",
        "environments",
        "releases",
        "deployments",
        "tasks",
        "packages",
        "build-information",
        "channels",
        "lifecycles",
        "feeds",
        "deploymentprocesses",
        "spaces",
        "dashboard",
        "users",
    ];
    let segments = [
        "Hello",
        "Releases-1",
        "ServerTasks-1",
        "Deployments-1",
        "..",
        "%2F",
        "%00",
        "all",
        "raw",
        "details",
        "cancel",
        "progression",
        "template",
        "create",
        "v1",
        "untenanted",
        "1.0.0",
        "Projects-1",
        "bulk",
        "delta-signature",
        "x%20y",
        "%ZZ",
    ];
    for round in 0..1500 {
        let prefix = rng.pick(&["/api", "/api/Spaces-1", "/api/spaces/Default"]);
        let mut path = format!("{prefix}/{}", rng.pick(&resources));
        for _ in 0..rng.next() % 4 {
            path.push('/');
            path.push_str(rng.pick(&segments));
        }
        if rng.next().is_multiple_of(3) {
            path.push_str(rng.pick(&[
                "?ids=a,b",
                "?skip=-1&take=0",
                "?take=99999999999",
                "?partialName=%00",
                "?states=Queued&ids=",
                "?overwriteMode=x",
            ]));
        }
        let (status, body) = if round % 2 == 0 {
            s.get(&path).await
        } else {
            let body = if rng.next().is_multiple_of(4) {
                (0..rng.next() % 200).map(|_| rng.next() as u8).collect()
            } else {
                random_value(&mut rng, 0).to_string().into_bytes()
            };
            s.post_raw(&path, "application/json", body).await
        };
        assert!(!status.is_server_error(), "{path}: {status} {body}");
        if status.is_client_error() {
            assert!(body["ErrorMessage"].is_string(), "{path}: {status} {body}");
        }
    }
}

/// Raw bytes that are not ASCII, as a client may send them unencoded: UTF-8 of two, three and
/// four bytes (one across the `Spaces-` prefix), and sequences that are not UTF-8 at all
/// (a lone lead byte, an overlong `/`, bytes never valid in UTF-8).
const RAW: [&[u8]; 7] = [
    b"\xc3\xa9",
    "\u{20ac}\u{1d11e}".as_bytes(),
    b"Spaces\xc3\xa91",
    b"\xff\xfe",
    b"\xc3",
    b"\xc0\xaf",
    b"a\x80b",
];

/// Every route the app declares, read from its source so that a new route is covered too.
fn declared_routes() -> Vec<(String, String)> {
    let source = include_str!("../../src/api/mod.rs");
    let mut routes = Vec::new();
    for line in source.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix(".route(\"") else { continue };
        let Some((path, handlers)) = rest.split_once('"') else { continue };
        let path = path.replace(['{', '}'], "");
        for method in ["get", "post"] {
            if handlers.contains(&format!("{method}(")) {
                routes.push((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    assert!(routes.len() > 50, "the route list was not found in api/mod.rs: {routes:?}");
    routes
}

/// One raw request: `extra` headers replace the defaults of the same name.
fn raw_request(host: &str, method: &str, target: &[u8], key: &str, extra: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut headers: Vec<(&[u8], &[u8])> = vec![
        (b"Host", host.as_bytes()),
        (b"Connection", b"close"),
        (b"X-Octopus-ApiKey", key.as_bytes()),
        (b"Content-Length", if method == "POST" { b"2" } else { b"0" }),
    ];
    for (name, value) in extra {
        headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
        headers.push((name, value));
    }
    let mut raw = [method.as_bytes(), b" ", target, b" HTTP/1.1\r\n"].concat();
    for (name, value) in headers {
        raw.extend_from_slice(&[name, b": ", value, b"\r\n"].concat());
    }
    raw.extend_from_slice(b"\r\n");
    if method == "POST" {
        raw.extend_from_slice(b"{}");
    }
    raw
}

/// The answer's status, which must not be a server error; a dropped connection fails.
fn status_of(host: &str, raw: &[u8]) -> u16 {
    let shown = String::from_utf8_lossy(raw).into_owned();
    let answer = ferry_testkit::http::raw_exchange(host, raw)
        .unwrap_or_else(|err| panic!("no answer ({err}; did the server die?) to:\n{shown}"));
    let response =
        ferry_testkit::http::parse_response(&answer).unwrap_or_else(|err| panic!("{err}: {shown}"));
    assert!(response.status < 500, "{} for:\n{shown}\n{}", response.status, response.text());
    response.status
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_non_ascii_and_invalid_utf8_in_every_path_position_and_header() {
    let s = TestServer::start().await;
    let host = s.url.trim_start_matches("http://").to_owned();
    let key = s.key.clone().unwrap_or_default();
    let counted = tokio::task::spawn_blocking(move || {
        let mut sent = 0;
        for (method, path) in declared_routes() {
            let segments: Vec<&str> = path.split('/').collect();
            // Each segment in turn (`api` included), unscoped and under both space prefixes.
            for position in 1..segments.len() {
                for raw in RAW {
                    let parts: Vec<&[u8]> = segments[1..]
                        .iter()
                        .enumerate()
                        .map(|(index, segment)| if index + 1 == position { raw } else { segment.as_bytes() })
                        .collect();
                    let mut targets = vec![[b"/", parts.join(&b'/').as_slice()].concat()];
                    if position >= 2 {
                        for scope in [&b"/api/Spaces-1/"[..], b"/api/spaces/Default/"] {
                            targets.push([scope, parts[1..].join(&b'/').as_slice()].concat());
                        }
                    }
                    for target in targets {
                        status_of(&host, &raw_request(&host, &method, &target, &key, &[]));
                        sent += 1;
                    }
                }
            }
            // The query string too.
            for raw in RAW {
                let target = [path.as_bytes(), b"?skip=", raw, b"&take=1"].concat();
                status_of(&host, &raw_request(&host, &method, &target, &key, &[]));
                sent += 1;
            }
        }
        // Every header the server or its layers read, and some it does not, with each value.
        let headers: [&[u8]; 16] = [
            b"Host",
            b"X-Octopus-ApiKey",
            b"Authorization",
            b"Content-Type",
            b"Accept",
            b"X-Request-Id",
            b"Cookie",
            b"User-Agent",
            b"Accept-Encoding",
            b"If-None-Match",
            b"Range",
            b"Origin",
            b"X-Forwarded-For",
            b"Content-Length",
            b"Transfer-Encoding",
            b"X-\xc3\xa9-Name",
        ];
        for (method, path) in [
            ("GET", "/api/Spaces-1/projects"),
            ("GET", "/api/tasks/ServerTasks-1/raw"),
            ("POST", "/api/Spaces-1/packages/raw"),
            ("POST", "/api/releases/create/v1"),
            ("GET", "/api"),
        ] {
            for name in headers {
                for raw in RAW {
                    status_of(&host, &raw_request(&host, method, path.as_bytes(), &key, &[(name, raw)]));
                    sent += 1;
                }
            }
        }
        // The space itself.
        for raw in RAW {
            for scope in [&b"/api/"[..], b"/api/spaces/"] {
                let target = [scope, raw, b"/projects"].concat();
                status_of(&host, &raw_request(&host, "GET", &target, &key, &[]));
                sent += 1;
            }
        }
        // And a header whose name is not ASCII at all.
        status_of(&host, &raw_request(&host, "GET", b"/api", &key, &[(b"\xc3\xa9\xff", b"1")]));
        sent + 1
    })
    .await
    .unwrap();
    // Every request above was answered without a 5xx (status_of fails on one).
    println!("FIGURES hostile-bytes: requests_answered={counted}");
    assert!(counted > 1000, "only {counted} requests were sent");
    // And the server still answers normally.
    let (status, _) = s.get("/api/Spaces-1/projects").await;
    assert_eq!(status, StatusCode::OK);
}
