//! What every command gets: the global flags, the CI system and its output, and printing that
//! respects `--output`, `--quiet` and `--verbose`.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::RwLock;

use anyhow::Context as _;
use ferry_ci::{CiOutput, CiSystem};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::{CiChoice, GlobalArgs, OutputFormat};
use crate::exit::{ExitStatus, Failure, UserError};
use crate::target::Server;

/// Print one JSON document on stdout.
pub fn print_json(document: &serde_json::Value) {
    let text = serde_json::to_string_pretty(document).unwrap_or_else(|_| document.to_string());
    println!("{}", redact(&text));
}

/// `{"error": {message, hints, exitCode, kind}}`: the document of a command that failed.
pub fn failure_document(failure: &Failure) -> serde_json::Value {
    serde_json::json!({ "error": failure.json() })
}

/// Set up `tracing` on stderr, `RUST_LOG` overriding: `-v` Ferry's own detail (its crates at
/// debug), `-vv` also each HTTP request (the client's debug lines), `-vvv` every library's debug
/// output too (hyper, rustls, SQLite...). Colours only when stderr is a terminal and `NO_COLOR` is unset or empty (no-color.org): a log
/// captured to a file or a CI log must not carry escape sequences.
pub fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        // A directive covers every target it prefixes (`ferry` covers `ferry_octopus`), so the
        // client's request lines are held back at -v by naming it.
        (false, 1) => "info,ferry=debug,ferry_octopus=info",
        (false, 2) => "info,ferry=debug",
        (false, _) => "debug",
    };
    // `target=level` directives (what `RUST_LOG` usually holds); an unreadable value falls back
    // to the default. `Targets` rather than `EnvFilter`: the latter's span and field filters
    // bring a regex DFA builder into the binary (issue 12 size budget).
    let default: Targets = default.parse().expect("the default filters are valid");
    let filter =
        std::env::var("RUST_LOG").ok().and_then(|spec| spec.parse::<Targets>().ok()).unwrap_or(default);
    let output = tracing_subscriber::fmt::layer()
        .with_writer(|| RedactingStderr)
        .with_ansi(colours_on_stderr())
        .with_target(false);
    let _ = tracing_subscriber::registry().with(filter).with(output).try_init();
}

fn colours_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// Values Ferry never prints: the API key and prompted variable values. Process-wide because the
/// `-v` log writer is set up before any command parses its flags.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Shorter values are not redacted in Ferry's own output (masking `1` or `on` would garble
/// every line); they are still registered with the CI's masking.
const MIN_REDACTED_LEN: usize = 3;

/// Register `value` as a secret: replaced by `***` in every line Ferry prints from now on. Each
/// line of a multi-line value is registered on its own (a log line holds one), and so is its
/// JSON-escaped form (how it appears in `-o json` output).
fn add_secret(value: &str) {
    let mut secrets = SECRETS.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    let lines = std::iter::once(value).chain(value.lines());
    for line in lines.map(str::trim).filter(|line| line.chars().count() >= MIN_REDACTED_LEN) {
        let escaped = serde_json::to_string(line).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        for form in [line, escaped] {
            if !secrets.iter().any(|known| known == form) {
                secrets.push(form.to_owned());
            }
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
}

/// `text` with every registered secret replaced by `***`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = Cow::Owned(text.replace(secret.as_str(), "***"));
        }
    }
    text
}

/// Stderr for `tracing`: the formatter writes each event in one call, so each event is redacted
/// whole.
struct RedactingStderr;

impl std::io::Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::Write::write_all(&mut std::io::stderr(), redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::Write::flush(&mut std::io::stderr())
    }
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
    api_key_source: String,
    access_token: Option<String>,
    access_token_source: String,
    embedded: std::sync::atomic::AtomicBool,
    /// Under `-o json`, the result document, printed once the command has ended (with the error
    /// added when it failed after producing a result, e.g. a deployment that failed).
    json_result: std::sync::Mutex<Option<serde_json::Value>>,
}

