//! `ferry package push`, `build-info push` and the client's failure paths, against `ferry server`
//! running as a separate process.

mod client_support;

use client_support::*;
use predicates::prelude::*;

#[test]
fn push_creates_then_conflicts_then_ignores_then_overwrites() {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");

    let output = server.ferry().args(["-o", "json", "package", "push"]).arg(&package).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json = json_of(&output);
    assert_eq!(json[0]["packageId"], "Hello");
    assert_eq!(json[0]["version"], "1.0.0");
    assert_eq!(json[0]["status"], "created");
    assert_eq!(json[0]["path"], package.display().to_string());

    // Again: a conflict, exit 1, with the server's message and how to proceed.
    server
        .ferry()
        .args(["package", "push"])
        .arg(&package)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"))
        .stderr(predicate::str::contains("--if-exists ignore"));

    let output = server
        .ferry()
        .args(["-o", "json", "package", "push", "--if-exists", "ignore"])
        .arg(&package)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(json_of(&output)[0]["status"], "ignored");

    let output = server
        .ferry()
        .args(["-o", "json", "package", "push", "--overwrite-mode", "OverwriteExisting"])
        .arg(&package)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)[0]["status"], "overwritten");
}

#[test]
fn a_missing_file_is_refused_before_connecting() {
    let server = Server::start();
    server
        .ferry()
        .args(["package", "push", "Nope.1.0.0.zip"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Nope.1.0.0.zip is not a file"));
}

#[test]
fn a_wrong_api_key_is_named_by_its_variable_and_never_printed() {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");
    let output = server
        .ferry()
        .env("FERRY_API_KEY", "API-WRONGKEY999")
        .args(["package", "push"])
        .arg(&package)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("401"), "{stderr}");
    assert!(stderr.contains("FERRY_API_KEY"), "{stderr}");
    assert!(
        !stderr.contains("API-WRONGKEY999")
            && !String::from_utf8_lossy(&output.stdout).contains("API-WRONGKEY999")
    );

    // No key at all: the hint says where to put one.
    server
        .ferry()
        .env_remove("FERRY_API_KEY")
        .args(["package", "push"])
        .arg(&package)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("set FERRY_API_KEY"));

    // --api-key on the command line works, with a warning.
    server
        .ferry()
        .env_remove("FERRY_API_KEY")
        .args(["--api-key", KEY, "package", "push", "--if-exists", "ignore"])
        .arg(&package)
        .assert()
        .success()
        .stderr(predicate::str::contains("--api-key on the command line"))
        .stderr(predicate::str::contains(KEY).not());
}

#[test]
fn a_url_that_is_not_an_octopus_api_gets_a_hint() {
    // A plain HTTP responder that answers 404 to everything.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut stream in listener.incoming().flatten().take(20) {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here\n",
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::new(ferry_bin())
        .current_dir(dir.path())
        .env("FERRY_CI", "none")
        .args(["--server", &url, "task", "wait", "ServerTasks-1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not answer like an Octopus API"))
        .stderr(predicate::str::contains("--server"));
}

