//! A deployment's state as the dashboard shows it: a word and an icon as well as a colour, so the
//! state never depends on colour alone.

use maud::{Markup, html};

/// What a deployment (its task) is doing or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployState {
    /// Finished successfully.
    Success,
    /// Failed or timed out.
    Failed,
    /// Executing, or being cancelled.
    Running,
    /// Waiting for a worker or for an earlier deployment of the same project and environment.
    Queued,
    /// Cancelled.
    Canceled,
}

impl DeployState {
    /// From a task's state as stored (`Queued`, `Executing`, `Success`, ...).
    pub fn of_task(state: &str) -> DeployState {
        match state {
            "Success" => DeployState::Success,
            "Executing" | "Cancelling" => DeployState::Running,
            "Queued" => DeployState::Queued,
            "Canceled" => DeployState::Canceled,
            _ => DeployState::Failed,
        }
    }

    /// Whether it may still change (pages that show it refresh themselves).
    pub fn is_active(self) -> bool {
        matches!(self, DeployState::Running | DeployState::Queued)
    }

    /// The word shown.
    pub fn label(self) -> &'static str {
        match self {
            DeployState::Success => "Success",
            DeployState::Failed => "Failed",
            DeployState::Running => "Running",
            DeployState::Queued => "Queued",
            DeployState::Canceled => "Canceled",
        }
    }

    /// An icon beside the word (hidden from screen readers, which read the word).
    fn icon(self) -> &'static str {
        match self {
            DeployState::Success => "✓",
            DeployState::Failed => "✗",
            DeployState::Running => "▶",
            DeployState::Queued => "◷",
            DeployState::Canceled => "⊘",
        }
    }

    /// The CSS class carrying the colour.
    pub fn class(self) -> &'static str {
        match self {
            DeployState::Success => "state-success",
            DeployState::Failed => "state-failed",
            DeployState::Running => "state-running",
            DeployState::Queued => "state-queued",
            DeployState::Canceled => "state-canceled",
        }
    }

    /// The badge: icon and word.
    pub fn badge(self) -> Markup {
        html! {
            span class={ "state " (self.class()) } {
                span aria-hidden="true" { (self.icon()) " " } (self.label())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_state_maps() {
        assert_eq!(DeployState::of_task("Success"), DeployState::Success);
        assert_eq!(DeployState::of_task("TimedOut"), DeployState::Failed);
        assert_eq!(DeployState::of_task("Cancelling"), DeployState::Running);
        assert!(DeployState::of_task("Queued").is_active());
        assert!(!DeployState::of_task("Canceled").is_active());
        let badge = DeployState::Failed.badge().into_string();
        assert!(badge.contains("Failed") && badge.contains('✗'), "{badge}");
    }
}
