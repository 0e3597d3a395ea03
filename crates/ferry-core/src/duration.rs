//! Durations as Ferry's flags and settings spell them: `90s`, `10m`, `1h`, `500ms`, or a bare
//! number of seconds.

use std::num::IntErrorKind;
use std::time::Duration;

/// The longest duration or number of seconds any flag or setting accepts: one year. Longer values
/// would only overflow the deadline arithmetic further down (`Instant + Duration` panics).
pub const LONGEST_SECONDS: u64 = 365 * 24 * 3600;

/// How long a task ran, as the server words it for Octopus clients: `1 second`, `12 seconds`,
/// `3 minutes` (whole minutes from 60 seconds on).
pub fn task_duration_words(seconds: i64) -> String {
    let (count, unit) = if seconds < 60 { (seconds, "second") } else { (seconds / 60, "minute") };
    if count == 1 { format!("1 {unit}") } else { format!("{count} {unit}s") }
}

/// Parse `90s`, `10m`, `1h`, `500ms` or a bare number of seconds, up to [`LONGEST_SECONDS`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let too_long = || {
        format!(
            "`{text}` is longer than the longest accepted duration, {}h (one year)",
            LONGEST_SECONDS / 3600
        )
    };
    let value: u64 = number.parse().map_err(|err: std::num::ParseIntError| match err.kind() {
        IntErrorKind::PosOverflow => too_long(),
        _ => format!("`{text}` is not a duration; use a number with s, m, h or ms, e.g. 90s or 10m"),
    })?;
    let millis_per_unit: u64 = match unit {
        "" | "s" => 1000,
        "ms" => 1,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!("`{text}` has an unknown unit `{unit}`; use s, m, h or ms, e.g. 90s or 10m"));
        }
    };
    match value.checked_mul(millis_per_unit) {
        Some(millis) if millis <= LONGEST_SECONDS * 1000 => Ok(Duration::from_millis(millis)),
        _ => Err(too_long()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_durations_are_worded_with_their_plural() {
        let words: Vec<String> = [0, 1, 12, 60, 119, 180].into_iter().map(task_duration_words).collect();
        assert_eq!(words, ["0 seconds", "1 second", "12 seconds", "1 minute", "1 minute", "3 minutes"]);
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("10m").unwrap().as_secs(), 600);
        assert_eq!(parse_duration("2h").unwrap().as_secs(), 7200);
        assert_eq!(parse_duration("250ms").unwrap().as_millis(), 250);
        assert_eq!(parse_duration("7").unwrap().as_secs(), 7);
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn durations_too_long_for_the_deadline_arithmetic_are_refused_not_wrapped() {
        for text in
            ["99999999h", "18446744073709551615s", "99999999999999999999999", "5124095576030432h", "8761h"]
        {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains("longest"), "{text}: {err}");
        }
        assert_eq!(parse_duration("8760h").unwrap().as_secs(), LONGEST_SECONDS);
    }
}
