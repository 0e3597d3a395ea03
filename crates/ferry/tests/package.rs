//! `ferry package create` end to end, checked with independent readers: Python's `zipfile` and
//! `tarfile`, Info-ZIP `unzip -t`, GNU `tar -tzf`/`-tvzf` (needs python3, unzip and tar).

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;

/// `ferry` with a clean environment (no CI variables or SOURCE_DATE_EPOCH from the machine).
fn ferry(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("ferry").unwrap();
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).current_dir(dir);
    command
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// An app folder: text, an executable script, nested folders, an empty folder, a unicode name,
/// a symlink inside the folder, and a file large enough to be compressed in several pieces.
fn app(dir: &Path) -> PathBuf {
    let base = dir.join("app");
    write(&base.join("readme.txt"), b"hello\n");
    write(&base.join("bin/run.sh"), b"#!/bin/sh\necho hi\n");
    std::fs::set_permissions(base.join("bin/run.sh"), std::fs::Permissions::from_mode(0o750)).unwrap();
    write(&base.join("config/env/prod.toml"), b"port = 80\n");
    write(&base.join("caf\u{e9} menu.txt"), b"unicode & spaces");
    let mut log = Vec::new();
    for n in 0..120_000 {
        log.extend(format!("{n} GET /index.html 200 {}\n", n % 13).as_bytes());
    }
    write(&base.join("logs/access.log"), &log);
    std::fs::create_dir_all(base.join("empty")).unwrap();
    symlink("../readme.txt", base.join("bin/readme")).unwrap();
    base
}

/// Run a tool and return its stdout; fail the test with its stderr when it fails.
fn tool(program: &str, args: &[&str]) -> String {
    let out = StdCommand::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("{program} must be installed for these tests: {err}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn python(script: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["-c", script];
    all.extend_from_slice(args);
    let out = tool("python3", &all);
    serde_json::from_str(&out).unwrap_or_else(|err| panic!("python printed {out:?}: {err}"))
}

/// Python's zipfile: testzip, then per entry name, mode, date, method and content.
const ZIP_READER: &str = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None, "testzip found a bad entry"
    print(json.dumps([{"name": i.filename, "mode": i.external_attr >> 16, "date": list(i.date_time),
                       "method": i.compress_type, "data": z.read(i).decode("utf-8", "replace")[:200]}
                      for i in z.infolist()]))
"#;

/// Python's tarfile: per entry name, mode, uid, gid, owner names, mtime, type and link.
const TAR_READER: &str = r#"
import json, sys, tarfile
with tarfile.open(sys.argv[1], "r:*") as t:
    print(json.dumps([{"name": m.name, "mode": m.mode, "uid": m.uid, "gid": m.gid, "uname": m.uname,
                       "gname": m.gname, "mtime": m.mtime, "type": m.type.decode(), "link": m.linkname,
                       "size": m.size} for m in t.getmembers()]))
"#;

fn sha256(path: &Path) -> String {
    let out = tool(
        "python3",
        &[
            "-c",
            "import hashlib,sys;print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
            path.to_str().unwrap(),
        ],
    );
    out.trim().to_owned()
}

fn names(entries: &serde_json::Value) -> Vec<String> {
    entries.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
}

fn entry<'a>(entries: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {entries}"))
}

fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(listing) => listing.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    }
}

fn pack(dir: &Path, extra: &[&str]) -> serde_json::Value {
    pack_with(dir, &[], "out", extra)
}

