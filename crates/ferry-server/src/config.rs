//! `ferry.toml`: what the server declares (environments, lifecycles, projects, channels, API keys,
//! service accounts),
//! parsed strictly (unknown keys are errors, so typos do not pass silently) and checked for
//! references to names that do not exist. [`crate::store`] applies it idempotently at start.

use ferry_core::duration::parse_duration;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::channel::ChannelRule;
use crate::errors::ServerError;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// API keys accepted by the server (`API-` followed by upper-case letters and digits).
    #[serde(default)]
    pub api_keys: Vec<String>,
    /// Environments, in display and lifecycle order.
    #[serde(default)]
    pub environments: Vec<EnvironmentConfig>,
    /// Lifecycles.
    #[serde(default)]
    pub lifecycles: Vec<LifecycleConfig>,
    /// Projects.
    #[serde(default)]
    pub projects: Vec<ProjectConfig>,
    /// Channels (besides each project's implicit `Default` channel).
    #[serde(default)]
    pub channels: Vec<ChannelConfig>,
    /// The web dashboard.
    #[serde(default)]
    pub dashboard: DashboardConfig,
    /// Service accounts that CI jobs log in as with an OIDC token instead of an API key.
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountConfig>,
    /// Directory the configuration was read from (relative deploy commands resolve against it).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// `[dashboard]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardConfig {
    /// No page offers a state-changing action (a wall display), as `--dashboard-read-only`.
    #[serde(default)]
    pub read_only: bool,
    /// Keys that sign in to the dashboard read-only (they are not API keys). Any text of at
    /// least 16 characters; keep them out of version control like API keys.
    #[serde(default)]
    pub keys: Vec<String>,
}

/// `[[service_accounts]]`: who a CI job becomes when it exchanges an OIDC token (see
/// [`crate::oidc`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountConfig {
    /// Name, shown as who started a task.
    pub name: String,
    /// What a client names in the exchange (`--service-account-id`, the login action's
    /// `service_account_id`), and the audience its OIDC token is requested for. Octopus uses a
    /// GUID; any text without spaces works here.
    pub id: String,
    /// The OIDC identities allowed to act as this account; a token must match one.
    pub identities: Vec<OidcIdentityConfig>,
}

/// `[[service_accounts.identities]]`: which tokens of which issuer are this account. Exactly one of
/// `jwks_file` and `jwks_url` says where the issuer's public keys come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawOidcIdentity")]
pub struct OidcIdentityConfig {
    /// The token's `iss`, compared exactly, e.g. `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// The token's `aud` must contain this; default the service account's id, which is what the
    /// official login action and Ferry request.
    pub audience: Option<String>,
    /// The token's `sub`, where `*` matches any run of characters, e.g.
    /// `repo:acme/app:ref:refs/heads/main` or `repo:acme/app:environment:*`.
    pub subject: SubjectPattern,
    /// Where the issuer's keys come from.
    pub jwks: JwksSource,
}

/// Where an issuer's public keys (a JSON Web Key Set) come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// A file, relative to the configuration's directory (for issuers the server cannot reach,
    /// and for tests).
    File(PathBuf),
    /// An `http(s)` URL, fetched when first needed and cached (e.g.
    /// `https://token.actions.githubusercontent.com/.well-known/jwks`).
    Url(url::Url),
}

/// The identity as written; checked into [`OidcIdentityConfig`] while parsing, so that a mistake
/// is reported with its line and column.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOidcIdentity {
    issuer: String,
    #[serde(default)]
    audience: Option<String>,
    subject: String,
    #[serde(default)]
    jwks_file: Option<PathBuf>,
    #[serde(default)]
    jwks_url: Option<String>,
}

impl TryFrom<RawOidcIdentity> for OidcIdentityConfig {
    type Error = String;

