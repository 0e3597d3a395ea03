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
