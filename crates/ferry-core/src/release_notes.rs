//! Markdown release notes from build information: a summary line, the work items (linked), and
//! the commits (linked, short ids), grouped by conventional-commit type when the messages follow
//! it. The output is meant to be pasted unchanged into a release.
//!
//! A template file can replace the layout; it uses `{{placeholder}}`s (see [`PLACEHOLDERS`]).

use std::fmt::Write as _;

use crate::build_info::{BuildInformation, Commit, WorkItem};

/// The placeholders a template may use, with what they become.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("{{version}}", "the version, or empty"),
    ("{{summary}}", "the one-line summary"),
    ("{{changes}}", "commits grouped by conventional-commit type (or one list)"),
    ("{{commits}}", "every commit as one list"),
    ("{{work_items}}", "the work-item list"),
    ("{{branch}}", "the branch"),
    ("{{build_number}}", "the CI build number"),
    ("{{build_url}}", "the CI build URL"),
    ("{{commit}}", "the commit that was built"),
    ("{{repository}}", "the repository's web URL"),
];

/// A template uses a `{{name}}` that is not one of [`PLACEHOLDERS`]: most likely a typo, which
/// would otherwise be published verbatim in the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlaceholder {
    /// The placeholder as written, e.g. `{{verison}}`.
    pub placeholder: String,
    /// 1-based line of the template it is on.
    pub line: usize,
}

impl std::fmt::Display for UnknownPlaceholder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known: Vec<&str> = PLACEHOLDERS.iter().map(|(name, _)| *name).collect();
        write!(
            f,
            "line {}: {} is not a placeholder; the placeholders are {}",
            self.line,
            self.placeholder,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownPlaceholder {}

/// Check that every `{{...}}` in `template` is one of [`PLACEHOLDERS`].
pub fn check_template(template: &str) -> Result<(), UnknownPlaceholder> {
    for (index, line) in template.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            let Some(length) = rest[start..].find("}}") else { break };
            let placeholder = &rest[start..start + length + 2];
            if !PLACEHOLDERS.iter().any(|(known, _)| *known == placeholder) {
                return Err(UnknownPlaceholder { placeholder: placeholder.to_owned(), line: index + 1 });
            }
            rest = &rest[start + length + 2..];
        }
    }
    Ok(())
}

/// Conventional-commit types in the order their sections appear.
const SECTIONS: &[(&str, &str)] = &[
    ("feat", "Features"),
    ("fix", "Bug fixes"),
    ("perf", "Performance"),
    ("refactor", "Refactoring"),
    ("docs", "Documentation"),
    ("test", "Tests"),
    ("build", "Build"),
    ("ci", "CI"),
    ("style", "Style"),
    ("revert", "Reverts"),
    ("chore", "Chores"),
];

/// A commit message's conventional-commit header, e.g. `feat(api)!: add paging`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConventionalHeader<'a> {
    /// The type, lower-case (`feat`, `fix`, ...).
    pub kind: String,
    /// The scope in parentheses, if any.
    pub scope: Option<&'a str>,
    /// Whether the change is breaking (`!` or a `BREAKING CHANGE:` footer).
    pub breaking: bool,
    /// The description after `: `.
    pub description: &'a str,
}

/// Parse a commit message's conventional-commit header, if it has one of the known types.
pub fn parse_conventional(message: &str) -> Option<ConventionalHeader<'_>> {
    let subject = message.lines().next()?.trim();
    let (head, description) = subject.split_once(": ")?;
    let (head, bang) = match head.strip_suffix('!') {
        Some(head) => (head, true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((kind, rest)) => (kind, Some(rest.strip_suffix(')')?)),
        None => (head, None),
    };
    let kind = kind.to_ascii_lowercase();
    if !SECTIONS.iter().any(|(known, _)| *known == kind) || description.trim().is_empty() {
        return None;
    }
    let breaking = bang
        || message
            .lines()
            .any(|line| line.starts_with("BREAKING CHANGE:") || line.starts_with("BREAKING-CHANGE:"));
    Some(ConventionalHeader { kind, scope, breaking, description: description.trim() })
}

/// Render release notes for `builds` (one or more; commits and work items are merged without
/// duplicates). `version` heads the notes; `template` replaces the default layout.
pub fn render(builds: &[BuildInformation], version: Option<&str>, template: Option<&str>) -> String {
    let notes = Notes::merge(builds);
    let summary = notes.summary(version);
    match template {
        Some(template) => {
            let last = builds.last().cloned().unwrap_or_default();
            let values = [
                ("{{version}}", version.unwrap_or("").to_owned()),
                ("{{summary}}", summary),
                ("{{changes}}", notes.changes()),
                ("{{commits}}", notes.commit_list()),
                ("{{work_items}}", notes.work_item_list()),
                ("{{branch}}", last.branch),
                ("{{build_number}}", last.build_number),
                ("{{build_url}}", last.build_url),
                ("{{commit}}", last.vcs_commit_number),
                ("{{repository}}", last.vcs_root),
            ];
            values
                .iter()
                .fold(template.to_owned(), |text, (placeholder, value)| text.replace(placeholder, value))
        }
        None => {
            let mut out = String::new();
            if let Some(version) = version {
                let _ = writeln!(out, "## {version}\n");
            }
            let _ = writeln!(out, "{summary}\n");
            if !notes.work_items.is_empty() {
                let _ = writeln!(out, "### Work items\n\n{}", notes.work_item_list());
            }
            out.push_str(&notes.changes());
            out.trim_end().to_owned() + "\n"
        }
    }
}

