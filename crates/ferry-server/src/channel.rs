//! Channel rules: NuGet version ranges and pre-release tag patterns that decide which package
//! versions a channel's releases may use.

use std::cmp::Ordering;

use ferry_core::version::Version;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// A NuGet version range: `1.0` (>= 1.0), `[1.0]` (exactly), `[1.0,2.0)`, `(,2.0]`, `(1.0,)`.
#[derive(Debug, Clone)]
pub struct VersionRange {
    min: Option<(Version, bool)>,
    max: Option<(Version, bool)>,
}

impl VersionRange {
    /// Parse the NuGet syntax. An empty text or `*` allows every version.
    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let text = text.trim();
        let version = |s: &str| -> Result<Version, String> {
            s.trim().parse::<Version>().map_err(|err| format!("`{text}`: {err}"))
        };
        if text.is_empty() || text == "*" {
            return Ok(VersionRange { min: None, max: None });
        }
        let first = text.chars().next().unwrap_or(' ');
        if first != '[' && first != '(' {
            return Ok(VersionRange { min: Some((version(text)?, true)), max: None });
        }
        let last = text.chars().last().unwrap_or(' ');
        if text.len() < 2 || (last != ']' && last != ')') {
            return Err(format!("`{text}` is not a version range: it must end with `]` or `)`"));
        }
        let inner = &text[1..text.len() - 1];
        let (min_incl, max_incl) = (first == '[', last == ']');
        match inner.split_once(',') {
            None => {
                if !(min_incl && max_incl) {
                    return Err(format!("`{text}`: an exact version is written `[1.0]`"));
                }
                let v = version(inner)?;
                Ok(VersionRange { min: Some((v.clone(), true)), max: Some((v, true)) })
            }
            Some((lo, hi)) => {
                let min = if lo.trim().is_empty() { None } else { Some((version(lo)?, min_incl)) };
                let max = if hi.trim().is_empty() { None } else { Some((version(hi)?, max_incl)) };
                if let (Some((a, _)), Some((b, _))) = (&min, &max)
                    && a > b
                {
                    return Err(format!("`{text}`: the lower bound is above the upper bound"));
                }
                Ok(VersionRange { min, max })
            }
        }
    }

    /// Whether `version` is inside the range.
    pub fn contains(&self, version: &Version) -> bool {
        let above = match &self.min {
            None => true,
            Some((min, inclusive)) => match version.cmp(min) {
                Ordering::Greater => true,
                Ordering::Equal => *inclusive,
                Ordering::Less => false,
            },
        };
        let below = match &self.max {
            None => true,
            Some((max, inclusive)) => match version.cmp(max) {
                Ordering::Less => true,
                Ordering::Equal => *inclusive,
                Ordering::Greater => false,
            },
        };
        above && below
    }
}

/// One channel rule (as written in `ferry.toml` and as stored).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRule {
    /// Package ids (= step names) it applies to; empty: all.
    #[serde(default)]
    pub packages: Vec<String>,
    /// NuGet version range.
    #[serde(default)]
    pub version_range: Option<String>,
    /// Pre-release tag regex.
    #[serde(default)]
    pub tag: Option<String>,
}

impl ChannelRule {
    /// Whether this rule applies to the step/package `package_id`.
    pub fn applies_to(&self, package_id: &str) -> bool {
        self.packages.is_empty() || self.packages.iter().any(|p| p.eq_ignore_ascii_case(package_id))
    }

    /// Whether `version` satisfies the rule; `Err` says why not.
    pub fn check(&self, version: &Version) -> Result<(), String> {
        if let Some(range) = self.version_range.as_deref().filter(|r| !r.trim().is_empty()) {
            let parsed = VersionRange::parse(range)?;
            if !parsed.contains(version) {
                return Err(format!("version {version} is outside the range {range}"));
            }
        }
        if let Some(tag) = &self.tag {
            let regex = Regex::new(tag).map_err(|err| format!("tag rule `{tag}`: {err}"))?;
            let pre = version.prerelease().unwrap_or("");
            if !regex.is_match(pre) {
                return Err(format!("version {version}'s pre-release tag `{pre}` does not match `{tag}`"));
            }
        }
        Ok(())
    }

    /// Whether the rule names a pre-release tag pattern (which then allows pre-releases).
    pub fn allows_prerelease(&self) -> bool {
        self.tag.as_deref().is_some_and(|t| !t.is_empty() && t != "^$")
    }
}

/// Whether `version` satisfies every rule applying to `package_id`; `Err` names the broken rule.
pub fn check_rules(rules: &[ChannelRule], package_id: &str, version: &Version) -> Result<(), String> {
    for rule in rules.iter().filter(|r| r.applies_to(package_id)) {
        rule.check(version)?;
    }
    Ok(())
}

/// Whether, without an explicit version, the channel's rules let `package_id` pick a pre-release.
pub fn prerelease_allowed(rules: &[ChannelRule], package_id: &str) -> bool {
    rules.iter().any(|r| r.applies_to(package_id) && r.allows_prerelease())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn ranges() {
        let r = VersionRange::parse("[1.0,2.0)").unwrap();
        assert!(r.contains(&v("1.0.0")) && r.contains(&v("1.9.9")) && !r.contains(&v("2.0")));
        assert!(VersionRange::parse("1.5").unwrap().contains(&v("3.0")));
        assert!(!VersionRange::parse("1.5").unwrap().contains(&v("1.4")));
        assert!(VersionRange::parse("[1.2]").unwrap().contains(&v("1.2.0")));
        assert!(VersionRange::parse("(,2.0]").unwrap().contains(&v("2.0")));
        assert!(!VersionRange::parse("(1.0,)").unwrap().contains(&v("1.0")));
        assert!(VersionRange::parse("[2.0,1.0]").is_err());
        assert!(VersionRange::parse("[1.0").is_err());
    }

    #[test]
    fn tags() {
        let rule = ChannelRule { tag: Some("^beta".into()), ..ChannelRule::default() };
        assert!(rule.check(&v("1.0.0-beta.1")).is_ok());
        assert!(rule.check(&v("1.0.0")).is_err());
        let stable = ChannelRule { tag: Some("^$".into()), ..ChannelRule::default() };
        assert!(stable.check(&v("1.0.0")).is_ok());
        assert!(stable.check(&v("1.0.0-rc")).is_err());
    }
}
