//! Package and release versions as Octopus Deploy and NuGet accept them.
//!
//! Grammar: `MAJOR.MINOR[.PATCH[.REVISION]][-PRERELEASE][+METADATA]`, where every numeric part is
//! a decimal number without leading zeros, and the pre-release and metadata parts are
//! dot-separated, non-empty identifiers of ASCII letters, digits and `-` (SemVer 2).
//!
//! Equality, ordering and hashing use the normalised form: missing numeric parts are zero
//! (`1.0` = `1.0.0` = `1.0.0.0`), pre-releases sort before the release and compare by SemVer 2
//! rules (numeric identifiers numerically and below alphanumeric ones, alphanumeric identifiers
//! in ASCII order, a shorter list of equal prefix first), and build metadata is ignored.
//! [`Display`](fmt::Display) prints the original text, which is what file names use.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// A version: `MAJOR.MINOR[.PATCH[.REVISION]][-PRERELEASE][+METADATA]`.
#[derive(Debug, Clone)]
pub struct Version {
    original: String,
    numbers: [u64; 4],
    /// How many numeric parts the text had (2 to 4).
    parts: u8,
    /// Byte range of the pre-release text inside `original` (without the `-`), if any.
    prerelease: Option<(usize, usize)>,
    /// Byte range of the metadata text inside `original` (without the `+`), if any.
    metadata: Option<(usize, usize)>,
}

/// Why a version string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid version: {reason}")]
pub struct VersionError {
    text: String,
    reason: String,
}

impl VersionError {
    fn new(text: &str, reason: impl Into<String>) -> Self {
        VersionError { text: text.to_owned(), reason: reason.into() }
    }

    /// The rejected text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What is wrong with it, e.g. "the numeric part `01` has a leading zero".
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

const SHAPE: &str =
    "expected MAJOR.MINOR[.PATCH[.REVISION]][-PRERELEASE][+METADATA], e.g. 1.2.3 or 1.2.3-beta.1";

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| VersionError::new(text, reason);
        if text.is_empty() {
            return Err(err(format!("it is empty ({SHAPE})")));
        }
        if let Some(bad) = text.chars().find(|c| c.is_whitespace()) {
            return Err(err(format!("it contains whitespace ({bad:?})")));
        }
        if text.starts_with(['v', 'V']) && text[1..].starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err(format!("remove the leading `{}` ({SHAPE})", &text[..1])));
        }
        let (rest, metadata) = match text.find('+') {
            Some(at) => (&text[..at], Some((at + 1, text.len()))),
            None => (text, None),
        };
        let (release, prerelease) = match rest.find('-') {
            Some(at) => (&rest[..at], Some((at + 1, rest.len()))),
            None => (rest, None),
        };
        if release.is_empty() {
            return Err(err(format!("it does not start with a number ({SHAPE})")));
        }
        let mut numbers = [0u64; 4];
        let pieces: Vec<&str> = release.split('.').collect();
        if pieces.len() > 4 {
            return Err(err(format!(
                "it has {} numeric parts; at most 4 are allowed (MAJOR.MINOR.PATCH.REVISION)",
                pieces.len()
            )));
        }
        for (index, piece) in pieces.iter().enumerate() {
            if piece.is_empty() {
                return Err(err(format!("numeric part {} is empty ({SHAPE})", index + 1)));
            }
            if !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(format!("`{piece}` is not a number ({SHAPE})")));
            }
            if piece.len() > 1 && piece.starts_with('0') {
                return Err(err(format!("the numeric part `{piece}` has a leading zero")));
            }
            numbers[index] =
                piece.parse().map_err(|_| err(format!("the numeric part `{piece}` is too large")))?;
        }
        if pieces.len() < 2 {
            return Err(err(format!("it needs at least MAJOR.MINOR, e.g. `{release}.0` ({SHAPE})")));
        }
        if let Some((start, end)) = prerelease {
            check_identifiers(&text[start..end], "pre-release", true).map_err(err)?;
        }
        if let Some((start, end)) = metadata {
            check_identifiers(&text[start..end], "build metadata", false).map_err(err)?;
        }
        Ok(Version { original: text.to_owned(), numbers, parts: pieces.len() as u8, prerelease, metadata })
    }
}

