//! `--tag-format`: how a release version becomes a Git tag (`v{version}` → `v1.2.0`), and back,
//! so that the tags already in a repository can be read as versions.

use ferry_core::version::Version;

const PLACEHOLDER: &str = "{version}";

/// A tag format with exactly one `{version}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFormat {
    prefix: String,
    suffix: String,
}

impl Default for TagFormat {
    /// `v{version}`.
    fn default() -> Self {
        TagFormat { prefix: "v".into(), suffix: String::new() }
    }
}

impl TagFormat {
    /// Parse a format such as `v{version}` or `api/v{version}` (a monorepo's per-project tags).
    pub fn parse(format: &str) -> Result<TagFormat, TagFormatError> {
        let (prefix, suffix) =
            format.split_once(PLACEHOLDER).ok_or_else(|| TagFormatError(format.to_owned()))?;
        if suffix.contains(PLACEHOLDER) || format.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TagFormatError(format.to_owned()));
        }
        Ok(TagFormat { prefix: prefix.to_owned(), suffix: suffix.to_owned() })
    }

    /// The tag for `version`.
    pub fn tag(&self, version: &Version) -> String {
        format!("{}{}{}", self.prefix, version.original(), self.suffix)
    }

    /// The version a tag of this format carries; `None` for tags of other formats.
    pub fn version_of(&self, tag: &str) -> Option<Version> {
        tag.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?.parse().ok()
    }
}

/// `--tag-format` without exactly one `{version}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--tag-format `{0}` must contain `{{version}}` exactly once and no whitespace, e.g. `v{{version}}`")]
pub struct TagFormatError(String);

/// Whether publishing `version` should make it the repository's latest release: only a stable
/// version that no other published stable release outranks. GitHub's own `legacy` rule (latest by
/// creation date) would let a hotfix for an old line take "latest" away from the newest one.
pub fn is_latest(version: &Version, published: impl IntoIterator<Item = Version>) -> bool {
    !version.is_prerelease()
        && published.into_iter().filter(|other| !other.is_prerelease()).all(|other| other <= *version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn tags_round_trip_and_other_formats_are_not_versions() {
        let format = TagFormat::default();
        assert_eq!(format.tag(&v("1.2.0")), "v1.2.0");
        assert_eq!(format.version_of("v1.2.0-rc.1"), Some(v("1.2.0-rc.1")));
        assert_eq!(format.version_of("release-7"), None);
        let monorepo = TagFormat::parse("api/v{version}").unwrap();
        assert_eq!(monorepo.tag(&v("2.0.0")), "api/v2.0.0");
        assert_eq!(monorepo.version_of("web/v2.0.0"), None);
        assert!(TagFormat::parse("v").is_err());
        assert!(TagFormat::parse("{version}-{version}").is_err());
        assert!(TagFormat::parse("v {version}").is_err());
    }

    #[test]
    fn only_the_highest_stable_version_is_latest() {
        let published = || vec![v("1.0.0"), v("1.1.0"), v("2.0.0-beta.1")];
        assert!(is_latest(&v("1.2.0"), published()));
        assert!(!is_latest(&v("1.0.1"), published()), "a hotfix of an older line");
        assert!(!is_latest(&v("2.0.0-beta.2"), published()), "a pre-release");
        assert!(is_latest(&v("1.1.0"), published()), "re-publishing the latest");
    }
}
