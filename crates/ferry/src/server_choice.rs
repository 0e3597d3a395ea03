//! Whether a command may fall back to the embedded server when no server is configured.
//!
//! On a developer's machine, "no `--server`" means "try it out on the embedded server". In a CI
//! job it almost always means a missing secret or variable (an empty `vars.FERRY_SERVER`, a
//! missing Azure service connection, an unset Bitbucket variable): deploying into a throwaway
//! folder on the agent and reporting success would hide that. So in CI, or whenever credentials
//! for a real server are present, the embedded server must be asked for by name.

use ferry_ci::CiSystem;

use crate::exit::UserError;

/// Why a configured server is expected rather than the embedded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteExpected {
    /// Ferry runs in this CI system (detected, or named with `--ci`).
    Ci(CiSystem),
    /// The CI variable `CI` is set, but the system is not one Ferry knows.
    GenericCi,
    /// An API key or access token is set: it can only be meant for a real server.
    Credentials,
}

/// Decide whether running without a server must be refused. `var` looks up the environment;
/// `has_credentials` says whether an API key, an access token or a service account id came from
/// a flag, a file or the environment.
pub fn remote_expected(
    ci_system: CiSystem,
    has_credentials: bool,
    var: impl Fn(&str) -> Option<String>,
) -> Option<RemoteExpected> {
    let set = |name: &str| var(name).is_some_and(|value| !value.trim().is_empty());
    // Most CI systems set CI=true (GitHub, GitLab, Bitbucket, CircleCI, AppVeyor, Travis…);
    // "false" and "0" are how a user says "not CI" on purpose.
    let generic_ci = var("CI").is_some_and(|value| {
        !matches!(value.trim().to_ascii_lowercase().as_str(), "" | "false" | "0" | "no" | "off")
    });
    if ci_system != CiSystem::None {
        Some(RemoteExpected::Ci(ci_system))
    } else if generic_ci {
        Some(RemoteExpected::GenericCi)
    } else if has_credentials || set("FERRY_ACCESS_TOKEN") || set("OCTOPUS_ACCESS_TOKEN") {
        Some(RemoteExpected::Credentials)
    } else {
        None
    }
}

/// The usage error (exit 2) for a command that needs a server and has none, naming the setting
/// of the adapter for `why`'s CI system.
pub fn no_server_error(why: RemoteExpected) -> UserError {
    let (context, setting) = match why {
        RemoteExpected::Ci(system) => {
            (format!("Ferry runs in {}", system.build_environment()), setting_for(system))
        }
        RemoteExpected::GenericCi => {
            ("Ferry runs in a CI job (CI is set)".to_owned(), "set FERRY_SERVER to the server's URL")
        }
        RemoteExpected::Credentials => (
            "an API key or access token is set".to_owned(),
            "set FERRY_SERVER (or --server) to the server the key belongs to",
        ),
    };
    UserError::usage(format!(
        "no server configured: {context}, so Ferry will not deploy to a throwaway embedded server on this machine"
    ))
    .hint(setting)
    .hint("to use the embedded server on purpose, pass --embedded (FERRY_EMBEDDED=1, or `embedded: true` in the Ferry CI adapters)")
}

/// Where each adapter takes the server from.
fn setting_for(system: CiSystem) -> &'static str {
    match system {
        CiSystem::GitHub => {
            "set the `server` input of the Ferry action (e.g. `server: ${{ vars.FERRY_SERVER }}`; an unset repository variable is empty), or FERRY_SERVER"
        }
        CiSystem::Azure => {
            "set the task's `ferryService` input to a Ferry or Octopus service connection, or the variable FERRY_SERVER"
        }
        CiSystem::Jenkins => {
            "pass `server:` to the Ferry step, or set FERRY_SERVER in the job or the agent's environment"
        }
        CiSystem::Bitbucket => {
            "set the repository or deployment variable FERRY_SERVER (passed to the pipe as FERRY_SERVER)"
        }
        _ => "set FERRY_SERVER (or OCTOPUS_URL, or --server) to the server's URL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_developer_machine_keeps_the_embedded_default() {
        assert_eq!(remote_expected(CiSystem::None, false, env(&[])), None);
        assert_eq!(remote_expected(CiSystem::None, false, env(&[("CI", "false")])), None);
    }

    #[test]
    fn ci_generic_ci_and_credentials_each_require_a_server() {
        assert_eq!(
            remote_expected(CiSystem::Jenkins, false, env(&[])),
            Some(RemoteExpected::Ci(CiSystem::Jenkins))
        );
        assert_eq!(
            remote_expected(CiSystem::None, false, env(&[("CI", "true")])),
            Some(RemoteExpected::GenericCi)
        );
        assert_eq!(remote_expected(CiSystem::None, true, env(&[])), Some(RemoteExpected::Credentials));
        assert_eq!(
            remote_expected(CiSystem::None, false, env(&[("OCTOPUS_ACCESS_TOKEN", "eyJ")])),
            Some(RemoteExpected::Credentials)
        );
    }

    #[test]
    fn the_error_is_a_usage_error_naming_the_adapter_setting() {
        let err = no_server_error(RemoteExpected::Ci(CiSystem::Azure));
        assert_eq!(err.status, crate::exit::ExitStatus::Usage);
        assert!(err.hints.iter().any(|hint| hint.contains("ferryService")), "{:?}", err.hints);
        assert!(err.hints.iter().any(|hint| hint.contains("--embedded")), "{:?}", err.hints);
    }
}
