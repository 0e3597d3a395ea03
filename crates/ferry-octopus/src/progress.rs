//! Upload progress: an indicatif bar on a terminal, periodic log lines (percent, MB/s) otherwise,
//! because CI logs are not terminals and indicatif hides itself there.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How upload progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar on a terminal, log lines otherwise.
    Auto,
    /// Log lines only.
    Lines,
    /// Nothing.
    Off,
}

/// Progress of one upload attempt.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    last_line: Instant,
    last_percent: u64,
}

impl Progress {
    pub(crate) fn new(mode: ProgressMode, label: &str, total: u64) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (mode == ProgressMode::Auto && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_owned());
            bar
        });
        let lines = mode != ProgressMode::Off && bar.is_none();
        let now = Instant::now();
        Progress {
            bar,
            lines,
            label: label.to_owned(),
            total,
            done: 0,
            started: now,
            last_line: now,
            last_percent: 0,
        }
    }

    pub(crate) fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
            return;
        }
        if !self.lines || self.total == 0 {
            return;
        }
        let percent = self.done * 100 / self.total;
        // A line at each 10% step, or every 5 s when slow, but never more than one a second.
        let step = percent / 10 > self.last_percent / 10;
        let slow = self.last_line.elapsed() >= Duration::from_secs(5);
        if (step || slow) && self.last_line.elapsed() >= Duration::from_secs(1) && self.done < self.total {
            self.last_percent = percent;
            self.last_line = Instant::now();
            eprintln!("uploading {}: {percent}% ({}, {})", self.label, mb(self.done), self.rate());
        }
    }

    fn rate(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        format!("{:.1} MB/s", self.done as f64 / 1_000_000.0 / seconds)
    }

    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.lines && self.total >= 8 * 1024 * 1024 {
            eprintln!(
                "uploaded {}: {} in {:.1}s ({})",
                self.label,
                mb(self.done),
                self.started.elapsed().as_secs_f64(),
                self.rate()
            );
        }
    }

    pub(crate) fn abandon(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }
}

fn mb(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.2} GB", bytes as f64 / 1e9)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}
