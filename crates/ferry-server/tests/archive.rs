//! Upload validation and deploy-time extraction of hostile archives, in process: the reported
//! link-chain escape as a regression, and random chains of links, hard links, `..` and files
//! (tar.gz and zip) checked against the one invariant that matters: nothing is ever created
//! outside the extraction folder, and whatever validation accepts extracts inside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use ferry_core::package_id::PackageFormat;
use ferry_server::archive::{ArchiveError, ExtractLimits, extract, validate};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Entry {
    Dir(String),
    File(String),
    Symlink(String, String),
    HardLink(String, String),
}

/// A tar header written byte by byte: the `tar` crate's own setters refuse `..` and absolute
/// names, and a hostile archive needs exactly those.
fn tar_entry(out: &mut tar::Builder<impl Write>, entry: &Entry) {
    let (name, kind, link, data): (&str, tar::EntryType, &str, &[u8]) = match entry {
        Entry::Dir(name) => (name, tar::EntryType::Directory, "", b""),
        Entry::File(name) => (name, tar::EntryType::Regular, "", b"marker"),
        Entry::Symlink(name, target) => (name, tar::EntryType::Symlink, target, b""),
        Entry::HardLink(name, target) => (name, tar::EntryType::Link, target, b""),
    };
    let mut header = tar::Header::new_old();
    let bytes = header.as_old_mut();
    bytes.name[..name.len()].copy_from_slice(name.as_bytes());
    bytes.linkname[..link.len()].copy_from_slice(link.as_bytes());
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    out.append(&header, data).unwrap();
}

fn tar_gz(entries: &[Entry]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for entry in entries {
        tar_entry(&mut builder, entry);
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A zip of the same entries (zip has no hard links: those become files).
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut written = std::collections::HashSet::new();
    for entry in entries {
        let (Entry::Dir(name) | Entry::File(name) | Entry::Symlink(name, _) | Entry::HardLink(name, _)) =
            entry;
        if !written.insert(name.trim_end_matches('/').to_owned()) {
            continue; // the zip writer refuses duplicate names
        }
        match entry {
            Entry::Dir(name) => writer.add_directory(name.as_str(), options).unwrap(),
            Entry::File(name) | Entry::HardLink(name, _) => {
                writer.start_file(name.as_str(), options).unwrap();
                writer.write_all(b"marker").unwrap();
            }
            Entry::Symlink(name, target) => {
                writer.add_symlink(name.as_str(), target.as_str(), options).unwrap()
            }
        }
    }
    writer.finish().unwrap().into_inner()
}

/// A scratch tree: the archive at the top, the extraction folder eight levels down (so that a
/// link climbing out still lands inside the temp dir, where the walk sees it).
struct Scratch {
    dir: tempfile::TempDir,
    archive: PathBuf,
    target: PathBuf,
}

impl Scratch {
    fn new(bytes: &[u8], format: PackageFormat) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join(format!("Pkg.1.0.0.{}", format.extension()));
        std::fs::write(&archive, bytes).unwrap();
        let target = dir.path().join("1/2/3/4/5/6/7/work/pkg");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        Scratch { dir, archive, target }
    }

    fn validate(&self, format: PackageFormat) -> Result<(), ArchiveError> {
        validate(&self.archive, format, "Pkg", &"1.0.0".parse().unwrap()).map(|_| ())
    }

    fn extract(&self, format: PackageFormat) -> Result<(), ArchiveError> {
        let limits = ExtractLimits { max_bytes: 1 << 20, max_ratio: 1000, max_entries: 1000 };
        extract(&self.archive, format, &self.target, limits)
    }

    /// Every path in the scratch tree that is neither the archive, the folders leading to the
    /// target, nor inside the target; and every link inside whose resolution leaves it.
    fn escapes(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut all = Vec::new();
        walk(self.dir.path(), &mut all);
        let canonical_target = self.target.canonicalize().unwrap_or_else(|_| self.target.clone());
        for path in all {
            let expected = path == self.archive || self.target.starts_with(&path);
            if expected {
                continue;
            }
            if !path.starts_with(&self.target) {
                found.push(format!("{} was created outside the target", path.display()));
            } else if let Ok(resolved) = path.canonicalize()
                && !resolved.starts_with(&canonical_target)
            {
                found.push(format!("{} resolves to {}", path.display(), resolved.display()));
            }
        }
        found
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        out.push(entry.path());
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            walk(&entry.path(), out);
        }
    }
}

fn reported_escape() -> Vec<Entry> {
    vec![
        Entry::Symlink("a".into(), ".".into()),
        Entry::Symlink("a/a/a/x".into(), "../../..".into()),
        Entry::File("x/evil-marker.txt".into()),
    ]
}

#[test]
fn the_reported_link_chain_is_refused_at_upload_and_never_extracted() {
    // The same chain written by Python's tarfile (an independent writer), by the tar crate and as a zip.
    let python_written =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/link-chain-escape.tar.gz"))
            .unwrap();
    for (format, bytes) in [
        (PackageFormat::TarGz, python_written),
        (PackageFormat::TarGz, tar_gz(&reported_escape())),
        (PackageFormat::Zip, zip(&reported_escape())),
    ] {
        let scratch = Scratch::new(&bytes, format);
        let refused = scratch.validate(format).expect_err("the upload must be refused");
        assert!(
            matches!(&refused, ArchiveError::Refused { entry, .. } if entry == "a/a/a/x"),
            "{format:?}: {refused}"
        );
        assert!(refused.to_string().contains("`a/a/a/x`"), "{refused}");
        assert!(scratch.extract(format).is_err(), "{format:?}: extraction must refuse too");
        assert_eq!(scratch.escapes(), Vec::<String>::new(), "{format:?}");
        let mut all = Vec::new();
        walk(&scratch.target, &mut all);
        assert_eq!(all, Vec::<PathBuf>::new(), "{format:?}: nothing is extracted from a refused package");
    }
}

