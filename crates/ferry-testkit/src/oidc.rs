//! A test OIDC issuer: keys made for the test (RSA by `openssl`, P-256 by ring), their JSON Web
//! Key Set, and JWTs signed with them by hand (ring, not the JWT library the server verifies
//! with, so the two sides do not share a mistake).

use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

/// GitHub Actions' issuer, which the tests impersonate.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Which key an issuer signs with.
pub enum Signer {
    /// RS256 with a 2048-bit RSA key.
    Rsa(RsaKeyPair),
    /// ES256 with a P-256 key.
    Ec(EcdsaKeyPair),
}

/// An issuer's key with its id.
pub struct TestIssuer {
    /// The `kid` in the JWKS and in token headers.
    pub kid: String,
    signer: Signer,
}

impl TestIssuer {
    /// An RS256 issuer. The RSA key is made once per test process with `openssl genpkey`
    /// (installed by tests/run.sh); a missing `openssl` fails the test.
    pub fn rsa(kid: &str) -> TestIssuer {
        static DER: OnceLock<Vec<u8>> = OnceLock::new();
        let der = DER.get_or_init(|| {
            let output = Command::new("openssl")
                .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-outform", "DER"])
                .output()
                .expect("openssl is needed to make the test's RSA key (tests/run.sh installs it)");
            assert!(
                output.status.success(),
                "openssl genpkey failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            output.stdout
        });
        let key = RsaKeyPair::from_der(der).expect("openssl wrote a PKCS#1 RSA key");
        TestIssuer { kid: kid.to_owned(), signer: Signer::Rsa(key) }
    }

    /// An ES256 issuer with a fresh P-256 key.
    pub fn ec(kid: &str) -> TestIssuer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        TestIssuer { kid: kid.to_owned(), signer: Signer::Ec(key) }
    }

    /// The header's `alg` for this key.
    pub fn alg(&self) -> &'static str {
        match self.signer {
            Signer::Rsa(_) => "RS256",
            Signer::Ec(_) => "ES256",
        }
    }

    /// The public key as a JWK, with `kid`, `use` and `alg` as GitHub publishes them.
    pub fn jwk(&self) -> Value {
        match &self.signer {
            Signer::Rsa(key) => {
                let components: ring::rsa::PublicKeyComponents<Vec<u8>> = key.public().into();
                json!({"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                       "n": URL_SAFE_NO_PAD.encode(&components.n), "e": URL_SAFE_NO_PAD.encode(&components.e)})
            }
            Signer::Ec(key) => {
                // Uncompressed point: 0x04, then 32 bytes of x and 32 of y.
                let point = key.public_key().as_ref();
                json!({"kty": "EC", "kid": self.kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                       "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])})
            }
        }
    }

    /// A JWT with `claims`, signed with this key under its own `alg` and `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({"typ": "JWT", "alg": self.alg(), "kid": self.kid}), claims)
    }

    /// A JWT with this exact header, signed with this key whatever the header says.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let message = format!("{}.{}", encode_part(header), encode_part(claims));
        let rng = SystemRandom::new();
        let signature = match &self.signer {
            Signer::Rsa(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, message.as_bytes(), &mut signature).unwrap();
                signature
            }
            Signer::Ec(key) => key.sign(&rng, message.as_bytes()).unwrap().as_ref().to_vec(),
        };
        format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// A JSON Web Key Set of these issuers' keys.
pub fn jwks(issuers: &[&TestIssuer]) -> Value {
    json!({"keys": issuers.iter().map(|issuer| issuer.jwk()).collect::<Vec<_>>()})
}

/// An unsigned token (`alg: none`, empty signature), as an attacker would send it.
pub fn unsigned(claims: &Value) -> String {
    format!("{}.{}.", encode_part(&json!({"typ": "JWT", "alg": "none"})), encode_part(claims))
}

/// The claims GitHub Actions puts in an `id-token` for a push to `main` of `repository`,
/// requested for `audience`, valid from a minute ago for five minutes.
pub fn github_claims(repository: &str, audience: &str) -> Value {
    let now = now();
    json!({
        "iss": GITHUB_ISSUER,
        "aud": audience,
        "sub": format!("repo:{repository}:ref:refs/heads/main"),
        "repository": repository,
        "ref": "refs/heads/main",
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 300,
    })
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// A `ferry.toml` block: service account `GitHub deployer` with `id`, trusting GitHub tokens
/// whose subject matches `subject`, with keys from `jwks` (a `jwks_file = ...` or `jwks_url = ...`
/// line).
pub fn service_account_toml(id: &str, subject: &str, jwks: &str) -> String {
    format!(
        "[[service_accounts]]\nname = \"GitHub deployer\"\nid = \"{id}\"\n[[service_accounts.identities]]\n\
         issuer = \"{GITHUB_ISSUER}\"\nsubject = \"{subject}\"\n{jwks}\n"
    )
}
