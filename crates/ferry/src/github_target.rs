//! `--server github:OWNER/REPO` (and its URL spellings): building the GitHub deployment server
//! from the flags, the token in the environment and ferry.toml's lifecycles.

use ferry_flow::github::{GitHubServer, LocalDeployer};
use ferry_flow::model::{Lifecycle, Phase};
use ferry_github::{ClientOptions, GitHubClient, GitHubTarget, RetryPolicy, TagFormat, Token};
use ferry_server::config::{Config, LifecycleConfig};

use crate::context::Ctx;
use crate::exit::UserError;

/// Whether `server` names a GitHub repository rather than an Octopus server: `github:…`, a
/// github.com URL, or a URL on the host of `GITHUB_API_URL` (an Enterprise Server's Actions
/// runner sets it), since an Enterprise Server's web URL looks like any other.
pub fn is_github(server: &str, api_url: Option<&str>) -> bool {
    let server = server.trim();
    if server.starts_with("github:") {
        return true;
    }
    let Ok(url) = url::Url::parse(server) else { return false };
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("github.com")
        || host.eq_ignore_ascii_case("www.github.com")
        || api_url.and_then(|api| url::Url::parse(api).ok()).is_some_and(|api| api.origin() == url.origin())
}

/// What a command tells the GitHub server about its run.
pub struct GitHubRun<'a> {
    /// `--project`, whose lifecycle in ferry.toml applies.
    pub project: Option<&'a str>,
    /// `--exec`: run deployments here.
    pub exec: Option<&'a str>,
    /// How long `--exec`'s command may run.
    pub exec_timeout: std::time::Duration,
    /// The project `ship` may create on the embedded server on first use.
    pub first_use: Option<crate::context::FirstUseProject<'a>>,
    /// Flags the command was given that GitHub has no counterpart for: refused on a GitHub
    /// server rather than ignored.
    pub unhonoured: Vec<Unhonoured>,
}

impl GitHubRun<'_> {
    /// A command that deploys nothing and names no project.
    pub fn none() -> GitHubRun<'static> {
        GitHubRun {
            project: None,
            exec: None,
            exec_timeout: std::time::Duration::ZERO,
            first_use: None,
            unhonoured: Vec::new(),
        }
    }
}

/// A flag given to a command that a GitHub server cannot honour, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unhonoured {
    /// The flag as the user types it.
    pub flag: &'static str,
    /// What GitHub lacks, for the error message.
    pub why: &'static str,
}

impl Unhonoured {
    /// `--channel`: on GitHub a release is a tag, with no channel to choose.
    pub const CHANNEL: Unhonoured =
        Unhonoured { flag: "--channel", why: "GitHub has no channels: a release is a tag of the repository" };
    /// `--space` (or FERRY_SPACE / OCTOPUS_SPACE).
    pub const SPACE: Unhonoured = Unhonoured {
        flag: "--space",
        why: "a GitHub repository has no spaces (FERRY_SPACE and OCTOPUS_SPACE set it too)",
    };

    /// The deployment flags in `options` that are set and that GitHub Deployments have no
    /// field for.
    pub fn in_deploy_options(options: &crate::cli::DeployOptions) -> Vec<Unhonoured> {
        let no_tenants = "GitHub deployments have no tenants";
        let no_steps = "a GitHub deployment has no steps: it is one deployment of the tag";
        let no_targets = "GitHub deployments have no deployment targets (machines)";
        let no_schedule = "GitHub starts a deployment when it is created and cannot schedule one";
        [
            (!options.tenants.is_empty(), "--tenant", no_tenants),
            (!options.tenant_tags.is_empty(), "--tenant-tag", no_tenants),
            (!options.variables.is_empty(), "--variable", "GitHub deployments have no prompted variables"),
            (options.deploy_at.is_some(), "--deploy-at", no_schedule),
            (options.no_deploy_after.is_some(), "--no-deploy-after", no_schedule),
            (
                options.guided_failure,
                "--guided-failure",
                "GitHub has no guided failure to pause a deployment",
            ),
            (!options.skip_steps.is_empty(), "--skip", no_steps),
            (!options.specific_machines.is_empty(), "--specific-machines", no_targets),
            (!options.excluded_machines.is_empty(), "--exclude-machines", no_targets),
            (options.force_package_download, "--force-package-download", no_targets),
        ]
        .into_iter()
        .filter(|(given, _, _)| *given)
        .map(|(_, flag, why)| Unhonoured { flag, why })
        .collect()
    }

