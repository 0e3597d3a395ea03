//! Bad values for every flag that takes one: exit 2, and a message on stderr that names the flag
//! and the accepted form. Nothing is contacted: the server URL points at a closed port.

use std::process::Command;

/// (arguments, the flag the message must name, words of which one must appear: the accepted form)
const CASES: &[(&[&str], &str, &[&str])] = &[
    (&["-o", "yaml", "version"], "--output", &["text", "json"]),
    (&["--ci", "nope", "version"], "--ci", &["github", "possible values"]),
    (&["--connect-timeout", "abc", "version"], "--connect-timeout", &["number", "integer", "digit"]),
    (
        &["--request-timeout=-5", "version"],
        "--request-timeout",
        &["number", "integer", "digit", "unexpected"],
    ),
    (
        &["package", "create", "--id", "App", "--version", "1.0.0", "--format", "rar"],
        "--format",
        &["zip", "nupkg"],
    ),
    (
        &["package", "create", "--id", "App", "--version", "1.0.0", "--compression-level", "12"],
        "--compression-level",
        &["0..=9", "0-9", "0 to 9", "0..10"],
    ),
    (
        &["package", "create", "--id", "bad id!", "--version", "1.0.0"],
        "--id",
        &["letters", "character", "allowed"],
    ),
    (
        &["package", "create", "--id", "App", "--version", "01.x"],
        "--version",
        &["MAJOR.MINOR", "e.g.", "leading zero"],
    ),
    (&["package", "push", "App.1.0.0.zip", "--if-exists", "sometimes"], "--if-exists", &["fail", "ignore"]),
    (
        &["package", "push", "App.1.0.0.zip", "--overwrite-mode", "Nope"],
        "--overwrite-mode",
        &["FailIfExists", "fail-if-exists"],
    ),
    (
        &["build-info", "create", "--package-id", "App", "--version", "1.0.0", "--max-commits=-1"],
        "--max-commits",
        &["number", "integer", "digit", "unexpected"],
    ),
    (
        &["build-info", "push", "--package-id", "bad id", "--version", "1.0.0"],
        "--package-id",
        &["letters", "character", "allowed"],
    ),
    (
        &["build-info", "push", "--package-id", "App", "--version", "v1"],
        "--version",
        &["MAJOR.MINOR", "e.g.", "leading"],
    ),
    (&["release", "create", "--project", "P", "--if-exists", "maybe"], "--if-exists", &["fail", "ignore"]),
    (
        &["release", "create", "--project", "P", "--version", "not.a.version"],
        "--version",
        &["MAJOR.MINOR", "e.g.", "auto"],
    ),
    (
        &["release", "create", "--project", "P", "--version", "1.0.0", "--package", "::"],
        "--package",
        &["ID:VERSION", "STEP:VERSION"],
    ),
    (
        &[
            "release",
            "deploy",
            "--project",
            "P",
            "--version",
            "1.0.0",
            "--to",
            "Dev",
            "--timeout",
            "5 parsecs",
        ],
        "--timeout",
        &["30s", "10m", "e.g.", "duration"],
    ),
    (
        &["release", "deploy", "--project", "P", "--version", "1.0.0", "--to", "Dev", "--poll-interval", "x"],
        "--poll-interval",
        &["30s", "1s", "e.g.", "duration"],
    ),
    (
        &[
            "release",
            "deploy",
            "--project",
            "P",
            "--version",
            "1.0.0",
            "--to",
            "Dev",
            "--variable",
            "NOEQUALS",
        ],
        "--variable",
        &["NAME=VALUE"],
    ),
    (
        &["release", "promote", "--project", "P", "--from", "Dev", "--to", "Test", "--timeout=-1s"],
        "--timeout",
        &["30s", "10m", "e.g.", "duration"],
    ),
    (
        &["release", "rollback", "--project", "P", "--environment", "Dev", "--poll-interval", "0x"],
        "--poll-interval",
        &["30s", "1s", "e.g.", "duration"],
    ),
    (
        &["task", "wait", "ServerTasks-1", "--timeout", "abc"],
        "--timeout",
        &["30s", "10m", "e.g.", "duration"],
    ),
    (
        &[
            "release",
            "deploy",
            "--project",
            "P",
            "--version",
            "1.0.0",
            "--to",
            "Dev",
            "--timeout",
            "99999999h",
        ],
        "--timeout",
        &["longest"],
    ),
    (
        &["task", "wait", "ServerTasks-1", "--poll-interval", "18446744073709551615m"],
        "--poll-interval",
        &["longest"],
    ),
    (&["server", "--deploy-timeout", "9999999999999h"], "--deploy-timeout", &["longest"]),
    (&["--request-timeout", "18446744073709551615", "version"], "--request-timeout", &["0..=31536000"]),
    (&["--connect-timeout", "99999999999", "version"], "--connect-timeout", &["0..=31536000"]),
    (
        &[
            "build-info",
            "create",
            "--package-id",
            "App",
            "--version",
            "1.0.0",
            "--max-commits",
            "18446744073709551615",
        ],
        "--max-commits",
        &["1..=1000000"],
    ),
    (&["server", "--max-upload-mib", "99999999999999999999"], "--max-upload-mib", &["number", "large"]),
    (&["server", "--listen", "notanaddr"], "--listen", &["127.0.0.1:8065", "ADDR", "HOST:PORT", "address"]),
    (&["server", "--workers", "many"], "--workers", &["number", "integer", "digit"]),
    (
        &["server", "--workers", "0"],
        "--workers",
        &["between 1 and", "at least 1", "1 or more", "greater", "positive", ">= 1", "at least one"],
    ),
    (&["server", "--max-upload-mib=-1"], "--max-upload-mib", &["number", "integer", "digit", "unexpected"]),
    (&["server", "--max-json-kib", "x"], "--max-json-kib", &["number", "integer", "digit"]),
    (&["server", "--deploy-timeout", "forever"], "--deploy-timeout", &["30m", "30s", "e.g.", "duration"]),
    (
        &["--server", "ftp://example.invalid", "release", "create", "--project", "P", "--version", "1.0.0"],
        "--server",
        &["http://", "https://", "http"],
    ),
    (
        &["--server", "not a url", "release", "create", "--project", "P", "--version", "1.0.0"],
        "--server",
        &["http://", "https://", "URL"],
    ),
    (
        &["ship", "--project", "P", "--id", "a b", "--version", "1.0.0", "--base-path", "."],
        "--id",
        &["letters", "character", "allowed"],
    ),
    (
        &["ship", "--project", "P", "--id", "App", "--version", "x.y", "--base-path", "."],
        "--version",
        &["MAJOR.MINOR", "e.g.", "auto"],
    ),
    (
        &[
            "ship",
            "--project",
            "P",
            "--id",
            "App",
            "--version",
            "1.0.0",
            "--base-path",
            ".",
            "--format",
            "7z",
        ],
        "--format",
        &["zip", "nupkg"],
    ),
];

