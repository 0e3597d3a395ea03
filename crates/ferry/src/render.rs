//! Text shared by the commands' output: aligned tables, markdown tables for CI summaries, lists
//! for CI outputs.

/// Comma-separated list for CI outputs.
pub fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// A plain-text table with aligned columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> =
            cells.iter().enumerate().map(|(i, c)| format!("{c:<width$}", width = widths[i])).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.iter().map(|h| (*h).to_owned()).collect())];
    for row in rows {
        out.push(line(row.clone()));
    }
    out.join("\n")
}

/// A markdown table.
pub fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}|\n",
        headers.join(" | "),
        headers.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for row in rows {
        out.push_str(&format!(
            "| {} |\n",
            row.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | ")
        ));
    }
    out
}

/// A size for people: `512 B`, `1.5 KiB`, `20.0 MiB` (JSON carries bytes).
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Every line of `text` indented by two spaces (a table under a heading).
pub fn indent(text: &str) -> String {
    text.lines()
        .map(|line| if line.is_empty() { String::new() } else { format!("  {line}") })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `count` and the noun, plural unless one: "1 file", "3 files", "0 tasks". `noun` is the
/// singular; nouns here all take an `s`.
pub fn count(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

/// A timestamp from the server (RFC 3339) as `2026-11-28 17:40` in UTC, or the text as given
/// when it does not parse; empty for none.
pub fn when(timestamp: Option<&str>) -> String {
    match timestamp {
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map(|at| at.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| text.to_owned()),
        None => String::new(),
    }
}

/// Seconds as people read them: `45s`, `3m 07s`, `1h 02m`.
pub fn seconds(total: i64) -> String {
    match total {
        ..60 => format!("{total}s"),
        60..3600 => format!("{}m {:02}s", total / 60, total % 60),
        _ => format!("{}h {:02}m", total / 3600, total % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(size(121), "121 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(20 << 20), "20.0 MiB");
    }

    #[test]
    fn counts_are_singular_for_one_only() {
        assert_eq!(count(0, "task"), "0 tasks");
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(count(2, "release"), "2 releases");
    }

    #[test]
    fn times_and_durations_read_as_people_write_them() {
        assert_eq!(when(Some("2026-11-28T17:40:45.123+00:00")), "2026-11-28 17:40");
        assert_eq!(when(Some("2026-11-28T19:40:45+02:00")), "2026-11-28 17:40");
        assert_eq!(when(Some("yesterday")), "yesterday");
        assert_eq!(when(None), "");
        assert_eq!(seconds(45), "45s");
        assert_eq!(seconds(187), "3m 07s");
        assert_eq!(seconds(3720), "1h 02m");
    }
}
