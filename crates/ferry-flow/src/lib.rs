//! ferry-flow: Ferry's release workflow as a library.
//!
//! The workflow decisions (which release `promote` picks and `rollback` returns to, whether a
//! lifecycle lets a new release reach the targets of one run, the order in which several
//! environments are deployed) are written once here against the [`DeploymentServer`] trait, so
//! they are unit-tested against an in-memory server and shared by every target: the Octopus
//! client (which also serves `ferry server`) implements the trait in [`octopus`].
//!
//! The flow decides and returns typed results; it never prints and never chooses an exit code.
//! The binary turns the results into text, JSON and exit statuses.

pub mod activity_log;
pub mod adoption;
pub mod follow;
pub mod github;
pub mod lifecycle_guard;
pub mod model;
pub mod octopus;
pub mod order;
pub mod previous_build;
pub mod selection;
mod server;
pub mod ship;

pub use server::DeploymentServer;
