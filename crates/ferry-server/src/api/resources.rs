//! JSON shapes of the resources, as the official clients read them (PascalCase, with `Links`).

use rusqlite::Connection;
use serde_json::{Value, json};

use super::SPACE_ID;
use crate::errors::ApiResult;
use crate::lifecycle::{Phase, Progress, Progression};
use crate::store::model::{
    BuildInfo, Channel, Deployment, Environment, Lifecycle, Package, Project, Release, Task,
};

/// `/api/Spaces-1`.
pub fn space_base() -> String {
    format!("/api/{SPACE_ID}")
}

/// The space.
pub fn space() -> Value {
    json!({
        "Id": SPACE_ID, "Name": "Default", "Slug": "default", "Description": "", "IsDefault": true,
        "TaskQueueStopped": false, "SpaceManagersTeams": [], "SpaceManagersTeamMembers": [],
        "Links": { "Self": format!("/api/spaces/{SPACE_ID}"), "SpaceHome": space_base(), "Web": format!("/app#/spaces/{SPACE_ID}") }
    })
}

/// An environment.
pub fn environment(env: &Environment) -> Value {
    let base = space_base();
    json!({
        "Id": env.id, "Name": env.name, "Slug": crate::store::slugify(&env.name), "Description": env.description,
        "SortOrder": env.sort, "UseGuidedFailure": false, "AllowDynamicInfrastructure": false, "SpaceId": SPACE_ID,
        "ExtensionSettings": [],
        "Links": { "Self": format!("{base}/environments/{}", env.id), "Web": format!("/app#/{SPACE_ID}/infrastructure/environments/{}", env.id) }
    })
}

fn phase_json(phase: &Phase) -> Value {
    let (automatic, optional): (Vec<&String>, Vec<&String>) = if phase.automatic {
        (phase.environments.iter().collect(), vec![])
    } else {
        (vec![], phase.environments.iter().collect())
    };
    json!({
        "Id": phase.id, "Name": phase.name, "AutomaticDeploymentTargets": automatic, "OptionalDeploymentTargets": optional,
        "MinimumEnvironmentsBeforePromotion": phase.minimum, "IsOptionalPhase": phase.optional, "IsPriorityPhase": false,
        "ReleaseRetentionPolicy": null, "TentacleRetentionPolicy": null,
    })
}

/// A lifecycle.
pub fn lifecycle(lifecycle: &Lifecycle) -> Value {
    let base = space_base();
    json!({
        "Id": lifecycle.id, "Name": lifecycle.name, "Slug": crate::store::slugify(&lifecycle.name), "Description": "", "SpaceId": SPACE_ID,
        "Phases": lifecycle.phases.iter().map(phase_json).collect::<Vec<_>>(),
        "ReleaseRetentionPolicy": { "Unit": "Days", "QuantityToKeep": 30, "ShouldKeepForever": false },
        "TentacleRetentionPolicy": { "Unit": "Days", "QuantityToKeep": 30, "ShouldKeepForever": false },
        "Links": { "Self": format!("{base}/lifecycles/{}", lifecycle.id), "Projects": format!("{base}/lifecycles/{}/projects", lifecycle.id) }
    })
}

/// The deployment process id of a project.
pub fn process_id(project: &Project) -> String {
    format!("deploymentprocess-{}", project.id)
}

/// A project.
pub fn project(project: &Project) -> Value {
    let base = space_base();
    let id = &project.id;
    // A config-as-code project's process lives in Git: Octopus links it with `{gitRef}` in the
    // middle of the path (OctopusDeploy/cli test/fixtures/projects.go, NewVersionControlledProject).
    let (persistence, scope) = if project.version_controlled {
        (json!({ "Type": "VersionControlled", "BasePath": ".octopus" }), "/{gitRef}")
    } else {
        (json!({ "Type": "Database" }), "")
    };
    json!({
        "Id": id, "Name": project.name, "Slug": project.slug, "Description": "", "SpaceId": SPACE_ID,
        "LifecycleId": project.lifecycle_id, "DeploymentProcessId": process_id(project), "ProjectGroupId": "ProjectGroups-1",
        "VariableSetId": format!("variableset-{id}"), "IsDisabled": false, "IsVersionControlled": project.version_controlled,
        "PersistenceSettings": persistence, "TenantedDeploymentMode": "Untenanted", "IncludedLibraryVariableSetIds": [],
        "DefaultGuidedFailureMode": "EnvironmentDefault", "AutoCreateRelease": false,
        "Links": {
            "Self": format!("{base}/projects/{id}"),
            "Channels": format!("{base}/projects/{id}/channels{{?skip,take,partialName}}"),
            "Releases": format!("{base}/projects/{id}/releases{{/version}}{{?skip,take,searchByVersion}}"),
            "DeploymentProcess": format!("{base}/projects/{id}{scope}/deploymentprocesses"),
            "DeploymentSettings": format!("{base}/projects/{id}{scope}/deploymentsettings"),
            "Variables": format!("{base}/variables/variableset-{id}"),
            "Web": format!("/app#/{SPACE_ID}/projects/{id}"),
        }
    })
}