/// The access token from `--access-token-file` (first line), FERRY_ACCESS_TOKEN or
/// OCTOPUS_ACCESS_TOKEN (what the official login action exports), with where it came from.
fn read_access_token(global: &GlobalArgs) -> anyhow::Result<(Option<String>, String)> {
    if let Some(file) = &global.access_token_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading the access token from {}", file.display()))?;
        let token = text.lines().next().map(|line| line.trim().to_owned()).filter(|token| !token.is_empty());
        return Ok((token, format!("--access-token-file {}", file.display())));
    }
    const NAMES: [&str; 2] = ["FERRY_ACCESS_TOKEN", "OCTOPUS_ACCESS_TOKEN"];
    let source = NAMES
        .into_iter()
        .find(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()))
        .unwrap_or(NAMES[0]);
    Ok((env_first(&NAMES), source.to_owned()))
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
            CiChoice::Appveyor => CiSystem::AppVeyor,
            CiChoice::Bamboo => CiSystem::Bamboo,
            CiChoice::Continua => CiSystem::ContinuaCi,
            CiChoice::None => CiSystem::None,
        };
        let ci: Box<dyn CiOutput> = ferry_ci::output_for(ci_system);
        let (api_key, api_key_source) = match (&global.api_key, &global.api_key_file) {
            (Some(key), _) => (Some(key.trim().to_owned()), "--api-key".to_owned()),
            (None, Some(file)) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading the API key from {}", file.display()))?;
                (
                    text.lines().next().map(|line| line.trim().to_owned()).filter(|key| !key.is_empty()),
                    format!("--api-key-file {}", file.display()),
                )
            }
            (None, None) => {
                let source = ["FERRY_API_KEY", "OCTOPUS_API_KEY"]
                    .into_iter()
                    .find(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()))
                    .unwrap_or("FERRY_API_KEY");
                (env_first(&["FERRY_API_KEY", "OCTOPUS_API_KEY"]), source.to_owned())
            }
        };
        if let Some(key) = &api_key {
            let _ = ci.mask(key);
            add_secret(key);
        }
        let (access_token, access_token_source) = read_access_token(&global)?;
        if let Some(token) = &access_token {
            let _ = ci.mask(token);
            add_secret(token);
        }
        if global.service_account_id.as_deref().is_some_and(|id| !id.trim().is_empty()) {
            let other = match (&api_key, &access_token) {
                (Some(_), _) => Some(format!("an API key ({api_key_source})")),
                (None, Some(_)) => Some(format!("an access token ({access_token_source})")),
                (None, None) => None,
            };
            if let Some(other) = other {
                // As the official login action: one way to log in, never a guess between two.
                return Err(UserError::usage(format!(
                    "--service-account-id (OCTOPUS_SERVICE_ACCOUNT_ID) and {other} are both set; Ferry logs in one way only"
                ))
                .hint("drop the API key or access token to log in with the job's OIDC token, or drop the service account id")
                .into());
            }
        }
        if let Some(config) = global.config.as_ref().filter(|path| !path.is_file()) {
            return Err(UserError::usage(format!("--config {}: there is no such file", config.display()))
                .hint("write one with `ferry init`, or leave --config out to use ./ferry.toml when there is one")
                .into());
        }
        let ctx = Ctx {
            global,
            ci_system,
            ci,
            api_key,
            api_key_source,
            access_token,
            access_token_source,
            embedded: Default::default(),
            json_result: Default::default(),
        };
        if ctx.api_key.is_some() && ctx.access_token.is_some() {
            ctx.warn(&format!(
                "both an API key ({}) and an access token ({}) are set: Ferry sends only the API key, as the Octopus CLI does; unset one",
                ctx.api_key_source, ctx.access_token_source
            ));
        }
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

    /// Treat `value` as a secret, like the API key: masked by the CI runner, and never printed
    /// by Ferry (every line below passes through [`redact`]).
    pub fn mask_secret(&self, value: &str) {
        let _ = self.ci.mask(value);
        add_secret(value);
    }

    /// A progress or status line on stderr (silent with `--quiet`).
    pub fn info(&self, message: &str) {
        if !self.global.quiet {
            eprintln!("{}", redact(message));
        }
    }

    /// A warning on stderr and as a CI warning annotation.
    pub fn warn(&self, message: &str) {
        if !self.global.quiet {
            // Each emitter makes the message visible in its CI's log (PlainOutput prints it).
            let _ = self.ci.warning(&redact(message));
        }
    }

    /// Set a CI step output. A failed write is a warning naming the output (later steps would
    /// otherwise read an empty value without anyone knowing why), never an error of the command.
    pub fn set_output(&self, name: &str, value: &str) {
        if let Err(err) = self.ci.set_output(name, value) {
            self.warn(&format!(
                "could not write the {} output `{name}`: {err}; later steps will not see it",
                self.ci_system
            ));
        }
    }

    /// Write the CI step summary; a failed write is a warning.
    pub fn summary(&self, markdown: &str) {
        if let Err(err) = self.ci.summary(markdown) {
            self.warn(&format!("could not write the {} step summary: {err}", self.ci_system));
        }
    }

    /// An error on stderr and as a CI error annotation; `text` has no `error:` word (the emitter adds its own).
    pub fn error_annotation(&self, text: &str) {
        let _ = self.ci.error(&redact(text), None);
    }

    /// Print a command's result on stdout: `text` in text mode at once; `json` in JSON mode when
    /// the command ends (see [`Ctx::finish_json`]), so stdout holds exactly one document.
    pub fn print_result(&self, text: &str, json: &serde_json::Value) {
        if self.json() {
            *self.json_result.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(json.clone());
        } else if !text.is_empty() {
            println!("{}", redact(text));
        }
    }

    /// Under `-o json`, print the one document: the result, with an `error` member when the
    /// command failed after producing it; `{"error": ...}` alone when it failed before.
    pub fn finish_json(&self, failure: Option<&Failure>) {
        if !self.json() {
            return;
        }
        let result = self.json_result.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let document = match (result, failure) {
            (Some(result), None) => result,
            (Some(serde_json::Value::Object(mut result)), Some(failure)) => {
                result.insert("error".into(), failure.json());
                serde_json::Value::Object(result)
            }
            (_, Some(failure)) => failure_document(failure),
            (None, None) => return,
        };
        print_json(&document);
    }
}

