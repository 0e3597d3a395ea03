//! One scenario, two deployment servers: `ferry server` (its own process, speaking the Octopus
//! API) and GitHub (ferry-testkit's fake, which judges every request by GitHub's published
//! OpenAPI description; `source tests/github/env.sh` first). The same `ferry` commands run
//! against both, and their JSON documents must have the same shape, so parity is measured, not
//! claimed.
//!
//! Covered through the binary on both: `package push`, `build-info push`, `release create` (each
//! run twice), `ship`, `release deploy` (on GitHub with `--exec`), an external
//! deployer with `--wait` (on GitHub the test posts the statuses a deployment workflow would),
//! `release promote`, `release rollback`, lifecycle refusal, `task wait` re-runs, and a lost
//! answer to the deployment's create.

mod client_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use client_support::{KEY, Server, lossy_proxy, make_package};
use ferry_testkit::flow::ENVIRONMENTS_AND_DEFAULT_LIFECYCLE;
use ferry_testkit::github::{FAKE_TOKEN, FakeGitHub, Fault};
use serde_json::Value;

/// Prints where it deploys and a file of the unpacked package (`FERRY_PACKAGE_SHOP`).
const DEPLOY: &str =
    "echo deploying shop $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT; cat $FERRY_PACKAGE_SHOP/index.html";
const SHA: &str = "3f786850e387550fdab836ed7e6dc881de23001b";

/// Development, Test, Production in three phases, none automatic (GitHub has no automatic
/// deployments), and the project `shop` (the fake's repository is acme/shop).
fn config() -> String {
    let environments = ENVIRONMENTS_AND_DEFAULT_LIFECYCLE.replace("automatic = true\n", "");
    format!(
        "api_keys = [\"{KEY}\"]\n\n{environments}[[projects]]\nname = \"shop\"\npackages = [\"shop\"]\ndeploy = \"{DEPLOY}\"\n"
    )
}

/// A deployment server the scenario runs against.
enum Target {
    Ferry(Box<Server>),
    GitHub { fake: FakeGitHub, dir: tempfile::TempDir },
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Ferry(_) => "ferry server",
            Target::GitHub { .. } => "GitHub",
        }
    }

    /// `ferry` against this target, with `server_url` in place of its own when given (a proxy).
    fn ferry_via(&self, server_url: Option<&str>) -> Command {
        match self {
            Target::Ferry(server) => {
                let mut cmd = server.ferry();
                if let Some(url) = server_url {
                    cmd.env("FERRY_SERVER", url);
                }
                cmd
            }
            Target::GitHub { fake, dir } => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferry"));
                cmd.current_dir(dir.path())
                    .env("FERRY_SERVER", format!("{}/acme/shop", fake.origin()))
                    .env("GITHUB_API_URL", fake.api_url())
                    .env("GITHUB_TOKEN", FAKE_TOKEN)
                    .env("GITHUB_SHA", SHA)
                    .env("FERRY_CI", "none")
                    .env("FERRY_RETRY_BASE_MS", "20")
                    .env_remove("GH_TOKEN")
                    .env_remove("FERRY_API_KEY")
                    .env_remove("OCTOPUS_URL")
                    .env_remove("GITHUB_ACTIONS")
                    .timeout(Duration::from_secs(120));
                cmd
            }
        }
    }

    /// What `--exec` adds: on GitHub the deployment runs here; `ferry server` runs its own.
    fn exec_args(&self) -> Vec<&'static str> {
        match self {
            Target::Ferry(_) => Vec::new(),
            Target::GitHub { .. } => vec!["--exec", DEPLOY],
        }
    }

    /// A folder for work files (packages, build information).
    fn work_dir(&self) -> &std::path::Path {
        match self {
            Target::Ferry(server) => server.path(),
            Target::GitHub { dir, .. } => dir.path(),
        }
    }

    /// How many deployments the server holds.
    fn deployment_count(&self) -> usize {
        match self {
            Target::Ferry(server) => {
                server.get("/api/Spaces-1/deployments?take=1000")["Items"].as_array().unwrap().len()
            }
            Target::GitHub { fake, .. } => fake.deployments().len(),
        }
    }

    /// Play the external deployer until the guard drops: on GitHub, every deployment without a
    /// status goes `in_progress`, then `success`, as a workflow on `deployment` would report it.
    fn external_deployer(&self) -> Option<Deployer<'_>> {
        let Target::GitHub { fake, .. } = self else { return None };
        Some(Deployer { fake, stop: Arc::new(AtomicBool::new(false)) })
    }
}

struct Deployer<'a> {
    fake: &'a FakeGitHub,
    stop: Arc<AtomicBool>,
}

