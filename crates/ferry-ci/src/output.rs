//! Native CI output behind one trait: step outputs, summaries, annotations, masks, log groups.

use std::io;

/// How Ferry talks back to the CI system it runs on.
///
/// Every command writes its results through this trait, so a pipeline gets step outputs, a
/// summary, error annotations and secret masks in its CI's own protocol.
pub trait CiOutput: Send + Sync {
    /// Hide `secret` in the CI log from now on. Called before anything else is printed.
    fn mask(&self, secret: &str) -> io::Result<()>;
    /// Set a step output variable (GitHub `$GITHUB_OUTPUT`, Azure `task.setvariable`, ...).
    fn set_output(&self, name: &str, value: &str) -> io::Result<()>;
    /// Append markdown to the run's summary (GitHub step summary, Azure uploadsummary, ...).
    fn summary(&self, markdown: &str) -> io::Result<()>;
    /// Report an error annotation, optionally attached to a file.
    fn error(&self, message: &str, file: Option<&str>) -> io::Result<()>;
    /// Report a warning annotation.
    fn warning(&self, message: &str) -> io::Result<()>;
    /// Start a collapsible log group.
    fn group_start(&self, name: &str) -> io::Result<()>;
    /// End the current log group.
    fn group_end(&self) -> io::Result<()>;
}

/// Output for a terminal or an unknown CI: annotations go to stderr as plain text, step outputs
/// and summaries are dropped (the command's stdout already carries the results).
#[derive(Debug, Default)]
pub struct PlainOutput;

impl CiOutput for PlainOutput {
    fn mask(&self, _secret: &str) -> io::Result<()> {
        Ok(())
    }
    fn set_output(&self, _name: &str, _value: &str) -> io::Result<()> {
        Ok(())
    }
    fn summary(&self, _markdown: &str) -> io::Result<()> {
        Ok(())
    }
    fn error(&self, message: &str, _file: Option<&str>) -> io::Result<()> {
        eprintln!("{message}");
        Ok(())
    }
    fn warning(&self, message: &str) -> io::Result<()> {
        eprintln!("warning: {message}");
        Ok(())
    }
    fn group_start(&self, _name: &str) -> io::Result<()> {
        Ok(())
    }
    fn group_end(&self) -> io::Result<()> {
        Ok(())
    }
}
