//! `ferry init`: start a Ferry setup in the current folder. Writes a commented `ferry.toml`
//! (three environments, a lifecycle, one project named after the folder), the deploy script it
//! runs, and a workflow for the CI system named with `--ci` or detected. Nothing is replaced
//! without `--force`, and nothing is written when any file would be.

use std::path::{Path, PathBuf};

use ferry_ci::CiSystem;

use crate::cli::InitArgs;
use crate::context::Ctx;
use crate::exit::UserError;

/// The file Ferry reads by default.
const CONFIG_FILE: &str = "ferry.toml";
/// The deploy script the configuration names.
const DEPLOY_SCRIPT: &str = "deploy.sh";
/// The CI systems `init` writes a workflow for, as `--ci` spells them.
const WORKFLOW_SYSTEMS: &str = "github, azure, jenkins, bitbucket, gitlab";

/// One file to write.
struct Planned {
    path: PathBuf,
    text: String,
    executable: bool,
}

/// Run the command.
pub fn run(ctx: &Ctx, args: &InitArgs) -> anyhow::Result<()> {
    let folder = std::env::current_dir()
        .map_err(|err| UserError::failure(format!("could not read the current folder: {err}")))?;
    let project = match &args.project {
        Some(name) => name.trim().to_owned(),
        None => folder_name(&folder),
    };
    if project.is_empty() || project.contains(['"', '\\', '\n']) {
        return Err(UserError::usage(format!("`{project}` cannot be a project name here"))
            .hint("pass --project NAME")
            .into());
    }
    let package = package_id_for(&project);
    let mut files = vec![
        Planned { path: CONFIG_FILE.into(), text: config_text(&project, &package), executable: false },
        Planned { path: DEPLOY_SCRIPT.into(), text: deploy_script(&project, &package), executable: true },
    ];
    match workflow(ctx.ci_system, &project, &package) {
        Some(workflow) => files.push(workflow),
        None if ctx.ci_system == CiSystem::None => ctx.info(&format!(
            "no CI system detected: writing no workflow (pass --ci {} for one)",
            WORKFLOW_SYSTEMS.replace(", ", "|")
        )),
        None => ctx.warn(&format!(
            "ferry init has no workflow template for {}; writing none (it has them for {WORKFLOW_SYSTEMS})",
            ctx.ci_system
        )),
    }
    let existing: Vec<String> =
        files.iter().filter(|f| f.path.exists()).map(|f| f.path.display().to_string()).collect();
    if !existing.is_empty() && !args.force {
        return Err(UserError::failure(format!(
            "ferry init would replace {}, which {} already; it wrote nothing",
            existing.join(", "),
            if existing.len() == 1 { "exists" } else { "exist" }
        ))
        .hint("pass --force to replace them, or move them away first")
        .into());
    }
    for file in &files {
        write(file)?;
        ctx.info(&format!("wrote {}", file.path.display()));
    }
    let written: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    ctx.print_result(
        &format!(
            "Ferry is set up for project {project}: {}.\nTry it: ferry ship --project \"{project}\" --id {package} --version 1.0.0 --base-path . --wait",
            written.join(", ")
        ),
        &serde_json::json!({"project": project, "packageId": package, "files": written}),
    );
    Ok(())
}

fn write(file: &Planned) -> anyhow::Result<()> {
    if let Some(parent) = file.path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|err| {
            UserError::failure(format!("could not create the folder {}: {err}", parent.display()))
        })?;
    }
    std::fs::write(&file.path, &file.text)
        .map_err(|err| UserError::failure(format!("could not write {}: {err}", file.path.display())))?;
    #[cfg(unix)]
    if file.executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file.path, std::fs::Permissions::from_mode(0o755)).map_err(|err| {
            UserError::failure(format!("could not make {} executable: {err}", file.path.display()))
        })?;
    }
    Ok(())
}

