//! GitHub's pagination: the `Link` header's `rel="next"` URL (RFC 8288).

/// The next page's URL, when there is one.
pub(crate) fn next_page(headers: &http::HeaderMap) -> Option<String> {
    headers.get_all(http::header::LINK).iter().filter_map(|value| value.to_str().ok()).find_map(|value| {
        value.split(',').find_map(|link| {
            let (target, params) = link.trim().split_once(';')?;
            let is_next = params.split(';').any(|param| {
                param.trim().split_once('=').is_some_and(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("rel")
                        && value.trim().trim_matches('"').split_whitespace().any(|rel| rel == "next")
                })
            });
            is_next.then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_the_others() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::LINK,
            r#"<https://api.github.com/repositories/1/deployments?page=3>; rel="next", <https://api.github.com/repositories/1/deployments?page=5>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_page(&headers).as_deref(),
            Some("https://api.github.com/repositories/1/deployments?page=3")
        );
        headers.insert(http::header::LINK, r#"<https://x/?page=1>; rel="prev""#.parse().unwrap());
        assert_eq!(next_page(&headers), None);
        assert_eq!(next_page(&http::HeaderMap::new()), None);
    }
}
