//! The dashboard's CSS and JavaScript, embedded in the binary and served under names that carry
//! a hash of their content (`dashboard-1a2b3c4d5e6f.css`): a browser may keep them forever, and a
//! new Ferry version changes the name, so no page ever mixes old and new assets.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    /// The cache-busting name pages link to.
    pub name: String,
    content_type: &'static str,
    body: &'static str,
}

impl Asset {
    fn new(stem: &str, extension: &str, content_type: &'static str, body: &'static str) -> Asset {
        let digest = Sha256::digest(body.as_bytes());
        let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        Asset { name: format!("{stem}-{hex}.{extension}"), content_type, body }
    }

    /// The path a page links to.
    pub fn href(&self) -> String {
        format!("/app/assets/{}", self.name)
    }
}

/// The stylesheet.
pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new("dashboard", "css", "text/css; charset=utf-8", include_str!("assets/dashboard.css"))
});
/// The script: hash-link mapping, live refresh, log following, filtering.
pub static JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new("dashboard", "js", "text/javascript; charset=utf-8", include_str!("assets/dashboard.js"))
});

/// `GET /app/assets/{file}`: only the current names; anything else is 404.
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(asset) = [&*CSS, &*JS].into_iter().find(|a| a.name == file) else {
        return (
            StatusCode::NOT_FOUND,
            "No such asset: this page may come from another Ferry version; reload it.",
        )
            .into_response();
    };
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let a = Asset::new("x", "css", "text/css", "body{}");
        let b = Asset::new("x", "css", "text/css", "body{ }");
        assert_ne!(a.name, b.name);
        assert!(a.name.starts_with("x-") && a.name.ends_with(".css") && a.name.len() == "x-.css".len() + 12);
    }
}
