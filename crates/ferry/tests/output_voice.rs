//! How Ferry talks: `-v` levels (files with sizes, then HTTP requests, then library noise),
//! warnings for options that do nothing, and errors that name the file or address at fault.

mod client_support;

use std::path::Path;

use assert_cmd::Command;
use client_support::*;
use predicates::prelude::*;

/// `ferry` in `dir`, no server or CI from the environment.
fn ferry_in(dir: &Path) -> Command {
    let mut cmd = Command::new(ferry_bin());
    cmd.current_dir(dir)
        .env("FERRY_CI", "none")
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("FERRY_SERVER")
        .env_remove("OCTOPUS_URL")
        .env_remove("FERRY_API_KEY")
        .env_remove("FERRY_EMBEDDED")
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

/// A folder `app` with two files (one of 1536 bytes) and a `.git` folder.
fn app_with_git(dir: &Path) {
    std::fs::create_dir_all(dir.join("app/.git/objects")).unwrap();
    std::fs::write(dir.join("app/index.html"), "hello\n").unwrap();
    std::fs::write(dir.join("app/big.bin"), vec![7u8; 1536]).unwrap();
    std::fs::write(dir.join("app/.git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(dir.join("app/.git/objects/ab"), "x").unwrap();
}

fn stderr_of(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stderr).unwrap()
}

/// `ferry GLOBAL package create --id App --version 1.0.0 --base-path app --out-folder out
/// --overwrite FLAGS` in `dir`: its stderr, after a successful run.
fn pack_app(dir: &Path, global: &[&str], flags: &[&str]) -> String {
    let mut cmd = ferry_in(dir);
    cmd.args(global).args(["package", "create", "--id", "App", "--version", "1.0.0", "--base-path", "app"]);
    cmd.args(["--out-folder", "out", "--overwrite"]).args(flags);
    stderr_of(&mut cmd)
}

#[test]
fn packing_lists_files_with_sizes_at_v_and_warns_once_about_git() {
    let temp = tempfile::tempdir().unwrap();
    app_with_git(temp.path());
    let quiet = pack_app(temp.path(), &[], &[]);
    let warnings = quiet.lines().filter(|line| line.starts_with("warning:") && line.contains(".git")).count();
    assert_eq!(warnings, 1, "one warning naming .git: {quiet}");
    assert!(quiet.contains("warning: packing 2 files from app/.git"), "{quiet}");
    assert!(quiet.contains("--exclude .git"), "{quiet}");
    assert!(quiet.contains("packed 4 files into"), "{quiet}");
    assert!(!quiet.contains("index.html"), "files are listed only with -v: {quiet}");

    let verbose = pack_app(temp.path(), &["-v"], &[]);
    assert!(verbose.contains("1.5 KiB  big.bin"), "{verbose}");
    assert!(verbose.contains("    6 B  index.html"), "sizes are right-aligned: {verbose}");
    let silenced = pack_app(temp.path(), &[], &["--exclude", ".git"]);
    assert!(!silenced.contains(".git"), "--exclude .git silences the warning: {silenced}");
    assert!(silenced.contains("packed 2 files into"), "{silenced}");
}

#[test]
fn nupkg_metadata_flags_on_a_zip_warn_that_they_are_ignored() {
    let temp = tempfile::tempdir().unwrap();
    app_with_git(temp.path());
    let stderr = pack_app(temp.path(), &[], &["--exclude", ".git", "--author", "Web Team", "--title", "Web"]);
    let warning =
        "warning: ignoring --author, --title for a zip package: only nupkg packages carry that metadata";
    assert!(stderr.contains(warning), "{stderr}");
    let nupkg =
        pack_app(temp.path(), &[], &["--exclude", ".git", "--author", "Web Team", "--format", "nupkg"]);
    assert!(!nupkg.contains("ignoring"), "{nupkg}");
}

#[test]
fn vv_shows_each_request_without_secrets_and_vvv_adds_library_detail() {
    let server = Server::start();
    let run = |level: &str| {
        let output = server
            .ferry()
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .args([level, "task", "list"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stderr).unwrap()
    };
    let debug_lines = |text: &str| -> Vec<String> {
        text.lines().filter(|line| line.contains(" DEBUG ")).map(str::to_owned).collect()
    };
    let one = run("-v");
    assert!(!one.contains(" GET "), "-v shows no HTTP requests: {one}");
    let two = run("-vv");
    let requests = format!("GET {}/api/Spaces-1/tasks?skip=0&take=20 -> 200 (", server.url);
    assert!(two.contains(&requests), "{two}");
    assert!(two.contains(&format!("GET {}/api -> 200 (", server.url)), "{two}");
    assert!(!two.contains(KEY), "the API key never shows");
    let not_requests: Vec<String> =
        debug_lines(&two).into_iter().filter(|line| !line.contains(" -> ")).collect();
    assert!(not_requests.is_empty(), "-vv holds no library debug output: {not_requests:?}");
    let three = run("-vvv");
    assert!(!three.contains(KEY), "the API key never shows");
    assert!(
        debug_lines(&three).iter().any(|line| !line.contains(" -> ")),
        "-vvv adds the libraries' debug output: {three}"
    );
}

#[test]
fn a_missing_config_file_is_an_error_naming_it_and_config_with_a_server_warns() {
    let temp = tempfile::tempdir().unwrap();
    ferry_in(temp.path())
        .args(["--config", "nope.toml", "--embedded", "task", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: --config nope.toml: there is no such file"))
        .stderr(predicate::str::contains("ferry init"));
    assert!(!temp.path().join(".ferry").exists(), "no embedded server was started");

    let server = Server::start();
    std::fs::write(server.path().join("local.toml"), "").unwrap();
    server
        .ferry()
        .args(["--config", "local.toml", "environment", "list"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: --config local.toml configures only the embedded server; it is not used with the server http://127.0.0.1:",
        ));
}

#[test]
fn an_address_in_use_is_named_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let temp = tempfile::tempdir().unwrap();
    ferry_in(temp.path())
        .args(["server", "--listen", &address, "--data", "data"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "error: could not listen on {address}: another program uses that address"
        )))
        .stderr(predicate::str::contains("hint: stop that program, or pass another address: --listen"));
}

/// A failed deployment's log is streamed while Ferry waits; the error after it points at the
/// whole log instead of printing its last lines a second time. Under `--quiet` nothing was
/// streamed, so the hint carries them.
#[test]
fn a_streamed_failure_is_not_printed_again_in_the_hint() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("site")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), "hi\n").unwrap();
    std::fs::write(
        dir.path().join("ferry.toml"),
        "[[environments]]\nname = \"Development\"\n\n[[projects]]\nname = \"Demo\"\n\
         deploy = \"echo unique-$((40 + 2))-line; exit 4\"\n",
    )
    .unwrap();
    let ship = |quiet: bool| {
        let mut cmd = ferry_in(dir.path());
        cmd.args(["ship", "--embedded", "--project", "Demo", "--id", "Demo", "--base-path", "site"]);
        cmd.args(["--version", if quiet { "1.0.1" } else { "1.0.0" }, "--to", "Development", "--wait"]);
        if quiet {
            cmd.arg("--quiet");
        }
        let output = cmd.output().unwrap();
        assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stderr).unwrap()
    };
    // The command prints a line its own text does not hold, so only output counts.
    let streamed = ship(false);
    assert_eq!(streamed.matches("unique-42-line").count(), 1, "{streamed}");
    assert!(streamed.contains("ferry task log ServerTasks-"), "{streamed}");
    let quiet = ship(true);
    assert_eq!(quiet.matches("unique-42-line").count(), 1, "the hint carries the tail: {quiet}");
}