/// A project's deployment process: one package step per package id. `git_ref` is the ref a
/// config-as-code project's process was read at: its `Template` link is scoped to it, as
/// Octopus's is (OctopusDeploy/cli test/fixtures/projects.go,
/// NewDeploymentProcessForVersionControlledProject).
pub fn process(project: &Project, git_ref: Option<&str>) -> Value {
    let base = space_base();
    let steps: Vec<Value> = project
        .steps
        .iter()
        .enumerate()
        .map(|(index, package_id)| {
            json!({
                "Id": format!("step-{}-{}", project.id, index + 1), "Name": package_id, "Condition": "Success",
                "StartTrigger": "StartAfterPrevious", "PackageRequirement": "LetOctopusDecide", "Properties": {},
                "Actions": [{
                    "Id": format!("action-{}-{}", project.id, index + 1), "Name": package_id, "ActionType": "Ferry.DeployPackage",
                    "IsDisabled": false, "IsRequired": false, "Environments": [], "ExcludedEnvironments": [], "Channels": [],
                    "Packages": [{ "Id": format!("package-{}-{}", project.id, index + 1), "Name": "", "PackageId": package_id,
                                   "FeedId": "feeds-builtin", "AcquisitionLocation": "Server", "Properties": {} }],
                    "Properties": {}
                }]
            })
        })
        .collect();
    json!({
        "Id": process_id(project), "ProjectId": project.id, "SpaceId": SPACE_ID, "Version": 1, "LastSnapshotId": null,
        "Steps": steps,
        "Links": {
            "Self": format!("{base}/deploymentprocesses/{}", process_id(project)),
            "Project": format!("{base}/projects/{}", project.id),
            "Template": format!(
                "{base}/projects/{}{}/deploymentprocesses/template{{?channel,releaseId}}",
                project.id,
                git_ref.map(|r| format!("/{}", encode_path_segment(r))).unwrap_or_default()
            ),
        }
    })
}

/// `text` as one path segment: a Git ref such as `refs/heads/main` keeps its slashes out of the
/// path, as Octopus's links do (`refs%2Fheads%2Fmain`).
fn encode_path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A channel.
pub fn channel(channel: &Channel) -> Value {
    let base = space_base();
    let rules: Vec<Value> = channel
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            json!({
                "Id": format!("{}-rule-{}", channel.id, index + 1),
                "ActionPackages": rule.packages.iter().map(|p| json!({"DeploymentAction": p, "PackageReference": ""})).collect::<Vec<_>>(),
                "VersionRange": rule.version_range.clone().unwrap_or_default(), "Tag": rule.tag.clone().unwrap_or_default(),
                "VersioningStrategy": null,
            })
        })
        .collect();
    json!({
        "Id": channel.id, "Name": channel.name, "Slug": crate::store::slugify(&channel.name), "Description": "",
        "ProjectId": channel.project_id, "LifecycleId": channel.lifecycle_id, "IsDefault": channel.is_default,
        "Rules": rules, "TenantTags": [], "SpaceId": SPACE_ID, "Type": "Lifecycle",
        "Links": {
            "Self": format!("{base}/channels/{}", channel.id),
            "Releases": format!("{base}/channels/{}/releases{{?skip,take,searchByVersion}}", channel.id),
            "Project": format!("{base}/projects/{}", channel.project_id),
        }
    })
}

/// A package in the built-in feed.
pub fn package(package: &Package, build_info: Option<&BuildInfo>) -> Value {
    let base = space_base();
    json!({
        "Id": package.id, "PackageId": package.package_id, "Version": package.version,
        "Title": package.title.clone().unwrap_or_else(|| package.package_id.clone()),
        "Summary": "", "Description": package.description.clone().unwrap_or_default(), "Published": package.published,
        "ReleaseNotes": "", "FileExtension": package.format, "PackageSizeBytes": package.size, "Hash": package.sha1,
        "Sha256": package.sha256, "FeedId": "feeds-builtin", "NuGetPackageId": package.package_id, "NuGetFeedId": "feeds-builtin",
        "PackageVersionBuildInformation": build_info.map(build_information),
        "Links": {
            "Self": format!("{base}/packages/{}", package.id),
            "Raw": format!("{base}/packages/{}/raw", package.id),
            "Feed": format!("{base}/feeds/feeds-builtin"),
        }
    })
}

