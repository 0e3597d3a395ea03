//! CI context for Ferry: which CI system a command runs on, what it knows about the build
//! (number, URL, branch, repository, commit), the git history since the previous build, and how
//! to talk back to the CI in its own protocol (step outputs, summaries, annotations, masks).

pub mod output;
pub mod system;

pub use output::{CiOutput, PlainOutput};
pub use system::CiSystem;
