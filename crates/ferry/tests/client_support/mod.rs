//! Shared by the client, release and ship end-to-end tests: `ferry server` as a separate process
//! on a free loopback port with an API key, `ferry` commands against it, a raw HTTP GET for
//! checking what the server stored, and a proxy that answers 503 before passing requests on.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The test API key.
pub const KEY: &str = "API-TESTKEY7Q2";

/// The binary under test.
pub fn ferry_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ferry"))
}

/// A configuration with Development (automatic), Test, Production; project Hello (echo deploy)
/// and Broken (a deploy command that fails), Slow (sleeps).
pub fn config(extra: &str) -> String {
    format!(
        r#"api_keys = ["{KEY}"]

[[environments]]
name = "Development"
[[environments]]
name = "Test"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Default"
[[lifecycles.phases]]
name = "Development"
environments = ["Development"]
automatic = true
[[lifecycles.phases]]
name = "Test"
environments = ["Test"]
[[lifecycles.phases]]
name = "Production"
environments = ["Production"]

[[projects]]
name = "Hello"
packages = ["Hello"]
deploy = "echo deploying Hello $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT"

[[projects]]
name = "Broken"
packages = ["Broken"]
deploy = "echo about to fail in $FERRY_ENVIRONMENT; echo the database is on fire >&2; exit 3"

[[projects]]
name = "Slow"
packages = ["Slow"]
deploy = "sleep 20"
{extra}"#
    )
}

/// `ferry server` running in its own process.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Temporary folder holding the data directory, the configuration and work files.
    pub dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Start with [`config`]`("")`.
    pub fn start() -> Server {
        Server::start_with(&config(""))
    }

    /// Start with this configuration text.
    pub fn start_with(config_text: &str) -> Server {
        Server::start_in(tempfile::tempdir().unwrap(), config_text, &[])
    }

    /// Start in `dir` with this configuration text and extra `ferry server` arguments.
    pub fn start_in(dir: tempfile::TempDir, config_text: &str, extra: &[&str]) -> Server {
        let config_path = dir.path().join("ferry.toml");
        std::fs::write(&config_path, config_text).unwrap();
        let mut child = StdCommand::new(ferry_bin())
            .arg("--config")
            .arg(&config_path)
            .arg("--data")
            .arg(dir.path().join("data"))
            .args(["--ci", "none", "server", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("FERRY_SERVER")
            .env_remove("FERRY_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ferry server");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let log_writer = log.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log_writer.lock().unwrap().push_str(&format!("{line}\n"));
                if !sent && let Some(at) = line.find("listening on ") {
                    let url =
                        line[at + "listening on ".len()..].split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send(url);
                    sent = true;
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("ferry server did not say `listening on`; its stderr:\n{}", log.lock().unwrap());
            }
        };
        Server { child, url, dir, log }
    }

    /// A `ferry` command against this server with the right key, run in the temp folder.
    pub fn ferry(&self) -> Command {
        let mut cmd = Command::new(ferry_bin());
        cmd.current_dir(self.dir.path())
            .env("FERRY_SERVER", &self.url)
            .env("FERRY_API_KEY", KEY)
            .env("FERRY_CI", "none")
            .env("FERRY_RETRY_BASE_MS", "50")
            .env_remove("OCTOPUS_URL")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("TF_BUILD")
            .timeout(Duration::from_secs(120));
        cmd
    }

    /// GET a JSON document from the server with the API key.
    pub fn get(&self, path: &str) -> serde_json::Value {
        http_get_json(&self.url, path, Some(KEY))
    }

    /// Everything the server wrote on stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The temp folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET `path` from `base` and parse the JSON answer (panics on non-2xx).
pub fn http_get_json(base: &str, path: &str, key: Option<&str>) -> serde_json::Value {
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(addr).unwrap();
    let key_header = key.map(|k| format!("X-Octopus-ApiKey: {k}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{key_header}Accept: application/json\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 2"), "GET {path}: {head}\n{body}");
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_owned()
    };
    serde_json::from_str(&body).unwrap_or_else(|err| panic!("GET {path}: not JSON ({err}): {body}"))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

/// Create a package with `ferry package create` from a small folder; returns its path.
pub fn make_package(dir: &Path, id: &str, version: &str) -> PathBuf {
    let app = dir.join(format!("app-{id}"));
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), format!("<h1>{id} {version}</h1>\n")).unwrap();
    std::fs::write(app.join("app.conf"), "greeting = hello\n").unwrap();
    let out = dir.join("packages");
    Command::new(ferry_bin())
        .current_dir(dir)
        .args(["--ci", "none", "package", "create", "--id", id, "--version", version, "--overwrite"])
        .arg("--base-path")
        .arg(&app)
        .arg("--out-folder")
        .arg(&out)
        .assert()
        .success();
    out.join(format!("{id}.{version}.zip"))
}

