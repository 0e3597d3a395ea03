//! The order in which one run deploys to several environments.

/// Deploy to `targets` with `deploy_batch`: all at once without `wait`; with `wait`, one
/// environment after the other in the order given, so a lifecycle that wants Development before
/// Test is satisfied, stopping after the first batch with a result that did not `succeed`.
pub async fn in_order<T, E>(
    targets: &[String],
    wait: bool,
    mut deploy_batch: impl AsyncFnMut(&[String]) -> Result<Vec<T>, E>,
    succeeded: impl Fn(&T) -> bool,
) -> Result<Vec<T>, E> {
    if !wait || targets.len() <= 1 {
        return deploy_batch(targets).await;
    }
    let mut results = Vec::new();
    for target in targets {
        let mut batch = deploy_batch(std::slice::from_ref(target)).await?;
        let stop = !batch.iter().all(&succeeded);
        results.append(&mut batch);
        if stop {
            break;
        }
    }
    Ok(results)
}
