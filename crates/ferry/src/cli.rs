//! The command line: every flag of every command, as clap derive structs.
//!
//! This file is the contract the CI adapters (`actions/`, `azure-pipelines-tasks/`, `jenkins/`,
//! `bitbucket/`) map their inputs onto. Renaming a flag is a breaking change for them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ferry_core::deploy_options::{DeploymentOptions, parse_time};
use ferry_core::duration::{LONGEST_SECONDS, parse_duration};
pub use ferry_core::if_exists::IfExists;

use crate::help_examples as examples;
use crate::version_flag::parse_version_flag;

/// Ferry carries a build to production: package, push, release, deploy.
#[derive(Debug, Parser)]
#[command(name = "ferry", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every command.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// How results are printed on stdout: human text, or exactly one JSON document.
    #[arg(short = 'o', long, global = true, help_heading = GLOBAL_OPTIONS, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Print more detail on stderr (repeat for more).
    #[arg(short = 'v', long, global = true, help_heading = GLOBAL_OPTIONS, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print nothing on stderr but errors.
    #[arg(short = 'q', long, global = true, help_heading = GLOBAL_OPTIONS, conflicts_with = "verbose")]
    pub quiet: bool,

    /// The CI system to read the build context from and write native output for.
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, value_enum, default_value_t = CiChoice::Auto, env = "FERRY_CI", hide_env_values = true)]
    pub ci: CiChoice,

    /// Octopus Deploy (or `ferry server`) URL, or a GitHub repository: `github:OWNER/REPO`,
    /// `https://github.com/OWNER/REPO`, `github:` for $GITHUB_REPOSITORY (token from GITHUB_TOKEN,
    /// then GH_TOKEN, then --api-key-file). Without one, Ferry runs its embedded server over
    /// `--data` (in CI only with `--embedded`).
    ///
    /// [env: FERRY_SERVER, then OCTOPUS_URL]
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "URL")]
    pub server: Option<String>,

    /// API key for the server (the environment variables are safer than this flag).
    ///
    /// [env: FERRY_API_KEY, then OCTOPUS_API_KEY]
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "KEY")]
    pub api_key: Option<String>,

    /// Read the API key from this file (first line).
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "FILE", conflicts_with = "api_key")]
    pub api_key_file: Option<PathBuf>,

    /// Read an access token (e.g. from an OIDC login) from this file (first line); sent as
    /// `Authorization: Bearer`. An API key wins when both are set, as in the Octopus CLI.
    ///
    /// [env: FERRY_ACCESS_TOKEN, then OCTOPUS_ACCESS_TOKEN]
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "FILE")]
    pub access_token_file: Option<PathBuf>,

    /// Log in as this Octopus service account with the CI job's OIDC token instead of an API key
    /// (GitHub Actions, with `permissions: id-token: write`).
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "ID", env = "OCTOPUS_SERVICE_ACCOUNT_ID", hide_env_values = true)]
    pub service_account_id: Option<String>,

    /// Space name or id. Default: the server's default space.
    ///
    /// [env: FERRY_SPACE, then OCTOPUS_SPACE]
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "NAME|ID")]
    pub space: Option<String>,

    /// Configuration file (environments, lifecycles, projects). Default: ./ferry.toml when present.
    #[arg(long, global = true, help_heading = EMBEDDED_SERVER_OPTIONS, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read the arguments from FILE, a JSON array of strings in UTF-8 (first argument only; the CI
    /// adapters use it so that no shell or Windows command-line parsing re-splits a value).
    #[arg(long, help_heading = GLOBAL_OPTIONS, value_name = "FILE")]
    pub args_file: Option<PathBuf>,

    /// Use the embedded server (in-process, over `--data`) when no server is configured. Needed
    /// in CI and whenever an API key or access token is set: there, no server is an error.
    #[arg(long, global = true, help_heading = EMBEDDED_SERVER_OPTIONS, env = "FERRY_EMBEDDED", hide_env_values = true, value_parser = clap::builder::BoolishValueParser::new(), conflicts_with = "server")]
    pub embedded: bool,

    /// Data directory of the embedded server. Default: ./.ferry
    #[arg(long, global = true, help_heading = EMBEDDED_SERVER_OPTIONS, value_name = "DIR", env = "FERRY_DATA", hide_env_values = true)]
    pub data: Option<PathBuf>,

    /// Extra CA certificate (PEM) to trust for the server. SSL_CERT_FILE is honoured too.
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Do not verify the server's TLS certificate (dangerous; prints a warning).
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS)]
    pub insecure: bool,

    /// With a GitHub server, how a release version becomes a tag: `{version}` exactly once
    /// (default `v{version}`; `api/v{version}` for one project of a monorepo).
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "FORMAT")]
    pub tag_format: Option<String>,

    /// Seconds to wait for a connection to the server.
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=LONGEST_SECONDS))]
    pub connect_timeout: u64,

    /// The environment flag (`--to`, `--environment`, ...) each environment name was typed with,
    /// for errors that name it (filled in from the raw arguments, not by clap).
    #[arg(skip)]
    pub environment_flags: Vec<(String, String)>,

    /// Seconds to wait for one HTTP request to complete (uploads: per request, not per file).
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=LONGEST_SECONDS))]
    pub request_timeout: u64,
}

