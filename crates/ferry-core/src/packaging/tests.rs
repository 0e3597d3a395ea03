//! End-to-end tests of `create_package`, read back with the `zip` and `tar` crates (independent
//! of Ferry's writers).

use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use super::*;

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A pseudo-random byte stream (incompressible).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn text(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut n = 0u64;
    while out.len() < len {
        out.extend(format!("line {n}: the quick brown fox {}\n", n % 97).as_bytes());
        n += 1;
    }
    out.truncate(len);
    out
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("app");
    write(&base.join("readme.txt"), b"hello\n");
    write(&base.join("bin/run.sh"), b"#!/bin/sh\necho hi\n");
    std::fs::set_permissions(base.join("bin/run.sh"), std::fs::Permissions::from_mode(0o700)).unwrap();
    write(&base.join("data/big.log"), &text(3 * pipeline::CHUNK + 4321));
    write(&base.join("data/random.bin"), &noise(2 * pipeline::CHUNK + 17, 9));
    write(&base.join("data/photo.png"), &text(5000));
    write(&base.join("a b/ü.txt"), b"unicode");
    std::fs::create_dir_all(base.join("empty")).unwrap();
    symlink("../readme.txt", base.join("bin/readme-link")).unwrap();
    dir
}

fn request(dir: &Path, format: PackageFormat) -> PackRequest {
    PackRequest {
        format,
        base_path: dir.join("app"),
        out_folder: dir.join("out"),
        ..PackRequest::new(PackageId::new("My.App").unwrap(), "1.2.3".parse().unwrap())
    }
}

fn zip_names(path: &Path) -> Vec<(String, u32, Vec<u8>, ::zip::CompressionMethod)> {
    let mut archive = ::zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().into_owned(), entry.unix_mode().unwrap_or(0), data, entry.compression())
        })
        .collect()
}

#[test]
fn zip_round_trip_with_modes_links_and_empty_dirs() {
    let dir = tree();
    let outcome = create_package(&request(dir.path(), PackageFormat::Zip)).unwrap();
    assert_eq!(outcome.path, dir.path().join("out/My.App.1.2.3.zip"));
    assert_eq!(outcome.file_count, 7);
    let entries = zip_names(&outcome.path);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "a b/ü.txt",
            "bin/readme-link",
            "bin/run.sh",
            "data/big.log",
            "data/photo.png",
            "data/random.bin",
            "empty/",
            "readme.txt"
        ]
    );
    let by_name = |name: &str| entries.iter().find(|e| e.0 == name).unwrap();
    assert_eq!(by_name("bin/run.sh").1, 0o100755);
    assert_eq!(by_name("readme.txt").1, 0o100644);
    assert_eq!(by_name("empty/").1, 0o040755);
    assert_eq!(by_name("bin/readme-link").2, b"hello\n", "a link inside the base is packed as its target");
    assert_eq!(by_name("data/big.log").2, text(3 * pipeline::CHUNK + 4321));
    assert_eq!(by_name("data/big.log").3, ::zip::CompressionMethod::Deflated);
    assert_eq!(by_name("data/random.bin").2, noise(2 * pipeline::CHUNK + 17, 9));
    assert_eq!(by_name("data/random.bin").3, ::zip::CompressionMethod::Stored, "trial says incompressible");
    assert_eq!(by_name("data/photo.png").3, ::zip::CompressionMethod::Stored, "stored by extension");
    let bytes = std::fs::read(&outcome.path).unwrap();
    assert_eq!(outcome.size_bytes, bytes.len() as u64);
    let digest: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(outcome.sha256, digest);
}

#[test]
fn reproducible_and_thread_independent() {
    let dir = tree();
    let mut req = request(dir.path(), PackageFormat::Zip);
    let first = create_package(&req).unwrap();
    // Touch everything, then pack again on a one-thread pool.
    for entry in walkdir::WalkDir::new(dir.path().join("app")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let data = std::fs::read(entry.path()).unwrap();
            std::fs::write(entry.path(), data).unwrap();
        }
    }
    req.overwrite = true;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let second = pool.install(|| create_package(&req)).unwrap();
    assert_eq!(first.sha256, second.sha256);
    // Many threads, several runs: which thread compresses which piece must not matter (a reused
    // compressor once made a 1-byte difference in about one run out of three).
    write(&dir.path().join("app/data/more.log"), &text(6 * pipeline::CHUNK + 99));
    let one = pool.install(|| create_package(&req)).unwrap();
    let many = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
    for _ in 0..4 {
        assert_eq!(many.install(|| create_package(&req)).unwrap().sha256, one.sha256);
    }
    req.format = PackageFormat::TarGz;
    let tar_many = create_package(&req).unwrap();
    let tar_one = pool.install(|| create_package(&req)).unwrap();
    assert_eq!(tar_many.sha256, tar_one.sha256);
}