    fn try_from(raw: RawOidcIdentity) -> Result<Self, String> {
        if raw.issuer.trim().is_empty() || raw.issuer.chars().any(char::is_whitespace) {
            return Err(format!("issuer `{}` must be the token's `iss`, without spaces", raw.issuer));
        }
        if raw.audience.as_deref().is_some_and(|aud| aud.trim().is_empty()) {
            return Err("audience must not be empty (leave it out to use the service account's id)".into());
        }
        let subject = SubjectPattern::parse(&raw.subject)?;
        let jwks = match (raw.jwks_file, raw.jwks_url) {
            (Some(file), None) => JwksSource::File(file),
            (None, Some(url)) => {
                let parsed = url::Url::parse(&url).map_err(|err| format!("jwks_url `{url}`: {err}"))?;
                if !matches!(parsed.scheme(), "https" | "http") {
                    return Err(format!("jwks_url `{url}` must be an http or https URL"));
                }
                JwksSource::Url(parsed)
            }
            (Some(_), Some(_)) => return Err("give jwks_file or jwks_url, not both".into()),
            (None, None) => {
                return Err(
                    "the issuer's keys are needed: add jwks_file (a JWKS file) or jwks_url (e.g. the issuer's /.well-known/jwks)"
                        .into(),
                );
            }
        };
        Ok(OidcIdentityConfig { issuer: raw.issuer, audience: raw.audience, subject, jwks })
    }
}

/// A pattern for a token's `sub`: literal text where `*` matches any run of characters (also
/// none, also `:`), as Octopus's OIDC subject patterns. No other character is special.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectPattern(String);

impl SubjectPattern {
    /// Check `text`: not empty, printable.
    pub fn parse(text: &str) -> Result<SubjectPattern, String> {
        if text.trim().is_empty() || text.chars().any(char::is_control) {
            return Err(format!(
                "subject `{text}` must be a pattern such as `repo:acme/app:ref:refs/heads/main` (`*` matches anything)"
            ));
        }
        Ok(SubjectPattern(text.to_owned()))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `subject` matches. Greedy matching with backtracking to the last `*` only, so the
    /// time is linear in practice and never exponential however many `*` a pattern has.
    pub fn matches(&self, subject: &str) -> bool {
        let (pattern, text) = (self.0.as_bytes(), subject.as_bytes());
        let (mut p, mut t) = (0, 0);
        let mut last_star: Option<(usize, usize)> = None;
        while t < text.len() {
            if p < pattern.len() && pattern[p] == b'*' {
                last_star = Some((p, t));
                p += 1;
            } else if p < pattern.len() && pattern[p] == text[t] {
                p += 1;
                t += 1;
            } else if let Some((star, matched)) = last_star {
                // Let the last `*` take one more character and try again from there.
                p = star + 1;
                t = matched + 1;
                last_star = Some((star, matched + 1));
            } else {
                return false;
            }
        }
        pattern[p..].iter().all(|&b| b == b'*')
    }
}

/// `[[environments]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// Name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
}

/// `[[lifecycles]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleConfig {
    /// Name.
    pub name: String,
    /// Ordered phases. None: one phase per environment, in order.
    #[serde(default)]
    pub phases: Vec<PhaseConfig>,
}

/// One phase of a lifecycle.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseConfig {
    /// Name.
    pub name: String,
    /// Environments of the phase. Empty: every environment not named in an earlier phase.
    #[serde(default)]
    pub environments: Vec<String>,
    /// Deploy to this phase's environments as soon as a release enters it.
    #[serde(default)]
    pub automatic: bool,
    /// The next phase may be deployed without deploying to this one.
    #[serde(default)]
    pub optional: bool,
    /// How many environments of this phase must succeed before the next phase (0: all).
    #[serde(default)]
    pub minimum_environments: u32,
}

/// `[[projects]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Name.
    pub name: String,
    /// Lifecycle name; default `Default`.
    #[serde(default)]
    pub lifecycle: Option<String>,
    /// The deployment process: one step per package id, named after it.
    #[serde(default)]
    pub packages: Vec<String>,
    /// Deploy command: one for every environment, or a table environment name -> command
    /// (`"*"` for the others).
    #[serde(default)]
    pub deploy: Option<DeployConfig>,
    /// Timeout of this project's deploy commands (e.g. `10m`); default: the server's.
    #[serde(default)]
    pub deploy_timeout: Option<String>,
    /// A config-as-code project: every release names the Git ref (and may name the commit) its
    /// process comes from, and the process is read at a ref-scoped route, as on Octopus.
    #[serde(default)]
    pub version_controlled: bool,
}