/// A connection to the server a command works against: the configured one, or the embedded
/// server started in-process. Call [`Connection::close`] before returning, so the embedded
/// server lets its running deployments finish (or fails them cleanly) before the process exits.
pub struct Connection {
    /// The API client.
    pub client: ferry_octopus::Client,
    embedded: Option<ferry_server::RunningServer>,
}

impl Connection {
    /// Shut the embedded server down gracefully (no-op for a remote server).
    pub async fn close(self) {
        if let Some(server) = self.embedded {
            server.shutdown().await;
        }
    }
}

/// Turn a client error into a [`UserError`] carrying its hints (exit 1, or 2 for bad options).
pub fn client_error(err: ferry_octopus::OctopusError) -> anyhow::Error {
    let status = match err.kind {
        ferry_octopus::ErrorKind::Usage => ExitStatus::Usage,
        _ => ExitStatus::Failure,
    };
    anyhow::Error::new(UserError { status, message: err.to_string(), hints: err.hints.clone() })
}

impl Ctx {
    /// Whether credentials for a real server are set: an API key, an access token or a service
    /// account to log in as.
    fn has_credentials(&self) -> bool {
        self.api_key.is_some() || self.access_token.is_some() || self.global.service_account_id.is_some()
    }

    /// Whether the command runs against the in-process embedded server (whose deployments end
    /// with the process).
    pub fn uses_embedded_server(&self) -> bool {
        self.embedded.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Client options for `server` from the global flags.
    pub fn client_options(&self, server: &str) -> ferry_octopus::ClientOptions {
        let mut options = ferry_octopus::ClientOptions::new(server);
        options.api_key = self.api_key().map(str::to_owned);
        options.api_key_source = self.api_key_source.clone();
        options.access_token = self.access_token.clone();
        options.access_token_source = self.access_token_source.clone();
        options.space = self.space();
        options.environment_flags = self.global.environment_flags.clone();
        options.ca_cert = self.global.ca_cert.clone();
        options.insecure = self.global.insecure;
        options.connect_timeout = std::time::Duration::from_secs(self.global.connect_timeout.max(1));
        options.request_timeout = std::time::Duration::from_secs(self.global.request_timeout.max(1));
        options.ci_name = match self.ci_system {
            CiSystem::None => "local".to_owned(),
            system => system.build_environment().to_owned(),
        };
        if let Some(ms) = std::env::var("FERRY_RETRY_BASE_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
            options.retry_base = std::time::Duration::from_millis(ms);
        }
        if let Some(n) = std::env::var("FERRY_RETRY_ATTEMPTS").ok().and_then(|v| v.parse::<u32>().ok()) {
            options.max_attempts = n.max(1);
        }
        let quiet = self.global.quiet;
        options.notifier = ferry_octopus::Notifier(std::sync::Arc::new(move |message: &str| {
            if !quiet {
                eprintln!("warning: {}", redact(message));
            }
        }));
        options.progress = if self.global.quiet {
            ferry_octopus::ProgressMode::Off
        } else if std::env::var_os("FERRY_NO_PROGRESS").is_some() {
            ferry_octopus::ProgressMode::Lines
        } else {
            ferry_octopus::ProgressMode::Auto
        };
        options
    }

    /// Connect to the configured server, or start the embedded one over `--data` and say so in
    /// one line on stderr. `first_use` is the project `ship` works on: on the embedded server, when
    /// no ferry.toml declares projects, it is created on first use (with one step per package id)
    /// and Ferry says so. Every other command, and any project name when ferry.toml declares
    /// projects, must name a project that exists (an unknown name fails with close matches).
    pub async fn connect(&self, first_use: Option<FirstUseProject<'_>>) -> anyhow::Result<Connection> {
        if self.global.insecure {
            self.warn("--insecure: the server's TLS certificate is NOT verified; anyone on the network path can read the API key and change what is deployed");
        }
        if let Some(url) = self.server_url() {
            if let Some(config) = &self.global.config {
                self.warn(&format!(
                    "--config {} configures only the embedded server; it is not used with the server {url}",
                    config.display()
                ));
            }
            if self.global.embedded {
                return Err(UserError::usage(format!("--embedded (FERRY_EMBEDDED) and a server ({url}) are both given"))
                    .hint("unset FERRY_EMBEDDED / `embedded` to use the server, or unset FERRY_SERVER and OCTOPUS_URL to use the embedded one")
                    .into());
            }
            let mut options = self.client_options(&url);
            if let Some(id) =
                self.global.service_account_id.as_deref().map(str::trim).filter(|id| !id.is_empty())
            {
                options.access_token = Some(crate::oidc_login::access_token(self, &url, id).await?);
                options.access_token_source = format!("the OIDC login as service account {id}");
            }
            let client = ferry_octopus::Client::connect(options).await.map_err(client_error)?;
            return Ok(Connection { client, embedded: None });
        }
        if !self.global.embedded
            && let Some(why) =
                crate::server_choice::remote_expected(self.ci_system, self.has_credentials(), |name| {
                    std::env::var(name).ok()
                })
        {
            return Err(crate::server_choice::no_server_error(why).into());
        }
        if self.global.service_account_id.is_some() || self.access_token.is_some() {
            self.warn("the embedded server has no service accounts: --service-account-id and the access token are not used");
        }
        let data = self.data_dir();
        let config = self.config_path();
        let mut options = ferry_server::ServerOptions::embedded(data.clone(), config.clone());
        // The CLI authenticates with a key made for this process (never shown), accepted besides
        // any `api_keys` of the configuration, which would otherwise lock it out.
        let key = ferry_server::generate_api_key()
            .map_err(|err| UserError::failure(format!("could not start the embedded server: {err}")))?;
        options.api_keys.push(key.clone());
        // Nobody can type that key: the dashboard link printed below opens read-only.
        options.dashboard_open_read_only = true;
        let running = ferry_server::start(options).await.map_err(|err| {
            anyhow::Error::new(
                UserError::failure(format!(
                    "could not start the embedded server over {}: {err}",
                    data.display()
                ))
                .hint("pass --server URL to use a running server, or --data DIR for another data directory"),
            )
        })?;
        self.info(&format!(
            "no --server given: using Ferry's embedded server over {}{} ({}; dashboard {} while this command runs)",
            data.display(),
            config.as_ref().map(|c| format!(" with {}", c.display())).unwrap_or_default(),
            running.url(),
            running.dashboard_url()
        ));
        let mut options = self.client_options(&running.url());
        options.api_key = Some(key);
        options.api_key_source = "the embedded server's per-process key".to_owned();
        options.access_token = None;
        // HTTP(S)_PROXY must not capture the in-process server on loopback.
        options.no_proxy = true;
        options.server_name = Some("the embedded server".to_owned());
        let client = match ferry_octopus::Client::connect(options).await {
            Ok(client) => client,
            Err(err) => {
                running.shutdown().await;
                return Err(client_error(err));
            }
        };
        self.embedded.store(true, std::sync::atomic::Ordering::Relaxed);
        let connection = Connection { client, embedded: Some(running) };
        if let Some(project) = first_use
            && !config_declares_projects(config.as_deref())
            && let Err(err) = connection.create_on_first_use(self, project).await
        {
            connection.close().await;
            return Err(err);
        }
        Ok(connection)
    }
}

impl Ctx {
    /// Connect to the deployment server the flags name, GitHub or Octopus (or the embedded
    /// server, as [`Ctx::connect`] decides). `--exec` only means something to GitHub, where
    /// nobody else runs deployments.
    pub async fn connect_server(&self, run: &crate::github_target::GitHubRun<'_>) -> anyhow::Result<Server> {
        self.refuse_what_github_cannot_honour(run)?;
        if let Some(url) = self.github_server() {
            let github = crate::github_target::connect(self, &url, run)?;
            return Ok(Server::GitHub(Box::new(github)));
        }
        if run.exec.is_some() {
            return Err(crate::github_target::exec_without_github().into());
        }
        Ok(Server::Octopus(Box::new(self.connect(run.first_use).await?)))
    }
}

impl Ctx {
    /// The server URL when it names a GitHub repository rather than an Octopus server.
    pub fn github_server(&self) -> Option<String> {
        self.server_url()
            .filter(|url| crate::github_target::is_github(url, env_first(&["GITHUB_API_URL"]).as_deref()))
    }