/// `ferry -o json package create` of `app` into `out_folder` with extra environment and flags.
fn pack_with(dir: &Path, env: &[(&str, &str)], out_folder: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["-o", "json", "package", "create", "--id", "My.App", "--version", "1.2.3"];
    args.extend(["--base-path", "app", "--out-folder", out_folder]);
    args.extend_from_slice(extra);
    let out = ferry(dir).envs(env.iter().copied()).args(&args).output().unwrap();
    assert!(out.status.success(), "ferry {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("exactly one JSON document on stdout")
}

#[test]
fn zip_is_valid_for_python_and_unzip() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path());
    let json = pack(dir.path(), &[]);
    assert_eq!(json["path"], "out/My.App.1.2.3.zip");
    assert_eq!(json["packageId"], "My.App");
    assert_eq!(json["version"], "1.2.3");
    assert_eq!(json["format"], "zip");
    assert_eq!(json["fileCount"], 6);
    let path = dir.path().join("out/My.App.1.2.3.zip");
    assert_eq!(json["sizeBytes"], std::fs::metadata(&path).unwrap().len());
    assert_eq!(json["sha256"], sha256(&path));

    let entries = python(ZIP_READER, &[path.to_str().unwrap()]);
    assert_eq!(
        names(&entries),
        [
            "bin/readme",
            "bin/run.sh",
            "caf\u{e9} menu.txt",
            "config/env/prod.toml",
            "empty/",
            "logs/access.log",
            "readme.txt"
        ],
        "sorted, only the empty folder has an entry"
    );
    assert_eq!(entry(&entries, "bin/run.sh")["mode"], 0o100755);
    assert_eq!(entry(&entries, "readme.txt")["mode"], 0o100644);
    assert_eq!(entry(&entries, "empty/")["mode"], 0o040755);
    assert_eq!(
        entry(&entries, "bin/readme")["data"],
        "hello\n",
        "a link inside the base path is packed as its file"
    );
    assert_eq!(entry(&entries, "logs/access.log")["method"], 8, "deflated");
    for e in entries.as_array().unwrap() {
        assert_eq!(
            e["date"],
            serde_json::json!([1980, 1, 1, 0, 0, 0]),
            "outside git, without SOURCE_DATE_EPOCH: 1980"
        );
    }
    let unzip = tool("unzip", &["-t", path.to_str().unwrap()]);
    assert!(unzip.contains("No errors detected"), "{unzip}");
    // Extracting gives back the same bytes.
    tool("unzip", &["-q", path.to_str().unwrap(), "-d", dir.path().join("x").to_str().unwrap()]);
    assert_eq!(
        std::fs::read(dir.path().join("x/logs/access.log")).unwrap(),
        std::fs::read(dir.path().join("app/logs/access.log")).unwrap()
    );
    assert!(std::fs::metadata(dir.path().join("x/bin/run.sh")).unwrap().permissions().mode() & 0o111 != 0);
}

#[test]
fn nupkg_has_nuspec_and_opc_parts() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path());
    let json = pack(
        dir.path(),
        &[
            "--format",
            "nupkg",
            "--author",
            "Ann <ann@example.test>",
            "--author",
            "Bo",
            "--title",
            "Tom & Jerry",
            "--release-notes",
            "Fixed <b> \"quotes\"",
        ],
    );
    assert_eq!(json["format"], "nupkg");
    let path = dir.path().join("out/My.App.1.2.3.nupkg");
    let entries = python(ZIP_READER, &[path.to_str().unwrap()]);
    let all = names(&entries);
    assert!(all.iter().all(|n| !n.ends_with('/')), "no directory entries: {all:?}");
    for part in ["[Content_Types].xml", "_rels/.rels", "My.App.nuspec", "caf%C3%A9%20menu.txt", "bin/run.sh"]
    {
        assert!(all.contains(&part.to_owned()), "{part} in {all:?}");
    }
    assert!(
        all.iter()
            .any(|n| n.starts_with("package/services/metadata/core-properties/") && n.ends_with(".psmdcp"))
    );
    let nuspec = python(
        r#"
import json, sys, zipfile, xml.etree.ElementTree as ET
ns = {"n": "http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd"}
with zipfile.ZipFile(sys.argv[1]) as z:
    meta = ET.fromstring(z.read("My.App.nuspec")).find("n:metadata", ns)
    rels = ET.fromstring(z.read("_rels/.rels"))
    types = ET.fromstring(z.read("[Content_Types].xml"))
    print(json.dumps({"meta": {c.tag.split("}")[1]: c.text for c in meta},
                      "targets": [r.get("Target") for r in rels],
                      "defaults": sorted(d.get("Extension") for d in types if d.tag.endswith("Default")),
                      "overrides": [d.get("PartName") for d in types if d.tag.endswith("Override")]}))
"#,
        &[path.to_str().unwrap()],
    );
    assert_eq!(nuspec["meta"]["id"], "My.App");
    assert_eq!(nuspec["meta"]["version"], "1.2.3");
    assert_eq!(nuspec["meta"]["authors"], "Ann <ann@example.test>, Bo");
    assert_eq!(nuspec["meta"]["description"], "My.App", "description defaults to the id");
    assert_eq!(nuspec["meta"]["title"], "Tom & Jerry");
    assert_eq!(nuspec["meta"]["releaseNotes"], "Fixed <b> \"quotes\"");
    assert_eq!(nuspec["targets"][0], "/My.App.nuspec");
    assert!(nuspec["defaults"].as_array().unwrap().contains(&serde_json::json!("txt")));
    let unzip = tool("unzip", &["-t", path.to_str().unwrap()]);
    assert!(unzip.contains("No errors detected"), "{unzip}");
}

