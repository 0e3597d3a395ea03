//! An in-memory deployment server: the flow's rules are tested against it, without HTTP.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::cell::RefCell;
use std::fmt;
use std::path::Path;

use ferry_flow::DeploymentServer;
use ferry_flow::model::{
    BuildInformation, CreatedRelease, DeployRequest, Deployment, Environment, IfExists, Lifecycle, Phase,
    Project, PushStatus, PushedPackage, Release, ReleaseRequest, StartedDeployment, StoredBuildInformation,
    Task, TaskState,
};

/// What the in-memory server refuses with: the thing it could not find.
#[derive(Debug)]
pub struct NotFound(pub String);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not found: {}", self.0)
    }
}

impl std::error::Error for NotFound {}

/// One project with its environments, releases, deployments (oldest first, as they happened) and
/// tasks. The trait hands deployments out newest first, as servers do.
#[derive(Default)]
pub struct MemoryServer {
    pub project: Project,
    pub environments: Vec<Environment>,
    pub releases: RefCell<Vec<Release>>,
    /// Packages pushed, by (id, version).
    pub packages: RefCell<Vec<PushedPackage>>,
    /// Build information pushed.
    pub build_information: RefCell<Vec<StoredBuildInformation>>,
    /// Every write the flow made (`push`, `build-information`, `release`, `deploy`), in order:
    /// a dry run must leave it empty.
    pub writes: RefCell<Vec<String>>,
    pub deployments: RefCell<Vec<Deployment>>,
    pub tasks: RefCell<Vec<Task>>,
    pub lifecycle: Option<Lifecycle>,
    /// Environment names of every `deploy` call, in call order.
    pub deploy_calls: RefCell<Vec<Vec<String>>>,
    /// Task logs by task id.
    pub logs: RefCell<std::collections::HashMap<String, String>>,
    /// The state new deployments' tasks get.
    pub new_task_state: Option<TaskState>,
    /// How many tasks were read (one by one or in batches).
    pub task_reads: std::cell::Cell<usize>,
}

impl MemoryServer {
    /// A project `App` with environments `names` (ids `Env-NAME`) and releases `versions`
    /// (ids `Rel-VERSION`).
    pub fn new(names: &[&str], versions: &[&str]) -> MemoryServer {
        MemoryServer {
            project: Project { id: "Projects-1".into(), name: "App".into(), lifecycle_id: None },
            environments: names
                .iter()
                .map(|n| Environment { id: format!("Env-{n}"), name: (*n).to_owned() })
                .collect(),
            releases: RefCell::new(
                versions
                    .iter()
                    .map(|v| Release { id: format!("Rel-{v}"), version: (*v).to_owned() })
                    .collect(),
            ),
            ..MemoryServer::default()
        }
    }

    /// Record a deployment of release `version` to `environment` whose task is in `state`.
    pub fn deployed(&self, version: &str, environment: &str, state: TaskState) {
        let number = self.deployments.borrow().len() + 1;
        let task_id = format!("Task-{number}");
        self.deployments.borrow_mut().push(Deployment {
            id: format!("Dep-{number}"),
            release_id: format!("Rel-{version}"),
            environment_id: format!("Env-{environment}"),
            task_id: task_id.clone(),
        });
        self.tasks.borrow_mut().push(Task {
            id: task_id,
            completed: state.is_final(),
            state,
            description: String::new(),
            duration: None,
            duration_seconds: None,
            error_message: None,
            has_pending_interruptions: false,
        });
    }

    /// Environments `names` and lifecycle `Standard`: Dev (automatic), then Test, then Prod.
    pub fn with_standard_lifecycle(names: &[&str], versions: &[&str]) -> MemoryServer {
        let phase = |name: &str, automatic: bool| Phase {
            name: name.into(),
            automatic: if automatic { vec![format!("Env-{name}")] } else { Vec::new() },
            optional: if automatic { Vec::new() } else { vec![format!("Env-{name}")] },
            ..Phase::default()
        };
        MemoryServer {
            lifecycle: Some(Lifecycle {
                name: "Standard".into(),
                phases: vec![phase("Dev", true), phase("Test", false), phase("Prod", false)],
            }),
            ..MemoryServer::new(names, versions)
        }
    }

