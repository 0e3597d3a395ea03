//! Every example in the help texts, run for real against the embedded server, each in a fresh
//! copy of a scratch folder (a git repository with the folders the examples name) after the
//! steps a user would have taken before it ([`preparation`]: the package before the push, the
//! release before the deploy). Each must succeed, except the few listed in [`EXPECTED_FAILURES`]
//! (each with the exit code and error it must give, so a broken command is not mistaken for an
//! expected failure) and [`NOT_RUN`] (examples that start a long-running server or reach a host
//! outside the test).

use std::path::Path;
use std::process::Command;

/// Examples that must fail here: the exit code, a fragment of the error they must print, and why.
const EXPECTED_FAILURES: &[(&str, i32, &str)] = &[
    // Runbooks run on Octopus Deploy only; `ferry server` says so (exit 2).
    (
        "runbook run --project Hello --runbook \"Restart web\" --environment Production --wait",
        2,
        "no runbooks",
    ),
    (
        "runbook run --project Hello --runbook Backup --environment Prod --tenant-tag Region/EU",
        2,
        "no runbooks",
    ),
    (
        "runbook run --project Hello --runbook Backup --environment Test --variable Reason=nightly",
        2,
        "no runbooks",
    ),
    // No task has that id in the scratch server: the error points at `ferry task list`.
    ("task wait ServerTasks-42", 1, "ferry task list"),
    ("task wait ServerTasks-42 ServerTasks-43 --timeout 5m --cancel-on-timeout", 1, "ferry task list"),
    ("task show ServerTasks-42", 1, "ferry task list"),
    ("task show ServerTasks-42 -o json", 1, "ferry task list"),
    ("task log ServerTasks-42", 1, "ferry task list"),
    ("task log ServerTasks-42 --tail 50", 1, "ferry task list"),
    ("task cancel ServerTasks-42", 1, "ferry task list"),
    ("task cancel ServerTasks-42 ServerTasks-43", 1, "ferry task list"),
    // Ferry's server has no tenants and one space.
    ("release deploy --project Web --version 1.0.0 --to Prod --tenant Acme --variable Region=eu", 1, "Acme"),
    ("release rollback --project Hello --environment Production --tenant Acme", 1, "Acme"),
    ("--space Operations project list -o json", 1, "there is no space named Operations"),
    // Web has no release that succeeded in Test to promote.
    ("release promote --project Web --from Test --to DR --wait --timeout 20m --cancel-on-timeout", 1, "Test"),
];

/// Examples not run: a server that runs until stopped, files in /etc, a host outside the test.
const NOT_RUN: &[&str] = &[
    "server",
    "server --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem",
    "--data /var/lib/ferry --config /etc/ferry/ferry.toml server --workers 8",
    "--server https://deploy.example.com package push Hello.1.0.0.zip --if-exists overwrite",
];

/// Packages Hello 1.0.0 and 1.1.0-beta.1 and Web 1.0.0 in the server's feed.
const FEED: &[&str] = &[
    "package create --id Hello --version 1.0.0 --base-path publish --out-folder pkgs",
    "package create --id Hello --version 1.1.0-beta.1 --base-path publish --out-folder pkgs",
    "package create --id Web --version 1.0.0 --base-path publish --out-folder pkgs",
    "package push pkgs/Hello.1.0.0.zip pkgs/Hello.1.1.0-beta.1.zip pkgs/Web.1.0.0.zip",
];
/// The feed and release 1.0.0 of Hello and Web (deployed to Development by the lifecycle).
const RELEASED: &[&str] = &[
    "release create --project Hello --version 1.0.0 --package Hello:1.0.0",
    "release create --project Web --version 1.0.0 --package Web:1.0.0",
];

