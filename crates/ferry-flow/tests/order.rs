//! Deploying to several environments in one run.

mod support;

use ferry_flow::order::in_order;
use support::block_on;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

/// Deploy with `in_order`, each environment succeeding unless it is `failing`; returns the batches.
fn run(targets: &[&str], wait: bool, failing: &str) -> (Vec<Vec<String>>, Vec<(String, bool)>) {
    let mut batches = Vec::new();
    let results = block_on(in_order(
        &names(targets),
        wait,
        async |batch: &[String]| {
            batches.push(batch.to_vec());
            Ok::<_, ()>(batch.iter().map(|env| (env.clone(), env != failing)).collect::<Vec<_>>())
        },
        |(_, ok)| *ok,
    ))
    .unwrap();
    (batches, results)
}

#[test]
fn without_wait_every_environment_is_deployed_at_once() {
    let (batches, results) = run(&["Dev", "Test"], false, "Dev");
    assert_eq!(batches, vec![names(&["Dev", "Test"])]);
    assert_eq!(results.len(), 2);
}

#[test]
fn with_wait_environments_go_one_by_one_and_stop_at_the_first_that_does_not_succeed() {
    let (batches, results) = run(&["Dev", "Test", "Prod"], true, "Test");
    assert_eq!(batches, vec![names(&["Dev"]), names(&["Test"])]);
    assert_eq!(results, vec![("Dev".into(), true), ("Test".into(), false)]);
    let (batches, _) = run(&["Dev", "Test", "Prod"], true, "");
    assert_eq!(batches.len(), 3);
}
