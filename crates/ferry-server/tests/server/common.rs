//! Test harness: a real server on 127.0.0.1:0 over a temporary data directory, driven with
//! reqwest, plus builders for zip, nupkg and tar.gz packages.

use std::io::Write;
use std::time::Duration;

use ferry_server::{RunningServer, ServerOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The configuration most tests use: three environments, a Default lifecycle (Development
/// automatic), and projects with deploy commands that succeed, fail, time out and run long.
pub const CONFIG: &str = r#"
[[environments]]
name = "Development"
[[environments]]
name = "Test"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Default"
phases = [
  { name = "Development", environments = ["Development"], automatic = true },
  { name = "Test", environments = ["Test"] },
  { name = "Production", environments = ["Production"] },
]

[[lifecycles]]
name = "Manual"
phases = [
  { name = "Development", environments = ["Development"] },
  { name = "Test", environments = ["Test"], optional = true },
  { name = "Production", environments = ["Production"] },
]

[[projects]]
name = "Hello"
packages = ["Hello"]
deploy = { Development = "echo deploying $FERRY_PROJECT $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT; cat \"$FERRY_PACKAGE_HELLO/app.txt\"", Test = "echo failing >&2; exit 3", Production = "echo prod ok" }

[[projects]]
name = "Manual App"
lifecycle = "Manual"
packages = ["Manual.App"]

[[projects]]
name = "Slow"
lifecycle = "Manual"
packages = []
deploy = "sleep 30"
deploy_timeout = "1s"

[[projects]]
name = "Long"
lifecycle = "Manual"
packages = []
deploy = "echo started; sleep 60"

[[projects]]
name = "Env"
lifecycle = "Manual"
packages = ["Hello.Lib"]
deploy = "env | grep ^FERRY_ | sort; ls \"$FERRY_PACKAGE_HELLO_LIB\"; test -z \"$FERRY_SERVER_API_KEYS\""

[[projects]]
name = "Serial"
lifecycle = "Manual"
packages = []
deploy = "echo start $FERRY_RELEASE_VERSION >> \"$FERRY_CONFIG_DIR/serial.log\"; sleep 0.3; echo end $FERRY_RELEASE_VERSION >> \"$FERRY_CONFIG_DIR/serial.log\""

[[projects]]
name = "Bomb"
lifecycle = "Manual"
packages = ["Bomb"]
deploy = "echo should not run"

[[projects]]
name = "Channels"
lifecycle = "Manual"
packages = ["Chan"]

[[channels]]
project = "Channels"
name = "Stable"
default = true
tag = "^$"
version_range = "[1.0,2.0)"

[[channels]]
project = "Channels"
name = "Beta"
tag = "^beta"
"#;

/// A running test server.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub server: Option<RunningServer>,
    pub client: reqwest::Client,
    pub url: String,
    pub key: Option<String>,
    pub config: Option<String>,
    pub keys: Vec<String>,
}

/// A reqwest client; installs ring as the rustls provider first (reqwest is built without one).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

impl TestServer {
    /// Start with [`CONFIG`].
    pub async fn start() -> TestServer {
        TestServer::with(Some(CONFIG), &[]).await
    }

    /// Start with a configuration (None: defaults) and API keys.
    pub async fn with(config: Option<&str>, keys: &[&str]) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let server = Self::launch(&dir, config, &keys).await;
        let url = server.url();
        TestServer {
            dir,
            server: Some(server),
            client: http_client(),
            url,
            key: keys.first().cloned(),
            config: config.map(str::to_owned),
            keys,
        }
    }

    /// Fields for a server built by hand (`..TestServer::empty()`); never started itself.
    pub fn empty() -> TestServer {
        TestServer {
            dir: tempfile::tempdir().unwrap(),
            server: None,
            client: http_client(),
            url: String::new(),
            key: None,
            config: None,
            keys: Vec::new(),
        }
    }

    /// Start with [`CONFIG`] and a package upload limit.
    pub async fn with_upload_limit(max_upload_bytes: u64) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut options = ServerOptions::embedded(dir.path().join("data"), None);
        options.max_upload_bytes = max_upload_bytes;
        options.max_json_bytes = 4096;
        let server = ferry_server::start(options).await.unwrap();
        let url = server.url();
        TestServer {
            dir,
            server: Some(server),
            client: http_client(),
            url,
            key: None,
            config: None,
            keys: Vec::new(),
        }
    }

    async fn launch(dir: &tempfile::TempDir, config: Option<&str>, keys: &[String]) -> RunningServer {
        let config_path = config.map(|text| {
            let path = dir.path().join("ferry.toml");
            std::fs::write(&path, text).unwrap();
            path
        });
        let mut options = ServerOptions::embedded(dir.path().join("data"), config_path);
        options.api_keys = keys.to_vec();
        options.workers = 4;
        options.shutdown_grace = Duration::from_millis(200);
        ferry_server::start(options).await.unwrap()
    }

    /// Stop and start again over the same data directory.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        let server = Self::launch(&self.dir, self.config.as_deref(), &self.keys).await;
        self.url = server.url();
        self.server = Some(server);
    }

    /// Stop.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    fn authed(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.key {
            Some(key) => builder.header("X-Octopus-ApiKey", key),
            None => builder,
        }
    }

    /// GET, returning status and JSON (Null when the body is not JSON).
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.authed(self.client.get(format!("{}{path}", self.url))).send().await.unwrap();
        decode(response).await
    }

    /// GET the raw text.
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self.authed(self.client.get(format!("{}{path}", self.url))).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response =
            self.authed(self.client.post(format!("{}{path}", self.url))).json(&body).send().await.unwrap();
        decode(response).await
    }

    /// POST a raw body with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let response = self
            .authed(self.client.post(format!("{}{path}", self.url)))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        decode(response).await
    }

    /// Push a package file with a multipart field name and a query string.
    pub async fn push_as(
        &self,
        field: &str,
        file_name: &str,
        bytes: Vec<u8>,
        query: &str,
    ) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str("application/octet-stream")
            .unwrap();
        let form = reqwest::multipart::Form::new().part(field.to_owned(), part);
        let response = self
            .authed(self.client.post(format!("{}/api/Spaces-1/packages/raw{query}", self.url)))
            .multipart(form)
            .send()
            .await
            .unwrap();
        decode(response).await
    }

    /// Push with the Go client's field name `file`.
    pub async fn push(&self, file_name: &str, bytes: Vec<u8>, query: &str) -> (StatusCode, Value) {
        self.push_as("file", file_name, bytes, query).await
    }

    /// Create a release with the executions API.
    pub async fn create_release(&self, project: &str, version: &str) -> (StatusCode, Value) {
        self.post(
            "/api/Spaces-1/releases/create/v1",
            json!({"spaceIdOrName": "Spaces-1", "spaceId": "Spaces-1", "projectName": project, "releaseVersion": version,
                   "ignoreIfAlreadyExists": false, "ignoreChannelRules": false}),
        )
        .await
    }

    /// Deploy with the executions API.
    pub async fn deploy(&self, project: &str, version: &str, environments: &[&str]) -> (StatusCode, Value) {
        self.post(
            "/api/Spaces-1/deployments/create/untenanted/v1",
            json!({"spaceIdOrName": "Spaces-1", "releaseVersion": version, "environmentNames": environments,
                   "forcePackageRedeployment": false, "updateVariableSnapshot": false, "spaceId": "Spaces-1",
                   "projectName": project, "forcePackageDownload": false, "useGuidedFailure": null}),
        )
        .await
    }

    /// The task of the release's first automatic deployment, which the server queues after
    /// answering the create request (as Octopus does): polled for, at most 5 s.
    pub async fn automatic_task(&self, release_id: &str) -> String {
        for _ in 0..100 {
            let (_, deployments) = self.get(&format!("/api/releases/{release_id}/deployments")).await;
            if let Some(task) = deployments["Items"][0]["TaskId"].as_str() {
                return task.to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("release {release_id} got no automatic deployment");
    }

    /// Poll a task until it completes (at most 30 s).
    pub async fn wait_task(&self, id: &str) -> Value {
        for _ in 0..600 {
            let (status, task) = self.get(&format!("/api/tasks/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{task}");
            if task["IsCompleted"] == json!(true) {
                return task;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("task {id} did not complete");
    }

    /// Deployments of a project's release, as (environment name, task) pairs, once all tasks end.
    pub async fn env_id(&self, name: &str) -> String {
        let (_, env) = self.get(&format!("/api/environments/{name}")).await;
        env["Id"].as_str().unwrap().to_owned()
    }
}

async fn decode(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A zip archive with the given files.
pub fn zip_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut out);
        let options =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in files {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap();
    }
    out.into_inner()
}

/// A nupkg whose nuspec says `id` and `version`.
pub fn nupkg_bytes(id: &str, version: &str) -> Vec<u8> {
    let nuspec = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><package xmlns="http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd"><metadata><id>{id}</id><version>{version}</version><description>test package</description><authors>tests</authors><title>Title of {id}</title></metadata></package>"#
    );
    zip_bytes(&[(&format!("{id}.nuspec"), nuspec.as_bytes()), ("content/readme.txt", b"hello")])
}

/// A tar.gz with the given files.
pub fn targz_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// The standard Hello package.
pub fn hello_zip(version: &str) -> Vec<u8> {
    zip_bytes(&[
        ("app.txt", format!("hello {version}\n").as_bytes()),
        ("bin/run.sh", b"#!/bin/sh\necho run\n"),
    ])
}

/// Task ids of a `DeploymentServerTasks` answer.
pub fn task_ids(answer: &Value) -> Vec<String> {
    answer["DeploymentServerTasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["ServerTaskId"].as_str().unwrap().to_owned())
        .collect()
}
