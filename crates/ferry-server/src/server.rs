//! Starting and stopping the server: [`ServerOptions`], [`start`], [`RunningServer`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum_server::Handle;

use crate::config::{Config, is_valid_api_key};
use crate::errors::ServerError;
use crate::oidc::ServiceAccounts;
use crate::state::{AppState, Limits};
use crate::store::Store;

/// A TLS certificate chain and key (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Where the database and package files live (created if missing).
    pub data_dir: PathBuf,
    /// The `ferry.toml` to apply at start.
    pub config: Option<PathBuf>,
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Deployment tasks running at once.
    pub workers: usize,
    /// Largest package upload, in bytes.
    pub max_upload_bytes: u64,
    /// Largest JSON body, in bytes.
    pub max_json_bytes: u64,
    /// Default deploy command timeout.
    pub deploy_timeout: Duration,
    /// How long after answering a release request the lifecycle's automatic deployments are
    /// created (Octopus queues them a moment after its answer too; tests lengthen it).
    pub automatic_deployment_delay: Duration,
    /// API keys (besides the configuration's). Empty with none configured: no authentication.
    pub api_keys: Vec<String>,
    /// Serve HTTPS with these.
    pub tls: Option<TlsFiles>,
    /// Refuse a non-loopback `listen` without API keys (the `ferry server` command sets this).
    pub require_keys_off_loopback: bool,
    /// How long [`RunningServer::shutdown`] lets running deployments finish before cancelling them.
    pub shutdown_grace: Duration,
    /// The web dashboard offers no state-changing action (a wall display); `[dashboard]
    /// read_only` in the configuration sets it too.
    pub dashboard_read_only: bool,
    /// Visitors who have not signed in see the dashboard read-only, even with API keys (the
    /// CLI's in-process server: loopback only, its key made for the process and never shown).
    pub dashboard_open_read_only: bool,
}

impl ServerOptions {
    /// The in-process server of the CLI: `127.0.0.1:0`, no API keys.
    pub fn embedded(data_dir: PathBuf, config: Option<PathBuf>) -> Self {
        ServerOptions {
            data_dir,
            config,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: 4,
            max_upload_bytes: 10 << 30,
            max_json_bytes: 1 << 20,
            deploy_timeout: Duration::from_secs(30 * 60),
            automatic_deployment_delay: Duration::ZERO,
            api_keys: Vec::new(),
            tls: None,
            require_keys_off_loopback: true,
            shutdown_grace: Duration::from_secs(30),
            dashboard_read_only: false,
            dashboard_open_read_only: false,
        }
    }
}

/// A server that is accepting requests.
pub struct RunningServer {
    local_addr: SocketAddr,
    scheme: &'static str,
    handle: Handle<SocketAddr>,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
    state: AppState,
    grace: Duration,
    _lock: crate::lock::DataLock,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}

