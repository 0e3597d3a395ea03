//! GitHub Actions: `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` files, `::command::` lines.

use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::PathBuf;

use super::{CiOutput, CommandStream, append};

/// Output for GitHub Actions.
pub struct GitHubOutput {
    stream: CommandStream,
    output_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
}

impl GitHubOutput {
    /// Commands go to `stream`; outputs and summaries are appended to the files the runner named
    /// (when a file is missing, e.g. outside a runner, that part is skipped).
    pub fn new(stream: CommandStream, output_file: Option<PathBuf>, summary_file: Option<PathBuf>) -> Self {
        GitHubOutput { stream, output_file, summary_file }
    }

    fn command(&self, name: &str, properties: &[(&str, &str)], message: &str) -> io::Result<()> {
        let properties: Vec<String> =
            properties.iter().map(|(key, value)| format!("{key}={}", escape_property(value))).collect();
        let separator = if properties.is_empty() { "" } else { " " };
        self.stream.line(&format!("::{name}{separator}{}::{}", properties.join(","), escape_data(message)))
    }
}

impl CiOutput for GitHubOutput {
    fn mask(&self, secret: &str) -> io::Result<()> {
        // The runner masks line by line, so a multi-line secret needs one command per line.
        for line in secret.lines().map(str::trim).filter(|line| !line.is_empty()) {
            self.stream.line(&format!("::add-mask::{}", escape_data(line)))?;
        }
        Ok(())
    }

    fn set_output(&self, name: &str, value: &str) -> io::Result<()> {
        let Some(file) = &self.output_file else { return Ok(()) };
        append(file, &heredoc(name, value))
    }

    fn summary(&self, markdown: &str) -> io::Result<()> {
        let Some(file) = &self.summary_file else { return Ok(()) };
        let mut text = markdown.to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        append(file, &text)
    }

    fn error(&self, message: &str, file: Option<&str>) -> io::Result<()> {
        match file {
            Some(file) => self.command("error", &[("file", file)], message),
            None => self.command("error", &[], message),
        }
    }

    fn warning(&self, message: &str) -> io::Result<()> {
        self.command("warning", &[], message)
    }

    fn group_start(&self, name: &str) -> io::Result<()> {
        self.command("group", &[], name)
    }

    fn group_end(&self) -> io::Result<()> {
        self.stream.line("::endgroup::")
    }
}

/// `name<<DELIMITER\nvalue\nDELIMITER\n` with a random delimiter that does not occur in the value
/// (the runner ends the value at the first line equal to the delimiter).
pub fn heredoc(name: &str, value: &str) -> String {
    let delimiter = loop {
        let candidate = format!("ghadelimiter_{:016x}{:016x}", random_u64(), random_u64());
        if !value.contains(&candidate) && !name.contains(&candidate) {
            break candidate;
        }
    };
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// A random number from the standard library's per-process random hash keys.
fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
    );
    hasher.finish()
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