    pub fn environment(&self, name: &str) -> Environment {
        self.environments.iter().find(|e| e.name == name).cloned().unwrap()
    }
}

impl DeploymentServer for MemoryServer {
    type Error = NotFound;

    async fn find_project(&self, name: &str) -> Result<Project, NotFound> {
        (self.project.name == name).then(|| self.project.clone()).ok_or_else(|| NotFound(name.to_owned()))
    }

    async fn environments(&self) -> Result<Vec<Environment>, NotFound> {
        Ok(self.environments.clone())
    }

    async fn find_environments(&self, names: &[String]) -> Result<Vec<Environment>, NotFound> {
        names
            .iter()
            .map(|n| {
                self.environments.iter().find(|e| &e.name == n).cloned().ok_or_else(|| NotFound(n.clone()))
            })
            .collect()
    }

    async fn find_release(&self, _: &Project, version: &str) -> Result<Option<Release>, NotFound> {
        Ok(self.releases.borrow().iter().find(|r| r.version == version).cloned())
    }

    async fn release(&self, id: &str) -> Result<Release, NotFound> {
        self.releases.borrow().iter().find(|r| r.id == id).cloned().ok_or_else(|| NotFound(id.to_owned()))
    }

    async fn releases(&self, _: &Project) -> Result<Vec<Release>, NotFound> {
        Ok(self.releases.borrow().clone())
    }

    /// Package `ID.VERSION.zip`; a second push of the same name is kept or replaced by `if_exists`
    /// (the memory server compares names only).
    async fn push_package(&self, file: &Path, if_exists: IfExists) -> Result<PushedPackage, NotFound> {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let parsed =
            ferry_core::package_id::parse_package_file_name(&name).map_err(|_| NotFound(name.clone()))?;
        let (id, version) = (parsed.id.to_string(), parsed.version.to_string());
        self.writes.borrow_mut().push(format!("push {id} {version}"));
        let mut packages = self.packages.borrow_mut();
        let existing = packages.iter().position(|p| p.package_id == id && p.version == version);
        let status = match (existing, if_exists) {
            (None, _) => PushStatus::Created,
            (Some(_), IfExists::Fail) => return Err(NotFound(format!("{name} exists"))),
            (Some(_), IfExists::Ignore) => PushStatus::Ignored,
            (Some(_), IfExists::Overwrite) => PushStatus::Overwritten,
        };
        let pushed = PushedPackage { path: file.to_owned(), package_id: id, version, status };
        packages.retain(|p| !(p.package_id == pushed.package_id && p.version == pushed.version));
        packages.push(pushed.clone());
        Ok(pushed)
    }

    async fn push_build_information(
        &self,
        package_id: &str,
        version: &str,
        info: &BuildInformation,
        _: IfExists,
    ) -> Result<StoredBuildInformation, NotFound> {
        self.writes.borrow_mut().push(format!("build-information {package_id} {version}"));
        let mut all = self.build_information.borrow_mut();
        let stored = StoredBuildInformation {
            id: format!("BuildInformation-{}", all.len() + 1),
            package_id: package_id.to_owned(),
            version: version.to_owned(),
            info: info.clone(),
        };
        all.push(stored.clone());
        Ok(stored)
    }

    async fn build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>, NotFound> {
        let all = self.build_information.borrow();
        Ok(all.iter().rev().find(|b| b.package_id == package_id && b.version == version).cloned())
    }

    async fn previous_build_information(
        &self,
        package_id: &str,
        version: &str,
    ) -> Result<Option<StoredBuildInformation>, NotFound> {
        let below = |b: &&StoredBuildInformation| {
            ferry_core::version::compare_text(&b.version, version) == std::cmp::Ordering::Less
        };
        let all = self.build_information.borrow();
        Ok(all
            .iter()
            .filter(|b| b.package_id == package_id)
            .filter(below)
            .max_by(|a, b| ferry_core::version::compare_text(&a.version, &b.version))
            .cloned())
    }