/// Help heading of the flags every command takes.
const GLOBAL_OPTIONS: &str = "Global options";
/// Help heading of the flags for reaching a server (hidden on offline commands).
const CLIENT_OPTIONS: &str = "Server connection options";
/// Help heading of the embedded server's flags.
const EMBEDDED_SERVER_OPTIONS: &str = "Embedded server options";

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// Exactly one JSON document on stdout.
    Json,
}

/// Which CI system to assume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiChoice {
    /// Detect it from the environment.
    Auto,
    /// GitHub Actions.
    Github,
    /// Azure Pipelines.
    Azure,
    /// Jenkins.
    Jenkins,
    /// Bitbucket Pipelines.
    Bitbucket,
    /// GitLab CI.
    Gitlab,
    /// TeamCity.
    Teamcity,
    /// CircleCI.
    Circleci,
    /// AppVeyor.
    Appveyor,
    /// Atlassian Bamboo.
    Bamboo,
    /// Continua CI.
    Continua,
    /// No CI system: plain output, no build context from the environment.
    None,
}

/// Octopus's spelling of `--if-exists` (`--overwrite-mode FailIfExists`), accepted for
/// familiarity and parsed into the same [`IfExists`].
fn overwrite_mode_parser() -> impl clap::builder::TypedValueParser<Value = IfExists> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    PossibleValuesParser::new([
        PossibleValue::new("FailIfExists").help("Same as `--if-exists fail`"),
        PossibleValue::new("IgnoreIfExists").help("Same as `--if-exists ignore`"),
        PossibleValue::new("OverwriteExisting").help("Same as `--if-exists overwrite`"),
    ])
    // The parser above admits only the three names, which IfExists reads.
    .map(|name| name.parse::<IfExists>().unwrap_or_default())
}

/// Archive formats Ferry can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackageFormat {
    /// A zip archive.
    Zip,
    /// A NuGet package (zip with a nuspec and OPC parts).
    Nupkg,
    /// A gzip-compressed tar archive.
    #[value(name = "tar.gz", alias = "targz", alias = "tgz")]
    TarGz,
}

