//! Package identity: validated package ids, archive formats and Octopus's file-name rule
//! `{id}.{version}.{ext}`.

use std::fmt;
use std::str::FromStr;

use crate::version::Version;

/// Longest package id accepted (NuGet's and Octopus's limit).
pub const MAX_ID_LENGTH: usize = 100;

/// A validated package id: ASCII letters, digits, `_`, `-` and `.`, at most 100 characters,
/// starting and ending with a letter, digit or `_`, with `.` and `-` only between such characters
/// (Octopus's `\w+([_.-]\w+)*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId(String);

/// Why a package id or package file name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageIdError {
    /// The id is empty.
    #[error("the package id is empty")]
    Empty,
    /// The id is longer than [`MAX_ID_LENGTH`].
    #[error("the package id `{id}` is {length} characters long; at most {MAX_ID_LENGTH} are allowed")]
    TooLong {
        /// The id.
        id: String,
        /// Its length in characters.
        length: usize,
    },
    /// A character that is not allowed.
    #[error(
        "the package id `{id}` contains {character:?} at position {position}; only ASCII letters, digits, `_`, `-` and `.` are allowed"
    )]
    InvalidCharacter {
        /// The id.
        id: String,
        /// The character.
        character: char,
        /// 1-based character position.
        position: usize,
    },
    /// `.` or `-` at the start or end, or two of them in a row.
    #[error(
        "the package id `{id}` has `{separator}` {place}; `.` and `-` may only separate letters, digits and `_`"
    )]
    BadSeparator {
        /// The id.
        id: String,
        /// The separator character.
        separator: char,
        /// Where: "at the start", "at the end", "twice in a row".
        place: &'static str,
    },
    /// A file name whose extension is not a package format.
    #[error("`{name}` does not end in a package extension (.zip, .nupkg, .tar.gz, .tgz, .tar, .tar.bz2)")]
    UnknownExtension {
        /// The file name.
        name: String,
    },
    /// A file name with no `{id}.{version}` split.
    #[error(
        "`{name}` is not named `{{id}}.{{version}}.{{ext}}`: no `.` followed by a valid version ends a valid package id"
    )]
    NoVersion {
        /// The file name.
        name: String,
    },
}

impl PackageId {
    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Validate `text` as a package id.
    pub fn new(text: &str) -> Result<PackageId, PackageIdError> {
        validate_id(text)?;
        Ok(PackageId(text.to_owned()))
    }
}

fn validate_id(text: &str) -> Result<(), PackageIdError> {
    if text.is_empty() {
        return Err(PackageIdError::Empty);
    }
    for (index, character) in text.chars().enumerate() {
        if !(character.is_ascii_alphanumeric() || matches!(character, '_' | '-' | '.')) {
            return Err(PackageIdError::InvalidCharacter {
                id: text.to_owned(),
                character,
                position: index + 1,
            });
        }
    }
    // All ASCII from here on.
    let length = text.len();
    if length > MAX_ID_LENGTH {
        return Err(PackageIdError::TooLong { id: text.to_owned(), length });
    }
    let is_separator = |b: u8| b == b'.' || b == b'-';
    let bytes = text.as_bytes();
    let bad = |separator: u8, place: &'static str| PackageIdError::BadSeparator {
        id: text.to_owned(),
        separator: char::from(separator),
        place,
    };
    if is_separator(bytes[0]) {
        return Err(bad(bytes[0], "at the start"));
    }
    if is_separator(bytes[length - 1]) {
        return Err(bad(bytes[length - 1], "at the end"));
    }
    if let Some(pair) = bytes.windows(2).find(|pair| is_separator(pair[0]) && is_separator(pair[1])) {
        return Err(bad(pair[1], "twice in a row"));
    }
    Ok(())
}

impl FromStr for PackageId {
    type Err = PackageIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PackageId::new(text)
    }
}

impl TryFrom<&str> for PackageId {
    type Error = PackageIdError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        PackageId::new(text)
    }
}

impl AsRef<str> for PackageId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for PackageId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PackageId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        PackageId::new(&text).map_err(serde::de::Error::custom)
    }
}

/// Archive formats. Ferry creates `Zip`, `Nupkg` and `TarGz`; the others are recognised when
/// reading file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageFormat {
    /// `.zip`
    Zip,
    /// `.nupkg` (a zip with a nuspec and OPC parts)
    Nupkg,
    /// `.tar.gz`
    TarGz,
    /// `.tgz` (a tar.gz under another name)
    Tgz,
    /// `.tar`
    Tar,
    /// `.tar.bz2`
    TarBz2,
}

