//! Work items (issues, tickets) mentioned in commit messages: Jira keys (`ABC-123`), GitHub
//! references (`#123`, `owner/repo#123`, `fixes #123`), Azure Boards (`AB#123`), and patterns
//! the user adds.
//!
//! Jira-style keys are the hard part: `UTF-8`, `SHA-256`, `ISO-8859-1` and `CVE-2024-1234` look
//! like keys too. Without `--work-item-keys` Ferry accepts a key only when it is 2–10 capital
//! letters (digits allowed after the first letter), not a well-known standard or encoding name,
//! and not followed by another `-digits`/`.digits` part (which marks versions and standards, never
//! tickets). With a key list only those projects count and none of these guesses apply.

use std::sync::LazyLock;

use regex::Regex;

use crate::build_info::{BuildInformation, Commit, WorkItem};

/// Names that look like Jira project keys but are standards, encodings, hashes or protocols.
const NOT_PROJECT_KEYS: &[&str] = &[
    "UTF", "UCS", "SHA", "MD", "ISO", "RFC", "CVE", "CWE", "GHSA", "IEEE", "ECMA", "HTTP", "TLS", "SSL",
    "AES", "RSA", "DES", "CRC", "IPV", "WIN", "X", "EN", "DIN", "ANSI", "PEP", "JSR", "JEP", "ES", "ARM",
    "LTS", "RC", "GCC", "CP", "KOI", "BASE", "ADR",
];

static JIRA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Z][A-Z0-9]{1,9})-([0-9]+)\b").expect("valid regex"));
static AZURE_BOARDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bAB#([0-9]+)\b").expect("valid regex"));
// `#123` or `owner/repo#123`, not preceded by a word character (so `AB#1` and `abc#1` are not
// GitHub references) and not part of a URL fragment.
static GITHUB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w/#&.:-])((?:([A-Za-z0-9][\w.-]*)/([\w.-]+))?#([0-9]+))\b").expect("valid regex")
});

/// An invalid `--work-item-pattern`.
#[derive(Debug, thiserror::Error)]
#[error("--work-item-pattern `{pattern}` is not a valid regular expression: {source}")]
pub struct WorkItemPatternError {
    pattern: String,
    #[source]
    source: regex::Error,
}

impl WorkItemPatternError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(
            "patterns use Rust regex syntax; put the id in the first capture group, e.g. `(TASK-[0-9]+)`"
                .into(),
        )
    }
}

/// Fill in `info`'s work items from its commit messages when it has none. Octopus keeps only
/// `Commits[{Id, Comment}]` from a build-information push and derives work items with its
/// issue-tracker extensions (Jira, GitHub, Azure DevOps); a server without one answers
/// `WorkItems: []`, so release notes find them in the commits, as `build-info create` does
/// (default rules, GitHub references linked through the repository).
pub fn derive_when_missing(info: &mut BuildInformation) {
    if !info.work_items.is_empty() {
        return;
    }
    let repository_url = Some(info.vcs_root.trim_end_matches('/').to_owned()).filter(|url| !url.is_empty());
    let rules = WorkItemRules { repository_url, ..WorkItemRules::default() };
    info.work_items = rules.collect(&info.commits, &[]);
}

/// How work items are found and linked.
#[derive(Debug, Clone, Default)]
pub struct WorkItemRules {
    jira_keys: Vec<String>,
    patterns: Vec<Regex>,
    url_template: Option<String>,
    repository_url: Option<String>,
}

