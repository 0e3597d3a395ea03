//! `ferry server`: run the deployment server until SIGINT/SIGTERM.

use std::net::{SocketAddr, ToSocketAddrs};

use ferry_server::{ServerOptions, TlsFiles};

use crate::cli::ServerArgs;
use crate::context::{Ctx, env_first};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ServerArgs) -> anyhow::Result<()> {
    let listen = parse_listen(&args.listen)?;
    if args.workers == 0 || args.workers > 256 {
        return Err(UserError::usage("--workers must be between 1 and 256").into());
    }
    if args.max_upload_mib == 0 || args.max_json_kib == 0 {
        return Err(UserError::usage("--max-upload-mib and --max-json-kib must be at least 1").into());
    }
    let api_keys = keys_from_env()?;
    let mut options = ServerOptions::embedded(ctx.data_dir(), ctx.config_path());
    options.listen = listen;
    options.workers = args.workers;
    options.max_upload_bytes = args.max_upload_mib.saturating_mul(1024 * 1024);
    options.max_json_bytes = args.max_json_kib.saturating_mul(1024);
    options.deploy_timeout = args.deploy_timeout;
    options.automatic_deployment_delay = args.automatic_deployment_delay;
    options.api_keys = api_keys;
    options.require_keys_off_loopback = true;
    options.dashboard_read_only = args.dashboard_read_only;
    options.tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert: cert.clone(), key: key.clone() }),
        _ => None,
    };
    let running = ferry_server::start(options).await.map_err(|err| match err {
        ferry_server::ServerError::Options(message) => anyhow::Error::from(UserError::usage(message)),
        ferry_server::ServerError::Config { .. } => anyhow::Error::from(
            UserError::failure(err.to_string())
                .hint("check the file against the ferry.toml example in the README"),
        ),
        ferry_server::ServerError::Io { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse => {
            anyhow::Error::from(
                UserError::failure(format!(
                    "could not listen on {listen}: another program uses that address (a ferry server already running?)"
                ))
                .hint("stop that program, or pass another address: --listen 127.0.0.1:PORT (or FERRY_LISTEN)"),
            )
        }
        other => anyhow::Error::from(other),
    })?;
    eprintln!("listening on {}", running.url());
    eprintln!("dashboard: {}", running.dashboard_url());
    ctx.info(&format!("data directory: {}", ctx.data_dir().display()));
    match (&ctx.global.config, ctx.config_path()) {
        (Some(flag), _) => ctx.info(&format!("configuration: {} (from --config)", flag.display())),
        (None, Some(found)) => {
            ctx.info(&format!("configuration: {} (found in the working directory)", found.display()))
        }
        (None, None) => {}
    }
    running.run_until_signal().await;
    Ok(())
}

/// `127.0.0.1:8065`, `[::1]:8065`, `localhost:8065`, or `:8065` (all interfaces).
fn parse_listen(text: &str) -> anyhow::Result<SocketAddr> {
    let text = text.trim();
    let bad = || {
        UserError::usage(format!("--listen `{text}` is not an address like 127.0.0.1:8065 or localhost:8065"))
    };
    if let Some(port) = text.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| bad())?;
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let mut addrs = text.to_socket_addrs().map_err(|_| bad())?;
    addrs.next().ok_or_else(|| bad().into())
}

/// Keys from FERRY_SERVER_API_KEYS (comma or whitespace separated).
fn keys_from_env() -> anyhow::Result<Vec<String>> {
    let Some(text) = env_first(&["FERRY_SERVER_API_KEYS"]) else { return Ok(Vec::new()) };
    let keys: Vec<String> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    for (index, key) in keys.iter().enumerate() {
        if !ferry_server::config::is_valid_api_key(key) {
            return Err(UserError::usage(format!(
                "FERRY_SERVER_API_KEYS: key {} is not `API-` followed by upper-case letters and digits",
                index + 1
            ))
            .into());
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_forms() {
        assert_eq!(parse_listen("127.0.0.1:8065").unwrap().port(), 8065);
        assert!(parse_listen(":9000").unwrap().ip().is_unspecified());
        assert!(parse_listen("localhost:8065").unwrap().ip().is_loopback());
        assert!(parse_listen("nope").is_err());
    }
}
