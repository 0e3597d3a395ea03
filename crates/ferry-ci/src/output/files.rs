//! CI systems without a command protocol: annotations as plain stderr lines, outputs written to
//! an environment file where the CI has a convention for one.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{CiOutput, CommandStream, append};

/// Output for GitLab CI: plain annotations and collapsible log sections.
pub struct GitLabOutput {
    stream: CommandStream,
    sections: std::sync::Mutex<Vec<String>>,
    counter: AtomicUsize,
}

impl GitLabOutput {
    /// Lines go to `stream`.
    pub fn new(stream: CommandStream) -> Self {
        GitLabOutput { stream, sections: std::sync::Mutex::new(Vec::new()), counter: AtomicUsize::new(0) }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs()
}

impl CiOutput for GitLabOutput {
    fn mask(&self, _secret: &str) -> io::Result<()> {
        // GitLab masks only variables defined as masked in the project; nothing to emit.
        Ok(())
    }
    fn set_output(&self, _name: &str, _value: &str) -> io::Result<()> {
        Ok(())
    }
    fn summary(&self, _markdown: &str) -> io::Result<()> {
        Ok(())
    }
    fn error(&self, message: &str, file: Option<&str>) -> io::Result<()> {
        match file {
            Some(file) => self.stream.line(&format!("error: {file}: {message}")),
            None => self.stream.line(&format!("error: {message}")),
        }
    }
    fn warning(&self, message: &str) -> io::Result<()> {
        self.stream.line(&format!("warning: {message}"))
    }
    fn group_start(&self, name: &str) -> io::Result<()> {
        let id = format!("ferry_{}", self.counter.fetch_add(1, Ordering::Relaxed));
        let title = name.replace(['\r', '\n'], " ");
        self.stream
            .line(&format!("\x1b[0Ksection_start:{}:{id}[collapsed=true]\r\x1b[0K{title}", unix_now()))?;
        self.sections.lock().map_err(|_| io::Error::other("section stack poisoned"))?.push(id);
        Ok(())
    }
    fn group_end(&self) -> io::Result<()> {
        let id = self.sections.lock().map_err(|_| io::Error::other("section stack poisoned"))?.pop();
        match id {
            Some(id) => self.stream.line(&format!("\x1b[0Ksection_end:{}:{id}\r\x1b[0K", unix_now())),
            None => Ok(()),
        }
    }
}

/// How [`EnvFileOutput`] writes a variable.
#[derive(Debug, Clone, Copy)]
enum EnvFileStyle {
    /// `FERRY_PACKAGE_PATH="value"` (Bitbucket pipe shared storage).
    Dotenv,
    /// `export FERRY_PACKAGE_PATH='value'` (CircleCI's `$BASH_ENV`, sourced by later steps).
    BashExport,
}

/// Plain annotations on stderr, step outputs appended to an environment file as
/// `FERRY_<NAME>` variables.
pub struct EnvFileOutput {
    stream: CommandStream,
    file: Option<PathBuf>,
    style: EnvFileStyle,
}

impl EnvFileOutput {
    /// Outputs as dotenv lines in `file` (Bitbucket: `$BITBUCKET_PIPE_SHARED_STORAGE_DIR/ferry/outputs.env`).
    pub fn dotenv(stream: CommandStream, file: Option<PathBuf>) -> Self {
        EnvFileOutput { stream, file, style: EnvFileStyle::Dotenv }
    }

    /// Outputs as `export` lines in `file` (CircleCI: `$BASH_ENV`).
    pub fn bash_env(stream: CommandStream, file: Option<PathBuf>) -> Self {
        EnvFileOutput { stream, file, style: EnvFileStyle::BashExport }
    }
}

/// `package-path` → `FERRY_PACKAGE_PATH`.
pub fn env_name(name: &str) -> String {
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("FERRY_{name}")
}

impl CiOutput for EnvFileOutput {
    fn mask(&self, _secret: &str) -> io::Result<()> {
        Ok(())
    }
    fn set_output(&self, name: &str, value: &str) -> io::Result<()> {
        let Some(file) = &self.file else { return Ok(()) };
        let name = env_name(name);
        let line = match self.style {
            EnvFileStyle::Dotenv => {
                let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
                format!("{name}=\"{escaped}\"\n")
            }
            EnvFileStyle::BashExport => format!("export {name}='{}'\n", value.replace('\'', "'\\''")),
        };
        append(file, &line)
    }
    fn summary(&self, _markdown: &str) -> io::Result<()> {
        Ok(())
    }
    fn error(&self, message: &str, file: Option<&str>) -> io::Result<()> {
        match file {
            Some(file) => self.stream.line(&format!("✖ error: {file}: {message}")),
            None => self.stream.line(&format!("✖ error: {message}")),
        }
    }
    fn warning(&self, message: &str) -> io::Result<()> {
        self.stream.line(&format!("warning: {message}"))
    }
    fn group_start(&self, name: &str) -> io::Result<()> {
        self.stream.line(&format!("── {name}"))
    }
    fn group_end(&self) -> io::Result<()> {
        Ok(())
    }
}
