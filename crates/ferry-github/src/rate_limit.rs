//! GitHub's rate limits, read from its documented headers, and how long Ferry waits.
//!
//! - Primary limit: `x-ratelimit-remaining: 0`, with `x-ratelimit-reset` (epoch seconds) saying
//!   when the window reopens; GitHub answers 403 or 429.
//! - Secondary limit: 403 or 429, with `retry-after` (seconds) when GitHub says how long to wait;
//!   without headers GitHub asks clients to wait at least a minute. Its body's
//!   `documentation_url` points at the secondary-rate-limit section, which is how such a 403 is
//!   told apart from a missing permission.
//!
//! Waits are clamped by [`RetryPolicy::max_wait`]: a CI job should fail with the reset time
//! rather than sleep for an hour.

use std::time::Duration;

use crate::error::ErrorBody;

/// How many times and how long Ferry retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The longest single wait; a rate limit that resets later fails at once.
    pub max_wait: Duration,
    /// The first back-off after a transient failure; it doubles each time, up to `max_wait`.
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_wait: Duration::from_secs(120),
            backoff: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    /// The back-off before attempt `attempt + 1` after a transient failure.
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        self.backoff.saturating_mul(1 << attempt.min(16)).min(self.max_wait)
    }
}

/// GitHub asks clients to wait at least this long after a secondary limit without headers.
const SECONDARY_LIMIT_DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// Whether a 403/429 answer is a rate limit rather than a refusal.
pub(crate) fn is_rate_limit(status: u16, headers: &http::HeaderMap, body: &ErrorBody) -> bool {
    match status {
        429 => true,
        403 => {
            headers.contains_key(http::header::RETRY_AFTER)
                || header_u64(headers, "x-ratelimit-remaining") == Some(0)
                || points_at_rate_limit_docs(&body.documentation_url)
        }
        _ => false,
    }
}

/// `documentation_url` of GitHub's rate-limit answers leads to the REST API's rate-limit page.
fn points_at_rate_limit_docs(documentation_url: &str) -> bool {
    url::Url::parse(documentation_url).is_ok_and(|url| {
        url.fragment().is_some_and(|fragment| fragment.contains("rate-limit"))
            || url.path_segments().is_some_and(|mut segments| segments.any(|s| s.starts_with("rate-limits")))
    })
}

/// The wait GitHub's headers ask for: `retry-after`, else the time until `x-ratelimit-reset`
/// when nothing remains.
pub(crate) fn requested_wait(headers: &http::HeaderMap, now: jiff::Timestamp) -> Option<Duration> {
    if let Some(seconds) = header_u64(headers, "retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        let reset = header_u64(headers, "x-ratelimit-reset")?;
        let seconds = i64::try_from(reset).ok()?.saturating_sub(now.as_second()).max(1);
        return Some(Duration::from_secs(seconds.unsigned_abs()));
    }
    None
}

/// How long to wait before retrying a rate-limited answer, or `None` when the wait is longer than
/// the policy allows.
pub(crate) fn wait_before_retry(
    headers: &http::HeaderMap,
    now: jiff::Timestamp,
    policy: &RetryPolicy,
) -> Option<Duration> {
    let wait = requested_wait(headers, now).unwrap_or(SECONDARY_LIMIT_DEFAULT_WAIT);
    (wait <= policy.max_wait).then_some(wait)
}

fn header_u64(headers: &http::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, String)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_permission_403_is_not_a_rate_limit() {
        let body = ErrorBody {
            message: "Resource not accessible by integration".into(),
            documentation_url: "https://docs.github.com/rest/releases/releases#create-a-release".into(),
            ..ErrorBody::default()
        };
        assert!(!is_rate_limit(403, &headers(&[("x-ratelimit-remaining", "4999".into())]), &body));
        let secondary = ErrorBody {
            documentation_url:
                "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
                    .into(),
            ..ErrorBody::default()
        };
        assert!(is_rate_limit(403, &headers(&[]), &secondary));
        assert!(is_rate_limit(403, &headers(&[("x-ratelimit-remaining", "0".into())]), &body));
        assert!(is_rate_limit(429, &headers(&[]), &body));
    }

    #[test]
    fn waits_follow_the_headers_and_are_clamped() {
        let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        let policy = RetryPolicy { max_wait: Duration::from_secs(90), ..RetryPolicy::default() };
        let retry_after = headers(&[("retry-after", "7".into())]);
        assert_eq!(wait_before_retry(&retry_after, now, &policy), Some(Duration::from_secs(7)));
        let reset = headers(&[
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", (now.as_second() + 30).to_string()),
        ]);
        assert_eq!(wait_before_retry(&reset, now, &policy), Some(Duration::from_secs(30)));
        let past_reset = headers(&[
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", (now.as_second() - 5).to_string()),
        ]);
        assert_eq!(wait_before_retry(&past_reset, now, &policy), Some(Duration::from_secs(1)));
        assert_eq!(wait_before_retry(&headers(&[]), now, &policy), Some(Duration::from_secs(60)));
        let an_hour = headers(&[("retry-after", "3600".into())]);
        assert_eq!(wait_before_retry(&an_hour, now, &policy), None);
    }
}
