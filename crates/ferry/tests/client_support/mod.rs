//! Shared by the client, release and ship end-to-end tests: `ferry server` as a separate process
//! on a free loopback port with an API key (ferry-testkit's [`ServerProcess`]), `ferry` commands
//! against it, a raw HTTP GET for checking what the server stored (ferry-testkit's [`Client`]),
//! and a proxy that answers an error status before passing requests on (ferry-testkit's
//! [`FaultProxy`]).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use ferry_testkit::flow::ENVIRONMENTS_AND_DEFAULT_LIFECYCLE;
use ferry_testkit::http::Client;
use ferry_testkit::proxy::{Fault, FaultProxy, Match, Plan, Stats};
use ferry_testkit::server::{ServerBuilder, ServerProcess};

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

{ENVIRONMENTS_AND_DEFAULT_LIFECYCLE}[[projects]]
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

/// `ferry server` running in its own process (killed when dropped).
pub struct Server {
    process: ServerProcess,
    /// `http://127.0.0.1:PORT` (or `https://`).
    pub url: String,
    /// Files the server's arguments refer to (TLS certificates), kept while it runs.
    _files: Option<tempfile::TempDir>,
}

impl Server {
    /// Start with [`config`]`("")`.
    pub fn start() -> Server {
        Server::start_with(&config(""))
    }

    /// Start with this configuration text.
    pub fn start_with(config_text: &str) -> Server {
        Server::launch(config_text, &[], None)
    }

    /// Start with this configuration text and extra `ferry server` arguments referring to files
    /// in `files` (kept as long as the server runs).
    pub fn start_in(files: tempfile::TempDir, config_text: &str, extra: &[&str]) -> Server {
        Server::launch(config_text, extra, Some(files))
    }

    fn launch(config_text: &str, extra: &[&str], files: Option<tempfile::TempDir>) -> Server {
        let builder = extra.iter().fold(
            ServerBuilder::new(ferry_bin())
                .config(config_text)
                .env("FERRY_CI", "none")
                .startup_timeout(Duration::from_secs(60)),
            |builder, arg| builder.arg(*arg),
        );
        let process = builder.start().unwrap_or_else(|err| panic!("start ferry server: {err}"));
        let url = process.url();
        Server { process, url, _files: files }
    }

    /// A `ferry` command against this server with the right key, run in its temp folder.
    pub fn ferry(&self) -> Command {
        let mut cmd = Command::new(ferry_bin());
        cmd.current_dir(self.path())
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

    /// GET a JSON document from the server with the API key (panics on anything but 200).
    pub fn get(&self, path: &str) -> serde_json::Value {
        Client::new(&self.url, Some(KEY)).get_json(path)
    }

    /// Everything the server wrote on stdout and stderr so far.
    pub fn log(&self) -> String {
        self.process.logs()
    }

    /// The temp folder holding the data directory and the configuration, for work files.
    pub fn path(&self) -> &Path {
        self.process.dir()
    }
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

/// A loopback proxy in front of `server` that answers `status` to the first `failures` requests
/// whose target contains `matching`, and passes everything else through.
pub fn flaky_proxy(server: &Server, matching: &str, status: u16, failures: usize) -> FlakyProxy {
    FlakyProxy::start(server, matching, Fault::Respond { status, retry_after: None }, failures)
}

/// Like [`flaky_proxy`], but the failing requests reach the server first and only their answers
/// are replaced: the server did the work, the client sees `status`.
pub fn lossy_proxy(server: &Server, matching: &str, status: u16, failures: usize) -> FlakyProxy {
    FlakyProxy::start(server, matching, Fault::ReplaceResponse { status }, failures)
}

/// A [`FaultProxy`] faulting the first matching requests, with counts of what it did to them.
pub struct FlakyProxy {
    proxy: FaultProxy,
    matching: Match,
    /// The proxy's URL.
    pub url: String,
}

impl FlakyProxy {
    fn start(server: &Server, matching: &str, fault: Fault, failures: usize) -> FlakyProxy {
        let matching = Match::path(matching);
        let plan = Plan::pass().times(matching.clone(), fault, failures);
        let proxy = FaultProxy::start(server.process.addr(), plan).expect("start the proxy");
        let url = proxy.url();
        FlakyProxy { proxy, matching, url }
    }

    fn stats(&self) -> Stats {
        self.proxy.stats()
    }

    /// Matching requests answered with the failure status.
    pub fn failed(&self) -> usize {
        self.stats()
            .log
            .iter()
            .filter(|(info, fault)| *fault != Fault::Pass && self.matching.matches(info))
            .count()
    }

    /// Matching requests passed through.
    pub fn passed(&self) -> usize {
        self.stats().passed(&self.matching)
    }

    /// Every request the proxy saw, as `METHOD target`, in order.
    pub fn requests(&self) -> Vec<String> {
        self.stats().log.iter().map(|(info, _)| format!("{} {}", info.method, info.path)).collect()
    }
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

/// Run `command` until its stderr contains `marker`, then send it SIGINT; returns its exit code
/// and stderr.
pub fn interrupt_when(mut command: std::process::Command, marker: &str) -> (Option<i32>, String) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child =
        command.stderr(log.reopen().unwrap()).stdout(std::process::Stdio::null()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(log.path()).unwrap_or_default().contains(marker) {
        assert!(
            std::time::Instant::now() < deadline,
            "no `{marker}`: {}",
            std::fs::read_to_string(log.path()).unwrap()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "ended early: {}",
            std::fs::read_to_string(log.path()).unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Let the wait start polling (the marker is printed just before it).
    std::thread::sleep(std::time::Duration::from_millis(500));
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    (code, std::fs::read_to_string(log.path()).unwrap())
}