impl WorkItemRules {
    /// Rules from the flags: `jira_keys` restricts Jira keys to these projects (empty: any
    /// plausible key), `patterns` are extra regexes, `url_template` links ids through `{id}`,
    /// `repository_url` is the repository's web URL (links GitHub references when it is on GitHub).
    pub fn new(
        jira_keys: &[String],
        patterns: &[String],
        url_template: Option<String>,
        repository_url: Option<String>,
    ) -> Result<WorkItemRules, WorkItemPatternError> {
        let patterns = patterns
            .iter()
            .map(|pattern| {
                Regex::new(pattern)
                    .map_err(|source| WorkItemPatternError { pattern: pattern.clone(), source })
            })
            .collect::<Result<_, _>>()?;
        Ok(WorkItemRules {
            jira_keys: jira_keys
                .iter()
                .map(|key| key.trim().to_ascii_uppercase())
                .filter(|k| !k.is_empty())
                .collect(),
            patterns,
            url_template: url_template.filter(|template| !template.trim().is_empty()),
            repository_url: repository_url.map(|url| url.trim_end_matches('/').to_owned()),
        })
    }

    /// Work items mentioned in `commits` (in commit order, then order within a message), plus the
    /// ids added by hand first, without duplicates.
    pub fn collect(&self, commits: &[Commit], manual: &[String]) -> Vec<WorkItem> {
        let mut items: Vec<WorkItem> = Vec::new();
        // Ids seen so far, case-folded: a set keeps thousands of commits linear.
        let mut seen = std::collections::HashSet::new();
        let mut push = |item: WorkItem| {
            if seen.insert(item.id.to_ascii_lowercase()) {
                items.push(item);
            }
        };
        for id in manual.iter().map(|id| id.trim()).filter(|id| !id.is_empty()) {
            let link = self.link(id, manual_tracker(id));
            push(WorkItem {
                id: id.to_owned(),
                link_url: link,
                description: None,
                source: Some("Manual".into()),
            });
        }
        for commit in commits {
            for (id, source) in self.find(&commit.comment) {
                let link = self.link(&id, source);
                let description = Some(commit.subject().to_owned()).filter(|s| !s.is_empty());
                push(WorkItem { id, link_url: link, description, source: Some(source.into()) });
            }
        }
        items
    }

    /// The work-item ids in one message with their source, in order of position.
    pub fn find(&self, message: &str) -> Vec<(String, &'static str)> {
        let mut found: Vec<(usize, String, &'static str)> = Vec::new();
        for pattern in &self.patterns {
            for captures in pattern.captures_iter(message) {
                let id = captures.get(1).or_else(|| captures.get(0)).expect("group 0 always matches");
                found.push((id.start(), id.as_str().to_owned(), "Pattern"));
            }
        }
        for captures in AZURE_BOARDS.captures_iter(message) {
            let whole = captures.get(0).expect("group 0 always matches");
            found.push((whole.start(), whole.as_str().to_owned(), "Azure Boards"));
        }
        for captures in GITHUB.captures_iter(message) {
            let reference = captures.get(1).expect("group 1 always matches");
            found.push((reference.start(), reference.as_str().to_owned(), "GitHub"));
        }
        for captures in JIRA.captures_iter(message) {
            let whole = captures.get(0).expect("group 0 always matches");
            if self.is_jira_key(&captures[1], &message[whole.end()..]) {
                found.push((whole.start(), whole.as_str().to_owned(), "Jira"));
            }
        }
        found.sort_by_key(|(position, _, _)| *position);
        found.into_iter().map(|(_, id, source)| (id, source)).collect()
    }

    fn is_jira_key(&self, key: &str, after: &str) -> bool {
        if !self.jira_keys.is_empty() {
            return self.jira_keys.iter().any(|known| known == key);
        }
        let mut rest = after.chars();
        let continues_like_a_version =
            matches!(rest.next(), Some('-' | '.')) && rest.next().is_some_and(|c| c.is_ascii_digit());
        let standard_name = NOT_PROJECT_KEYS.iter().any(|name| {
            key == *name
                || key.strip_prefix(name).is_some_and(|tail| tail.chars().all(|c| c.is_ascii_digit()))
        });
        !continues_like_a_version && !standard_name
    }

    /// The link of a work item from `tracker`. The URL template belongs to the tracker whose ids
    /// it was written for: Jira keys and the user's own `--work-item-pattern` ids (a pattern is how
    /// a user asks for other references, `#123` included, to be linked through the template).
    /// GitHub references link to the repository's issues, and never through a Jira template.
    fn link(&self, id: &str, tracker: &str) -> Option<String> {
        match tracker {
            "GitHub" => self.github_link(id),
            "Jira" | "Pattern" => self.template_link(id),
            _ => None,
        }
    }

    fn template_link(&self, id: &str) -> Option<String> {
        self.url_template.as_ref().map(|template| template.replace("{id}", id.trim_start_matches('#')))
    }

    /// `#12` → `<repo>/issues/12`; `owner/repo#12` → `<host>/owner/repo/issues/12`, when the
    /// repository is on GitHub (github.com or a GHES host whose URL the CI gave us).
    fn github_link(&self, id: &str) -> Option<String> {
        let repository = self.repository_url.as_deref()?;
        let captures = GITHUB.captures(id)?;
        let number = &captures[4];
        match (captures.get(2), captures.get(3)) {
            (Some(owner), Some(repo)) => {
                let host = url_origin(repository)?;
                Some(format!("{host}/{}/{}/issues/{number}", owner.as_str(), repo.as_str()))
            }
            _ => Some(format!("{repository}/issues/{number}")),
        }
        .filter(|_| repository.contains("github"))
    }
}

/// The tracker an id given by hand (`--work-item`) belongs to, by its shape: a GitHub reference,
/// an Azure Boards item, or else an id of the template's tracker.
fn manual_tracker(id: &str) -> &'static str {
    let whole = |regex: &Regex| {
        regex
            .find(id)
            .is_some_and(|m| m.as_str().trim_start_matches(|c: char| !c.is_alphanumeric() && c != '#') == id)
    };
    if whole(&AZURE_BOARDS) {
        "Azure Boards"
    } else if whole(&GITHUB) {
        "GitHub"
    } else {
        "Jira"
    }
}