    /// The usage error for this flag with the GitHub server `server`.
    pub fn error(&self, server: &str) -> UserError {
        UserError::usage(format!("{} does not apply to a GitHub server ({server}): {}", self.flag, self.why))
            .hint("drop it, or use an Octopus server or `ferry server`, which have it")
    }
}

/// The project a command works on: `--project`, else, with a GitHub server, the repository's
/// name (the project is the repository there). Other servers hold many projects, so there
/// `--project` is required.
pub fn project_name(ctx: &Ctx, given: Option<&str>) -> anyhow::Result<String> {
    if let Some(name) = given {
        return Ok(name.to_owned());
    }
    let Some(server) = ctx.github_server() else {
        return Err(UserError::usage("--project is required: the server holds many projects")
            .hint("pass --project NAME (only with --server github:OWNER/REPO does it default, to the repository)")
            .into());
    };
    let target = GitHubTarget::parse(&server, |name| std::env::var(name).ok())
        .map_err(|err| UserError::usage(err.to_string()).hint("see `ferry help` under --server"))?;
    Ok(target.repo)
}

/// `--exec` with a server that runs its own deployments: a usage error, never silently ignored.
pub fn exec_without_github() -> UserError {
    UserError::usage("--exec runs a deployment on this machine, which only a GitHub server needs")
        .hint("Octopus and `ferry server` run deployments themselves: drop --exec, or pass --server github:OWNER/REPO")
}

/// Connect to the GitHub repository `server` names.
pub fn connect(ctx: &Ctx, server: &str, run: &GitHubRun<'_>) -> anyhow::Result<GitHubServer> {
    let env = |name: &str| std::env::var(name).ok();
    let target = GitHubTarget::parse(server, env)
        .map_err(|err| UserError::usage(err.to_string()).hint("see `ferry help` under --server"))?;
    let token = Token::discover(env, ctx.global.api_key_file.as_deref()).map_err(|err| {
        UserError::usage(err.to_string())
            .hint("the token needs `contents: write` (releases) and `deployments: write` (deployments)")
    })?;
    ctx.mask_secret(token.text_to_mask());
    let tag_format = match &ctx.global.tag_format {
        Some(format) => TagFormat::parse(format).map_err(|err| UserError::usage(err.to_string()))?,
        None => TagFormat::default(),
    };
    let mut options = ClientOptions {
        connect_timeout: std::time::Duration::from_secs(ctx.global.connect_timeout.max(1)),
        read_timeout: std::time::Duration::from_secs(ctx.global.request_timeout.max(1)),
        ..ClientOptions::default()
    };
    options.retry = retry_policy(options.retry);
    let client =
        GitHubClient::new(target, token, options).map_err(|err| UserError::usage(err.to_string()))?;
    let lifecycle = match ctx.config_path() {
        Some(path) => {
            let config = Config::load(&path)
                .map_err(|err| UserError::usage(format!("could not read {}: {err}", path.display())))?;
            lifecycle_for(&config, run.project)?
        }
        None => None,
    };
    let deployer = run.exec.map(|command| LocalDeployer {
        command: command.to_owned(),
        timeout: run.exec_timeout,
        log_url: Some(ferry_ci::BuildContext::from_env(ctx.ci_system, env).build_url)
            .filter(|url| !url.is_empty()),
        extract: std::sync::Arc::new(|archive, format, target| {
            ferry_server::archive::extract(archive, format, target, Default::default())
                .map_err(|err| err.to_string())
        }),
    });
    let commit = build_commit(ctx)?;
    Ok(GitHubServer::new(client, tag_format, commit, lifecycle, deployer))
}

/// The commit a new release's tag points at: the CI's (`GITHUB_SHA` on Actions), else `HEAD`.
fn build_commit(ctx: &Ctx) -> anyhow::Result<String> {
    let from_ci = ferry_ci::BuildContext::from_env(ctx.ci_system, |name| std::env::var(name).ok()).commit;
    if !from_ci.is_empty() {
        return Ok(from_ci);
    }
    if let Some(sha) = crate::context::env_first(&["GITHUB_SHA"]) {
        return Ok(sha);
    }
    ferry_ci::git::resolve_commit(std::path::Path::new("."), "HEAD").ok_or_else(|| {
        UserError::usage(
            "no commit for the release's tag: GITHUB_SHA is not set and `git rev-parse HEAD` failed here",
        )
        .hint("run Ferry in the repository's checkout, or set GITHUB_SHA")
        .into()
    })
}