/// What a user has done before an example of each command (by the words that name it).
fn preparation(command: &str) -> Vec<&'static str> {
    let package_files = [
        "package create --id Hello --version 1.0.0 --base-path publish",
        "package create --id Hello --version 1.0.0 --base-path publish --out-folder dist",
        "package create --id Hello.Lib --version 1.0.0 --base-path publish --out-folder dist",
    ];
    let in_test = "release deploy --project Hello --version 1.0.0 --to Test --wait";
    let two_in_production = [
        "release deploy --project Hello --version 1.0.0 --to Production --wait",
        "release create --project Hello --version 1.0.1 --package Hello:1.0.0",
        "release deploy --project Hello --version 1.0.1 --to Test --to Production --wait",
    ];
    match command {
        "package push" => package_files.to_vec(),
        "build-info push" | "release-notes" => vec!["build-info create --package-id Hello --version 1.0.0"],
        "release create" => FEED.to_vec(),
        "release deploy" | "task" | "release list" | "release show" | "project" | "check" => {
            [FEED, RELEASED].concat()
        }
        "release promote" => [FEED, RELEASED, &[in_test]].concat(),
        "release rollback" => [FEED, RELEASED, &[in_test], &two_in_production].concat(),
        _ => Vec::new(),
    }
}

/// The command an example runs: its first words that are not flags or their values.
fn command_of(example: &str) -> String {
    let known = [
        "package create",
        "package push",
        "build-info create",
        "build-info push",
        "release create",
        "release deploy",
        "release promote",
        "release rollback",
        "release list",
        "release show",
    ];
    known
        .iter()
        .find(|command| example.contains(*command))
        .map(|command| (*command).to_owned())
        .or_else(|| {
            ["task", "project", "check", "release-notes", "init"]
                .iter()
                .find(|word| example.split_whitespace().any(|w| w == **word))
                .map(|word| (*word).to_owned())
        })
        .unwrap_or_default()
}

const CONFIG: &str = r#"[[environments]]
name = "Development"
[[environments]]
name = "Test"
[[environments]]
name = "Staging"
[[environments]]
name = "Production"
[[environments]]
name = "Prod"
[[environments]]
name = "DR"

[[lifecycles]]
name = "Default"
[[lifecycles.phases]]
name = "Development"
environments = ["Development"]
automatic = true
optional = true
[[lifecycles.phases]]
name = "Test"
environments = ["Test", "Staging"]
minimum_environments = 1
[[lifecycles.phases]]
name = "Production"
environments = ["Production", "Prod", "DR"]
minimum_environments = 1

[[projects]]
name = "Hello"
packages = ["Hello"]
deploy = "echo deployed"

[[projects]]
name = "Web"
packages = ["Web"]
deploy = "echo deployed"

[[channels]]
project = "Hello"
name = "Beta"
"#;

fn git(dir: &Path, args: &[&str]) {
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

fn repository(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "--quiet", "--initial-branch=main"]);
    git(dir, &["commit", "--quiet", "--allow-empty", "-m", "initial"]);
    git(dir, &["tag", "v0.9.0"]);
    git(dir, &["commit", "--quiet", "--allow-empty", "-m", "feat: login ABC-1"]);
    git(dir, &["tag", "v1.3.0"]);
    git(dir, &["commit", "--quiet", "--allow-empty", "-m", "fix: logout ABC-2"]);
}

/// The scratch folder `root`: a git repository with the files and folders the examples name
/// (and `../service`, a second repository beside the copies of it).
fn scratch(root: &Path) -> std::path::PathBuf {
    let work = root.to_owned();
    repository(&work);
    repository(&root.parent().unwrap().join("service"));
    for (file, text) in [
        ("publish/index.html", "hello\n"),
        ("bin/app", "#!/bin/sh\n"),
        ("notes.tmpl.md", "# {{version}}\n\n{{changes}}\n"),
        ("ferry.toml", CONFIG),
        ("ci/ferry.toml", CONFIG),
        ("dist/.keep", ""),
    ] {
        let path = work.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    work
}

/// Every example line (`ferry` stripped) of every command's long help, once.
fn examples() -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![Vec::<String>::new()];
    while let Some(path) = pending.pop() {
        let help = run_ferry(Path::new("."), &[path.clone(), vec!["--help".to_owned()]].concat()).1;
        for line in help.lines().skip_while(|line| *line != "Commands:").skip(1) {
            if line.trim().is_empty() {
                break;
            }
            if let Some(name) = line.strip_prefix("  ").and_then(|l| l.split_whitespace().next())
                && !line.starts_with("   ")
                && name != "help"
            {
                pending.push([path.clone(), vec![name.to_owned()]].concat());
            }
        }
        found.extend(help.lines().filter_map(|line| line.strip_prefix("  ferry ")).map(str::to_owned));
    }
    // `pack` shows the examples of `package create`, `version` those of `version next`.
    let mut seen = std::collections::HashSet::new();
    found.retain(|example| seen.insert(example.clone()));
    found
}

