//! What every command gets: the global flags, the CI system and its output, and printing that
//! respects `--output`, `--quiet` and `--verbose`.

use std::path::PathBuf;

use anyhow::Context as _;
use ferry_ci::{CiOutput, CiSystem};

use crate::cli::{CiChoice, GlobalArgs, OutputFormat};

/// Set up `tracing` on stderr: `-v` for debug, `-vv` for trace, `RUST_LOG` overrides.
pub fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info,ferry=debug",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}

/// The context a command runs in.
pub struct Ctx {
    /// The global flags.
    pub global: GlobalArgs,
    /// The CI system Ferry runs on.
    pub ci_system: CiSystem,
    /// Native output for that CI system.
    pub ci: Box<dyn CiOutput>,
    api_key: Option<String>,
}

/// The first non-empty environment variable of `names`.
pub fn env_first(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
}

impl Ctx {
    /// Build the context from the global flags and the environment. Reads the API key and masks
    /// it in the CI log before anything else is printed.
    pub fn new(global: GlobalArgs) -> anyhow::Result<Ctx> {
        let ci_system = match global.ci {
            CiChoice::Auto => CiSystem::detect(|name| std::env::var(name).ok()),
            CiChoice::Github => CiSystem::GitHub,
            CiChoice::Azure => CiSystem::Azure,
            CiChoice::Jenkins => CiSystem::Jenkins,
            CiChoice::Bitbucket => CiSystem::Bitbucket,
            CiChoice::Gitlab => CiSystem::GitLab,
            CiChoice::Teamcity => CiSystem::TeamCity,
            CiChoice::Circleci => CiSystem::CircleCi,
            CiChoice::None => CiSystem::None,
        };
        let ci: Box<dyn CiOutput> = ferry_ci::output_for(ci_system);
        let api_key = match (&global.api_key, &global.api_key_file) {
            (Some(key), _) => Some(key.trim().to_owned()),
            (None, Some(file)) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading the API key from {}", file.display()))?;
                text.lines().next().map(|line| line.trim().to_owned()).filter(|key| !key.is_empty())
            }
            (None, None) => env_first(&["FERRY_API_KEY", "OCTOPUS_API_KEY"]),
        };
        if let Some(key) = &api_key {
            let _ = ci.mask(key);
        }
        let ctx = Ctx { global, ci_system, ci, api_key };
        if ctx.global.api_key.is_some() {
            ctx.warn("--api-key on the command line can be seen by other processes; FERRY_API_KEY or --api-key-file are safer");
        }
        Ok(ctx)
    }

    /// Whether stdout carries one JSON document.
    pub fn json(&self) -> bool {
        self.global.output == OutputFormat::Json
    }

    /// The API key, from `--api-key`, `--api-key-file`, FERRY_API_KEY or OCTOPUS_API_KEY.
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The server URL, from `--server`, FERRY_SERVER or OCTOPUS_URL. `None` means: use the
    /// embedded server.
    pub fn server_url(&self) -> Option<String> {
        self.global.server.clone().or_else(|| env_first(&["FERRY_SERVER", "OCTOPUS_URL"]))
    }

    /// The space, from `--space`, FERRY_SPACE or OCTOPUS_SPACE.
    pub fn space(&self) -> Option<String> {
        self.global.space.clone().or_else(|| env_first(&["FERRY_SPACE", "OCTOPUS_SPACE"]))
    }

    /// The configuration file: `--config`, else `./ferry.toml` when present.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.global.config.clone().or_else(|| {
            let default = PathBuf::from("ferry.toml");
            default.is_file().then_some(default)
        })
    }

    /// The embedded server's data directory: `--data`/FERRY_DATA, else `./.ferry`.
    pub fn data_dir(&self) -> PathBuf {
        self.global.data.clone().unwrap_or_else(|| PathBuf::from(".ferry"))
    }

    /// A progress or status line on stderr (silent with `--quiet`).
    pub fn info(&self, message: &str) {
        if !self.global.quiet {
            eprintln!("{message}");
        }
    }

    /// A warning on stderr and as a CI warning annotation.
    pub fn warn(&self, message: &str) {
        if !self.global.quiet {
            // Each emitter makes the message visible in its CI's log (PlainOutput prints it).
            let _ = self.ci.warning(message);
        }
    }

    /// An error on stderr and as a CI error annotation.
    pub fn error_annotation(&self, text: &str) {
        let _ = self.ci.error(text, None);
    }

    /// Print a command's result on stdout: `text` in text mode, `json` as one document in JSON mode.
    pub fn print_result(&self, text: &str, json: &serde_json::Value) {
        if self.json() {
            println!("{}", serde_json::to_string_pretty(json).unwrap_or_else(|_| json.to_string()));
        } else if !text.is_empty() {
            println!("{text}");
        }
    }
}
