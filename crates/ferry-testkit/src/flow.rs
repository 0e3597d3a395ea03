//! Helpers the suites share: a configuration with a few projects, running the `ferry` binary
//! against a server, making packages of a given size, and reading the server's state back
//! (packages with their sha256, releases, deployments, tasks).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::http::Client;
use crate::rng::Rng;
use crate::server::ferry_bin;

/// A recognisable API key used by every suite.
pub const API_KEY: &str = "API-FERRYTESTKEYRELIABILITY0000000001";

/// The environments Development, Test and Production and the `Default` lifecycle through them
/// (Development automatic), as `ferry.toml` text ending in a blank line: the part every suite's
/// configuration shares.
pub const ENVIRONMENTS_AND_DEFAULT_LIFECYCLE: &str = r#"[[environments]]
name = "Development"
[[environments]]
name = "Test"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Default"
[[lifecycles.phases]]
name = "Development"
environments = ["Development"]
automatic = true
[[lifecycles.phases]]
name = "Test"
environments = ["Test"]
[[lifecycles.phases]]
name = "Production"
environments = ["Production"]

"#;

/// Three environments, the default lifecycle (Development automatic), and projects:
/// `App` (no deploy command), `Slow` (a deploy command that sleeps `slow_seconds`),
/// `Echo` (a deploy command that prints every environment variable it was given).
pub fn config(api_key: Option<&str>, slow_seconds: f64) -> String {
    let keys = api_key.map(|k| format!("api_keys = [\"{k}\"]\n\n")).unwrap_or_default();
    format!(
        r#"{keys}{ENVIRONMENTS_AND_DEFAULT_LIFECYCLE}[[projects]]
name = "App"
packages = ["App"]

[[projects]]
name = "Slow"
packages = ["Slow"]
deploy = "sleep {slow_seconds}; echo deployed $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT"

[[projects]]
name = "Echo"
packages = ["Echo"]
deploy = "env; echo deployed $FERRY_RELEASE_VERSION"
"#
    )
}

/// Run `ferry --server URL ARGS...` with no CI detected and no key from the environment unless
/// `api_key` is given (then through `FERRY_API_KEY`).
pub fn ferry(server: &str, api_key: Option<&str>, args: &[&str]) -> Output {
    ferry_command(server, api_key).args(args).output().expect("run ferry")
}

/// The command [`ferry`] runs, for tests that add environment variables.
pub fn ferry_command(server: &str, api_key: Option<&str>) -> Command {
    let mut command = Command::new(ferry_bin());
    command.arg("--server").arg(server);
    for var in [
        "FERRY_API_KEY",
        "OCTOPUS_API_KEY",
        "FERRY_ACCESS_TOKEN",
        "OCTOPUS_ACCESS_TOKEN",
        "OCTOPUS_SERVICE_ACCOUNT_ID",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "OCTOPUS_URL",
        "FERRY_SERVER",
        "FERRY_SPACE",
        "GITHUB_ACTIONS",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "TF_BUILD",
        "JENKINS_URL",
        "BITBUCKET_BUILD_NUMBER",
        "GITLAB_CI",
        "TEAMCITY_VERSION",
        "CIRCLECI",
        "CI",
    ] {
        command.env_remove(var);
    }
    command.env("FERRY_CI", "none").env("NO_COLOR", "1");
    if let Some(key) = api_key {
        command.env("FERRY_API_KEY", key);
    }
    command
}

/// stdout and stderr of a run, for messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A zip package `{id}.{version}.zip` in `dir` holding `size` random (incompressible) bytes
/// from `seed`, stored without compression. Returns its path and the package's sha256.
pub fn make_package(dir: &Path, id: &str, version: &str, size: usize, seed: u64) -> (PathBuf, String) {
    fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!("{id}.{version}.zip"));
    let data = Rng::new(seed).bytes(size);
    let bytes = stored_zip("payload.bin", &data);
    fs::write(&path, &bytes).unwrap();
    (path, sha256_hex(&bytes))
}

