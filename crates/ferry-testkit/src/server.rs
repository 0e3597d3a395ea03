//! Start `ferry server` as a child process for tests.
//!
//! The server listens on `127.0.0.1:0` (or the port of its previous life after a restart) over
//! a temporary data directory; [`ServerProcess::start`] waits until it has printed
//! `listening on http(s)://ADDR` and answers `GET /api`. Its stdout and stderr go to a log file
//! that tests can read (and scan for secrets). Dropping the process kills it.

use std::fs::{self, File};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::http::{self, Client};

/// The `ferry` binary to run: `$FERRY_BIN`, else `$CARGO_BIN_EXE_ferry`, else `ferry` next to
/// the running test executable's `deps/` directory (`target/debug/ferry`).
pub fn ferry_bin() -> PathBuf {
    for var in ["FERRY_BIN", "CARGO_BIN_EXE_ferry"] {
        if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            return PathBuf::from(path);
        }
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(format!("ferry{}", std::env::consts::EXE_SUFFIX))
}

/// A free loopback port (bound and released; a tiny race is possible, so prefer `:0` listens).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    bin: PathBuf,
    config: Option<String>,
    api_keys: Vec<String>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    data_dir: Option<PathBuf>,
    startup_timeout: Duration,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder::new(ferry_bin())
    }
}

impl ServerBuilder {
    /// A server run from this `ferry` binary (in the ferry crate's tests:
    /// `env!("CARGO_BIN_EXE_ferry")`).
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        ServerBuilder {
            bin: bin.into(),
            config: None,
            api_keys: Vec::new(),
            args: Vec::new(),
            envs: Vec::new(),
            data_dir: None,
            startup_timeout: Duration::from_secs(30),
        }
    }

    /// Use this `ferry.toml` text as `--config`.
    pub fn config(mut self, toml: &str) -> Self {
        self.config = Some(toml.to_owned());
        self
    }

    /// Require this API key (passed in `FERRY_SERVER_API_KEYS`).
    pub fn api_key(mut self, key: &str) -> Self {
        self.api_keys.push(key.to_owned());
        self
    }

    /// An extra argument after `server`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// An extra environment variable.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.envs.push((name.to_owned(), value.to_owned()));
        self
    }

    /// How long to wait for the server to listen and answer (30 s unless set).
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// Use this data directory instead of a fresh temporary one.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Start the server and wait until it answers.
    pub fn start(self) -> io::Result<ServerProcess> {
        let temp = tempfile::Builder::new().prefix("ferry-testkit-").tempdir()?;
        let data_dir = self.data_dir.clone().unwrap_or_else(|| temp.path().join("data"));
        fs::create_dir_all(&data_dir)?;
        let config_path = match &self.config {
            Some(text) => {
                let path = temp.path().join("ferry.toml");
                fs::write(&path, text)?;
                Some(path)
            }
            None => None,
        };
        let mut server = ServerProcess {
            builder: self,
            temp,
            data_dir,
            config_path,
            child: None,
            addr: None,
            scheme: "http",
            lives: 0,
        };
        server.spawn(None)?;
        Ok(server)
    }
}

/// A running (or killed) `ferry server` child process.
#[derive(Debug)]
pub struct ServerProcess {
    builder: ServerBuilder,
    temp: TempDir,
    data_dir: PathBuf,
    config_path: Option<PathBuf>,
    child: Option<Child>,
    addr: Option<SocketAddr>,
    scheme: &'static str,
    lives: u32,
}

impl ServerProcess {
    /// Start with defaults: a fresh data directory, no configuration, no API key.
    pub fn start() -> io::Result<ServerProcess> {
        ServerBuilder::default().start()
    }

    fn log_path_of(&self, life: u32) -> PathBuf {
        self.temp.path().join(format!("server-{life}.log"))
    }

