//! Reliability: faults between client and server, crash safety, concurrency.
//!
//! Short versions run in `cargo test`; `FERRY_LONG=1` runs the long ones (more seeds, larger
//! packages, 50 crash runs, 200 concurrent releases). Each test prints one `FIGURES` line with
//! what it did (runs, faults injected, crashes survived, data lost) for the README.

use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use ferry_testkit::flow::{self, API_KEY, describe, ferry, text};
use ferry_testkit::http::{Client, Part};
use ferry_testkit::proxy::Fault;
use ferry_testkit::proxy::{FaultProxy, Match, Plan};
use ferry_testkit::rng::Rng;
use ferry_testkit::server::{ServerBuilder, ServerProcess};
use ferry_testkit::{long_mode, runs};
use serde_json::{Value, json};

fn start_server(slow_seconds: f64) -> ServerProcess {
    ServerBuilder::new(env!("CARGO_BIN_EXE_ferry"))
        .config(&flow::config(None, slow_seconds))
        .api_key(API_KEY)
        .start()
        .expect("ferry server starts")
}

fn seeds() -> Vec<u64> {
    (1..=runs(3, 20) as u64).collect()
}

/// What a fault suite saw, counted from the server's state after each run and never assumed: the
/// README's "0 lost" and "0 duplicates" are these counts, printed before the checks on them.
#[derive(Default)]
struct Observed {
    runs: u64,
    faults: u64,
    lost: u64,
    duplicates: u64,
    failures: Vec<String>,
}

impl Observed {
    /// One object that must exist exactly once; `found` copies are on the server.
    fn exactly_once(&mut self, what: String, found: usize) {
        match found {
            1 => {}
            0 => {
                self.lost += 1;
                self.failures.push(format!("{what}: missing"));
            }
            n => {
                self.duplicates += n as u64 - 1;
                self.failures.push(format!("{what}: {n} copies"));
            }
        }
    }

    /// A stored object whose bytes are not the ones sent counts as lost.
    fn intact(&mut self, what: String, intact: bool) {
        if !intact {
            self.lost += 1;
            self.failures.push(format!("{what}: stored bytes differ"));
        }
    }

    fn check(&mut self, ok: bool, failure: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(failure());
        }
    }

    /// Print the figures, then fail on anything observed wrong.
    fn report(self, name: &str, extra: &[(&str, u64)]) {
        let counted = [
            ("runs", self.runs),
            ("faults", self.faults),
            ("data_lost", self.lost),
            ("duplicates", self.duplicates),
        ];
        figures(name, &[&counted[..], extra].concat());
        assert!(self.failures.is_empty(), "{name}: {:#?}", self.failures);
    }
}

fn figures(name: &str, fields: &[(&str, u64)]) {
    let text: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("FIGURES {name}: {}", text.join(" "));
}

fn stored(client: &Client, id: &str, version: &str) -> Vec<flow::StoredPackage> {
    flow::packages(client).into_iter().filter(|p| p.id == id && p.version == version).collect()
}

fn releases_of(client: &Client, project: &str, version: &str) -> Vec<Value> {
    let project_id = flow::project_id(client, project);
    flow::releases(client)
        .into_iter()
        .filter(|r| text(r, "ProjectId") == project_id && text(r, "Version") == version)
        .collect()
}

fn deployments_of(client: &Client, release_id: &str, environment: &str) -> Vec<Value> {
    let env_id = flow::environment_id(client, environment);
    flow::deployments(client)
        .into_iter()
        .filter(|d| text(d, "ReleaseId") == release_id && text(d, "EnvironmentId") == env_id)
        .collect()
}