    /// With a GitHub server, refuse the flags of `run` (and the global ones) that GitHub has no
    /// counterpart for, before any work: accepted and then ignored, they would mislead. Nothing
    /// to refuse with other servers.
    pub fn refuse_what_github_cannot_honour(
        &self,
        run: &crate::github_target::GitHubRun<'_>,
    ) -> anyhow::Result<()> {
        let Some(url) = self.github_server() else { return Ok(()) };
        if self.global.embedded {
            return Err(UserError::usage(format!(
                "--embedded (FERRY_EMBEDDED) and a server ({url}) are both given"
            ))
            .into());
        }
        // GitHub's client trusts the platform's roots and nothing else: an option that would
        // change that must not be accepted and then ignored.
        if self.global.insecure || self.global.ca_cert.is_some() {
            return Err(UserError::usage(format!(
                "--insecure and --ca-cert do not apply to a GitHub server ({url})"
            ))
            .hint("drop them; GitHub's certificates are checked against the usual roots")
            .into());
        }
        let space = self.space().map(|_| crate::github_target::Unhonoured::SPACE);
        match space.iter().chain(&run.unhonoured).next() {
            Some(flag) => Err(flag.error(&url).into()),
            None => Ok(()),
        }
    }
}

/// The project a command may create on the embedded server on first use, with the package ids
/// that get one deployment step each.
#[derive(Debug, Clone, Copy)]
pub struct FirstUseProject<'a> {
    /// Project name.
    pub name: &'a str,
    /// Package ids of its steps.
    pub package_ids: &'a [String],
}