    fn spawn(&mut self, port: Option<u16>) -> io::Result<()> {
        self.lives += 1;
        let log_path = self.log_path_of(self.lives);
        let log = File::create(&log_path)?;
        let mut command = Command::new(&self.builder.bin);
        command.arg("server").arg("--data").arg(&self.data_dir);
        if let Some(config) = &self.config_path {
            command.arg("--config").arg(config);
        }
        command.arg("--listen").arg(format!("127.0.0.1:{}", port.unwrap_or(0)));
        command.args(&self.builder.args);
        command.env_remove("FERRY_SERVER_API_KEYS").env_remove("FERRY_API_KEY").env_remove("FERRY_SERVER");
        if !self.builder.api_keys.is_empty() {
            command.env("FERRY_SERVER_API_KEYS", self.builder.api_keys.join(","));
        }
        for (name, value) in &self.builder.envs {
            command.env(name, value);
        }
        command.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
        let child = command.spawn().map_err(|e| {
            io::Error::new(e.kind(), format!("cannot run {}: {e}", self.builder.bin.display()))
        })?;
        self.child = Some(child);
        self.addr = None;
        let deadline = Instant::now() + self.builder.startup_timeout;
        loop {
            let text = fs::read_to_string(&log_path).unwrap_or_default();
            if let Some((scheme, addr)) = parse_listening(&text) {
                self.addr = Some(addr);
                self.scheme = scheme;
                break;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                return Err(io::Error::other(format!(
                    "ferry server exited ({status}) before listening:\n{text}"
                )));
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(io::Error::other(format!(
                    "ferry server did not say `listening on` in time:\n{text}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.scheme == "https" {
            return Ok(());
        }
        // Wait until it answers HTTP.
        loop {
            if http::request(&self.url(), "GET", "/api", &[], &[]).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let text = self.logs();
                self.kill();
                return Err(io::Error::other(format!("ferry server does not answer GET /api:\n{text}")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("the server is not running")
    }

    /// `http://127.0.0.1:PORT` (or `https://`).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr())
    }

    /// The first API key, if any.
    pub fn api_key(&self) -> Option<&str> {
        self.builder.api_keys.first().map(String::as_str)
    }

    /// A raw HTTP client for it, with its first API key.
    pub fn client(&self) -> Client {
        Client::new(self.url(), self.api_key())
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The configuration file, when one was given.
    pub fn config_path(&self) -> Option<&Path> {
        self.config_path.as_deref()
    }

    /// The temporary folder holding the data directory (`data/`, unless one was given), the
    /// configuration (`ferry.toml`) and the logs; it lives as long as this server.
    pub fn dir(&self) -> &Path {
        self.temp.path()
    }

    /// A scratch directory that lives as long as this server (for packages, outputs, ...).
    pub fn scratch(&self) -> PathBuf {
        let dir = self.temp.path().join("scratch");
        let _ = fs::create_dir_all(&dir);
        dir
    }

    /// Everything every life of the server wrote on stdout and stderr.
    pub fn logs(&self) -> String {
        (1..=self.lives).map(|life| fs::read_to_string(self.log_path_of(life)).unwrap_or_default()).collect()
    }

    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// SIGKILL it and reap it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM it and wait up to `timeout` for it to exit; SIGKILL after that. Returns whether it
    /// exited by itself.
    pub fn terminate(&mut self, timeout: Duration) -> bool {
        let Some(mut child) = self.child.take() else { return true };
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// Start it again over the same data directory, on the same port when possible.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        let port = self.addr.map(|a| a.port());
        match self.spawn(port) {
            Ok(()) => Ok(()),
            Err(_) => {
                self.kill();
                self.spawn(None)
            }
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Find `listening on http://ADDR` (or https) in a log.
pub fn parse_listening(log: &str) -> Option<(&'static str, SocketAddr)> {
    for line in log.lines() {
        let Some(at) = line.find("listening on ") else { continue };
        let rest = &line[at + "listening on ".len()..];
        let (scheme, rest) = if let Some(r) = rest.strip_prefix("https://") {
            ("https", r)
        } else if let Some(r) = rest.strip_prefix("http://") {
            ("http", r)
        } else {
            continue;
        };
        let addr_text: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
        if let Ok(addr) = addr_text.parse() {
            return Some((scheme, addr));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_listening_line() {
        let log = "2026 INFO starting\nferry server: listening on http://127.0.0.1:41234 (data /tmp/x)\n";
        assert_eq!(parse_listening(log), Some(("http", "127.0.0.1:41234".parse().unwrap())));
        assert_eq!(parse_listening("listening on https://127.0.0.1:5/\n").map(|(s, _)| s), Some("https"));
        assert_eq!(parse_listening("listening soon"), None);
    }

    #[test]
    fn a_missing_binary_is_reported() {
        let error = ServerBuilder::new("/nonexistent/ferry").start().unwrap_err();
        assert!(error.to_string().contains("/nonexistent/ferry"), "{error}");
    }
}