/// An example's arguments as a shell splits them: on spaces, `"..."` kept whole.
fn words(example: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in example.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Run `ferry ARGS` in `dir` with the embedded server; (exit code, stdout, stderr).
fn run_ferry(dir: &Path, args: &[String]) -> (i32, String, String) {
    run_ferry_with(dir, args, &[])
}

/// [`run_ferry`] with extra environment variables.
fn run_ferry_with(dir: &Path, args: &[String], env: &[(&str, &str)]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .current_dir(dir)
        .args(args)
        .env("FERRY_CI", "none")
        .env("FERRY_EMBEDDED", "1")
        .env("COLUMNS", "100")
        .env_remove("FERRY_SERVER")
        .env_remove("OCTOPUS_URL")
        .env_remove("FERRY_API_KEY")
        .env_remove("OCTOPUS_API_KEY")
        .env_remove("GITHUB_ACTIONS")
        .envs(env.iter().copied())
        .output()
        .expect("run ferry");
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(output.stdout), text(output.stderr))
}

#[test]
fn every_help_example_runs_against_an_embedded_server() {
    let temp = tempfile::tempdir().unwrap();
    let template = scratch(&temp.path().join("template"));
    let examples = examples();
    assert!(examples.len() >= 60, "only {} examples found", examples.len());
    let mut problems = Vec::new();
    let mut ran = 0;
    for example in &examples {
        if NOT_RUN.contains(&example.as_str()) {
            continue;
        }
        let dir = temp.path().join(format!("example-{ran}"));
        if command_of(example) == "init" {
            // `init` starts a setup: an empty folder.
            std::fs::create_dir(&dir).unwrap();
        } else {
            let copied = Command::new("cp").arg("-a").arg(&template).arg(&dir).status().expect("cp");
            assert!(copied.success());
        }
        for step in preparation(&command_of(example)) {
            let args: Vec<String> = step.split_whitespace().map(str::to_owned).collect();
            let (code, _, stderr) = run_ferry(&dir, &args);
            assert_eq!(code, 0, "preparing `ferry {example}`: ferry {step}:\n{stderr}");
        }
        let args = words(example);
        let (code, _, stderr) = if example.contains("--use-build-number") {
            // An example for a CI job, which has a build number.
            run_ferry_with(&dir, &args, &[("FERRY_CI", "github"), ("GITHUB_RUN_NUMBER", "7")])
        } else {
            run_ferry(&dir, &args)
        };
        ran += 1;
        match EXPECTED_FAILURES.iter().find(|(failing, _, _)| failing == example) {
            Some((_, expected, fragment)) if code == *expected && stderr.contains(fragment) => {}
            Some((_, expected, fragment)) => problems.push(format!(
                "ferry {example}: expected exit {expected} with `{fragment}`, got {code}:\n{stderr}"
            )),
            None if code == 0 => {}
            None => problems.push(format!("ferry {example}: exit {code}:\n{stderr}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {ran} examples misbehaved:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
    let listed: Vec<&String> = examples.iter().filter(|e| NOT_RUN.contains(&e.as_str())).collect();
    assert_eq!(listed.len(), NOT_RUN.len(), "every example not run is still in the help: {listed:?}");
    for (failing, _, _) in EXPECTED_FAILURES {
        assert!(
            examples.iter().any(|e| e == failing),
            "expected failure `{failing}` is no longer an example"
        );
    }
    eprintln!("ran {ran} help examples; not run: {}", NOT_RUN.len());
}