#[test]
fn every_bad_flag_value_exits_2_naming_the_flag_and_the_accepted_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("App.1.0.0.zip"), b"PK").unwrap();
    let mut problems = Vec::new();
    for (args, flag, forms) in CASES {
        let output = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(*args)
            .current_dir(dir.path())
            .env("FERRY_DATA", dir.path().join("data"))
            .env("FERRY_SERVER", "http://127.0.0.1:9")
            .env("FERRY_CI", "none")
            .env_remove("FERRY_API_KEY")
            .env_remove("GITHUB_ACTIONS")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        let names_flag = stderr.contains(flag);
        let names_form = forms.iter().any(|f| stderr.to_lowercase().contains(&f.to_lowercase()));
        if code != Some(2) || !names_flag || !names_form {
            problems.push(format!(
                "ferry {}: exit {code:?} (want 2), names {flag}: {names_flag}, names the accepted form ({}): {names_form}\n    {}",
                args.join(" "),
                forms.join(" | "),
                stderr.trim().replace('\n', "\n    ")
            ));
        }
    }
    println!("FIGURES cli-errors: cases={} failing={}", CASES.len(), problems.len());
    assert!(problems.is_empty(), "{} of {} cases:\n{}", problems.len(), CASES.len(), problems.join("\n"));
}

/// The one JSON document a failing command writes under `-o json`.
fn json_error(args: &[&str], dir: &std::path::Path) -> (Option<i32>, Result<serde_json::Value, String>) {
    let output = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .current_dir(dir)
        .env("FERRY_DATA", dir.join("data"))
        .env("FERRY_SERVER", "http://127.0.0.1:9")
        .env("FERRY_CI", "none")
        .env("FERRY_RETRY_ATTEMPTS", "1")
        .env("FERRY_RETRY_BASE_MS", "10")
        .env_remove("FERRY_API_KEY")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let document =
        serde_json::from_str::<serde_json::Value>(&stdout).map_err(|err| format!("{err}: {stdout:?}"));
    (output.status.code(), document)
}

#[test]
fn under_json_output_every_failure_is_one_error_document_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("App.1.0.0.zip"), b"PK").unwrap();
    // Every usage error above (clap's and Ferry's own), with -o json in front...
    let mut cases: Vec<(Vec<&str>, i32)> = CASES
        .iter()
        .filter(|(args, _, _)| !args.contains(&"-o"))
        .map(|(args, _, _)| (["-o", "json"].iter().chain(args.iter()).copied().collect(), 2))
        .collect();
    // ...-o json after the subcommand and in its other spellings, a flag clap does not know...
    cases.push((vec!["version", "--output=json", "--no-such-flag"], 2));
    cases.push((vec!["-ojson", "ship"], 2));
    // ...an operation that fails (the server's port is closed) and a context that cannot be built.
    cases.push((vec!["-o", "json", "release", "create", "--project", "P", "--version", "1.0.0"], 1));
    cases.push((vec!["-o", "json", "--api-key-file", "missing.txt", "version"], 1));
    let mut problems = Vec::new();
    for (args, want) in &cases {
        let (code, document) = json_error(args, dir.path());
        let error = document.as_ref().map(|d| d["error"].clone());
        let ok = code == Some(*want)
            && error.as_ref().is_ok_and(|e| {
                e["exitCode"] == *want
                    && e["kind"] == if *want == 2 { "usage" } else { "failed" }
                    && e["message"].as_str().is_some_and(|m| !m.is_empty())
                    && e["hints"].is_array()
            });
        if !ok {
            problems
                .push(format!("ferry {}: exit {code:?} (want {want}), stdout {document:?}", args.join(" ")));
        }
    }
    assert!(problems.is_empty(), "{} of {} cases:\n{}", problems.len(), cases.len(), problems.join("\n"));
}