/// Build information, as the mapped resource.
pub fn build_information(info: &BuildInfo) -> Value {
    let body = &info.body;
    let field = |name: &str| body.get(name).cloned().unwrap_or(Value::Null);
    let vcs_root =
        body.get("vcs_root").and_then(Value::as_str).unwrap_or("").trim_end_matches(".git").to_owned();
    let link = |sha: &str| {
        if vcs_root.starts_with("http") && !sha.is_empty() {
            Value::from(format!("{vcs_root}/commit/{sha}"))
        } else {
            Value::Null
        }
    };
    let commits: Vec<Value> = body
        .get("commits")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|c| {
                    let id = c.get("id").and_then(Value::as_str).unwrap_or("");
                    json!({ "Id": id, "LinkUrl": c.get("link_url").cloned().unwrap_or_else(|| link(id)), "Comment": c.get("comment").cloned().unwrap_or(Value::from("")) })
                })
                .collect()
        })
        .unwrap_or_default();
    let work_items: Vec<Value> = body
        .get("work_items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|w| json!({ "Id": w.get("id"), "LinkUrl": w.get("link_url"), "Description": w.get("description"), "Source": w.get("source") }))
                .collect()
        })
        .unwrap_or_default();
    let commit = body.get("vcs_commit_number").and_then(Value::as_str).unwrap_or("");
    json!({
        "Id": info.id, "PackageId": info.package_id, "Version": info.version,
        "BuildEnvironment": field("build_environment"), "BuildNumber": field("build_number"), "BuildUrl": field("build_url"),
        "Branch": field("branch"), "VcsType": field("vcs_type"), "VcsRoot": field("vcs_root"), "VcsCommitNumber": field("vcs_commit_number"),
        "VcsCommitUrl": link(commit), "IssueTrackerName": null, "IncompleteDataWarning": null,
        "WorkItems": work_items, "Commits": commits, "Created": info.created,
        "Links": { "Self": format!("{}/build-information/{}", space_base(), info.id) }
    })
}

/// A release.
pub fn release(release: &Release) -> Value {
    let base = space_base();
    let id = &release.id;
    json!({
        "Id": id, "Version": release.version, "ProjectId": release.project_id, "ChannelId": release.channel_id, "SpaceId": SPACE_ID,
        "ReleaseNotes": release.notes, "Assembled": release.assembled, "IgnoreChannelRules": release.ignore_channel_rules,
        "ProjectDeploymentProcessSnapshotId": format!("deploymentprocess-{}-s-{}", release.project_id, id),
        "ProjectVariableSetSnapshotId": format!("variableset-{}-s-{}", release.project_id, id),
        "LibraryVariableSetSnapshotIds": [],
        "SelectedPackages": release.selected.iter().map(|p| json!({
            "StepName": p.step, "ActionName": p.step, "PackageReferenceName": "", "PackageId": p.package_id, "Version": p.version
        })).collect::<Vec<_>>(),
        "SelectedGitResources": [], "BuildInformation": [], "CustomFields": release.custom_fields,
        "VersionControlReference": { "GitRef": release.git_ref, "GitCommit": release.git_commit, "VariablesGitCommit": null },
        "Links": {
            "Self": format!("{base}/releases/{id}"), "Project": format!("{base}/projects/{}", release.project_id),
            "Channel": format!("{base}/channels/{}", release.channel_id),
            "Progression": format!("{base}/releases/{id}/progression"),
            "Deployments": format!("{base}/releases/{id}/deployments{{?skip,take}}"),
            "DeploymentTemplate": format!("{base}/releases/{id}/deployments/template"),
            "Web": format!("/app#/{SPACE_ID}/releases/{id}"),
        }
    })
}

/// A deployment.
pub fn deployment(d: &Deployment, task: Option<&Task>) -> Value {
    let base = space_base();
    json!({
        "Id": d.id, "ReleaseId": d.release_id, "EnvironmentId": d.environment_id, "ProjectId": d.project_id,
        "ChannelId": d.channel_id, "TaskId": d.task_id, "TenantId": null, "Name": d.name, "Created": d.created, "SpaceId": SPACE_ID,
        "DeploymentProcessId": format!("deploymentprocess-{}", d.project_id), "SkipActions": [], "SpecificMachineIds": [],
        "ExcludedMachineIds": [], "ForcePackageDownload": false, "ForcePackageRedeployment": false, "UseGuidedFailure": false,
        "FormValues": {}, "QueueTime": null, "QueueTimeExpiry": null,
        "State": task.map(|t| t.state.clone()),
        "Links": {
            "Self": format!("{base}/deployments/{}", d.id), "Release": format!("{base}/releases/{}", d.release_id),
            "Environment": format!("{base}/environments/{}", d.environment_id), "Project": format!("{base}/projects/{}", d.project_id),
            "Task": format!("/api/tasks/{}", d.task_id), "Web": format!("/app#/{SPACE_ID}/deployments/{}", d.id),
        }
    })
}