/// Releases of the project with this id, from the server.
pub fn release_versions(server: &Server, project_id: &str) -> Vec<String> {
    let page = server.get(&format!("/api/Spaces-1/projects/{project_id}/releases?take=1000"));
    let mut versions: Vec<String> =
        page["Items"].as_array().unwrap().iter().map(|r| r["Version"].as_str().unwrap().to_owned()).collect();
    versions.sort();
    versions
}

/// The stdout of a finished command as JSON.
pub fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not one JSON document ({err}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// A loopback proxy in front of `upstream` that answers `status` to the first `failures`
/// requests whose request line contains `matching`, and passes everything else through.
pub struct FlakyProxy {
    /// The proxy's URL.
    pub url: String,
    /// Requests answered with the failure status.
    pub failed: Arc<AtomicUsize>,
    /// Matching requests passed through.
    pub passed: Arc<AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl FlakyProxy {
    /// Start the proxy; it stops when dropped (or after 5 minutes).
    pub fn start(upstream: &str, matching: &str, status: u16, failures: usize) -> FlakyProxy {
        FlakyProxy::start_mode(upstream, matching, status, failures, false)
    }

    /// Like [`FlakyProxy::start`], but the failing requests reach the server first and only
    /// their answers are replaced: the server did the work, the client sees `status`.
    pub fn start_lossy(upstream: &str, matching: &str, status: u16, failures: usize) -> FlakyProxy {
        FlakyProxy::start_mode(upstream, matching, status, failures, true)
    }

    fn start_mode(upstream: &str, matching: &str, status: u16, failures: usize, lossy: bool) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let matching = matching.to_owned();
        let failed = Arc::new(AtomicUsize::new(0));
        let passed = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (f, p, s) = (failed.clone(), passed.clone(), stop.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            while !s.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(300) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let (upstream, matching, f, p) =
                            (upstream.clone(), matching.clone(), f.clone(), p.clone());
                        std::thread::spawn(move || {
                            let _ =
                                serve_one(client, &upstream, &matching, (status, failures, lossy), &f, &p);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FlakyProxy { url, failed, passed, stop }
    }
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve_one(
    mut client: TcpStream,
    upstream: &str,
    matching: &str,
    (status, failures, lossy): (u16, usize, bool),
    failed: &AtomicUsize,
    passed: &AtomicUsize,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    // One request per connection: read the head, then the body by Content-Length.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head_text = String::from_utf8_lossy(&head).into_owned();
    let length: usize = head_text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    client.read_exact(&mut body)?;
    let request_line = head_text.lines().next().unwrap_or("").to_owned();
    if request_line.contains(matching) {
        if failed.load(Ordering::SeqCst) < failures {
            failed.fetch_add(1, Ordering::SeqCst);
            if lossy {
                // Let the server do the work, then lose its answer.
                let _ = forward(upstream, &head_text, &body)?;
            }
            let text = "{\"ErrorMessage\":\"The server is busy\"}";
            write!(
                client,
                "HTTP/1.1 {status} Busy\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            )?;
            return Ok(());
        }
        passed.fetch_add(1, Ordering::SeqCst);
    }
    // Pass it on with `Connection: close`, and hand back the answer with the same header.
    let answer = forward(upstream, &head_text, &body)?;
    if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&answer[..end]).into_owned();
        let kept: Vec<&str> =
            head.split("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
        client.write_all(format!("{}\r\nConnection: close\r\n\r\n", kept.join("\r\n")).as_bytes())?;
        client.write_all(&answer[end + 4..])?;
    } else {
        client.write_all(&answer)?;
    }
    client.flush()
}

fn forward(upstream: &str, head_text: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut forwarded = String::new();
    for line in head_text.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("Connection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(forwarded.as_bytes())?;
    server.write_all(body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    Ok(answer)
}

/// Run git in `repo` with a test identity; returns stdout, trimmed.
pub fn git(repo: &Path, args: &[&str]) -> String {
    let out = StdCommand::new("git")
        .current_dir(repo)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.test", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A new repository at `dir` with one empty commit per message.
pub fn git_repo(dir: &Path, messages: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    for message in messages {
        git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    }
    dir.to_owned()
}
