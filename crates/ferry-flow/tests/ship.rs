//! `ship`'s plan against an in-memory server: computed from reads alone, with the lifecycle's
//! refusal before anything is written.

mod support;

use std::path::Path;

use ferry_flow::lifecycle_guard::Reach;
use ferry_flow::model::{BuildInformation, IfExists, StoredBuildInformation};
use ferry_flow::ship::{
    PlanError, PublishError, ShipEvent, ShipPlan, ShipReporter, ShipRequest, Targets, plan, publish,
};
use support::{MemoryServer, NotFound, block_on};

fn server(releases: &[&str]) -> MemoryServer {
    MemoryServer::with_standard_lifecycle(&["Dev", "Test", "Prod"], releases)
}

fn request(targets: &[&str], wait: bool) -> ShipRequest {
    ShipRequest {
        project: "App".into(),
        package_id: "App".into(),
        version: "1.0.0".into(),
        targets: targets.iter().map(|t| (*t).to_owned()).collect(),
        wait,
        ..ShipRequest::default()
    }
}

#[test]
fn a_target_the_lifecycle_does_not_let_a_new_release_reach_is_refused_with_nothing_written() {
    let server = server(&[]);
    let refused = block_on(plan(&server, &request(&["Prod"], true))).unwrap_err();
    let PlanError::Refused { project, reach } = refused else { panic!("expected a refusal: {refused:?}") };
    assert_eq!(project.name, "App");
    assert_eq!(
        reach,
        Reach::AfterOthers {
            target: "Prod".into(),
            lifecycle: "Standard".into(),
            first: vec!["Dev".into(), "Test".into()]
        }
    );
    assert!(server.writes.borrow().is_empty(), "{:?}", server.writes.borrow());
}

#[test]
fn the_plan_names_the_targets_in_order_and_writes_nothing() {
    let server = server(&[]);
    let planned = block_on(plan(&server, &request(&["Dev", "Test", "Prod"], true))).unwrap();
    let names: Vec<&str> = planned.targets.environments().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Dev", "Test", "Prod"]);
    assert!(matches!(planned.targets, Targets::Named(_)));
    assert_eq!(planned.existing_release, None);
    assert!(!planned.release_conflicts());
    assert!(server.writes.borrow().is_empty(), "{:?}", server.writes.borrow());
}

#[test]
fn without_targets_a_new_release_goes_where_the_first_phase_deploys_by_itself() {
    let server = server(&[]);
    let planned = block_on(plan(&server, &request(&[], false))).unwrap();
    assert_eq!(planned.targets, Targets::Automatic(vec![server.environment("Dev")]));
}

#[test]
fn an_existing_release_is_planned_as_used_and_conflicts_only_with_if_exists_fail() {
    let server = server(&["1.0.0"]);
    let planned = block_on(plan(&server, &request(&["Prod"], false))).unwrap();
    assert_eq!(planned.existing_release.as_ref().map(|r| r.id.as_str()), Some("Rel-1.0.0"));
    assert!(planned.release_conflicts());
    let ignoring = ShipRequest { if_exists: IfExists::Ignore, ..request(&["Prod"], false) };
    assert!(!block_on(plan(&server, &ignoring)).unwrap().release_conflicts());
}

/// Collects the events' kinds, as a terminal would show them.
#[derive(Default)]
struct Events(std::cell::RefCell<Vec<String>>);

impl ShipReporter<NotFound> for Events {
    fn report(&self, event: ShipEvent<'_, NotFound>) {
        let line = match event {
            ShipEvent::Pushed(package) => {
                format!("pushed {} {}", package.package_id, package.status.as_str())
            }
            ShipEvent::PreviousBuild(previous) => format!("previous {}", previous.version),
            ShipEvent::PreviousBuildUnreadable(err) => format!("unreadable {err}"),
            ShipEvent::BuildInformationPushed(stored) => format!("build information {}", stored.version),
            ShipEvent::Adopted { reused, .. } => format!("adopted {}", reused.deployment.environment),
            ShipEvent::Deploying { deployment, .. } => format!("deploying {}", deployment.environment),
        };
        self.0.borrow_mut().push(line);
    }
}