/// Whether the configuration file declares projects: then it is the list of projects, and a name
/// outside it is a typo, not a new project. A file that cannot be read declares none here; the
/// embedded server has already refused to start on it.
fn config_declares_projects(config: Option<&std::path::Path>) -> bool {
    config
        .and_then(|path| ferry_server::config::Config::load(path).ok())
        .is_some_and(|c| !c.projects.is_empty())
}

impl Connection {
    /// Create `project` on the embedded server unless it exists, and say so.
    async fn create_on_first_use(&self, ctx: &Ctx, project: FirstUseProject<'_>) -> anyhow::Result<()> {
        let Some(server) = &self.embedded else { return Ok(()) };
        match self.client.find_project(project.name).await {
            Ok(_) => return Ok(()),
            Err(err) if err.kind == ferry_octopus::ErrorKind::NotFound => {}
            Err(err) => return Err(client_error(err)),
        }
        server.ensure_project(project.name, project.package_ids).await.map_err(|err| {
            UserError::failure(format!(
                "could not create project {} on the embedded server: {err}",
                project.name
            ))
        })?;
        ctx.info(&format!(
            "created project {} on the embedded server on first use (no ferry.toml declares projects), one deployment step per package: {}",
            project.name,
            project.package_ids.join(", ")
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_redacted_in_every_form() {
        add_secret("first line of a secret\nsecond \"quoted\" line");
        add_secret("ab");
        let text =
            "got first line of a secret, then second \"quoted\" line; json: second \\\"quoted\\\" line; ab";
        assert_eq!(redact(text), "got ***, then ***; json: ***; ab");
        assert!(matches!(redact("nothing secret"), Cow::Borrowed(_)));
    }
}
