//! The dashboard page: projects × environments, grouped by lifecycle (columns in lifecycle
//! order), each cell the newest deployment with its state, age and a link to its task.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use maud::html;
use serde::Deserialize;

use super::layout::{self, Section};
use super::queries::{self, LatestDeployment};
use super::session::Viewer;
use super::{Dashboard, PageResult};
use crate::lifecycle::resolve_phases;
use crate::store::model::{Environment, Lifecycle, Project};

/// `?project=` narrows the matrix to projects whose name contains it.
#[derive(Debug, Deserialize)]
pub struct Filter {
    project: Option<String>,
}

struct Group {
    lifecycle: String,
    environments: Vec<Environment>,
    projects: Vec<Project>,
}

/// `GET /app`.
pub async fn page(
    State(dashboard): State<Dashboard>,
    Extension(viewer): Extension<Viewer>,
    Query(filter): Query<Filter>,
) -> PageResult {
    let started = std::time::Instant::now();
    let typed = filter.project.unwrap_or_default().trim().to_owned();
    let needle = typed.to_lowercase();
    let (groups, cells) = dashboard
        .app
        .store
        .call(move |c| {
            let environments = Environment::all(c)?;
            let lifecycles: HashMap<String, Lifecycle> =
                Lifecycle::all(c)?.into_iter().map(|l| (l.id.clone(), l)).collect();
            let ids: Vec<String> = environments.iter().map(|e| e.id.clone()).collect();
            let mut groups: Vec<Group> = Vec::new();
            for project in Project::all(c)? {
                if !needle.is_empty() && !project.name.to_lowercase().contains(&needle) {
                    continue;
                }
                match groups.iter_mut().find(|g| g.lifecycle == project.lifecycle_id) {
                    Some(group) => group.projects.push(project),
                    None => {
                        let phases =
                            lifecycles.get(&project.lifecycle_id).map(|l| l.phases.as_slice()).unwrap_or(&[]);
                        let mut columns: Vec<Environment> = Vec::new();
                        for phase in resolve_phases(phases, &ids) {
                            for env in &phase.environments {
                                if let Some(e) = environments.iter().find(|e| &e.id == env)
                                    && !columns.iter().any(|c| c.id == e.id)
                                {
                                    columns.push(e.clone());
                                }
                            }
                        }
                        groups.push(Group {
                            lifecycle: project.lifecycle_id.clone(),
                            environments: columns,
                            projects: vec![project],
                        });
                    }
                }
            }
            let names: HashMap<String, String> = lifecycles.into_iter().map(|(id, l)| (id, l.name)).collect();
            for group in &mut groups {
                group.lifecycle =
                    names.get(&group.lifecycle).cloned().unwrap_or_else(|| group.lifecycle.clone());
            }
            let cells: HashMap<(String, String), LatestDeployment> = queries::latest_deployments(c)?
                .into_iter()
                .map(|d| ((d.project_id.clone(), d.environment_id.clone()), d))
                .collect();
            Ok((groups, cells))
        })
        .await?;
    let now = jiff::Timestamp::now();
    let shown = |project: &Project, env: &Environment| cells.get(&(project.id.clone(), env.id.clone()));
    let active = groups
        .iter()
        .flat_map(|g| g.projects.iter().flat_map(move |p| g.environments.iter().map(move |e| (p, e))))
        .any(|(p, e)| shown(p, e).is_some_and(|d| d.state.is_active()));
    let body = html! {
        h1 { "Dashboard" }
        form.filter method="get" action="/app" role="search" {
            label for="project-filter" { "Filter projects" }
            input #project-filter type="search" name="project" value=(typed) autocomplete="off";
            button.secondary type="submit" { "Filter" }
        }
        @if active { p.live role="status" { "Deployments are running: this page updates itself." } }
        @if groups.is_empty() {
            div.card {
                p { "No projects to show." }
                p.hint { "Run " code { "ferry ship" } " against this server, or declare projects in ferry.toml." }
            }
        }
        @for group in &groups {
            section aria-label={ "Lifecycle " (group.lifecycle) } {
                h2 { "Lifecycle: " (group.lifecycle) }
                div.scroll {
                    table {
                        caption.muted { "Newest deployment of each project to each environment, environments in lifecycle order" }
                        thead {
                            tr {
                                th scope="col" { "Project" }
                                @for env in &group.environments { th scope="col" { (env.name) } }
                            }
                        }
                        tbody {
                            @for project in &group.projects {
                                tr data-project=(project.name.to_lowercase()) {
                                    th scope="row" { a href={ "/app/projects/" (project.id) } { (project.name) } }
                                    @for env in &group.environments {
                                        @match shown(project, env) {
                                            Some(d) => td class={ "cell " (d.state.class()) } {
                                                a href={ "/app/tasks/" (d.task_id) }
                                                    aria-label={ (project.name) " " (d.version) " in " (env.name) ": " (d.state.label()) } {
                                                    span.version { (d.version) } " " (d.state.badge())
                                                    span.age { (layout::age(d.completed.as_deref().unwrap_or(&d.created), now)) }
                                                }
                                            },
                                            None => td.cell { span.muted { "—" span.skip { "not deployed" } } },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut response = layout::page("Dashboard", &viewer, Section::Dashboard, active.then_some(3), body);
    // The page's own time (queries and rendering), for browsers' tools and bench/dashboard.
    let timing = format!("page;dur={:.1}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(value) = axum::http::HeaderValue::from_str(&timing) {
        response.headers_mut().insert("server-timing", value);
    }
    Ok(response)
}
