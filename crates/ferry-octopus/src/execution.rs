//! The body of a `deployments/create/(un)tenanted/v1` request (Octopus's
//! `CreateExecutionBaseV1` and the deployment command on top of it). Like the Go client
//! (go-octopusdeploy `pkg/deployments/deploy_release_v1.go`), list fields and times are sent
//! only when set, and `UseGuidedFailure` is always sent, `null` meaning "the project's setting".

use serde_json::{Map, Value, json};

use crate::api::DeployRequest;

/// The fields every deployment call of `request` shares; the caller adds the environment(s) and,
/// for a tenanted call, the tenants.
pub fn body(space_id: Option<&str>, request: &DeployRequest) -> Value {
    let options = &request.options;
    let mut body = json!({
        "SpaceId": space_id,
        "SpaceIdOrName": space_id,
        "ProjectName": request.project.name,
        "ReleaseVersion": request.release.version,
        "ForcePackageDownload": options.force_package_download,
        "ForcePackageRedeployment": false,
        "UpdateVariableSnapshot": false,
        "UseGuidedFailure": options.guided_failure,
    });
    let lists = [
        ("SkipStepNames", &options.skip_steps),
        ("SpecificMachineNames", &options.specific_machines),
        ("ExcludedMachineNames", &options.excluded_machines),
    ];
    for (name, values) in lists {
        if !values.is_empty() {
            body[name] = json!(values);
        }
    }
    // RFC 3339 in UTC, as the TS client's `Date` serialises; the server reads the offset either way.
    if let Some(at) = options.run_at {
        body["RunAt"] = json!(at.to_string());
    }
    if let Some(at) = options.no_run_after {
        body["NoRunAfter"] = json!(at.to_string());
    }
    if !request.variables.is_empty() {
        let variables: Map<String, Value> =
            request.variables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        body["Variables"] = Value::Object(variables);
    }
    body
}
