//! Request input as the official clients send it: query strings with repeated keys or
//! comma-separated lists (percent-decoded first), and JSON bodies bound case-insensitively
//! (PascalCase, camelCase and snake_case keys are the same), unknown keys ignored, nulls accepted.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::ApiError;

/// Parsed query string.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parse a raw query string.
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
            .collect();
        Query { pairs }
    }

    /// The first value of `key` (case-insensitive), trimmed, if not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `key`, repeated keys and comma-separated values alike.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_owned()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// A non-negative integer.
    pub fn usize(&self, key: &str) -> Option<usize> {
        self.get(key).and_then(|v| v.parse::<i64>().ok()).map(|v| v.clamp(0, i32::MAX as i64) as usize)
    }

    /// A boolean (`true`/`false`, case-insensitive).
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(|v| v.parse::<bool>().ok().or_else(|| v.to_ascii_lowercase().parse().ok()))
    }

    /// `&k=v` for every key except `skip` (used to build paging links).
    pub fn passthrough(&self, except: &[&str]) -> String {
        let mut out = String::new();
        for (k, v) in &self.pairs {
            if !except.contains(&k.as_str()) {
                out.push('&');
                out.extend(url::form_urlencoded::byte_serialize(k.as_bytes()));
                out.push('=');
                out.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
            }
        }
        out
    }

    /// Whether `name` passes the `name` (exact, case-insensitive) and `partialName` (substring)
    /// filters.
    pub fn matches_name(&self, name: &str) -> bool {
        let lower = name.to_lowercase();
        self.get("name").is_none_or(|n| n.to_lowercase() == lower)
            && self.get("partialName").is_none_or(|p| lower.contains(&p.to_lowercase()))
    }

    /// Whether `id` passes the `ids` filter.
    pub fn matches_ids(&self, id: &str) -> bool {
        let ids = self.list("ids");
        ids.is_empty() || ids.iter().any(|i| i.eq_ignore_ascii_case(id))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Query::parse(parts.uri.query()))
    }
}

/// A JSON body bound case-insensitively. An empty body is `{}`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            let status = rejection.status();
            let status =
                if status == StatusCode::PAYLOAD_TOO_LARGE { status } else { StatusCode::BAD_REQUEST };
            ApiError::new(status, format!("The request body could not be read: {}", rejection.body_text()))
        })?;
        Ok(Body(parse_body(&bytes)?))
    }
}

/// Parse a JSON body case-insensitively.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("The request body is not UTF-8 text."))?;
    let value: Value = if text.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(text)
            .map_err(|err| ApiError::bad_request(format!("The request body is not valid JSON: {err}")))?
    };
    if !value.is_object() {
        return Err(ApiError::bad_request("The request body must be a JSON object."));
    }
    serde_json::from_value(normalize(value)).map_err(|err| {
        ApiError::bad_request(format!("The request body has a field of the wrong type: {err}"))
    })
}

/// Keys to snake_case, recursively (except inside free-form maps), nulls removed so that
/// defaults apply.
pub fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let key = snake(&k);
                    let v = if matches!(key.as_str(), "custom_fields" | "variables" | "form_values") {
                        v
                    } else {
                        normalize(v)
                    };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

/// `ProjectName`, `projectName`, `project_name` -> `project_name`; `ID` -> `id`.
pub fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut previous: Option<char> = None;
    for c in key.chars() {
        if c == '-' || c == ' ' {
            out.push('_');
        } else if c.is_uppercase() {
            if previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_keys() {
        assert_eq!(snake("ProjectName"), "project_name");
        assert_eq!(snake("projectName"), "project_name");
        assert_eq!(snake("spaceIdOrName"), "space_id_or_name");
        assert_eq!(snake("ID"), "id");
        assert_eq!(snake("SpaceID"), "space_id");
        assert_eq!(snake("project_name"), "project_name");
    }

    #[test]
    fn lists() {
        let q = Query::parse(Some("ids=a%2Cb&ids=c&IDS=d,e&partialName=Fire+Project"));
        assert_eq!(q.list("ids"), ["a", "b", "c", "d", "e"]);
        assert!(q.matches_name("The Fire Project"));
    }
}
