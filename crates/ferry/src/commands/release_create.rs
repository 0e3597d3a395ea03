//! `ferry release create`.

use ferry_flow::follow::Followed;
use ferry_flow::model::{CreatedRelease, Project, StartedDeployment};

use ferry_flow::DeploymentServer;

use crate::cli::{DeployOptions, ReleaseCreateArgs};
use crate::context::{Ctx, client_error};
use crate::exit::UserError;
use crate::github_target::{GitHubRun, Unhonoured};
use crate::releasing::{auto_notes, create};
use crate::target::{Server, server_error};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseCreateArgs) -> anyhow::Result<()> {
    let version = match args.version.as_deref() {
        None => None,
        Some(text) => Some(crate::versions::resolve(ctx, text)?.to_string()),
    };
    let notes = match (&args.release.release_notes, &args.release.release_notes_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(file)) => Some(crate::releasing::read_notes_file(file)?),
        (None, None) => None,
    };
    let project_name = &crate::github_target::project_name(ctx, args.project.as_deref())?;
    let run = GitHubRun {
        project: Some(project_name),
        unhonoured: args.release.channel.iter().map(|_| Unhonoured::CHANNEL).collect(),
        ..GitHubRun::none()
    };
    let server = ctx.connect_server(&run).await?;
    let result = async {
        let project = server.find_project(project_name).await.map_err(server_error)?;
        let notes = match notes {
            Some(notes) => Some(notes),
            None if args.release.release_notes_auto => match &server {
                // The release template that names the packages is Octopus's.
                Server::Octopus(connection) => {
                    let client = &connection.client;
                    let project = client.find_project(project_name).await.map_err(client_error)?;
                    auto_notes(ctx, client, &project, version.as_deref(), &args.release).await?
                }
                Server::GitHub(_) => {
                    return Err(UserError::usage(
                        "--release-notes-auto does not work with a GitHub server yet",
                    )
                    .hint("pass --release-notes or --release-notes-file")
                    .into());
                }
            },
            None => None,
        };
        let (created, json) = create(ctx, &server, &project, version, &args.release, notes).await?;
        let deployments = deploy_to(ctx, &server, &project, &created, args).await?;
        anyhow::Ok((created, json, deployments))
    }
    .await;
    server.close().await;
    let (created, mut json, deployments) = result?;
    let verb = if created.existing { "using existing release" } else { "created release" };
    let mut text = format!("{verb} {} ({})", created.release.version, created.release.id);
    if args.deploy_to.is_empty() {
        ctx.print_result(&text, &json);
        return Ok(());
    }
    crate::deployments::set_outputs(ctx, &deployments);
    for (deployment, followed) in &deployments {
        text.push_str(&format!(
            "\n{}: {} {}",
            deployment.environment,
            deployment.task_id,
            crate::deployments::state_cell(followed)
        ));
    }
    json["deployments"] = crate::deployments::deployments_json(&created.release, &deployments);
    ctx.print_result(&text, &json);
    let followed: Vec<Followed> = deployments.into_iter().map(|(_, followed)| followed).collect();
    crate::waiting::fail_if_unsuccessful(ctx, &followed)
}

/// `--deploy-to`: follow the deployments the lifecycle started to those environments when the
/// release was created, and deploy it to the others (in order, one after the other with `--wait`).
async fn deploy_to(
    ctx: &Ctx,
    client: &Server,
    project: &Project,
    created: &CreatedRelease,
    args: &ReleaseCreateArgs,
) -> anyhow::Result<Vec<(StartedDeployment, Followed)>> {
    if args.deploy_to.is_empty() {
        return Ok(Vec::new());
    }
    // `--deploy-to` takes no deployment options of its own (as octo's --deployTo): the defaults.
    let options = DeployOptions {
        tenants: Vec::new(),
        tenant_tags: Vec::new(),
        variables: Vec::new(),
        deploy_at: None,
        no_deploy_after: None,
        guided_failure: false,
        skip_steps: Vec::new(),
        specific_machines: Vec::new(),
        excluded_machines: Vec::new(),
        force_package_download: false,
        exec: None,
        wait: args.wait.clone(),
        dry_run: false,
    };
    let named =
        |environment: &str| args.deploy_to.iter().any(|target| target.eq_ignore_ascii_case(environment));
    let adopted: Vec<StartedDeployment> =
        created.automatic_deployments.iter().filter(|d| named(&d.environment)).cloned().collect();
    let rest: Vec<String> = args
        .deploy_to
        .iter()
        .filter(|target| !adopted.iter().any(|d| d.environment.eq_ignore_ascii_case(target)))
        .cloned()
        .collect();
    let mut results = crate::deployments::follow(ctx, client, adopted, &options).await?;
    if !rest.is_empty() {
        results.extend(
            crate::deployments::deploy(ctx, client, project, &created.release, &rest, &options).await?,
        );
    }
    Ok(results)
}
