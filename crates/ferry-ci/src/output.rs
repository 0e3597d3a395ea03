//! Native CI output behind one trait: step outputs, summaries, annotations, masks, log groups.
//!
//! Workflow and logging commands (`::error::`, `##vso[...]`, `##teamcity[...]`) are written to
//! **stderr**: the GitHub runner and the Azure agent parse commands from both streams, and stdout
//! must stay free for results (with `-o json`, exactly one JSON document).

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

mod azure;
mod files;
mod github;
mod teamcity;

pub use azure::AzureOutput;
pub use files::{EnvFileOutput, GitLabOutput};
pub use github::GitHubOutput;
pub use teamcity::TeamCityOutput;

use crate::system::CiSystem;

/// How Ferry talks back to the CI system it runs on.
///
/// Every command writes its results through this trait, so a pipeline gets step outputs, a
/// summary, error annotations and secret masks in its CI's own protocol.
pub trait CiOutput: Send + Sync {
    /// Hide `secret` in the CI log from now on. Called before anything else is printed.
    fn mask(&self, secret: &str) -> io::Result<()>;
    /// Set a step output variable (GitHub `$GITHUB_OUTPUT`, Azure `task.setvariable`, ...).
    /// Names are kebab-case (`package-path`); emitters map them to what their CI allows.
    fn set_output(&self, name: &str, value: &str) -> io::Result<()>;
    /// Set a step output whose value is secret: masked first, and marked secret where the CI
    /// has such a flag (Azure `issecret=true`).
    fn set_secret_output(&self, name: &str, value: &str) -> io::Result<()> {
        self.mask(value)?;
        self.set_output(name, value)
    }
    /// Append markdown to the run's summary (GitHub step summary, Azure uploadsummary, ...).
    fn summary(&self, markdown: &str) -> io::Result<()>;
    /// Report an error annotation, optionally attached to a file. `message` is the error's text
    /// without a severity word: each emitter marks it as an error its own way (`::error::`,
    /// `type=error`, `status='ERROR'`, an `error:` prefix in plain logs), exactly once.
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
        eprintln!("error: {message}");
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

/// The native output for `system`, configured from the process environment
/// (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `AGENT_TEMPDIRECTORY`, `BITBUCKET_PIPE_SHARED_STORAGE_DIR`,
/// `BASH_ENV`).
pub fn output_for(system: CiSystem) -> Box<dyn CiOutput> {
    output_for_env(system, |name| std::env::var(name).ok(), CommandStream::stderr())
}

/// [`output_for`] with the environment looked up through `var` and commands written to `stream`
/// (tests pass a map and a memory stream).
pub fn output_for_env(
    system: CiSystem,
    var: impl Fn(&str) -> Option<String>,
    stream: CommandStream,
) -> Box<dyn CiOutput> {
    let path = |name: &str| var(name).filter(|v| !v.trim().is_empty()).map(std::path::PathBuf::from);
    match system {
        CiSystem::GitHub => {
            Box::new(GitHubOutput::new(stream, path("GITHUB_OUTPUT"), path("GITHUB_STEP_SUMMARY")))
        }
        CiSystem::Azure => Box::new(AzureOutput::new(
            stream,
            path("AGENT_TEMPDIRECTORY").or_else(|| path("AGENT_TEMPDIR")).unwrap_or_else(std::env::temp_dir),
        )),
        CiSystem::TeamCity => Box::new(TeamCityOutput::new(stream)),
        CiSystem::GitLab => Box::new(GitLabOutput::new(stream)),
        // The pipe convention from ci-adapters.md §4: outputs for later pipes in shared storage.
        CiSystem::Bitbucket => Box::new(EnvFileOutput::dotenv(
            stream,
            path("BITBUCKET_PIPE_SHARED_STORAGE_DIR").map(|dir| dir.join("ferry").join("outputs.env")),
        )),
        // CircleCI sources $BASH_ENV at the start of every later step.
        CiSystem::CircleCi => Box::new(EnvFileOutput::bash_env(stream, path("BASH_ENV"))),
        CiSystem::Jenkins | CiSystem::AppVeyor | CiSystem::Bamboo | CiSystem::ContinuaCi | CiSystem::None => {
            Box::new(PlainOutput)
        }
    }
}

/// Where an emitter writes workflow/logging commands: stderr, or memory in tests.
#[derive(Clone)]
pub struct CommandStream {
    memory: Option<Arc<Mutex<Vec<u8>>>>,
}

impl CommandStream {
    /// The process's stderr.
    pub fn stderr() -> CommandStream {
        CommandStream { memory: None }
    }

    /// A memory buffer, returned alongside so a test can read what was written.
    pub fn memory() -> (CommandStream, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        (CommandStream { memory: Some(buffer.clone()) }, buffer)
    }

    /// Write one line (a newline is added). Lines are written whole so that commands from
    /// several threads do not interleave.
    pub fn line(&self, text: &str) -> io::Result<()> {
        let mut line = String::with_capacity(text.len() + 1);
        line.push_str(text);
        line.push('\n');
        match &self.memory {
            Some(buffer) => {
                buffer
                    .lock()
                    .map_err(|_| io::Error::other("command buffer poisoned"))?
                    .extend_from_slice(line.as_bytes());
                Ok(())
            }
            None => io::stderr().lock().write_all(line.as_bytes()),
        }
    }
}

/// Append `text` to `path`, creating the file (and its directory) when missing.
fn append(path: &std::path::Path, text: &str) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}