/// Check dot-separated SemVer identifiers.
fn check_identifiers(text: &str, what: &str, numeric_rules: bool) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("the {what} part after `{}` is empty", if numeric_rules { '-' } else { '+' }));
    }
    for (index, ident) in text.split('.').enumerate() {
        if ident.is_empty() {
            return Err(format!("{what} identifier {} is empty (in `{text}`)", index + 1));
        }
        if let Some(bad) = ident.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(format!(
                "{what} identifier `{ident}` contains {bad:?}; only ASCII letters, digits and `-` are allowed"
            ));
        }
        if numeric_rules
            && ident.len() > 1
            && ident.starts_with('0')
            && ident.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!("the numeric {what} identifier `{ident}` has a leading zero"));
        }
    }
    Ok(())
}

impl Version {
    /// The text as given.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The first number.
    pub fn major(&self) -> u64 {
        self.numbers[0]
    }

    /// The second number.
    pub fn minor(&self) -> u64 {
        self.numbers[1]
    }

    /// The third number (0 when absent).
    pub fn patch(&self) -> u64 {
        self.numbers[2]
    }

    /// The fourth number (0 when absent).
    pub fn revision(&self) -> u64 {
        self.numbers[3]
    }

    /// How many numeric parts the text had (2, 3 or 4).
    pub fn part_count(&self) -> usize {
        usize::from(self.parts)
    }

    /// Whether the version has a pre-release part.
    pub fn is_prerelease(&self) -> bool {
        self.prerelease.is_some()
    }

    /// The pre-release text without the leading `-` (`beta.4` in `1.2.3-beta.4+sha.5`).
    pub fn prerelease(&self) -> Option<&str> {
        self.prerelease.map(|(start, end)| &self.original[start..end])
    }

    /// The build metadata without the leading `+` (`sha.5` in `1.2.3-beta.4+sha.5`).
    pub fn metadata(&self) -> Option<&str> {
        self.metadata.map(|(start, end)| &self.original[start..end])
    }

    /// The normalised text as NuGet writes it: at least three numeric parts, a zero fourth part
    /// dropped, pre-release and metadata kept (`1.0` → `1.0.0`, `1.0.0.0` → `1.0.0`).
    pub fn normalized(&self) -> String {
        let mut text = format!("{}.{}.{}", self.numbers[0], self.numbers[1], self.numbers[2]);
        if self.numbers[3] != 0 {
            text.push_str(&format!(".{}", self.numbers[3]));
        }
        if let Some(pre) = self.prerelease() {
            text.push('-');
            text.push_str(pre);
        }
        if let Some(meta) = self.metadata() {
            text.push('+');
            text.push_str(meta);
        }
        text
    }

    /// This version as strict SemVer, when it has no non-zero fourth part.
    pub fn to_semver(&self) -> Option<semver::Version> {
        if self.numbers[3] != 0 {
            return None;
        }
        let mut version = semver::Version::new(self.numbers[0], self.numbers[1], self.numbers[2]);
        if let Some(pre) = self.prerelease() {
            version.pre = semver::Prerelease::new(pre).ok()?;
        }
        if let Some(meta) = self.metadata() {
            version.build = semver::BuildMetadata::new(meta).ok()?;
        }
        Some(version)
    }

    fn prerelease_identifiers(&self) -> impl Iterator<Item = &str> {
        self.prerelease().into_iter().flat_map(|pre| pre.split('.'))
    }
}

/// Compare two pre-release identifiers by SemVer 2 rules.
fn compare_identifier(a: &str, b: &str) -> Ordering {
    let a_numeric = a.bytes().all(|c| c.is_ascii_digit());
    let b_numeric = b.bytes().all(|c| c.is_ascii_digit());
    match (a_numeric, b_numeric) {
        // No leading zeros (checked when parsing), so a longer number is larger; this also works
        // for numbers beyond u64.
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.prerelease.is_some(), other.prerelease.is_some()) {
                (false, false) => Ordering::Equal,
                (false, true) => Ordering::Greater,
                (true, false) => Ordering::Less,
                (true, true) => {
                    let mut left = self.prerelease_identifiers();
                    let mut right = other.prerelease_identifiers();
                    loop {
                        match (left.next(), right.next()) {
                            (None, None) => return Ordering::Equal,
                            (None, Some(_)) => return Ordering::Less,
                            (Some(_), None) => return Ordering::Greater,
                            (Some(a), Some(b)) => match compare_identifier(a, b) {
                                Ordering::Equal => {}
                                unequal => return unequal,
                            },
                        }
                    }
                }
            }
        })
    }
}