fn info(commit: &str) -> BuildInformation {
    BuildInformation { vcs_commit_number: commit.into(), ..BuildInformation::default() }
}

#[test]
fn publish_pushes_then_records_build_information_from_the_previous_build_then_creates_the_release() {
    let server = server(&[]);
    server.build_information.borrow_mut().push(StoredBuildInformation {
        id: "BuildInformation-0".into(),
        package_id: "App".into(),
        version: "0.9.0".into(),
        info: info("aaa111"),
    });
    let planned =
        block_on(plan(&server, &ShipRequest { range_from_server: true, ..request(&[], false) })).unwrap();
    let events = Events::default();
    let seen = std::cell::RefCell::new(None);
    let collect = |previous: Option<String>| {
        *seen.borrow_mut() = previous;
        Ok::<_, String>(info("bbb222"))
    };
    let published =
        block_on(publish(&server, &planned, Path::new("out/App.1.0.0.zip"), collect, &events)).unwrap();
    assert_eq!(seen.borrow().as_deref(), Some("aaa111"), "the commit range starts at the previous build");
    assert_eq!(*server.writes.borrow(), ["push App 1.0.0", "build-information App 1.0.0", "release 1.0.0"]);
    assert_eq!(*events.0.borrow(), ["pushed App created", "previous 0.9.0", "build information 1.0.0"]);
    assert_eq!(published.release.release.version, "1.0.0");
    assert!(!published.release.existing);
    assert_eq!(published.release.automatic_deployments[0].environment, "Dev");
    assert_eq!(published.build_information.info.vcs_commit_number, "bbb222");
}

#[test]
fn publish_stops_at_the_first_refusal_and_writes_nothing_after_it() {
    let server = server(&[]);
    let planned = block_on(plan(&server, &request(&[], false))).unwrap();
    let file = Path::new("out/App.1.0.0.zip");
    block_on(publish(&server, &planned, file, |_| Ok::<_, String>(info("c")), &Events::default())).unwrap();
    server.writes.borrow_mut().clear();
    // The same version again with --if-exists fail: the push is refused, nothing follows it.
    let again =
        block_on(publish(&server, &planned, file, |_| Ok::<_, String>(info("c")), &Events::default()));
    assert!(matches!(again, Err(PublishError::Server(_))));
    assert_eq!(*server.writes.borrow(), ["push App 1.0.0"]);
    // A collection that fails stops before the build information is pushed.
    let ignoring = ShipPlan { if_exists: IfExists::Ignore, ..planned };
    server.writes.borrow_mut().clear();
    let failed =
        block_on(publish(&server, &ignoring, file, |_| Err("no git".to_owned()), &Events::default()));
    assert!(matches!(failed, Err(PublishError::Collect(message)) if message == "no git"));
    assert_eq!(*server.writes.borrow(), ["push App 1.0.0"]);
}

#[test]
fn a_batch_follows_an_earlier_runs_deployment_and_deploys_only_the_other_targets() {
    use ferry_flow::adoption::EarlierDeployments;
    use ferry_flow::model::TaskState;
    use ferry_flow::ship::{Batch, start_batch};

    let server = server(&["1.0.0"]);
    server.deployed("1.0.0", "Dev", TaskState::Success);
    let release = server.releases.borrow()[0].clone();
    let batch = Batch {
        project: &server.project,
        release: &release,
        earlier: EarlierDeployments::FromAnEarlierRun,
        tenants: &[],
        variables: &[],
    };
    let events = Events::default();
    let targets = ["Dev".to_owned(), "Test".to_owned()];
    let started = block_on(start_batch(&server, batch, &targets, &events)).unwrap();
    let environments: Vec<&str> = started.iter().map(|d| d.environment.as_str()).collect();
    assert_eq!(environments, ["Dev", "Test"]);
    assert_eq!(*server.deploy_calls.borrow(), [vec!["Test".to_owned()]]);
    assert_eq!(*events.0.borrow(), ["adopted Dev", "deploying Test"]);
}
