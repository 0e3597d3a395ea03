//! Lifecycle progression: which environments a release may be deployed to, given the
//! environments where it already succeeded. Pure functions over resolved phases.
//!
//! A phase is complete when it is optional, or when `minimum` (> 0) distinct environments of it
//! succeeded, or (minimum 0) when all of them did. Phases before the first incomplete one are
//! Complete, that one is Current, the rest Pending. A release may be deployed to the
//! environments of Complete and Current phases.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// A phase as stored: environment ids, in order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Phase {
    /// Stable id within the lifecycle.
    pub id: String,
    /// Name.
    pub name: String,
    /// Environment ids. Empty: every environment not named by an earlier phase.
    pub environments: Vec<String>,
    /// Deploy automatically when a release enters the phase.
    pub automatic: bool,
    /// May be skipped.
    pub optional: bool,
    /// Environments that must succeed before the next phase (0: all).
    pub minimum: u32,
}

/// Where a release stands in a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Done: later phases may proceed.
    Complete,
    /// The first incomplete phase: deployable, blocks later ones.
    Current,
    /// Not reachable yet.
    Pending,
}

impl Progress {
    /// Octopus's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Complete => "Complete",
            Progress::Current => "Current",
            Progress::Pending => "Pending",
        }
    }
}

/// The progression of one release through a lifecycle.
#[derive(Debug, Clone)]
pub struct Progression {
    /// Phases (environments resolved) with their progress.
    pub phases: Vec<(Phase, Progress)>,
}

/// Resolve phases: a lifecycle without phases gets one per environment; a phase without
/// environments gets every environment not named in an earlier phase.
pub fn resolve_phases(phases: &[Phase], all_environments: &[String]) -> Vec<Phase> {
    if phases.is_empty() {
        return all_environments
            .iter()
            .map(|env| Phase {
                id: format!("phase-{env}"),
                name: env.clone(),
                environments: vec![env.clone()],
                automatic: false,
                optional: false,
                minimum: 0,
            })
            .collect();
    }
    let mut named: HashSet<String> = HashSet::new();
    let mut resolved = Vec::with_capacity(phases.len());
    for phase in phases {
        let mut phase = phase.clone();
        if phase.environments.is_empty() {
            phase.environments =
                all_environments.iter().filter(|env| !named.contains(*env)).cloned().collect();
        }
        named.extend(phase.environments.iter().cloned());
        resolved.push(phase);
    }
    resolved
}

impl Progression {
    /// Compute the progression for the environments (ids) where the release succeeded.
    pub fn compute(
        phases: &[Phase],
        all_environments: &[String],
        succeeded: &HashSet<String>,
    ) -> Progression {
        let mut out = Vec::new();
        let mut blocked = false;
        for phase in resolve_phases(phases, all_environments) {
            let progress = if blocked {
                Progress::Pending
            } else if phase_complete(&phase, succeeded) {
                Progress::Complete
            } else {
                blocked = true;
                Progress::Current
            };
            out.push((phase, progress));
        }
        Progression { phases: out }
    }

    /// Whether the environment belongs to the lifecycle at all.
    pub fn contains(&self, environment: &str) -> bool {
        self.phases.iter().any(|(p, _)| p.environments.iter().any(|e| e == environment))
    }

    /// Environments the release may be deployed to now.
    pub fn allowed(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (phase, progress) in &self.phases {
            if *progress != Progress::Pending {
                for env in &phase.environments {
                    if !out.contains(env) {
                        out.push(env.clone());
                    }
                }
            }
        }
        out
    }

    /// Whether a deployment to `environment` is allowed now.
    pub fn is_allowed(&self, environment: &str) -> bool {
        self.allowed().iter().any(|e| e == environment)
    }

