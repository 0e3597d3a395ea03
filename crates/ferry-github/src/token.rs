//! The GitHub token: where it comes from, what kind it is (for error hints), and that it is never
//! shown. `Debug` and `Display` print the kind only.

use std::fmt;
use std::path::{Path, PathBuf};

use octocrab::secrecy::{ExposeSecret, SecretString};

/// What issued a token, read from its documented prefix. Hints about missing permissions depend
/// on it: a workflow's `permissions:` block, a classic PAT's scopes, a fine-grained PAT's
/// repository permissions and an app's permissions are granted in different places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `ghs_`: an installation token, which is what GitHub Actions' `GITHUB_TOKEN` is.
    ActionsOrApp,
    /// `ghp_`: a classic personal access token.
    ClassicPat,
    /// `github_pat_`: a fine-grained personal access token.
    FineGrainedPat,
    /// `gho_` / `ghu_`: an OAuth or GitHub App user token.
    UserToken,
    /// No known prefix (an Enterprise Server's older format, or a proxy's own token).
    Unknown,
}

impl TokenKind {
    /// Classify a token by its prefix.
    pub fn of(token: &str) -> TokenKind {
        if token.starts_with("ghs_") {
            TokenKind::ActionsOrApp
        } else if token.starts_with("ghp_") {
            TokenKind::ClassicPat
        } else if token.starts_with("github_pat_") {
            TokenKind::FineGrainedPat
        } else if token.starts_with("gho_") || token.starts_with("ghu_") {
            TokenKind::UserToken
        } else {
            TokenKind::Unknown
        }
    }

    /// How the user names it: "a GitHub Actions or GitHub App installation token (ghs_)".
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::ActionsOrApp => "a GitHub Actions or GitHub App installation token (ghs_)",
            TokenKind::ClassicPat => "a classic personal access token (ghp_)",
            TokenKind::FineGrainedPat => "a fine-grained personal access token (github_pat_)",
            TokenKind::UserToken => "an OAuth or GitHub App user token (gho_/ghu_)",
            TokenKind::Unknown => "a token of unknown kind",
        }
    }
}

/// Where a token was read from, for messages ("the token from GITHUB_TOKEN").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// An environment variable.
    Env(&'static str),
    /// A key file the user named.
    File(PathBuf),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Env(name) => write!(f, "{name}"),
            TokenSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A GitHub token. It is only ever handed to octocrab's authentication.
#[derive(Clone)]
pub struct Token {
    secret: SecretString,
    kind: TokenKind,
    source: TokenSource,
}

impl Token {
    /// A token from a string (tests, callers with their own source).
    pub fn new(secret: &str, source: TokenSource) -> Token {
        let secret = secret.trim();
        Token { kind: TokenKind::of(secret), secret: SecretString::from(secret.to_owned()), source }
    }

    /// `GITHUB_TOKEN`, then `GH_TOKEN`, then `key_file` (`--api-key-file`).
    pub fn discover(
        env: impl Fn(&str) -> Option<String>,
        key_file: Option<&Path>,
    ) -> Result<Token, TokenError> {
        for name in ["GITHUB_TOKEN", "GH_TOKEN"] {
            if let Some(value) = env(name).filter(|value| !value.trim().is_empty()) {
                return Ok(Token::new(&value, TokenSource::Env(name)));
            }
        }
        let Some(path) = key_file else {
            return Err(TokenError::Missing);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|source| TokenError::KeyFile { path: path.to_owned(), source })?;
        if text.trim().is_empty() {
            return Err(TokenError::EmptyKeyFile(path.to_owned()));
        }
        Ok(Token::new(&text, TokenSource::File(path.to_owned())))
    }

    /// What kind of token this is.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Where it was read from.
    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// The token's text, for one use only: registering it with the CI's log masking and Ferry's
    /// own redaction before anything is printed.
    pub fn text_to_mask(&self) -> &str {
        self.secret.expose_secret()
    }

    pub(crate) fn secret(&self) -> SecretString {
        SecretString::from(self.secret.expose_secret().to_owned())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} from {}", self.kind.describe(), self.source)
    }
}

/// No usable token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Nothing set.
    #[error(
        "no GitHub token: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}`) or GH_TOKEN, or pass --api-key-file"
    )]
    Missing,
    /// The key file could not be read.
    #[error("could not read the GitHub token from {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The key file is empty.
    #[error("the key file {0} is empty: write the GitHub token into it")]
    EmptyKeyFile(PathBuf),
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

    #[test]
    fn the_token_is_never_shown() {
        let token = Token::new(SECRET, TokenSource::Env("GITHUB_TOKEN"));
        for text in [format!("{token:?}"), token.to_string(), format!("{token:#?}")] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains("16C7e42F"), "{text}");
        }
        assert_eq!(
            token.to_string(),
            "a GitHub Actions or GitHub App installation token (ghs_) from GITHUB_TOKEN"
        );
    }

    #[test]
    fn github_token_wins_over_gh_token_and_the_key_file() {
        let dir = std::env::temp_dir().join(format!("ferry-github-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "github_pat_11AAA\n").unwrap();
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        };
        let both =
            Token::discover(env(&[("GH_TOKEN", "ghp_b"), ("GITHUB_TOKEN", "ghs_a")]), Some(&file)).unwrap();
        assert_eq!(
            (both.kind(), both.source()),
            (TokenKind::ActionsOrApp, &TokenSource::Env("GITHUB_TOKEN"))
        );
        let gh = Token::discover(env(&[("GH_TOKEN", "ghp_b"), ("GITHUB_TOKEN", " ")]), Some(&file)).unwrap();
        assert_eq!((gh.kind(), gh.source()), (TokenKind::ClassicPat, &TokenSource::Env("GH_TOKEN")));
        let from_file = Token::discover(env(&[]), Some(&file)).unwrap();
        assert_eq!(from_file.kind(), TokenKind::FineGrainedPat);
        assert!(matches!(Token::discover(env(&[]), None), Err(TokenError::Missing)));
        std::fs::write(&file, "\n").unwrap();
        assert!(matches!(Token::discover(env(&[]), Some(&file)), Err(TokenError::EmptyKeyFile(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
