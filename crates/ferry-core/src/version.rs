//! Package and release versions as Octopus Deploy and NuGet accept them.
//!
//! PLACEHOLDER shape for the workspace to compile; the packaging helper replaces it with the
//! full 4-part, SemVer-2-ordered implementation.

use std::fmt;
use std::str::FromStr;

/// A version: `MAJOR.MINOR[.PATCH[.REVISION]][-PRERELEASE][+METADATA]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    original: String,
}

/// Why a version string was rejected.
#[derive(Debug, thiserror::Error)]
#[error("`{text}` is not a valid version: {reason}")]
pub struct VersionError {
    text: String,
    reason: String,
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() || !text.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(VersionError { text: text.to_owned(), reason: "it must start with a digit".into() });
        }
        Ok(Version { original: text.to_owned() })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}
