//! Integration tests of the server over HTTP: start it on a loopback port over a temporary
//! data directory and drive it the way the official clients and curl do.

mod common;
mod deploy_options;

mod config_as_code;
mod conformance;
mod discovery;
mod dispatch;
mod feed;
mod go_cli;
mod hostile;
mod lifecycle;
mod oidc;
mod releases;
mod restart;
mod tasks;
