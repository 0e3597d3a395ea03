//! Version helpers on top of `ferry_core::version::Version`: the normalised key stored in
//! unique indexes (so `1.0` and `1.0.0.0` are the same package version), and the next increment.

use ferry_core::version::Version;

use crate::errors::ApiError;

/// Parse a version, or a 400 naming the field.
pub fn parse(field: &str, text: &str) -> Result<Version, ApiError> {
    text.trim().parse::<Version>().map_err(|err| ApiError::bad_request(format!("{field}: {err}")))
}

/// The normalised key: `major.minor.patch.revision[-prerelease lower-cased]`, metadata dropped.
pub fn key(version: &Version) -> String {
    let mut key =
        format!("{}.{}.{}.{}", version.major(), version.minor(), version.patch(), version.revision());
    if let Some(pre) = version.prerelease() {
        key.push('-');
        key.push_str(&pre.to_ascii_lowercase());
    }
    key
}

/// The normalised key of a version text, if it parses.
pub fn key_of(text: &str) -> Option<String> {
    text.parse::<Version>().ok().map(|v| key(&v))
}

/// The next version after `last`: its last non-zero-width numeric part incremented
/// (1.2.3 -> 1.2.4, 1.2.3.4 -> 1.2.3.5), pre-release dropped.
pub fn next_increment(last: Option<&Version>) -> String {
    match last {
        None => "0.0.1".to_owned(),
        Some(v) if v.revision() > 0 => {
            // u128: a client may have pushed a version whose part is u64::MAX.
            format!("{}.{}.{}.{}", v.major(), v.minor(), v.patch(), u128::from(v.revision()) + 1)
        }
        Some(v) if v.is_prerelease() => format!("{}.{}.{}", v.major(), v.minor(), v.patch()),
        Some(v) => format!("{}.{}.{}", v.major(), v.minor(), u128::from(v.patch()) + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_increment_of_the_largest_part_does_not_overflow() {
        let max = u64::MAX;
        let revision: Version = format!("1.2.3.{max}").parse().unwrap();
        assert_eq!(next_increment(Some(&revision)), "1.2.3.18446744073709551616");
        let patch: Version = format!("1.2.{max}").parse().unwrap();
        assert_eq!(next_increment(Some(&patch)), "1.2.18446744073709551616");
        assert_eq!(next_increment(Some(&"1.2.3".parse().unwrap())), "1.2.4");
    }
}
