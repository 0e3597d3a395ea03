//! Release notes as HTML: CommonMark rendered by pulldown-cmark, made safe to show. Raw HTML in
//! the notes is shown as text (never interpreted), and links and images keep only http, https,
//! mailto and relative targets, so a note cannot run script (`javascript:`) or smuggle data URLs.
//! Cheaper in binary size than a general HTML sanitiser: nothing but Markdown's own output is
//! ever produced.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Render release notes to safe HTML.
pub fn render(notes: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // Links with a refused target are dropped but their text kept: remember which ends to drop.
    let mut dropped_links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(notes, options).filter_map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let allowed = is_allowed_target(&dest_url);
            dropped_links.push(!allowed);
            allowed.then_some(Event::Start(Tag::Link { link_type, dest_url, title, id }))
        }
        Event::End(TagEnd::Link) => {
            let dropped = dropped_links.pop().unwrap_or(false);
            (!dropped).then_some(Event::End(TagEnd::Link))
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            let dest_url = if is_allowed_target(&dest_url) { dest_url } else { CowStr::Borrowed("") };
            Some(Event::Start(Tag::Image { link_type, dest_url, title, id }))
        }
        other => Some(other),
    });
    let mut out = String::with_capacity(notes.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// `url` when it may be a link target on a page (see [`is_allowed_target`]), for links that come
/// from build information rather than notes.
pub fn safe_href(url: &str) -> Option<&str> {
    (!url.trim().is_empty() && is_allowed_target(url)).then_some(url)
}

/// http, https, mailto, or a relative reference (no scheme at all).
fn is_allowed_target(target: &str) -> bool {
    // Browsers ignore ASCII whitespace and control characters inside a scheme (`java\tscript:`).
    let cleaned: String =
        target.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control()).collect();
    let lower = cleaned.to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        Some(colon) => {
            let scheme = &lower[..colon];
            // A colon after the first `/`, `?` or `#` is part of a relative path, not a scheme.
            if scheme.contains(['/', '?', '#']) {
                return true;
            }
            matches!(scheme, "http" | "https" | "mailto")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = render(
            "Fixes <script>alert(1)</script> and <img src=x onerror=alert(2)>\n\n<div onclick=x>block</div>",
        );
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    }

    #[test]
    fn only_safe_link_targets() {
        let html = render(
            "[a](javascript:alert(1)) [b](JaVa\tScript:x) [c](data:text/html,x) [d](https://example.org/x) [e](/app/x) [f](mailto:a@b.c) [g](docs/a:b)",
        );
        assert!(!html.to_ascii_lowercase().contains("javascript") && !html.contains("data:"), "{html}");
        assert!(html.contains(">a<") || html.contains("a "), "the text of a refused link stays: {html}");
        for ok in ["https://example.org/x", "/app/x", "mailto:a@b.c", "docs/a:b"] {
            assert!(html.contains(&format!("href=\"{ok}\"")), "{ok}: {html}");
        }
        let html = render("![x](javascript:alert(1))");
        assert!(!html.contains("javascript"), "{html}");
    }

    #[test]
    fn markdown_renders() {
        let html = render("# Title\n\n* one\n* **two**\n");
        assert!(html.contains("<h1>Title</h1>") && html.contains("<strong>two</strong>"), "{html}");
    }
}