impl PackageFormat {
    /// Every format, multi-part extensions first (the order [`PackageFormat::from_file_name`] tries).
    pub const ALL: [PackageFormat; 6] = [
        PackageFormat::TarGz,
        PackageFormat::TarBz2,
        PackageFormat::Tgz,
        PackageFormat::Tar,
        PackageFormat::Zip,
        PackageFormat::Nupkg,
    ];

    /// The file extension without the leading dot: `zip`, `nupkg`, `tar.gz`, `tgz`, `tar`, `tar.bz2`.
    pub fn extension(self) -> &'static str {
        match self {
            PackageFormat::Zip => "zip",
            PackageFormat::Nupkg => "nupkg",
            PackageFormat::TarGz => "tar.gz",
            PackageFormat::Tgz => "tgz",
            PackageFormat::Tar => "tar",
            PackageFormat::TarBz2 => "tar.bz2",
        }
    }

    /// The format a file name's extension names (case-insensitive), if any.
    pub fn from_file_name(name: &str) -> Option<PackageFormat> {
        let lower = name.to_ascii_lowercase();
        PackageFormat::ALL.into_iter().find(|format| {
            lower.len() > format.extension().len() + 1
                && lower.ends_with(format.extension())
                && lower.as_bytes()[lower.len() - format.extension().len() - 1] == b'.'
        })
    }

    /// Whether the archive is a zip (zip or nupkg).
    pub fn is_zip(self) -> bool {
        matches!(self, PackageFormat::Zip | PackageFormat::Nupkg)
    }

    /// Whether the archive is a tar (plain or compressed).
    pub fn is_tar(self) -> bool {
        !self.is_zip()
    }
}

impl fmt::Display for PackageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for PackageFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim_start_matches('.').to_ascii_lowercase();
        PackageFormat::ALL
            .into_iter()
            .find(|format| format.extension() == lower)
            .or_else(|| (lower == "targz").then_some(PackageFormat::TarGz))
            .ok_or_else(|| format!("unknown package format `{text}` (zip, nupkg, tar.gz, tgz, tar, tar.bz2)"))
    }
}

impl serde::Serialize for PackageFormat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.extension())
    }
}

