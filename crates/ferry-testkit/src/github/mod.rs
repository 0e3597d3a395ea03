//! A fake GitHub REST API on loopback for the endpoints Ferry uses: releases, release assets
//! (on a separate upload root, as GitHub serves them), deployments and deployment statuses.
//!
//! It is strict where GitHub is documented: every request is matched against GitHub's published
//! OpenAPI description ([`openapi`]): unknown paths and methods, missing or mistyped parameters,
//! request bodies that break the schema, wrong media types are answered as GitHub would (404,
//! 422) *and* recorded in [`FakeGitHub::violations`], which a test asserts empty. Its own
//! answers are checked against the same description, so the fake cannot drift into shapes GitHub
//! never sends. Behaviour the description does not capture follows GitHub's documentation:
//! drafts have no tag (and may share one), a published tag is `already_exists`, deployments need
//! an existing ref, `auto_inactive`, `Link` paging, rate-limit headers.
//!
//! Layout, as on GitHub Enterprise Server: the API at `/api/v3`, uploads at `/api/uploads`,
//! downloads at `/OWNER/REPO/releases/download/TAG/NAME`.
//!
//! Faults for reliability tests ([`Fault`]): primary and secondary rate limits, server errors,
//! and answers lost after the fake committed the change.

mod objects;
pub mod openapi;
mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;
use tokio::sync::oneshot;

pub use openapi::{OPENAPI_ENV, Spec};
use world::World;

/// A fault the fake injects into matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 403 with `x-ratelimit-remaining: 0` and a reset this many seconds ahead.
    PrimaryRateLimit {
        /// Seconds until `x-ratelimit-reset`.
        reset_in: u64,
    },
    /// 403 with GitHub's secondary-rate-limit body, and `retry-after` when given.
    SecondaryRateLimit {
        /// `retry-after` seconds.
        retry_after: Option<u64>,
    },
    /// Answer this status without doing anything.
    ServerError(u16),
    /// Do the work, then answer 502 as if a proxy lost GitHub's answer.
    LoseAnswer,
}

/// A permission the token lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// `contents: write` (releases, assets).
    ContentsWrite,
    /// `deployments: write`.
    DeploymentsWrite,
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The matched `operationId`, or empty.
    pub operation: String,
    /// The status answered.
    pub status: u16,
}

/// A running fake. Dropping it stops it.
pub struct FakeGitHub {
    addr: SocketAddr,
    world: Arc<Mutex<World>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeGitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGitHub").field("addr", &self.addr).finish()
    }
}

/// The token the fake accepts.
pub const FAKE_TOKEN: &str = "ghs_fakeFerryTestToken0000000000000000000";

impl FakeGitHub {
    /// Start a fake for the repository `owner/repo`. Panics when GitHub's description is not
    /// installed (see [`Spec::shared`]).
    pub fn start(owner: &str, repo: &str) -> FakeGitHub {
        let spec = Spec::shared();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let urls = objects::Urls {
            origin: format!("http://{addr}"),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
        };
        let world = Arc::new(Mutex::new(World::new(spec, urls)));
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let app = world::router(world.clone());
        let thread = std::thread::Builder::new()
            .name(format!("fake-github-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stop_rx.await;
                        })
                        .await;
                });
            })
            .expect("fake GitHub thread");
        FakeGitHub { addr, world, stop: Some(stop_tx), thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`: the web origin (what `https://HOST/OWNER/REPO` names).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The API root, `http://127.0.0.1:PORT/api/v3`, for `GITHUB_API_URL`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v3", self.origin())
    }

    fn with<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        f(&mut self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Inject `fault` into the next `times` requests of the operation `operation_id` (e.g.
    /// `repos/create-release`).
    pub fn inject(&self, operation_id: &str, fault: Fault, times: usize) {
        self.with(|world| world.faults.push((operation_id.to_owned(), fault, times)));
    }

    /// Make the token lack a permission.
    pub fn deny(&self, denied: Denied) {
        self.with(|world| world.denied.push(denied));
    }

    /// Serve at most this many items per page, whatever `per_page` asks (to exercise paging
    /// with few objects).
    pub fn cap_page_size(&self, items: usize) {
        self.with(|world| world.page_cap = items.max(1));
    }

    /// Leave `digest` null on assets, as GitHub did before it computed digests (clients must
    /// download to compare).
    pub fn without_digests(&self) {
        self.with(|world| world.digests = false);
    }

    /// Create a tag (a ref deployments may use) at `sha`.
    pub fn add_tag(&self, tag: &str, sha: &str) {
        self.with(|world| world.tags.push((tag.to_owned(), sha.to_owned())));
    }

    /// Set a status on a deployment as an external deployer would.
    pub fn set_status(&self, deployment_id: u64, state: &str) {
        self.with(|world| world.add_status(deployment_id, state, None, "", true));
    }

    /// Every rule GitHub's description or documentation says was broken, by the client or by the
    /// fake's own answers. A test asserts this is empty.
    pub fn violations(&self) -> Vec<String> {
        self.with(|world| world.violations.clone())
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.with(|world| world.seen.clone())
    }

    /// How many requests reached `operation_id` (after faults were decided).
    pub fn count(&self, operation_id: &str) -> usize {
        self.with(|world| world.seen.iter().filter(|seen| seen.operation == operation_id).count())
    }

    /// The releases as GitHub would list them (drafts included), newest first.
    pub fn releases(&self) -> Vec<Value> {
        self.with(|world| world.release_list())
    }

    /// The release GitHub would show as "latest" (set by `make_latest: "true"`).
    pub fn latest_release_id(&self) -> Option<u64> {
        self.with(|world| world.latest_release)
    }

    /// The deployments, newest first.
    pub fn deployments(&self) -> Vec<Value> {
        self.with(|world| world.deployment_list(|_| true))
    }

    /// The states of a deployment's statuses, oldest first.
    pub fn status_states(&self, deployment_id: u64) -> Vec<String> {
        self.with(|world| world.status_states(deployment_id))
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