/// Open the data directory, apply the configuration and start serving.
pub async fn start(options: ServerOptions) -> Result<RunningServer, ServerError> {
    let config = match &options.config {
        Some(path) => Some(Config::load(path)?),
        None => None,
    };
    let mut keys: Vec<String> = options.api_keys.clone();
    let mut dashboard = crate::dashboard::DashboardOptions {
        read_only: options.dashboard_read_only,
        read_only_keys: Vec::new(),
        open_read_only: options.dashboard_open_read_only,
        secure_cookies: options.tls.is_some(),
    };
    let service_accounts = match &config {
        Some(config) => {
            let base_dir = config.base_dir.clone().unwrap_or_else(|| PathBuf::from("."));
            ServiceAccounts::new(&config.service_accounts, &base_dir).map_err(|err| ServerError::Config {
                path: options.config.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                message: format!("service_accounts: {err}"),
            })?
        }
        None => ServiceAccounts::default(),
    };
    if let Some(config) = &config {
        keys.extend(config.api_keys.iter().cloned());
        dashboard.read_only |= config.dashboard.read_only;
        dashboard.read_only_keys = config.dashboard.keys.clone();
    }
    if let Some(bad) = keys.iter().find(|k| !is_valid_api_key(k)) {
        let shown: String = bad.chars().take(4).collect();
        return Err(ServerError::Options(format!(
            "an API key ({shown}…) is not `API-` followed by upper-case letters and digits"
        )));
    }
    if options.require_keys_off_loopback
        && keys.is_empty()
        && !service_accounts.any()
        && !options.listen.ip().is_loopback()
    {
        return Err(ServerError::Options(format!(
            "refusing to listen on {} without API keys: set api_keys (or service_accounts) in the configuration or FERRY_SERVER_API_KEYS, \
             or listen on a loopback address",
            options.listen
        )));
    }
    std::fs::create_dir_all(&options.data_dir)
        .map_err(|err| ServerError::io(format!("creating {}", options.data_dir.display()), err))?;
    let data_dir = std::fs::canonicalize(&options.data_dir)
        .map_err(|err| ServerError::io(format!("resolving {}", options.data_dir.display()), err))?;
    let lock = crate::lock::DataLock::acquire(&data_dir)?;
    crate::feed::prepare(&data_dir)?;
    let store = Store::open(&data_dir)?;
    let applied = match config {
        Some(config) => Some(config.with_defaults()),
        None => {
            let empty = store.blocking(|c| {
                Ok(c.query_row("SELECT COUNT(*) FROM environments", [], |r| r.get::<_, i64>(0))? == 0)
            })?;
            empty.then(Config::defaults)
        }
    };
    if let Some(config) = applied {
        store.blocking(|c| {
            let tx = c.transaction()?;
            crate::store::apply(&tx, &config)?;
            tx.commit()?;
            Ok(())
        })?;
    }
    crate::feed::remove_orphans(&data_dir, &store)?;
    let limits = Limits {
        max_upload_bytes: options.max_upload_bytes,
        max_json_bytes: options.max_json_bytes,
        deploy_timeout: options.deploy_timeout,
        automatic_deployment_delay: options.automatic_deployment_delay,
    };
    let state = AppState::new(store, data_dir, limits, &keys, service_accounts, options.workers.max(1));
    state.tasks.recover_interrupted(&state)?;
    queue_pending_automatic_deployments(&state)?;
    state.tasks.start_dispatcher(&state);

    let listener = std::net::TcpListener::bind(options.listen)
        .map_err(|err| ServerError::io(format!("listening on {}", options.listen), err))?;
    listener.set_nonblocking(true).map_err(|err| ServerError::io("configuring the socket", err))?;
    let local_addr =
        listener.local_addr().map_err(|err| ServerError::io("reading the socket address", err))?;
    let handle = Handle::new();
    // The dashboard's pages first; everything else (the API, its JSON 404s) after.
    let app = crate::dashboard::router(state.clone(), &dashboard)
        .fallback_service(crate::api::app(state.clone()))
        .layer(axum::Extension(crate::api::token_exchange::Scheme(if options.tls.is_some() {
            "https"
        } else {
            "http"
        })))
        .into_make_service();
    let (scheme, serve) = match &options.tls {
        None => {
            let server = axum_server::from_tcp(listener)
                .map_err(|err| ServerError::io("using the socket", err))?
                .handle(handle.clone());
            ("http", tokio::spawn(server.serve(app)))
        }
        Some(tls) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .map_err(|err| {
                    ServerError::io(
                        format!("loading TLS files {} and {}", tls.cert.display(), tls.key.display()),
                        err,
                    )
                })?;
            let server = axum_server::tls_rustls::from_tcp_rustls(listener, config)
                .map_err(|err| ServerError::io("using the socket", err))?
                .handle(handle.clone());
            ("https", tokio::spawn(server.serve(app)))
        }
    };
    tracing::info!(%local_addr, scheme, "ferry server listening");
    Ok(RunningServer { local_addr, scheme, handle, serve, state, grace: options.shutdown_grace, _lock: lock })
}

impl RunningServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.local_addr)
    }

    /// The web dashboard's URL, e.g. `http://127.0.0.1:41234/app`.
    pub fn dashboard_url(&self) -> String {
        format!("{}/app", self.url())
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Create the project (default lifecycle, one step per package id) when it does not exist.
    pub async fn ensure_project(&self, name: &str, package_ids: &[String]) -> Result<(), ServerError> {
        let name = name.to_owned();
        let ids = package_ids.to_vec();
        self.state.store.tx(move |tx| crate::store::ensure_project(tx, &name, &ids)).await?;
        Ok(())
    }

    /// Stop accepting requests, let running deployments finish (up to the grace period, then
    /// cancel them), and close the store.
    pub async fn shutdown(self) {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        self.state.tasks.shutdown(&self.state, self.grace).await;
        let _ = tokio::time::timeout(Duration::from_secs(15), self.serve).await;
        self.state.store.checkpoint();
        tracing::info!("ferry server stopped");
    }

    /// Serve until SIGINT or SIGTERM, then [`RunningServer::shutdown`].
    pub async fn run_until_signal(self) {
        wait_for_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

/// Queue the automatic deployments a previous run answered for but died before queueing; the
/// dispatcher, started next, runs them with the other Queued tasks.
fn queue_pending_automatic_deployments(state: &AppState) -> Result<(), ServerError> {
    let tasks = state.store.blocking(|c| {
        let tx = c.transaction()?;
        let tasks = crate::deploy::queue_pending_automatic_deployments(&tx)?;
        tx.commit()?;
        Ok(tasks)
    })?;
    if !tasks.is_empty() {
        tracing::warn!(tasks = ?tasks, "queued automatic deployments a previous run had not queued");
    }
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
