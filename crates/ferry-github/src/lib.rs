//! GitHub as a Ferry deployment server: a release version is a GitHub Release (tag from
//! `--tag-format`), a package or build information is one of its assets, a deployment to an
//! environment is a GitHub Deployment with statuses.
//!
//! Every call goes through `octocrab`. Ferry adds what a release pipeline needs on top: typed
//! errors that say which permission a 403 wants ([`error`]), rate-limit waits that never exceed
//! a bound ([`rate_limit`]), and creates that look before they retry, so a lost answer never
//! leaves a second release, asset or deployment ([`GitHubClient`]).

mod assets;
mod client;
mod deployments;
pub mod error;
mod paging;
pub mod rate_limit;
mod releases;
mod tag;
pub mod target;
pub mod token;

pub use assets::{Asset, AssetContent, AssetPush, PushOutcome, build_info_asset_name};
pub use client::{ClientOptions, GitHubClient};
pub use deployments::{Deployment, DeploymentState, DeploymentStatus, NewDeployment, NewStatus, Wait};
pub use error::{ErrorKind, GitHubError, Permission};
pub use rate_limit::RetryPolicy;
pub use releases::{NewRelease, Release};
pub use tag::{TagFormat, TagFormatError, is_latest};
pub use target::{GitHubTarget, TargetError};
pub use token::{Token, TokenKind, TokenSource};