/// Ferry's commands.
#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once per process; boxing the flags would buy nothing")]
pub enum Command {
    /// Create and push packages.
    #[command(subcommand)]
    Package(PackageCommand),
    /// Create a package (same as `ferry package create`).
    #[command(after_long_help = examples::PACKAGE_CREATE)]
    Pack(PackageCreateArgs),
    /// Create and push build information.
    #[command(subcommand, name = "build-info")]
    BuildInfo(BuildInfoCommand),
    /// Render markdown release notes from build information.
    #[command(after_long_help = examples::RELEASE_NOTES)]
    ReleaseNotes(ReleaseNotesArgs),
    /// Print Ferry's version and build information; `version next` computes a version from git.
    #[command(after_long_help = examples::VERSION, args_conflicts_with_subcommands = true)]
    Version(VersionCommandArgs),
    /// Create, list, show, deploy, promote and roll back releases.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Server tasks: list, show, log, wait for and cancel them.
    #[command(subcommand)]
    Task(TaskCommand),
    /// The server's projects.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// The server's environments.
    #[command(subcommand)]
    Environment(EnvironmentCommand),
    /// Start a Ferry setup here: a commented ferry.toml, a deploy script and a CI workflow.
    #[command(after_long_help = examples::INIT)]
    Init(InitArgs),
    /// Check ferry.toml and the server connection without changing anything (exit 1 on a problem).
    #[command(after_long_help = examples::CHECK)]
    Check(CheckArgs),
    /// Run runbooks (Octopus Deploy servers; `ferry server` has none).
    #[command(subcommand)]
    Runbook(RunbookCommand),
    /// The whole pipeline step: package, push, build information, release, deploy, wait.
    #[command(after_long_help = examples::SHIP)]
    Ship(ShipArgs),
    /// Run Ferry's deployment server (an Octopus-compatible API over SQLite).
    #[command(after_long_help = examples::SERVER)]
    Server(ServerArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(after_long_help = examples::COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Print Ferry's manual page (roff), or write one page per command into a folder.
    #[command(after_long_help = examples::MAN)]
    Man(ManArgs),
}

/// `ferry package ...`
impl Command {
    /// The prompted variable values (`--variable NAME=VALUE`) the command was given: possible
    /// secrets, masked in everything Ferry prints.
    pub fn variable_values(&self) -> Vec<&str> {
        let deploy = match self {
            Command::Ship(args) => &args.deploy,
            Command::Release(ReleaseCommand::Deploy(args)) => &args.deploy,
            Command::Release(ReleaseCommand::Promote(args)) => &args.deploy,
            Command::Release(ReleaseCommand::Rollback(args)) => &args.deploy,
            Command::Runbook(RunbookCommand::Run(args)) => {
                return args.variables.iter().map(|(_, value)| value.as_str()).collect();
            }
            _ => return Vec::new(),
        };
        deploy.variables.iter().map(|(_, value)| value.as_str()).collect()
    }
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once per process; boxing the flags would buy nothing")]
pub enum PackageCommand {
    /// Create a zip, nupkg or tar.gz package, reproducibly.
    #[command(after_long_help = examples::PACKAGE_CREATE)]
    Create(PackageCreateArgs),
    /// Push packages to the server's built-in feed.
    #[command(after_long_help = examples::PACKAGE_PUSH)]
    Push(PackagePushArgs),
}

/// Flags of `ferry package create`.
#[derive(Debug, Args, Clone)]
pub struct PackageCreateArgs {
    /// Package id (letters, digits, `_`, `-`, `.`).
    #[arg(long)]
    pub id: String,
    /// Package version (e.g. 1.2.3, 1.2.3.4, 1.2.3-beta.1), or `auto` to compute it from git.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: String,
    #[command(flatten)]
    pub pack: PackOptions,
}

/// How to build a package: shared by `package create` and `ship`.
#[derive(Debug, Args, Clone)]
pub struct PackOptions {
    /// Archive format.
    #[arg(long, value_enum, default_value_t = PackageFormat::Zip)]
    pub format: PackageFormat,
    /// Folder whose content is packaged.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub base_path: PathBuf,
    /// Files to include, as globs relative to the base path (repeatable). Default: `**`.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Files to exclude, as globs relative to the base path (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Folder to write the package to. Default: the current folder (`ship`: a temporary folder,
    /// removed after the push).
    #[arg(long, value_name = "DIR")]
    pub out_folder: Option<PathBuf>,
    /// Replace an existing package file of the same name.
    #[arg(long)]
    pub overwrite: bool,
    /// Deflate level, 0 (store) to 9 (smallest).
    #[arg(long, value_name = "0-9", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    pub compression_level: u32,
    /// Package author (nupkg; repeatable). Default: the package id.
    #[arg(long = "author", value_name = "NAME")]
    pub authors: Vec<String>,
    /// Package title (nupkg).
    #[arg(long)]
    pub title: Option<String>,
    /// Package description (nupkg). Default: the package id.
    #[arg(long)]
    pub description: Option<String>,
    /// Release notes written into the package (nupkg); `ship` makes them the release's notes too.
    #[arg(long, conflicts_with = "release_notes_file")]
    pub release_notes: Option<String>,
    /// Read the release notes from a file: written into the package (nupkg); `ship` makes them
    /// the release's notes too.
    #[arg(long, value_name = "FILE")]
    pub release_notes_file: Option<PathBuf>,
    /// Keep the files' own modification times (packages are then not reproducible).
    #[arg(long)]
    pub preserve_mtimes: bool,
    /// Create the package even when no file is selected.
    #[arg(long)]
    pub allow_empty: bool,
}

/// Flags of `ferry package push`.
#[derive(Debug, Args, Clone)]
pub struct PackagePushArgs {
    /// Package files to push.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub if_exists: IfExistsArgs,
}

/// `--if-exists` with Octopus's `--overwrite-mode` spelling as an alternative.
#[derive(Debug, Args, Clone)]
pub struct IfExistsArgs {
    /// What to do when it already exists on the server.
    #[arg(long, value_enum, default_value_t = IfExists::Fail)]
    pub if_exists: IfExists,
    /// Octopus's spelling of `--if-exists`.
    #[arg(long, value_parser = overwrite_mode_parser(), conflicts_with = "if_exists")]
    pub overwrite_mode: Option<IfExists>,
}

impl IfExistsArgs {
    /// The effective behaviour, whichever spelling was used.
    pub fn resolve(&self) -> IfExists {
        self.overwrite_mode.unwrap_or(self.if_exists)
    }
}

/// `ferry build-info ...`
#[derive(Debug, Subcommand)]
pub enum BuildInfoCommand {
    /// Collect build information (CI context, commits, work items) into a JSON file.
    #[command(after_long_help = examples::BUILD_INFO_CREATE)]
    Create(BuildInfoCreateArgs),
    /// Push build information to the server for package versions.
    #[command(after_long_help = examples::BUILD_INFO_PUSH)]
    Push(BuildInfoPushArgs),
}

/// How commits and work items are collected from git: shared by build-info and ship.
#[derive(Debug, Args, Clone)]
pub struct CollectOptions {
    /// Start of the commit range (exclusive). Default: the previous build's commit on the
    /// server, else the nearest tag, else the last `--max-commits` commits.
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,
    /// Most commits to record (1 to 1000000).
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MOST_COMMITS))]
    pub max_commits: usize,
    /// Deepen a shallow clone (`git fetch --deepen`/`--unshallow`) when history is missing.
    #[arg(long)]
    pub deepen: bool,
    /// The git repository to read. Default: the current directory.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Extra work-item pattern (regex; the first capture group, or the whole match, is the id).
    #[arg(long, value_name = "REGEX")]
    pub work_item_pattern: Vec<String>,
    /// Link template for work items, `{id}` is replaced (e.g. https://jira.example.com/browse/{id}).
    #[arg(long, value_name = "TEMPLATE")]
    pub work_item_url: Option<String>,
    /// Add a work item by hand (repeatable).
    #[arg(long = "work-item", value_name = "ID")]
    pub work_items: Vec<String>,
    /// Only these Jira-style project keys count as work items (comma-separated).
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    pub work_item_keys: Vec<String>,
}

