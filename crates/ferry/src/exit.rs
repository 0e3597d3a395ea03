//! Exit codes and how errors are shown to the user.
//!
//! The codes are a contract with CI adapters (documented in the README):
//! 0 success, 1 the operation failed, 2 usage error, 3 a deployment or server task finished
//! unsuccessfully, 130 a wait stopped by SIGINT or SIGTERM.

use std::fmt;

use crate::context::Ctx;

/// The process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything worked.
    Success,
    /// The operation failed: refused by the server, conflict, not found, I/O.
    Failure,
    /// Bad flags or values.
    Usage,
    /// A deployment or server task finished unsuccessfully (failed, canceled, timed out).
    TaskUnsuccessful,
    /// SIGINT or SIGTERM stopped a wait (128 + SIGINT, as shells report it).
    Interrupted,
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::TaskUnsuccessful => 3,
            ExitStatus::Interrupted => 130,
        }
    }

    /// The `kind` of the JSON error document, one word per exit code.
    pub fn kind(self) -> &'static str {
        match self {
            ExitStatus::Success => "success",
            ExitStatus::Failure => "failed",
            ExitStatus::Usage => "usage",
            ExitStatus::TaskUnsuccessful => "deploymentFailed",
            ExitStatus::Interrupted => "interrupted",
        }
    }
}

/// An error raised by a command with a chosen exit status and hints for the user.
///
/// Commands return `anyhow::Error`; wrap the cause in this when the exit code is not 1 or when
/// there is advice to give. Library errors give their own hints through [`library_hints`].
#[derive(Debug)]
pub struct UserError {
    /// Exit status to use.
    pub status: ExitStatus,
    /// What went wrong, in one sentence.
    pub message: String,
    /// What to do next.
    pub hints: Vec<String>,
}

impl UserError {
    /// A usage error (exit 2): a flag's value is wrong.
    pub fn usage(message: impl Into<String>) -> Self {
        UserError { status: ExitStatus::Usage, message: message.into(), hints: Vec::new() }
    }

    /// An operation failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        UserError { status: ExitStatus::Failure, message: message.into(), hints: Vec::new() }
    }

    /// A deployment or task that did not succeed (exit 3).
    pub fn task_unsuccessful(message: impl Into<String>) -> Self {
        UserError { status: ExitStatus::TaskUnsuccessful, message: message.into(), hints: Vec::new() }
    }

    /// A wait stopped by SIGINT or SIGTERM (exit 130).
    pub fn interrupted(message: impl Into<String>) -> Self {
        UserError { status: ExitStatus::Interrupted, message: message.into(), hints: Vec::new() }
    }

    /// Add a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// Hints that library errors carry, found anywhere in the error's chain.
fn library_hints(err: &anyhow::Error) -> Vec<String> {
    let mut hints = Vec::new();
    for cause in err.chain() {
        if let Some(user) = cause.downcast_ref::<UserError>() {
            hints.extend(user.hints.iter().cloned());
        }
    }
    hints
}

/// The exit status an error maps to.
fn status_of(err: &anyhow::Error) -> ExitStatus {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<UserError>().map(|user| user.status))
        .unwrap_or(ExitStatus::Failure)
}

/// What a failed command tells the user: the message with its causes, the hints, and the exit
/// status. Printed as text on stderr, and under `-o json` also as the one JSON document on stdout.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The exit status.
    pub status: ExitStatus,
    /// The error and its causes, joined.
    pub message: String,
    /// What to do next.
    pub hints: Vec<String>,
}

impl Failure {
    /// The failure an error chain describes.
    pub fn of(err: &anyhow::Error) -> Failure {
        let causes: Vec<String> = err.chain().map(|cause| cause.to_string()).collect();
        Failure { status: status_of(err), message: causes.join(": "), hints: library_hints(err) }
    }

    /// A clap usage error: its first line is the message, the rest (tips, usage) are hints.
    pub fn of_usage(rendered: &str) -> Failure {
        let mut lines = rendered.lines().map(str::trim).filter(|line| !line.is_empty());
        let first = lines.next().unwrap_or("invalid command line");
        Failure {
            status: ExitStatus::Usage,
            message: first.strip_prefix("error: ").unwrap_or(first).to_owned(),
            hints: lines.map(str::to_owned).collect(),
        }
    }

    /// The error's text without the `error:` word (the CI emitter adds its marker): the
    /// message, then the causes and the hints on their own lines.
    fn text(&self, err: &anyhow::Error) -> String {
        let mut text = err.to_string();
        for cause in err.chain().skip(1) {
            text.push_str(&format!("\n  caused by: {cause}"));
        }
        for hint in &self.hints {
            text.push_str(&format!("\n  hint: {hint}"));
        }
        text
    }

    /// The `error` member of the JSON document: `{message, hints, exitCode, kind}`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "message": self.message,
            "hints": self.hints,
            "exitCode": self.status.code(),
            "kind": self.status.kind(),
        })
    }
}

/// Print an error (with its causes and hints) to stderr and to the CI's annotations, and return
/// what the JSON document and the exit code need.
pub fn report(err: &anyhow::Error, ctx: Option<&Ctx>) -> Failure {
    let failure = Failure::of(err);
    let text = failure.text(err);
    match ctx {
        Some(ctx) => ctx.error_annotation(&text),
        None => eprintln!("error: {}", crate::context::redact(&text)),
    }
    failure
}

/// Whether the raw command line asks for JSON output, looked at before clap has parsed it, so a
/// usage error can still be answered with a JSON document.
pub fn json_requested(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<String> = args.into_iter().map(|arg| arg.to_string_lossy().into_owned()).collect();
    let mut json = false;
    for (index, arg) in args.iter().enumerate() {
        if arg == "--" {
            break;
        }
        let value = match arg.as_str() {
            "-o" | "--output" => args.get(index + 1).map(String::as_str),
            _ => arg.strip_prefix("--output=").or_else(|| arg.strip_prefix("-o")).filter(|v| !v.is_empty()),
        };
        if let Some(value) = value {
            json = value.trim_start_matches('=') == "json";
        }
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<std::ffi::OsString> {
        text.split_whitespace().map(Into::into).collect()
    }

    #[test]
    fn json_output_is_recognised_in_every_spelling_clap_accepts() {
        for line in [
            "ferry -o json x",
            "ferry --output json x",
            "ferry --output=json x",
            "ferry -ojson x",
            "ferry -o=json x",
            "ferry ship -o json --bad",
        ] {
            assert!(json_requested(args(line)), "{line}");
        }
        for line in ["ferry x", "ferry -o text x", "ferry -o json -o text x", "ferry x -- -o json"] {
            assert!(!json_requested(args(line)), "{line}");
        }
    }

    #[test]
    fn a_clap_message_becomes_message_and_hints() {
        let failure = Failure::of_usage(
            "error: unexpected argument '--nope' found\n\n  tip: try '--no'\n\nUsage: ferry ship\n",
        );
        assert_eq!(failure.message, "unexpected argument '--nope' found");
        assert_eq!(failure.hints, vec!["tip: try '--no'", "Usage: ferry ship"]);
        assert_eq!(failure.json()["exitCode"], 2);
        assert_eq!(failure.json()["kind"], "usage");
    }
}
