//! What a push does when the thing it writes (a package, an asset, build information) is already
//! on the server with different content. Identical content is never an error: a re-run of the
//! same build must succeed.

use std::fmt;
use std::str::FromStr;

/// `--if-exists`: what to do when the name is taken by different content. The one overwrite type
/// of the client, the flow and every server implementation (Octopus calls it `overwriteMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum IfExists {
    /// Stop with an error (exit 1).
    #[default]
    Fail,
    /// Keep what is there and carry on.
    Ignore,
    /// Replace it.
    Overwrite,
}

impl IfExists {
    /// The name users write: `fail`, `ignore`, `overwrite`.
    pub fn as_str(self) -> &'static str {
        match self {
            IfExists::Fail => "fail",
            IfExists::Ignore => "ignore",
            IfExists::Overwrite => "overwrite",
        }
    }
}

impl fmt::Display for IfExists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a push did, given its [`IfExists`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushStatus {
    /// Stored as new.
    Created,
    /// The server had it already and kept what it had (`--if-exists ignore`).
    Ignored,
    /// The server had it and replaced it (`--if-exists overwrite`).
    Overwritten,
}

impl PushStatus {
    /// `created`, `ignored` or `overwritten`: the word of the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            PushStatus::Created => "created",
            PushStatus::Ignored => "ignored",
            PushStatus::Overwritten => "overwritten",
        }
    }
}

/// A word that is not one of the [`IfExists`] modes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not one of fail, ignore, overwrite (or FailIfExists, IgnoreIfExists, OverwriteExisting)")]
pub struct UnknownIfExists(String);

impl FromStr for IfExists {
    type Err = UnknownIfExists;

    /// Ferry's words (and `replace`) and Octopus's `overwriteMode` names, case-insensitive.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "fail" | "failifexists" => Ok(IfExists::Fail),
            "ignore" | "ignoreifexists" => Ok(IfExists::Ignore),
            "overwrite" | "overwriteexisting" | "replace" => Ok(IfExists::Overwrite),
            _ => Err(UnknownIfExists(text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse() {
        assert_eq!("overwrite".parse(), Ok(IfExists::Overwrite));
        assert_eq!("IgnoreIfExists".parse(), Ok(IfExists::Ignore));
        assert_eq!("FAIL".parse(), Ok(IfExists::Fail));
        assert_eq!("replace".parse(), Ok(IfExists::Overwrite));
        assert!("replace-all".parse::<IfExists>().is_err());
    }
}