#[test]
fn tar_gz_is_valid_for_tar_and_python() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path());
    let json = pack(dir.path(), &["--format", "tar.gz"]);
    assert_eq!(json["format"], "tar.gz");
    let path = dir.path().join("out/My.App.1.2.3.tar.gz");
    let path_text = path.to_str().unwrap();
    let listing = tool("tar", &["-tzf", path_text]);
    let listed: Vec<&str> = listing.lines().collect();
    assert_eq!(
        listed,
        [
            "bin/",
            "bin/readme",
            "bin/run.sh",
            "caf\u{e9} menu.txt",
            "config/",
            "config/env/",
            "config/env/prod.toml",
            "empty/",
            "logs/",
            "logs/access.log",
            "readme.txt"
        ]
    );
    let verbose = tool("tar", &["--numeric-owner", "-tvzf", path_text]);
    assert!(
        verbose.lines().any(|l| l.starts_with("-rwxr-xr-x 0/0") && l.ends_with("bin/run.sh")),
        "{verbose}"
    );
    assert!(
        verbose
            .lines()
            .any(|l| l.starts_with("lrwxrwxrwx 0/0") && l.ends_with("bin/readme -> ../readme.txt")),
        "{verbose}"
    );
    let entries = python(TAR_READER, &[path_text]);
    for e in entries.as_array().unwrap() {
        assert_eq!((e["uid"].as_u64(), e["gid"].as_u64()), (Some(0), Some(0)), "{e}");
        assert_eq!((e["uname"].as_str(), e["gname"].as_str()), (Some(""), Some("")), "{e}");
        assert_eq!(e["mtime"], 315_532_800, "{e}");
    }
    assert_eq!(entry(&entries, "readme.txt")["mode"], 0o644);
    assert_eq!(entry(&entries, "empty")["type"], "5");
    tool("gzip", &["-t", path_text]);
}

#[test]
fn reproducible_after_touch_and_source_date_epoch_respected() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path());
    for format in ["zip", "nupkg", "tar.gz"] {
        let first = pack(dir.path(), &["--format", format]);
        // Touch every input file with a new time (and rewrite its bytes), then pack again.
        for entry in walk(&base) {
            let data = std::fs::read(&entry).unwrap();
            std::fs::write(&entry, data).unwrap();
            tool("touch", &["-d", "2030-05-06 07:08:09", entry.to_str().unwrap()]);
        }
        let second = pack(dir.path(), &["--format", format, "--overwrite"]);
        assert_eq!(first["sha256"], second["sha256"], "{format}: same content, same bytes");

        let epoch =
            pack_with(dir.path(), &[("SOURCE_DATE_EPOCH", "1700000000")], "epoch", &["--format", format]);
        assert_ne!(epoch["sha256"], first["sha256"], "{format}: the timestamp is in the bytes");
        let path = dir.path().join(epoch["path"].as_str().unwrap());
        if format == "tar.gz" {
            let entries = python(TAR_READER, &[path.to_str().unwrap()]);
            assert!(entries.as_array().unwrap().iter().all(|e| e["mtime"] == 1_700_000_000), "{entries}");
        } else {
            let entries = python(ZIP_READER, &[path.to_str().unwrap()]);
            // 2023-11-14 22:13:20 UTC
            assert!(
                entries
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| e["date"] == serde_json::json!([2023, 11, 14, 22, 13, 20])),
                "{entries}"
            );
        }
        std::fs::remove_dir_all(dir.path().join("epoch")).unwrap();
    }
}

