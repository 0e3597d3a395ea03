//! `ferry-load`: a bounded load run against a `ferry server` it starts itself on loopback.
//!
//! Mixed traffic from N concurrent workers for a fixed time: API reads (projects, packages,
//! releases, deployments, tasks, dashboard), package uploads, build-information pushes and
//! release creations (each of which queues an automatic deployment). Reports per kind and
//! overall: requests, errors (5xx or no answer), unexpected 4xx, p50/p99/max latency, and the
//! server's peak RSS (VmHWM). Prints a table and writes a JSON summary.
//!
//!   ferry-load [--seconds 60] [--concurrency 8] [--json FILE]     (FERRY_BIN: the ferry binary)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferry_testkit::flow::{self, API_KEY};
use ferry_testkit::rng::Rng;
use ferry_testkit::server::ServerBuilder;
use serde_json::json;

#[derive(Default)]
struct KindStats {
    latencies_us: Vec<u64>,
    errors: u64,
    unexpected: u64,
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = arg(&args, "--seconds", "60").parse().expect("--seconds N");
    let concurrency: usize = arg(&args, "--concurrency", "8").parse().expect("--concurrency N");
    let json_path = arg(&args, "--json", "");
    let seconds = seconds.clamp(1, 600);

    let server = ServerBuilder::default()
        .config(&flow::config(None, 0.0))
        .api_key(API_KEY)
        .arg("--workers")
        .arg("4")
        .start()
        .expect("ferry server starts (set FERRY_BIN to the ferry binary)");
    let pid = server.pid().expect("pid");
    let client = server.client();
    // Seed data: one package and one release so that reads have something to return.
    let seed = flow::stored_zip("p.bin", &Rng::new(1).bytes(16 << 10));
    assert_eq!(client.push_package("App.0.0.1.zip", seed, "FailIfExists").unwrap().status, 201);
    let body = json!({"SpaceId": "Spaces-1", "ProjectName": "App", "ReleaseVersion": "0.0.1", "PackageVersion": "0.0.1"});
    assert_eq!(client.post_json("/api/Spaces-1/releases/create/v1", &body).unwrap().status, 201);

