//! A release: notes (Markdown, sanitised), packages with sizes and SHA-256, their build
//! information (build, branch, commits, work items, linked), deployments per environment, where
//! it stands in its lifecycle with a form to deploy it next, and a place for quality gates.

use axum::Extension;
use axum::extract::{Path, State};
use maud::{Markup, PreEscaped, html};

use super::layout::{self, Section};
use super::markdown::{self, safe_href};
use super::project::{Standing, progression};
use super::session::Viewer;
use super::status::DeployState;
use super::{Dashboard, PageError, PageResult};
use crate::store::model::{BuildInfo, Channel, Deployment, Environment, Package, Project, Release, Task};
use ferry_core::build_info::BuildInformation;

struct Step {
    step: String,
    package_id: String,
    version: String,
    package: Option<Package>,
    build: Option<BuildInformation>,
}

struct Loaded {
    release: Release,
    project: Project,
    channel: Option<Channel>,
    environments: Vec<Environment>,
    steps: Vec<Step>,
    deployments: Vec<(Deployment, Task)>,
    standing: Standing,
}

/// `GET /app/releases/{id}`.
pub async fn page(
    State(dashboard): State<Dashboard>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> PageResult {
    let loaded = dashboard
        .app
        .store
        .call(move |c| {
            let Some(release) = Release::by_id(c, &id)? else { return Ok(None) };
            let project = Project::get(c, &release.project_id)?;
            let channel = Channel::by_id(c, &release.channel_id)?;
            let environments = Environment::all(c)?;
            let mut steps = Vec::new();
            for selected in &release.selected {
                let key =
                    crate::versions::key_of(&selected.version).unwrap_or_else(|| selected.version.clone());
                let package = Package::find(c, &selected.package_id, &key)?;
                // Through the API's resource: stored bodies keep the keys as pushed, the resource
                // is Octopus's shape (with commit links derived from the repository).
                let build = BuildInfo::find(c, &selected.package_id, &key)?.and_then(|b| {
                    serde_json::from_value::<BuildInformation>(crate::api::resources::build_information(&b))
                        .ok()
                });
                steps.push(Step {
                    step: selected.step.clone(),
                    package_id: selected.package_id.clone(),
                    version: selected.version.clone(),
                    package,
                    build,
                });
            }
            let mut deployments = Vec::new();
            for deployment in Deployment::for_release(c, &release.id)? {
                let task = Task::get(c, &deployment.task_id)?;
                deployments.push((deployment, task));
            }
            let (_, progression, succeeded) = crate::deploy::progression(c, &release)?;
            let next = progression.allowed().into_iter().filter(|e| !succeeded.contains(e)).collect();
            let standing = Standing { release: release.clone(), progression, next };
            Ok(Some(Loaded { release, project, channel, environments, steps, deployments, standing }))
        })
        .await?;
    let Some(loaded) = loaded else { return Err(PageError::not_found("such release")) };
    let Loaded { release, project, channel, environments, steps, deployments, standing } = loaded;
    let env_name = |id: &str| {
        environments.iter().find(|e| e.id == id).map(|e| e.name.clone()).unwrap_or_else(|| id.to_owned())
    };
    let active = deployments.iter().any(|(_, t)| DeployState::of_task(&t.state).is_active());
    let title = format!("{} {}", project.name, release.version);
    let body = html! {
        nav aria-label="Breadcrumb" {
            a href="/app" { "Dashboard" } " › " a href={ "/app/projects/" (project.id) } { (project.name) } " › " (release.version)
        }
        h1 { (project.name) " " (release.version) }
        dl.facts {
            dt { "Channel" } dd { (channel.map(|c| c.name).unwrap_or_default()) }
            dt { "Created" } dd { (layout::time(&release.assembled)) }
            dt { "Release id" } dd { code { (release.id) } }
        }
        h2 { "Release notes" }
        @if release.notes.trim().is_empty() {
            p.muted { "No release notes." }
        } @else {
            div.notes.card { (PreEscaped(markdown::render(&release.notes))) }
        }
        h2 { "Deployments" }
        @if deployments.is_empty() {
            p.muted { "Not deployed yet." }
        } @else {
            div.scroll {
                table {
                    thead { tr { th scope="col" { "Environment" } th scope="col" { "State" } th scope="col" { "Queued" } th scope="col" { "Duration" } th scope="col" { "Task" } } }
                    tbody {
                        @for (deployment, task) in &deployments {
                            tr {
                                th scope="row" { (env_name(&deployment.environment_id)) }
                                td { (DeployState::of_task(&task.state).badge()) }
                                td { (layout::time(&deployment.created)) }
                                td { (task.start_time.as_deref().zip(task.completed_time.as_deref()).and_then(|(s, e)| layout::duration(s, e)).unwrap_or_default()) }
                                td { a href={ "/app/tasks/" (task.id) } { (task.id) } }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Lifecycle" }
        (progression(&standing, &env_name))
        @if viewer.can_act() && !standing.next.is_empty() {
            div.card {
                @for env in &standing.next {
                    form.inline method="post" action={ "/app/releases/" (release.id) "/deploy" } {
                        input type="hidden" name="csrf" value=(viewer.csrf);
                        input type="hidden" name="environment" value=(env);
                        button type="submit" { "Deploy to " (env_name(env)) }
                    }
                    " "
                }
            }
        }
        h2 { "Packages" }
        (packages(&steps))
        h2 { "Build information" }
        @for step in &steps { (build_information(step)) }
        section.card.gates #quality-gates aria-labelledby="gates-heading" {
            h2 #gates-heading { "Quality gates" }
            p.muted { "This server does not evaluate quality gates yet; when it does, their results appear here." }
        }
    };
    Ok(layout::page(&title, &viewer, Section::Dashboard, active.then_some(3), body))
}

fn packages(steps: &[Step]) -> Markup {
    html! {
        @if steps.is_empty() {
            p.muted { "This release deploys no package." }
        } @else {
            div.scroll {
                table {
                    thead { tr { th scope="col" { "Step" } th scope="col" { "Package" } th scope="col" { "Version" } th scope="col" { "Size" } th scope="col" { "SHA-256" } } }
                    tbody {
                        @for step in steps {
                            tr {
                                th scope="row" { (step.step) }
                                td { a href={ "/app/packages?q=" (step.package_id) } { (step.package_id) } }
                                td { (step.version) }
                                @match &step.package {
                                    Some(p) => {
                                        td { (layout::size(p.size)) span.muted { " (" (p.size) " bytes)" } }
                                        td.hash { (p.sha256) }
                                    },
                                    None => td colspan="2" { span.muted { "Not in the built-in feed" } },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `text` as a link when `url` is a safe target, else as text.
fn link_or_text(url: Option<&str>, text: &str) -> Markup {
    match url.and_then(safe_href) {
        Some(href) => html! { a href=(href) rel="noreferrer" { (text) } },
        None => html! { (text) },
    }
}

fn build_information(step: &Step) -> Markup {
    html! {
        h3 { (step.package_id) " " (step.version) }
        @match &step.build {
            None => p.muted { "No build information was pushed for this package version." },
            Some(build) => {
                dl.facts {
                    dt { "Build" }
                    dd {
                        (link_or_text(Some(&build.build_url), if build.build_number.is_empty() { &build.build_url } else { &build.build_number }))
                        @if !build.build_environment.is_empty() { " (" (build.build_environment) ")" }
                    }
                    dt { "Branch" } dd { (build.branch) }
                    dt { "Repository" } dd { (link_or_text(Some(&build.vcs_root), &build.vcs_root)) }
                    dt { "Commit" } dd.hash { (build.vcs_commit_number) }
                }
                @if !build.commits.is_empty() {
                    h4 { "Commits" }
                    ul {
                        @for commit in &build.commits {
                            li {
                                code { (link_or_text(commit.link_url.as_deref(), commit.short_id())) } " " (commit.subject())
                                @if let Some(author) = &commit.author { span.muted { " — " (author) } }
                            }
                        }
                    }
                }
                @if !build.work_items.is_empty() {
                    h4 { "Work items" }
                    ul {
                        @for item in &build.work_items {
                            li {
                                (link_or_text(item.link_url.as_deref(), &item.id))
                                @if let Some(description) = &item.description { " " (description) }
                            }
                        }
                    }
                }
            }
        }
    }
}
