//! The command line as an interface under review: the `--help` of every command is a snapshot in
//! `tests/snapshots/help/` (a change to a flag shows up in the diff), every flag the README shows
//! next to a `ferry` command exists on that command, and the generated completions and manual
//! page are read by the real shells and `man`.
//!
//! `FERRY_UPDATE_SNAPSHOTS=1 cargo test -p ferry --test cli_help` rewrites the snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ferry(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command.args(args).env("COLUMNS", "100").env("NO_COLOR", "1");
    // Help shows `[env: NAME]`; values of the caller's environment must not change the text.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("FERRY_") {
            command.env_remove(name);
        }
    }
    command.output().expect("run ferry")
}

fn stdout_of(args: &[&str]) -> String {
    let output = ferry(args);
    assert!(output.status.success(), "ferry {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 help")
}

/// The subcommand names listed under `Commands:` in a help text.
fn subcommands_in(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command path (`[]` is `ferry` itself) with its long help.
fn all_helps() -> Vec<(Vec<String>, String)> {
    let mut pending = vec![Vec::<String>::new()];
    let mut helps = Vec::new();
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = stdout_of(&args);
        for name in subcommands_in(&help) {
            let mut child = path.clone();
            child.push(name);
            pending.push(child);
        }
        helps.push((path, help));
    }
    helps.sort();
    helps
}

fn snapshot_path(path: &[String]) -> PathBuf {
    let name = if path.is_empty() { "ferry".to_owned() } else { format!("ferry-{}", path.join("-")) };
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/help").join(format!("{name}.txt"))
}

#[test]
fn help_of_every_command_matches_its_snapshot() {
    let update = std::env::var_os("FERRY_UPDATE_SNAPSHOTS").is_some_and(|value| value == "1");
    let helps = all_helps();
    assert!(
        helps.len() >= 20,
        "only {} commands found: {:?}",
        helps.len(),
        helps.iter().map(|h| &h.0).collect::<Vec<_>>()
    );
    let mut differences = Vec::new();
    for (path, help) in &helps {
        let file = snapshot_path(path);
        if update {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, help).unwrap();
            continue;
        }
        match std::fs::read_to_string(&file) {
            Ok(expected) if expected == *help => {}
            Ok(_) => {
                differences.push(format!("{} differs from `ferry {} --help`", file.display(), path.join(" ")))
            }
            Err(_) => differences.push(format!("{} is missing", file.display())),
        }
    }
    assert!(
        differences.is_empty(),
        "{}\nreview the change, then FERRY_UPDATE_SNAPSHOTS=1 cargo test -p ferry --test cli_help",
        differences.join("\n")
    );
}

#[test]
fn offline_commands_do_not_list_server_options_and_server_lists_no_client_options() {
    for offline in [
        &["package", "create"][..],
        &["pack"],
        &["version"],
        &["version", "next"],
        &["release-notes"],
        &["build-info", "create"],
    ] {
        let help = stdout_of(&[offline, &["--help"]].concat());
        for flag in ["--server", "--api-key", "--space", "--insecure", "--data", "Server connection options"]
        {
            assert!(!help.contains(flag), "`ferry {} --help` lists {flag}", offline.join(" "));
        }
        assert!(help.contains("Global options:") && help.contains("--output"), "{help}");
    }
    let server = stdout_of(&["server", "--help"]);
    for flag in ["--server ", "--api-key", "--space", "--ca-cert", "--insecure", "--connect-timeout"] {
        assert!(!server.contains(flag), "`ferry server --help` lists {flag}");
    }
    assert!(server.contains("--data") && server.contains("[env: FERRY_LISTEN]"), "{server}");
    let push = stdout_of(&["package", "push", "--help"]);
    let own = push.find("--if-exists").unwrap();
    let global = push.find("Global options:").unwrap();
    assert!(own < global, "a command's own flags come before the global ones:\n{push}");
    assert!(push.contains("[env: FERRY_SERVER, then OCTOPUS_URL]"), "{push}");
}

#[test]
fn server_refuses_a_client_option() {
    let output = ferry(&["server", "--server", "http://127.0.0.1:9"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not take --server"), "{stderr}");
}

/// `ferry ...` invocations in the README's code blocks, continuation lines joined.
fn readme_invocations() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    let mut in_block = false;
    let mut lines = Vec::new();
    let mut pending = String::new();
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let line = line.split(" #").next().unwrap_or(line);
        pending.push_str(line.trim_end().trim_end_matches('\\'));
        pending.push(' ');
        if !line.trim_end().ends_with('\\') {
            // `ferry` as the program, not as an argument (`cargo test -p ferry`).
            let program = |start: &usize| {
                let before = pending[..*start].trim_end();
                before.is_empty() || before.ends_with("&&") || before.ends_with('|') || before.ends_with("$(")
            };
            if let Some(start) = pending.find("ferry ").filter(program) {
                lines.push(pending[start..].to_owned());
            }
            pending.clear();
        }
    }
    lines
}

