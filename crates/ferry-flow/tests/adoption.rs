//! Which deployments a run follows instead of repeating, against an in-memory server.

mod support;

use ferry_flow::adoption::{EarlierDeployments, automatic_targets, plan_reuse, sort_by_targets};
use ferry_flow::model::TaskState::{Executing, Failed, Success};
use ferry_flow::model::{Lifecycle, Phase, Release, StartedDeployment};
use support::{MemoryServer, block_on};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

fn release(version: &str) -> Release {
    Release { id: format!("Rel-{version}"), version: version.into() }
}

fn reused_environments(server: &MemoryServer, earlier: EarlierDeployments) -> (Vec<String>, Vec<String>) {
    let targets = names(&["Dev", "Test", "Prod"]);
    let plan = block_on(plan_reuse(server, &server.project, &release("1.0.0"), earlier, &targets)).unwrap();
    (plan.reused.iter().map(|r| r.deployment.environment.clone()).collect(), plan.to_deploy)
}

#[test]
fn a_rerun_follows_the_deployments_that_did_not_fail_and_deploys_the_rest() {
    let server = MemoryServer::new(&["Dev", "Test", "Prod"], &["1.0.0", "0.9.0"]);
    server.deployed("1.0.0", "Dev", Success);
    server.deployed("1.0.0", "Test", Failed);
    server.deployed("0.9.0", "Prod", Success); // another release: not this run's
    let (reused, to_deploy) = reused_environments(&server, EarlierDeployments::FromAnEarlierRun);
    assert_eq!(reused, names(&["Dev"]));
    assert_eq!(to_deploy, names(&["Test", "Prod"]));
}

#[test]
fn the_latest_deployment_to_an_environment_decides() {
    let server = MemoryServer::new(&["Dev", "Test", "Prod"], &["1.0.0"]);
    server.deployed("1.0.0", "Dev", Failed);
    server.deployed("1.0.0", "Dev", Executing);
    server.deployed("1.0.0", "Test", Success);
    server.deployed("1.0.0", "Test", Failed);
    let (reused, to_deploy) = reused_environments(&server, EarlierDeployments::Automatic);
    assert_eq!(reused, names(&["Dev"]));
    assert_eq!(to_deploy, names(&["Test", "Prod"]));
}

#[test]
fn replaced_package_bytes_mean_every_target_is_deployed_again() {
    let server = MemoryServer::new(&["Dev", "Test", "Prod"], &["1.0.0"]);
    server.deployed("1.0.0", "Dev", Success);
    let (reused, to_deploy) = reused_environments(&server, EarlierDeployments::OfReplacedBytes);
    assert!(reused.is_empty());
    assert_eq!(to_deploy, names(&["Dev", "Test", "Prod"]));
    assert_eq!(EarlierDeployments::of(true, true), EarlierDeployments::OfReplacedBytes);
    assert_eq!(EarlierDeployments::of(false, true), EarlierDeployments::Automatic);
    assert_eq!(EarlierDeployments::of(true, false), EarlierDeployments::FromAnEarlierRun);
}

#[test]
fn automatic_targets_are_the_automatic_environments_of_entered_required_phases() {
    let mut server = MemoryServer::new(&["Dev", "QA", "Test", "Prod"], &["1.0.0"]);
    let phase = |automatic: &[&str], optional: &[&str], is_optional: bool, entered: bool| Phase {
        automatic: automatic.iter().map(|n| format!("Env-{n}")).collect(),
        optional: optional.iter().map(|n| format!("Env-{n}")).collect(),
        is_optional,
        entered,
        ..Phase::default()
    };
    server.lifecycle = Some(Lifecycle {
        name: "Standard".into(),
        phases: vec![
            phase(&["Dev"], &["Test"], false, true),
            phase(&["QA"], &[], true, true),
            phase(&["Prod"], &[], false, false),
        ],
    });
    let targets = block_on(automatic_targets(&server, &release("1.0.0"))).unwrap();
    assert_eq!(targets, names(&["Dev"]));
}

#[test]
fn deployments_are_reported_in_the_order_of_the_targets() {
    let started = |environment: &str| StartedDeployment {
        environment: environment.into(),
        deployment_id: String::new(),
        task_id: String::new(),
    };
    let mut all = vec![started("Other"), started("prod"), started("Dev")];
    sort_by_targets(&mut all, &names(&["Dev", "Prod"]));
    let order: Vec<&str> = all.iter().map(|d| d.environment.as_str()).collect();
    assert_eq!(order, ["Dev", "prod", "Other"]);
}
