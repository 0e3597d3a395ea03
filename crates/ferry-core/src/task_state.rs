//! The state of a server task (a deployment's run), as Octopus names them and Ferry reports them.

use std::fmt;

/// Where a server task stands. The names are Octopus's, and they are part of Ferry's JSON
/// contract (`state` in deployment and task results), so [`TaskState::as_str`] returns them
/// unchanged; a state this version of Ferry does not know is kept as the server spelled it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TaskState {
    /// Waiting for the task runner.
    Queued,
    /// Running.
    Executing,
    /// A cancellation was asked for and the task is stopping.
    Cancelling,
    /// Finished successfully.
    Success,
    /// Finished with an error.
    Failed,
    /// Stopped by a cancellation.
    Canceled,
    /// Stopped by the server's own time limit.
    TimedOut,
    /// A state this version of Ferry does not know, as the server spelled it.
    Other(String),
}

impl TaskState {
    /// The state as the server and Ferry's JSON spell it.
    pub fn as_str(&self) -> &str {
        match self {
            TaskState::Queued => "Queued",
            TaskState::Executing => "Executing",
            TaskState::Cancelling => "Cancelling",
            TaskState::Success => "Success",
            TaskState::Failed => "Failed",
            TaskState::Canceled => "Canceled",
            TaskState::TimedOut => "TimedOut",
            TaskState::Other(text) => text,
        }
    }

    /// Whether the task has ended (successfully or not). An unknown state is taken as not ended,
    /// so Ferry keeps following rather than reporting an outcome it cannot read.
    pub fn is_final(&self) -> bool {
        matches!(self, TaskState::Success | TaskState::Failed | TaskState::Canceled | TaskState::TimedOut)
    }

    /// Whether the task ended without success.
    pub fn is_unsuccessful(&self) -> bool {
        matches!(self, TaskState::Failed | TaskState::Canceled | TaskState::TimedOut)
    }

    /// Whether the task is waiting or running: it has not started to end yet.
    pub fn is_pending(&self) -> bool {
        matches!(self, TaskState::Queued | TaskState::Executing)
    }
}

impl From<&str> for TaskState {
    fn from(text: &str) -> TaskState {
        match text {
            "Queued" => TaskState::Queued,
            "Executing" => TaskState::Executing,
            "Cancelling" => TaskState::Cancelling,
            "Success" => TaskState::Success,
            "Failed" => TaskState::Failed,
            "Canceled" => TaskState::Canceled,
            "TimedOut" => TaskState::TimedOut,
            other => TaskState::Other(other.to_owned()),
        }
    }
}

/// A task nobody has reported on yet is queued.
impl Default for TaskState {
    fn default() -> TaskState {
        TaskState::Queued
    }
}

impl From<String> for TaskState {
    fn from(text: String) -> TaskState {
        TaskState::from(text.as_str())
    }
}

impl From<TaskState> for String {
    fn from(state: TaskState) -> String {
        state.as_str().to_owned()
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_state_reads_back_as_the_server_spells_it() {
        for text in ["Queued", "Executing", "Cancelling", "Success", "Failed", "Canceled", "TimedOut"] {
            let state = TaskState::from(text);
            assert!(!matches!(state, TaskState::Other(_)), "{text}");
            assert_eq!(state.as_str(), text);
        }
    }

    #[test]
    fn an_unknown_state_is_kept_and_not_final() {
        let state = TaskState::from("Paused");
        assert_eq!(state, TaskState::Other("Paused".into()));
        assert_eq!(state.to_string(), "Paused");
        assert!(!state.is_final() && !state.is_unsuccessful() && !state.is_pending());
    }

    #[test]
    fn the_wire_form_is_the_plain_name() {
        let state: TaskState = serde_json::from_str("\"TimedOut\"").unwrap();
        assert_eq!(state, TaskState::TimedOut);
        assert_eq!(serde_json::to_string(&TaskState::Other("Paused".into())).unwrap(), "\"Paused\"");
    }

    #[test]
    fn final_states_split_into_success_and_the_rest() {
        assert!(TaskState::Success.is_final() && !TaskState::Success.is_unsuccessful());
        for state in [TaskState::Failed, TaskState::Canceled, TaskState::TimedOut] {
            assert!(state.is_final() && state.is_unsuccessful());
        }
        assert!(!TaskState::Cancelling.is_final() && !TaskState::Cancelling.is_pending());
    }
}