/// Flags of `ferry build-info create`.
#[derive(Debug, Args, Clone)]
pub struct BuildInfoCreateArgs {
    /// Package ids this build information is for (repeatable).
    #[arg(long = "package-id", value_name = "ID")]
    pub package_ids: Vec<String>,
    /// Package version, or `auto`.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: String,
    /// Where to write the JSON. `-` for stdout.
    #[arg(long, value_name = "PATH", default_value = "buildinfo.octopus.json")]
    pub file: PathBuf,
    #[command(flatten)]
    pub collect: CollectOptions,
}

/// Flags of `ferry build-info push`.
#[derive(Debug, Args, Clone)]
pub struct BuildInfoPushArgs {
    /// Package ids to attach the build information to (repeatable).
    #[arg(long = "package-id", value_name = "ID", required = true)]
    pub package_ids: Vec<String>,
    /// Package version, or `auto`.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: String,
    /// A file written by `ferry build-info create`; without it, collected on the spot.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub if_exists: IfExistsArgs,
    #[command(flatten)]
    pub collect: CollectOptions,
}

/// Flags of `ferry release-notes`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseNotesArgs {
    /// Build information files (repeatable). Default: collect from git on the spot.
    #[arg(long = "from-build-info", value_name = "FILE")]
    pub from_build_info: Vec<PathBuf>,
    /// A template file replacing the default layout. Its placeholders (an unknown one is an
    /// error):
    ///
    /// {{version}} the version (--version, else the one computed from git);
    /// {{summary}} the one-line summary;
    /// {{changes}} commits grouped by conventional-commit type (or one list);
    /// {{commits}} every commit as one list;
    /// {{work_items}} the work-item list;
    /// {{branch}} the branch;
    /// {{build_number}} the CI build number;
    /// {{build_url}} the CI build URL;
    /// {{commit}} the commit that was built;
    /// {{repository}} the repository's web URL.
    #[arg(long, value_name = "FILE", verbatim_doc_comment)]
    pub template: Option<PathBuf>,
    /// The version the notes are for: their heading, and `{{version}}` in a template. Default: the
    /// version computed from git (`ferry version next`); none with --from-build-info.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: Option<String>,
    /// Write the notes to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub collect: CollectOptions,
}

/// Flags of `ferry version`: without a subcommand, Ferry's own version and build information.
#[derive(Debug, Args, Clone)]
pub struct VersionCommandArgs {
    #[command(subcommand)]
    pub next: Option<VersionSubcommand>,
    /// The flags of `version next` in their old place (`ferry version --use-build-number`), hidden
    /// and kept working; `command_tree` turns them into `version next`.
    #[command(flatten)]
    pub legacy: VersionArgs,
}

/// `ferry version ...`
#[derive(Debug, Subcommand, Clone)]
pub enum VersionSubcommand {
    /// Compute a version for HEAD from git (tags, commits since, date).
    #[command(after_long_help = examples::VERSION_NEXT)]
    Next(VersionArgs),
}

/// Flags of `ferry completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Flags of `ferry man`.
#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// Write `ferry.1` and one page per command (`ferry-release-deploy.1`, ...) into this folder
    /// instead of printing `ferry.1`.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Flags of `ferry version next`.
#[derive(Debug, Args, Clone)]
pub struct VersionArgs {
    /// Pre-release label for untagged commits.
    #[arg(long, value_name = "LABEL", default_value = "ci")]
    pub prerelease_label: String,
    /// Use the CI build number as the pre-release counter instead of commits since the tag.
    #[arg(long)]
    pub use_build_number: bool,
    /// The git repository to read. Default: the current directory.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

/// `ferry release ...`
#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Create a release of a project.
    #[command(after_long_help = examples::RELEASE_CREATE)]
    Create(ReleaseCreateArgs),
    /// Deploy a release to environments.
    #[command(after_long_help = examples::RELEASE_DEPLOY)]
    Deploy(ReleaseDeployArgs),
    /// Deploy the release that is current in one environment to others.
    #[command(after_long_help = examples::RELEASE_PROMOTE)]
    Promote(ReleasePromoteArgs),
    /// Redeploy the release that succeeded in an environment before the current one.
    #[command(after_long_help = examples::RELEASE_ROLLBACK)]
    Rollback(ReleaseRollbackArgs),
    /// List a project's newest releases and where each is deployed.
    #[command(after_long_help = examples::RELEASE_LIST)]
    List(ReleaseListArgs),
    /// Show one release: channel, packages, notes and its deployments.
    #[command(after_long_help = examples::RELEASE_SHOW)]
    Show(ReleaseShowArgs),
}

