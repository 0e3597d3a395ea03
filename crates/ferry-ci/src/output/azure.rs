//! Azure Pipelines: `##vso[...]` logging commands.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{CiOutput, CommandStream};

/// Output for Azure Pipelines.
pub struct AzureOutput {
    stream: CommandStream,
    summary_dir: PathBuf,
    summaries: AtomicUsize,
}

impl AzureOutput {
    /// Commands go to `stream`; summaries are written as markdown files under `summary_dir`
    /// (`AGENT_TEMPDIRECTORY` on an agent) and attached with `task.uploadsummary`.
    pub fn new(stream: CommandStream, summary_dir: PathBuf) -> Self {
        AzureOutput { stream, summary_dir, summaries: AtomicUsize::new(0) }
    }

    fn command(&self, name: &str, properties: &[(&str, &str)], message: &str) -> io::Result<()> {
        let properties: Vec<String> =
            properties.iter().map(|(key, value)| format!("{key}={}", escape_property(value))).collect();
        self.stream.line(&format!("##vso[{name} {}]{}", properties.join(";"), escape_data(message)))
    }

    fn set_variable(&self, name: &str, value: &str, secret: bool) -> io::Result<()> {
        let name = camel_case(name);
        let secret = if secret { "true" } else { "false" };
        self.command(
            "task.setvariable",
            &[("variable", &name), ("isOutput", "true"), ("issecret", secret)],
            value,
        )
    }
}

impl CiOutput for AzureOutput {
    fn mask(&self, secret: &str) -> io::Result<()> {
        // The agent rejects multi-line secrets, so each line is registered on its own.
        for line in secret.lines().map(str::trim).filter(|line| !line.is_empty()) {
            self.stream.line(&format!("##vso[task.setsecret]{}", escape_data(line)))?;
        }
        Ok(())
    }

    fn set_output(&self, name: &str, value: &str) -> io::Result<()> {
        self.set_variable(name, value, false)
    }

    fn set_secret_output(&self, name: &str, value: &str) -> io::Result<()> {
        self.set_variable(name, value, true)
    }

    fn summary(&self, markdown: &str) -> io::Result<()> {
        std::fs::create_dir_all(&self.summary_dir)?;
        let index = self.summaries.fetch_add(1, Ordering::Relaxed);
        let file = self.summary_dir.join(format!("ferry-summary-{}-{index}.md", std::process::id()));
        let mut text = markdown.to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        std::fs::write(&file, text)?;
        self.stream.line(&format!("##vso[task.uploadsummary]{}", file.display()))
    }

    fn error(&self, message: &str, file: Option<&str>) -> io::Result<()> {
        match file {
            Some(file) => self.command("task.logissue", &[("type", "error"), ("sourcepath", file)], message),
            None => self.command("task.logissue", &[("type", "error")], message),
        }
    }

    fn warning(&self, message: &str) -> io::Result<()> {
        self.command("task.logissue", &[("type", "warning")], message)
    }

    fn group_start(&self, name: &str) -> io::Result<()> {
        self.stream.line(&format!("##[group]{}", name.replace(['\r', '\n'], " ")))
    }

    fn group_end(&self) -> io::Result<()> {
        self.stream.line("##[endgroup]")
    }
}

/// `package-path` → `packagePath`: Azure variable names allow no `-`. Names with `_` are left
/// alone: they are OctoTFS's output names (`release_number`, `server_tasks`), kept for
/// pipelines written for it.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '-' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%AZP25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(']', "%5D").replace(';', "%3B")
}
