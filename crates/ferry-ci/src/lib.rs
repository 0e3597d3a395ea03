//! CI context for Ferry: which CI system a command runs on, what it knows about the build
//! (number, URL, branch, repository, commit), the git history since the previous build, and how
//! to talk back to the CI in its own protocol (step outputs, summaries, annotations, masks).

pub mod build_info;
pub mod context;
pub mod git;
pub mod git_version;
pub mod github_api;
pub mod github_event;
pub mod history;
pub mod output;
pub mod system;

pub use context::BuildContext;
pub use output::{CiOutput, CommandStream, PlainOutput, output_for};
pub use system::CiSystem;
