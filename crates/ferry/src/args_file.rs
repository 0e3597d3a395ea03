//! `ferry --args-file FILE [ARGS...]`: the arguments as a JSON array of strings in a UTF-8 file.
//!
//! CI adapters use it so that arguments reach Ferry exactly as given, with no shell or
//! command-line parser in between. On Windows a program receives one command line that every
//! runtime splits its own way; Windows PowerShell 5.1 does not even escape embedded quotes when
//! it builds that line, so a release note `x" --server "https://evil` would become two extra
//! flags (and send the API key elsewhere), and empty arguments vanish. A JSON array has one
//! meaning everywhere.

use std::ffi::OsString;
use std::path::Path;

use crate::exit::UserError;

/// The flag, accepted only as the first argument.
pub const FLAG: &str = "--args-file";

/// The process arguments with `--args-file FILE` (when it is the first argument) replaced by the
/// file's arguments; later arguments follow them. Anything else is returned unchanged.
pub fn expand(args: Vec<OsString>) -> Result<Vec<OsString>, UserError> {
    if args.get(1).is_none_or(|first| first != FLAG) {
        return Ok(args);
    }
    let Some(file) = args.get(2) else {
        return Err(UserError::usage(format!("{FLAG} needs a file: {FLAG} FILE")));
    };
    let from_file = read(Path::new(file))?;
    let mut expanded = Vec::with_capacity(args.len() + from_file.len());
    expanded.push(args[0].clone());
    expanded.extend(from_file.into_iter().map(OsString::from));
    expanded.extend(args.into_iter().skip(3));
    Ok(expanded)
}

/// The JSON array of strings in `file` (a UTF-8 byte order mark, as some Windows tools write, is
/// allowed).
fn read(file: &Path) -> Result<Vec<String>, UserError> {
    let text = std::fs::read_to_string(file).map_err(|err| {
        UserError::usage(format!("reading the arguments file {}: {err}", file.display()))
            .hint(format!("{FLAG} takes a UTF-8 file holding a JSON array of strings"))
    })?;
    serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text)).map_err(|err| {
        UserError::usage(format!(
            "the arguments file {} is not a JSON array of strings: {err}",
            file.display()
        ))
        .hint(r#"write the arguments as e.g. ["release", "deploy", "--project", "Hello"]"#)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn arguments_come_back_exactly_including_empty_and_hostile_ones() {
        let dir = tempfile::tempdir().unwrap();
        let hostile = [
            "x\" --server \"https://evil",
            "",
            "$(id) `id` %PATH% !x! ^& | > <",
            "line one\nline two",
            "it's \\\"quoted\\\" \\",
            "Grüße ✓",
        ];
        let file = dir.path().join("args.json");
        std::fs::write(&file, format!("\u{feff}{}", serde_json::to_string(&hostile).unwrap())).unwrap();
        let expanded = expand(os(&["ferry", FLAG, file.to_str().unwrap(), "--verbose"])).unwrap();
        let mut expected = os(&["ferry"]);
        expected.extend(hostile.iter().map(OsString::from));
        expected.push("--verbose".into());
        assert_eq!(expanded, expected);
    }

    #[test]
    fn without_the_flag_first_nothing_changes() {
        let args = os(&["ferry", "ship", FLAG, "x"]);
        assert_eq!(expand(args.clone()).unwrap(), args);
    }

    #[test]
    fn a_missing_or_malformed_file_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(expand(os(&["ferry", FLAG])).unwrap_err().message.contains("needs a file"));
        let missing = dir.path().join("missing.json");
        let err = expand(os(&["ferry", FLAG, missing.to_str().unwrap()])).unwrap_err();
        assert_eq!(err.status, crate::exit::ExitStatus::Usage);
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"["ok", 1]"#).unwrap();
        assert!(
            expand(os(&["ferry", FLAG, bad.to_str().unwrap()]))
                .unwrap_err()
                .message
                .contains("not a JSON array")
        );
    }
}
