//! Who is looking: sign-in with an API key or a read-only dashboard key, a session cookie
//! (HttpOnly, SameSite=Strict, random and kept only hashed on the server), and a CSRF token per
//! session that every state-changing form carries.
//!
//! Without API keys (the local default, where the API itself is open to anyone who can reach
//! the loopback port) the dashboard is open too: a visitor gets a session without signing in,
//! so that forms still carry a CSRF token that another site cannot read. The CLI's in-process
//! server has a key made for the process that nobody can type: there a visitor who has not
//! signed in looks read-only (`open_read_only`). `read_only` (the `--dashboard-read-only` flag or
//! `[dashboard] read_only`) makes every session read-only.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Dashboard, DashboardOptions, PageError, layout};

const SESSION_COOKIE: &str = "ferry_session";
/// The sign-in form's own CSRF token (double-submit: cookie and field must match), so another
/// site cannot sign a browser in to a session of its choosing.
const SIGN_IN_COOKIE: &str = "ferry_signin";
/// A session unused this long ends (a wall display keeps its session by refreshing).
const IDLE_LIMIT: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most sessions kept; the least recently used goes first.
const MAX_SESSIONS: usize = 10_000;

/// What a session may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DashboardAccess {
    /// Look only.
    ReadOnly,
    /// Look, deploy and cancel.
    Full,
}

/// The signed-in visitor of a request (an extension set by [`require_session`]).
#[derive(Debug, Clone)]
pub struct Viewer {
    /// What the session may do.
    pub access: DashboardAccess,
    /// The token forms carry back.
    pub csrf: String,
    /// Whether sign-in is needed at all (without API keys it is not, and there is no sign-out).
    pub signed_in: bool,
}

impl Viewer {
    /// Whether forms that change something are shown and accepted.
    pub fn can_act(&self) -> bool {
        self.access == DashboardAccess::Full
    }

    /// Check a form's CSRF token, in constant time.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if bool::from(self.csrf.as_bytes().ct_eq(token.as_bytes())) {
            Ok(())
        } else {
            Err(PageError::forbidden(
                "The form was not sent by this dashboard (its security token is missing or stale). Reload the page and try again.",
            ))
        }
    }
}

struct Session {
    access: DashboardAccess,
    csrf: String,
    last_used: Instant,
}

/// The open sessions, by SHA-256 of the cookie value.
pub struct Sessions {
    by_hash: Mutex<HashMap<[u8; 32], Session>>,
    read_only: bool,
    open_read_only: bool,
    read_only_keys: Vec<[u8; 32]>,
    secure: bool,
}

impl Sessions {
    /// No sessions yet.
    pub fn new(options: &DashboardOptions) -> Sessions {
        Sessions {
            by_hash: Mutex::new(HashMap::new()),
            read_only: options.read_only,
            open_read_only: options.open_read_only,
            read_only_keys: options.read_only_keys.iter().map(|k| hash(k.trim())).collect(),
            secure: options.secure_cookies,
        }
    }

    fn open(&self, access: DashboardAccess) -> (String, Viewer) {
        let access = if self.read_only { DashboardAccess::ReadOnly } else { access };
        let token = random_token();
        let csrf = random_token();
        let mut sessions = self.by_hash.lock().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions.iter().min_by_key(|(_, s)| s.last_used).map(|(k, _)| *k)
        {
            sessions.remove(&oldest);
        }
        sessions.insert(hash(&token), Session { access, csrf: csrf.clone(), last_used: Instant::now() });
        (token, Viewer { access, csrf, signed_in: true })
    }

    fn find(&self, token: &str) -> Option<Viewer> {
        let mut sessions = self.by_hash.lock().unwrap_or_else(|p| p.into_inner());
        let key = hash(token);
        let session = sessions.get_mut(&key)?;
        if session.last_used.elapsed() > IDLE_LIMIT {
            sessions.remove(&key);
            return None;
        }
        session.last_used = Instant::now();
        Some(Viewer { access: session.access, csrf: session.csrf.clone(), signed_in: true })
    }

    fn close(&self, token: &str) {
        self.by_hash.lock().unwrap_or_else(|p| p.into_inner()).remove(&hash(token));
    }

    fn is_read_only_key(&self, key: &str) -> bool {
        let candidate = hash(key.trim());
        let mut found = subtle::Choice::from(0);
        for stored in &self.read_only_keys {
            found |= stored.ct_eq(&candidate);
        }
        bool::from(found)
    }

    fn cookie(&self, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut text = format!("{name}={value}; Path=/app; HttpOnly; SameSite=Strict");
        if let Some(seconds) = max_age {
            text.push_str(&format!("; Max-Age={seconds}"));
        }
        if self.secure {
            text.push_str("; Secure");
        }
        HeaderValue::from_str(&text).expect("cookie values are hex")
    }
}