    /// The environments that must succeed before `environment` can be deployed: those not yet
    /// succeeded in the incomplete, non-optional phases before its first phase.
    pub fn required_before(&self, environment: &str, succeeded: &HashSet<String>) -> Vec<String> {
        let mut out = Vec::new();
        for (phase, progress) in &self.phases {
            if phase.environments.iter().any(|e| e == environment) {
                break;
            }
            if *progress != Progress::Complete && !phase.optional {
                out.extend(phase.environments.iter().filter(|e| !succeeded.contains(*e)).cloned());
            }
        }
        out
    }

    /// Environments of the Current phase not yet successfully deployed.
    pub fn next_deployments(&self, succeeded: &HashSet<String>) -> Vec<String> {
        self.phases
            .iter()
            .find(|(_, progress)| *progress == Progress::Current)
            .map(|(phase, _)| {
                phase.environments.iter().filter(|e| !succeeded.contains(*e)).cloned().collect()
            })
            .unwrap_or_default()
    }

    /// Environments of automatic, non-optional phases the release has entered.
    pub fn automatic_targets(&self) -> Vec<String> {
        self.phases
            .iter()
            .filter(|(phase, progress)| *progress != Progress::Pending && phase.automatic && !phase.optional)
            .flat_map(|(phase, _)| phase.environments.iter().cloned())
            .collect()
    }
}

fn phase_complete(phase: &Phase, succeeded: &HashSet<String>) -> bool {
    if phase.optional {
        return true;
    }
    let done = phase.environments.iter().filter(|e| succeeded.contains(*e)).count();
    if phase.minimum > 0 { done >= phase.minimum as usize } else { done == phase.environments.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(name: &str, envs: &[&str], automatic: bool, optional: bool, minimum: u32) -> Phase {
        Phase {
            id: name.into(),
            name: name.into(),
            environments: envs.iter().map(|e| e.to_string()).collect(),
            automatic,
            optional,
            minimum,
        }
    }

    fn set(items: &[&str]) -> HashSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn phases_in_order() {
        let phases = [
            phase("Dev", &["D"], true, false, 0),
            phase("Test", &["T"], false, false, 0),
            phase("Prod", &["P"], false, false, 0),
        ];
        let all = ["D".to_string(), "T".into(), "P".into()];
        let p = Progression::compute(&phases, &all, &set(&[]));
        assert_eq!(p.allowed(), ["D"]);
        assert_eq!(p.required_before("P", &set(&[])), ["D", "T"]);
        assert_eq!(p.automatic_targets(), ["D"]);
        let p = Progression::compute(&phases, &all, &set(&["D"]));
        assert_eq!(p.allowed(), ["D", "T"]);
        assert!(!p.is_allowed("P"));
        let p = Progression::compute(&phases, &all, &set(&["D", "T"]));
        assert!(p.is_allowed("P"));
    }

    #[test]
    fn optional_and_minimum() {
        let phases = [
            phase("Dev", &["D1", "D2", "D3"], false, false, 2),
            phase("QA", &["Q"], false, true, 0),
            phase("Prod", &["P"], false, false, 0),
        ];
        let all: Vec<String> = ["D1", "D2", "D3", "Q", "P"].iter().map(|s| s.to_string()).collect();
        let p = Progression::compute(&phases, &all, &set(&["D1"]));
        assert!(!p.is_allowed("P") && !p.is_allowed("Q"));
        let p = Progression::compute(&phases, &all, &set(&["D1", "D3"]));
        assert!(p.is_allowed("P") && p.is_allowed("Q"));
    }

    #[test]
    fn empty_lifecycle_and_catch_all_phase() {
        let all: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        let p = Progression::compute(&[], &all, &set(&[]));
        assert_eq!(p.allowed(), ["A"]);
        let phases = [phase("First", &["B"], false, false, 0), phase("Rest", &[], false, false, 0)];
        let p = Progression::compute(&phases, &all, &set(&["B"]));
        assert_eq!(p.allowed(), ["B", "A", "C"]);
        assert!(!p.contains("Z"));
    }
}
