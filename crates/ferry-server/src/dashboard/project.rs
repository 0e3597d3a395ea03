//! A project: its releases newest first (with the environments each reached), where its newest
//! release stands in the lifecycle and what is allowed next, and its packages.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Section};
use super::queries::{self, ReleaseRow};
use super::session::Viewer;
use super::status::DeployState;
use super::{Dashboard, PageError, PageResult};
use crate::lifecycle::{Progress, Progression};
use crate::store::model::{Environment, Package, Project, Release};

const PAGE_SIZE: usize = 50;

/// `?page=N` (from 1).
#[derive(Debug, Deserialize)]
pub struct Paging {
    page: Option<usize>,
}

/// Where the newest release stands.
pub struct Standing {
    /// The release.
    pub release: Release,
    /// Its progression.
    pub progression: Progression,
    /// Environment ids it may be deployed to next (allowed and not yet succeeded there).
    pub next: Vec<String>,
}

/// `GET /app/projects/{id}`.
pub async fn page(
    State(dashboard): State<Dashboard>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(paging): Query<Paging>,
) -> PageResult {
    let page_number = paging.page.unwrap_or(1).max(1);
    let offset = (page_number - 1) * PAGE_SIZE;
    let loaded = dashboard
        .app
        .store
        .call(move |c| {
            let Some(project) = Project::find(c, &id)? else { return Ok(None) };
            let environments = Environment::all(c)?;
            let (releases, total) = queries::project_releases(c, &project.id, PAGE_SIZE, offset)?;
            let ids: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
            let reached = queries::environments_reached(c, &ids)?;
            let lifecycle = crate::store::model::Lifecycle::find(c, &project.lifecycle_id)?.map(|l| l.name);
            let standing = match queries::newest_release(c, &project.id)? {
                Some(release) => {
                    let (_, progression, succeeded) = crate::deploy::progression(c, &release)?;
                    let next = progression.allowed().into_iter().filter(|e| !succeeded.contains(e)).collect();
                    Some(Standing { release, progression, next })
                }
                None => None,
            };
            let mut packages = Vec::new();
            for package_id in &project.steps {
                let mut versions = Package::list(c, Some(package_id))?;
                versions.sort_by_cached_key(|p| {
                    std::cmp::Reverse(p.version.parse::<ferry_core::version::Version>().ok())
                });
                packages.push((package_id.clone(), versions));
            }
            Ok(Some((project, environments, releases, total, reached, lifecycle, standing, packages)))
        })
        .await?;
    let Some((project, environments, releases, total, reached, lifecycle, standing, packages)) = loaded
    else {
        return Err(PageError::not_found("such project"));
    };
    let env_name = |id: &str| {
        environments.iter().find(|e| e.id == id).map(|e| e.name.clone()).unwrap_or_else(|| id.to_owned())
    };
    let active = reached.values().flat_map(|m| m.values()).any(|s| s.is_active());
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let body = html! {
        nav aria-label="Breadcrumb" { a href="/app" { "Dashboard" } " › " (project.name) }
        h1 { (project.name) }
        dl.facts {
            dt { "Lifecycle" } dd { (lifecycle.unwrap_or_else(|| project.lifecycle_id.clone())) }
            dt { "Releases" } dd { (total) }
        }
        h2 { "Lifecycle progression" }
        @match &standing {
            None => p.muted { "No release yet." },
            Some(standing) => (progression(standing, &env_name)),
        }
        h2 { "Releases" }
        @if releases.is_empty() {
            p.muted { "No release yet." }
        } @else {
            div.scroll {
                table {
                    caption.muted { "Newest first; page " (page_number) " of " (pages) }
                    thead { tr { th scope="col" { "Version" } th scope="col" { "Channel" } th scope="col" { "Created" } th scope="col" { "Environments reached" } } }
                    tbody {
                        @for release in &releases { (release_row(release, reached.get(&release.id), &environments)) }
                    }
                }
            }
            nav aria-label="Release pages" {
                @if page_number > 1 { a href={ "?page=" (page_number - 1) } { "‹ Newer" } " " }
                @if page_number < pages { a href={ "?page=" (page_number + 1) } { "Older ›" } }
            }
        }
        h2 { "Packages" }
        @if packages.is_empty() { p.muted { "This project deploys no package." } }
        @for (package_id, versions) in &packages {
            h3 { (package_id) }
            @if versions.is_empty() {
                p.muted { "Not in the built-in feed yet." }
            } @else {
                p {
                    "Versions in the feed, newest first: "
                    @for (index, version) in versions.iter().take(10).enumerate() {
                        @if index > 0 { ", " }
                        a href={ "/app/packages?q=" (package_id) } { (version.version) }
                    }
                    @if versions.len() > 10 { " and " (versions.len() - 10) " older" }
                }
            }
        }
    };
    Ok(layout::page(&project.name, &viewer, Section::Dashboard, active.then_some(3), body))
}

/// A release with the environments it reached, in the server's environment order.
fn release_row(
    release: &ReleaseRow,
    reached: Option<&HashMap<String, DeployState>>,
    environments: &[Environment],
) -> Markup {
    let reached: Vec<(&str, DeployState)> = environments
        .iter()
        .filter_map(|env| reached.and_then(|m| m.get(&env.id)).map(|state| (env.name.as_str(), *state)))
        .collect();
    html! {
        tr {
            th scope="row" { a href={ "/app/releases/" (release.id) } { (release.version) } }
            td { (release.channel) }
            td { (layout::time(&release.assembled)) }
            td {
                @if reached.is_empty() { span.muted { "not deployed" } }
                @for (env, state) in &reached { span { (env) " " (state.badge()) } " " }
            }
        }
    }
}

/// The phases of a release's lifecycle with their progress, and what it may be deployed to next.
pub fn progression(standing: &Standing, env_name: &dyn Fn(&str) -> String) -> Markup {
    html! {
        p { "Release " a href={ "/app/releases/" (standing.release.id) } { (standing.release.version) } ":" }
        ol.phases {
            @for (phase, progress) in &standing.progression.phases {
                li {
                    strong { (phase.name) } " "
                    span class={ "state " (progress_class(*progress)) } { (progress_label(*progress)) }
                    br;
                    span.muted {
                        @for (index, env) in phase.environments.iter().enumerate() {
                            @if index > 0 { ", " }
                            (env_name(env))
                        }
                        @if phase.optional { " (optional)" }
                        @if phase.automatic { " (automatic)" }
                    }
                }
            }
        }
        p {
            "Allowed next: "
            @if standing.next.is_empty() { "nothing: every allowed environment has this release." }
            @for (index, env) in standing.next.iter().enumerate() {
                @if index > 0 { ", " }
                strong { (env_name(env)) }
            }
        }
    }
}

fn progress_label(progress: Progress) -> &'static str {
    match progress {
        Progress::Complete => "✓ Complete",
        Progress::Current => "▶ Current",
        Progress::Pending => "◷ Pending",
    }
}

fn progress_class(progress: Progress) -> &'static str {
    match progress {
        Progress::Complete => "state-success",
        Progress::Current => "state-running",
        Progress::Pending => "state-queued",
    }
}
