//! The environment a deploy command runs with: the same `FERRY_*` variables whether `ferry server`
//! runs it for a task or `ferry release deploy --exec` runs it next to a GitHub Deployment, so a
//! deploy script works unchanged on either target.

/// Environment variables never passed to a deploy command: they hold Ferry's or Octopus's keys,
/// which a deploy script has no business reading.
pub const SECRET_VARIABLES: &[&str] =
    &["FERRY_SERVER_API_KEYS", "FERRY_API_KEY", "OCTOPUS_API_KEY", "OCTOPUS_CLI_API_KEY"];

/// What a deploy command is told about the deployment it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployVariables<'a> {
    /// The project's name.
    pub project: &'a str,
    /// The release version.
    pub release_version: &'a str,
    /// The server's id of the release (on GitHub, its tag).
    pub release_id: &'a str,
    /// The environment's name.
    pub environment: &'a str,
    /// The deployment's id.
    pub deployment_id: &'a str,
    /// The id of the task that runs it (on GitHub, the deployment's id again).
    pub task_id: &'a str,
    /// The directory the command runs in, where the packages are extracted.
    pub work_dir: &'a str,
    /// `(package id, directory it was extracted to)`.
    pub packages: Vec<(&'a str, String)>,
}

impl DeployVariables<'_> {
    /// `FERRY_PROJECT`, `FERRY_RELEASE_VERSION`, …, and one `FERRY_PACKAGE_<ID>` per package.
    pub fn to_env(&self) -> Vec<(String, String)> {
        let mut variables: Vec<(String, String)> = [
            ("FERRY_PROJECT", self.project),
            ("FERRY_RELEASE_VERSION", self.release_version),
            ("FERRY_ENVIRONMENT", self.environment),
            ("FERRY_DEPLOYMENT_ID", self.deployment_id),
            ("FERRY_TASK_ID", self.task_id),
            ("FERRY_RELEASE_ID", self.release_id),
            ("FERRY_WORK_DIR", self.work_dir),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
        for (package_id, dir) in &self.packages {
            variables.push((format!("FERRY_PACKAGE_{}", variable_suffix(package_id)), dir.clone()));
        }
        variables
    }
}

/// `Hello.Web` -> `HELLO_WEB`: a package id as the tail of an environment variable's name.
pub fn variable_suffix(package_id: &str) -> String {
    package_id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_deployment_fact_and_package_becomes_a_variable() {
        let variables = DeployVariables {
            project: "Shop",
            release_version: "1.2.0",
            release_id: "v1.2.0",
            environment: "Staging",
            deployment_id: "7",
            task_id: "7",
            work_dir: "/w",
            packages: vec![("Hello.Lib-x", "/w/Hello.Lib-x".to_owned())],
        }
        .to_env();
        let get = |name: &str| variables.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("FERRY_RELEASE_ID"), Some("v1.2.0"));
        assert_eq!(get("FERRY_ENVIRONMENT"), Some("Staging"));
        assert_eq!(get("FERRY_PACKAGE_HELLO_LIB_X"), Some("/w/Hello.Lib-x"));
        assert_eq!(variables.len(), 8);
    }
}
