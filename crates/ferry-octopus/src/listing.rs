//! Bounded reads for the commands that show what a server holds (`release list`, `task list`,
//! `project show`, ...): each asks for one page of at most `take` items, never a whole
//! collection, so a server with years of history answers as fast as a new one.

use serde::de::DeserializeOwned;

use crate::api::{encode_query, encode_segment};
use crate::client::Client;
use crate::error::{ErrorKind, OctopusError};
use crate::model::{Channel, Deployment, Environment, Lifecycle, Page, Project, Release, Task};

/// The most task ids asked for in one request.
pub const IDS_PER_REQUEST: usize = 50;

/// The first `take` items of a collection and how many it holds in all.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    /// Up to `take` items, in the server's order (newest first for releases, deployments, tasks).
    pub items: Vec<T>,
    /// The size of the whole collection, when the server says.
    pub total: Option<usize>,
}

impl<T> Listed<T> {
    /// How many items were left out of this page.
    pub fn left_out(&self) -> usize {
        self.total.map_or(0, |total| total.saturating_sub(self.items.len()))
    }
}

/// Which tasks `task list` asks for.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only tasks in these states (`Executing`, `Failed`, ...).
    pub states: Vec<String>,
    /// Only tasks that have not finished.
    pub active: bool,
    /// Only tasks of this project (id).
    pub project_id: Option<String>,
    /// Only tasks of this environment (id).
    pub environment_id: Option<String>,
}

/// What a deployment task works on, by name: project, release version and environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSubject {
    /// Project name.
    pub project: String,
    /// Release version.
    pub release: String,
    /// Environment name.
    pub environment: String,
}

impl std::fmt::Display for TaskSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} to {}", self.project, self.release, self.environment)
    }
}

