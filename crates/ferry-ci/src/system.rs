//! The CI systems Ferry knows, and detection from the environment.

use std::fmt;

/// A CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CiSystem {
    /// GitHub Actions.
    GitHub,
    /// Azure Pipelines.
    Azure,
    /// Jenkins.
    Jenkins,
    /// Bitbucket Pipelines.
    Bitbucket,
    /// GitLab CI.
    GitLab,
    /// TeamCity.
    TeamCity,
    /// CircleCI.
    CircleCi,
    /// AppVeyor.
    AppVeyor,
    /// Atlassian Bamboo.
    Bamboo,
    /// Continua CI.
    ContinuaCi,
    /// Not a CI system (a developer's machine, or detection turned off).
    None,
}

impl CiSystem {
    /// Detect the CI system from environment variables, looked up through `var`.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> CiSystem {
        let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
        if set("GITHUB_ACTIONS") {
            CiSystem::GitHub
        } else if set("TF_BUILD") || set("BUILD_BUILDURI") {
            CiSystem::Azure
        } else if set("JENKINS_URL") {
            CiSystem::Jenkins
        } else if set("BITBUCKET_BUILD_NUMBER") {
            CiSystem::Bitbucket
        } else if set("GITLAB_CI") {
            CiSystem::GitLab
        } else if set("TEAMCITY_VERSION") {
            CiSystem::TeamCity
        } else if set("CIRCLECI") {
            CiSystem::CircleCi
        } else if set("APPVEYOR") {
            // https://www.appveyor.com/docs/environment-variables/
            CiSystem::AppVeyor
        } else if set("bamboo_agentId") || set("bamboo_buildKey") {
            // Bamboo exports its variables to script tasks as `bamboo_<name>`, dots as `_`:
            // https://confluence.atlassian.com/bamboo/bamboo-variables-289277087.html
            CiSystem::Bamboo
        } else if set("ContinuaCI.Version") {
            // Continua CI's agent exports `ContinuaCI.*` variables (the names Cake's and
            // GitVersion's Continua CI support read).
            CiSystem::ContinuaCi
        } else {
            CiSystem::None
        }
    }

    /// The name Octopus shows as `BuildEnvironment`.
    pub fn build_environment(self) -> &'static str {
        match self {
            CiSystem::GitHub => "GitHub Actions",
            CiSystem::Azure => "Azure DevOps",
            CiSystem::Jenkins => "Jenkins",
            CiSystem::Bitbucket => "BitBucket",
            CiSystem::GitLab => "GitLab",
            CiSystem::TeamCity => "TeamCity",
            CiSystem::CircleCi => "CircleCI",
            CiSystem::AppVeyor => "AppVeyor",
            CiSystem::Bamboo => "Bamboo",
            CiSystem::ContinuaCi => "Continua CI",
            CiSystem::None => "Ferry",
        }
    }
}

impl fmt::Display for CiSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CiSystem::GitHub => "github",
            CiSystem::Azure => "azure",
            CiSystem::Jenkins => "jenkins",
            CiSystem::Bitbucket => "bitbucket",
            CiSystem::GitLab => "gitlab",
            CiSystem::TeamCity => "teamcity",
            CiSystem::CircleCi => "circleci",
            CiSystem::AppVeyor => "appveyor",
            CiSystem::Bamboo => "bamboo",
            CiSystem::ContinuaCi => "continua",
            CiSystem::None => "none",
        })
    }
}