impl Deployer<'_> {
    /// Run `body` while this deployer answers deployments.
    fn during<T>(&self, body: impl FnOnce() -> T) -> T {
        self.stop.store(false, Ordering::Relaxed);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !self.stop.load(Ordering::Relaxed) {
                    for deployment in self.fake.deployments() {
                        let id = deployment["id"].as_u64().unwrap();
                        if self.fake.status_states(id).is_empty() {
                            self.fake.set_status(id, "in_progress");
                            std::thread::sleep(Duration::from_millis(100));
                            self.fake.set_status(id, "success");
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
            let result = body();
            self.stop.store(true, Ordering::Relaxed);
            result
        })
    }
}

fn start(github: bool) -> Target {
    if !github {
        return Target::Ferry(Box::new(Server::start_with(&config())));
    }
    let fake = FakeGitHub::start("acme", "shop");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ferry.toml"), config()).unwrap();
    Target::GitHub { fake, dir }
}

/// A JSON document with every leaf replaced by its type: what "the same shape" compares.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().take(1).map(shape).collect()),
        Value::String(_) => Value::from("string"),
        Value::Number(_) => Value::from("number"),
        Value::Bool(_) => Value::from("bool"),
        Value::Null => Value::from("null"),
    }
}

/// Run `ferry -o json ARGS`; returns (exit code, JSON document, stderr).
fn run(target: &Target, server_url: Option<&str>, args: &[&str]) -> (i32, Value, String) {
    let output = target.ferry_via(server_url).args(["-o", "json"]).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), json, stderr)
}

const WAIT: &[&str] = &["--wait", "--poll-interval", "100ms", "--timeout", "60s"];