#[test]
fn preserve_mtimes_keeps_file_times() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path());
    tool("touch", &["-d", "@1600000000", base.join("readme.txt").to_str().unwrap()]);
    pack(dir.path(), &["--format", "tar.gz", "--preserve-mtimes"]);
    let entries = python(TAR_READER, &[dir.path().join("out/My.App.1.2.3.tar.gz").to_str().unwrap()]);
    assert_eq!(entry(&entries, "readme.txt")["mtime"], 1_600_000_000);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            out.extend(walk(&path));
        } else if meta.is_file() {
            out.push(path);
        }
    }
    out
}

#[test]
fn globs_select_relative_to_the_base_path() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path());
    let json =
        pack(dir.path(), &["--include", "bin/**", "--include", "**/*.toml", "--exclude", "bin/readme"]);
    assert_eq!(json["fileCount"], 2);
    let entries = python(ZIP_READER, &[dir.path().join("out/My.App.1.2.3.zip").to_str().unwrap()]);
    assert_eq!(names(&entries), ["bin/run.sh", "config/env/prod.toml"]);
    // Level 0 stores everything; the `pack` alias works.
    let out = ferry(dir.path())
        .args([
            "pack",
            "--id",
            "Stored",
            "--version",
            "1.0",
            "--base-path",
            "app",
            "--out-folder",
            "out",
            "--compression-level",
            "0",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "out/Stored.1.0.zip", "text output is the path");
    let entries = python(ZIP_READER, &[dir.path().join("out/Stored.1.0.zip").to_str().unwrap()]);
    assert!(entries.as_array().unwrap().iter().all(|e| e["method"] == 0), "{entries}");
}

#[test]
fn the_package_is_never_packed_into_itself() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path());
    let args = [
        "-o",
        "json",
        "package",
        "create",
        "--id",
        "Self",
        "--version",
        "1.0.0",
        "--base-path",
        "app",
        "--out-folder",
        "app",
        "--overwrite",
    ];
    let first: serde_json::Value =
        serde_json::from_slice(&ferry(dir.path()).args(args).output().unwrap().stdout).unwrap();
    let second: serde_json::Value =
        serde_json::from_slice(&ferry(dir.path()).args(args).output().unwrap().stdout).unwrap();
    assert_eq!(first["sha256"], second["sha256"]);
    let entries = python(ZIP_READER, &[dir.path().join("app/Self.1.0.0.zip").to_str().unwrap()]);
    assert!(!names(&entries).iter().any(|n| n.ends_with(".zip")), "{entries}");
}

/// Run a failing `package create`; check the exit code, that stderr says `needles`, and that
/// no package or temporary file is left in the out folder.
fn refused(dir: &Path, extra: &[&str], code: i32, needles: &[&str]) {
    let before = files_in(&dir.join("out"));
    let mut args = vec!["package", "create", "--out-folder", "out"];
    if !extra.contains(&"--base-path") {
        args.extend(["--base-path", "app"]);
    }
    args.extend_from_slice(extra);
    let out = ferry(dir).args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
    for needle in needles {
        assert!(stderr.contains(needle), "{args:?}: {needle:?} not in {stderr}");
    }
    assert_eq!(files_in(&dir.join("out")), before, "{args:?} left files behind");
}

