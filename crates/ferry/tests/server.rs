//! `ferry server` as a process: refusals, API keys from the environment, graceful shutdown on
//! SIGTERM, a SIGKILL during a deployment followed by a restart, one server per data directory,
//! HTTPS, no key and no colour code in any log; and the CLI's embedded server under a
//! configuration with API keys. HTTP requests go through curl.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const FERRY: &str = env!("CARGO_BIN_EXE_ferry");
const KEY: &str = "API-CLITESTKEY42";

const CONFIG: &str = r#"
[[environments]]
name = "Development"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Default"
phases = [
  { name = "Development", environments = ["Development"] },
  { name = "Production", environments = ["Production"] },
]

[[projects]]
name = "Long"
deploy = "echo started; echo $$ > \"$FERRY_CONFIG_DIR/long.pid\"; sleep 120"
"#;

struct Server {
    child: Child,
    url: String,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(dir: &Path, extra: &[&str], keys: Option<&str>) -> Server {
        std::fs::write(dir.join("ferry.toml"), CONFIG).unwrap();
        let mut command = Command::new(FERRY);
        command
            .args(["server", "-v", "--config"])
            .arg(dir.join("ferry.toml"))
            .arg("--data")
            .arg(dir.join("data"))
            .args(extra)
            .args(if extra.contains(&"--listen") { &[][..] } else { &["--listen", "127.0.0.1:0"][..] })
            .env_remove("FERRY_SERVER_API_KEYS")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(keys) = keys {
            command.env("FERRY_SERVER_API_KEYS", keys);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut server = Server { child, url: String::new(), log };
        while server.url.is_empty() {
            let line = server
                .log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("server did not start");
            if let Some(url) = line.strip_prefix("listening on ") {
                server.url = url.trim().to_owned();
            }
        }
        server
    }

    fn curl(&self, args: &[&str]) -> (u16, String) {
        curl(&self.url, args)
    }

    fn signal(&self, signal: &str) {
        Command::new("kill").args(["-s", signal, &self.child.id().to_string()]).status().unwrap();
    }

    fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The log so far. It was written to a pipe, so it must carry no colour codes.
    fn drain_log(&self) -> String {
        let mut out = String::new();
        while let Ok(line) = self.log.recv_timeout(Duration::from_millis(200)) {
            out.push_str(&line);
            out.push('\n');
        }
        assert!(!out.contains('\u{1b}'), "escape sequences in a log written to a pipe:\n{out:?}");
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// curl `base + path` with extra args; returns the status and the body.
fn curl(base: &str, args: &[&str]) -> (u16, String) {
    let (path, rest) = args.split_first().unwrap();
    let output = Command::new("curl")
        .args(["-s", "-k", "-w", "\n%{http_code}"])
        .args(rest)
        .arg(format!("{base}{path}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

fn header() -> String {
    format!("X-Octopus-ApiKey: {KEY}")
}

#[test]
fn refuses_a_public_address_without_keys_and_bad_keys() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(FERRY)
        .args(["server", "--listen", "0.0.0.0:0", "--data"])
        .arg(dir.path().join("data"))
        .env_remove("FERRY_SERVER_API_KEYS")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("without API keys"), "{stderr}");

    let output = Command::new(FERRY)
        .args(["server", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env("FERRY_SERVER_API_KEYS", "API-lowercase")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("FERRY_SERVER_API_KEYS") && !stderr.contains("API-lowercase"), "{stderr}");

    let output = Command::new(FERRY).args(["server", "--listen", "not-an-address"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));

    std::fs::write(dir.path().join("bad.toml"), "[[environments]]\nnme = \"typo\"\n").unwrap();
    let output = Command::new(FERRY)
        .args(["server", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.path().join("bad.toml"))
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nme"));
}

#[test]
fn keys_from_the_environment_sigterm_and_no_key_in_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut server =
        Server::start(dir.path(), &["--listen", "0.0.0.0:0"], Some(&format!("API-OTHER1, {KEY}")));
    // Listening on all interfaces is allowed with keys; talk to it over loopback.
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    server.url = format!("http://127.0.0.1:{port}");
    assert_eq!(server.curl(&["/api"]).0, 200);
    assert_eq!(server.curl(&["/api/projects"]).0, 401);
    assert_eq!(server.curl(&["/api/projects", "-H", "X-Octopus-ApiKey: API-WRONG"]).0, 401);
    let (status, body) = server.curl(&["/api/projects", "-H", &header()]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Long\""));
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(20)).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
    let log = server.drain_log();
    assert!(log.contains("request"), "request spans are logged: {log}");
    assert!(log.contains("id=\""), "with request ids: {log}");
    assert!(log.contains("status=401") && log.contains("status=200"), "{log}");
    assert!(!log.contains(KEY), "the key appears in the log:\n{log}");
    assert!(!log.contains("API-OTHER1"));
}

#[test]
fn sigkill_during_a_deployment_then_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], None);
    let (status, body) = server.curl(&[
        "/api/Spaces-1/releases/create/v1",
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"projectName":"Long","releaseVersion":"1.0.0"}"#,
    ]);
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.curl(&[
        "/api/Spaces-1/deployments/create/untenanted/v1",
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"projectName":"Long","releaseVersion":"1.0.0","environmentNames":["Development"]}"#,
    ]);
    assert_eq!(status, 200, "{body}");
    let task = body.split("\"ServerTaskId\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    // Wait until the command runs and its output is logged (its process group is recorded by then).
    let deadline = Instant::now() + Duration::from_secs(20);
    // (The line echoing the command also contains the word; the output line ends with it.)
    while !server.curl(&[&format!("/api/tasks/{task}/raw")]).1.lines().any(|line| line.ends_with(" started"))
    {
        assert!(Instant::now() < deadline, "the task never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.signal("KILL");
    drop(server);
    let restarted = Server::start(dir.path(), &[], None);
    let (status, body) = restarted.curl(&[&format!("/api/tasks/{task}")]);
    assert_eq!(status, 200);
    assert!(body.contains("\"State\":\"Failed\""), "{body}");
    assert!(body.contains("server stopped"), "{body}");
    let (_, releases) = restarted.curl(&["/api/releases"]);
    assert!(releases.contains("\"TotalResults\":1"), "{releases}");
    // The command the killed server left running was stopped by the restart.
    let pid = std::fs::read_to_string(dir.path().join("long.pid")).unwrap().trim().to_owned();
    let gone = Instant::now() + Duration::from_secs(10);
    let running = |pid: &str| {
        // A zombie (exited, not yet reaped by whoever adopted it) is not running.
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().next()) != Some("Z")
        })
    };
    while running(&pid) {
        assert!(Instant::now() < gone, "the leftover deploy command {pid} is still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serves_https_with_tls_files() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    // A missing openssl fails the test (tests/run.sh installs it): a skipped check is no pass.
    match made {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            panic!("openssl could not make the test certificate: {}", String::from_utf8_lossy(&out.stderr))
        }
        Err(err) => {
            panic!("openssl makes the test certificate and cannot run ({err}); tests/run.sh installs it")
        }
    }
    let server = Server::start(
        dir.path(),
        &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
        None,
    );
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let output = Command::new("curl")
        .args(["-s", "--cacert", cert.to_str().unwrap(), "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("{}/api", server.url))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "200");
}

#[test]
fn prints_the_dashboard_url_and_serves_it_read_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--dashboard-read-only"], None);
    let line = (0..20)
        .filter_map(|_| server.log.recv_timeout(Duration::from_secs(1)).ok())
        .find(|line| line.starts_with("dashboard: "))
        .expect("`ferry server` prints its dashboard URL");
    let dashboard = line.trim_start_matches("dashboard: ").trim().to_owned();
    assert_eq!(dashboard, format!("{}/app", server.url));
    let (code, body) = curl(&dashboard, &[""]);
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("<h1>Dashboard</h1>") && body.contains("Read-only"), "{body}");
    server.signal("TERM");
    server.wait_exit(Duration::from_secs(20));
}

