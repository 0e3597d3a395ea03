//! The options of a deployment request (`deployments/create/*/v1`, legacy `POST deployments`)
//! and what this server does with each: honour it, or refuse the request with a 400 naming the
//! field. None is dropped silently: a client that asked for something must learn it did not
//! happen.
//!
//! | Field | Here |
//! |---|---|
//! | `Tenants`, `TenantTags` | refused: this server has no tenants |
//! | `SpecificMachineNames`, `ExcludedMachineNames` | refused: this server has no deployment targets |
//! | `UseGuidedFailure: true` | refused: a failed step fails the deployment (no interruptions) |
//! | `DeploymentFreezeNames`, `DeploymentFreezeOverrideReason` | refused: this server has no freezes |
//! | `SkipStepNames` | honoured: a named package step is not extracted; a name matching no step is a warning in the task log (as Octopus does) |
//! | `ForcePackageDownload` | honoured: every deployment extracts its packages afresh anyway |
//! | `RunAt` / `NoRunAfter` | honoured: the task's `QueueTime` / `QueueTimeExpiry`; the dispatcher starts it no earlier, and times it out unstarted after the expiry |
//! | `Variables` (`FormValues`) | honoured: given to the deploy command as `FERRY_VARIABLE_<NAME>` |

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::{ApiError, ApiResult};

/// The options as a request states them (keys snake_case, see [`crate::api`]'s body reader).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestedOptions {
    tenants: Option<Vec<String>>,
    tenant_tags: Option<Vec<String>>,
    specific_machine_names: Option<Vec<String>>,
    excluded_machine_names: Option<Vec<String>>,
    use_guided_failure: Option<bool>,
    deployment_freeze_names: Option<Vec<String>>,
    deployment_freeze_override_reason: Option<String>,
    skip_step_names: Option<Vec<String>>,
    force_package_download: Option<bool>,
    run_at: Option<String>,
    no_run_after: Option<String>,
    variables: Option<BTreeMap<String, Value>>,
    form_values: Option<BTreeMap<String, Value>>,
}

/// What a deployment keeps of its request's options (stored with it; the schedule goes on the
/// task).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeploymentSettings {
    /// Step names not to run.
    pub skip_steps: Vec<String>,
    /// Prompted variable values.
    pub variables: BTreeMap<String, String>,
    /// Asked to download packages again (they are always extracted afresh here).
    pub force_package_download: bool,
}

/// When a deployment's task may run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Not before (`RunAt`).
    pub run_at: Option<Timestamp>,
    /// Not after (`NoRunAfter`).
    pub no_run_after: Option<Timestamp>,
}

fn given(list: &Option<Vec<String>>) -> Option<String> {
    list.as_ref().filter(|l| l.iter().any(|v| !v.trim().is_empty())).map(|l| l.join(", "))
}

fn time(field: &str, text: &Option<String>) -> ApiResult<Option<Timestamp>> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse::<Timestamp>().map(Some).map_err(|_| {
            ApiError::bad_request(format!(
                "{field}: '{text}' is not a date and time with an offset (ISO 8601)."
            ))
        }),
    }
}

/// The same options as the legacy `POST deployments` (a `DeploymentResource`) names them.
#[derive(Debug, Default)]
pub struct LegacyOptions {
    /// Step ids or names not to run.
    pub skip_actions: Option<Vec<String>>,
    /// Targets to run on.
    pub specific_machine_ids: Option<Vec<String>>,
    /// Targets not to run on.
    pub excluded_machine_ids: Option<Vec<String>>,
    /// `ForcePackageDownload`.
    pub force_package_download: Option<bool>,
    /// `UseGuidedFailure`.
    pub use_guided_failure: Option<bool>,
    /// Prompted variables.
    pub form_values: Option<BTreeMap<String, Value>>,
    /// `QueueTime` (= `RunAt`).
    pub queue_time: Option<String>,
    /// `QueueTimeExpiry` (= `NoRunAfter`).
    pub queue_time_expiry: Option<String>,
}

impl RequestedOptions {
    /// The options of a legacy request, under the executions API's names (so refusals name
    /// those fields).
    pub fn legacy(options: LegacyOptions) -> RequestedOptions {
        RequestedOptions {
            skip_step_names: options.skip_actions,
            specific_machine_names: options.specific_machine_ids,
            excluded_machine_names: options.excluded_machine_ids,
            force_package_download: options.force_package_download,
            use_guided_failure: options.use_guided_failure,
            form_values: options.form_values,
            run_at: options.queue_time,
            no_run_after: options.queue_time_expiry,
            ..RequestedOptions::default()
        }
    }