/// A fault for a write request, drawn from the seed: resets at random offsets, 429/502/503 with
/// and without Retry-After, lost responses.
fn write_fault(rng: &mut Rng, info: &ferry_testkit::proxy::RequestInfo) -> Fault {
    let size = info.content_length.unwrap_or(1 << 20).max(1);
    match rng.below(7) {
        0 | 1 => Fault::ResetRequestAfter(rng.below(size)),
        2 => Fault::Respond { status: 503, retry_after: Some(1) },
        3 => Fault::Respond { status: 502, retry_after: None },
        4 => Fault::Respond { status: 429, retry_after: None },
        5 => Fault::ResetResponseAfter(rng.below(40)),
        _ => Fault::LoseResponse,
    }
}

#[test]
fn pushes_survive_resets_at_random_offsets() {
    let server = start_server(0.1);
    let client = server.client();
    let size = if long_mode() { 24 << 20 } else { 3 << 20 };
    let mut seen = Observed::default();
    for seed in seeds() {
        let version = format!("1.0.{seed}");
        let (path, sha) = flow::make_package(&server.scratch(), "App", &version, size, seed);
        let plan = Plan::pass()
            .seeded(seed, |rng, info| {
                if info.method == "POST" && info.path.contains("packages/raw") && rng.chance(0.7) {
                    write_fault(rng, info)
                } else {
                    Fault::Pass
                }
            })
            .max_random_faults(2);
        let proxy = FaultProxy::start(server.addr(), plan).unwrap();
        let output = ferry(&proxy.url(), Some(API_KEY), &["package", "push", path.to_str().unwrap()]);
        let stats = proxy.stop();
        seen.faults += stats.faults_fired;
        seen.runs += 1;
        let found = stored(&client, "App", &version);
        let log: Vec<_> = stats.log.iter().map(|(i, f)| format!("{} {} {:?}", i.method, i.path, f)).collect();
        seen.check(output.status.success(), || {
            format!("seed {seed}: push failed through {log:#?}\n{}", describe(&output))
        });
        seen.exactly_once(format!("seed {seed}: package App {version}"), found.len());
        if let Some(package) = found.first() {
            let intact = package.sha256 == sha && flow::downloaded_sha256(&client, &package.api_id) == sha;
            seen.intact(format!("seed {seed}: package App {version}"), intact);
        }
    }
    seen.report("faults-push", &[("bytes_each", size as u64)]);
}

#[test]
fn release_create_and_deploy_with_lost_responses_duplicate_nothing() {
    let server = start_server(0.1);
    let client = server.client();
    let mut seen = Observed::default();
    for seed in seeds() {
        let version = format!("2.0.{seed}");
        let (path, _) = flow::make_package(&server.scratch(), "App", &version, 2048, seed);
        let push = ferry(&server.url(), Some(API_KEY), &["package", "push", path.to_str().unwrap()]);
        assert!(push.status.success(), "{}", describe(&push));

        let mut rng = Rng::new(seed);
        let ambiguous = |rng: &mut Rng| match rng.below(3) {
            0 => Fault::LoseResponse,
            1 => Fault::ResetResponseAfter(rng.below(30)),
            _ => Fault::SlowResponse(Duration::from_secs(4)),
        };
        let plan = Plan::pass()
            .once(Match::request("POST", "/releases"), ambiguous(&mut rng))
            .once(Match::request("POST", "/deployments"), ambiguous(&mut rng))
            .once(Match::request("GET", "/api"), Fault::Respond { status: 503, retry_after: None });
        let proxy = FaultProxy::start(server.addr(), plan).unwrap();
        let url = proxy.url();
        let base = ["--request-timeout", "2"];
        let package = format!("App:{version}");
        let create = ferry(
            &url,
            Some(API_KEY),
            &[
                &base[..],
                &["release", "create", "--project", "App", "--version", &version, "--package", &package],
            ]
            .concat(),
        );
        seen.check(create.status.success(), || format!("seed {seed}: {}", describe(&create)));
        let found = releases_of(&client, "App", &version);
        seen.exactly_once(format!("seed {seed}: release {version}"), found.len());
        let Some(release) = found.first() else { continue };
        let release_id = text(release, "Id");
        flow::wait_for_tasks(&client, Duration::from_secs(20));

        let deploy = ferry(
            &url,
            Some(API_KEY),
            &[
                &base[..],
                &["release", "deploy", "--project", "App", "--version", &version, "--to", "Test", "--wait"],
            ]
            .concat(),
        );
        let stats = proxy.stop();
        seen.faults += stats.faults_fired;
        seen.runs += 1;
        seen.check(deploy.status.success(), || {
            format!("seed {seed}: {:?}\n{}", stats.log, describe(&deploy))
        });
        for environment in ["Development", "Test"] {
            let deployed = deployments_of(&client, &release_id, environment).len();
            seen.exactly_once(format!("seed {seed}: deployment of {version} to {environment}"), deployed);
        }
    }
    seen.report("faults-release-deploy", &[]);
}

