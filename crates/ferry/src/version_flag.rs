//! The value parser behind every `--version`-like flag: `v1.4.0` (what `GITHUB_REF_NAME` holds for
//! a tag) is taken as `1.4.0`, with one warning.
//!
//! clap value parsers have no access to the command's context, yet the warning must go through
//! it (`--quiet`, CI annotations), so the parser records what it stripped and `main` warns once
//! the context exists ([`take_warnings`]).

use std::sync::Mutex;

static STRIPPED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Accept a version as typed, without a leading `v`/`V` in front of a digit. `auto`, `latest`
/// and anything else pass through unchanged: the command validates them.
pub fn parse_version_flag(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    let Some(rest) =
        trimmed.strip_prefix(['v', 'V']).filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    else {
        return Ok(text.to_owned());
    };
    STRIPPED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(format!(
        "version `{trimmed}` is taken as `{rest}` (the leading `{}` is not part of a version)",
        &trimmed[..1]
    ));
    Ok(rest.to_owned())
}

/// The warnings recorded since the last call, each once.
pub fn take_warnings() -> Vec<String> {
    let mut warnings = std::mem::take(&mut *STRIPPED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    warnings.dedup();
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_v_before_a_digit_is_stripped_and_reported() {
        assert_eq!(parse_version_flag("v1.4.0").unwrap(), "1.4.0");
        assert_eq!(parse_version_flag("V2.0.0-beta.1").unwrap(), "2.0.0-beta.1");
        let warnings = take_warnings();
        assert!(warnings.iter().any(|w| w.contains("`v1.4.0` is taken as `1.4.0`")), "{warnings:?}");
    }

    #[test]
    fn words_and_plain_versions_pass_through() {
        for text in ["1.4.0", "auto", "latest", "vnext", "v"] {
            assert_eq!(parse_version_flag(text).unwrap(), text);
        }
    }
}