/// A project's deploy command(s).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DeployConfig {
    /// The same command for every environment.
    All(String),
    /// Per environment name; `"*"` for the rest.
    PerEnvironment(BTreeMap<String, String>),
}

impl DeployConfig {
    /// As environment name (or `*`) -> command.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        match self {
            DeployConfig::All(command) => BTreeMap::from([("*".to_owned(), command.clone())]),
            DeployConfig::PerEnvironment(map) => map.clone(),
        }
    }
}

/// `[[channels]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// The project's name.
    pub project: String,
    /// Channel name.
    pub name: String,
    /// Lifecycle overriding the project's.
    #[serde(default)]
    pub lifecycle: Option<String>,
    /// Make this the project's default channel.
    #[serde(default)]
    pub default: bool,
    /// Version range (NuGet syntax, e.g. `[1.0,2.0)`) every package must satisfy.
    #[serde(default)]
    pub version_range: Option<String>,
    /// Pre-release tag regular expression every package must match (`^$`: stable only).
    #[serde(default)]
    pub tag: Option<String>,
    /// Finer rules, each for some package ids.
    #[serde(default)]
    pub rules: Vec<ChannelRule>,
}

impl Config {
    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<Config, ServerError> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| ServerError::io(format!("reading {}", path.display()), err))?;
        let mut config = Config::parse(&text)
            .map_err(|message| ServerError::Config { path: path.display().to_string(), message })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        config.base_dir = Some(std::fs::canonicalize(&dir).unwrap_or(dir));
        Ok(config)
    }

    /// Parse and check configuration text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|err| err.to_string())?;
        config.check()?;
        Ok(config)
    }

    /// The configuration used when there is no file: Development, Test, Production and a
    /// `Default` lifecycle deploying automatically to Development.
    pub fn defaults() -> Config {
        let env = |name: &str| EnvironmentConfig { name: name.into(), description: String::new() };
        let phase = |name: &str, automatic| PhaseConfig {
            name: name.into(),
            environments: vec![name.into()],
            automatic,
            optional: false,
            minimum_environments: 0,
        };
        Config {
            environments: vec![env("Development"), env("Test"), env("Production")],
            lifecycles: vec![LifecycleConfig {
                name: "Default".into(),
                phases: vec![phase("Development", true), phase("Test", false), phase("Production", false)],
            }],
            ..Config::default()
        }
    }

    /// Fill in what a partial configuration leaves out: environments and the `Default`
    /// lifecycle from [`Config::defaults`] when none are declared.
    pub fn with_defaults(mut self) -> Config {
        let defaults = Config::defaults();
        if self.environments.is_empty() && self.lifecycles.is_empty() {
            self.environments = defaults.environments;
            self.lifecycles = defaults.lifecycles;
        } else if !self.lifecycles.iter().any(|l| l.name.eq_ignore_ascii_case("Default")) {
            // No phases: one phase per environment, in order.
            self.lifecycles.push(LifecycleConfig { name: "Default".into(), phases: Vec::new() });
        }
        self
    }

    fn check(&self) -> Result<(), String> {
        for key in &self.api_keys {
            if !is_valid_api_key(key) {
                return Err(
                    "api_keys: each key must be `API-` followed by upper-case letters and digits".into()
                );
            }
        }
        if self.dashboard.keys.iter().any(|key| key.trim().chars().count() < 16) {
            return Err(
                "dashboard.keys: each key must be at least 16 characters, so that it cannot be guessed"
                    .into(),
            );
        }
        if self.dashboard.keys.iter().any(|key| self.api_keys.contains(key)) {
            return Err("dashboard.keys: a read-only dashboard key must not also be an API key".into());
        }
        let mut account_ids = HashSet::new();
        for account in &self.service_accounts {
            check_name("service account", &account.name)?;
            if account.id.trim().is_empty() || account.id.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(format!(
                    "service account `{}`: id `{}` must be text without spaces",
                    account.name, account.id
                ));
            }
            if !account_ids.insert(account.id.to_lowercase()) {
                return Err(format!("service account id `{}` is declared twice", account.id));
            }
            if account.identities.is_empty() {
                return Err(format!(
                    "service account `{}` has no identities: add [[service_accounts.identities]] with issuer, subject and jwks_file or jwks_url",
                    account.name
                ));
            }
        }
        let mut envs = HashSet::new();
        for env in &self.environments {
            check_name("environment", &env.name)?;
            if !envs.insert(env.name.to_lowercase()) {
                return Err(format!("environment `{}` is declared twice", env.name));
            }
        }
        let mut lifecycles = HashSet::from(["default".to_owned()]);
        for lifecycle in &self.lifecycles {
            check_name("lifecycle", &lifecycle.name)?;
            lifecycles.insert(lifecycle.name.to_lowercase());
            for phase in &lifecycle.phases {
                check_name("phase", &phase.name)?;
                for env in &phase.environments {
                    if !envs.contains(&env.to_lowercase()) && !self.environments.is_empty() {
                        return Err(format!(
                            "lifecycle `{}`, phase `{}`: environment `{env}` is not declared in [[environments]]",
                            lifecycle.name, phase.name
                        ));
                    }
                }
                if phase.minimum_environments as usize > phase.environments.len()
                    && !phase.environments.is_empty()
                {
                    return Err(format!(
                        "lifecycle `{}`, phase `{}`: minimum_environments is larger than its environment count",
                        lifecycle.name, phase.name
                    ));
                }
            }
        }
        let mut projects = HashSet::new();
        for project in &self.projects {
            check_name("project", &project.name)?;
            if !projects.insert(project.name.to_lowercase()) {
                return Err(format!("project `{}` is declared twice", project.name));
            }
            if let Some(lifecycle) = &project.lifecycle
                && !lifecycles.contains(&lifecycle.to_lowercase())
            {
                return Err(format!("project `{}`: lifecycle `{lifecycle}` is not declared", project.name));
            }
            for id in &project.packages {
                id.parse::<ferry_core::package_id::PackageId>()
                    .map_err(|err| format!("project `{}`: package `{id}`: {err}", project.name))?;
            }
            if let Some(timeout) = &project.deploy_timeout {
                parse_duration(timeout)
                    .map_err(|err| format!("project `{}`: deploy_timeout: {err}", project.name))?;
            }
            if let Some(DeployConfig::PerEnvironment(map)) = &project.deploy {
                for env in map.keys() {
                    if env != "*" && !envs.contains(&env.to_lowercase()) && !self.environments.is_empty() {
                        return Err(format!(
                            "project `{}`: deploy: environment `{env}` is not declared",
                            project.name
                        ));
                    }
                }
            }
        }
        for channel in &self.channels {
            check_name("channel", &channel.name)?;
            if !projects.contains(&channel.project.to_lowercase()) {
                return Err(format!(
                    "channel `{}`: project `{}` is not declared",
                    channel.name, channel.project
                ));
            }
            if let Some(lifecycle) = &channel.lifecycle
                && !lifecycles.contains(&lifecycle.to_lowercase())
            {
                return Err(format!("channel `{}`: lifecycle `{lifecycle}` is not declared", channel.name));
            }
            let rules = channel.rules.iter().map(|r| (&r.version_range, &r.tag));
            for (range, tag) in std::iter::once((&channel.version_range, &channel.tag)).chain(rules) {
                if let Some(range) = range {
                    crate::channel::VersionRange::parse(range)
                        .map_err(|err| format!("channel `{}`: version_range: {err}", channel.name))?;
                }
                if let Some(tag) = tag {
                    regex::Regex::new(tag)
                        .map_err(|err| format!("channel `{}`: tag: {err}", channel.name))?;
                }
            }
        }
        Ok(())
    }
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(format!("{what} name `{name}` must be 1 to 200 printable characters"));
    }
    Ok(())
}