#[test]
fn a_server_slower_than_the_request_timeout_is_retried_for_reads_and_reported_truthfully() {
    let server = start_server(0.1);
    let version = "3.0.0";
    let (path, sha) = flow::make_package(&server.scratch(), "App", version, 4096, 3);
    // Every upload answer is held beyond the timeout, but the server stores the package: the
    // client must look it up instead of sending the file again, and report it created only
    // because it found the same bytes there.
    let plan = Plan::pass().times(
        Match::request("POST", "packages/raw"),
        Fault::SlowResponse(Duration::from_secs(3)),
        50,
    );
    let proxy = FaultProxy::start(server.addr(), plan).unwrap();
    let started = Instant::now();
    let output = ferry(
        &proxy.url(),
        Some(API_KEY),
        &["--request-timeout", "1", "-o", "json", "package", "push", path.to_str().unwrap()],
    );
    let elapsed = started.elapsed();
    let stats = proxy.stop();
    let found = stored(&server.client(), "App", version);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(found.len(), 1, "exactly one package: {}", describe(&output));
    assert_eq!(found[0].sha256, sha);
    assert_eq!(stats.faults_fired, 1, "the file was sent once, then looked up: {}", describe(&output));
    let pushed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(pushed[0]["status"], "created", "{pushed}");
    assert!(elapsed < Duration::from_secs(120), "bounded: {elapsed:?}");
    println!(
        "slow upload: exit {:?} after {elapsed:?}, {} package(s) stored, stderr: {}",
        output.status.code(),
        found.len(),
        String::from_utf8_lossy(&output.stderr)
    );

    // Reads: one slow answer, then a normal one: the command succeeds.
    let plan = Plan::pass().once(Match::request("GET", "/api"), Fault::SlowResponse(Duration::from_secs(3)));
    let proxy = FaultProxy::start(server.addr(), plan).unwrap();
    let output =
        ferry(&proxy.url(), Some(API_KEY), &["--request-timeout", "1", "task", "wait", "ServerTasks-999"]);
    let stats2 = proxy.stop();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stats2.faults_fired >= 1);
    figures("faults-slow-server", &[("runs", 2), ("faults", stats.faults_fired + stats2.faults_fired)]);
}

/// What one crash run acknowledged before the kill.
#[derive(Default)]
struct Acked {
    packages: Vec<(String, String, String)>,
    releases: Vec<String>,
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    /// How long each of the Slow project's deployments runs.
    const DEPLOY_SECONDS: f64 = 0.4;
    let mut server = start_server(DEPLOY_SECONDS);
    // A package for the Slow project's releases (its deployments run a command when killed).
    let (slow_pkg, _) = flow::make_package(&server.scratch(), "Slow", "1.0.0", 1024, 1);
    let push = ferry(&server.url(), Some(API_KEY), &["package", "push", slow_pkg.to_str().unwrap()]);
    assert!(push.status.success(), "{}", describe(&push));

