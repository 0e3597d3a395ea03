//! The command line: every flag of every command, as clap derive structs.
//!
//! This file is the contract the CI adapters (`actions/`, `azure-pipelines-tasks/`, `jenkins/`,
//! `bitbucket/`) map their inputs onto. Renaming a flag is a breaking change for them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
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

    /// Octopus Deploy (or `ferry server`) URL. Without one, Ferry runs its embedded server over
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

    /// Seconds to wait for a connection to the server.
    #[arg(long, global = true, help_heading = CLIENT_OPTIONS, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=LONGEST_SECONDS))]
    pub connect_timeout: u64,

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
    /// Create, deploy, promote and roll back releases.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Server tasks.
    #[command(subcommand)]
    Task(TaskCommand),
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
    /// A template file replacing the default layout.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
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
    /// Deploy the newest release that succeeded in one environment to others.
    #[command(after_long_help = examples::RELEASE_PROMOTE)]
    Promote(ReleasePromoteArgs),
    /// Redeploy the release that succeeded in an environment before the current one.
    #[command(after_long_help = examples::RELEASE_ROLLBACK)]
    Rollback(ReleaseRollbackArgs),
}

/// Flags of `ferry release create`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseCreateArgs {
    /// Project name, slug or id.
    #[arg(long)]
    pub project: String,
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
    /// Package version for a step: `ID:VERSION`, `STEP:VERSION` or `STEP:REF:VERSION` (repeatable).
    #[arg(long = "package", value_name = "SPEC")]
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
    /// How often to poll the server, e.g. 1s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub poll_interval: std::time::Duration,
}

/// Deployment options shared by deploy, promote, rollback and ship.
#[derive(Debug, Args, Clone)]
pub struct DeployOptions {
    /// Tenant name or id (repeatable).
    #[arg(long = "tenant", value_name = "TENANT")]
    pub tenants: Vec<String>,
    /// Prompted variable value, `NAME=VALUE` (split on the first `=`; repeatable).
    #[arg(long = "variable", value_name = "NAME=VALUE", value_parser = parse_name_value)]
    pub variables: Vec<(String, String)>,
    #[command(flatten)]
    pub wait: WaitOptions,
    /// Print the plan (what would be pushed, created and deployed) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Flags of `ferry release deploy`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseDeployArgs {
    /// Project name, slug or id.
    #[arg(long)]
    pub project: String,
    /// Release version, or `latest`.
    #[arg(long, value_parser = parse_version_flag)]
    pub version: String,
    /// Environments to deploy to (repeatable).
    #[arg(long = "to", value_name = "ENV", required = true)]
    pub environments: Vec<String>,
    #[command(flatten)]
    pub deploy: DeployOptions,
}

/// Flags of `ferry release promote`.
#[derive(Debug, Args, Clone)]
pub struct ReleasePromoteArgs {
    /// Project name, slug or id.
    #[arg(long)]
    pub project: String,
    /// Environment whose newest successful release is promoted.
    #[arg(long, value_name = "ENV")]
    pub from: String,
    /// Environments to deploy to (repeatable).
    #[arg(long = "to", value_name = "ENV", required = true)]
    pub environments: Vec<String>,
    #[command(flatten)]
    pub deploy: DeployOptions,
}

/// Flags of `ferry release rollback`.
#[derive(Debug, Args, Clone)]
pub struct ReleaseRollbackArgs {
    /// Project name, slug or id.
    #[arg(long)]
    pub project: String,
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
    /// How often to poll the server, e.g. 1s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub poll_interval: std::time::Duration,
}

/// Flags of `ferry ship`.
#[derive(Debug, Args, Clone)]
pub struct ShipArgs {
    /// Project name, slug or id.
    #[arg(long)]
    pub project: String,
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
    #[arg(long = "to", value_name = "ENV")]
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
    #[arg(long = "package", value_name = "SPEC")]
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
}

/// The most commits `--max-commits` accepts: far more than any release note can use, and far from
/// the counts that would overflow.
pub const MOST_COMMITS: u64 = 1_000_000;

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
    fn name_value_splits_on_first_equals_only() {
        assert_eq!(
            parse_name_value("Url=https://x.test/a?b=c").unwrap(),
            ("Url".to_owned(), "https://x.test/a?b=c".to_owned())
        );
        assert!(parse_name_value("=v").is_err());
        assert!(parse_name_value("novalue").is_err());
    }
}
