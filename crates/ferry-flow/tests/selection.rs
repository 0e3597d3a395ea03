//! Which release promote picks and rollback returns to, against an in-memory server.

mod support;

use ferry_flow::model::TaskState::{Executing, Failed, Queued, Success};
use ferry_flow::selection::{Rollback, promotion_candidate, rollback_target};
use support::{MemoryServer, block_on};

#[test]
fn promote_takes_the_highest_version_that_succeeded_not_the_latest_deployed() {
    let server = MemoryServer::new(&["Test"], &["1.2.0", "1.10.0", "2.0.0", "1.9.0"]);
    server.deployed("1.2.0", "Test", Success);
    server.deployed("1.10.0", "Test", Success);
    server.deployed("2.0.0", "Test", Failed);
    server.deployed("1.9.0", "Test", Success);
    let test = server.environment("Test");
    let picked = block_on(promotion_candidate(&server, &server.project, &test)).unwrap();
    // 1.10.0 > 1.9.0 by version, though 1.9.0 was deployed last and 2.0.0 failed.
    assert_eq!(picked.map(|r| r.version).as_deref(), Some("1.10.0"));
}

#[test]
fn promote_finds_nothing_where_nothing_succeeded() {
    let server = MemoryServer::new(&["Test", "Prod"], &["1.0.0"]);
    server.deployed("1.0.0", "Test", Failed);
    server.deployed("1.0.0", "Prod", Success);
    let test = server.environment("Test");
    assert_eq!(block_on(promotion_candidate(&server, &server.project, &test)).unwrap(), None);
}

#[test]
fn rollback_returns_to_the_last_other_release_that_succeeded() {
    let server = MemoryServer::new(&["Prod"], &["1.0.0", "1.1.0", "1.2.0"]);
    server.deployed("1.0.0", "Prod", Success);
    server.deployed("1.1.0", "Prod", Success);
    server.deployed("1.2.0", "Prod", Failed);
    server.deployed("1.2.0", "Prod", Success);
    let prod = server.environment("Prod");
    let Rollback::To { current, previous } =
        block_on(rollback_target(&server, &server.project, &prod)).unwrap()
    else {
        panic!("expected a rollback target");
    };
    assert_eq!((current.version.as_str(), previous.version.as_str()), ("1.2.0", "1.1.0"));
}

#[test]
fn rollback_ignores_deployments_still_queued_or_running_when_naming_the_current_release() {
    let server = MemoryServer::new(&["Prod"], &["1.0.0", "1.1.0", "1.2.0"]);
    server.deployed("1.0.0", "Prod", Success);
    server.deployed("1.1.0", "Prod", Failed);
    server.deployed("1.2.0", "Prod", Executing);
    server.deployed("1.2.0", "Prod", Queued);
    let prod = server.environment("Prod");
    let target = block_on(rollback_target(&server, &server.project, &prod)).unwrap();
    let Rollback::To { current, previous } = target else { panic!("expected a rollback target: {target:?}") };
    // The current release is the failed 1.1.0; back to 1.0.0.
    assert_eq!((current.version.as_str(), previous.version.as_str()), ("1.1.0", "1.0.0"));
}

#[test]
fn rollback_says_when_there_is_nothing_to_return_to() {
    let server = MemoryServer::new(&["Prod"], &["1.0.0"]);
    let prod = server.environment("Prod");
    assert_eq!(block_on(rollback_target(&server, &server.project, &prod)).unwrap(), Rollback::NoDeployment);
    server.deployed("1.0.0", "Prod", Success);
    server.deployed("1.0.0", "Prod", Success);
    let target = block_on(rollback_target(&server, &server.project, &prod)).unwrap();
    assert!(matches!(target, Rollback::NothingEarlier { current } if current.version == "1.0.0"));
}
