//! Whether a lifecycle lets a new release reach the targets of one run, decided before anything
//! is pushed, so a run that cannot finish leaves nothing half-done behind.

use crate::DeploymentServer;
use crate::model::{Phase, Project};

/// A target the lifecycle does not let a new release reach in one run, by position.
#[derive(Debug, PartialEq, Eq)]
pub struct Unreachable {
    /// Index of the target in the order given.
    pub target: usize,
    /// Environment ids that must succeed before it.
    pub first: Vec<String>,
}

/// The first of `targets` (environment ids, in the order given) that a new release cannot reach:
/// every environment of each non-optional phase before the target's first phase must have
/// succeeded, and in one run only the targets deployed before it (`in_order`, i.e. `--wait`) have.
/// An environment in no phase is unreachable (with nothing to deploy first), unless the lifecycle
/// has no phases at all: then, as in Octopus, every environment is open.
pub fn first_unreachable(phases: &[Phase], targets: &[String], in_order: bool) -> Option<Unreachable> {
    if phases.is_empty() {
        return None;
    }
    for (index, target) in targets.iter().enumerate() {
        let Some(position) = phases.iter().position(|p| p.environments().any(|env| env == target)) else {
            return Some(Unreachable { target: index, first: Vec::new() });
        };
        let done = if in_order { &targets[..index] } else { &[][..] };
        let first: Vec<String> = phases[..position]
            .iter()
            .filter(|p| !p.is_optional)
            .flat_map(Phase::environments)
            .filter(|env| !done.contains(env))
            .cloned()
            .collect();
        if !first.is_empty() {
            return Some(Unreachable { target: index, first });
        }
    }
    None
}

/// What the lifecycle says about deploying a new release to the targets of one run.
#[derive(Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every target can be reached; or the release exists already and the server decides for it
    /// from its own progression; or no lifecycle applies.
    Open,
    /// `target` is in no phase of `lifecycle`: no release can go there.
    NotInLifecycle {
        /// The target's name.
        target: String,
        /// The lifecycle's name.
        lifecycle: String,
    },
    /// `target` needs the environments `first` (names, in lifecycle order) to succeed first.
    AfterOthers {
        /// The target's name.
        target: String,
        /// The lifecycle's name.
        lifecycle: String,
        /// Environments to deploy successfully first.
        first: Vec<String>,
    },
}

/// Whether a new release `version` of `project` in `channel` can be deployed to `targets`
/// (environment names) in one run; `in_order` when the run deploys them one after the other and
/// waits for each.
pub async fn check_new_release<S: DeploymentServer>(
    server: &S,
    project: &Project,
    version: &str,
    channel: Option<&str>,
    targets: &[String],
    in_order: bool,
) -> Result<Reach, S::Error> {
    if targets.is_empty() || server.find_release(project, version).await?.is_some() {
        return Ok(Reach::Open);
    }
    let target_ids: Vec<String> =
        server.find_environments(targets).await?.into_iter().map(|environment| environment.id).collect();
    let Some(lifecycle) = server.lifecycle(project, channel).await? else {
        return Ok(Reach::Open);
    };
    let Some(blocked) = first_unreachable(&lifecycle.phases, &target_ids, in_order) else {
        return Ok(Reach::Open);
    };
    let all = server.environments().await?;
    let name = |id: &str| all.iter().find(|e| e.id == id).map_or_else(|| id.to_owned(), |e| e.name.clone());
    let target = name(&target_ids[blocked.target]);
    Ok(if blocked.first.is_empty() {
        Reach::NotInLifecycle { target, lifecycle: lifecycle.name }
    } else {
        Reach::AfterOthers {
            target,
            lifecycle: lifecycle.name,
            first: blocked.first.iter().map(|id| name(id)).collect(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(automatic: &[&str], optional: &[&str], is_optional: bool) -> Phase {
        Phase { automatic: ids(automatic), optional: ids(optional), is_optional, ..Phase::default() }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_new_release_reaches_later_phases_only_through_the_earlier_targets_of_the_same_run() {
        let phases =
            [phase(&["Dev"], &[], false), phase(&[], &["Test"], false), phase(&[], &["Prod"], false)];
        let check = |targets: &[&str], wait: bool| first_unreachable(&phases, &ids(targets), wait);
        assert_eq!(check(&["Dev"], false), None);
        assert_eq!(check(&["Prod"], true), Some(Unreachable { target: 0, first: ids(&["Dev", "Test"]) }));
        assert_eq!(check(&["Dev", "Test", "Prod"], true), None);
        assert_eq!(check(&["Dev", "Prod"], true), Some(Unreachable { target: 1, first: ids(&["Test"]) }));
        // Without --wait the targets are deployed at once: Dev has not succeeded when Test starts.
        assert_eq!(check(&["Dev", "Test"], false), Some(Unreachable { target: 1, first: ids(&["Dev"]) }));
        assert_eq!(check(&["Elsewhere"], true), Some(Unreachable { target: 0, first: Vec::new() }));
    }

    #[test]
    fn a_lifecycle_without_phases_opens_every_environment() {
        assert_eq!(first_unreachable(&[], &ids(&["Prod"]), false), None);
    }

    #[test]
    fn optional_phases_do_not_block() {
        let phases = [phase(&["Dev"], &[], true), phase(&[], &["Test"], false)];
        assert_eq!(first_unreachable(&phases, &ids(&["Test"]), false), None);
    }
}
