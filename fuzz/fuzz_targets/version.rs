//! The version parser: never panics; what parses prints back as written, re-parses equal, agrees
//! with its normalised form, hashes like it compares, and orders like SemVer 2 (the `semver`
//! crate) wherever both apply. Input: two candidate versions separated by a NUL byte.
#![no_main]

use std::cmp::Ordering;
use std::hash::{DefaultHasher, Hash, Hasher};

use ferry_core::version::Version;
use libfuzzer_sys::fuzz_target;

fn hash(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn check_one(text: &str) -> Option<Version> {
    let version: Version = match text.parse() {
        Ok(v) => v,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return None;
        }
    };
    assert_eq!(version.to_string(), text);
    let again: Version = text.parse().unwrap();
    assert_eq!(again, version);
    assert_eq!(version.cmp(&version), Ordering::Equal);
    let normalized: Version = version.normalized().parse().expect("the normalised form parses");
    assert_eq!(normalized, version, "normalised {}", version.normalized());
    assert_eq!(hash(&normalized), hash(&version));
    assert_eq!(version.is_prerelease(), version.prerelease().is_some());
    let _ = (version.major(), version.minor(), version.patch(), version.revision());
    Some(version)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(2, '\0');
    let a = check_one(parts.next().unwrap_or_default());
    let b = parts.next().and_then(check_one);
    if let (Some(a), Some(b)) = (a, b) {
        assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        if a == b {
            assert_eq!(hash(&a), hash(&b));
        }
        if let (Some(mut sa), Some(mut sb)) = (a.to_semver(), b.to_semver()) {
            sa.build = semver::BuildMetadata::EMPTY;
            sb.build = semver::BuildMetadata::EMPTY;
            assert_eq!(a.cmp(&b), sa.cmp(&sb), "{a} vs {b}");
        }
    }
});