#[test]
fn one_server_per_data_directory_until_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Server::start(dir.path(), &[], None);
    let second = Command::new(FERRY)
        .args(["server", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.path().join("ferry.toml"))
        .arg("--data")
        .arg(dir.path().join("data"))
        .env_remove("FERRY_SERVER_API_KEYS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("is in use by another ferry server (pid {})", first.child.id())),
        "names the owner: {stderr}"
    );
    assert_eq!(first.curl(&["/api/projects"]).0, 200, "the first server is unaffected");
    // SIGKILL leaves no chance to clean up: the OS releases the lock with the process.
    first.signal("KILL");
    first.wait_exit(Duration::from_secs(10)).expect("killed");
    assert!(dir.path().join("data/server.lock").exists());
    let again = Server::start(dir.path(), &[], None);
    assert_eq!(again.curl(&["/api/projects"]).0, 200);
}

/// The example configuration with API keys added: the CLI must still get into the embedded
/// server it starts itself, and print no key.
#[test]
fn the_embedded_server_lets_its_cli_in_when_the_configuration_has_api_keys() {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let example = std::fs::read_to_string(examples.join("ferry.toml")).unwrap();
    std::fs::write(dir.path().join("ferry.toml"), format!("api_keys = [\"API-EXAMPLEKEY1\"]\n\n{example}"))
        .unwrap();
    std::fs::copy(examples.join("deploy.sh"), dir.path().join("deploy.sh")).unwrap();
    let output = Command::new(FERRY)
        .current_dir(dir.path())
        .args([
            "-vv",
            "--config",
            "ferry.toml",
            "--data",
            "data",
            "ship",
            "--project",
            "Hello",
            "--id",
            "Hello",
        ])
        .args(["--version", "1.0.0", "--wait", "--base-path"])
        .arg(examples.join("hello"))
        .env("FERRY_DEPLOY_ROOT", dir.path().join("deployments"))
        .env("FERRY_CI", "none")
        .env("FERRY_EMBEDDED", "1")
        .env_remove("FERRY_SERVER")
        .env_remove("FERRY_API_KEY")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let deployed = std::fs::read_to_string(dir.path().join("deployments/Development/VERSION")).unwrap();
    assert_eq!(deployed.trim(), "1.0.0");
    assert!(!stdout.contains("API-") && !stderr.contains("API-"), "a key was printed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("DEBUG"), "the -vv log is there: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape sequences in -vv output to a pipe:\n{stderr:?}");
}

/// On a terminal (a pseudo-terminal made by util-linux `script`) the log is coloured, unless
/// NO_COLOR is set.
#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ferry.toml"), CONFIG).unwrap();
    let on_terminal = |no_color: Option<&str>| {
        let mut command = Command::new("script");
        command
            .args(["-q", "-e", "-c"])
            .arg(format!("'{FERRY}' -v --config ferry.toml --data data release create --project Nope"))
            .arg("/dev/null")
            .current_dir(dir.path())
            .env("FERRY_CI", "none")
            .env("FERRY_EMBEDDED", "1")
            .env_remove("FERRY_SERVER")
            .env_remove("NO_COLOR");
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let output = command.output().expect("util-linux `script` is needed for this test");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let coloured = on_terminal(None);
    assert!(coloured.contains("INFO"), "{coloured}");
    assert!(coloured.contains('\u{1b}'), "a terminal gets colours: {coloured:?}");
    let plain = on_terminal(Some("1"));
    assert!(plain.contains("INFO"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR is respected: {plain:?}");
}

/// The status lines `ferry server` prints at start, up to one second after the data directory
/// line (the configuration line, when there is one, follows it at once).
fn start_lines(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut child = Command::new(FERRY)
        .args(["server", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.join("data"))
        .args(extra)
        .current_dir(dir)
        .env_remove("FERRY_SERVER_API_KEYS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = log.recv_timeout(Duration::from_secs(20)) {
        let last = line.starts_with("data directory: ");
        lines.push(line);
        if last {
            break;
        }
    }
    while let Ok(line) = log.recv_timeout(Duration::from_secs(1)) {
        lines.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(lines.iter().any(|l| l.starts_with("data directory: ")), "the server did not start: {lines:?}");
    lines
}

#[test]
fn says_which_configuration_it_loaded_and_how_it_found_it() {
    let dir = tempfile::tempdir().unwrap();
    let configuration = |lines: &[String]| {
        lines.iter().filter(|l| l.starts_with("configuration: ")).cloned().collect::<Vec<_>>()
    };

    let none = start_lines(dir.path(), &[]);
    assert_eq!(configuration(&none), Vec::<String>::new(), "{none:?}");

    std::fs::write(dir.path().join("ferry.toml"), CONFIG).unwrap();
    let implicit = start_lines(dir.path(), &[]);
    assert_eq!(configuration(&implicit), ["configuration: ferry.toml (found in the working directory)"]);

    let named = dir.path().join("other.toml");
    std::fs::write(&named, CONFIG).unwrap();
    let flag = start_lines(dir.path(), &["--config", named.to_str().unwrap()]);
    assert_eq!(configuration(&flag), [format!("configuration: {} (from --config)", named.display())]);
}
