//! The page frame (head, navigation, main) and fragments several pages share: times and ages.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::assets::{CSS, JS};
use super::session::Viewer;

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The matrix, projects, releases and tasks.
    Dashboard,
    /// The built-in feed.
    Packages,
}

/// A full page for a signed-in viewer. `refresh`: seconds after which the script reloads the
/// main content (something on the page is still running).
pub fn page(title: &str, viewer: &Viewer, section: Section, refresh: Option<u32>, body: Markup) -> Response {
    let current = |s: Section| if s == section { Some("page") } else { None };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/app" { "Ferry" }
                    nav aria-label="Main" {
                        ul {
                            li { a href="/app" aria-current=[current(Section::Dashboard)] { "Dashboard" } }
                            li { a href="/app/packages" aria-current=[current(Section::Packages)] { "Packages" } }
                        }
                    }
                    div.who {
                        @if !viewer.can_act() { span { "Read-only" } }
                        @if viewer.signed_in {
                            form.inline method="post" action="/app/signout" {
                                input type="hidden" name="csrf" value=(viewer.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main #main tabindex="-1" data-refresh=[refresh] { (body) }
            }
        }
    };
    html_response(markup)
}

/// A page without navigation (sign-in, errors).
pub fn bare_page(title: &str, body: Markup) -> Response {
    html_response(html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.top { a.brand href="/app" { "Ferry" } }
                main #main { (body) }
            }
        }
    })
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="same-origin";
            title { (title) " · Ferry" }
            link rel="stylesheet" href=(CSS.href());
            script src=(JS.href()) defer {}
        }
    }
}

/// A page that loads `path` again from this site (see `session::require_session`).
pub fn same_site_reload(path: &str) -> Response {
    html_response(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content={ "0;url=" (path) };
                title { "Ferry" }
            }
            body { p { a href=(path) { "Continue to the dashboard" } } }
        }
    })
}

fn html_response(markup: Markup) -> Response {
    let mut response = markup.into_string().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Everything comes from this server; no inline script runs, no other site may frame a page.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// A stored time as `<time>`: the date and time, the full value in `datetime`.
pub fn time(text: &str) -> Markup {
    let shown = text.parse::<jiff::Timestamp>().map(|ts| ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string());
    html! { time datetime=(text) { (shown.unwrap_or_else(|_| text.to_owned())) } }
}

/// A stored time as an age ("3 min ago") with the full time on hover.
pub fn age(text: &str, now: jiff::Timestamp) -> Markup {
    match text.parse::<jiff::Timestamp>() {
        Ok(ts) => html! {
            time datetime=(text) title=(ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()) { (age_words(ts, now)) }
        },
        Err(_) => html! { (text) },
    }
}

fn age_words(then: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let seconds = now.as_second().saturating_sub(then.as_second()).max(0);
    match seconds {
        0..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// A duration between two stored times, e.g. `1 min 5 s`.
pub fn duration(start: &str, end: &str) -> Option<String> {
    let start = start.parse::<jiff::Timestamp>().ok()?;
    let end = end.parse::<jiff::Timestamp>().ok()?;
    let millis = end.as_millisecond().saturating_sub(start.as_millisecond()).max(0);
    let seconds = millis / 1000;
    Some(match seconds {
        0 => format!("{millis} ms"),
        1..60 => format!("{seconds} s"),
        _ => format!("{} min {} s", seconds / 60, seconds % 60),
    })
}

/// A byte count for people: `1.2 MB`.
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_sizes() {
        let now: jiff::Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert_eq!(age_words(at("2026-01-01T23:59:30Z"), now), "30 s ago");
        assert_eq!(age_words(at("2026-01-01T23:00:00Z"), now), "1 h ago");
        assert_eq!(age_words(at("2026-01-01T23:58:00Z"), now), "2 min ago");
        assert_eq!(age_words(at("2026-01-01T00:00:00Z"), now), "1 d ago");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(1_234_567), "1.2 MB");
        assert_eq!(
            duration("2026-01-01T00:00:00.000+00:00", "2026-01-01T00:01:05.000+00:00").unwrap(),
            "1 min 5 s"
        );
    }
}
