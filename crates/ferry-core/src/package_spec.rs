//! `--package` values: which version a release takes for a step or package.
//!
//! The forms and delimiters are the official CLIs': `STEP_OR_PACKAGE_ID<d>VERSION` or
//! `STEP_OR_PACKAGE_ID<d>PACKAGE_REFERENCE<d>VERSION`, where each delimiter `<d>` is any of `:`,
//! `=` or `/` (so `Hello=1.2.3` and `Hello/1.2.3` mean `Hello:1.2.3`). A backslash makes the
//! next `:`, `/`, `=` or `\` literal, so a step named `Deploy: web` is written `Deploy\: web`;
//! before any other character a backslash is kept as typed. Parts are trimmed, `*` stands for
//! every step (or every reference), and the version must not be empty. Source of these facts:
//! OctopusDeploy/cli `pkg/packages/packages.go` (`ParsePackageOverrideString`,
//! `splitPackageOverrideString`) at 94e7c32e.

use std::fmt;

/// One `--package` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSpec {
    /// The step name or package id; `None` for `*` (every step).
    pub step_or_package: Option<String>,
    /// The package reference within the step; `None` when not given or `*`.
    pub reference: Option<String>,
    /// The version to use.
    pub version: String,
}

/// A `--package` value that is not one of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{spec}` is not a package version: use ID:VERSION, STEP:VERSION or STEP:REF:VERSION (`=` and `/` also separate; `\\:` is a literal colon)"
)]
pub struct PackageSpecError {
    /// The value as given.
    pub spec: String,
}

fn is_delimiter(c: char) -> bool {
    matches!(c, ':' | '/' | '=')
}

fn is_escapable(c: char) -> bool {
    is_delimiter(c) || c == '\\'
}

/// Split on unescaped delimiters, resolving the escapes; empty parts are kept.
fn split(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|&next| is_escapable(next)) => {
                parts.last_mut().expect("one part at least").push(chars.next().expect("peeked"));
            }
            c if is_delimiter(c) => parts.push(String::new()),
            c => parts.last_mut().expect("one part at least").push(c),
        }
    }
    parts
}

/// `None` for an empty part or the wildcard `*`.
fn named(part: &str) -> Option<String> {
    (!part.is_empty() && part != "*").then(|| part.to_owned())
}

impl std::str::FromStr for PackageSpec {
    type Err = PackageSpecError;

    fn from_str(text: &str) -> Result<PackageSpec, PackageSpecError> {
        let error = || PackageSpecError { spec: text.to_owned() };
        let parts: Vec<String> = split(text).iter().map(|p| p.trim().to_owned()).collect();
        let (target, reference, version) = match parts.as_slice() {
            [target, version] => (target, None, version),
            [target, reference, version] => (target, named(reference), version),
            _ => return Err(error()),
        };
        if version.is_empty() || (target.is_empty() && reference.is_none()) {
            return Err(error());
        }
        Ok(PackageSpec { step_or_package: named(target), reference, version: version.clone() })
    }
}

/// Escape the characters the parser treats specially, so a part survives a round trip.
fn escaped(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        if is_escapable(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for PackageSpec {
    /// The canonical form, with `:` between parts: `STEP:VERSION` or `STEP:REF:VERSION`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = self.step_or_package.as_deref().map_or_else(|| "*".to_owned(), escaped);
        match &self.reference {
            Some(reference) => write!(f, "{target}:{}:{}", escaped(reference), escaped(&self.version)),
            None => write!(f, "{target}:{}", escaped(&self.version)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> PackageSpec {
        text.parse().unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    fn spec(target: Option<&str>, reference: Option<&str>, version: &str) -> PackageSpec {
        PackageSpec {
            step_or_package: target.map(str::to_owned),
            reference: reference.map(str::to_owned),
            version: version.to_owned(),
        }
    }

    #[test]
    fn every_delimiter_octo_accepts_separates_the_parts() {
        for text in ["Hello:1.2.3", "Hello=1.2.3", "Hello/1.2.3", " Hello : 1.2.3 "] {
            assert_eq!(parsed(text), spec(Some("Hello"), None, "1.2.3"), "{text}");
        }
        assert_eq!(parsed("Deploy web/pterm=5.0.0"), spec(Some("Deploy web"), Some("pterm"), "5.0.0"));
        assert_eq!(parsed("*:2.0.0"), spec(None, None, "2.0.0"));
        assert_eq!(parsed(":pterm:5"), spec(None, Some("pterm"), "5"));
        assert_eq!(parsed("Step:*:5"), spec(Some("Step"), None, "5"));
    }

    #[test]
    fn a_backslash_makes_a_delimiter_literal_and_is_kept_before_anything_else() {
        assert_eq!(parsed(r"Deploy\: web:1.0.0"), spec(Some("Deploy: web"), None, "1.0.0"));
        assert_eq!(parsed(r"a\/b\=c:1.0.0"), spec(Some("a/b=c"), None, "1.0.0"));
        assert_eq!(parsed(r"C\\:1.0.0"), spec(Some(r"C\"), None, "1.0.0"));
        assert_eq!(parsed(r"C\temp:1.0.0"), spec(Some(r"C\temp"), None, "1.0.0"));
    }

    #[test]
    fn malformed_values_are_refused() {
        for text in ["", "Hello", "Hello:", "a:b:c:d", "::5", ":", r"Hello\:1.0.0"] {
            assert!(text.parse::<PackageSpec>().is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn the_canonical_form_round_trips() {
        for text in ["Hello=1.2.3", r"Deploy\: web/pterm=5.0.0", "*:2.0.0", r"a\\b:1"] {
            let spec = parsed(text);
            assert_eq!(parsed(&spec.to_string()), spec, "{text} -> {spec}");
        }
        assert_eq!(parsed("Hello=1.2.3").to_string(), "Hello:1.2.3");
    }
}
