//! What can go wrong when GitHub is the deployment server: GitHub's own errors, and the rules
//! Ferry enforces itself because GitHub has no lifecycles.

use ferry_github::GitHubError;

/// An error of [`super::GitHubServer`].
#[derive(Debug, thiserror::Error)]
pub enum GitHubServerError {
    /// GitHub refused or failed a request; it carries the permission hints.
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    /// `--project` names neither the repository nor a tag prefix of the tag format.
    #[error(
        "project {project} is not the repository {repository}: with a GitHub server the project is the repository"
    )]
    OtherProject {
        /// The name given.
        project: String,
        /// `OWNER/REPO`.
        repository: String,
    },
    /// No release (or a draft only) has the tag of `version`.
    #[error("{repository} has no published release {tag} (version {version})")]
    NoRelease {
        /// `OWNER/REPO`.
        repository: String,
        /// The tag looked for.
        tag: String,
        /// The version asked for.
        version: String,
    },
    /// A release version exists and the request did not say to use it.
    #[error("{repository} has a release {tag} already")]
    ReleaseExists {
        /// `OWNER/REPO`.
        repository: String,
        /// Its tag.
        tag: String,
    },
    /// GitHub cannot choose a version: a tag needs one.
    #[error("a release on GitHub needs a version: its tag is made from it")]
    NoVersion,
    /// A package file whose name is not `ID.VERSION.EXT`.
    #[error(transparent)]
    PackageName(#[from] ferry_core::package_id::PackageIdError),
    /// Build information that is not JSON in Ferry's shape.
    #[error("the build information asset {name} is not Ferry's build information: {message}")]
    BadBuildInformation {
        /// The asset's name.
        name: String,
        /// What the parser said.
        message: String,
    },
    /// A version that is not a version (the tag format needs one).
    #[error("`{0}` is not a release version")]
    BadVersion(String),
    /// ferry.toml's lifecycle does not let the release reach the environment yet.
    #[error(
        "the lifecycle {lifecycle} does not let {version} be deployed to {environment} yet: deploy it successfully to {} first",
        first.join(", ")
    )]
    LifecycleRefused {
        /// The lifecycle's name.
        lifecycle: String,
        /// The release version.
        version: String,
        /// Where it was to go.
        environment: String,
        /// Environments it must succeed in first.
        first: Vec<String>,
    },
    /// The environment is in no phase of the lifecycle.
    #[error("the environment {environment} is in no phase of the lifecycle {lifecycle}")]
    NotInLifecycle {
        /// The lifecycle's name.
        lifecycle: String,
        /// The environment.
        environment: String,
    },
    /// A package of the release could not be downloaded into, or unpacked in, the work folder.
    #[error("could not unpack {asset} for the deploy command: {message}")]
    Unpack {
        /// The asset's name.
        asset: String,
        /// Why.
        message: String,
    },
    /// `--exec`'s command could not be started.
    #[error("could not start the deploy command `{command}`: {source}")]
    Exec {
        /// The command.
        command: String,
        /// Why.
        source: std::io::Error,
    },
}

impl GitHubServerError {
    /// What the user can do about it.
    pub fn hints(&self) -> Vec<String> {
        match self {
            GitHubServerError::GitHub(error) => error.hints.clone(),
            GitHubServerError::OtherProject { repository, .. } => vec![format!(
                "pass --project {repository} (or leave it out), or use --tag-format PROJECT/v{{version}} in a monorepo"
            )],
            GitHubServerError::NoRelease { version, .. } => {
                vec![format!("create it first: ferry release create --version {version}")]
            }
            GitHubServerError::BadVersion(_) | GitHubServerError::NoVersion => {
                vec!["pass --version with a SemVer version such as 1.2.0".to_owned()]
            }
            GitHubServerError::ReleaseExists { .. } => {
                vec!["pass --if-exists ignore to use the existing release".to_owned()]
            }
            GitHubServerError::PackageName(_) => {
                vec![
                    "package files are named ID.VERSION.EXT, as `ferry package create` writes them"
                        .to_owned(),
                ]
            }
            GitHubServerError::BadBuildInformation { .. } => {
                vec!["push it again with `ferry build-info push --if-exists overwrite`".to_owned()]
            }
            GitHubServerError::LifecycleRefused { .. } | GitHubServerError::NotInLifecycle { .. } => {
                vec!["the lifecycles come from ferry.toml (--config); Ferry enforces them from the deployments GitHub holds".to_owned()]
            }
            GitHubServerError::Unpack { .. } => {
                vec!["push the package again with `ferry package push --if-exists overwrite`".to_owned()]
            }
            GitHubServerError::Exec { .. } => {
                vec!["check the --exec command and that `sh` is on PATH".to_owned()]
            }
        }
    }

    /// Whether the caller asked for something that cannot work (exit 2) rather than a refusal.
    pub fn is_usage(&self) -> bool {
        match self {
            GitHubServerError::GitHub(error) => error.kind == ferry_github::ErrorKind::Usage,
            GitHubServerError::OtherProject { .. }
            | GitHubServerError::BadVersion(_)
            | GitHubServerError::NoVersion
            | GitHubServerError::PackageName(_) => true,
            _ => false,
        }
    }
}