impl Client {
    /// One page of `path` (which has no query yet, or ends in one) with `take` items.
    async fn first_page<T: DeserializeOwned>(
        &self,
        doing: &str,
        path: &str,
        take: usize,
    ) -> Result<Listed<T>, OctopusError> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let path = self.space_path(&format!("{path}{separator}skip=0&take={}", take.max(1)));
        let page: Page<T> = self.get_json(doing, &path).await?;
        let mut items = page.items;
        // A server that ignores `take` still shows only what was asked for.
        items.truncate(take.max(1));
        Ok(Listed { items, total: page.total_results })
    }

    /// The first `take` projects.
    pub async fn list_projects(&self, take: usize) -> Result<Listed<Project>, OctopusError> {
        self.first_page(&format!("listing projects on {}", self.server_name()), "projects", take).await
    }

    /// The first `take` environments, in the server's order (the deployment order).
    pub async fn list_environments(&self, take: usize) -> Result<Listed<Environment>, OctopusError> {
        self.first_page(&format!("listing environments on {}", self.server_name()), "environments", take)
            .await
    }

    /// The first `take` channels of `project`.
    pub async fn list_channels(
        &self,
        project: &Project,
        take: usize,
    ) -> Result<Listed<Channel>, OctopusError> {
        let doing = format!("listing channels of {}", project.name);
        self.first_page(&doing, &format!("projects/{}/channels", encode_segment(&project.id)), take).await
    }

    /// The newest `take` releases of `project`.
    pub async fn list_releases(
        &self,
        project: &Project,
        take: usize,
    ) -> Result<Listed<Release>, OctopusError> {
        let doing = format!("listing releases of {}", project.name);
        self.first_page(&doing, &format!("projects/{}/releases", project.id), take).await
    }

    /// The newest `take` deployments of `project`.
    pub async fn list_project_deployments(
        &self,
        project: &Project,
        take: usize,
    ) -> Result<Listed<Deployment>, OctopusError> {
        let doing = format!("listing deployments of {}", project.name);
        self.first_page(&doing, &format!("deployments?projects={}", encode_query(&project.id)), take).await
    }

    /// The newest `take` deployments of `release`.
    pub async fn list_release_deployments(
        &self,
        release: &Release,
        take: usize,
    ) -> Result<Listed<Deployment>, OctopusError> {
        let doing = format!("listing deployments of release {}", release.version);
        self.first_page(&doing, &format!("releases/{}/deployments", encode_segment(&release.id)), take).await
    }

    /// The newest `take` tasks that pass `filter`.
    pub async fn list_tasks(&self, filter: &TaskFilter, take: usize) -> Result<Listed<Task>, OctopusError> {
        let mut query = vec![];
        if !filter.states.is_empty() {
            query.push(format!("states={}", encode_query(&filter.states.join(","))));
        }
        if filter.active {
            query.push("active=true".to_owned());
        }
        if let Some(project) = &filter.project_id {
            query.push(format!("project={}", encode_query(project)));
        }
        if let Some(environment) = &filter.environment_id {
            query.push(format!("environment={}", encode_query(environment)));
        }
        let path = if query.is_empty() { "tasks".to_owned() } else { format!("tasks?{}", query.join("&")) };
        self.first_page(&format!("listing tasks on {}", self.server_name()), &path, take).await
    }

    /// The tasks with these ids, [`IDS_PER_REQUEST`] per request (a URL stays well under the
    /// 8 KiB many servers and proxies accept); ids the server does not know are left out.
    pub async fn tasks_by_id(&self, ids: &[&str]) -> Result<Vec<Task>, OctopusError> {
        let mut tasks = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_REQUEST) {
            let doing = format!("reading tasks {} on {}", chunk.join(", "), self.server_name());
            let path = format!("tasks?ids={}", encode_query(&chunk.join(",")));
            tasks.extend(self.first_page(&doing, &path, chunk.len()).await?.items);
        }
        Ok(tasks)
    }

    /// The task `id`; an unknown id is a [`ErrorKind::NotFound`] error that points at
    /// `ferry task list`.
    pub async fn find_task(&self, id: &str) -> Result<Task, OctopusError> {
        let doing = format!("reading task {id} on {}", self.server_name());
        let path = self.space_path(&format!("tasks/{}", encode_segment(id)));
        match self.get_optional::<Task>(&doing, &path).await? {
            Some(task) if !task.id.is_empty() => Ok(task),
            _ => Err(OctopusError::new(ErrorKind::NotFound, doing, format!("there is no task {id}"))
                .hint("task ids look like ServerTasks-123; see the recent ones with: ferry task list")),
        }
    }

    /// A deployment by id.
    pub async fn deployment(&self, id: &str) -> Result<Deployment, OctopusError> {
        let doing = format!("reading deployment {id}");
        self.get_json(&doing, &self.space_path(&format!("deployments/{}", encode_segment(id)))).await
    }

    /// A project by id.
    pub async fn project(&self, id: &str) -> Result<Project, OctopusError> {
        let doing = format!("reading project {id}");
        self.get_json(&doing, &self.space_path(&format!("projects/{}", encode_segment(id)))).await
    }

    /// An environment by id.
    pub async fn environment(&self, id: &str) -> Result<Environment, OctopusError> {
        let doing = format!("reading environment {id}");
        self.get_json(&doing, &self.space_path(&format!("environments/{}", encode_segment(id)))).await
    }

    /// The lifecycle `project` uses, when it names one.
    pub async fn project_lifecycle(&self, project: &Project) -> Result<Option<Lifecycle>, OctopusError> {
        match project.lifecycle_id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => Ok(Some(self.lifecycle(id).await?)),
            None => Ok(None),
        }
    }

    /// What a deployment task deploys: project, release and environment by name. `None` for a
    /// task that runs no deployment (or one the server no longer has).
    pub async fn task_subject(&self, task: &Task) -> Result<Option<TaskSubject>, OctopusError> {
        let Some(deployment_id) = task.deployment_id() else { return Ok(None) };
        let deployment = match self.deployment(deployment_id).await {
            Ok(deployment) => deployment,
            Err(err) if err.kind == ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let project = self.project(&deployment.project_id).await?;
        let release = self.release(&deployment.release_id).await?;
        let environment = self.environment(&deployment.environment_id).await?;
        Ok(Some(TaskSubject {
            project: project.name,
            release: release.version,
            environment: environment.name,
        }))
    }
}