/// Order two version texts as servers store them, which need not be valid [`Version`]s (a release
/// version typed by hand, `1.0`, `v2`): numbers part by part (missing parts are 0, text that is
/// not a number is 0), a pre-release below its release, pre-release identifiers by SemVer's rules,
/// build metadata ignored. For texts that parse as [`Version`]s this is [`Version`]'s own ordering
/// (a test holds them together), so Ferry has one version ordering, not two.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    fn split(text: &str) -> (Vec<u64>, Option<&str>) {
        let text = text.split('+').next().unwrap_or(text);
        let (core, pre) = text.split_once('-').map_or((text, None), |(c, p)| (c, Some(p)));
        let mut numbers: Vec<u64> = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        while numbers.len() < 4 {
            numbers.push(0);
        }
        (numbers, pre)
    }
    let (numbers_a, pre_a) = split(a);
    let (numbers_b, pre_b) = split(b);
    numbers_a.cmp(&numbers_b).then_with(|| match (pre_a, pre_b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let xs: Vec<&str> = x.split('.').collect();
            let ys: Vec<&str> = y.split('.').collect();
            for (p, q) in xs.iter().zip(&ys) {
                let ord = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    _ => p.cmp(q),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            xs.len().cmp(&ys.len())
        }
    })
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.numbers.hash(state);
        // Equal pre-releases are textually equal (numeric identifiers have no leading zeros).
        self.prerelease().hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl TryFrom<&str> for Version {
    type Error = VersionError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.original)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::hash_map::DefaultHasher;

    fn v(text: &str) -> Version {
        text.parse().unwrap_or_else(|err| panic!("{err}"))
    }

    fn hash_of(version: &Version) -> u64 {
        let mut hasher = DefaultHasher::new();
        version.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn accepts_octopus_and_nuget_shapes() {
        for text in [
            "1.2",
            "1.2.3",
            "1.2.3.4",
            "1.2.3-beta.4+sha.5",
            "0.0.0",
            "1.0-rc",
            "2026.11.22.41234",
            "1.2.3+meta",
        ] {
            assert_eq!(v(text).to_string(), text);
        }
        let full = v("1.2.3.4-beta.4+sha.5");
        assert_eq!((full.major(), full.minor(), full.patch(), full.revision()), (1, 2, 3, 4));
        assert_eq!(full.prerelease(), Some("beta.4"));
        assert_eq!(full.metadata(), Some("sha.5"));
        assert!(full.is_prerelease());
        assert!(!v("1.2.3+x-y").is_prerelease(), "a `-` inside metadata is not a pre-release");
        assert_eq!(v("1.2.3+x-y").metadata(), Some("x-y"));
        assert_eq!(v("1.2.3-a-b").prerelease(), Some("a-b"));
    }

    #[test]
    fn rejects_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("v1.2.3", "leading `v`"),
            ("1.2.3.4.5", "5 numeric parts"),
            ("01.2.3", "leading zero"),
            ("1.02", "leading zero"),
            ("1.2.3-", "is empty"),
            ("1.2.3-beta..1", "identifier 2 is empty"),
            ("1.2.3-beta.01", "leading zero"),
            ("1.2.3+", "is empty"),
            ("1.2.3+a..b", "empty"),
            ("1", "at least MAJOR.MINOR"),
            ("1..2", "empty"),
            ("1.2.x", "not a number"),
            ("1.2.3-bet@", "'@'"),
            ("1.2.3 ", "whitespace"),
            ("latest", "not a number"),
            ("99999999999999999999.0", "too large"),
        ];
        for (text, needle) in cases {
            let err = text.parse::<Version>().expect_err(text);
            assert!(err.to_string().contains(needle), "{text:?}: {err} (wanted {needle:?})");
            assert_eq!(err.text(), text);
        }
    }

    #[test]
    fn normalised_equality_and_display() {
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1.0.0"), v("1.0.0.0"));
        assert_eq!(hash_of(&v("1.0")), hash_of(&v("1.0.0.0")));
        assert_eq!(v("1.0").to_string(), "1.0");
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_ne!(v("1.0.0-a"), v("1.0.0"));
        assert_eq!(v("1.0").normalized(), "1.0.0");
        assert_eq!(v("1.0.0.0").normalized(), "1.0.0");
        assert_eq!(v("1.0.0.7-rc.1+m").normalized(), "1.0.0.7-rc.1+m");
    }

    #[test]
    fn semver_precedence_example() {
        // The SemVer 2 spec's own example chain, extended with a revision.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1-alpha",
            "1.0.0.1",
            "1.0.1",
            "1.1",
            "2.0.0",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert!(v("1.0.0-99999999999999999999999") > v("1.0.0-9"));
    }

    #[test]
    fn serde_as_string() {
        let version = v("1.2.3-beta.4+sha.5");
        assert_eq!(serde_json::to_string(&version).unwrap(), "\"1.2.3-beta.4+sha.5\"");
        let back: Version = serde_json::from_str("\"1.2.3-beta.4+sha.5\"").unwrap();
        assert_eq!(back.original(), "1.2.3-beta.4+sha.5");
        let err = serde_json::from_str::<Version>("\"v1\"").unwrap_err();
        assert!(err.to_string().contains("not a valid version"), "{err}");
    }

    #[test]
    fn to_semver() {
        assert_eq!(v("1.2").to_semver(), Some(semver::Version::new(1, 2, 0)));
        assert_eq!(v("1.2.3.0").to_semver(), Some(semver::Version::new(1, 2, 3)));
        assert_eq!(v("1.2.3.4").to_semver(), None);
    }

    fn ident() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..30).prop_map(|n| n.to_string()),
            "[a-c][a-c0-9-]{0,2}",
            Just("alpha".to_owned()),
            Just("-".to_owned()),
        ]
    }

    fn version_text() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(0u64..4, 2..=4),
            prop::option::of(prop::collection::vec(ident(), 1..4)),
            prop::option::of("[a-z0-9]{1,3}"),
        )
            .prop_map(|(numbers, pre, meta)| {
                let mut text = numbers.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
                if let Some(pre) = pre {
                    text.push('-');
                    text.push_str(&pre.join("."));
                }
                if let Some(meta) = meta {
                    text.push('+');
                    text.push_str(&meta);
                }
                text
            })
    }

    #[test]
    fn texts_that_are_not_versions_still_compare_numerically() {
        assert_eq!(compare_text("1.10.0", "1.9.0"), Ordering::Greater);
        assert_eq!(compare_text("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(compare_text("1.0.0-beta", "1.0.0"), Ordering::Less);
        assert_eq!(compare_text("1.0.0-beta.2", "1.0.0-beta.10"), Ordering::Less);
        assert_eq!(compare_text("v2", "1.0"), Ordering::Less);
    }

    proptest! {
        #[test]
        fn ordering_is_a_total_order(a in version_text(), b in version_text(), c in version_text()) {
            let (a, b, c) = (v(&a), v(&b), v(&c));
            prop_assert_eq!(a.cmp(&a), Ordering::Equal);
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
            if a == b {
                prop_assert_eq!(hash_of(&a), hash_of(&b));
            }
        }

        #[test]
        fn agrees_with_semver_for_three_parts(a in version_text(), b in version_text()) {
            let (a, b) = (v(&a), v(&b));
            if let (Some(sa), Some(sb)) = (a.to_semver(), b.to_semver()) {
                prop_assert_eq!(a.cmp(&b), sa.cmp_precedence(&sb));
            }
        }

        #[test]
        fn the_text_ordering_is_the_version_ordering(a in version_text(), b in version_text()) {
            prop_assert_eq!(compare_text(&a, &b), v(&a).cmp(&v(&b)));
        }

        #[test]
        fn padding_with_zeros_is_equal(text in version_text()) {
            let version = v(&text);
            let padded = format!("{}.{}.{}.{}", version.major(), version.minor(), version.patch(), version.revision());
            let with_pre = match version.prerelease() { Some(pre) => format!("{padded}-{pre}"), None => padded };
            prop_assert_eq!(&v(&with_pre), &version);
            prop_assert_eq!(v(&version.normalized()), version.clone());
            prop_assert_eq!(v(&version.to_string()).original().to_owned(), version.original().to_owned());
        }
    }
}
