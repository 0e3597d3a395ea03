//! `ship`'s plan against an in-memory server: computed from reads alone, with the lifecycle's
//! refusal before anything is written.

mod support;

use ferry_flow::lifecycle_guard::Reach;
use ferry_flow::model::IfExists;
use ferry_flow::ship::{PlanError, ShipRequest, Targets, plan};
use support::{MemoryServer, block_on};

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