/// Commits and work items of several builds, merged.
struct Notes {
    commits: Vec<(Commit, Option<String>)>,
    work_items: Vec<WorkItem>,
    builds: Vec<BuildInformation>,
}

impl Notes {
    fn merge(builds: &[BuildInformation]) -> Notes {
        let mut commits: Vec<(Commit, Option<String>)> = Vec::new();
        let mut work_items: Vec<WorkItem> = Vec::new();
        let mut seen_commits = std::collections::HashSet::new();
        let mut seen_items = std::collections::HashSet::new();
        for build in builds {
            for commit in &build.commits {
                if seen_commits.insert(commit.id.as_str()) {
                    let link = commit.link_url.clone().or_else(|| commit_link(&build.vcs_root, &commit.id));
                    commits.push((commit.clone(), link));
                }
            }
            for item in &build.work_items {
                if seen_items.insert(item.id.as_str()) {
                    work_items.push(item.clone());
                }
            }
        }
        Notes { commits, work_items, builds: builds.to_vec() }
    }

    fn summary(&self, version: Option<&str>) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut line = format!(
            "{}, {}",
            plural(self.commits.len(), "commit"),
            plural(self.work_items.len(), "work item")
        );
        if let Some(build) = self.builds.last() {
            let branch = Some(build.branch.as_str()).filter(|b| !b.is_empty());
            let number = Some(build.build_number.as_str()).filter(|n| !n.is_empty());
            match (number, build.build_url.is_empty()) {
                (Some(number), false) => {
                    let _ = write!(line, " from build [{number}]({})", build.build_url);
                }
                (Some(number), true) => {
                    let _ = write!(line, " from build {number}");
                }
                (None, _) => {}
            }
            if !build.build_environment.is_empty() && number.is_some() {
                let _ = write!(line, " on {}", build.build_environment);
            }
            if let Some(branch) = branch {
                let _ = write!(line, " (branch `{branch}`)");
            }
        }
        match version {
            Some(version) => format!("Version {version}: {line}."),
            None => format!("{line}."),
        }
    }

    fn work_item_list(&self) -> String {
        let mut out = String::new();
        for item in &self.work_items {
            let id = match &item.link_url {
                Some(link) => format!("[{}]({link})", escape(&item.id)),
                None => escape(&item.id),
            };
            match item.description.as_deref().filter(|d| !d.is_empty()) {
                Some(description) => writeln!(out, "- {id}: {}", escape(description)),
                None => writeln!(out, "- {id}"),
            }
            .expect("writing to a String cannot fail");
        }
        out
    }

    fn commit_line(&self, commit: &Commit, link: Option<&str>, text: &str) -> String {
        let id = match link {
            Some(link) => format!("[{}]({link})", commit.short_id()),
            None => format!("`{}`", commit.short_id()),
        };
        let author = commit.author.as_deref().map(|a| format!(" by {}", escape(a))).unwrap_or_default();
        format!("- {} ({id}){author}\n", escape(text))
    }

    fn commit_list(&self) -> String {
        self.commits
            .iter()
            .map(|(commit, link)| self.commit_line(commit, link.as_deref(), commit.subject()))
            .collect()
    }

    fn changes(&self) -> String {
        if self.commits.is_empty() {
            return String::new();
        }
        let parsed: Vec<_> =
            self.commits.iter().map(|(commit, _)| parse_conventional(&commit.comment)).collect();
        // Group only when most commits follow the convention; otherwise one list reads better.
        let conventional = parsed.iter().filter(|p| p.is_some()).count();
        if conventional * 2 < self.commits.len() {
            return format!("### Commits\n\n{}\n", self.commit_list());
        }
        let line = |index: usize, header: &ConventionalHeader<'_>| {
            let (commit, link) = &self.commits[index];
            let text = match header.scope {
                Some(scope) => format!("**{scope}:** {}", header.description),
                None => header.description.to_owned(),
            };
            self.commit_line(commit, link.as_deref(), &text).replace("\\*\\*", "**")
        };
        let mut out = String::new();
        let breaking: String = parsed
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().filter(|h| h.breaking).map(|h| line(i, h)))
            .collect();
        if !breaking.is_empty() {
            let _ = writeln!(out, "### ⚠ Breaking changes\n\n{breaking}");
        }
        for (kind, title) in SECTIONS {
            let section: String = parsed
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    p.as_ref().filter(|h| h.kind == *kind && !h.breaking).map(|h| line(i, h))
                })
                .collect();
            if !section.is_empty() {
                let _ = writeln!(out, "### {title}\n\n{section}");
            }
        }
        let other: String = parsed
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_none())
            .map(|(i, _)| {
                let (commit, link) = &self.commits[i];
                self.commit_line(commit, link.as_deref(), commit.subject())
            })
            .collect();
        if !other.is_empty() {
            let _ = writeln!(out, "### Other changes\n\n{other}");
        }
        out
    }
}

