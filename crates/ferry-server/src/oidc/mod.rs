//! OIDC service accounts: a CI job proves who it is with a token its CI system signed (GitHub
//! Actions' `id-token`), and gets a short-lived access token for a service account in return,
//! so no long-lived API key has to be stored in the CI system.
//!
//! A token is accepted for an account when one of the account's identities has its issuer, the
//! token's signature verifies against that issuer's keys (asymmetric algorithms only, and the
//! key's own `alg` when it names one), it is within its `nbf`..`exp` (with [`LEEWAY`] for clock
//! skew), its `aud` holds the identity's audience and its `sub` matches the subject pattern.
//! Everything else is an [`ExchangeError`], answered as 401 at the API edge.

mod keys;

use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::{ServiceAccountConfig, SubjectPattern};
use keys::KeySource;
pub use keys::KeysUnavailable;

/// Clock skew allowed on `exp` and `nbf`, in seconds.
pub const LEEWAY: u64 = 60;

/// The algorithms a token may be signed with: RSA and ECDSA. HMAC is refused (a public key must
/// never serve as a shared secret) and so is `none` (the JWT library does not know it).
const ALLOWED: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// A service account a token was exchanged for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    /// Its name.
    pub name: String,
    /// Its id.
    pub id: String,
}

/// Why a token was not exchanged.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// No service account has the id the request names.
    #[error("no service account has the id `{0}`")]
    UnknownServiceAccount(String),
    /// The text is not a JWT, or its claims are not what OIDC promises.
    #[error("the subject token is not a valid JWT: {0}")]
    Malformed(String),
    /// The header names an algorithm that is not allowed (`none`, HMAC, or not the key's).
    #[error("the token's signing algorithm is not accepted: {0}")]
    Algorithm(String),
    /// No identity of the account trusts the token's issuer.
    #[error("service account `{account}` has no OIDC identity for issuer `{issuer}`")]
    UntrustedIssuer {
        /// The account's name.
        account: String,
        /// The token's `iss`.
        issuer: String,
    },
    /// The issuer's keys do not verify the signature (or none has the token's key id).
    #[error("the token's signature does not verify against the keys of issuer `{0}`")]
    Signature(String),
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` is still ahead.
    #[error("the token is not valid yet (nbf is in the future)")]
    NotYetValid,
    /// `aud` lacks the identity's audience.
    #[error("the token's audience {found:?} does not include `{expected}`")]
    Audience {
        /// What the identity expects.
        expected: String,
        /// What the token holds.
        found: Vec<String>,
    },
    /// `sub` matches no identity's subject pattern.
    #[error(
        "the token's subject `{subject}` matches none of service account `{account}`'s subject patterns for this issuer"
    )]
    Subject {
        /// The account's name.
        account: String,
        /// The token's `sub`.
        subject: String,
    },
    /// The issuer's keys could not be read: the server's problem, not the caller's.
    #[error(transparent)]
    Keys(#[from] KeysUnavailable),
}

/// One identity, ready to verify with.
struct Identity {
    issuer: String,
    audience: String,
    subject: SubjectPattern,
    keys: KeySource,
}

struct Account {
    account: ServiceAccount,
    identities: Vec<Identity>,
}

/// The configured service accounts.
#[derive(Default)]
pub struct ServiceAccounts {
    accounts: Vec<Account>,
}

/// The claims Ferry reads, typed strictly: a number sent as text fails here instead of being
/// skipped by a lenient check.
#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    #[serde(default)]
    aud: Audience,
    // Read so that their types are checked; the JWT library compares them with the clock.
    #[allow(dead_code)]
    exp: u64,
    #[serde(default)]
    #[allow(dead_code)]
    nbf: Option<u64>,
}

/// `aud`: one string or a list.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

impl Audience {
    fn values(&self) -> Vec<String> {
        match self {
            Audience::One(one) => vec![one.clone()],
            Audience::Many(many) => many.clone(),
            Audience::None => Vec::new(),
        }
    }
}

impl ServiceAccounts {
    /// From the configuration; key files are resolved against `base_dir` and read now.
    pub fn new(
        configured: &[ServiceAccountConfig],
        base_dir: &Path,
    ) -> Result<ServiceAccounts, KeysUnavailable> {
        let mut accounts = Vec::new();
        for config in configured {
            let mut identities = Vec::new();
            for identity in &config.identities {
                let keys = KeySource::new(&identity.issuer, &identity.jwks, base_dir);
                keys.check()?;
                identities.push(Identity {
                    issuer: identity.issuer.clone(),
                    audience: identity.audience.clone().unwrap_or_else(|| config.id.clone()),
                    subject: identity.subject.clone(),
                    keys,
                });
            }
            accounts.push(Account {
                account: ServiceAccount { name: config.name.clone(), id: config.id.clone() },
                identities,
            });
        }
        Ok(ServiceAccounts { accounts })
    }

    /// Whether any account is configured (then the server requires credentials).
    pub fn any(&self) -> bool {
        !self.accounts.is_empty()
    }

    /// Check `token` for the account `account_id`: the account it may act as, or why not.
    pub async fn verify(&self, account_id: &str, token: &str) -> Result<ServiceAccount, ExchangeError> {
        let account = self
            .accounts
            .iter()
            .find(|a| a.account.id.eq_ignore_ascii_case(account_id.trim()))
            .ok_or_else(|| ExchangeError::UnknownServiceAccount(account_id.to_owned()))?;
        check_algorithm(token)?;
        let header =
            jsonwebtoken::decode_header(token).map_err(|err| ExchangeError::Malformed(err.to_string()))?;
        // The issuer picks the keys, so it is read before the signature is checked; nothing else
        // from the unverified claims is trusted.
        let unverified = unverified_claims(token)?;
        let candidates: Vec<&Identity> =
            account.identities.iter().filter(|identity| identity.issuer == unverified.iss).collect();
        let Some(first) = candidates.first() else {
            return Err(ExchangeError::UntrustedIssuer {
                account: account.account.name.clone(),
                issuer: unverified.iss,
            });
        };
        // Identities of one issuer share its keys: the first one's source serves them all.
        let claims = verify_signature(token, &header, first).await?;
        let audiences = claims.aud.values();
        let with_audience: Vec<&&Identity> =
            candidates.iter().filter(|identity| audiences.contains(&identity.audience)).collect();
        if with_audience.is_empty() {
            return Err(ExchangeError::Audience { expected: first.audience.clone(), found: audiences });
        }
        if with_audience.iter().any(|identity| identity.subject.matches(&claims.sub)) {
            Ok(account.account.clone())
        } else {
            Err(ExchangeError::Subject { account: account.account.name.clone(), subject: claims.sub })
        }
    }
}

/// Refuse a header whose `alg` is not an allowed one, including names the JWT library does not
/// know (`none`), so that the caller hears "algorithm" rather than "malformed".
fn check_algorithm(token: &str) -> Result<(), ExchangeError> {
    use base64::Engine;
    #[derive(Deserialize)]
    struct AlgorithmOnly {
        alg: String,
    }
    let encoded = token.split('.').next().unwrap_or_default();
    let header: AlgorithmOnly = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ExchangeError::Malformed("the header is not base64url-encoded JSON with `alg`".into())
        })?;
    if ALLOWED.iter().any(|allowed| format!("{allowed:?}") == header.alg) {
        Ok(())
    } else {
        Err(ExchangeError::Algorithm(format!("`{}` (RS*, PS*, ES256 and ES384 are)", header.alg)))
    }
}

fn unverified_claims(token: &str) -> Result<Claims, ExchangeError> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&[]), &validation)
        .map(|data| data.claims)
        .map_err(|err| ExchangeError::Malformed(err.to_string()))
}

async fn verify_signature(
    token: &str,
    header: &jsonwebtoken::Header,
    identity: &Identity,
) -> Result<Claims, ExchangeError> {
    let issuer = || identity.issuer.clone();
    let keys = identity.keys.keys(header.kid.as_deref()).await?;
    // A token naming its key is checked with that key only; one that does not, with each.
    let candidates: Vec<&jsonwebtoken::jwk::Jwk> = match &header.kid {
        Some(kid) => keys.find(kid).into_iter().collect(),
        None => keys.keys.iter().collect(),
    };
    let mut validation = Validation::new(header.alg);
    validation.leeway = LEEWAY;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    validation.set_issuer(&[&identity.issuer]);
    for jwk in candidates {
        if jwk.common.key_algorithm.is_some_and(|alg| alg.to_string() != format!("{:?}", header.alg)) {
            continue;
        }
        let Ok(key) = DecodingKey::from_jwk(jwk) else { continue };
        use jsonwebtoken::errors::ErrorKind;
        match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
            Ok(data) => return Ok(data.claims),
            Err(err) => match err.kind() {
                ErrorKind::ExpiredSignature => return Err(ExchangeError::Expired),
                ErrorKind::ImmatureSignature => return Err(ExchangeError::NotYetValid),
                ErrorKind::InvalidIssuer => return Err(ExchangeError::Signature(issuer())),
                ErrorKind::Json(_) | ErrorKind::MissingRequiredClaim(_) => {
                    return Err(ExchangeError::Malformed(err.to_string()));
                }
                // A key of another family or a signature that does not verify: try the next key.
                _ => continue,
            },
        }
    }
    Err(ExchangeError::Signature(issuer()))
}