/// `https://host/a/b` → `https://host`.
fn url_origin(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let path_start = url[scheme_end..].find('/').map_or(url.len(), |i| scheme_end + i);
    Some(&url[..path_start])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(rules: &WorkItemRules, message: &str) -> Vec<String> {
        rules.find(message).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn work_items_missing_from_the_server_are_derived_from_its_commits_and_recorded_ones_are_kept() {
        // What an Octopus server without an issue-tracker extension answers: commits, no work items.
        let mut info = BuildInformation {
            vcs_root: "https://github.com/acme/app/".into(),
            commits: vec![Commit {
                id: "a".repeat(40),
                comment: "feat: greet ABC-7 (#12)".into(),
                ..Commit::default()
            }],
            ..BuildInformation::default()
        };
        derive_when_missing(&mut info);
        let found: Vec<(&str, Option<&str>)> =
            info.work_items.iter().map(|w| (w.id.as_str(), w.link_url.as_deref())).collect();
        assert_eq!(found, [("ABC-7", None), ("#12", Some("https://github.com/acme/app/issues/12"))]);
        assert_eq!(info.work_items[0].description.as_deref(), Some("feat: greet ABC-7 (#12)"));

        let recorded = WorkItem { id: "OPS-1".into(), ..WorkItem::default() };
        info.work_items = vec![recorded.clone()];
        derive_when_missing(&mut info);
        assert_eq!(info.work_items, [recorded]);
    }

    #[test]
    fn finds_each_kind_and_rejects_lookalikes() {
        let rules = WorkItemRules::new(&[], &[], None, None).unwrap();
        let table: &[(&str, &[&str])] = &[
            ("ABC-123 fix login", &["ABC-123"]),
            ("fixes #42 and closes octo/repo#7", &["#42", "octo/repo#7"]),
            ("AB#99 boards item", &["AB#99"]),
            ("(#5) squash merge", &["#5"]),
            ("decode UTF-8 input", &[]),
            ("hash with SHA-256 and SHA-1", &[]),
            ("ISO-8859-1 and CVE-2024-1234", &[]),
            ("bump to APP-1.2.3", &[]),
            ("see https://example.test/page#12", &[]),
            ("abc#12 is not a ref", &[]),
            ("lowercase abc-123 is not a key", &[]),
            ("PROJ-1, then PROJ-2 and #3", &["PROJ-1", "PROJ-2", "#3"]),
        ];
        for (message, expected) in table {
            assert_eq!(ids(&rules, message), *expected, "message: {message}");
        }
    }

    #[test]
    fn key_list_restricts_jira_keys_and_admits_odd_ones() {
        let rules = WorkItemRules::new(&["ops".into(), "SHA".into()], &[], None, None).unwrap();
        assert_eq!(ids(&rules, "OPS-1 ABC-2 SHA-256"), ["OPS-1", "SHA-256"]);
    }

    #[test]
    fn patterns_use_the_first_group_and_bad_patterns_are_errors() {
        let rules = WorkItemRules::new(&[], &[r"ticket:(\d+)".into()], None, None).unwrap();
        assert_eq!(rules.find("ticket:55"), [("55".to_owned(), "Pattern")]);
        assert!(WorkItemRules::new(&[], &["(".into()], None, None).is_err());
    }

    #[test]
    fn collect_dedups_in_first_mention_order_and_links() {
        let rules = WorkItemRules::new(
            &[],
            &[],
            Some("https://jira.example.test/browse/{id}".into()),
            Some("https://github.com/o/r/".into()),
        )
        .unwrap();
        let commit = |message: &str| Commit { id: "x".into(), comment: message.into(), ..Commit::default() };
        let items = rules.collect(
            &[commit("feat: login ABC-1 (#4)\n\nmore"), commit("fix ABC-1 again, other/r#9")],
            &["MAN-1".into()],
        );
        let summary: Vec<_> = items
            .iter()
            .map(|i| (i.id.as_str(), i.link_url.as_deref().unwrap_or(""), i.source.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            summary,
            [
                ("MAN-1", "https://jira.example.test/browse/MAN-1", "Manual"),
                ("ABC-1", "https://jira.example.test/browse/ABC-1", "Jira"),
                ("#4", "https://github.com/o/r/issues/4", "GitHub"),
                ("other/r#9", "https://github.com/other/r/issues/9", "GitHub"),
            ]
        );
        assert_eq!(items[1].description.as_deref(), Some("feat: login ABC-1 (#4)"));
    }

    #[test]
    fn the_url_template_links_jira_keys_not_github_or_boards_references() {
        let jira = Some("https://jira.example.test/browse/{id}".to_owned());
        let commit = |message: &str| Commit { id: "x".into(), comment: message.into(), ..Commit::default() };
        let links = |rules: &WorkItemRules, manual: &[String]| -> Vec<(String, Option<String>)> {
            rules
                .collect(&[commit("OPS-7 fixes #12 and AB#5")], manual)
                .into_iter()
                .map(|item| (item.id, item.link_url))
                .collect()
        };
        // A repository that is not on GitHub: #12 stays unlinked rather than becoming a Jira URL.
        let rules =
            WorkItemRules::new(&[], &[], jira.clone(), Some("https://git.example.test/o/r".into())).unwrap();
        assert_eq!(
            links(&rules, &["#3".into(), "MAN-1".into()]),
            [
                ("#3".to_owned(), None),
                ("MAN-1".to_owned(), Some("https://jira.example.test/browse/MAN-1".to_owned())),
                ("OPS-7".to_owned(), Some("https://jira.example.test/browse/OPS-7".to_owned())),
                ("#12".to_owned(), None),
                ("AB#5".to_owned(), None),
            ]
        );
        // Asked for: a pattern claims `#N` for the template's tracker.
        let rules = WorkItemRules::new(&[], &[r"(#\d+)".into()], jira, None).unwrap();
        let items = rules.collect(&[commit("fixes #12")], &[]);
        assert_eq!(items[0].link_url.as_deref(), Some("https://jira.example.test/browse/12"));
    }
}
