//! Ferry's deployment server: a subset of the Octopus Deploy REST API over SQLite.
//!
//! [`start`] opens (or creates) a data directory, applies the `ferry.toml` configuration,
//! fails tasks interrupted by a previous stop (and starts those still queued), and serves HTTP (or HTTPS) until
//! [`RunningServer::shutdown`]. The same function backs `ferry server` and the in-process
//! server the CLI starts when no `--server` is given.
//!
//! Modules, one job each: [`config`] (the file), `store` (SQLite), `feed` (package files),
//! `archive` (checking and extracting packages), `lifecycle` and `channel` (rules), `deploy`
//! (creating releases and deployments), `tasks` (the dispatcher running deploy commands),
//! `api` (the routes), `dashboard` (the web pages under `/app`), `auth`, [`oidc`] (service
//! accounts and the token exchange), `paging`, [`errors`].

mod api;
pub mod archive;
mod auth;
pub mod channel;
pub mod config;
mod dashboard;
mod deploy;
mod deploy_options;
pub mod errors;
mod feed;
mod lifecycle;
mod lock;
pub mod oidc;
mod paging;
mod server;
mod state;
mod store;
mod tasks;
mod versions;

pub use auth::generate_api_key;
pub use errors::{ApiError, ServerError};
pub use server::{RunningServer, ServerOptions, TlsFiles, start};
