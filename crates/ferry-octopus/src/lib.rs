//! ferry-octopus: the Octopus Deploy REST client Ferry uses against Octopus Deploy and against
//! Ferry's own server.
//!
//! One [`Client`] per run: [`Client::connect`] reads `GET /api`, resolves the space, and then
//! every operation goes through one retry loop (exponential backoff with jitter, `Retry-After`
//! honoured, on connection errors, timeouts, 408, 429, 502, 503 and 504). Reads and writes that
//! are safe to repeat are retried as they are; package uploads re-open and re-stream the file;
//! release and deployment creation look for what an ambiguous attempt may have created before
//! trying again, so a retry never duplicates them. Every failure is an [`OctopusError`] that
//! says what Ferry was doing, what the server answered, and what to try next.

mod api;
mod client;
mod error;
pub mod model;
mod progress;
mod upload;

pub use api::{CreateRelease, CreatedDeployment, CreatedRelease, DeployRequest, StoredBuildInformation};
pub use client::{Client, ClientOptions, MAX_RETRY_AFTER, Notifier, Retry};
pub use error::{ErrorKind, OctopusError, close_names};
pub use ferry_core::if_exists::PushStatus;
pub use progress::ProgressMode;
pub use upload::PushOutcome;
