//! Test-only helpers for Ferry's reliability and security suites (never shipped):
//!
//! - [`proxy`]: a fault-injecting TCP proxy on loopback that understands HTTP/1.1 request framing,
//!   so faults can target one request (delay, drop, reset mid-stream in either direction, answer
//!   429/502/503 with or without `Retry-After`, lose the response after the server committed).
//! - [`server`]: start `ferry server` as a child process over a temporary data directory on a
//!   free loopback port, wait until it answers, kill it (SIGKILL) and restart it.
//! - [`http`]: a tiny blocking HTTP/1.1 client over `std::net` that can send anything, including
//!   requests no well-behaved client library would (NUL bytes, `%2F`, broken multipart).
//! - [`flow`]: the shared configuration, running `ferry`, making packages, reading state back.
//! - [`github`]: a fake GitHub REST API (releases, assets, deployments) judged by GitHub's
//!   published OpenAPI description.
//! - [`oidc`]: a test OIDC issuer (RSA and P-256 keys, their JWKS, JWTs signed by hand).
//! - [`rng`]: a seeded, dependency-free random number generator for reproducible fault plans.

pub mod flow;
pub mod github;
pub mod http;
pub mod oidc;
pub mod proxy;
pub mod rng;
pub mod server;

/// Whether the long versions of the suites were asked for (`FERRY_LONG=1`).
pub fn long_mode() -> bool {
    matches!(std::env::var("FERRY_LONG").as_deref(), Ok("1") | Ok("true") | Ok("yes"))
}

/// Pick the short or the long figure depending on [`long_mode`].
pub fn runs(short: usize, long: usize) -> usize {
    if long_mode() { long } else { short }
}
