//! The options of a deployment request beyond "this release to these environments": who it is
//! for (tenants), where it runs (machines), which steps run, when it may start, and how failures
//! are handled. They are the fields of Octopus's `deployments/create/*/v1` request; a server that
//! cannot honour one must refuse the request naming the field, never drop it.

use jiff::{SignedDuration, Timestamp};

/// Options of a deployment request. The default is what a request without them means.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentOptions {
    /// Tenant tags (`Tag set/Tag`): every tenant carrying one is deployed to.
    pub tenant_tags: Vec<String>,
    /// Step names not to run.
    pub skip_steps: Vec<String>,
    /// Run only on these deployment targets.
    pub specific_machines: Vec<String>,
    /// Do not run on these deployment targets.
    pub excluded_machines: Vec<String>,
    /// Download packages again even when a target has them.
    pub force_package_download: bool,
    /// Pause for guidance on a failure. `None` leaves it to the project's setting (Octopus's
    /// `UseGuidedFailure: null`), which is why this is not a plain bool.
    pub guided_failure: Option<bool>,
    /// Do not start before this time (Octopus's `RunAt`, the task's `QueueTime`).
    pub run_at: Option<Timestamp>,
    /// Do not start after this time (Octopus's `NoRunAfter`, the task's `QueueTimeExpiry`).
    pub no_run_after: Option<Timestamp>,
}

/// Parse a time a flag names: RFC 3339 (`2026-11-28T19:00:00Z`, any offset) or an offset from
/// `now` (`+10m`, `+90s`, `+2h`, as [`crate::duration::parse_duration`] spells durations).
pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Some(offset) = text.strip_prefix('+') {
        let duration = crate::duration::parse_duration(offset)?;
        let signed = SignedDuration::try_from(duration).map_err(|err| format!("`{text}`: {err}"))?;
        return now.checked_add(signed).map_err(|err| format!("`{text}`: {err}"));
    }
    text.parse::<Timestamp>().map_err(|_| {
        format!("`{text}` is not a time; use RFC 3339 (2026-11-28T19:00:00Z or with an offset, +01:00) or an offset from now such as +10m")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_with_any_offset_or_an_offset_from_now() {
        let now: Timestamp = "2026-11-28T18:00:00Z".parse().unwrap();
        assert_eq!(parse_time("+10m", now).unwrap().to_string(), "2026-11-28T18:10:00Z");
        assert_eq!(parse_time("+90s", now).unwrap().to_string(), "2026-11-28T18:01:30Z");
        // The same instant, written with an offset: compared as instants, not as text.
        assert_eq!(parse_time("2026-11-28T20:00:00+02:00", now).unwrap(), now);
        assert!(parse_time("tomorrow", now).unwrap_err().contains("RFC 3339"));
        assert!(parse_time("+10x", now).is_err());
    }
}