    /// With the request's tenants (read by the route, which needs them too).
    pub fn with_tenants(
        mut self,
        tenants: Option<Vec<String>>,
        tenant_tags: Option<Vec<String>>,
    ) -> RequestedOptions {
        self.tenants = tenants;
        self.tenant_tags = tenant_tags;
        self
    }

    /// Check the options against what this server can do at `now`: the settings to keep and the
    /// schedule, or a 400 naming every refused field.
    pub fn check(self, tenanted_route: bool, now: Timestamp) -> ApiResult<(DeploymentSettings, Schedule)> {
        let mut refused = Vec::new();
        if !tenanted_route {
            for (field, list) in [("Tenants", &self.tenants), ("TenantTags", &self.tenant_tags)] {
                if let Some(values) = given(list) {
                    refused
                        .push(format!("{field} ({values}): this server has no tenants; deploy untenanted."));
                }
            }
        }
        for (field, list) in [
            ("SpecificMachineNames", &self.specific_machine_names),
            ("ExcludedMachineNames", &self.excluded_machine_names),
        ] {
            if let Some(values) = given(list) {
                refused.push(format!(
                    "{field} ({values}): this server has no deployment targets; the deploy command runs on the server itself."
                ));
            }
        }
        if self.use_guided_failure == Some(true) {
            refused.push(
                "UseGuidedFailure: this server has no guided failure; a failed step fails the deployment."
                    .to_owned(),
            );
        }
        if let Some(values) = given(&self.deployment_freeze_names) {
            refused.push(format!("DeploymentFreezeNames ({values}): this server has no deployment freezes."));
        }
        if self.deployment_freeze_override_reason.as_deref().is_some_and(|r| !r.trim().is_empty()) {
            refused.push(
                "DeploymentFreezeOverrideReason: this server has no deployment freezes to override."
                    .to_owned(),
            );
        }
        let schedule = Schedule {
            run_at: time("RunAt", &self.run_at)?,
            no_run_after: time("NoRunAfter", &self.no_run_after)?,
        };
        if let Some(end) = schedule.no_run_after {
            if end <= now {
                refused.push(format!("NoRunAfter ({end}) is in the past."));
            } else if schedule.run_at.is_some_and(|start| end <= start) {
                refused.push("NoRunAfter must be later than RunAt.".to_owned());
            }
        }
        if !refused.is_empty() {
            return Err(ApiError::validation(refused));
        }
        let text = |v: Value| match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let variables = self
            .form_values
            .into_iter()
            .flatten()
            .chain(self.variables.into_iter().flatten())
            .map(|(k, v)| (k, text(v)))
            .collect();
        let settings = DeploymentSettings {
            skip_steps: self
                .skip_step_names
                .unwrap_or_default()
                .into_iter()
                .filter(|s| !s.trim().is_empty())
                .collect(),
            variables,
            force_package_download: self.force_package_download.unwrap_or(false),
        };
        Ok((settings, schedule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: serde_json::Value) -> RequestedOptions {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn what_cannot_be_honoured_is_refused_by_name() {
        let now: Timestamp = "2026-11-28T18:00:00Z".parse().unwrap();
        let err = request(serde_json::json!({
            "tenant_tags": ["Regions/eu"], "specific_machine_names": ["web-01"], "excluded_machine_names": ["web-03"],
            "use_guided_failure": true, "deployment_freeze_names": ["Xmas"], "deployment_freeze_override_reason": "hotfix",
            "no_run_after": "2026-11-28T17:00:00Z",
        }))
        .check(false, now)
        .unwrap_err();
        let text = format!("{err:?}");
        for field in [
            "TenantTags",
            "SpecificMachineNames",
            "ExcludedMachineNames",
            "UseGuidedFailure",
            "DeploymentFreezeNames",
            "DeploymentFreezeOverrideReason",
            "NoRunAfter",
        ] {
            assert!(text.contains(field), "{field} missing from {text}");
        }
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn what_can_be_honoured_is_kept() {
        let now: Timestamp = "2026-11-28T18:00:00Z".parse().unwrap();
        let (settings, schedule) = request(serde_json::json!({
            "skip_step_names": ["Hello"], "force_package_download": true, "use_guided_failure": false,
            "run_at": "2026-11-28T20:00:00+02:00", "no_run_after": "2026-11-28T19:00:00Z",
            "variables": {"Region": "eu", "Count": 3},
        }))
        .check(false, now)
        .unwrap();
        assert_eq!(settings.skip_steps, ["Hello"]);
        assert!(settings.force_package_download);
        assert_eq!(settings.variables["Region"], "eu");
        assert_eq!(settings.variables["Count"], "3");
        assert_eq!(schedule.run_at, Some(now), "an offset is an instant, not text");
        let err = request(serde_json::json!({"run_at": "soon"})).check(false, now).unwrap_err();
        assert!(format!("{err:?}").contains("RunAt"));
    }
}
