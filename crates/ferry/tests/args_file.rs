//! `ferry --args-file FILE`: arguments from a JSON array reach the command exactly, so a hostile
//! value cannot become a flag (the CI adapters depend on it; see src/args_file.rs).

use std::process::Command;

fn ferry(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command.current_dir(dir);
    for name in [
        "CI",
        "GITHUB_ACTIONS",
        "TF_BUILD",
        "JENKINS_URL",
        "FERRY_SERVER",
        "OCTOPUS_URL",
        "FERRY_API_KEY",
        "FERRY_EMBEDDED",
    ] {
        command.env_remove(name);
    }
    command.env("FERRY_CI", "none");
    command
}

#[test]
fn a_hostile_release_note_stays_one_argument() {
    let dir = tempfile::tempdir().unwrap();
    let note = "x\" --server \"https://evil.invalid $(touch pwned) `touch pwned` %PATH%\nline two ✓";
    let args = serde_json::json!([
        "-o",
        "json",
        "--embedded",
        "--data",
        "data",
        "release",
        "create",
        "--project",
        "Hello",
        "--version",
        "1.0.0",
        "--release-notes",
        note
    ]);
    std::fs::write(dir.path().join("args.json"), args.to_string()).unwrap();
    let output = ferry(dir.path()).args(["--args-file", "args.json"]).output().unwrap();
    // Had the note been split, `--server` would conflict with `--embedded` (exit 2).
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["version"], "1.0.0");
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn the_flag_anywhere_but_first_or_a_bad_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("args.json"), r#"["--version"]"#).unwrap();
    let late = ferry(dir.path()).args(["-q", "--args-file", "args.json", "version"]).output().unwrap();
    assert_eq!(late.status.code(), Some(2), "{}", String::from_utf8_lossy(&late.stderr));
    assert!(String::from_utf8_lossy(&late.stderr).contains("must be the first argument"));
    std::fs::write(dir.path().join("bad.json"), r#"{"not": "an array"}"#).unwrap();
    let bad = ferry(dir.path()).args(["--args-file", "bad.json"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a JSON array of strings"));
    let ok = ferry(dir.path()).args(["--args-file", "args.json"]).output().unwrap();
    assert!(ok.status.success() && String::from_utf8_lossy(&ok.stdout).starts_with("ferry "));
}
