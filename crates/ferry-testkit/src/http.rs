//! A tiny blocking HTTP/1.1 client over `std::net`, for tests.
//!
//! Every request is sent on a fresh connection with `Connection: close`, exactly as given: the
//! path is not normalised or escaped, so tests can send `..`, `%2F` or NUL bytes. Responses are
//! read to the end and decoded (`Content-Length` or chunked).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long one request may take before the client gives up.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A complete HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers in the order received (names as sent).
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// Whether the body is JSON.
    pub fn is_json(&self) -> bool {
        serde_json::from_slice::<serde_json::Value>(&self.body).is_ok()
    }
}

fn host_port(base: &str) -> io::Result<String> {
    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("not an http:// URL: {base}")))?;
    Ok(rest.split('/').next().unwrap_or(rest).to_owned())
}

/// Send `method path` to `base` (`http://HOST:PORT`) with these extra headers and body.
/// `Host`, `Content-Length` and `Connection: close` are added.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    let host = host_port(base)?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    let bytes = raw_exchange(&host, &raw)?;
    parse_response(&bytes)
}

/// Send raw bytes to `host:port`, half-close, and read everything the server answers.
pub fn raw_exchange(host_port: &str, bytes: &[u8]) -> io::Result<Vec<u8>> {
    let addr = host_port
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    // A server may answer (e.g. 413) and close before reading everything: keep what it said.
    let write_result = stream.write_all(bytes);
    let _ = stream.flush();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let read_result = loop {
        match stream.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if response_complete(&out) {
                    break Ok(());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    if out.is_empty() {
        write_result?;
        read_result?;
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection without answering",
        ));
    }
    Ok(out)
}

/// Whether `bytes` hold a whole response whose end is known without EOF (a `Content-Length`
/// body read in full, or a chunked body up to its last chunk).
fn response_complete(bytes: &[u8]) -> bool {
    let Some(end) = find(bytes, b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let body = &bytes[end + 4..];
    if head.lines().any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked")) {
        return body.ends_with(b"0\r\n\r\n") && parse_response(bytes).is_ok();
    }
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|length| body.len() >= length)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parse one complete HTTP/1.1 response.
pub fn parse_response(bytes: &[u8]) -> io::Result<Response> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let end = find(bytes, b"\r\n\r\n").ok_or_else(|| bad("incomplete response head"))?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status =
        status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let raw_body = &bytes[end + 4..];
    let header =
        |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let body = if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        let mut body = Vec::new();
        let mut rest = raw_body;
        loop {
            let line_end = find(rest, b"\r\n").ok_or_else(|| bad("truncated chunked body"))?;
            let size_text = String::from_utf8_lossy(&rest[..line_end]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            if rest.len() < size {
                return Err(bad("truncated chunk"));
            }
            body.extend_from_slice(&rest[..size]);
            rest = rest.get(size + 2..).unwrap_or_default();
        }
        body
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if raw_body.len() < length {
            return Err(bad("truncated body"));
        }
        raw_body[..length].to_vec()
    } else {
        raw_body.to_vec()
    };
    Ok(Response { status, headers, body })
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, when it is a file.
    pub file_name: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

impl Part {
    /// A file part.
    pub fn file(name: &str, file_name: &str, data: Vec<u8>) -> Part {
        Part {
            name: name.to_owned(),
            file_name: Some(file_name.to_owned()),
            content_type: Some("application/octet-stream".to_owned()),
            data,
        }
    }

    /// A plain text field.
    pub fn field(name: &str, value: &str) -> Part {
        Part { name: name.to_owned(), file_name: None, content_type: None, data: value.as_bytes().to_vec() }
    }
}

/// The boundary [`multipart`] uses.
pub const BOUNDARY: &str = "ferry-testkit-boundary-7MA4YWxkTrZu0gW";

/// Encode parts as `multipart/form-data`; returns `(content type, body)`.
pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(file_name) = &part.file_name {
            disposition.push_str(&format!("; filename=\"{file_name}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = &part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// A client bound to one server and (optionally) one API key, sent as `X-Octopus-ApiKey`.
#[derive(Debug, Clone)]
pub struct Client {
    /// `http://HOST:PORT`.
    pub base: String,
    /// The API key, if any.
    pub api_key: Option<String>,
}

impl Client {
    /// A client for `base` with an optional API key.
    pub fn new(base: impl Into<String>, api_key: Option<&str>) -> Client {
        Client { base: base.into(), api_key: api_key.map(str::to_owned) }
    }

    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> io::Result<Response> {
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if let Some(key) = &self.api_key {
            all.push(("X-Octopus-ApiKey", key));
        }
        request(&self.base, method, path, &all, body)
    }

    /// GET a path.
    pub fn get(&self, path: &str) -> io::Result<Response> {
        self.send("GET", path, &[], &[])
    }

    /// GET a path and return its JSON, panicking on anything but 200 (for assertions).
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path).unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(response.status, 200, "GET {path}: {}", response.text());
        response.json()
    }

    /// POST JSON.
    pub fn post_json(&self, path: &str, json: &serde_json::Value) -> io::Result<Response> {
        self.send("POST", path, &[("Content-Type", "application/json")], json.to_string().as_bytes())
    }

    /// POST a raw body with this content type.
    pub fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> io::Result<Response> {
        self.send("POST", path, &[("Content-Type", content_type)], body)
    }

    /// POST a multipart body.
    pub fn post_multipart(&self, path: &str, parts: &[Part]) -> io::Result<Response> {
        let (content_type, body) = multipart(parts);
        self.post_raw(path, &content_type, &body)
    }

    /// Upload a package to `/api/Spaces-1/packages/raw` (`overwriteMode` as given).
    pub fn push_package(&self, file_name: &str, data: Vec<u8>, overwrite_mode: &str) -> io::Result<Response> {
        let path = format!("/api/Spaces-1/packages/raw?overwriteMode={overwrite_mode}");
        self.post_multipart(&path, &[Part::file("file", file_name, data)])
    }

    /// Every item of a paged list (follows `skip`/`take` until `TotalResults`).
    pub fn all_items(&self, path: &str) -> Vec<serde_json::Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        loop {
            let page = self.get_json(&format!("{path}{separator}skip={}&take=500", items.len()));
            let Some(batch) = page.get("Items").and_then(|i| i.as_array()) else { return items };
            if batch.is_empty() {
                return items;
            }
            items.extend(batch.iter().cloned());
            let total = page.get("TotalResults").and_then(|t| t.as_u64()).unwrap_or(0) as usize;
            if items.len() >= total {
                return items;
            }
        }
    }
}