#[test]
fn tar_gz_round_trip() {
    let dir = tree();
    let outcome = create_package(&request(dir.path(), PackageFormat::TarGz)).unwrap();
    let file = File::open(&outcome.path).unwrap();
    let mut archive = ::tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut seen = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header().clone();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
        assert_eq!(header.mtime().unwrap(), outcome.timestamp.unwrap() as u64);
        let link = entry.link_name().unwrap().map(|l| l.to_string_lossy().into_owned());
        seen.push((name, header.mode().unwrap(), header.entry_type(), link, data.len()));
    }
    let find = |name: &str| seen.iter().find(|e| e.0 == name).unwrap_or_else(|| panic!("{name} in {seen:?}"));
    assert_eq!(find("bin/run.sh").1, 0o755);
    assert_eq!(find("readme.txt").1, 0o644);
    assert!(find("bin/readme-link").2.is_symlink());
    assert_eq!(find("bin/readme-link").3.as_deref(), Some("../readme.txt"));
    assert!(find("empty/").2.is_dir(), "empty folders are kept");
    assert_eq!(find("data/big.log").4, 3 * pipeline::CHUNK + 4321);
}

#[test]
fn long_names_use_pax() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}/{}.txt", "d".repeat(40), "n".repeat(160));
    write(&dir.path().join("app").join(&long), b"x");
    let outcome = create_package(&request(dir.path(), PackageFormat::TarGz)).unwrap();
    let mut archive = ::tar::Archive::new(flate2::read::GzDecoder::new(File::open(&outcome.path).unwrap()));
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&long), "{names:?}");
}

#[test]
fn nupkg_has_metadata_parts_and_escaped_names() {
    let dir = tree();
    let mut req = request(dir.path(), PackageFormat::Nupkg);
    req.title = Some("A & B".into());
    let outcome = create_package(&req).unwrap();
    let entries = zip_names(&outcome.path);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names[..3], ["[Content_Types].xml", "_rels/.rels", "My.App.nuspec"]);
    assert!(names.contains(&"a%20b/%C3%BC.txt"), "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with('/')), "no directory entries: {names:?}");
    let nuspec = String::from_utf8(entries[2].2.clone()).unwrap();
    assert!(nuspec.contains("<title>A &amp; B</title>"), "{nuspec}");
}

#[test]
fn an_identical_existing_package_is_reused_and_different_bytes_conflict() {
    let dir = tree();
    let mut req = request(dir.path(), PackageFormat::Zip);
    req.reuse_identical = true;
    let first = create_package(&req).unwrap();
    assert!(!first.reused_existing);
    let again = create_package(&req).unwrap();
    assert!(again.reused_existing, "same inputs, same bytes: the file is kept");
    assert_eq!(again.sha256, first.sha256);
    let leftovers: Vec<_> = std::fs::read_dir(&req.out_folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(TEMP_PREFIX))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left: {leftovers:?}");
    // Another file under the same name: a conflict that names both hashes, and the file is kept.
    std::fs::write(&first.path, b"not the package").unwrap();
    match create_package(&req) {
        Err(PackError::OutputDiffers { existing, new, .. }) => assert_ne!(existing, new),
        other => panic!("want OutputDiffers, got {other:?}"),
    }
    assert_eq!(std::fs::read(&first.path).unwrap(), b"not the package");
}

#[test]
fn refusals() {
    let dir = tree();
    let req = request(dir.path(), PackageFormat::Zip);
    create_package(&req).unwrap();
    assert!(matches!(create_package(&req), Err(PackError::OutputExists { .. })));

    let mut missing = request(dir.path(), PackageFormat::Zip);
    missing.base_path = dir.path().join("nope");
    assert!(matches!(create_package(&missing), Err(PackError::BasePathMissing { .. })));

    let mut none = request(dir.path(), PackageFormat::Zip);
    none.include = vec!["*.nothing".into()];
    none.overwrite = true;
    assert!(matches!(create_package(&none), Err(PackError::NothingSelected { .. })));
    none.allow_empty = true;
    let empty = create_package(&none).unwrap();
    assert_eq!(zip_names(&empty.path).len(), 0);

    std::fs::write(dir.path().join("secret"), b"outside").unwrap();
    symlink(dir.path().join("secret"), dir.path().join("app/leak")).unwrap();
    for format in [PackageFormat::Zip, PackageFormat::TarGz] {
        let mut req = request(dir.path(), format);
        req.overwrite = true;
        let err = create_package(&req).unwrap_err();
        assert!(matches!(err, PackError::EscapingSymlink { .. }), "{err}");
        assert!(err.to_string().contains("leak"), "{err}");
        // Excluding the link makes it fine.
        req.exclude = vec!["leak".into()];
        create_package(&req).unwrap();
    }
    std::fs::remove_file(dir.path().join("app/leak")).unwrap();
    symlink("does-not-exist", dir.path().join("app/dangling")).unwrap();
    let mut req = request(dir.path(), PackageFormat::Zip);
    req.overwrite = true;
    let err = create_package(&req).unwrap_err();
    assert!(matches!(err, PackError::DanglingSymlink { .. }), "{err}");
    // No temporary file is left behind after failures.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(TEMP_PREFIX))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn output_inside_base_is_not_packed() {
    let dir = tree();
    let mut req = request(dir.path(), PackageFormat::Zip);
    req.out_folder = dir.path().join("app");
    let first = create_package(&req).unwrap();
    req.overwrite = true;
    let second = create_package(&req).unwrap();
    assert_eq!(first.sha256, second.sha256, "the previous package is not packed into the next");
    assert!(!zip_names(&second.path).iter().any(|e| e.0.ends_with(".zip")));
}