/// A minimal zip archive with one stored (uncompressed) entry.
pub fn stored_zip(name: &str, data: &[u8]) -> Vec<u8> {
    zip_with_entries(&[(name, data)])
}

/// A minimal zip archive with stored entries, written by hand so that tests can put anything
/// in the names (`../evil`, `/etc/passwd`).
pub fn zip_with_entries(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let crc = crc32(data);
        let offset = out.len() as u32;
        let size = data.len() as u32;
        let name_bytes = name.as_bytes();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        // version needed, flags, method (stored), time, date (1980-01-01)
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(name_bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name_bytes);
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&(name_bytes.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name_bytes);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A package as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPackage {
    /// `PackageId`.
    pub id: String,
    /// `Version`.
    pub version: String,
    /// `Sha256` as recorded.
    pub sha256: String,
    /// The API id (`packages-App.1.0.0`).
    pub api_id: String,
}

/// Every package version the server lists.
pub fn packages(client: &Client) -> Vec<StoredPackage> {
    client
        .all_items("/api/Spaces-1/packages")
        .into_iter()
        .map(|p| StoredPackage {
            id: text(&p, "PackageId"),
            version: text(&p, "Version"),
            sha256: text(&p, "Sha256"),
            api_id: text(&p, "Id"),
        })
        .collect()
}

/// Download a package and return the sha256 of what came back.
pub fn downloaded_sha256(client: &Client, api_id: &str) -> String {
    let response = client.get(&format!("/api/Spaces-1/packages/{api_id}/raw")).expect("download");
    assert_eq!(response.status, 200, "download {api_id}: {}", response.text());
    sha256_hex(&response.body)
}

/// A string field of a JSON object ("" when missing).
pub fn text(value: &Value, field: &str) -> String {
    value.get(field).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Every release of every project.
pub fn releases(client: &Client) -> Vec<Value> {
    client.all_items("/api/Spaces-1/releases")
}

/// Every deployment.
pub fn deployments(client: &Client) -> Vec<Value> {
    client.all_items("/api/Spaces-1/deployments")
}

/// Every server task.
pub fn tasks(client: &Client) -> Vec<Value> {
    client.all_items("/api/tasks")
}

/// Environment name → id.
pub fn environment_id(client: &Client, name: &str) -> String {
    client
        .all_items("/api/Spaces-1/environments")
        .into_iter()
        .find(|e| text(e, "Name") == name)
        .map(|e| text(&e, "Id"))
        .unwrap_or_else(|| panic!("no environment {name}"))
}

/// Project name → id.
pub fn project_id(client: &Client, name: &str) -> String {
    client
        .all_items("/api/Spaces-1/projects")
        .into_iter()
        .find(|p| text(p, "Name") == name)
        .map(|p| text(&p, "Id"))
        .unwrap_or_else(|| panic!("no project {name}"))
}

/// `PRAGMA integrity_check` of the server's database, through python3's sqlite3 (read-only).
pub fn integrity_check(data_dir: &Path) -> String {
    let db = data_dir.join("ferry.db");
    let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=30); \
                  print(c.execute('PRAGMA integrity_check').fetchone()[0])";
    let output = Command::new("python3").arg("-c").arg(script).arg(&db).output().expect("python3");
    let result = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if result.is_empty() { String::from_utf8_lossy(&output.stderr).into_owned() } else { result }
}

/// Files under `dir` (recursively), relative paths.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap_or(&path).to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Wait until no task is Queued or Executing (or `timeout` passes); returns the tasks.
pub fn wait_for_tasks(client: &Client, timeout: std::time::Duration) -> Vec<Value> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let all = tasks(client);
        let busy =
            all.iter().any(|t| matches!(text(t, "State").as_str(), "Queued" | "Executing" | "Cancelling"));
        if !busy || std::time::Instant::now() > deadline {
            return all;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_reference() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn hand_made_zips_are_readable_by_unzip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zip");
        fs::write(&path, zip_with_entries(&[("a.txt", b"hello"), ("d/b.txt", b"")])).unwrap();
        let Ok(output) = Command::new("unzip").arg("-t").arg(&path).output() else { return };
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    }
}