#[test]
fn every_flag_the_readme_shows_exists_on_its_command() {
    let helps = all_helps();
    let invocations = readme_invocations();
    assert!(invocations.len() >= 15, "found only {} invocations in the README", invocations.len());
    let mut missing = Vec::new();
    let mut checked = 0;
    for invocation in &invocations {
        // The command path: the longest chain of subcommand names among the words.
        let words: Vec<&str> = invocation.split_whitespace().skip(1).collect();
        let mut path: Vec<String> = Vec::new();
        for word in &words {
            let mut candidate = path.clone();
            candidate.push((*word).to_owned());
            if helps.iter().any(|(known, _)| *known == candidate) {
                path = candidate;
            }
        }
        let help = &helps.iter().find(|(known, _)| *known == path).unwrap().1;
        for word in words.iter().filter(|word| word.starts_with("--")) {
            let flag: String = word
                .trim_start_matches(['[', '('])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if flag.len() <= 2 {
                continue;
            }
            checked += 1;
            let listed = help.contains(&format!("{flag} "))
                || help.contains(&format!("{flag}\n"))
                || help.contains(&format!("{flag}="))
                || help.contains(&format!("{flag},"))
                || help.contains(&format!("{flag}..."))
                || help.contains(&format!("{flag} <"));
            // Hidden server options are accepted but not listed on offline commands.
            let hidden_global = ferry_root_help(&helps).contains(&format!("{flag} "));
            if !listed && !hidden_global {
                missing.push(format!("{flag} (in `{}`)", invocation.trim()));
            }
        }
    }
    assert!(checked >= 40, "only {checked} README flags checked");
    assert!(
        missing.is_empty(),
        "README flags that `ferry ... --help` does not list:\n{}",
        missing.join("\n")
    );
}

fn ferry_root_help(helps: &[(Vec<String>, String)]) -> &str {
    &helps.iter().find(|(path, _)| path.is_empty()).unwrap().1
}

#[test]
fn ferry_version_prints_its_own_version_and_version_next_computes_one() {
    let own = stdout_of(&["version"]);
    assert!(own.starts_with(&format!("ferry {}\n", env!("CARGO_PKG_VERSION"))), "{own}");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&["-o", "json", "version"])).unwrap();
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path().to_str().unwrap();
    for args in [&["init", "-q"][..], &["commit", "-q", "--allow-empty", "-m", "first"], &["tag", "v1.4.0"]] {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "Tester")
            .env("GIT_AUTHOR_EMAIL", "t@example.test")
            .env("GIT_COMMITTER_NAME", "Tester")
            .env("GIT_COMMITTER_EMAIL", "t@example.test")
            .status()
            .expect("git must be installed for this test");
        assert!(status.success(), "git {args:?}");
    }
    assert_eq!(stdout_of(&["version", "next", "--repo", dir]).trim(), "1.4.0");
    // The old spelling keeps working.
    assert_eq!(stdout_of(&["version", "--repo", dir]).trim(), "1.4.0");
}

#[test]
fn a_v_prefixed_version_is_taken_without_the_v_and_warned_about_once() {
    let out = tempfile::tempdir().unwrap();
    let content = tempfile::tempdir().unwrap();
    std::fs::write(content.path().join("a.txt"), "a").unwrap();
    let output = ferry(&[
        "--ci",
        "none",
        "package",
        "create",
        "--id",
        "App",
        "--version",
        "v1.4.0",
        "--base-path",
        content.path().to_str().unwrap(),
        "--out-folder",
        out.path().to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(out.path().join("App.1.4.0.zip").is_file());
    assert_eq!(stderr.matches("`v1.4.0` is taken as `1.4.0`").count(), 1, "{stderr}");
}

/// Run a tool the test needs; a missing tool fails the test (tests/run.sh installs them).
fn run_tool(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| {
            panic!("`{program}` is needed by this test and could not run ({err}); tests/run.sh installs it")
        });
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn completions_generate_for_each_shell_and_bash_loads_its_script() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("ferry") && script.contains("release"), "{shell}: {script}");
    }
    let bash = stdout_of(&["completions", "bash"]);
    let syntax = run_tool("bash", &["-n"], bash.as_bytes());
    assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
    // Load it and ask for the completions of `ferry release d`, as bash would on TAB.
    let script = format!(
        "{bash}\nCOMP_WORDS=(ferry release d); COMP_CWORD=2; COMP_LINE='ferry release d'; COMP_POINT=${{#COMP_LINE}}\n\
         _ferry ferry d release; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let loaded = run_tool("bash", &["--norc", "--noprofile", "-s"], script.as_bytes());
    let words = String::from_utf8_lossy(&loaded.stdout);
    assert!(
        words.lines().any(|word| word == "deploy"),
        "completions of `ferry release d`: {words:?} {}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let zsh = stdout_of(&["completions", "zsh"]);
    let checked = run_tool("zsh", &["-n"], zsh.as_bytes());
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
}

#[test]
fn the_manual_page_renders_with_man() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH ferry"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ferry.1");
    std::fs::write(&file, &page).unwrap();
    let rendered = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(&file)
        .env("MANWIDTH", "100")
        .output()
        .unwrap_or_else(|err| panic!("`man` is needed by this test ({err}); tests/run.sh installs it"));
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    assert!(text.contains("NAME") && text.contains("ship") && text.contains("--output"), "{text}");
    let pages = tempfile::tempdir().unwrap();
    let written = ferry(&["man", "--out-dir", pages.path().to_str().unwrap()]);
    assert!(written.status.success());
    assert!(pages.path().join("ferry-release-deploy.1").is_file());
}
