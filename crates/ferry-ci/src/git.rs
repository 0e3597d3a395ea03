//! Running the `git` program. Ferry reads history through git itself (no libgit2) so it sees
//! exactly what the CI checkout has, shallow or not.

use std::path::Path;
use std::process::Command;

/// A git command that failed or could not start.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` is not installed or not on PATH.
    #[error("could not run `git` ({0}); is git installed and on PATH?")]
    NotFound(#[source] std::io::Error),
    /// git ran and exited unsuccessfully.
    #[error("`git {args}` failed: {stderr}")]
    Failed {
        /// The arguments, joined.
        args: String,
        /// What git printed on stderr.
        stderr: String,
    },
}

/// Run `git <args>` in `repo` and return its stdout (trailing newline trimmed).
pub fn git(repo: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        // Never prompt for credentials in CI (a `--deepen` fetch could otherwise hang).
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(GitError::NotFound)?;
    if !output.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    while text.ends_with('\n') {
        text.pop();
    }
    Ok(text)
}

/// Whether `git <args>` succeeds (for yes/no questions like `merge-base --is-ancestor`).
pub fn git_ok(repo: &Path, args: &[&str]) -> bool {
    git(repo, args).is_ok()
}

/// The full hash `reference` names, if it names a commit that exists here.
pub fn resolve_commit(repo: &Path, reference: &str) -> Option<String> {
    git(repo, &["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")]).ok()
}
