//! Shared pieces of Ferry's fuzz targets: one in-process `ferry server` per fuzzing process
//! (over a data directory on tmpfs when there is one), and checks on its answers.

use std::sync::OnceLock;

use ferry_testkit::http::{self, Response};

/// The server all HTTP targets of this process talk to.
pub struct Fuzzed {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The data directory (everything the server writes must stay inside it).
    pub data_dir: std::path::PathBuf,
}

/// Start the server on first use; it lives until the process ends.
pub fn server() -> &'static Fuzzed {
    static SERVER: OnceLock<Fuzzed> = OnceLock::new();
    SERVER.get_or_init(|| {
        // fuzz/run.sh points FERRY_FUZZ_TMP at a directory it removes afterwards.
        let base = std::env::var("FERRY_FUZZ_TMP").unwrap_or_else(|_| {
            if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { "/tmp".into() }
        });
        let dir = tempfile::Builder::new().prefix("ferry-fuzz-").tempdir_in(base).expect("temp dir").keep();
        let data_dir = dir.join("data");
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let mut options = ferry_server::ServerOptions::embedded(data_dir.clone(), None);
        options.max_upload_bytes = 8 << 20;
        options.max_json_bytes = 64 << 10;
        let running = runtime.block_on(ferry_server::start(options)).expect("the server starts");
        let url = running.url();
        runtime.block_on(running.ensure_project("Fuzz", &["Fuzz".to_owned()])).expect("project");
        // Keep the runtime (and the server on it) alive for the whole process.
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let _running = running;
                std::future::pending::<()>().await
            })
        });
        Fuzzed { url, data_dir }
    })
}

/// Send a request; a connection error is a finding too (the server must answer everything).
pub fn send(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let server = server();
    match http::request(&server.url, method, path, headers, body) {
        Ok(response) => response,
        Err(error) => panic!("{method} {path}: the server did not answer: {error}"),
    }
}

/// The contract for hostile input: never a 5xx, always a JSON body on errors.
pub fn check(response: &Response, what: &str) {
    assert!(response.status < 500, "{what}: {} {}", response.status, response.text());
    if response.status >= 400 {
        assert!(response.is_json(), "{what}: error without JSON: {} {}", response.status, response.text());
    }
}