/// How many items a list command shows: a bounded page, never the whole collection.
#[derive(Debug, Args, Clone)]
pub struct TakeArgs {
    /// Show at most N items, newest first (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub take: u16,
}

/// Flags of `ferry release list`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseListArgs {
    /// Project name, slug or id.
    #[arg(long)]
    pub project: String,
    #[command(flatten)]
    pub take: TakeArgs,
}

/// Flags of `ferry release show`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseShowArgs {
    /// Project name, slug or id.
    #[arg(long)]
    pub project: String,
    /// Release version, or `latest`.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: String,
}

/// `ferry project ...`
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// List the projects.
    #[command(after_long_help = examples::PROJECT_LIST)]
    List(TakeArgs),
    /// Show one project: lifecycle, channels and newest releases.
    #[command(after_long_help = examples::PROJECT_SHOW)]
    Show(ProjectShowArgs),
}

/// Flags of `ferry project show`.
#[derive(Debug, Args, Clone)]
pub struct ProjectShowArgs {
    /// Project name, slug or id.
    #[arg(value_name = "PROJECT")]
    pub project: String,
}

/// `ferry environment ...`
#[derive(Debug, Subcommand)]
pub enum EnvironmentCommand {
    /// List the environments in deployment order.
    #[command(after_long_help = examples::ENVIRONMENT_LIST)]
    List(TakeArgs),
}

/// Flags of `ferry init`.
#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// Name of the project. Default: the current folder's name.
    #[arg(long)]
    pub project: Option<String>,
    /// Replace ferry.toml, deploy.sh and the workflow when they exist.
    #[arg(long)]
    pub force: bool,
}

/// Flags of `ferry check`.
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// Also check this project: it exists, and its lifecycle allows a next deployment.
    #[arg(long)]
    pub project: Option<String>,
    /// Check only the configuration file; do not contact a server.
    #[arg(long)]
    pub offline: bool,
}

/// Flags of `ferry release create`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseCreateArgs {
    /// Project name, slug or id. Required, except with a GitHub server: there the repository's
    /// name by default.
    #[arg(long)]
    pub project: Option<String>,
    /// Release version, or `auto`. Default: the channel's next version.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: Option<String>,
    #[command(flatten)]
    pub release: ReleaseOptions,
    /// Deploy the release to this environment once created (repeatable; octo's `--deployTo`). A
    /// deployment the lifecycle started there by itself is followed, not repeated.
    #[arg(long = "deploy-to", value_name = "ENV")]
    pub deploy_to: Vec<String>,
    #[command(flatten)]
    pub wait: WaitOptions,
}

/// Release options shared by `release create` and `ship`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseOptions {
    /// Channel name. Default: chosen by the server.
    #[arg(long)]
    pub channel: Option<String>,
    /// Package version for a step: `ID:VERSION`, `STEP:VERSION` or `STEP:REF:VERSION` (repeatable;
    /// `=` and `/` separate too, as in octo; `\:` is a literal colon).
    #[arg(long = "package", value_name = "SPEC", value_parser = parse_package_spec)]
    pub packages: Vec<String>,
    /// Version for every package not given with `--package`.
    #[arg(long, value_name = "VERSION", value_parser = parse_version_flag)]
    pub package_version: Option<String>,
    /// Release notes.
    #[arg(long, conflicts_with_all = ["release_notes_file", "release_notes_auto"])]
    pub release_notes: Option<String>,
    /// Read release notes from a file.
    #[arg(long, value_name = "FILE", conflicts_with = "release_notes_auto")]
    pub release_notes_file: Option<PathBuf>,
    /// Render release notes from the build information of the release's packages.
    #[arg(long)]
    pub release_notes_auto: bool,
    /// What to do when the release version exists already.
    #[arg(long = "if-exists", value_enum, default_value_t = ReleaseIfExists::Fail)]
    pub if_exists: ReleaseIfExists,
    /// Git reference for version-controlled projects.
    #[arg(long)]
    pub git_ref: Option<String>,
    /// Git commit for version-controlled projects.
    #[arg(long)]
    pub git_commit: Option<String>,
}

/// `--if-exists` for releases (a release is never overwritten).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReleaseIfExists {
    /// Stop with an error (exit 1).
    Fail,
    /// Use the existing release.
    Ignore,
}

/// Waiting for deployments: shared by deploy, promote, rollback and ship.
#[derive(Debug, Args, Clone)]
pub struct WaitOptions {
    /// Wait for the deployments to finish, streaming their logs.
    #[arg(long)]
    pub wait: bool,
    /// How long to wait, e.g. 90s, 10m, 1h.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Cancel the deployments that are still running when the wait times out.
    #[arg(long)]
    pub cancel_on_timeout: bool,
    /// The longest pause between two looks at the tasks, e.g. 10s, 500ms. The first looks come
    /// sooner (from 100ms, doubling); 10s is the Octopus CLI's `task wait` interval.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub poll_interval: std::time::Duration,
}