/// The scenario; returns each step's JSON shape by step name.
fn scenario(target: &Target) -> BTreeMap<&'static str, Value> {
    let name = target.name();
    let mut shapes = BTreeMap::new();
    let build_info = target.work_dir().join("buildinfo.json");
    std::fs::write(&build_info, r#"{"BuildEnvironment": "test", "BuildNumber": "7", "VcsType": "Git"}"#)
        .unwrap();
    for version in ["1.0.0", "1.1.0"] {
        // package push, twice: the second run finds the same content and changes nothing.
        let package = make_package(target.work_dir(), "shop", version);
        let package = package.to_str().unwrap();
        for _ in 0..2 {
            let (code, json, stderr) =
                run(target, None, &["package", "push", "--if-exists", "ignore", package]);
            assert_eq!(code, 0, "{name}: {stderr}");
            assert_eq!(json[0]["packageId"], "shop", "{name}: {json}");
            shapes.insert("package push", shape(&json));
        }
        // build-info push.
        let args = ["build-info", "push", "--package-id", "shop", "--version", version, "--file"];
        let (code, json, stderr) = run(target, None, &[&args[..], &[build_info.to_str().unwrap()]].concat());
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(json["version"], version, "{name}: {json}");
        shapes.insert("build-info push", shape(&json));
        // release create, twice: the re-run with --if-exists ignore finds the release.
        let spec = format!("shop:{version}");
        let args = ["release", "create", "--project", "shop", "--version", version, "--package", &spec];
        let (code, json, stderr) = run(target, None, &args);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(json["existing"], false, "{name}: {json}");
        assert_eq!(json["version"], version, "{name}");
        shapes.insert("release create", shape(&json));
        let (code, json, stderr) = run(target, None, &[&args[..], &["--if-exists", "ignore"]].concat());
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(json["existing"], true, "{name}: a re-run uses the release: {json}");
    }

    // release deploy (on GitHub with --exec: the deploy command runs here).
    let deploy = |version: &str, to: &str, extra: &[&str]| {
        let mut args = vec!["release", "deploy", "--project", "shop", "--version", version, "--to", to];
        args.extend(extra);
        args.extend(WAIT);
        run(target, None, &args)
    };
    let (code, json, stderr) = deploy("1.0.0", "Development", &target.exec_args());
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(json["deployments"][0]["state"], "Success", "{name}: {json}");
    assert_eq!(json["release"]["version"], "1.0.0", "{name}");
    assert!(
        stderr.contains("deploying shop 1.0.0 to Development"),
        "{name}: the deploy command's log:\n{stderr}"
    );
    assert!(
        stderr.contains("<h1>shop 1.0.0</h1>"),
        "{name}: the package, unpacked for the command:\n{stderr}"
    );
    shapes.insert("release deploy", shape(&json));

    // Lifecycle refusal: Production before Test.
    let before = target.deployment_count();
    let (code, json, stderr) = deploy("1.0.0", "Production", &target.exec_args());
    assert_eq!(code, 1, "{name}: a lifecycle refusal is a failure: {stderr}");
    assert_eq!(target.deployment_count(), before, "{name}: nothing deployed");
    shapes.insert("lifecycle refusal", shape(&json));

    // promote: the newest release that succeeded in Development goes to Test.
    let mut args = vec!["release", "promote", "--project", "shop", "--from", "Development", "--to", "Test"];
    args.extend(target.exec_args());
    args.extend(WAIT);
    let (code, json, stderr) = run(target, None, &args);
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(json["release"]["version"], "1.0.0", "{name}: {json}");
    assert_eq!(json["deployments"][0]["environment"], "Test", "{name}");
    shapes.insert("release promote", shape(&json));

    // An external deployer runs 1.1.0 in Development and Test; --wait waits for its statuses.
    let external = target.external_deployer();
    for to in ["Development", "Test"] {
        let body = || deploy("1.1.0", to, &[]);
        let (code, json, stderr) = match &external {
            Some(deployer) => deployer.during(body),
            None => body(),
        };
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(json["deployments"][0]["state"], "Success", "{name}: {json}");
        shapes.insert("release deploy (external deployer)", shape(&json));
    }

    // task wait on a finished deployment, twice: the same answer each time.
    let task_id = json_task_id(target);
    let first = run(target, None, &["task", "wait", &task_id]);
    let again = run(target, None, &["task", "wait", &task_id]);
    assert_eq!(first.0, 0, "{name}: {}", first.2);
    assert_eq!(first.1, again.1, "{name}: a re-run answers the same");
    shapes.insert("task wait", shape(&first.1));

    // rollback: Test goes back from 1.1.0 to 1.0.0.
    let mut args = vec!["release", "rollback", "--project", "shop", "--environment", "Test"];
    args.extend(target.exec_args());
    args.extend(WAIT);
    let (code, json, stderr) = run(target, None, &args);
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(json["release"]["version"], "1.0.0", "{name}: {json}");
    shapes.insert("release rollback", shape(&json));

    // ship: package, push, build information, release and deploy in one step.
    let app = target.work_dir().join("app-shop");
    let mut args =
        vec!["ship", "--project", "shop", "--id", "shop", "--version", "1.2.0", "--to", "Development"];
    args.extend(["--base-path", app.to_str().unwrap()]);
    args.extend(target.exec_args());
    args.extend(WAIT);
    let (code, json, stderr) = run(target, None, &args);
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(json["release"]["version"], "1.2.0", "{name}: {json}");
    assert_eq!(json["deployments"][0]["state"], "Success", "{name}: {json}");
    shapes.insert("ship", shape(&json));

    // A lost answer to the deployment's create: one deployment, not two.
    let before = target.deployment_count();
    let mut args =
        vec!["release", "deploy", "--project", "shop", "--version", "1.0.0", "--to", "Development"];
    args.extend(target.exec_args());
    args.extend(WAIT);
    let (code, json, stderr) = match target {
        Target::Ferry(server) => {
            let proxy = lossy_proxy(server, "/deployments/create", 502, 1);
            let answer = run(target, Some(&proxy.url), &args);
            assert_eq!(proxy.failed(), 1, "the answer was lost once");
            answer
        }
        Target::GitHub { fake, .. } => {
            let posts = fake.count("repos/create-deployment");
            fake.inject("repos/create-deployment", Fault::LoseAnswer, 1);
            let answer = run(target, None, &args);
            assert_eq!(fake.count("repos/create-deployment"), posts + 1, "looked up, not posted again");
            answer
        }
    };
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(json["deployments"][0]["state"], "Success", "{name}: {json}");
    assert_eq!(target.deployment_count(), before + 1, "{name}: a lost answer makes no second deployment");

    if let Target::GitHub { fake, .. } = target {
        assert_eq!(fake.violations(), Vec::<String>::new(), "requests GitHub's description does not allow");
    }
    shapes
}

/// The task id of the newest deployment.
fn json_task_id(target: &Target) -> String {
    match target {
        Target::Ferry(server) => {
            server.get("/api/Spaces-1/deployments?take=1")["Items"][0]["TaskId"].as_str().unwrap().to_owned()
        }
        Target::GitHub { fake, .. } => fake.deployments()[0]["id"].as_u64().unwrap().to_string(),
    }
}

#[test]
fn the_same_commands_behave_alike_on_ferry_server_and_github() {
    let ferry = scenario(&start(false));
    let github = scenario(&start(true));
    for (step, shape) in &ferry {
        assert_eq!(Some(shape), github.get(step), "the JSON of `{step}` differs between the targets");
    }
    assert_eq!(ferry.len(), github.len());
}