#[test]
fn links_inside_the_package_extract_and_writes_through_them_stay_inside() {
    let entries = vec![
        Entry::Dir("bin/".into()),
        Entry::File("bin/tool".into()),
        Entry::Symlink("current".into(), "bin".into()),
        Entry::File("current/extra".into()),
        Entry::HardLink("tool-copy".into(), "bin/tool".into()),
    ];
    let scratch = Scratch::new(&tar_gz(&entries), PackageFormat::TarGz);
    scratch.validate(PackageFormat::TarGz).unwrap();
    scratch.extract(PackageFormat::TarGz).unwrap();
    assert_eq!(std::fs::read(scratch.target.join("bin/extra")).unwrap(), b"marker");
    assert_eq!(std::fs::read(scratch.target.join("tool-copy")).unwrap(), b"marker");
    assert!(std::fs::symlink_metadata(scratch.target.join("current")).unwrap().file_type().is_symlink());
    assert_eq!(scratch.escapes(), Vec::<String>::new());
}

#[test]
fn each_class_of_trick_is_refused_naming_its_entry() {
    let file = |name: &str| Entry::File(name.into());
    let link = |name: &str, target: &str| Entry::Symlink(name.into(), target.into());
    let hard = |name: &str, target: &str| Entry::HardLink(name.into(), target.into());
    let cases: Vec<(Vec<Entry>, &str)> = vec![
        (vec![file("../escape")], "../escape"),
        (vec![file("/abs")], "/abs"),
        (vec![link("l", "/etc")], "l"),
        (vec![link("l", "..")], "l"),
        (vec![link("l", "d/../..")], "l"),
        (vec![link("l", "."), file("l/../x")], "l/../x"),
        // Inside when created (`c` did not exist yet), redirected outside by the later link `c`.
        (vec![link("s/t/b", "c/../../../x"), link("s/t/c", "../..")], "s/t/b"),
        (vec![link("p", "q"), link("q", "p"), file("p/x")], "p/x"),
        (vec![hard("h", "../../etc/passwd")], "h"),
        (vec![hard("h", "missing")], "h"),
        (vec![file("f"), link("l", "f"), hard("h", "l")], "h"),
        (vec![file("f"), file("f")], "f"),
        (vec![file("f"), link("f", "x")], "f"),
        (vec![file("Readme"), file("README")], "README"),
        (vec![file("f"), file("f/g")], "f/g"),
    ];
    for (entries, entry_named) in cases {
        let scratch = Scratch::new(&tar_gz(&entries), PackageFormat::TarGz);
        let refused = scratch.validate(PackageFormat::TarGz).expect_err(&format!("{entries:?}"));
        assert!(
            matches!(&refused, ArchiveError::Refused { entry, .. } if entry == entry_named),
            "{entries:?}: {refused}"
        );
        assert!(scratch.extract(PackageFormat::TarGz).is_err(), "{entries:?}");
        assert_eq!(scratch.escapes(), Vec::<String>::new(), "{entries:?}");
    }
}

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("a".to_owned()),
        3 => Just("b".to_owned()),
        1 => Just("..".to_owned()),
        1 => Just(".".to_owned()),
        1 => Just("A".to_owned()),
    ]
}

fn relative_path() -> impl Strategy<Value = String> {
    prop::collection::vec(component(), 1..5).prop_map(|parts| parts.join("/"))
}

/// Short climbs and self-references are what chains are built from; longer paths mix them.
fn link_target() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(".".to_owned()),
        3 => Just("..".to_owned()),
        2 => Just("../..".to_owned()),
        2 => Just("a".to_owned()),
        4 => prop::collection::vec(prop_oneof![Just(".."), Just("a"), Just("b"), Just(".")], 1..6)
            .prop_map(|parts| parts.join("/")),
        1 => relative_path().prop_map(|path| format!("/{path}")),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        2 => relative_path().prop_map(Entry::Dir),
        3 => relative_path().prop_map(Entry::File),
        4 => (relative_path(), link_target()).prop_map(|(name, target)| Entry::Symlink(name, target)),
        1 => (relative_path(), relative_path()).prop_map(|(name, target)| Entry::HardLink(name, target)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_link_chains_never_write_outside(entries in prop::collection::vec(entry(), 1..10)) {
        for (format, bytes) in [(PackageFormat::TarGz, tar_gz(&entries)), (PackageFormat::Zip, zip(&entries))] {
            let scratch = Scratch::new(&bytes, format);
            let accepted = scratch.validate(format);
            let extracted = scratch.extract(format);
            prop_assert_eq!(scratch.escapes(), Vec::<String>::new(), "{:?} {:?}", format, entries);
            if let Ok(()) = accepted {
                prop_assert!(extracted.is_ok(), "{:?}: accepted at upload, then {:?} at extraction: {:?}", format, extracted, entries);
            }
        }
    }
}
