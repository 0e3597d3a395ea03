//! Build information: what a CI build knew about the code it packaged (build number and URL,
//! branch, repository, commits, work items), in the shape of Octopus's `OctopusBuildInformation`.
//!
//! The same JSON is the `--file` that `ferry build-info create` writes, the body the client
//! pushes, and what the embedded server stores. Reading is lenient because other tools write
//! these files too: missing fields, `null` fields (the Go CLI sends `"Commits": null`) and
//! camelCase names are all accepted.

use serde::{Deserialize, Deserializer, Serialize};

/// Build information for one or more package versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BuildInformation {
    /// The CI system, e.g. `GitHub Actions`, `Azure DevOps`.
    #[serde(alias = "buildEnvironment", deserialize_with = "null_as_default")]
    pub build_environment: String,
    /// The CI build number.
    #[serde(alias = "buildNumber", deserialize_with = "null_as_default")]
    pub build_number: String,
    /// A link to the CI build.
    #[serde(alias = "buildUrl", deserialize_with = "null_as_default")]
    pub build_url: String,
    /// The branch, without `refs/heads/`.
    #[serde(alias = "branch", deserialize_with = "null_as_default")]
    pub branch: String,
    /// The version-control system; Ferry always writes `Git`.
    #[serde(alias = "vcsType", deserialize_with = "null_as_default")]
    pub vcs_type: String,
    /// The repository's web URL, without credentials.
    #[serde(alias = "vcsRoot", deserialize_with = "null_as_default")]
    pub vcs_root: String,
    /// The commit that was built.
    #[serde(alias = "vcsCommitNumber", deserialize_with = "null_as_default")]
    pub vcs_commit_number: String,
    /// Commits since the previous build, newest first.
    #[serde(alias = "commits", deserialize_with = "null_as_default")]
    pub commits: Vec<Commit>,
    /// Work items mentioned by those commits (or added by hand), in order of first mention.
    #[serde(alias = "workItems", deserialize_with = "null_as_default")]
    pub work_items: Vec<WorkItem>,
}

/// One commit in [`BuildInformation::commits`].
///
/// Octopus requests carry only `Id` and `Comment`; the other fields are Ferry's additions and are
/// left out of the JSON when unknown, so Octopus servers see the body they expect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Commit {
    /// The full commit hash.
    #[serde(alias = "id", deserialize_with = "null_as_default")]
    pub id: String,
    /// The full commit message.
    #[serde(alias = "comment", deserialize_with = "null_as_default")]
    pub comment: String,
    /// A web link to the commit, when the repository host is known.
    #[serde(alias = "linkUrl", skip_serializing_if = "Option::is_none")]
    pub link_url: Option<String>,
    /// The author's name.
    #[serde(alias = "author", skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The commit time, RFC 3339.
    #[serde(alias = "timestamp", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// One work item (issue, ticket) in [`BuildInformation::work_items`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct WorkItem {
    /// The id as written, e.g. `ABC-123`, `#42`, `owner/repo#42`, `AB#7`.
    #[serde(alias = "id", deserialize_with = "null_as_default")]
    pub id: String,
    /// A web link to the work item, when the tracker is known.
    #[serde(alias = "linkUrl", skip_serializing_if = "Option::is_none")]
    pub link_url: Option<String>,
    /// A short description (Ferry uses the first commit line that mentioned it).
    #[serde(alias = "description", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the id came from: `Jira`, `GitHub`, `Azure Boards`, `Pattern` or `Manual`.
    #[serde(alias = "source", skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl BuildInformation {
    /// Parse build information JSON (a `buildinfo.octopus` file or a request's
    /// `OctopusBuildInformation`).
    pub fn from_json(text: &str) -> Result<BuildInformation, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Pretty JSON in Octopus's field names.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("build information always serializes")
    }
}

impl Commit {
    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.comment.lines().next().unwrap_or("").trim()
    }

    /// The abbreviated hash (7 characters) used in notes and summaries.
    pub fn short_id(&self) -> &str {
        self.id.get(..7).unwrap_or(&self.id)
    }
}

/// Treat an explicit `null` as the field's default, as the official clients do.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_octopus_file_with_nulls_and_missing_fields() {
        let info = BuildInformation::from_json(
            r#"{"BuildEnvironment":"GitHub Actions","BuildNumber":"42","Branch":null,"Commits":null,
                "VcsCommitNumber":"314cf2c3ee916c92a384c2796a6abe332d678e4f"}"#,
        )
        .unwrap();
        assert_eq!(info.build_environment, "GitHub Actions");
        assert_eq!(info.build_number, "42");
        assert_eq!(info.branch, "");
        assert!(info.commits.is_empty());
        assert!(info.work_items.is_empty());
        assert_eq!(info.vcs_commit_number, "314cf2c3ee916c92a384c2796a6abe332d678e4f");
    }

    #[test]
    fn reads_camel_case_names_like_the_official_clients() {
        let info = BuildInformation::from_json(
            r#"{"buildNumber":"7","vcsRoot":"https://example.test/r","commits":[{"id":"abc","comment":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(info.build_number, "7");
        assert_eq!(info.vcs_root, "https://example.test/r");
        assert_eq!(info.commits[0].id, "abc");
    }

    #[test]
    fn writes_pascal_case_and_omits_unknown_optional_fields() {
        let info = BuildInformation {
            build_number: "1".into(),
            vcs_type: "Git".into(),
            commits: vec![Commit {
                id: "abcdef0123".into(),
                comment: "feat: x\n\nbody".into(),
                ..Commit::default()
            }],
            ..BuildInformation::default()
        };
        let value: serde_json::Value = serde_json::from_str(&info.to_json()).unwrap();
        assert_eq!(value["BuildNumber"], "1");
        assert_eq!(value["VcsType"], "Git");
        assert_eq!(
            value["Commits"][0],
            serde_json::json!({"Id": "abcdef0123", "Comment": "feat: x\n\nbody"})
        );
        assert_eq!(value["WorkItems"], serde_json::json!([]));
        assert_eq!(BuildInformation::from_json(&info.to_json()).unwrap(), info);
        assert_eq!(info.commits[0].subject(), "feat: x");
        assert_eq!(info.commits[0].short_id(), "abcdef0");
    }
}