/// The folder's own name, the project's default name.
fn folder_name(folder: &Path) -> String {
    folder.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A package id for `project`: its letters, digits, `.`, `_` and `-`, other characters as `-`.
fn package_id_for(project: &str) -> String {
    let id: String = project
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' })
        .collect();
    let id = id.trim_matches(['-', '.', '_']).to_owned();
    if id.is_empty() { "app".to_owned() } else { id }
}

fn config_text(project: &str, package: &str) -> String {
    format!(
        r#"# Ferry's configuration, written by `ferry init`. The embedded server (`ferry ship` without
# --server) and `ferry server` read it; `ferry check --offline` validates it.

# Environments, in the order releases move through them.
[[environments]]
name = "Development"
description = "Every build lands here automatically."

[[environments]]
name = "Test"

[[environments]]
name = "Production"

# A lifecycle: the phases a release goes through. `automatic` phases are deployed as soon as
# the release reaches them; the others wait for `ferry release promote`.
[[lifecycles]]
name = "Default"

[[lifecycles.phases]]
name = "Development"
environments = ["Development"]
automatic = true

[[lifecycles.phases]]
name = "Test"
environments = ["Test"]

[[lifecycles.phases]]
name = "Production"
environments = ["Production"]

# The project: one deployment step per package id. The deploy command runs once per deployment,
# from this file's folder, with FERRY_ENVIRONMENT, FERRY_RELEASE_VERSION and
# FERRY_PACKAGE_<ID> (the extracted package) set; see {DEPLOY_SCRIPT}.
[[projects]]
name = "{project}"
lifecycle = "Default"
packages = ["{package}"]
deploy = "./{DEPLOY_SCRIPT}"
deploy_timeout = "10m"
"#
    )
}

fn deploy_script(project: &str, package: &str) -> String {
    let variable = format!("FERRY_PACKAGE_{}", package.to_ascii_uppercase().replace(['.', '-'], "_"));
    format!(
        r#"#!/bin/sh
# Deploy command of project {project} (see ferry.toml), written by `ferry init`.
# Ferry runs it once per deployment with the release's package extracted in ${variable}.
# Replace the echo lines with what deploys your application; a non-zero exit fails the
# deployment.
set -eu

: "${{FERRY_ENVIRONMENT:?run by Ferry: FERRY_ENVIRONMENT is not set}}"
echo "deploying {project} $FERRY_RELEASE_VERSION to $FERRY_ENVIRONMENT"
echo "package files are in ${{{variable}:-(not set)}}"
"#
    )
}

/// The workflow file for `system`, when Ferry has a template for it.
fn workflow(system: CiSystem, project: &str, package: &str) -> Option<Planned> {
    let ship = |version: &str| {
        format!(
            "ferry ship --project \"{project}\" --id {package} --version {version} --base-path dist --if-exists ignore --wait"
        )
    };
    let (path, text) = match system {
        CiSystem::GitHub => (
            ".github/workflows/ferry.yml",
            format!(
                r#"# Ship every push to main: package ./dist, push it, create the release and deploy it by the
# lifecycle. Secrets/variables: FERRY_API_KEY (secret), FERRY_SERVER (variable).
name: ferry
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  ship:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v5
        with:
          fetch-depth: 0 # the commits since the last build go into the build information
      - name: build
        run: mkdir -p dist # replace with your build, writing into ./dist
      - uses: ferry-deploy/ferry/actions/setup@v0
      - name: ship
        env:
          FERRY_SERVER: ${{{{ vars.FERRY_SERVER }}}}
          FERRY_API_KEY: ${{{{ secrets.FERRY_API_KEY }}}}
        run: {}
"#,
                ship("1.0.${{ github.run_number }}")
            ),
        ),
        CiSystem::Azure => (
            "azure-pipelines.yml",
            format!(
                r#"# Ship every push to main: package ./dist, push it, create the release and deploy it by the
# lifecycle. Pipeline variables: FERRY_SERVER, FERRY_API_KEY (secret).
trigger:
  branches:
    include: [main]
pool:
  vmImage: ubuntu-latest
steps:
  - checkout: self
    fetchDepth: 0
  - script: mkdir -p dist # replace with your build, writing into ./dist
    displayName: build
  - task: FerryInstaller@1
  - script: {}
    displayName: ship
    env:
      FERRY_SERVER: $(FERRY_SERVER)
      FERRY_API_KEY: $(FERRY_API_KEY)
"#,
                ship("1.0.$(Build.BuildId)")
            ),
        ),
        CiSystem::Jenkins => (
            "Jenkinsfile",
            format!(
                r#"// Ship every build of main: package ./dist, push it, create the release and deploy it by the
// lifecycle. Credentials: `ferry-api-key` (Secret text); set FERRY_SERVER below.
@Library('ferry@v1') _

pipeline {{
    agent any
    environment {{
        FERRY_SERVER = 'https://deploy.example.com'
        FERRY_API_KEY = credentials('ferry-api-key')
    }}
    stages {{
        stage('Build') {{
            steps {{
                sh 'mkdir -p dist' // replace with your build, writing into ./dist
            }}
        }}
        stage('Ship') {{
            when {{ branch 'main' }}
            steps {{
                ferryInstall()
                sh '{}'
            }}
        }}
    }}
}}
"#,
                ship("1.0.${BUILD_NUMBER}")
            ),
        ),
        CiSystem::Bitbucket => (
            "bitbucket-pipelines.yml",
            format!(
                r#"# Ship every push to main: package ./dist, push it, create the release and deploy it by the
# lifecycle. Repository variables: FERRY_SERVER, FERRY_API_KEY (secured). The step needs the
# `ferry` binary in its image; or use the Ferry pipe with the digest-pinned reference each Ferry
# release publishes (its pipe.yml), never a bare tag.
pipelines:
  branches:
    main:
      - step:
          name: Ship
          script:
            - mkdir -p dist # replace with your build, writing into ./dist
            - {}
"#,
                yaml_quoted(&ship("1.0.$BITBUCKET_BUILD_NUMBER"))
            ),
        ),
        CiSystem::GitLab => (
            ".gitlab-ci.yml",
            format!(
                r#"# Ship every push to main: package ./dist, push it, create the release and deploy it by the
# lifecycle. CI/CD variables: FERRY_SERVER, FERRY_API_KEY (masked). The job needs the `ferry`
# binary on the runner (or in the image).
ship:
  stage: deploy
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
  variables:
    GIT_DEPTH: 0
  script:
    - mkdir -p dist # replace with your build, writing into ./dist
    - {}
"#,
                yaml_quoted(&ship("1.0.$CI_PIPELINE_IID"))
            ),
        ),
        _ => return None,
    };
    Some(Planned { path: path.into(), text, executable: false })
}

/// A YAML single-quoted scalar (the command holds `"` and `:`).
fn yaml_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_name_becomes_a_valid_package_id() {
        assert_eq!(package_id_for("web shop"), "web-shop");
        assert_eq!(package_id_for("Hello.Api"), "Hello.Api");
        assert_eq!(package_id_for("--"), "app");
        for project in ["web shop", "Hello.Api", "ünï"] {
            assert!(ferry_core::package_id::PackageId::new(&package_id_for(project)).is_ok(), "{project}");
        }
    }

    #[test]
    fn the_configuration_loads_in_the_server() {
        let config = ferry_server::config::Config::parse(&config_text("web shop", "web-shop")).unwrap();
        assert_eq!(config.projects[0].name, "web shop");
        assert_eq!(config.environments.len(), 3);
    }
}
