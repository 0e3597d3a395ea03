//! The state every route shares.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::Auth;
use crate::oidc::ServiceAccounts;
use crate::store::Store;
use crate::tasks::TaskRunner;

/// Size and time limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest package upload.
    pub max_upload_bytes: u64,
    /// Largest JSON body.
    pub max_json_bytes: u64,
    /// Default deploy command timeout.
    pub deploy_timeout: Duration,
    /// Pause between answering a release request and creating its automatic deployments.
    pub automatic_deployment_delay: Duration,
}

/// Cheap-to-clone handle on the server's state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
pub struct Inner {
    /// The database.
    pub store: Store,
    /// The data directory (canonical).
    pub data_dir: PathBuf,
    /// Limits.
    pub limits: Limits,
    /// API keys and access tokens (hashed).
    pub auth: Auth,
    /// Service accounts that OIDC tokens are exchanged for.
    pub service_accounts: ServiceAccounts,
    /// The deployment worker pool.
    pub tasks: TaskRunner,
    /// Stable id of this installation (derived from the data directory).
    pub installation_id: String,
}

impl AppState {
    /// Build the state.
    pub fn new(
        store: Store,
        data_dir: PathBuf,
        limits: Limits,
        keys: &[String],
        service_accounts: ServiceAccounts,
        workers: usize,
    ) -> AppState {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(data_dir.to_string_lossy().as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let installation_id =
            format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]);
        AppState(Arc::new(Inner {
            store,
            data_dir,
            limits,
            auth: Auth::new(keys, service_accounts.any()),
            service_accounts,
            tasks: TaskRunner::new(workers),
            installation_id,
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
