//! The command tree as users see it: the derive definition in [`crate::cli`] plus what derive
//! cannot say per command. Global flags are global in clap, so every command would list every
//! server option; here offline commands keep accepting them (scripts pass them everywhere) but
//! hide them, and `ferry server` refuses the options of a client.

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command, VersionSubcommand};

/// Options for reaching a server (or choosing the embedded one): meaningless to a command that
/// never talks to one, and to `ferry server` itself.
pub const CLIENT_OPTIONS: &[&str] = &[
    "server",
    "embedded",
    "api_key",
    "api_key_file",
    "access_token_file",
    "service_account_id",
    "space",
    "ca_cert",
    "insecure",
    "connect_timeout",
    "request_timeout",
    "tag_format",
];

/// Options of the embedded server (its configuration and data folder).
const EMBEDDED_SERVER_OPTIONS: &[&str] = &["config", "data"];

/// Commands that work without a server, as paths from the root.
const OFFLINE_COMMANDS: &[&[&str]] = &[
    &["package", "create"],
    &["pack"],
    &["build-info", "create"],
    &["release-notes"],
    &["version"],
    &["completions"],
    &["man"],
    &["init"],
];

/// The clap command with the per-command help adjustments.
pub fn command() -> clap::Command {
    let mut root = Cli::command();
    let hidden_copies = |ids: &[&str]| -> Vec<clap::Arg> {
        let root = Cli::command();
        ids.iter()
            .map(|id| {
                root.get_arguments()
                    .find(|arg| arg.get_id() == id)
                    .unwrap_or_else(|| panic!("global option `{id}` is not defined in cli.rs"))
                    .clone()
                    .hide(true)
            })
            .collect()
    };
    let offline_hidden = hidden_copies(&[CLIENT_OPTIONS, EMBEDDED_SERVER_OPTIONS].concat());
    for path in OFFLINE_COMMANDS {
        root = with_args_at(root, path, &offline_hidden);
    }
    root = with_args_at(root, &["server"], &hidden_copies(CLIENT_OPTIONS));
    root.mut_subcommand("version", |version| {
        LEGACY_VERSION_FLAGS.iter().fold(version, |version, id| version.mut_arg(id, |arg| arg.hide(true)))
    })
}

/// The flags of `version next` that `ferry version` took before it printed Ferry's own version.
const LEGACY_VERSION_FLAGS: &[&str] = &["prerelease_label", "use_build_number", "repo"];

/// Add `args` to the subcommand at `path`. A subcommand that has an argument of a global's id
/// does not receive the global (clap skips it), so a hidden copy hides it there and below.
fn with_args_at(command: clap::Command, path: &[&str], args: &[clap::Arg]) -> clap::Command {
    match path.split_first() {
        None => command.args(args.iter().cloned()),
        Some((name, rest)) => command.mut_subcommand(name, |sub| with_args_at(sub, rest, args)),
    }
}

/// Parse `args` (the first is the program name).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut command = command();
    let matches = command.try_get_matches_from_mut(args)?;
    refuse_client_options_for_server(&mut command, &matches)?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(|err| err.format(&mut command))?;
    if let (Command::Version(version), Some(("version", version_matches))) =
        (&mut cli.command, matches.subcommand())
        && version.next.is_none()
        && LEGACY_VERSION_FLAGS
            .iter()
            .any(|id| version_matches.value_source(id) == Some(ValueSource::CommandLine))
    {
        version.next = Some(VersionSubcommand::Next(version.legacy.clone()));
    }
    Ok(cli)
}