#[test]
fn bad_input_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path());
    // `v1.2.3` is taken as 1.2.3 with a warning (tests/cli_help.rs); a `v` does not rescue a bad version.
    refused(dir.path(), &["--id", "App", "--version", "v1.2.3.4.5"], 2, &["--version", "at most 4"]);
    refused(dir.path(), &["--id", "App", "--version", "1.2.3.4.5"], 2, &["--version", "at most 4"]);
    refused(dir.path(), &["--id", "My App", "--version", "1.0.0"], 2, &["--id", "' '"]);
    refused(dir.path(), &["--id", "../evil", "--version", "1.0.0"], 2, &["--id", "'/'"]);
    refused(
        dir.path(),
        &["--id", "App", "--version", "1.0.0", "--base-path", "missing"],
        1,
        &["missing does not exist", "--base-path"],
    );
    refused(
        dir.path(),
        &["--id", "App", "--version", "1.0.0", "--include", "*.nothing"],
        1,
        &["no file", "*.nothing", "--allow-empty"],
    );
    refused(
        dir.path(),
        &["--id", "App", "--version", "1.0.0", "--include", "a[", "--format", "tar.gz"],
        2,
        &["glob `a[`"],
    );

    // An existing package is kept unless --overwrite.
    pack(dir.path(), &[]);
    let existing = dir.path().join("out/My.App.1.2.3.zip");
    let before = std::fs::read(&existing).unwrap();
    refused(dir.path(), &["--id", "My.App", "--version", "1.2.3"], 1, &["already exists", "--overwrite"]);
    assert_eq!(std::fs::read(&existing).unwrap(), before);

    // Links that leave the base path or dangle.
    write(&dir.path().join("secret.txt"), b"not for packaging");
    symlink(dir.path().join("secret.txt"), base.join("leak")).unwrap();
    for format in ["zip", "nupkg", "tar.gz"] {
        refused(
            dir.path(),
            &["--id", "Leak", "--version", "1.0.0", "--format", format],
            1,
            &["leak", "outside the base path", "--exclude"],
        );
    }
    std::fs::remove_file(base.join("leak")).unwrap();
    symlink("/", base.join("root")).unwrap();
    refused(dir.path(), &["--id", "Root", "--version", "1.0.0"], 1, &["root", "outside the base path"]);
    std::fs::remove_file(base.join("root")).unwrap();
    symlink("nowhere", base.join("dangling")).unwrap();
    refused(
        dir.path(),
        &["--id", "Dangling", "--version", "1.0.0", "--format", "tar.gz"],
        1,
        &["dangling", "does not exist"],
    );
    refused(dir.path(), &["--id", "Dangling", "--version", "1.0.0"], 1, &["dangling", "does not exist"]);
    // Excluding the bad link is the way out.
    pack(dir.path(), &["--exclude", "dangling", "--overwrite"]);
}

/// A file over 4 GiB (sparse, so it costs no disk) packs with zip64 in bounded memory, and
/// Python reads it back.
#[test]
fn zip64_for_a_file_over_4_gib_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("app");
    std::fs::create_dir_all(&base).unwrap();
    let big = std::fs::File::create(base.join("big.img")).unwrap();
    big.set_len((4 << 30) + 12_345).unwrap();
    drop(big);
    write(&base.join("small.txt"), b"after the big one");
    let ferry_bin = assert_cmd::cargo::cargo_bin("ferry");
    let out = StdCommand::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(&ferry_bin)
        .args([
            "package",
            "create",
            "--id",
            "Big",
            "--version",
            "1.0.0",
            "--base-path",
            "app",
            "--out-folder",
            "out",
        ])
        .current_dir(dir.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("/usr/bin/time must be installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let peak_kib: u64 = stderr.lines().last().unwrap().trim().parse().unwrap();
    assert!(peak_kib < 200 * 1024, "peak RSS {peak_kib} KiB for a 4 GiB input");
    let checked = python(
        r#"
import json, sys, zipfile, zlib
with zipfile.ZipFile(sys.argv[1]) as z:
    info = z.getinfo("big.img")
    crc, size = 0, 0
    with z.open(info) as f:
        while True:
            block = f.read(1 << 24)
            if not block:
                break
            if block.count(0) != len(block):
                raise SystemExit("non-zero byte")
            size += len(block)
    print(json.dumps({"size": size, "file_size": info.file_size, "small": z.read("small.txt").decode(), "names": z.namelist()}))
"#,
        &[dir.path().join("out/Big.1.0.0.zip").to_str().unwrap()],
    );
    assert_eq!(checked["size"], (4u64 << 30) + 12_345);
    assert_eq!(checked["file_size"], (4u64 << 30) + 12_345);
    assert_eq!(checked["small"], "after the big one");
    let unzip = tool("unzip", &["-t", dir.path().join("out/Big.1.0.0.zip").to_str().unwrap()]);
    assert!(unzip.contains("No errors detected"), "{unzip}");
}

#[test]
fn a_ci_output_that_cannot_be_written_is_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("app/readme.txt"), b"hello\n");
    // $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY name a folder: every append fails.
    let output = ferry(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", dir.path())
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .args(["package", "create", "--id", "App", "--version", "1.0.0", "--base-path", "app"])
        .output()
        .unwrap();
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the package was created; only the output is lost: {all}");
    for name in ["package-path", "package-sha256"] {
        assert!(
            all.lines().any(|line| line.contains("warning") && line.contains(&format!("output `{name}`"))),
            "no warning naming {name}:\n{all}"
        );
    }
}