/// The retry settings, shortened by FERRY_RETRY_BASE_MS / FERRY_RETRY_ATTEMPTS as for Octopus.
fn retry_policy(mut policy: RetryPolicy) -> RetryPolicy {
    if let Some(ms) = std::env::var("FERRY_RETRY_BASE_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        policy.backoff = std::time::Duration::from_millis(ms);
    }
    if let Some(n) = std::env::var("FERRY_RETRY_ATTEMPTS").ok().and_then(|v| v.parse::<u32>().ok()) {
        policy.max_attempts = n.max(1);
    }
    policy
}

/// The lifecycle `project` follows in `config`: its own, else one named `Default`; `None` when
/// ferry.toml declares no lifecycle for it (then any environment is open, as the issue's mapping
/// says).
fn lifecycle_for(config: &Config, project: Option<&str>) -> anyhow::Result<Option<Lifecycle>> {
    let named = project
        .and_then(|name| config.projects.iter().find(|p| p.name.eq_ignore_ascii_case(name)))
        .and_then(|p| p.lifecycle.clone());
    let wanted = named.clone().unwrap_or_else(|| "Default".to_owned());
    let Some(lifecycle) = config.lifecycles.iter().find(|l| l.name.eq_ignore_ascii_case(&wanted)) else {
        return match named {
            Some(name) => Err(UserError::usage(format!(
                "ferry.toml names the lifecycle {name}, which it does not declare"
            ))
            .into()),
            None => Ok(None),
        };
    };
    let environments: Vec<String> = config.environments.iter().map(|e| e.name.clone()).collect();
    Ok(Some(resolve(lifecycle, &environments)))
}

/// A lifecycle as the server reads it: no phases means one phase per environment in order, and
/// a phase without environments takes every environment no earlier phase names.
fn resolve(lifecycle: &LifecycleConfig, environments: &[String]) -> Lifecycle {
    let mut phases = Vec::new();
    if lifecycle.phases.is_empty() {
        for environment in environments {
            phases.push(Phase {
                name: environment.clone(),
                optional: vec![environment.clone()],
                ..Phase::default()
            });
        }
    }
    let mut named: Vec<String> = Vec::new();
    for phase in &lifecycle.phases {
        let members: Vec<String> = if phase.environments.is_empty() {
            environments.iter().filter(|e| !named.contains(e)).cloned().collect()
        } else {
            phase.environments.clone()
        };
        named.extend(members.iter().cloned());
        let (automatic, optional) =
            if phase.automatic { (members, Vec::new()) } else { (Vec::new(), members) };
        phases.push(Phase {
            name: phase.name.clone(),
            automatic,
            optional,
            is_optional: phase.optional,
            entered: false,
        });
    }
    Lifecycle { name: lifecycle.name.clone(), phases }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_spellings_are_told_from_octopus_urls() {
        assert!(is_github("github:acme/shop", None));
        assert!(is_github("github:", None));
        assert!(is_github("https://github.com/acme/shop", None));
        assert!(is_github("https://ghe.example.com/acme/shop", Some("https://ghe.example.com/api/v3")));
        assert!(!is_github("https://octopus.example.com/", None));
        assert!(!is_github("https://octopus.example.com/", Some("https://api.github.com")));
    }

    #[test]
    fn phases_without_environments_take_the_rest() {
        let config = Config::parse(
            r#"
[[environments]]
name = "Dev"
[[environments]]
name = "Test"
[[environments]]
name = "Prod"
[[lifecycles]]
name = "Default"
phases = [{ name = "First", environments = ["Dev"], automatic = true }, { name = "Rest" }]
"#,
        )
        .unwrap();
        let lifecycle = lifecycle_for(&config, Some("Shop")).unwrap().unwrap();
        assert_eq!(lifecycle.phases[0].automatic, ["Dev"]);
        assert_eq!(lifecycle.phases[1].optional, ["Test", "Prod"]);
        let plain = Config::parse("[[environments]]\nname = \"A\"\n").unwrap();
        assert!(lifecycle_for(&plain, None).unwrap().is_none(), "no lifecycle: any environment");
    }
}