fn hash(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// 256 bits from the operating system's generator. It fails only where the OS has no entropy
/// source at all (getrandom(2) missing), a machine no server can run safely on.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Middleware: attach the [`Viewer`], opening a session without sign-in when the server has no
/// API keys (full access) or lets visitors look without signing in (read-only); otherwise send
/// the browser to the sign-in page.
pub async fn require_session(
    State(dashboard): State<Dashboard>,
    mut request: Request,
    next: Next,
) -> Response {
    let found = cookie_value(request.headers(), SESSION_COOKIE).and_then(|t| dashboard.sessions.find(t));
    if let Some(viewer) = found {
        let viewer = Viewer { signed_in: dashboard.app.auth.enabled(), ..viewer };
        request.extensions_mut().insert(viewer);
        return next.run(request).await;
    }
    let open_access = if !dashboard.app.auth.enabled() {
        Some(DashboardAccess::Full)
    } else if dashboard.sessions.open_read_only {
        Some(DashboardAccess::ReadOnly)
    } else {
        None
    };
    if let Some(access) = open_access {
        let (token, mut viewer) = dashboard.sessions.open(access);
        viewer.signed_in = false;
        request.extensions_mut().insert(viewer);
        let mut response = next.run(request).await;
        let cookie = dashboard.sessions.cookie(SESSION_COOKIE, &token, None);
        response.headers_mut().append(header::SET_COOKIE, cookie);
        return response;
    }
    let path_and_query = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/app").to_owned();
    let is_page = request.method() == axum::http::Method::GET && !path_and_query.contains("/events");
    if !is_page {
        return (StatusCode::UNAUTHORIZED, "Sign in to the dashboard first.").into_response();
    }
    // A SameSite=Strict cookie is not sent when another site links here (a CI log, a chat).
    // Reloading from this page makes the navigation same-site, so a signed-in browser gets
    // its page instead of the sign-in form.
    let cross_site = request.headers().get("sec-fetch-site").is_some_and(|v| v == "cross-site");
    if cross_site {
        return layout::same_site_reload(&path_and_query).into_response();
    }
    let target = format!(
        "/app/signin?next={}",
        url::form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

/// Where to go after signing in: only a dashboard path, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with("/app") && !path.contains("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/app".to_owned(),
    }
}

/// The sign-in page's query.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /app/signin`.
pub async fn sign_in_page(
    State(dashboard): State<Dashboard>,
    axum::extract::Query(query): axum::extract::Query<NextQuery>,
) -> Response {
    if !dashboard.app.auth.enabled() {
        return Redirect::to(&safe_next(query.next.as_deref())).into_response();
    }
    sign_in_form(&dashboard, StatusCode::OK, &safe_next(query.next.as_deref()), None)
}

fn sign_in_form(dashboard: &Dashboard, status: StatusCode, next: &str, problem: Option<&str>) -> Response {
    let token = random_token();
    let body = layout::bare_page(
        "Sign in",
        html! {
            h1 { "Sign in to Ferry" }
            @if let Some(problem) = problem {
                p.problem role="alert" { "✗ " (problem) }
            }
            form method="post" action="/app/signin" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(next);
                label for="key" { "API key or dashboard key" }
                input #key type="password" name="key" autocomplete="current-password" required autofocus;
                button type="submit" { "Sign in" }
            }
            p.hint { "An API key of this server signs you in with full access; a key from "
                code { "[dashboard] keys" } " in ferry.toml signs you in read-only." }
        },
    );
    let mut response = (status, body).into_response();
    let cookie = dashboard.sessions.cookie(SIGN_IN_COOKIE, &token, Some(3600));
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    key: String,
    csrf: String,
    next: Option<String>,
}

/// `POST /app/signin`.
pub async fn sign_in(
    State(dashboard): State<Dashboard>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let expected = cookie_value(&headers, SIGN_IN_COOKIE).unwrap_or("");
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(form.csrf.as_bytes())) {
        return sign_in_form(
            &dashboard,
            StatusCode::FORBIDDEN,
            &next,
            Some("The sign-in form expired or came from another site. Enter the key again."),
        );
    }
    let access = if dashboard.app.auth.accepts(&form.key) {
        DashboardAccess::Full
    } else if dashboard.sessions.is_read_only_key(&form.key) {
        DashboardAccess::ReadOnly
    } else {
        return sign_in_form(
            &dashboard,
            StatusCode::UNAUTHORIZED,
            &next,
            Some(
                "That key is neither an API key of this server nor a dashboard key from ferry.toml. Check the key and try again.",
            ),
        );
    };
    let (token, _) = dashboard.sessions.open(access);
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, dashboard.sessions.cookie(SESSION_COOKIE, &token, None));
    headers.append(header::SET_COOKIE, dashboard.sessions.cookie(SIGN_IN_COOKIE, "", Some(0)));
    response
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    csrf: String,
}

/// `POST /app/signout`.
pub async fn sign_out(
    State(dashboard): State<Dashboard>,
    axum::Extension(viewer): axum::Extension<Viewer>,
    headers: HeaderMap,
    Form(form): Form<SignOutForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        dashboard.sessions.close(token);
    }
    let mut response = Redirect::to("/app/signin").into_response();
    response.headers_mut().append(header::SET_COOKIE, dashboard.sessions.cookie(SESSION_COOKIE, "", Some(0)));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_dashboard() {
        assert_eq!(safe_next(Some("/app/releases/Releases-1")), "/app/releases/Releases-1");
        for hostile in
            ["https://evil.example/app", "//evil.example", "/app//evil.example", "/api/tasks", "/app\\x"]
        {
            assert_eq!(safe_next(Some(hostile)), "/app", "{hostile}");
        }
        assert_eq!(safe_next(None), "/app");
    }

    #[test]
    fn read_only_option_caps_every_session() {
        let options = DashboardOptions { read_only: true, ..Default::default() };
        let sessions = Sessions::new(&options);
        let (token, viewer) = sessions.open(DashboardAccess::Full);
        assert_eq!(viewer.access, DashboardAccess::ReadOnly);
        assert_eq!(sessions.find(&token).unwrap().access, DashboardAccess::ReadOnly);
        sessions.close(&token);
        assert!(sessions.find(&token).is_none());
    }

    #[test]
    fn read_only_keys_are_recognised() {
        let options =
            DashboardOptions { read_only_keys: vec!["wall-display-key".into()], ..Default::default() };
        let sessions = Sessions::new(&options);
        assert!(sessions.is_read_only_key("wall-display-key"));
        assert!(!sessions.is_read_only_key("API-OTHER"));
    }
}
