//! TeamCity: `##teamcity[...]` service messages.

use std::io;
use std::sync::Mutex;

use super::{CiOutput, CommandStream};

/// Output for TeamCity.
pub struct TeamCityOutput {
    stream: CommandStream,
    open_blocks: Mutex<Vec<String>>,
}

impl TeamCityOutput {
    /// Service messages go to `stream`.
    pub fn new(stream: CommandStream) -> Self {
        TeamCityOutput { stream, open_blocks: Mutex::new(Vec::new()) }
    }

    fn message(&self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        let attributes: Vec<String> =
            attributes.iter().map(|(key, value)| format!("{key}='{}'", escape(value))).collect();
        self.stream.line(&format!("##teamcity[{name} {}]", attributes.join(" ")))
    }
}

impl CiOutput for TeamCityOutput {
    fn mask(&self, _secret: &str) -> io::Result<()> {
        // TeamCity masks values of password parameters itself; there is no message to add one.
        Ok(())
    }

    fn set_output(&self, name: &str, value: &str) -> io::Result<()> {
        // A configuration parameter later steps read as %ferry.package-path%.
        self.message("setParameter", &[("name", &format!("ferry.{name}")), ("value", value)])
    }

    fn summary(&self, markdown: &str) -> io::Result<()> {
        self.message("message", &[("text", markdown), ("status", "NORMAL")])
    }

    fn error(&self, message: &str, file: Option<&str>) -> io::Result<()> {
        let text = match file {
            Some(file) => format!("{file}: {message}"),
            None => message.to_owned(),
        };
        self.message("message", &[("text", &text), ("status", "ERROR")])
    }

    fn warning(&self, message: &str) -> io::Result<()> {
        self.message("message", &[("text", message), ("status", "WARNING")])
    }

    fn group_start(&self, name: &str) -> io::Result<()> {
        self.open_blocks.lock().map_err(|_| io::Error::other("block stack poisoned"))?.push(name.to_owned());
        self.message("blockOpened", &[("name", name)])
    }

    fn group_end(&self) -> io::Result<()> {
        // blockClosed must name the block it closes.
        let name = self.open_blocks.lock().map_err(|_| io::Error::other("block stack poisoned"))?.pop();
        match name {
            Some(name) => self.message("blockClosed", &[("name", &name)]),
            None => Ok(()),
        }
    }
}

/// TeamCity's escaping: `|` → `||`, `'` → `|'`, newline → `|n`, CR → `|r`, `[` → `|[`, `]` → `|]`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("||"),
            '\'' => out.push_str("|'"),
            '\n' => out.push_str("|n"),
            '\r' => out.push_str("|r"),
            '[' => out.push_str("|["),
            ']' => out.push_str("|]"),
            c => out.push(c),
        }
    }
    out
}