/// Whether `key` has the form the official clients require: `API-` then `[A-Z0-9]+`.
pub fn is_valid_api_key(key: &str) -> bool {
    key.strip_prefix("API-").is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_example_parses() {
        let config = Config::parse(
            r#"
[[environments]]
name = "Development"
[[environments]]
name = "Test"
[[environments]]
name = "Production"

[[lifecycles]]
name = "Default"
phases = [
  { name = "Development", environments = ["Development"], automatic = true },
  { name = "Test", environments = ["Test"] },
  { name = "Production", environments = ["Production"] },
]

[[projects]]
name = "Hello"
lifecycle = "Default"
packages = ["Hello", "Hello.Lib"]
deploy = "./deploy.sh"
"#,
        )
        .unwrap();
        assert_eq!(config.projects[0].packages, ["Hello", "Hello.Lib"]);
        assert!(config.lifecycles[0].phases[0].automatic);
    }

    #[test]
    fn unknown_keys_and_bad_references_are_errors() {
        assert!(Config::parse("[[environments]]\nname = \"A\"\ncolour = 1\n").is_err());
        let err = Config::parse("[[projects]]\nname = \"P\"\nlifecycle = \"Nope\"\n").unwrap_err();
        assert!(err.contains("Nope"), "{err}");
        assert!(Config::parse("api_keys = [\"API-lower\"]\n").is_err());
        assert!(Config::parse("api_keys = [\"API-UPPER123\"]\n").is_ok());
    }

    #[test]
    fn channels_phases_and_defaults() {
        let config = Config::parse(
            r#"
[[environments]]
name = "A"
[[environments]]
name = "B"
[[lifecycles]]
name = "L"
phases = [{ name = "One", environments = ["A"], optional = true }, { name = "Rest", minimum_environments = 0 }]
[[projects]]
name = "P"
lifecycle = "L"
[[channels]]
project = "P"
name = "Beta"
tag = "^beta"
rules = [{ packages = ["X"], version_range = "[1.0,2.0)" }]
"#,
        )
        .unwrap();
        assert_eq!(config.channels[0].rules[0].packages, ["X"]);
        assert!(config.lifecycles[0].phases[0].optional);
        let with = config.with_defaults();
        assert!(with.lifecycles.iter().any(|l| l.name == "Default"), "a Default lifecycle is added");
        assert!(
            Config::parse(
                "[[channels]]
project = \"Nope\"
name = \"C\"
"
            )
            .is_err()
        );
        assert!(
            Config::parse(
                "[[projects]]
name = \"P\"
[[channels]]
project = \"P\"
name = \"C\"
version_range = \"[2.0\"
"
            )
            .is_err()
        );
        assert!(
            Config::parse(
                "[[projects]]
name = \"P\"
[[channels]]
project = \"P\"
name = \"C\"
rules = [{ tags = \"x\" }]
"
            )
            .is_err()
        );
        assert_eq!(Config::defaults().environments.len(), 3);
        assert_eq!(parse_duration("2m").unwrap().as_secs(), 120);
        assert!(parse_duration("2 weeks").is_err());
    }

    /// The server reads durations with the parser the CLI's flags use: a deploy timeout past the
    /// longest accepted duration is refused when the configuration loads, not saturated into a
    /// deadline that overflows when a deployment starts.
    #[test]
    fn a_deploy_timeout_beyond_a_year_is_refused_when_loaded() {
        let config = |timeout: &str| {
            Config::parse(&format!(
                "[[projects]]\nname = \"P\"\ndeploy = \"true\"\ndeploy_timeout = \"{timeout}\"\n"
            ))
        };
        assert!(config("30m").is_ok());
        let err = config("99999999999h").unwrap_err();
        assert!(err.contains("deploy_timeout"), "{err}");
    }

    #[test]
    fn per_environment_deploy() {
        let config = Config::parse(
            "[[projects]]\nname = \"P\"\ndeploy = { Production = \"./prod.sh\", \"*\" = \"./any.sh\" }\n",
        )
        .unwrap();
        let map = config.projects[0].deploy.as_ref().unwrap().to_map();
        assert_eq!(map["*"], "./any.sh");
    }

    const ACCOUNT: &str = r#"
[[service_accounts]]
name = "GitHub deployer"
id = "sa-1"
[[service_accounts.identities]]
issuer = "https://token.actions.githubusercontent.com"
subject = "repo:acme/app:ref:refs/heads/main"
jwks_url = "https://token.actions.githubusercontent.com/.well-known/jwks"
"#;

    #[test]
    fn service_accounts_parse_with_their_identities() {
        let config = Config::parse(ACCOUNT).unwrap();
        let identity = &config.service_accounts[0].identities[0];
        assert_eq!(identity.subject.as_str(), "repo:acme/app:ref:refs/heads/main");
        assert!(matches!(&identity.jwks, JwksSource::Url(url) if url.path() == "/.well-known/jwks"));
        assert_eq!(identity.audience, None);
    }

    #[test]
    fn service_account_mistakes_are_errors_with_their_line() {
        let broken = |from: &str, to: &str| Config::parse(&ACCOUNT.replace(from, to)).unwrap_err();
        let both = broken("jwks_url", "jwks_file = \"keys.json\"\njwks_url");
        assert!(both.contains("not both") && both.contains("line 5"), "{both}");
        let neither =
            broken("jwks_url = \"https://token.actions.githubusercontent.com/.well-known/jwks\"", "");
        assert!(neither.contains("jwks_file") && neither.contains("line 5"), "{neither}");
        let scheme = broken("https://token.actions.githubusercontent.com/.well-known", "file:///etc");
        assert!(scheme.contains("http or https"), "{scheme}");
        let unknown = broken("subject =", "subjects =");
        assert!(unknown.contains("subjects") && unknown.contains("line 7"), "{unknown}");
        assert!(broken("id = \"sa-1\"", "id = \"sa 1\"").contains("without spaces"));
        let none =
            Config::parse("[[service_accounts]]\nname = \"A\"\nid = \"a\"\nidentities = []\n").unwrap_err();
        assert!(none.contains("no identities"), "{none}");
        let twice =
            Config::parse(&format!("{ACCOUNT}{}", ACCOUNT.replace("GitHub deployer", "Other"))).unwrap_err();
        assert!(twice.contains("declared twice"), "{twice}");
    }

    #[test]
    fn subject_patterns_match_with_stars_only() {
        let pattern = |text: &str| SubjectPattern::parse(text).unwrap();
        assert!(pattern("repo:acme/app:ref:refs/heads/main").matches("repo:acme/app:ref:refs/heads/main"));
        assert!(!pattern("repo:acme/app:ref:refs/heads/main").matches("repo:acme/app:ref:refs/heads/main2"));
        assert!(!pattern("repo:acme/app:ref:refs/heads/main").matches("repo:acme/app:ref:refs/heads/mai"));
        assert!(pattern("repo:acme/app:*").matches("repo:acme/app:environment:Production"));
        assert!(pattern("repo:acme/*:ref:refs/heads/main").matches("repo:acme/app:ref:refs/heads/main"));
        assert!(!pattern("repo:acme/*:ref:refs/heads/main").matches("repo:acme/app:pull_request"));
        assert!(pattern("*").matches("") && pattern("a*b*c").matches("aXbYbZc"));
        assert!(!pattern("a*b*c").matches("aXbYbZ"));
        assert!(!pattern("repo:acme/app.*").matches("repo:acme/appX"), "dots are literal, not regex");
        // Many stars against a long subject that almost matches finishes at once.
        assert!(!pattern(&"*a".repeat(50)).matches(&"a".repeat(49)));
        assert!(SubjectPattern::parse(" ").is_err());
    }
}
