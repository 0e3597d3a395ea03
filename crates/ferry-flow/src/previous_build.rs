//! Where a build's commit range starts: the previous build the deployment server knows.

use crate::DeploymentServer;
use crate::model::StoredBuildInformation;

/// The previous build of the first of `package_ids` for which the server holds build information
/// with a commit, and the lookups that failed on the way (a failed lookup only widens the commit
/// range, so it is reported, not fatal).
pub struct PreviousBuild<E> {
    /// The previous build, if the server knows one.
    pub found: Option<StoredBuildInformation>,
    /// Lookups that failed, in the order tried.
    pub failures: Vec<E>,
}

/// Look up the previous build of `package_ids` below `version`, first package first.
pub async fn find<S: DeploymentServer>(
    server: &S,
    package_ids: &[String],
    version: &str,
) -> PreviousBuild<S::Error> {
    let mut failures = Vec::new();
    for id in package_ids {
        match server.previous_build_information(id, version).await {
            Ok(Some(stored)) if !stored.info.vcs_commit_number.is_empty() => {
                return PreviousBuild { found: Some(stored), failures };
            }
            Ok(_) => {}
            Err(err) => failures.push(err),
        }
    }
    PreviousBuild { found: None, failures }
}