/// Deployment options shared by deploy, promote, rollback and ship.
#[derive(Debug, Args, Clone)]
pub struct DeployOptions {
    /// Tenant name or id (repeatable); makes the deployment tenanted.
    #[arg(long = "tenant", value_name = "NAME")]
    pub tenants: Vec<String>,
    /// Deploy to every tenant with this tag, `Tag set/Tag` (repeatable); makes the deployment
    /// tenanted.
    #[arg(long = "tenant-tag", value_name = "SET/TAG")]
    pub tenant_tags: Vec<String>,
    /// Prompted variable value, `NAME=VALUE` (split on the first `=`; repeatable).
    #[arg(long = "variable", value_name = "NAME=VALUE", value_parser = parse_name_value)]
    pub variables: Vec<(String, String)>,
    /// Do not start the deployment before this time: RFC 3339 (2026-11-28T19:00:00Z, any
    /// offset) or an offset from now such as +10m.
    #[arg(long, value_name = "TIME", value_parser = parse_time_flag)]
    pub deploy_at: Option<jiff::Timestamp>,
    /// Give up on a scheduled deployment that has not started by this time (same forms as
    /// --deploy-at).
    #[arg(long, value_name = "TIME", value_parser = parse_time_flag)]
    pub no_deploy_after: Option<jiff::Timestamp>,
    /// Pause for guidance when a step fails, instead of failing the deployment.
    #[arg(long)]
    pub guided_failure: bool,
    /// Step not to run (repeatable).
    #[arg(long = "skip", value_name = "STEP")]
    pub skip_steps: Vec<String>,
    /// Deploy only to these deployment targets (comma-separated).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub specific_machines: Vec<String>,
    /// Do not deploy to these deployment targets (comma-separated).
    #[arg(long = "exclude-machines", value_name = "A,B", value_delimiter = ',')]
    pub excluded_machines: Vec<String>,
    /// Download the packages again even where a target has them already.
    #[arg(long)]
    pub force_package_download: bool,
    /// With a GitHub server, run this shell command here as the deployment (with the `FERRY_*`
    /// variables `ferry server` gives its deploy commands) and report it as the deployment's
    /// statuses; without it an external deployer (a workflow on `deployment`) runs it.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    #[command(flatten)]
    pub wait: WaitOptions,
    /// Print the plan (what would be pushed, created and deployed) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl DeployOptions {
    /// What a GitHub server needs to know of a deployment run for `project`.
    pub fn github_run<'a>(&'a self, project: &'a str) -> crate::github_target::GitHubRun<'a> {
        crate::github_target::GitHubRun {
            project: Some(project),
            exec: self.exec.as_deref(),
            exec_timeout: self.wait.timeout,
            first_use: None,
            unhonoured: crate::github_target::Unhonoured::in_deploy_options(self),
        }
    }
}

impl DeployOptions {
    /// The options the deployment request carries besides tenants and variables.
    pub fn deployment_options(&self) -> DeploymentOptions {
        DeploymentOptions {
            tenant_tags: self.tenant_tags.clone(),
            skip_steps: self.skip_steps.clone(),
            specific_machines: self.specific_machines.clone(),
            excluded_machines: self.excluded_machines.clone(),
            force_package_download: self.force_package_download,
            // Unset leaves it to the project's setting, as Octopus's `null` does.
            guided_failure: self.guided_failure.then_some(true),
            run_at: self.deploy_at,
            no_run_after: self.no_deploy_after,
        }
    }
}

/// `--deploy-at` and `--no-deploy-after`: offsets count from when the flag is read.
fn parse_time_flag(text: &str) -> Result<jiff::Timestamp, String> {
    parse_time(text, jiff::Timestamp::now())
}

/// Flags of `ferry release deploy`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseDeployArgs {
    /// Project name, slug or id. Required, except with a GitHub server: there the repository's
    /// name by default.
    #[arg(long)]
    pub project: Option<String>,
    /// Release version, or `latest`.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: String,
    /// Environments to deploy to (repeatable).
    #[arg(long = "environment", visible_alias = "to", value_name = "ENV", required = true)]
    pub environments: Vec<String>,
    #[command(flatten)]
    pub deploy: DeployOptions,
}

/// Flags of `ferry release promote`.
#[derive(Debug, Args, Clone)]
pub struct ReleasePromoteArgs {
    /// Project name, slug or id. Required, except with a GitHub server: there the repository's
    /// name by default.
    #[arg(long)]
    pub project: Option<String>,
    /// Environment whose current release is promoted: the one its newest finished deployment
    /// put there, when that deployment succeeded.
    #[arg(long = "from-environment", visible_alias = "from", value_name = "ENV")]
    pub from: String,
    /// Promote the newest release that succeeded in `--from`, even when a later deployment
    /// there failed.
    #[arg(long)]
    pub latest_successful: bool,
    /// Environments to deploy to (repeatable).
    #[arg(long = "environment", visible_alias = "to", value_name = "ENV", required = true)]
    pub environments: Vec<String>,
    #[command(flatten)]
    pub deploy: DeployOptions,
}