    eprintln!("ferry-load: {concurrency} workers for {seconds}s against {} (pid {pid})", server.url());
    let stats: Arc<Mutex<BTreeMap<&'static str, KindStats>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (client, stats, stop, counter) = (client.clone(), stats.clone(), stop.clone(), counter.clone());
            std::thread::spawn(move || {
                let mut rng = Rng::new(worker as u64 + 100);
                let payload = flow::stored_zip("p.bin", &rng.bytes(16 << 10));
                while !stop.load(Ordering::Relaxed) {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let roll = rng.below(100);
                    let t = Instant::now();
                    let (kind, result, ok_statuses): (&'static str, _, &[u16]) = if roll < 70 {
                        let path = *rng.pick(&[
                            "/api/Spaces-1/projects/App",
                            "/api/Spaces-1/packages?take=30",
                            "/api/Spaces-1/releases?take=30",
                            "/api/Spaces-1/deployments?take=30",
                            "/api/tasks?take=30",
                            "/api/Spaces-1/dashboard/dynamic",
                            "/api",
                        ]);
                        ("read", client.get(path), &[200])
                    } else if roll < 85 {
                        let name = format!("App.1.{worker}.{n}.zip");
                        ("push", client.push_package(&name, payload.clone(), "FailIfExists"), &[201])
                    } else if roll < 95 {
                        let body = json!({"PackageId": "App", "Version": format!("1.{worker}.{n}"),
                            "OctopusBuildInformation": {"BuildEnvironment": "load", "BuildNumber": n.to_string(),
                            "Commits": [{"Id": "abc", "Comment": "load"}]}});
                        ("build-info", client.post_json("/api/Spaces-1/build-information", &body), &[201, 200])
                    } else {
                        let body = json!({"SpaceId": "Spaces-1", "ProjectName": "App",
                            "ReleaseVersion": format!("2.{worker}.{n}"), "PackageVersion": "0.0.1"});
                        ("release", client.post_json("/api/Spaces-1/releases/create/v1", &body), &[201])
                    };
                    let elapsed = t.elapsed().as_micros() as u64;
                    let mut stats = stats.lock().unwrap();
                    let entry = stats.entry(kind).or_default();
                    entry.latencies_us.push(elapsed);
                    match result {
                        Ok(r) if ok_statuses.contains(&r.status) => {}
                        Ok(r) if r.status < 500 => entry.unexpected += 1,
                        _ => entry.errors += 1,
                    }
                }
            })
        })
        .collect();
    let deadline = started + Duration::from_secs(seconds);
    let mut peak = 0;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        peak = peak.max(peak_rss_kib(pid));
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    peak = peak.max(peak_rss_kib(pid));
    let tasks = flow::tasks(&client);
    let mut stats = std::mem::take(&mut *stats.lock().unwrap());
    let mut all: Vec<u64> = Vec::new();
    let (mut total_errors, mut total_unexpected) = (0, 0);
    println!(
        "{:<12} {:>9} {:>8} {:>10} {:>9} {:>9} {:>9}",
        "kind", "requests", "errors", "unexpected", "p50 ms", "p99 ms", "max ms"
    );
    let mut kinds = serde_json::Map::new();
    for (kind, s) in stats.iter_mut() {
        s.latencies_us.sort_unstable();
        all.extend(&s.latencies_us);
        total_errors += s.errors;
        total_unexpected += s.unexpected;
        let (p50, p99, max) = (
            percentile(&s.latencies_us, 0.5),
            percentile(&s.latencies_us, 0.99),
            s.latencies_us.last().copied().unwrap_or(0),
        );
        println!(
            "{kind:<12} {:>9} {:>8} {:>10} {:>9.2} {:>9.2} {:>9.2}",
            s.latencies_us.len(),
            s.errors,
            s.unexpected,
            p50 as f64 / 1000.0,
            p99 as f64 / 1000.0,
            max as f64 / 1000.0
        );
        kinds.insert(
            kind.to_string(),
            json!({"requests": s.latencies_us.len(), "errors": s.errors, "unexpected": s.unexpected,
                   "p50_ms": p50 as f64 / 1000.0, "p99_ms": p99 as f64 / 1000.0, "max_ms": max as f64 / 1000.0}),
        );
    }
    all.sort_unstable();
    let total = all.len() as u64;
    let error_rate = if total == 0 { 0.0 } else { (total_errors + total_unexpected) as f64 / total as f64 };
    let (p50, p99) = (percentile(&all, 0.5) as f64 / 1000.0, percentile(&all, 0.99) as f64 / 1000.0);
    println!(
        "{:<12} {:>9} {:>8} {:>10} {:>9.2} {:>9.2} {:>9.2}",
        "all",
        total,
        total_errors,
        total_unexpected,
        p50,
        p99,
        all.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    let rps = total as f64 / elapsed;
    let deployments = tasks.len();
    let failed_tasks = tasks.iter().filter(|t| flow::text(t, "State") == "Failed").count();
    println!(
        "throughput {rps:.0} req/s over {elapsed:.1}s; error rate {:.3}%; server peak RSS {:.1} MiB; {deployments} deployment tasks ({failed_tasks} failed)",
        error_rate * 100.0,
        peak as f64 / 1024.0
    );
    if !json_path.is_empty() {
        let summary = json!({"seconds": elapsed, "concurrency": concurrency, "requests": total, "errors": total_errors,
            "unexpected": total_unexpected, "error_rate": error_rate, "p50_ms": p50, "p99_ms": p99, "rps": rps,
            "server_peak_rss_mib": peak as f64 / 1024.0, "deployment_tasks": deployments, "failed_tasks": failed_tasks,
            "kinds": kinds});
        std::fs::write(&json_path, serde_json::to_string_pretty(&summary).unwrap()).expect("write --json");
    }
    drop(server);
    if total_errors > 0 {
        std::process::exit(1);
    }
}