impl<'de> serde::Deserialize<'de> for PackageFormat {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A package file name taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFileName {
    /// The package id.
    pub id: PackageId,
    /// The version (as written in the name).
    pub version: Version,
    /// The format from the extension.
    pub format: PackageFormat,
}

/// Take a package file name apart with Octopus's rule: the extension is removed (`.tar.gz` and
/// `.tar.bz2` as one), then the id ends at the first `.` followed by a digit where the rest is a
/// valid version (`MyApp.Web.1.2.3.zip` → `MyApp.Web`, `1.2.3`). A leading directory is ignored.
pub fn parse_package_file_name(name: &str) -> Result<PackageFileName, PackageIdError> {
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let format = PackageFormat::from_file_name(name)
        .ok_or_else(|| PackageIdError::UnknownExtension { name: name.to_owned() })?;
    let stem = &name[..name.len() - format.extension().len() - 1];
    let bytes = stem.as_bytes();
    for (at, _) in stem.match_indices('.') {
        if !bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let (id, version) = (&stem[..at], &stem[at + 1..]);
        if let (Ok(id), Ok(version)) = (PackageId::new(id), version.parse::<Version>()) {
            return Ok(PackageFileName { id, version, format });
        }
    }
    Err(PackageIdError::NoVersion { name: name.to_owned() })
}

/// The file name of a package: `{id}.{version}.{ext}` with the version as written.
pub fn package_file_name(id: &PackageId, version: &Version, format: PackageFormat) -> String {
    format!("{id}.{version}.{}", format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in ["MyApp", "My.App-Web_2", "_x", "a", "A1.b2", "x__y", &"a".repeat(100)] {
            assert_eq!(PackageId::new(ok).unwrap().as_str(), ok);
        }
        let cases = [
            ("", "empty"),
            ("my app", "' ' at position 3"),
            ("a/b", "'/'"),
            ("a\\b", "'\\\\'"),
            ("..", "at the start"),
            (".a", "at the start"),
            ("a-", "at the end"),
            ("a..b", "twice in a row"),
            ("a.-b", "twice in a row"),
            ("café", "'é'"),
        ];
        for (text, needle) in cases {
            let err = PackageId::new(text).expect_err(text);
            assert!(err.to_string().contains(needle), "{text:?}: {err} (wanted {needle:?})");
        }
        let long = "a".repeat(101);
        assert!(PackageId::new(&long).unwrap_err().to_string().contains("101 characters"));
    }

    #[test]
    fn formats() {
        assert_eq!(PackageFormat::from_file_name("a.1.0.TAR.GZ"), Some(PackageFormat::TarGz));
        assert_eq!(PackageFormat::from_file_name("a.1.0.tar"), Some(PackageFormat::Tar));
        assert_eq!(PackageFormat::from_file_name("a.1.0.tgz"), Some(PackageFormat::Tgz));
        assert_eq!(PackageFormat::from_file_name("a.1.0.tar.bz2"), Some(PackageFormat::TarBz2));
        assert_eq!(PackageFormat::from_file_name("a.1.0.nupkg"), Some(PackageFormat::Nupkg));
        assert_eq!(PackageFormat::from_file_name("a.1.0.gz"), None);
        assert_eq!(PackageFormat::from_file_name(".zip"), None);
        assert_eq!(PackageFormat::from_file_name("xzip"), None);
        assert_eq!("tar.gz".parse::<PackageFormat>(), Ok(PackageFormat::TarGz));
        assert_eq!(serde_json::to_string(&PackageFormat::TarGz).unwrap(), "\"tar.gz\"");
    }

    fn parse(name: &str) -> (String, String, PackageFormat) {
        let parsed = parse_package_file_name(name).unwrap_or_else(|err| panic!("{err}"));
        (parsed.id.to_string(), parsed.version.to_string(), parsed.format)
    }

    #[test]
    fn file_names_follow_octopus() {
        use PackageFormat::*;
        let cases = [
            ("MyApp.Web.1.2.3.zip", "MyApp.Web", "1.2.3", Zip),
            ("MyApp.1.2.3-beta.4+sha.5.zip", "MyApp", "1.2.3-beta.4+sha.5", Zip),
            ("MyApp.1.2.3.4.nupkg", "MyApp", "1.2.3.4", Nupkg),
            ("X.1.0.tar.gz", "X", "1.0", TarGz),
            ("X.1.0-rc.1.tgz", "X", "1.0-rc.1", Tgz),
            ("X.1.0.tar.bz2", "X", "1.0", TarBz2),
            ("dist/Hello.World.2.0.0.tar", "Hello.World", "2.0.0", Tar),
            // A numeric-looking segment that does not form a valid version stays in the id.
            ("App.2x.1.0.zip", "App.2x", "1.0", Zip),
            ("App.V2.1.0.zip", "App.V2", "1.0", Zip),
            // First `.digit` that forms a valid version wins (Octopus's lazy match).
            ("App.2.Web.1.0.zip", "App.2.Web", "1.0", Zip),
            ("App.2.1.0.zip", "App", "2.1.0", Zip),
            // Octopus's regex gives the same split: a 6-part tail is not a version, a 4-part one is.
            ("MyApp.1.2.3.4.5.6.zip", "MyApp.1.2", "3.4.5.6", Zip),
        ];
        for (name, id, version, format) in cases {
            assert_eq!(parse(name), (id.to_owned(), version.to_owned(), format), "{name}");
        }
        for bad in ["MyApp.zip", "MyApp.v1.zip", "1.0.zip", "MyApp.1.0.exe", "My App.1.0.zip"] {
            assert!(parse_package_file_name(bad).is_err(), "{bad}");
        }
        assert!(matches!(parse_package_file_name("a.1.0.exe"), Err(PackageIdError::UnknownExtension { .. })));
    }

    #[test]
    fn file_name_round_trip() {
        let id = PackageId::new("MyApp.Web").unwrap();
        let version: Version = "1.2.3-beta.4+sha.5".parse().unwrap();
        for format in PackageFormat::ALL {
            let name = package_file_name(&id, &version, format);
            let back = parse_package_file_name(&name).unwrap();
            assert_eq!(
                (back.id, back.version.original(), back.format),
                (id.clone(), version.original(), format)
            );
        }
        assert_eq!(
            package_file_name(&id, &version, PackageFormat::TarGz),
            "MyApp.Web.1.2.3-beta.4+sha.5.tar.gz"
        );
    }
}
