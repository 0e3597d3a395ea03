//! Which release promote picks and rollback returns to, against an in-memory server.

mod support;

use ferry_flow::model::TaskState::{Canceled, Executing, Failed, Queued, Success};
use ferry_flow::selection::{PromoteFrom, Promotion, Rollback, promotion_candidate, rollback_target};
use support::{MemoryServer, block_on};

fn promoted(server: &MemoryServer, environment: &str, from: PromoteFrom) -> Promotion {
    let environment = server.environment(environment);
    block_on(promotion_candidate(server, &server.project, &environment, from)).unwrap()
}

fn version(promotion: Promotion) -> String {
    match promotion {
        Promotion::Promote(release) => release.version,
        other => panic!("expected a release to promote, got {other:?}"),
    }
}

#[test]
fn promote_takes_the_current_release_not_the_highest_version_that_succeeded() {
    let server = MemoryServer::new(&["Test"], &["1.2.0", "1.10.0", "2.0.0", "1.9.0"]);
    server.deployed("1.2.0", "Test", Success);
    server.deployed("1.10.0", "Test", Success);
    server.deployed("2.0.0", "Test", Failed);
    server.deployed("1.9.0", "Test", Success);
    // 1.9.0 was deployed last and succeeded: it is what runs in Test.
    assert_eq!(version(promoted(&server, "Test", PromoteFrom::Current)), "1.9.0");
}

#[test]
fn promote_never_takes_a_release_that_was_rolled_back() {
    let server = MemoryServer::new(&["Test"], &["1.0.0", "2.0.0"]);
    server.deployed("1.0.0", "Test", Success);
    server.deployed("2.0.0", "Test", Success);
    server.deployed("2.0.0", "Test", Failed);
    // Rolled back: 1.0.0 runs in Test again, though 2.0.0 once succeeded there.
    server.deployed("1.0.0", "Test", Success);
    assert_eq!(version(promoted(&server, "Test", PromoteFrom::Current)), "1.0.0");
    assert_eq!(version(promoted(&server, "Test", PromoteFrom::LatestSuccessful)), "1.0.0");
}

#[test]
fn promote_refuses_a_current_release_that_failed_unless_asked_for_the_latest_successful() {
    let server = MemoryServer::new(&["Test"], &["1.0.0", "1.1.0"]);
    server.deployed("1.0.0", "Test", Success);
    server.deployed("1.1.0", "Test", Failed);
    let refused = promoted(&server, "Test", PromoteFrom::Current);
    assert!(
        matches!(&refused, Promotion::CurrentUnsuccessful { current, state: Failed } if current.version == "1.1.0"),
        "{refused:?}"
    );
    assert_eq!(version(promoted(&server, "Test", PromoteFrom::LatestSuccessful)), "1.0.0");
    server.deployed("1.1.0", "Test", Canceled);
    assert!(matches!(
        promoted(&server, "Test", PromoteFrom::Current),
        Promotion::CurrentUnsuccessful { state: Canceled, .. }
    ));
}

#[test]
fn promote_skips_deployments_still_queued_or_running() {
    let server = MemoryServer::new(&["Test"], &["1.0.0", "2.0.0"]);
    server.deployed("1.0.0", "Test", Success);
    server.deployed("2.0.0", "Test", Executing);
    server.deployed("2.0.0", "Test", Queued);
    assert_eq!(version(promoted(&server, "Test", PromoteFrom::Current)), "1.0.0");
}

#[test]
fn promote_latest_successful_is_the_newest_deployed_not_the_highest_version() {
    let server = MemoryServer::new(&["Test"], &["1.10.0", "1.9.0", "3.0.0"]);
    server.deployed("1.10.0", "Test", Success);
    server.deployed("1.9.0", "Test", Success);
    server.deployed("3.0.0", "Test", Failed);
    assert_eq!(version(promoted(&server, "Test", PromoteFrom::LatestSuccessful)), "1.9.0");
}

#[test]
fn promote_finds_nothing_where_nothing_ended_or_succeeded() {
    let server = MemoryServer::new(&["Test", "Prod"], &["1.0.0"]);
    assert_eq!(promoted(&server, "Test", PromoteFrom::Current), Promotion::NoDeployment);
    server.deployed("1.0.0", "Test", Failed);
    server.deployed("1.0.0", "Prod", Success);
    assert_eq!(promoted(&server, "Test", PromoteFrom::LatestSuccessful), Promotion::NoDeployment);
}

#[test]
fn promote_reads_the_states_of_a_few_recent_deployments_only() {
    let server = MemoryServer::new(&["Test"], &["1.0.0"]);
    for _ in 0..500 {
        server.deployed("1.0.0", "Test", Success);
    }
    assert_eq!(version(promoted(&server, "Test", PromoteFrom::Current)), "1.0.0");
    let reads = server.task_reads.get();
    assert!(reads <= 10, "{reads} task states read to find the current release");
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