/// Flags of `ferry release rollback`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseRollbackArgs {
    /// Project name, slug or id. Required, except with a GitHub server: there the repository's
    /// name by default.
    #[arg(long)]
    pub project: Option<String>,
    /// Environment to roll back.
    #[arg(long, value_name = "ENV")]
    pub environment: String,
    #[command(flatten)]
    pub deploy: DeployOptions,
}

/// `ferry task ...`
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Wait for server tasks to finish, streaming their logs.
    #[command(after_long_help = examples::TASK_WAIT)]
    Wait(TaskWaitArgs),
    /// List the newest server tasks.
    #[command(after_long_help = examples::TASK_LIST)]
    List(TaskListArgs),
    /// Show one task: state, times, what it deploys, and why it failed.
    #[command(after_long_help = examples::TASK_SHOW)]
    Show(TaskIdArgs),
    /// Print a task's log.
    #[command(after_long_help = examples::TASK_LOG)]
    Log(TaskLogArgs),
    /// Cancel tasks that have not finished.
    #[command(after_long_help = examples::TASK_CANCEL)]
    Cancel(TaskCancelArgs),
}

/// Flags of `ferry task list`.
#[derive(Debug, Args, Clone)]
pub struct TaskListArgs {
    /// Only tasks of this project (name, slug or id).
    #[arg(long)]
    pub project: Option<String>,
    /// Only tasks of this environment (name or id).
    #[arg(long, value_name = "ENV")]
    pub environment: Option<String>,
    /// Only tasks in this state (repeatable): Queued, Executing, Success, Failed, Canceled, TimedOut.
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
    /// Only tasks that have not finished.
    #[arg(long)]
    pub active: bool,
    #[command(flatten)]
    pub take: TakeArgs,
}

/// The task `ferry task show` shows.
#[derive(Debug, Args, Clone)]
pub struct TaskIdArgs {
    /// Task id (ServerTasks-N).
    #[arg(value_name = "ID")]
    pub id: String,
}

/// Flags of `ferry task log`.
#[derive(Debug, Args, Clone)]
pub struct TaskLogArgs {
    /// Task id (ServerTasks-N).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Print only the last N lines.
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
}

/// Flags of `ferry task cancel`.
#[derive(Debug, Args, Clone)]
pub struct TaskCancelArgs {
    /// Task ids (ServerTasks-N).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

/// Flags of `ferry task wait`.
#[derive(Debug, Args, Clone)]
pub struct TaskWaitArgs {
    /// Task ids (ServerTasks-N).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// How long to wait, e.g. 90s, 10m, 1h.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Cancel the tasks that are still running when the wait times out.
    #[arg(long)]
    pub cancel_on_timeout: bool,
    /// The longest pause between two looks at the tasks, e.g. 10s, 500ms. The first looks come
    /// sooner (from 100ms, doubling); 10s is the Octopus CLI's `task wait` interval.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub poll_interval: std::time::Duration,
}

/// `ferry runbook ...`
#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// Run a project's published runbook in environments, optionally waiting for it.
    #[command(after_long_help = examples::RUNBOOK_RUN)]
    Run(RunbookRunArgs),
}

/// Flags of `ferry runbook run`.
#[derive(Debug, Args, Clone)]
pub struct RunbookRunArgs {
    /// Project name or id.
    #[arg(long)]
    pub project: String,
    /// Runbook name.
    #[arg(long)]
    pub runbook: String,
    /// Environments to run in (repeatable).
    #[arg(long = "environment", value_name = "ENV", required = true)]
    pub environments: Vec<String>,
    /// Tenant name or id (repeatable).
    #[arg(long = "tenant", value_name = "TENANT")]
    pub tenants: Vec<String>,
    /// Tenant tag, `TAG-SET/TAG`: run for every tenant that has it (repeatable).
    #[arg(long = "tenant-tag", value_name = "SET/TAG")]
    pub tenant_tags: Vec<String>,
    /// Prompted variable value, `NAME=VALUE` (split on the first `=`; repeatable).
    #[arg(long = "variable", value_name = "NAME=VALUE", value_parser = parse_name_value)]
    pub variables: Vec<(String, String)>,
    /// Pause for a person on a failure (guided failure) instead of failing the run.
    #[arg(long)]
    pub guided_failure: bool,
    #[command(flatten)]
    pub wait: WaitOptions,
}