/// `ferry server` is the server: `--server`, `--api-key` and the other client options would be
/// silently ignored, so they are a usage error naming the flag.
fn refuse_client_options_for_server(
    command: &mut clap::Command,
    matches: &ArgMatches,
) -> Result<(), clap::Error> {
    if !matches!(matches.subcommand_name(), Some("server")) {
        return Ok(());
    }
    let given = CLIENT_OPTIONS.iter().find(|id| matches.value_source(id) == Some(ValueSource::CommandLine));
    let Some(id) = given else { return Ok(()) };
    let flag = format!("--{}", id.replace('_', "-"));
    Err(command.error(
        clap::error::ErrorKind::ArgumentConflict,
        format!(
            "`ferry server` does not take {flag}: it is an option for commands that talk to a server\n\n\
             tip: the server's own API keys come from FERRY_SERVER_API_KEYS; drop {flag} from this command"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command path of the tree, without the generated `help`.
    fn command_paths(command: &clap::Command, prefix: &[String], paths: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            command_paths(sub, &path, paths);
            paths.push(path);
        }
    }

    /// An example's arguments as a shell splits them: on spaces, `"..."` kept whole.
    fn shell_words(line: &str) -> Vec<String> {
        let mut words = vec![String::new()];
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ' ' if !quoted => words.push(String::new()),
                c => words.last_mut().expect("one word at least").push(c),
            }
        }
        words.retain(|word| !word.is_empty());
        words
    }

    #[test]
    fn the_adjusted_tree_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn every_leaf_command_has_examples_and_each_parses() {
        let mut root = command();
        root.build();
        let mut paths = Vec::new();
        command_paths(&root, &[], &mut paths);
        let mut checked = 0;
        for path in &paths {
            let mut sub = &root;
            for name in path {
                sub = sub.find_subcommand(name).expect("path from the tree");
            }
            if sub.has_subcommands() && sub.get_name() != "version" {
                continue;
            }
            let examples = sub.get_after_long_help().map(ToString::to_string).unwrap_or_default();
            let lines: Vec<&str> =
                examples.lines().filter_map(|line| line.strip_prefix("  ferry ")).collect();
            assert!(
                lines.len() >= 2,
                "`ferry {}` needs two or three examples, has {}",
                path.join(" "),
                lines.len()
            );
            for line in lines {
                // The help is wrapped at 100 columns; a wrapped example cannot be pasted.
                assert!(
                    line.len() + "  ferry ".len() <= 98,
                    "example too wide to stay on one line: ferry {line}"
                );
                let words = shell_words(line);
                let argv = std::iter::once("ferry").chain(words.iter().map(String::as_str));
                let parsed = parse_from(argv);
                assert!(parsed.is_ok(), "example `ferry {line}` does not parse: {}", parsed.unwrap_err());
                checked += 1;
            }
        }
        assert!(checked >= 30, "only {checked} examples checked");
    }

    #[test]
    fn server_refuses_client_options_before_or_after_the_command() {
        for argv in [
            &["ferry", "server", "--server", "http://x.test"][..],
            &["ferry", "--api-key", "API-X", "server"],
            &["ferry", "server", "--insecure"],
            &["ferry", "--embedded", "server"],
        ] {
            let err = parse_from(argv).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict, "{argv:?}");
            assert!(
                err.to_string().contains(&format!(
                    "does not take {}",
                    argv.iter().find(|a| a.starts_with("--")).unwrap()
                )),
                "{err}"
            );
        }
        assert!(parse_from(["ferry", "--data", "d", "server", "--config", "f.toml"]).is_ok());
    }

    #[test]
    fn offline_commands_accept_but_do_not_list_server_options() {
        assert!(
            parse_from([
                "ferry",
                "package",
                "create",
                "--id",
                "A",
                "--version",
                "1.0.0",
                "--server",
                "http://x.test"
            ])
            .is_ok()
        );
        let mut root = command();
        let help = root
            .find_subcommand_mut("package")
            .and_then(|package| package.find_subcommand_mut("create"))
            .map(|create| create.render_long_help().to_string())
            .unwrap();
        assert!(!help.contains("--server"), "{help}");
    }

    #[test]
    fn a_leading_v_is_stripped_everywhere_a_version_is_taken() {
        let cases: &[&[&str]] = &[
            &["package", "create", "--id", "P", "--version", "v1.4.0"],
            &["pack", "--id", "P", "--version", "v1.4.0"],
            &["build-info", "create", "--version", "v1.4.0"],
            &["build-info", "push", "--package-id", "P", "--version", "v1.4.0"],
            &["release", "create", "--project", "P", "--version", "v1.4.0"],
            &["release", "create", "--project", "P", "--package-version", "v1.4.0"],
            &["release", "deploy", "--project", "P", "--version", "v1.4.0", "--to", "Test"],
            &["ship", "--project", "P", "--id", "P", "--version", "v1.4.0"],
        ];
        for args in cases {
            let cli = parse_from(std::iter::once(&"ferry").chain(args.iter())).unwrap();
            let parsed = format!("{:?}", cli.command);
            assert!(parsed.contains("\"1.4.0\"") && !parsed.contains("v1.4.0"), "{args:?}: {parsed}");
        }
    }

    #[test]
    fn the_old_version_flags_still_compute_a_version_from_git() {
        let next = |argv: &[&str]| match parse_from(argv).unwrap().command {
            Command::Version(version) => version.next.map(|VersionSubcommand::Next(args)| args),
            other => panic!("{other:?}"),
        };
        let legacy = next(&["ferry", "version", "--prerelease-label", "beta"]).expect("runs `version next`");
        assert_eq!(legacy.prerelease_label, "beta");
        assert!(next(&["ferry", "version", "--use-build-number"]).is_some());
        assert!(next(&["ferry", "version", "next"]).is_some());
        assert!(next(&["ferry", "version"]).is_none(), "plain `ferry version` prints Ferry's version");
        assert!(next(&["ferry", "-o", "json", "version"]).is_none());
    }
}
