//! `ferry version`: a version computed from git.
//!
//! - HEAD tagged `vX.Y.Z` or `X.Y.Z` → that version.
//! - Otherwise, with a version tag reachable → `X.Y.(Z+1)-<label>.N`, N = commits since the tag
//!   (or the CI build number). A pre-release tag (`v2.0.0-rc.1`) is not bumped but extended,
//!   `2.0.0-rc.1.<label>.N`: SemVer ranks a longer pre-release with the same leading identifiers
//!   higher, so the build sorts after its tag (`2.0.0-<label>.N` would sort before `rc`).
//!   Build metadata on a tag (`+sha.abc`) plays no part in ordering and is dropped.
//! - No version tag → `YYYY.M.D.HMMSS` in UTC (a 4-part version that sorts by time).

use std::path::Path;

use crate::git::{GitError, git};

/// How the version was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// HEAD carries this tag.
    Tag(String),
    /// `commits` commits after this tag.
    AfterTag {
        /// The tag.
        tag: String,
        /// Commits between the tag and HEAD.
        commits: u64,
    },
    /// No version tag: the current date and time.
    Date,
}

/// A computed version and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputedVersion {
    /// The version text.
    pub version: String,
    /// Where it came from.
    pub source: VersionSource,
}

/// Compute the version of HEAD in `repo`. `label` is the pre-release label for untagged commits;
/// `build_number` replaces the commit count when given.
pub fn compute(
    repo: &Path,
    label: &str,
    build_number: Option<&str>,
    now: jiff::Timestamp,
) -> Result<ComputedVersion, GitError> {
    git(repo, &["rev-parse", "--verify", "HEAD"])?;
    let at_head = git(repo, &["tag", "--points-at", "HEAD"])?;
    let mut tagged: Vec<(&str, TagVersion<'_>)> =
        at_head.lines().filter_map(|tag| parse_tag(tag).map(|v| (tag, v))).collect();
    tagged.sort_by_key(|(_, (major, minor, patch, pre))| (*major, *minor, *patch, pre.is_none()));
    if let Some((tag, _)) = tagged.last() {
        return Ok(ComputedVersion {
            version: tag.trim_start_matches(['v', 'V']).to_owned(),
            source: VersionSource::Tag((*tag).to_owned()),
        });
    }
    let nearest = git(
        repo,
        &[
            "describe",
            "--tags",
            "--abbrev=0",
            "--match",
            "v[0-9]*",
            "--match",
            "V[0-9]*",
            "--match",
            "[0-9]*",
            "HEAD",
        ],
    )
    .ok()
    .filter(|tag| parse_tag(tag).is_some());
    let Some(tag) = nearest else {
        let civil = now.to_zoned(jiff::tz::TimeZone::UTC).datetime();
        let time = u32::from(civil.hour().unsigned_abs()) * 10_000
            + u32::from(civil.minute().unsigned_abs()) * 100
            + u32::from(civil.second().unsigned_abs());
        return Ok(ComputedVersion {
            version: format!("{}.{}.{}.{time}", civil.year(), civil.month(), civil.day()),
            source: VersionSource::Date,
        });
    };
    let (major, minor, patch, pre) = parse_tag(&tag).expect("filtered above");
    let commits: u64 = git(repo, &["rev-list", "--count", &format!("{tag}..HEAD")])?.parse().unwrap_or(0);
    let counter = build_number.map(str::to_owned).unwrap_or_else(|| commits.to_string());
    let version = match pre {
        Some(pre) => format!("{major}.{minor}.{patch}-{pre}.{label}.{counter}"),
        None => format!("{major}.{minor}.{}-{label}.{counter}", patch + 1),
    };
    Ok(ComputedVersion { version, source: VersionSource::AfterTag { tag, commits } })
}

/// Major, minor, patch and pre-release of a version tag.
type TagVersion<'a> = (u64, u64, u64, Option<&'a str>);

/// `v1.2.3`, `1.2.3`, `v1.2.3-rc.1`, `v1.2.3+meta` → parts (without the build metadata);
/// anything else is not a version tag. A patch of `u64::MAX` could not be bumped: not a tag.
fn parse_tag(tag: &str) -> Option<TagVersion<'_>> {
    let text = tag.strip_prefix(['v', 'V']).unwrap_or(tag);
    let text = text.split_once('+').map_or(text, |(version, _metadata)| version);
    let (core, pre) = match text.split_once('-') {
        Some((_, "")) => return None,
        Some((core, pre)) => (core, Some(pre)),
        None => (text, None),
    };
    let mut parts = core.split('.').map(|part| part.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??, pre);
    (parts.next().is_none() && version.2 < u64::MAX).then_some(version)
}