    let total_runs = runs(4, 50);
    let mut all_acked: Vec<(String, String, String)> = Vec::new();
    let mut all_releases: Vec<String> = Vec::new();
    let mut interrupted_tasks = 0u64;
    for run in 0..total_runs as u64 {
        // A restart may land on another port if the old one was taken meanwhile.
        let client = server.client();
        let mut rng = Rng::new(1000 + run);
        let acked = Arc::new(Mutex::new(Acked::default()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut threads = Vec::new();
        for worker in 0..3u64 {
            let (client, acked, stop) = (client.clone(), acked.clone(), stop.clone());
            let size = rng.range(10_000, 1_500_000) as usize;
            threads.push(std::thread::spawn(move || {
                for k in 0..1000u64 {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    let version = format!("{run}.{worker}.{k}");
                    let data = flow::stored_zip("p.bin", &Rng::new(run * 7919 + worker * 31 + k).bytes(size));
                    let sha = flow::sha256_hex(&data);
                    match client.push_package(&format!("App.{version}.zip"), data, "FailIfExists") {
                        Ok(r) if r.status == 201 => {
                            acked.lock().unwrap().packages.push(("App".into(), version, sha))
                        }
                        Ok(r) if r.status < 500 => panic!("upload {version}: {} {}", r.status, r.text()),
                        _ => return,
                    }
                }
            }));
        }
        {
            let (client, acked, stop) = (client.clone(), acked.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                for k in 0..1000u64 {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    let version = format!("{run}.9.{k}");
                    let body = json!({"SpaceId": "Spaces-1", "ProjectName": "Slow", "ReleaseVersion": version,
                                      "PackageVersion": "1.0.0"});
                    match client.post_json("/api/Spaces-1/releases/create/v1", &body) {
                        Ok(r) if r.status == 201 => acked.lock().unwrap().releases.push(version),
                        Ok(r) if r.status < 500 => panic!("release {version}: {} {}", r.status, r.text()),
                        _ => return,
                    }
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(rng.range(30, 700)));
        server.kill();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for thread in threads {
            thread.join().expect("a worker saw a 4xx it should not have");
        }
        server.restart().expect("the server restarts after SIGKILL");

        assert_eq!(flow::integrity_check(server.data_dir()), "ok", "run {run}: PRAGMA integrity_check");
        let tmp_files = flow::files_under(&server.data_dir().join("tmp"));
        assert!(tmp_files.is_empty(), "run {run}: temporary files left after restart: {tmp_files:?}");
        let listed = flow::packages(&client);
        for package in &listed {
            assert_eq!(
                flow::downloaded_sha256(&client, &package.api_id),
                package.sha256,
                "run {run}: listed package {} {} is whole",
                package.id,
                package.version
            );
        }
        let acked = std::mem::take(&mut *acked.lock().unwrap());
        for (id, version, sha) in &acked.packages {
            let found: Vec<_> = listed.iter().filter(|p| &p.id == id && &p.version == version).collect();
            assert_eq!(found.len(), 1, "run {run}: acknowledged package {id} {version} is there");
            assert_eq!(&found[0].sha256, sha, "run {run}: with its sha256");
        }
        let release_versions: Vec<String> = releases_of_project(&client, "Slow");
        for version in &acked.releases {
            assert!(release_versions.contains(version), "run {run}: acknowledged release {version} is there");
        }
        // Deployments of one project to one environment run one at a time, DEPLOY_SECONDS each: the
        // wait grows with the releases (each queues an automatic deployment) this run made.
        let queued_work = Duration::from_secs_f64((DEPLOY_SECONDS + 0.1) * acked.releases.len() as f64);
        let tasks = flow::wait_for_tasks(&client, Duration::from_secs(30) + queued_work);
        for task in &tasks {
            let state = text(task, "State");
            assert!(
                matches!(state.as_str(), "Success" | "Failed" | "Canceled" | "TimedOut"),
                "run {run}: task {} left {state}",
                text(task, "Id")
            );
            if state == "Failed" {
                assert!(
                    !text(task, "ErrorMessage").is_empty(),
                    "run {run}: failed task has a message: {task}"
                );
            }
        }
        interrupted_tasks = tasks.iter().filter(|t| text(t, "State") == "Failed").count() as u64;
        assert_eq!(client.get("/api").unwrap().status, 200, "run {run}: serves");
        all_acked.extend(acked.packages);
        all_releases.extend(acked.releases);
    }
    // Everything acknowledged in every run is still there at the end.
    let client = server.client();
    let listed = flow::packages(&client);
    let lost = all_acked
        .iter()
        .filter(|(id, version, sha)| {
            !listed.iter().any(|p| &p.id == id && &p.version == version && &p.sha256 == sha)
        })
        .count() as u64;
    assert_eq!(lost, 0);
    figures(
        "crash-safety",
        &[
            ("runs", total_runs as u64),
            ("crashes_survived", total_runs as u64),
            ("acked_packages", all_acked.len() as u64),
            ("acked_releases", all_releases.len() as u64),
            ("tasks_failed_by_kill", interrupted_tasks),
            ("data_lost", lost),
        ],
    );
}

fn releases_of_project(client: &Client, project: &str) -> Vec<String> {
    let project_id = flow::project_id(client, project);
    flow::releases(client)
        .into_iter()
        .filter(|r| text(r, "ProjectId") == project_id)
        .map(|r| text(&r, "Version"))
        .collect()
}

#[test]
fn concurrent_pushes_of_one_version_create_exactly_one() {
    let server = start_server(0.1);
    let client = server.client();
    let data = flow::stored_zip("p.bin", &Rng::new(5).bytes(300_000));
    let sha = flow::sha256_hex(&data);
    let n = 50;
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (client, barrier, data) = (client.clone(), barrier.clone(), data.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let (content_type, body) =
                    ferry_testkit::http::multipart(&[Part::file("file", "App.7.7.7.zip", data)]);
                client
                    .post_raw("/api/Spaces-1/packages/raw?overwriteMode=FailIfExists", &content_type, &body)
                    .unwrap()
                    .status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let created = statuses.iter().filter(|s| **s == 201).count();
    let conflicts = statuses.iter().filter(|s| **s == 409).count();
    let found = stored(&client, "App", "7.7.7");
    let intact = found
        .iter()
        .filter(|p| p.sha256 == sha && flow::downloaded_sha256(&client, &p.api_id) == sha)
        .count();
    figures(
        "concurrent-push",
        &[
            ("pushes", n as u64),
            ("created", created as u64),
            ("conflicts", conflicts as u64),
            ("stored", found.len() as u64),
            ("intact", intact as u64),
        ],
    );
    assert_eq!((created, conflicts), (1, n - 1), "{statuses:?}");
    assert_eq!((found.len(), intact), (1, 1), "one package, its stored file intact");
}

#[test]
fn concurrent_releases_and_deployments_keep_the_lifecycle() {
    let server = start_server(0.05);
    let client = server.client();
    let (pkg, _) = flow::make_package(&server.scratch(), "App", "1.0.0", 1024, 9);
    let push = ferry(&server.url(), Some(API_KEY), &["package", "push", pkg.to_str().unwrap()]);
    assert!(push.status.success(), "{}", describe(&push));
    let n = runs(40, 200);
    let threads_count = 16;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let outcome = Arc::new(Mutex::new((0u64, 0u64, 0u64))); // releases created, Test accepted, Test refused
    let threads: Vec<_> = (0..threads_count)
        .map(|_| {
            let (client, next, outcome) = (client.clone(), next.clone(), outcome.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    return;
                }
                let version = format!("5.0.{i}");
                let body = json!({"SpaceId": "Spaces-1", "ProjectName": "App", "ReleaseVersion": version,
                                  "PackageVersion": "1.0.0"});
                let r = client.post_json("/api/Spaces-1/releases/create/v1", &body).unwrap();
                assert_eq!(r.status, 201, "release {version}: {}", r.text());
                outcome.lock().unwrap().0 += 1;
                // Race the automatic Development deployment: ask for Test at once, then again
                // while it may be finishing.
                for attempt in 0..6u64 {
                    std::thread::sleep(Duration::from_millis(attempt * attempt * 15));
                    let body = json!({"SpaceId": "Spaces-1", "ProjectName": "App", "ReleaseVersion": version,
                                      "EnvironmentNames": ["Test"]});
                    let r = client.post_json("/api/Spaces-1/deployments/create/untenanted/v1", &body).unwrap();
                    match r.status {
                        200 | 201 => {
                            outcome.lock().unwrap().1 += 1;
                            break;
                        }
                        400 => outcome.lock().unwrap().2 += 1,
                        other => panic!("deploy {version} to Test: {other} {}", r.text()),
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let tasks = flow::wait_for_tasks(&client, Duration::from_secs(120));
    let project_id = flow::project_id(&client, "App");
    let releases: Vec<Value> =
        flow::releases(&client).into_iter().filter(|r| text(r, "ProjectId") == project_id).collect();
    assert_eq!(releases.len(), n, "all releases stored");
    let dev = flow::environment_id(&client, "Development");
    let test = flow::environment_id(&client, "Test");
    let deployments = flow::deployments(&client);
    let task_of = |id: &str| tasks.iter().find(|t| text(t, "Id") == id).cloned().unwrap_or(Value::Null);
    let mut test_count = 0;
    for release in &releases {
        let release_id = text(release, "Id");
        let of = |env: &str| -> Vec<&Value> {
            deployments
                .iter()
                .filter(|d| text(d, "ReleaseId") == release_id && text(d, "EnvironmentId") == env)
                .collect()
        };
        let dev_deployments = of(&dev);
        assert_eq!(dev_deployments.len(), 1, "{release_id}: one automatic Development deployment");
        let tests = of(&test);
        assert!(tests.len() <= 1, "{release_id}: at most one Test deployment");
        for t in tests {
            test_count += 1;
            let dev_task = task_of(&text(dev_deployments[0], "TaskId"));
            assert_eq!(
                text(&dev_task, "State"),
                "Success",
                "{release_id}: Test only after Development succeeded"
            );
            let dev_done = text(&dev_task, "CompletedTime");
            let test_created = text(t, "Created");
            assert!(
                dev_done.is_empty() || test_created.is_empty() || dev_done <= test_created,
                "{release_id}: Development completed {dev_done}, Test created {test_created}"
            );
        }
    }
    let (created, accepted, refused) = *outcome.lock().unwrap();
    assert_eq!(accepted, test_count);
    figures(
        "concurrent-releases",
        &[("releases", created), ("test_deploys_accepted", accepted), ("test_deploys_refused", refused)],
    );
}

#[test]
fn ship_through_random_faults_lands_exactly_once() {
    let server = start_server(0.05);
    let client = server.client();
    let app = server.scratch().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), "hello").unwrap();
    let mut seen = Observed::default();
    let seeds: Vec<u64> = (100..100 + runs(2, 12) as u64).collect();
    for &seed in &seeds {
        let version = format!("6.0.{seed}");
        // Any request may be hit (reads, uploads, release creation, deployment, task polling).
        let plan = Plan::random(seed, 0.3, Match::any()).max_random_faults(3);
        let proxy = FaultProxy::start(server.addr(), plan).unwrap();
        let data = server.scratch().join(format!("data-{seed}"));
        let output = ferry(
            &proxy.url(),
            Some(API_KEY),
            &[
                "--data",
                data.to_str().unwrap(),
                "ship",
                "--project",
                "App",
                "--id",
                "App",
                "--version",
                &version,
                "--base-path",
                app.to_str().unwrap(),
                "--wait",
            ],
        );
        let stats = proxy.stop();
        seen.faults += stats.faults_fired;
        seen.runs += 1;
        let log: Vec<_> = stats
            .log
            .iter()
            .filter(|(_, f)| *f != Fault::Pass)
            .map(|(i, f)| format!("{} {} {f:?}", i.method, i.path))
            .collect();
        seen.check(output.status.success(), || {
            format!("seed {seed}: faults {log:#?}\n{}", describe(&output))
        });
        seen.exactly_once(
            format!("seed {seed}: package App {version}"),
            stored(&client, "App", &version).len(),
        );
        let found = releases_of(&client, "App", &version);
        seen.exactly_once(format!("seed {seed}: release {version}"), found.len());
        if let Some(release) = found.first() {
            let deployed = deployments_of(&client, &text(release, "Id"), "Development").len();
            seen.exactly_once(format!("seed {seed}: deployment of {version} to Development"), deployed);
        }
    }
    seen.report("faults-ship", &[]);
}

/// A server with App's package pushed, queueing automatic deployments `delay` after the answer.
fn server_with_app(delay: &str) -> ServerProcess {
    let server = ServerBuilder::new(env!("CARGO_BIN_EXE_ferry"))
        .config(&flow::config(None, 0.05))
        .api_key(API_KEY)
        .arg("--automatic-deployment-delay")
        .arg(delay)
        .start()
        .expect("ferry server starts");
    let (pkg, _) = flow::make_package(&server.scratch(), "App", "1.0.0", 1024, 11);
    let push = ferry(&server.url(), Some(API_KEY), &["package", "push", pkg.to_str().unwrap()]);
    assert!(push.status.success(), "{}", describe(&push));
    server
}

/// Create App 2.0.0 (its lifecycle deploys to Development automatically); its id.
fn create_app_release(client: &Client) -> String {
    let body = json!({"SpaceId": "Spaces-1", "ProjectName": "App", "ReleaseVersion": "2.0.0",
                      "PackageVersion": "1.0.0"});
    let r = client.post_json("/api/Spaces-1/releases/create/v1", &body).unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    text(&r.json(), "ReleaseId")
}

/// After a restart, the release has exactly one Development deployment, and its task finished
/// with success.
fn assert_one_successful_automatic_deployment(server: &ServerProcess, release_id: &str) {
    let client = server.client();
    let tasks = wait_for_automatic_deployment(&client, release_id);
    let deployments = deployments_of(&client, release_id, "Development");
    assert_eq!(deployments.len(), 1, "one automatic deployment; logs:\n{}", server.logs());
    let task_id = text(&deployments[0], "TaskId");
    let task = tasks.iter().find(|t| text(t, "Id") == task_id).expect("the deployment's task");
    assert_eq!(text(task, "State"), "Success", "{task}");
}

/// Wait (up to 30 s) for the release's Development deployment to be queued, then for every task
/// to finish; the tasks.
fn wait_for_automatic_deployment(client: &Client, release_id: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while deployments_of(client, release_id, "Development").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    flow::wait_for_tasks(client, Duration::from_secs(60))
}

#[test]
fn automatic_deployments_answered_but_not_queued_are_queued_after_a_crash() {
    let mut server = server_with_app("30s");
    let client = server.client();
    let release_id = create_app_release(&client);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        deployments_of(&client, &release_id, "Development").is_empty(),
        "the 30s delay has not passed, so nothing is queued yet"
    );
    server.kill();
    server.restart().expect("ferry server starts again");
    assert_one_successful_automatic_deployment(&server, &release_id);
}

#[test]
fn automatic_deployments_queued_before_a_crash_are_not_queued_again() {
    let mut server = server_with_app("0s");
    let client = server.client();
    let release_id = create_app_release(&client);
    wait_for_automatic_deployment(&client, &release_id);
    assert_eq!(deployments_of(&client, &release_id, "Development").len(), 1);
    server.kill();
    server.restart().expect("ferry server starts again");
    assert_one_successful_automatic_deployment(&server, &release_id);
}
