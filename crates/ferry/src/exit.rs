//! Exit codes and how errors are shown to the user.
//!
//! The codes are a contract with CI adapters (documented in the README):
//! 0 success, 1 the operation failed, 2 usage error, 3 a deployment or server task finished
//! unsuccessfully.

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
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::TaskUnsuccessful => 3,
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

/// Print an error (with its causes and hints) to stderr and to the CI's annotations, and return
/// the exit status to use.
pub fn report(err: &anyhow::Error, ctx: Option<&Ctx>) -> ExitStatus {
    let mut text = format!("error: {err}");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    for hint in library_hints(err) {
        text.push_str(&format!("\n  hint: {hint}"));
    }
    match ctx {
        Some(ctx) => ctx.error_annotation(&text),
        None => eprintln!("{}", crate::context::redact(&text)),
    }
    status_of(err)
}