    /// Creates the release, then deploys it to the lifecycle's first phase's automatic
    /// environments, as a server with a lifecycle does.
    async fn create_release(&self, request: &ReleaseRequest) -> Result<CreatedRelease, NotFound> {
        let version = request.version.clone().ok_or_else(|| NotFound("a version".into()))?;
        if let Some(release) = self.releases.borrow().iter().find(|r| r.version == version).cloned() {
            if !request.use_existing {
                return Err(NotFound(format!("release {version} exists")));
            }
            return Ok(CreatedRelease {
                release,
                existing: true,
                channel: String::new(),
                packages: Vec::new(),
                automatic_deployments: Vec::new(),
            });
        }
        self.writes.borrow_mut().push(format!("release {version}"));
        let release = Release { id: format!("Rel-{version}"), version };
        self.releases.borrow_mut().push(release.clone());
        let automatic: Vec<String> = self
            .lifecycle
            .as_ref()
            .and_then(|l| l.phases.first())
            .map(|p| p.automatic.iter().filter_map(|id| id.strip_prefix("Env-").map(str::to_owned)).collect())
            .unwrap_or_default();
        let mut automatic_deployments = Vec::new();
        for name in automatic {
            self.deployed(&release.version, &name, TaskState::Success);
            let last = self.deployments.borrow().last().cloned().unwrap();
            automatic_deployments.push(StartedDeployment {
                environment: name,
                deployment_id: last.id,
                task_id: last.task_id,
            });
        }
        Ok(CreatedRelease {
            release,
            existing: false,
            channel: String::new(),
            packages: Vec::new(),
            automatic_deployments,
        })
    }

    async fn deployments(
        &self,
        _: &Project,
        environment: Option<&Environment>,
    ) -> Result<Vec<Deployment>, NotFound> {
        let all = self.deployments.borrow();
        Ok(all
            .iter()
            .rev()
            .filter(|d| environment.is_none_or(|e| e.id == d.environment_id))
            .cloned()
            .collect())
    }

    async fn deploy(&self, request: &DeployRequest) -> Result<Vec<StartedDeployment>, NotFound> {
        let names: Vec<String> = request.environments.iter().map(|e| e.name.clone()).collect();
        self.writes.borrow_mut().push(format!("deploy {}", names.join(",")));
        self.deploy_calls.borrow_mut().push(names.clone());
        let state = self.new_task_state.clone().unwrap_or(TaskState::Success);
        let mut started = Vec::new();
        for name in names {
            self.deployed(&request.release.version, &name, state.clone());
            let last = self.deployments.borrow().last().cloned().unwrap();
            started.push(StartedDeployment {
                environment: name,
                deployment_id: last.id,
                task_id: last.task_id,
            });
        }
        Ok(started)
    }

    async fn task(&self, id: &str) -> Result<Task, NotFound> {
        self.task_reads.set(self.task_reads.get() + 1);
        self.tasks.borrow().iter().find(|t| t.id == id).cloned().ok_or_else(|| NotFound(id.to_owned()))
    }

    async fn task_log(&self, id: &str) -> Result<String, NotFound> {
        Ok(self.logs.borrow().get(id).cloned().unwrap_or_default())
    }

    async fn cancel_task(&self, id: &str) -> Result<(), NotFound> {
        let mut tasks = self.tasks.borrow_mut();
        let task = tasks.iter_mut().find(|t| t.id == id).ok_or_else(|| NotFound(id.to_owned()))?;
        task.state = TaskState::Canceled;
        task.completed = true;
        Ok(())
    }

    async fn lifecycle(&self, _: &Project, _: Option<&str>) -> Result<Option<Lifecycle>, NotFound> {
        Ok(self.lifecycle.clone())
    }

    async fn progression(&self, _: &Release) -> Result<Vec<Phase>, NotFound> {
        Ok(self.lifecycle.as_ref().map(|l| l.phases.clone()).unwrap_or_default())
    }
}

/// Run a future to completion on a current-thread runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(future)
}