/// A web link to a commit from the repository URL, for hosts whose layout is known.
fn commit_link(repository: &str, id: &str) -> Option<String> {
    let repository = repository.trim_end_matches('/').trim_end_matches(".git");
    if id.is_empty() || !(repository.starts_with("https://") || repository.starts_with("http://")) {
        return None;
    }
    let path = if repository.contains("bitbucket") { "commits" } else { "commit" };
    Some(format!("{repository}/{path}/{id}"))
}

/// Escape the markdown characters that would change how a commit subject renders.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(id: &str, message: &str) -> Commit {
        Commit { id: id.into(), comment: message.into(), ..Commit::default() }
    }

    fn build(commits: Vec<Commit>) -> BuildInformation {
        BuildInformation {
            build_environment: "GitHub Actions".into(),
            build_number: "42".into(),
            build_url: "https://ci.example.test/runs/42".into(),
            branch: "main".into(),
            vcs_root: "https://github.com/o/r".into(),
            commits,
            work_items: vec![WorkItem {
                id: "ABC-1".into(),
                link_url: Some("https://jira.example.test/browse/ABC-1".into()),
                description: Some("feat: login".into()),
                source: Some("Jira".into()),
            }],
            ..BuildInformation::default()
        }
    }

    #[test]
    fn parses_conventional_headers() {
        let header = parse_conventional("feat(api)!: add paging\n\nbody").unwrap();
        assert_eq!((header.kind.as_str(), header.scope, header.breaking), ("feat", Some("api"), true));
        assert_eq!(header.description, "add paging");
        assert!(parse_conventional("fix: x\n\nBREAKING CHANGE: y").unwrap().breaking);
        assert!(parse_conventional("Merge branch 'main'").is_none());
        assert!(parse_conventional("wip: something").is_none());
    }

    #[test]
    fn groups_conventional_commits_with_breaking_first() {
        let notes = render(
            &[build(vec![
                commit("1111111aaaa", "feat(api)!: drop v1"),
                commit("2222222bbbb", "fix: crash on empty input"),
                commit("3333333cccc", "feat: login page ABC-1"),
                commit("4444444dddd", "Update README"),
            ])],
            Some("1.2.0"),
            None,
        );
        let expected = "## 1.2.0\n\n\
Version 1.2.0: 4 commits, 1 work item from build [42](https://ci.example.test/runs/42) on GitHub Actions (branch `main`).\n\n\
### Work items\n\n- [ABC-1](https://jira.example.test/browse/ABC-1): feat: login\n\n\
### ⚠ Breaking changes\n\n- **api:** drop v1 ([1111111](https://github.com/o/r/commit/1111111aaaa))\n\n\
### Features\n\n- login page ABC-1 ([3333333](https://github.com/o/r/commit/3333333cccc))\n\n\
### Bug fixes\n\n- crash on empty input ([2222222](https://github.com/o/r/commit/2222222bbbb))\n\n\
### Other changes\n\n- Update README ([4444444](https://github.com/o/r/commit/4444444dddd))\n";
        assert_eq!(notes, expected);
    }

    #[test]
    fn plain_messages_form_one_list_and_duplicates_merge() {
        let first = build(vec![commit("aaaaaaa1", "Add *thing*"), commit("bbbbbbb2", "Tidy")]);
        let second = build(vec![commit("bbbbbbb2", "Tidy"), commit("ccccccc3", "More")]);
        let notes = render(&[first, second], None, None);
        assert!(notes.starts_with("3 commits, 1 work item"), "{notes}");
        assert!(notes.contains("### Commits\n\n- Add \\*thing\\* ([aaaaaaa]"), "{notes}");
        assert_eq!(notes.matches("- Tidy").count(), 1, "{notes}");
    }

    #[test]
    fn an_unknown_placeholder_is_named_with_its_line() {
        assert_eq!(check_template("# {{version}}\n{{summary}} {{changes}}"), Ok(()));
        assert_eq!(check_template("no placeholders {here}"), Ok(()));
        let err = check_template("# {{version}}\n\n{{verison}} {{summary}}").unwrap_err();
        assert_eq!(err, UnknownPlaceholder { placeholder: "{{verison}}".into(), line: 3 });
        assert!(
            err.to_string()
                .starts_with("line 3: {{verison}} is not a placeholder; the placeholders are {{version}}, ")
        );
    }

    #[test]
    fn template_placeholders_are_replaced() {
        let notes = render(
            &[build(vec![commit("aaaaaaa1", "fix: x")])],
            Some("2.0.0"),
            Some("# Release {{version}} on {{branch}}\n{{work_items}}{{commits}}"),
        );
        assert_eq!(
            notes,
            "# Release 2.0.0 on main\n- [ABC-1](https://jira.example.test/browse/ABC-1): feat: login\n\
- fix: x ([aaaaaaa](https://github.com/o/r/commit/aaaaaaa1))\n"
        );
    }
}