#[test]
fn build_info_push_uses_the_file_or_collects_with_the_previous_build_from_the_server() {
    let server = Server::start();
    let repo = git_repo(&server.path().join("repo"), &["first ABC-1"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    let output = server
        .ferry()
        .args(["-o", "json", "build-info", "push", "--package-id", "Hello", "--version", "1.0.0", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json = json_of(&output);
    assert_eq!(json["packageId"], "Hello");
    assert_eq!(json["version"], "1.0.0");
    assert!(json["id"].as_str().is_some_and(|id| !id.is_empty()), "{json}");

    // Two more commits; the next build's range starts at the first build's commit.
    git(&repo, &["commit", "-q", "--allow-empty", "-m", "second ABC-2"]);
    git(&repo, &["commit", "-q", "--allow-empty", "-m", "third ABC-3"]);
    let output = server
        .ferry()
        .args(["build-info", "push", "--package-id", "Hello", "--version", "1.1.0", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&first[..12]), "the previous build's commit starts the range: {stderr}");
    let stored = server.get("/api/Spaces-1/build-information?packageId=Hello&take=100");
    let newest = stored["Items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["Version"] == "1.1.0")
        .unwrap_or_else(|| panic!("{stored}"))
        .clone();
    let comments: Vec<&str> =
        newest["Commits"].as_array().unwrap().iter().map(|c| c["Comment"].as_str().unwrap()).collect();
    assert_eq!(comments.len(), 2, "only the commits since 1.0.0: {comments:?}");
    assert!(comments.iter().all(|c| !c.contains("first")));

    // From a file, for two package ids: an array; again with fail: conflict.
    let file = server.path().join("bi.json");
    std::fs::write(
        &file,
        r#"{"BuildEnvironment":"Test","BuildNumber":"7","Commits":[{"Id":"abc","Comment":"x"}]}"#,
    )
    .unwrap();
    let output = server
        .ferry()
        .args([
            "-o",
            "json",
            "build-info",
            "push",
            "--package-id",
            "A",
            "--package-id",
            "B",
            "--version",
            "2.0.0",
            "--file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output).as_array().map(Vec::len), Some(2));
    server
        .ferry()
        .args(["build-info", "push", "--package-id", "A", "--version", "2.0.0", "--file"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--if-exists"));
    server
        .ferry()
        .args([
            "build-info",
            "push",
            "--package-id",
            "A",
            "--version",
            "2.0.0",
            "--if-exists",
            "ignore",
            "--file",
        ])
        .arg(&file)
        .assert()
        .success();
}

#[test]
fn release_creation_through_503s_is_retried_and_creates_one_release() {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");
    server.ferry().args(["package", "push"]).arg(&package).assert().success();
    let proxy = flaky_proxy(&server, "releases/create/v1", 503, 2);
    let output = server
        .ferry()
        .env("FERRY_SERVER", &proxy.url)
        .args(["-o", "json", "release", "create", "--project", "Hello", "--version", "1.0.0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(proxy.failed(), 2);
    assert_eq!(proxy.passed(), 1);
    assert!(stderr.contains("503"), "retries are logged: {stderr}");
    let json = json_of(&output);
    assert_eq!(json["version"], "1.0.0");
    assert_eq!(json["existing"], false);
    assert_eq!(json["project"], "Hello");
    let project = server.get("/api/Spaces-1/projects/Hello");
    assert_eq!(release_versions(&server, project["Id"].as_str().unwrap()), vec!["1.0.0"]);
}

#[test]
fn uploads_through_503s_are_re_streamed() {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");
    let proxy = flaky_proxy(&server, "packages/raw", 503, 2);
    let output = server
        .ferry()
        .env("FERRY_SERVER", &proxy.url)
        .args(["-o", "json", "package", "push"])
        .arg(&package)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)[0]["status"], "created");
    assert_eq!(proxy.failed(), 2);
}

#[test]
fn https_with_a_private_ca_needs_ca_cert_and_insecure_warns() {
    let dir = tempfile::tempdir().unwrap();
    // A missing openssl fails the test (tests/run.sh installs it): a skipped check is no pass.
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap_or_else(|err| {
                panic!("openssl makes the test certificates and cannot run ({err}); tests/run.sh installs it")
            });
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Ferry Test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.path().join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let cert = dir.path().join("server.pem").display().to_string();
    let key = dir.path().join("server.key").display().to_string();
    let ca = dir.path().join("ca.pem");
    let server = Server::start_in(dir, &config(""), &["--tls-cert", &cert, "--tls-key", &key]);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    server
        .ferry()
        .args(["task", "wait", "ServerTasks-1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--ca-cert"));
    server
        .ferry()
        .arg("--ca-cert")
        .arg(&ca)
        .args(["release", "create", "--project", "Nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no project named Nope"));
    server
        .ferry()
        .args(["--insecure", "release", "create", "--project", "Nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NOT verified"))
        .stderr(predicate::str::contains("no project named Nope"));
}

#[test]
fn lost_answers_after_the_server_committed_do_not_duplicate_anything() {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");

    // The upload is stored, its 201 lost: the retry's 409 is recognised as our own package.
    let proxy = lossy_proxy(&server, "packages/raw", 502, 1);
    let output = server
        .ferry()
        .env("FERRY_SERVER", &proxy.url)
        .args(["-o", "json", "package", "push"])
        .arg(&package)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)[0]["status"], "created");
    assert_eq!(proxy.failed(), 1);

    // The release is created, the answer lost: found, not created twice.
    let proxy = lossy_proxy(&server, "releases/create/v1", 504, 1);
    let output = server
        .ferry()
        .env("FERRY_SERVER", &proxy.url)
        .args(["-o", "json", "release", "create", "--project", "Hello", "--version", "1.0.0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(json_of(&output)["existing"], false);
    assert!(stderr.contains("had created"), "{stderr}");
    assert_eq!(proxy.passed(), 0, "no second POST");
    let project = server.get("/api/Spaces-1/projects/Hello");
    let project_id = project["Id"].as_str().unwrap().to_owned();
    assert_eq!(release_versions(&server, &project_id), vec!["1.0.0"]);

    // The deployment to Test is created, the answer lost: one deployment to Test, not two.
    server
        .ferry()
        .args([
            "release",
            "deploy",
            "--project",
            "Hello",
            "--version",
            "1.0.0",
            "--to",
            "Development",
            "--wait",
        ])
        .assert()
        .success();
    let proxy = lossy_proxy(&server, "deployments/create", 503, 1);
    let output = server
        .ferry()
        .env("FERRY_SERVER", &proxy.url)
        .args([
            "-o",
            "json",
            "release",
            "deploy",
            "--project",
            "Hello",
            "--version",
            "1.0.0",
            "--to",
            "Test",
            "--wait",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(json_of(&output)["deployments"][0]["state"], "Success");
    assert_eq!(proxy.passed(), 0, "no second POST");
    let deployments = server.get(&format!("/api/Spaces-1/deployments?projects={project_id}&take=100"));
    let to_test = deployments["Items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["EnvironmentId"] == deployments_env_id(&server, "Test"))
        .count();
    assert_eq!(to_test, 1, "{deployments}");
}

fn deployments_env_id(server: &Server, name: &str) -> serde_json::Value {
    let all = server.get("/api/Spaces-1/environments/all");
    all.as_array().unwrap().iter().find(|e| e["Name"] == name).unwrap()["Id"].clone()
}

#[test]
fn spaces_are_found_by_name_or_id_and_unknown_ones_are_listed() {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");
    for space in ["default", "Spaces-1"] {
        server
            .ferry()
            .env("FERRY_SPACE", space)
            .args(["package", "push", "--if-exists", "ignore"])
            .arg(&package)
            .assert()
            .success();
    }
    server
        .ferry()
        .args(["--space", "Defualt", "package", "push"])
        .arg(&package)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no space named Defualt"))
        .stderr(predicate::str::contains("did you mean Default"));
}

#[test]
fn pushing_several_files_pushes_every_one_and_fails_on_any_conflict() {
    let server = Server::start();
    let first = make_package(server.path(), "Hello", "1.0.0");
    let second = make_package(server.path(), "Hello", "1.1.0");
    server.ferry().args(["package", "push"]).arg(&first).assert().success();
    server
        .ferry()
        .args(["package", "push"])
        .arg(&first)
        .arg(&second)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("pushed Hello 1.1.0"))
        .stderr(predicate::str::contains("already exists"));
    let output = server
        .ferry()
        .args(["-o", "json", "package", "push", "--if-exists", "ignore"])
        .arg(&first)
        .arg(&second)
        .output()
        .unwrap();
    assert!(output.status.success());
    let statuses: Vec<String> = json_of(&output)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["ignored", "ignored"]);
}

#[test]
fn every_retry_prints_its_one_warning_line() {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");
    let repo = git_repo(&server.path().join("repo"), &["feat: one"]);
    let build_info = |mode: &str, version: &str| -> Vec<String> {
        ["build-info", "push", "--package-id", "Hello", "--version", version, "--if-exists", mode, "--repo"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([repo.display().to_string()])
            .collect()
    };
    let words = |list: &[&str]| -> Vec<String> { list.iter().map(|s| (*s).to_owned()).collect() };
    // (what, the request path the proxy fails, the command), in an order that builds on itself.
    let cases: Vec<(&str, &str, Vec<String>)> = vec![
        ("package upload", "packages/raw", words(&["package", "push", &package.display().to_string()])),
        // (The writes only: the read of the previous build is retried like every read.)
        ("build information, FailIfExists", "overwritemode=failifexists", build_info("fail", "1.0.0")),
        ("build information, ignore", "overwritemode=ignoreifexists", build_info("ignore", "1.0.1")),
        (
            "release creation",
            "releases/create/v1",
            words(&["release", "create", "--project", "Hello", "--version", "1.0.0"]),
        ),
        (
            "deployment",
            "deployments/create",
            words(&[
                "release",
                "deploy",
                "--project",
                "Hello",
                "--version",
                "1.0.0",
                "--to",
                "Development",
                "--wait",
            ]),
        ),
    ];
    let mut problems = Vec::new();
    for (what, path, args) in &cases {
        let proxy = flaky_proxy(&server, path, 503, 2);
        let output = server.ferry().env("FERRY_SERVER", &proxy.url).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let warnings =
            stderr.lines().filter(|line| line.starts_with("warning:") && line.contains("HTTP 503")).count();
        if !output.status.success() || proxy.failed() != 2 || warnings != 2 {
            problems.push(format!(
                "{what}: exit {:?}, {} faults, {warnings} retry warnings (want 2):\n{stderr}",
                output.status.code(),
                proxy.failed()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