/// Flags of `ferry ship`.
#[derive(Debug, Args, Clone)]
pub struct ShipArgs {
    /// Project name, slug or id. Required, except with a GitHub server: there the repository's
    /// name by default.
    #[arg(long)]
    pub project: Option<String>,
    /// Package id.
    #[arg(long)]
    pub id: String,
    /// Version of the package and the release, or `auto`.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: String,
    #[command(flatten)]
    pub pack: PackOptions,
    /// What to do with a package, build information or release that exists already.
    #[arg(long = "if-exists", value_enum, default_value_t = IfExists::Fail)]
    pub if_exists: IfExists,
    /// Channel name. Default: chosen by the server.
    #[arg(long)]
    pub channel: Option<String>,
    /// Environments to deploy to. Default: the lifecycle's automatic phase.
    #[arg(long = "environment", visible_alias = "to", value_name = "ENV")]
    pub environments: Vec<String>,
    #[command(flatten)]
    pub release: ShipReleaseOptions,
    #[command(flatten)]
    pub collect: CollectOptions,
    #[command(flatten)]
    pub deploy: DeployOptions,
}

/// The release inputs of `ship` besides the package it packs (the Octopus actions' `packages`,
/// `git_ref` and `git_commit`; their `release_notes_file` is the pack options'
/// `--release-notes-file`, which ship also makes the release's notes).
#[derive(Debug, Args, Clone)]
pub struct ShipReleaseOptions {
    /// Version of another package of the release: `ID:VERSION`, `STEP:VERSION` or
    /// `STEP:REF:VERSION` (repeatable). The package ship packs always gets --version.
    #[arg(long = "package", value_name = "SPEC", value_parser = parse_package_spec)]
    pub packages: Vec<String>,
    /// Git reference for version-controlled projects.
    #[arg(long)]
    pub git_ref: Option<String>,
    /// Git commit for version-controlled projects.
    #[arg(long)]
    pub git_commit: Option<String>,
}

/// Flags of `ferry server`.
#[derive(Debug, Args, Clone)]
pub struct ServerArgs {
    /// Address to listen on. A non-loopback address requires API keys.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8065",
        env = "FERRY_LISTEN",
        hide_env_values = true
    )]
    pub listen: String,
    /// TLS certificate chain (PEM); serves HTTPS with `--tls-key`.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Concurrent deployment tasks.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub workers: usize,
    /// Largest package upload accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 10 * 1024)]
    pub max_upload_mib: u64,
    /// Largest JSON request body accepted, in KiB.
    #[arg(long, value_name = "KIB", default_value_t = 1024)]
    pub max_json_kib: u64,
    /// Time a deploy command may run before its task is TimedOut, e.g. 30m.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
    pub deploy_timeout: std::time::Duration,
    /// Serve the web dashboard without any action that changes something (a wall display).
    #[arg(long)]
    pub dashboard_read_only: bool,
    /// Pause between answering a release request and queuing its automatic deployments. Octopus
    /// queues them a moment after its answer; this reproduces a slow one (for tests of clients).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration, hide = true)]
    pub automatic_deployment_delay: std::time::Duration,
}

/// The most commits `--max-commits` accepts: far more than any release note can use, and far from
/// the counts that would overflow.
pub const MOST_COMMITS: u64 = 1_000_000;

/// A `--package` value in any form the official CLIs accept, passed on in the canonical
/// `:`-separated form (one parser: ferry-core's `PackageSpec`).
pub fn parse_package_spec(text: &str) -> Result<String, String> {
    text.parse::<ferry_core::package_spec::PackageSpec>()
        .map(|spec| spec.to_string())
        .map_err(|err| err.to_string())
}

/// Parse `NAME=VALUE`, splitting on the first `=` only (values may contain `=` and `:`).
pub fn parse_name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not NAME=VALUE (the name is everything before the first `=`)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn environment_is_one_flag_with_to_and_from_as_aliases() {
        let environments = |line: &str| match Cli::try_parse_from(line.split_whitespace()).unwrap().command {
            Command::Release(ReleaseCommand::Deploy(args)) => args.environments,
            Command::Release(ReleaseCommand::Promote(args)) => [vec![args.from], args.environments].concat(),
            Command::Release(ReleaseCommand::Rollback(args)) => vec![args.environment],
            Command::Ship(args) => args.environments,
            other => panic!("{other:?}"),
        };
        let deploy = "ferry release deploy --project P --version 1.0.0";
        assert_eq!(environments(&format!("{deploy} --environment Test --to Prod")), ["Test", "Prod"]);
        let promote = "ferry release promote --project P";
        assert_eq!(environments(&format!("{promote} --from Test --to Prod")), ["Test", "Prod"]);
        assert_eq!(
            environments(&format!("{promote} --from-environment Test --environment Prod")),
            ["Test", "Prod"]
        );
        assert_eq!(environments("ferry release rollback --project P --environment Prod"), ["Prod"]);
        let ship = "ferry ship --project P --id P --version 1.0.0";
        assert_eq!(environments(&format!("{ship} --environment Test --to Prod")), ["Test", "Prod"]);
    }

    #[test]
    fn name_value_splits_on_first_equals_only() {
        assert_eq!(
            parse_name_value("Url=https://x.test/a?b=c").unwrap(),
            ("Url".to_owned(), "https://x.test/a?b=c".to_owned())
        );
        assert!(parse_name_value("=v").is_err());
        assert!(parse_name_value("novalue").is_err());
    }
}
