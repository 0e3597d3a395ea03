//! The lifecycle pre-check of a run, against an in-memory server.

mod support;

use ferry_flow::lifecycle_guard::{Reach, check_new_release};
use support::{MemoryServer, block_on};

fn check(server: &MemoryServer, version: &str, targets: &[&str], in_order: bool) -> Reach {
    let targets: Vec<String> = targets.iter().map(|t| (*t).to_owned()).collect();
    block_on(check_new_release(server, &server.project, version, None, &targets, in_order)).unwrap()
}

#[test]
fn a_new_release_is_refused_a_later_phase_with_the_environments_named_to_deploy_first() {
    let server = MemoryServer::with_standard_lifecycle(&["Dev", "Test", "Prod", "Elsewhere"], &[]);
    assert_eq!(
        check(&server, "1.0.0", &["Prod"], true),
        Reach::AfterOthers {
            target: "Prod".into(),
            lifecycle: "Standard".into(),
            first: vec!["Dev".into(), "Test".into()],
        }
    );
    assert_eq!(check(&server, "1.0.0", &["Dev", "Test", "Prod"], true), Reach::Open);
    assert_eq!(
        check(&server, "1.0.0", &["Elsewhere"], true),
        Reach::NotInLifecycle { target: "Elsewhere".into(), lifecycle: "Standard".into() }
    );
}

#[test]
fn an_existing_release_or_no_lifecycle_leaves_the_decision_to_the_server() {
    let server = MemoryServer::with_standard_lifecycle(&["Dev", "Test", "Prod", "Elsewhere"], &["1.0.0"]);
    assert_eq!(check(&server, "1.0.0", &["Prod"], false), Reach::Open);
    let mut open = MemoryServer::with_standard_lifecycle(&["Dev", "Test", "Prod", "Elsewhere"], &[]);
    open.lifecycle = None;
    assert_eq!(check(&open, "2.0.0", &["Prod"], false), Reach::Open);
}

#[test]
fn an_unknown_target_is_the_servers_not_found_error() {
    let server = MemoryServer::with_standard_lifecycle(&["Dev", "Test", "Prod", "Elsewhere"], &[]);
    let targets = vec!["Nowhere".to_owned()];
    let result = block_on(check_new_release(&server, &server.project, "1.0.0", None, &targets, false));
    assert_eq!(result.unwrap_err().0, "Nowhere");
}
