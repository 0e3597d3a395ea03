//! Security: hostile HTTP input, hostile archives, API keys on every route, secrets in every
//! output, HTTPS verified with `--ca-cert`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ferry_testkit::flow::{self, API_KEY, describe, ferry, ferry_command, text};
use ferry_testkit::http::{self, Client, Part};
use ferry_testkit::server::{ServerBuilder, ServerProcess};
use serde_json::json;

fn start_server() -> ServerProcess {
    ServerBuilder::new(env!("CARGO_BIN_EXE_ferry"))
        .config(&flow::config(None, 0.05))
        .api_key(API_KEY)
        .start()
        .expect("ferry server starts")
}

fn python(script: &str, args: &[&Path]) {
    let status = Command::new("python3").arg("-c").arg(script).args(args).status().expect("python3");
    assert!(status.success(), "python3 failed");
}

/// Everything the server wrote outside its data directory and our own files.
fn stray_files(server: &ServerProcess) -> Vec<PathBuf> {
    let root = server.data_dir().parent().unwrap();
    flow::files_under(root)
        .into_iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            !(s.starts_with("data/") || s.starts_with("scratch/") || s.ends_with(".log") || s == "ferry.toml")
        })
        .collect()
}

#[test]
fn hostile_http_input_gets_4xx_json_and_nothing_escapes() {
    let server = start_server();
    let client = server.client();
    let long_id = "A".repeat(10_000);
    let big_json = format!(r#"{{"ProjectName":"App","ReleaseNotes":"{}"}}"#, "x".repeat(3 << 20));
    let zip = flow::stored_zip("a.txt", b"hello");
    let upload = |name: &str, data: Vec<u8>| http::multipart(&[Part::file("file", name, data)]);
    let (mp_type, _) = http::multipart(&[]);
    let (field_type, field_only) = http::multipart(&[Part::field("note", "no file here")]);
    let raw_path = "/api/Spaces-1/packages/raw?overwriteMode=FailIfExists";
    let mut cases: Vec<(String, &str, String, String, Vec<u8>)> = Vec::new();
    let mut add = |label: &str, method: &'static str, path: &str, content_type: &str, body: Vec<u8>| {
        cases.push((label.to_owned(), method, path.to_owned(), content_type.to_owned(), body));
    };
    let release_path = "/api/Spaces-1/releases/create/v1";
    for (label, body) in [
        ("truncated JSON", b"{\"ProjectName\": \"App\"".to_vec()),
        ("JSON array", b"[1,2,3]".to_vec()),
        ("JSON string", b"\"App\"".to_vec()),
        ("JSON null", b"null".to_vec()),
        ("not UTF-8", vec![0xff, 0xfe, 0x00, 0x7b]),
        ("empty body", Vec::new()),
        (
            "wrong types",
            br#"{"ProjectName": 5, "ReleaseVersion": ["1"], "IgnoreIfAlreadyExists": "yes"}"#.to_vec(),
        ),
        ("deeply nested", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()),
        ("oversized JSON", big_json.clone().into_bytes()),
    ] {
        add(label, "POST", release_path, "application/json", body);
    }
    add(
        "build info: oversized",
        "POST",
        "/api/Spaces-1/build-information",
        "application/json",
        big_json.into_bytes(),
    );
    add(
        "build info: garbage",
        "POST",
        "/api/Spaces-1/build-information",
        "application/json",
        b"{{{{".to_vec(),
    );
    add(
        "deploy: garbage",
        "POST",
        "/api/Spaces-1/deployments/create/untenanted/v1",
        "application/json",
        b"]".to_vec(),
    );
    add("release: text/plain", "POST", release_path, "text/plain", br#"{"ProjectName":"App"}"#.to_vec());
    add("release: XML", "POST", release_path, "application/xml", b"<release/>".to_vec());
    add("upload: JSON content type", "POST", raw_path, "application/json", b"{}".to_vec());
    add("upload: no boundary", "POST", raw_path, "multipart/form-data", zip.clone());
    add("upload: no parts", "POST", raw_path, &mp_type, format!("--{}--\r\n", http::BOUNDARY).into_bytes());
    add("upload: missing file part", "POST", raw_path, &field_type, field_only);
    add(
        "upload: truncated multipart",
        "POST",
        raw_path,
        &mp_type,
        upload("App.1.0.0.zip", zip.clone()).1[..60].to_vec(),
    );
    let (t, b) = upload("App.1.0.0.zip", Vec::new());
    add("upload: empty file", "POST", raw_path, &t, b);
    for name in [
        "..1.0.0.zip",
        "...zip",
        "App.zip",
        "App.1.0.0",
        "App.1.0.0.exe",
        "App%2F..%2F..%2Fevil.1.0.0.zip",
        "App\u{0}.1.0.0.zip",
        "App.1.0.0/../../evil.zip",
        "App.1.0.0.zip\u{0}.txt",
        "App.01.0.zip",
        "App.1.0.0-../x.zip",
        &format!("{long_id}.1.0.0.zip"),
    ] {
        let (t, b) = upload(name, zip.clone());
        add(&format!("upload named {:?}", &name[..name.len().min(40)]), "POST", raw_path, &t, b);
    }
    let (t, b) = upload("App.1.0.0.zip", b"this is not a zip".to_vec());
    add("upload: not an archive", "POST", raw_path, &t, b);
    let (t, b) = upload("App.1.0.0.tar.gz", zip.clone());
    add("upload: zip named tar.gz", "POST", raw_path, &t, b);
    for path in [
        "/api/Spaces-1/packages/..%2F..%2Fferry.db/raw".to_owned(),
        "/api/Spaces-1/packages/packages-..%2F..%2Fetc%2Fpasswd/raw".to_owned(),
        "/api/Spaces-1/packages/%2e%2e/raw".to_owned(),
        "/api/Spaces-1/packages/App%00/raw".to_owned(),
        format!("/api/Spaces-1/packages/{long_id}"),
        format!("/api/Spaces-1/projects/{long_id}"),
        "/api/Spaces-1/projects/App/releases/..%2F..%2F1.0.0".to_owned(),
        "/api/Spaces-1/projects/App/releases/1.0.0%2F..%2F..".to_owned(),
        "/api/Spaces-1/releases/Releases-999999999999999999999".to_owned(),
        "/api/Spaces-1/tasks/..%2F..%2Fetc/raw".to_owned(),
        "/api/spaces/..%2F..%2F/projects".to_owned(),
        "/api/nothing/here".to_owned(),
    ] {
        add(&format!("GET {}", &path[..path.len().min(60)]), "GET", &path, "", Vec::new());
    }
    for version in ["../../1.0.0", "1.0.0/../../etc", "1.0.0%2F..", "1.0.0\u{0}", &"9".repeat(10_000)] {
        let body = json!({"SpaceId": "Spaces-1", "ProjectName": "App", "ReleaseVersion": version,
                          "PackageVersion": version})
        .to_string()
        .into_bytes();
        add(
            &format!("release version {:?}", &version[..version.len().min(20)]),
            "POST",
            release_path,
            "application/json",
            body,
        );
    }

    let mut problems = Vec::new();
    for (label, method, path, content_type, body) in &cases {
        let mut headers = vec![("X-Octopus-ApiKey", API_KEY)];
        if !content_type.is_empty() {
            headers.push(("Content-Type", content_type.as_str()));
        }
        match http::request(&client.base, method, path, &headers, body) {
            Ok(r) if (400..500).contains(&r.status) && r.is_json() => {}
            Ok(r) => problems.push(format!("{label}: {} {}", r.status, &r.text()[..r.text().len().min(200)])),
            Err(e) => problems.push(format!("{label}: no answer: {e}")),
        }
    }
    // Requests no client library would send: raw NUL and spaces in the request line.
    let host = server.addr().to_string();
    for (label, raw) in [
        (
            "NUL in the request line",
            b"GET /api/Spaces-1/projects/a\0b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        ),
        (
            "space in the path",
            b"GET /api/Spaces-1/projects/a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        ),
        ("absurd paging", b"GET /api/Spaces-1/packages?skip=-1&take=99999999999999999999 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("header without colon", b"GET /api HTTP/1.1\r\nHost x\r\nConnection: close\r\n\r\n".to_vec()),
    ] {
        match http::raw_exchange(&host, &raw).and_then(|b| http::parse_response(&b)) {
            Ok(r) if r.status < 500 => {}
            Ok(r) => problems.push(format!("{label}: {}", r.status)),
            Err(_) => {} // closing the connection on garbage is fine too
        }
    }
    assert_eq!(client.get("/api").unwrap().status, 200, "the server still serves");
    let logs = server.logs();
    assert!(!logs.contains("panicked"), "no panic in the server log:\n{logs}");
    assert!(stray_files(&server).is_empty(), "files outside the data dir: {:?}", stray_files(&server));
    let evil: Vec<_> = flow::files_under(server.data_dir())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("evil"))
        .collect();
    assert!(evil.is_empty(), "{evil:?}");
    println!("FIGURES hostile-http: inputs={} failing={}", cases.len() + 3, problems.len());
    assert!(
        problems.is_empty(),
        "{} of {} hostile requests:\n{}",
        problems.len(),
        cases.len() + 3,
        problems.join("\n")
    );
}

#[test]
fn escaping_archives_are_refused_and_a_zip_bomb_is_bounded() {
    let server = start_server();
    let client = server.client();
    let dir = server.scratch();
    python(
        r#"
import io, sys, tarfile, zipfile, os
d = sys.argv[1]
def tar(name, entries, mode):
    with tarfile.open(os.path.join(d, name), mode) as t:
        for n, kind in entries:
            ti = tarfile.TarInfo(n)
            if kind == 'link':
                ti.type = tarfile.SYMTYPE; ti.linkname = '/etc/passwd'
                t.addfile(ti)
            else:
                ti.size = 1; t.addfile(ti, io.BytesIO(b'x'))
tar('App.4.0.1.tar.gz', [('../../evil.txt', 'file')], 'w:gz')
tar('App.4.0.2.tar', [('/tmp/evil-absolute.txt', 'file')], 'w')
tar('App.4.0.3.tar.gz', [('ok/../../evil.txt', 'file')], 'w:gz')
with zipfile.ZipFile(os.path.join(d, 'App.4.0.4.zip'), 'w') as z:
    z.writestr('../../evil.txt', 'x')
with zipfile.ZipFile(os.path.join(d, 'App.4.0.5.zip'), 'w') as z:
    z.writestr('/tmp/evil-absolute.txt', 'x')
with zipfile.ZipFile(os.path.join(d, 'App.4.0.6.nupkg'), 'w') as z:
    z.writestr('..\\..\\evil.txt', 'x')
with zipfile.ZipFile(os.path.join(d, 'Echo.6.6.6.zip'), 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr('zeros.bin', b'\0' * (64 << 20))
"#,
        &[&dir],
    );
    let mut refused = 0;
    for name in [
        "App.4.0.1.tar.gz",
        "App.4.0.2.tar",
        "App.4.0.3.tar.gz",
        "App.4.0.4.zip",
        "App.4.0.5.zip",
        "App.4.0.6.nupkg",
    ] {
        let r = client.push_package(name, fs::read(dir.join(name)).unwrap(), "FailIfExists").unwrap();
        assert!((400..500).contains(&r.status) && r.is_json(), "{name}: {} {}", r.status, r.text());
        refused += 1;
    }
    // The bomb may be stored (it is a valid archive), but deploying it must stop at the limits.
    let bomb = fs::read(dir.join("Echo.6.6.6.zip")).unwrap();
    let bomb_size = bomb.len();
    let r = client.push_package("Echo.6.6.6.zip", bomb, "FailIfExists").unwrap();
    if r.status == 201 {
        let body = json!({"SpaceId": "Spaces-1", "ProjectName": "Echo", "ReleaseVersion": "6.6.6", "PackageVersion": "6.6.6"});
        let created = client.post_json("/api/Spaces-1/releases/create/v1", &body).unwrap();
        assert_eq!(created.status, 201, "{}", created.text());
        // The automatic deployment is queued after the answer (as on Octopus): wait for its task.
        let queued = std::time::Instant::now();
        while !flow::tasks(&client).iter().any(|t| text(t, "Description").contains("6.6.6"))
            && queued.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        let tasks = flow::wait_for_tasks(&client, Duration::from_secs(60));
        let task = tasks
            .iter()
            .find(|t| text(t, "Description").contains("6.6.6"))
            .expect("the automatic deployment");
        assert_eq!(text(task, "State"), "Failed", "{task}");
        assert!(!text(task, "ErrorMessage").is_empty());
    } else {
        assert!((400..500).contains(&r.status) && r.is_json(), "bomb upload: {} {}", r.status, r.text());
    }
    let extracted: u64 = flow::files_under(server.data_dir())
        .iter()
        .filter_map(|p| fs::metadata(server.data_dir().join(p)).ok())
        .map(|m| m.len())
        .sum();
    assert!(extracted < 40 << 20, "the data dir holds {extracted} bytes after a 64 MiB bomb");
    assert!(stray_files(&server).is_empty(), "{:?}", stray_files(&server));
    assert!(!Path::new("/tmp/evil-absolute.txt").exists());
    println!(
        "FIGURES hostile-archives: refused={refused} bomb_bytes={bomb_size} data_dir_bytes_after={extracted}"
    );
}

#[test]
fn every_route_but_the_root_needs_a_valid_key() {
    let mut server = start_server();
    let client = server.client();
    let (pkg, _) = flow::make_package(&server.scratch(), "App", "1.0.0", 1000, 1);
    let push = ferry(&server.url(), Some(API_KEY), &["package", "push", pkg.to_str().unwrap()]);
    assert!(push.status.success(), "{}", describe(&push));
    let create =
        ferry(&server.url(), Some(API_KEY), &["release", "create", "--project", "App", "--version", "1.0.0"]);
    assert!(create.status.success(), "{}", describe(&create));
    flow::wait_for_tasks(&client, Duration::from_secs(20));

    let reads = [
        "space-home",
        "spaces",
        "spaces/all",
        "spaces/Spaces-1",
        "users/me",
        "users/Users-1/spaces",
        "projects",
        "projects/all",
        "projects/App",
        "projects/App/channels",
        "projects/App/releases",
        "projects/App/releases/1.0.0",
        "projects/App/deploymentprocesses",
        "projects/App/deploymentprocesses/template",
        "projects/App/deploymentsettings",
        "tenants",
        "tenants/all",
        "projectgroups",
        "projectgroups/all",
        "environments",
        "environments/all",
        "environments/Environments-1",
        "lifecycles",
        "lifecycles/all",
        "channels",
        "channels/all",
        "deploymentprocesses",
        "feeds",
        "feeds/all",
        "feeds/feeds-builtin",
        "feeds/feeds-builtin/packages/versions?packageId=App",
        "packages",
        "packages/bulk?ids=packages-App.1.0.0",
        "packages/packages-App.1.0.0",
        "packages/packages-App.1.0.0/raw",
        "packages/App/1.0.0/delta-signature",
        "build-information",
        "releases",
        "releases/Releases-1",
        "releases/Releases-1/progression",
        "releases/Releases-1/deployments",
        "releases/Releases-1/deployments/template",
        "deployments",
        "deployments/Deployments-1",
        "dashboard",
        "dashboard/dynamic",
        "tasks",
        "tasks/ServerTasks-1",
        "tasks/ServerTasks-1/details",
        "tasks/ServerTasks-1/raw",
    ];
    let writes = [
        "packages/raw",
        "build-information",
        "releases",
        "releases/create/v1",
        "deployments",
        "deployments/create/untenanted/v1",
        "deployments/create/tenanted/v1",
        "tasks/ServerTasks-1/cancel",
        "packages/App/1.0.1/delta",
    ];
    let before =
        (flow::packages(&client).len(), flow::releases(&client).len(), flow::deployments(&client).len());
    let no_key = Client::new(server.url(), None);
    let wrong_key = Client::new(server.url(), Some("API-WRONGKEY0000000000000000000000"));
    let mut problems = Vec::new();
    let mut checked = 0;
    for prefix in ["/api/", "/api/Spaces-1/", "/api/spaces/Default/"] {
        for route in reads {
            if prefix != "/api/"
                && matches!(
                    route,
                    "spaces" | "spaces/all" | "spaces/Spaces-1" | "users/me" | "users/Users-1/spaces"
                )
            {
                continue;
            }
            let path = format!("{prefix}{route}");
            for (who, c) in [("no key", &no_key), ("wrong key", &wrong_key)] {
                checked += 1;
                let r = c.get(&path).unwrap();
                if r.status != 401 || !r.is_json() {
                    problems.push(format!(
                        "GET {path} with {who}: {} {}",
                        r.status,
                        &r.text()[..r.text().len().min(120)]
                    ));
                }
            }
            let r = client.get(&path).unwrap();
            if r.status == 401 || r.status >= 500 {
                problems.push(format!("GET {path} with the key: {}", r.status));
            }
        }
        for route in writes {
            let path = format!("{prefix}{route}");
            let (content_type, body) = if route.contains("packages/") {
                http::multipart(&[Part::file("file", "App.9.9.9.zip", flow::stored_zip("a", b"b"))])
            } else {
                (
                    "application/json".to_owned(),
                    json!({"ProjectName": "App", "ReleaseVersion": "9.9.9",
                    "PackageVersion": "1.0.0", "EnvironmentNames": ["Development"], "PackageId": "App",
                    "Version": "9.9.9", "ReleaseId": "Releases-1", "EnvironmentId": "Environments-1"})
                    .to_string()
                    .into_bytes(),
                )
            };
            for (who, c) in [("no key", &no_key), ("wrong key", &wrong_key)] {
                checked += 1;
                let r = c.post_raw(&path, &content_type, &body).unwrap();
                if r.status != 401 || !r.is_json() {
                    problems.push(format!(
                        "POST {path} with {who}: {} {}",
                        r.status,
                        &r.text()[..r.text().len().min(120)]
                    ));
                }
            }
        }
    }
    let after =
        (flow::packages(&client).len(), flow::releases(&client).len(), flow::deployments(&client).len());
    assert_eq!(before, after, "refused requests did no work");
    assert_eq!(no_key.get("/api").unwrap().status, 200, "the root document is public");
    assert!(
        problems.is_empty(),
        "{} of {checked} unauthenticated requests:\n{}",
        problems.len(),
        problems.join("\n")
    );

    // Keys are not stored in clear anywhere in the data directory.
    for file in flow::files_under(server.data_dir()) {
        let bytes = fs::read(server.data_dir().join(&file)).unwrap_or_default();
        assert!(!contains(&bytes, API_KEY.as_bytes()), "{} holds the API key in clear", file.display());
    }

    // Revoked: restart over the same data with another key; the old one is refused.
    let data = server.data_dir().to_path_buf();
    server.kill();
    let other = "API-SECONDKEY00000000000000000000002";
    let server2 = ServerBuilder::new(env!("CARGO_BIN_EXE_ferry"))
        .config(&flow::config(None, 0.05))
        .api_key(other)
        .data_dir(&data)
        .start()
        .unwrap();
    let old = Client::new(server2.url(), Some(API_KEY));
    assert_eq!(old.get("/api/Spaces-1/projects").unwrap().status, 401, "a revoked key is refused");
    let r = old
        .post_json(
            "/api/Spaces-1/releases/create/v1",
            &json!({"ProjectName": "App", "ReleaseVersion": "8.0.0"}),
        )
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(server2.client().get("/api/Spaces-1/projects").unwrap().status, 200);
    println!("FIGURES api-keys: unauthenticated_requests={checked} accepted=0");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Packaging `app/` as Echo 1.0.0 and creating its release (the Echo deploy command prints its
/// whole environment into the task log).
const ECHO_SETUP: [&[&str]; 3] = [
    &["package", "create", "--id", "Echo", "--version", "1.0.0", "--base-path", "app", "--out-folder", "out"],
    &["package", "push", "out/Echo.1.0.0.zip"],
    &["release", "create", "--project", "Echo", "--version", "1.0.0", "--package", "Echo:1.0.0"],
];

/// Every command that deploys (and streams task logs with `--wait`), after [`ECHO_SETUP`].
const ECHO_DEPLOYS: [&[&str]; 5] = [
    &["release", "deploy", "--project", "Echo", "--version", "1.0.0", "--to", "Development", "--wait"],
    &["release", "deploy", "--project", "Echo", "--version", "1.0.0", "--to", "Test", "--wait"],
    &["release", "promote", "--project", "Echo", "--from", "Test", "--to", "Production", "--wait"],
    &["release", "rollback", "--project", "Echo", "--environment", "Production", "--wait"],
    &["ship", "--project", "Echo", "--id", "Echo", "--version", "1.0.1", "--base-path", "app", "--wait"],
];

#[test]
fn the_api_key_never_appears_in_any_output() {
    let server = start_server();
    let client = server.client();
    let work = server.scratch();
    fs::create_dir_all(work.join("app")).unwrap();
    fs::write(work.join("app/index.txt"), "hello").unwrap();
    let out_file = work.join("github_output");
    let summary = work.join("github_summary");
    let url = server.url();
    let commands: Vec<&[&str]> =
        [
            &ECHO_SETUP[..2],
            &[&[
                "build-info",
                "push",
                "--package-id",
                "Echo",
                "--version",
                "1.0.0",
                "--file",
                "missing.json",
            ][..]],
            &ECHO_SETUP[2..],
            &ECHO_DEPLOYS[..],
            &[
                &["task", "wait", "ServerTasks-1"][..],
                &["release", "deploy", "--project", "Nope", "--version", "1.0.0", "--to", "Test"],
            ],
        ]
        .concat();
    let mut runs = 0;
    let mut scanned_bytes = 0usize;
    let mut leaks = Vec::new();
    let mut mask_problems = Vec::new();
    for args in &commands {
        for json_output in [false, true] {
            let _ = fs::remove_file(&out_file);
            let mut command = ferry_command(&url, Some(API_KEY));
            command
                .current_dir(&work)
                .env("FERRY_CI", "github")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", &out_file)
                .env("GITHUB_STEP_SUMMARY", &summary);
            if json_output {
                command.args(["-o", "json"]);
            }
            let output = command.args(*args).output().unwrap();
            runs += 1;
            // The mask goes to stderr (stdout is one JSON document with -o json); the runner
            // reads workflow commands from both streams. It must come before anything else.
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            if !stderr.starts_with(&format!("::add-mask::{API_KEY}")) {
                mask_problems
                    .push(format!("ferry {}: stderr does not start with ::add-mask::", args.join(" ")));
            }
            let unmasked = |text: &str| -> String {
                text.lines().filter(|l| !l.starts_with("::add-mask::")).collect::<Vec<_>>().join("\n")
            };
            let (stdout, stderr) = (unmasked(&stdout), unmasked(&stderr));
            let files = [
                fs::read_to_string(&out_file).unwrap_or_default(),
                fs::read_to_string(&summary).unwrap_or_default(),
            ];
            for (what, text) in [
                ("stdout", stdout.as_str()),
                ("stderr", stderr.as_str()),
                ("GITHUB_OUTPUT", files[0].as_str()),
                ("summary", files[1].as_str()),
            ] {
                scanned_bytes += text.len();
                if text.contains(API_KEY) || text.contains(&API_KEY[4..]) {
                    leaks.push(format!("ferry {} ({what})", args.join(" ")));
                }
            }
        }
    }
    // A wrong key in an error message, and the --api-key flag's warning.
    let wrong = "API-WRONGKEYSHOULDNOTLEAK0000000000";
    let output = ferry(&url, Some(wrong), &["release", "create", "--project", "Echo", "--version", "2.0.0"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!all.contains(wrong) && !all.contains(&wrong[4..]), "the wrong key is echoed: {all}");
    assert!(all.contains("401") || all.to_lowercase().contains("key"), "says the key is wrong: {all}");
    let output = ferry(&url, None, &["--api-key", API_KEY, "task", "wait", "ServerTasks-1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--api-key")
            && (stderr.contains("FERRY_API_KEY") || stderr.contains("--api-key-file")),
        "warns: {stderr}"
    );
    assert!(!stderr.contains(API_KEY), "{stderr}");

    // Task logs (the Echo deploy command prints its whole environment) and server logs.
    for task in flow::tasks(&client) {
        let raw = client.get(&format!("/api/tasks/{}/raw", text(&task, "Id"))).unwrap().text();
        scanned_bytes += raw.len();
        if raw.contains(API_KEY) {
            leaks.push(format!("task log {}", text(&task, "Id")));
        }
    }
    let deployed = flow::tasks(&client).iter().filter(|t| text(t, "State") == "Success").count();
    assert!(deployed >= 3, "the pipeline really ran (successful tasks: {deployed})");
    let logs = server.logs();
    scanned_bytes += logs.len();
    if logs.contains(API_KEY) {
        leaks.push("server log".into());
    }
    println!("FIGURES secrets: commands={runs} bytes_scanned={scanned_bytes} leaks={}", leaks.len());
    assert!(leaks.is_empty(), "the API key appears in: {leaks:#?}");
    assert!(mask_problems.is_empty(), "{mask_problems:#?}");
}

/// Prompted variable values (`--variable NAME=VALUE`) are secrets like the API key: with `-v`
/// and `-vv`, in text and JSON, on GitHub Actions and on no CI, no line Ferry prints holds one
/// (on GitHub each is registered with `::add-mask::` first).
#[test]
fn prompted_variable_values_never_appear_in_any_output() {
    const VALUE: &str = "Prompted-S3cret-7f3a";
    // The Echo deploy command prints its environment; the server's own environment holds the
    // value, as a deploy script that echoes a prompted variable would print it in the task log
    // that `--wait` streams to Ferry's output.
    let server = ServerBuilder::new(env!("CARGO_BIN_EXE_ferry"))
        .config(&flow::config(None, 0.05))
        .api_key(API_KEY)
        .env("ECHO_PROMPTED", VALUE)
        .start()
        .expect("ferry server starts");
    let work = server.scratch();
    fs::create_dir_all(work.join("app")).unwrap();
    fs::write(work.join("app/index.txt"), "hello").unwrap();
    let url = server.url();
    for args in ECHO_SETUP {
        let output = ferry_command(&url, Some(API_KEY)).current_dir(&work).args(args).output().unwrap();
        assert!(output.status.success(), "ferry {}: {}", args.join(" "), describe(&output));
    }
    let variable = format!("Secret={VALUE}");
    let (mut runs, mut scanned_bytes, mut leaks, mut unmasked) = (0, 0, Vec::new(), Vec::new());
    for args in ECHO_DEPLOYS {
        for (verbosity, on_github) in [("-v", false), ("-vv", true), ("-vv", false), ("-v", true)] {
            let mut command = ferry_command(&url, Some(API_KEY));
            command.current_dir(&work).arg(verbosity);
            if on_github {
                command.env("FERRY_CI", "github").env("GITHUB_ACTIONS", "true");
            } else {
                command.env("FERRY_CI", "none").env_remove("GITHUB_ACTIONS");
            }
            let output = command.args(args).args(["--variable", &variable]).output().unwrap();
            runs += 1;
            let what =
                format!("ferry {verbosity} {}{}", args.join(" "), if on_github { " (GitHub)" } else { "" });
            let (stdout, stderr) =
                (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            if on_github && !stderr.contains(&format!("::add-mask::{VALUE}")) {
                unmasked.push(what.clone());
            }
            for text in [stdout, stderr] {
                let printed: String = text.lines().filter(|l| !l.starts_with("::add-mask::")).collect();
                scanned_bytes += printed.len();
                if printed.contains(VALUE) {
                    leaks.push(what.clone());
                }
            }
        }
    }
    // The value really was in what Ferry streamed (else this test could not see a leak).
    let client = server.client();
    let in_task_logs = flow::tasks(&client)
        .iter()
        .filter(|task| {
            client.get(&format!("/api/tasks/{}/raw", text(task, "Id"))).unwrap().text().contains(VALUE)
        })
        .count();
    println!(
        "FIGURES prompted-variables: commands={runs} bytes_scanned={scanned_bytes} task_logs_holding_it={in_task_logs} leaks={}",
        leaks.len()
    );
    assert!(in_task_logs >= 5, "the deploy commands printed the value ({in_task_logs} task logs)");
    assert!(leaks.is_empty(), "a prompted variable value appears in: {leaks:#?}");
    assert!(unmasked.is_empty(), "not registered with ::add-mask:: in: {unmasked:#?}");
}

#[test]
fn https_is_verified_with_ca_cert() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) =
        (dir.path().join("cert.pem"), dir.path().join("key.pem"), dir.path().join("ca.pem"));
    // A CA and a leaf certificate for 127.0.0.1 signed by it (a self-signed CA certificate used
    // as the server's own is refused by webpki, rightly).
    let script = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=Ferry Test CA" -keyout ca.key -out ca.pem
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout key.pem -out leaf.csr
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out cert.pem -extfile leaf.ext
"#;
    let generated = Command::new("sh").arg("-c").arg(script).current_dir(dir.path()).output();
    // A missing openssl fails the test (tests/run.sh installs it): a skipped check is no pass.
    match generated {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            panic!("openssl could not make the test certificates: {}", String::from_utf8_lossy(&o.stderr))
        }
        Err(err) => panic!(
            "cannot run sh/openssl to make the test certificates ({err}); tests/run.sh installs openssl"
        ),
    }
    let server = ServerBuilder::new(env!("CARGO_BIN_EXE_ferry"))
        .config(&flow::config(None, 0.05))
        .api_key(API_KEY)
        .arg("--tls-cert")
        .arg(cert.to_str().unwrap())
        .arg("--tls-key")
        .arg(key.to_str().unwrap())
        .start()
        .expect("ferry server starts with TLS");
    assert!(server.url().starts_with("https://"), "{}", server.url());
    let (pkg, _) = flow::make_package(&server.scratch(), "App", "1.0.0", 1000, 1);
    let ca = ca.to_str().unwrap();
    let ok =
        ferry(&server.url(), Some(API_KEY), &["--ca-cert", ca, "package", "push", pkg.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", describe(&ok));
    let untrusted = ferry(
        &server.url(),
        Some(API_KEY),
        &["--connect-timeout", "2", "release", "create", "--project", "App", "--version", "1.0.0"],
    );
    assert_eq!(untrusted.status.code(), Some(1), "{}", describe(&untrusted));
    let stderr = String::from_utf8_lossy(&untrusted.stderr).to_lowercase();
    assert!(stderr.contains("certificate") || stderr.contains("tls"), "{stderr}");
    // Plain HTTP to the HTTPS port is not served.
    let plain = http::request(&format!("http://{}", server.addr()), "GET", "/api", &[], &[]);
    assert!(plain.map(|r| r.status >= 400).unwrap_or(true));
}
