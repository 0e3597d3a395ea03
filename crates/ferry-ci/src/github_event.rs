//! The GitHub event payload (`$GITHUB_EVENT_PATH`): a push event lists its commits, which is the
//! fallback when a shallow checkout has no history to read.

use ferry_core::build_info::Commit;

/// The commits of a push event, newest first; `None` when the file is missing, unreadable, not a
/// push event or lists no commits. GitHub caps the list at 2048 commits.
pub fn push_commits(event_path: &std::path::Path) -> Option<Vec<Commit>> {
    let text = std::fs::read_to_string(event_path).ok()?;
    let event: serde_json::Value = serde_json::from_str(&text).ok()?;
    let commits = event.get("commits")?.as_array()?;
    let mut commits: Vec<Commit> = commits
        .iter()
        .filter_map(|commit| {
            let text = |pointer: &str| commit.pointer(pointer).and_then(|v| v.as_str()).map(str::to_owned);
            Some(Commit {
                id: text("/id")?,
                comment: text("/message").unwrap_or_default(),
                link_url: text("/url"),
                author: text("/author/name"),
                timestamp: text("/timestamp"),
            })
        })
        .collect();
    // The payload lists commits oldest first; build information lists newest first.
    commits.reverse();
    (!commits.is_empty()).then_some(commits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_push_commits_newest_first_and_ignores_other_events() {
        let dir = tempfile::tempdir().unwrap();
        let push = dir.path().join("push.json");
        std::fs::write(
            &push,
            r#"{"before":"a","commits":[
                {"id":"c1","message":"first","url":"https://github.com/o/r/commit/c1","author":{"name":"Ann"},"timestamp":"2025-01-01T00:00:00Z"},
                {"id":"c2","message":"second\n\nbody"}]}"#,
        )
        .unwrap();
        let commits = push_commits(&push).unwrap();
        assert_eq!(commits.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c2", "c1"]);
        assert_eq!(commits[1].author.as_deref(), Some("Ann"));
        assert_eq!(commits[0].comment, "second\n\nbody");
        let pull = dir.path().join("pr.json");
        std::fs::write(&pull, r#"{"pull_request":{}}"#).unwrap();
        assert!(push_commits(&pull).is_none());
        assert!(push_commits(&dir.path().join("missing.json")).is_none());
    }
}
