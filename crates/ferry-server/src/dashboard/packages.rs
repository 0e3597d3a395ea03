//! The built-in feed: search by package id, each id's versions with size, publication time and
//! the releases that use them.

use axum::Extension;
use axum::extract::{Query, State};
use maud::html;
use serde::Deserialize;

use super::layout::{self, Section};
use super::queries;
use super::session::Viewer;
use super::{Dashboard, PageResult};
use crate::store::model::Package;

/// Package ids shown at once.
const MAX_IDS: usize = 50;

/// `?q=` searches package ids.
#[derive(Debug, Deserialize)]
pub struct Search {
    q: Option<String>,
}

/// `GET /app/packages`.
pub async fn page(
    State(dashboard): State<Dashboard>,
    Extension(viewer): Extension<Viewer>,
    Query(search): Query<Search>,
) -> PageResult {
    let needle = search.q.unwrap_or_default().trim().to_owned();
    let query = needle.clone();
    let (found, usage) = dashboard
        .app
        .store
        .call(move |c| {
            let mut found = Vec::new();
            for package_id in queries::search_packages(c, &query, MAX_IDS)? {
                let mut versions = Package::list(c, Some(&package_id))?;
                versions.sort_by_cached_key(|p| {
                    std::cmp::Reverse(p.version.parse::<ferry_core::version::Version>().ok())
                });
                found.push((package_id, versions));
            }
            let wanted: Vec<(String, String)> = found
                .iter()
                .flat_map(|(_, versions)| versions.iter().map(|v| (v.package_id.clone(), v.version.clone())))
                .collect();
            let usage = queries::package_usage(c, &wanted)?;
            Ok((found, usage))
        })
        .await?;
    let body = html! {
        h1 { "Packages" }
        form.filter method="get" action="/app/packages" role="search" {
            label for="package-search" { "Package id" }
            input #package-search type="search" name="q" value=(needle) autocomplete="off";
            button type="submit" { "Search" }
        }
        @if found.is_empty() {
            p.muted { @if needle.is_empty() { "The built-in feed is empty." } @else { "No package id contains “" (needle) "”." } }
        }
        @if found.len() == MAX_IDS { p.hint { "Showing the first " (MAX_IDS) " package ids: search to narrow." } }
        @for (package_id, versions) in &found {
            section aria-label={ "Package " (package_id) } {
                h2 { (package_id) }
                div.scroll {
                    table {
                        thead { tr { th scope="col" { "Version" } th scope="col" { "Format" } th scope="col" { "Size" } th scope="col" { "Published" } th scope="col" { "SHA-256" } th scope="col" { "Used by" } } }
                        tbody {
                            @for version in versions {
                                @let users = usage.get(&(version.package_id.to_lowercase(), version.version.clone()));
                                tr {
                                    th scope="row" { (version.version) }
                                    td { (version.format) }
                                    td { (layout::size(version.size)) }
                                    td { (layout::time(&version.published)) }
                                    td.hash { (version.sha256) }
                                    td {
                                        @match users {
                                            None => span.muted { "no release" },
                                            Some(users) => {
                                                @for (index, user) in users.iter().enumerate() {
                                                    @if index > 0 { ", " }
                                                    a href={ "/app/releases/" (user.release_id) } { (user.project) " " (user.release_version) }
                                                }
                                            },
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
    Ok(layout::page("Packages", &viewer, Section::Packages, None, body))
}