/// A server task.
pub fn task(task: &Task) -> Value {
    let id = &task.id;
    let completed = task.is_completed();
    let duration = match (&task.start_time, &task.completed_time) {
        (Some(start), Some(end)) => duration_text(start, end),
        _ => String::new(),
    };
    json!({
        "Id": id, "Name": task.name, "Description": task.description, "Arguments": task.arguments, "State": task.state,
        "Completed": task.completed_time.clone().unwrap_or_default(), "QueueTime": task.queue_time, "QueueTimeExpiry": task.queue_time_expiry,
        "StartTime": task.start_time, "LastUpdatedTime": task.completed_time.clone().or(task.start_time.clone()).unwrap_or(task.queue_time.clone()),
        "CompletedTime": task.completed_time, "ServerNode": "ferry", "Duration": duration, "ErrorMessage": task.error_message,
        "HasBeenPickedUpByProcessor": task.start_time.is_some(), "IsCompleted": completed,
        "FinishedSuccessfully": completed && task.state == "Success", "HasPendingInterruptions": false, "CanRerun": false,
        "HasWarningsOrErrors": completed && task.state != "Success", "SpaceId": SPACE_ID,
        "ProjectId": task.project_id, "EnvironmentId": task.environment_id, "ReleaseId": task.release_id,
        "Links": {
            "Self": format!("/api/tasks/{id}"), "Web": format!("/app#/tasks/{id}"), "Raw": format!("/api/tasks/{id}/raw"),
            "Rerun": format!("/api/tasks/rerun/{id}"), "Cancel": format!("/api/tasks/{id}/cancel"),
            "QueuedBehind": format!("/api/tasks/{id}/queued-behind{{?skip}}"), "Details": format!("/api/tasks/{id}/details{{?verbose,tail}}"),
            "Artifacts": format!("/api/artifacts?regarding={id}"), "Interruptions": format!("/api/interruptions?regarding={id}"),
        }
    })
}

fn duration_text(start: &str, end: &str) -> String {
    let parse = |s: &str| s.parse::<jiff::Timestamp>().ok();
    match (parse(start), parse(end)) {
        (Some(a), Some(b)) => ferry_core::duration::task_duration_words(b.as_second() - a.as_second()),
        _ => String::new(),
    }
}

/// A release's progression.
pub fn progression(c: &Connection, release: &Release) -> ApiResult<Value> {
    let (_, progression, succeeded) = crate::deploy::progression(c, release)?;
    let deployments = Deployment::for_release(c, &release.id)?;
    let phases: Vec<Value> = progression
        .phases
        .iter()
        .map(|(phase, progress)| {
            let tasks: Vec<Value> = deployments
                .iter()
                .filter(|d| phase.environments.contains(&d.environment_id))
                .filter_map(|d| {
                    Task::by_id(c, &d.task_id)
                        .ok()
                        .flatten()
                        .map(|t| json!({ "Task": task(&t), "Deployment": deployment(d, Some(&t)) }))
                })
                .collect();
            let mut value = phase_json(phase);
            value["Id"] = Value::Null;
            value["Blocked"] = Value::Bool(false);
            value["Progress"] = Value::from(progress.as_str());
            value["Deployments"] = Value::Array(tasks);
            value
        })
        .collect();
    let next = progression.next_deployments(&succeeded);
    let minimum = progression
        .phases
        .iter()
        .find(|(_, p)| *p == Progress::Current)
        .map(|(phase, _)| if phase.minimum > 0 { phase.minimum as usize } else { phase.environments.len() })
        .unwrap_or(0);
    Ok(json!({ "Phases": phases, "NextDeployments": next, "NextDeploymentsMinimumRequired": minimum }))
}

/// Environments a release may be deployed to now, as `PromoteTo` entries.
pub fn promote_to(c: &Connection, release: &Release, progression: &Progression) -> ApiResult<Vec<Value>> {
    let mut out = Vec::new();
    for id in progression.allowed() {
        if let Some(env) = Environment::find(c, &id)? {
            out.push(json!({
                "Id": env.id, "Name": env.name,
                "Links": { "Preview": format!("{}/releases/{}/deployments/preview/{}{{?includeDisabledSteps}}", space_base(), release.id, env.id) }
            }));
        }
    }
    Ok(out)
}
