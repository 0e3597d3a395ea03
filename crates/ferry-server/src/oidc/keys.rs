//! Issuers' public keys: a JSON Web Key Set read from a file or fetched from a URL. URL sets are
//! cached, and fetched again when they are old or a token names a key they lack (issuers rotate
//! keys by publishing the new one first), but not more often than [`MIN_REFETCH`], so that
//! tokens with made-up key ids cannot make the server hammer the issuer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;

use crate::config::JwksSource;

/// How long a fetched key set is used before it is fetched again.
const CACHE_FOR: Duration = Duration::from_secs(600);
/// The shortest time between two fetches of one URL.
const MIN_REFETCH: Duration = Duration::from_secs(30);
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest key set read (GitHub's is about 2 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why the keys could not be had: the server's problem (or the issuer's), not the caller's.
#[derive(Debug, thiserror::Error)]
#[error("the keys of issuer {issuer} could not be read from {source_name}: {detail}")]
pub struct KeysUnavailable {
    /// The issuer.
    pub issuer: String,
    /// The file or URL.
    pub source_name: String,
    /// What went wrong.
    pub detail: String,
}

/// One identity's key source with its cache.
pub struct KeySource {
    issuer: String,
    location: Location,
}

enum Location {
    File(PathBuf),
    Url { url: url::Url, cache: Mutex<Option<Cached>> },
}

#[derive(Clone)]
struct Cached {
    keys: Arc<JwkSet>,
    fetched: Instant,
}

impl KeySource {
    /// The source for `issuer`; a relative file is resolved against `base_dir`.
    pub fn new(issuer: &str, source: &JwksSource, base_dir: &Path) -> KeySource {
        let location = match source {
            JwksSource::File(path) => Location::File(base_dir.join(path)),
            JwksSource::Url(url) => Location::Url { url: url.clone(), cache: Mutex::new(None) },
        };
        KeySource { issuer: issuer.to_owned(), location }
    }

    /// Read a file source now, so that a missing or broken file stops the server at start
    /// instead of failing the first CI job. URL sources are fetched when first needed.
    pub fn check(&self) -> Result<(), KeysUnavailable> {
        match &self.location {
            Location::File(path) => self.read_file(path).map(drop),
            Location::Url { .. } => Ok(()),
        }
    }

    /// The key set, holding `kid` when one was asked for and the source has it.
    pub async fn keys(&self, kid: Option<&str>) -> Result<Arc<JwkSet>, KeysUnavailable> {
        let (url, cache) = match &self.location {
            Location::File(path) => return self.read_file(path).map(Arc::new),
            Location::Url { url, cache } => (url, cache),
        };
        let cached = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        if let Some(cached) = &cached {
            let age = cached.fetched.elapsed();
            let has_key = kid.is_none_or(|kid| cached.keys.find(kid).is_some());
            if (age < CACHE_FOR && has_key) || age < MIN_REFETCH {
                return Ok(cached.keys.clone());
            }
        }
        let keys = Arc::new(self.fetch(url).await?);
        *cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(Cached { keys: keys.clone(), fetched: Instant::now() });
        Ok(keys)
    }

    fn read_file(&self, path: &Path) -> Result<JwkSet, KeysUnavailable> {
        let unavailable = |detail: String| self.unavailable(path.display().to_string(), detail);
        let bytes = std::fs::read(path).map_err(|err| unavailable(err.to_string()))?;
        parse(&bytes).map_err(unavailable)
    }

    async fn fetch(&self, url: &url::Url) -> Result<JwkSet, KeysUnavailable> {
        let unavailable = |detail: String| self.unavailable(url.to_string(), detail);
        // reqwest is built without a default crypto provider (see ferry-octopus); ring is the one
        // the whole binary uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!("ferry-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| unavailable(err.to_string()))?;
        let response = client.get(url.clone()).send().await.map_err(|err| unavailable(err.to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("it answered {}", response.status())));
        }
        let bytes = response.bytes().await.map_err(|err| unavailable(err.to_string()))?;
        parse(&bytes).map_err(unavailable)
    }

    fn unavailable(&self, source_name: String, detail: String) -> KeysUnavailable {
        KeysUnavailable { issuer: self.issuer.clone(), source_name, detail }
    }
}

fn parse(bytes: &[u8]) -> Result<JwkSet, String> {
    if bytes.len() > MAX_JWKS_BYTES {
        return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
    }
    serde_json::from_slice(bytes)
        .map_err(|err| format!("not a JSON Web Key Set ({{\"keys\": [...]}}): {err}"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key_set(kids: &[&str]) -> serde_json::Value {
        let keys: Vec<_> = kids
            .iter()
            .map(|kid| serde_json::json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": "AA", "y": "AA"}))
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// A new key id is fetched again once the refetch floor has passed, and not before.
    #[tokio::test]
    async fn a_new_key_id_refetches_after_the_floor_only() {
        let published = Arc::new(Mutex::new(key_set(&["a"])));
        let fetches = Arc::new(AtomicUsize::new(0));
        let app = {
            let (published, fetches) = (published.clone(), fetches.clone());
            axum::Router::new().route(
                "/jwks",
                axum::routing::get(move || {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    let body = published.lock().unwrap().clone();
                    async move { axum::Json(body) }
                }),
            )
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/jwks", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let source = KeySource::new("https://issuer", &JwksSource::Url(url), Path::new("."));

        assert!(source.keys(Some("a")).await.unwrap().find("a").is_some());
        assert!(source.keys(Some("a")).await.unwrap().find("a").is_some());
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "cached");

        *published.lock().unwrap() = key_set(&["a", "b"]);
        assert!(
            source.keys(Some("b")).await.unwrap().find("b").is_none(),
            "within the floor: the cached set"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        let Location::Url { cache, .. } = &source.location else { unreachable!() };
        if let Some(cached) = cache.lock().unwrap().as_mut() {
            cached.fetched = Instant::now().checked_sub(MIN_REFETCH + Duration::from_secs(1)).unwrap();
        }
        assert!(source.keys(Some("b")).await.unwrap().find("b").is_some(), "past the floor: fetched again");
        assert!(source.keys(Some("b")).await.unwrap().find("b").is_some());
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
