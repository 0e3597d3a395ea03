//! ferry-github against the fake GitHub of ferry-testkit, which judges every request by GitHub's
//! published OpenAPI description (`@octokit/openapi`; `source tests/github/env.sh` first). Each
//! test ends by asserting that the fake saw nothing the description does not allow.
//!
//! The fake is laid out as GitHub Enterprise Server (API at `/api/v3`, uploads at `/api/uploads`),
//! so every test also covers `--server https://HOST/OWNER/REPO` and octocrab's base-path joining.

use std::time::{Duration, Instant};

use bytes::Bytes;
use ferry_core::build_info::BuildInformation;
use ferry_core::if_exists::IfExists;
use ferry_core::version::Version;
use ferry_github::{
    AssetContent, ClientOptions, Deployment, DeploymentState, ErrorKind, GitHubClient, GitHubError,
    GitHubTarget, NewDeployment, NewRelease, NewStatus, PushOutcome, Release, RetryPolicy, TagFormat, Token,
    TokenSource, Wait,
};
use ferry_testkit::github::{Denied, FAKE_TOKEN, FakeGitHub, Fault};

const SHA: &str = "3f786850e387550fdab836ed7e6dc881de23001b";

fn fake() -> FakeGitHub {
    FakeGitHub::start("acme", "shop")
}

fn client(fake: &FakeGitHub) -> GitHubClient {
    client_with(fake, FAKE_TOKEN)
}

fn client_with(fake: &FakeGitHub, token: &str) -> GitHubClient {
    let target = GitHubTarget::parse(&format!("{}/acme/shop", fake.origin()), |_| None).unwrap();
    assert_eq!(target.api_url, fake.api_url(), "an Enterprise Server URL puts the API at /api/v3");
    let options = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 4,
            max_wait: Duration::from_secs(5),
            backoff: Duration::from_millis(20),
        },
        ..ClientOptions::default()
    };
    GitHubClient::new(target, Token::new(token, TokenSource::Env("GITHUB_TOKEN")), options).unwrap()
}

fn assert_clean(fake: &FakeGitHub) {
    let violations = fake.violations();
    assert!(
        violations.is_empty(),
        "requests GitHub's description does not allow:\n{}",
        violations.join("\n")
    );
}

fn version(text: &str) -> Version {
    text.parse().unwrap()
}

async fn try_draft(client: &GitHubClient, text: &str) -> Result<Release, GitHubError> {
    let version = version(text);
    let format = TagFormat::default();
    client
        .ensure_draft_release(&NewRelease {
            version: &version,
            tag_format: &format,
            commit: SHA,
            notes: Some("notes"),
        })
        .await
}

async fn draft(client: &GitHubClient, text: &str) -> Release {
    try_draft(client, text).await.unwrap()
}

async fn published(client: &GitHubClient, text: &str) -> Release {
    let release = draft(client, text).await;
    client.publish_release(&release, &version(text), &TagFormat::default(), None).await.unwrap()
}

fn zip_bytes(seed: &str) -> AssetContent {
    AssetContent::Bytes(Bytes::from(format!("PK\u{3}\u{4} package {seed}").into_bytes()))
}

fn len(content: &AssetContent) -> u64 {
    match content {
        AssetContent::Bytes(bytes) => bytes.len() as u64,
        AssetContent::File(path) => std::fs::metadata(path).unwrap().len(),
    }
}

#[tokio::test]
async fn a_release_is_drafted_filled_and_published() {
    let fake = fake();
    let client = client(&fake);
    let release = draft(&client, "1.2.0").await;
    assert!(release.draft);
    assert_eq!(release.tag_name, "v1.2.0");
    assert_eq!(release.target_commitish, SHA);
    assert!(release.upload_url.ends_with("{?name,label}"), "{}", release.upload_url);

    let push = client
        .push_asset(&release, "Shop.1.2.0.zip", "application/zip", &zip_bytes("a"), IfExists::Fail)
        .await
        .unwrap();
    assert_eq!(push.outcome, PushOutcome::Uploaded);
    assert_eq!(push.asset.size, len(&zip_bytes("a")));
    let info =
        BuildInformation { build_number: "42".into(), vcs_commit_number: SHA.into(), ..Default::default() };
    let pushed = client.push_build_information(&release, "Shop", &info, IfExists::Fail).await.unwrap();
    assert_eq!(pushed.asset.name, "buildinfo.Shop.json");
    assert_eq!(pushed.asset.content_type, "application/json");

    let release = client
        .publish_release(&release, &version("1.2.0"), &TagFormat::default(), Some("final"))
        .await
        .unwrap();
    assert!(!release.draft && !release.prerelease);
    assert_eq!(release.body.as_deref(), Some("final"));
    let found = client.find_release("v1.2.0").await.unwrap().unwrap();
    assert_eq!(found.id, release.id);
    let names: Vec<String> = found.assets.iter().map(|asset| asset.name.clone()).collect();
    assert_eq!(names, ["Shop.1.2.0.zip", "buildinfo.Shop.json"]);
    assert_clean(&fake);
}

#[tokio::test]
async fn publishing_marks_pre_releases_and_only_the_highest_stable_as_latest() {
    let fake = fake();
    let client = client(&fake);
    let two = published(&client, "2.0.0").await;
    assert_eq!(fake.latest_release_id(), Some(two.id));
    let hotfix = published(&client, "1.9.1").await;
    assert!(!hotfix.prerelease);
    assert_eq!(fake.latest_release_id(), Some(two.id), "a hotfix of an older line does not become latest");
    let beta = published(&client, "2.1.0-beta.1").await;
    assert!(beta.prerelease);
    assert_eq!(fake.latest_release_id(), Some(two.id), "a pre-release does not become latest");
    let next = published(&client, "2.1.0").await;
    assert_eq!(fake.latest_release_id(), Some(next.id));
    assert_clean(&fake);
}

#[tokio::test]
async fn a_monorepo_tag_format_is_found_by_its_tag() {
    let fake = fake();
    let client = client(&fake);
    let format = TagFormat::parse("api/v{version}").unwrap();
    let version = version("1.0.0");
    let new = NewRelease { version: &version, tag_format: &format, commit: SHA, notes: None };
    let release = client.ensure_draft_release(&new).await.unwrap();
    assert_eq!(release.tag_name, "api/v1.0.0");
    let published = client.publish_release(&release, &version, &format, None).await.unwrap();
    assert_eq!(client.find_release("api/v1.0.0").await.unwrap().unwrap().id, published.id);
    assert_eq!(client.ensure_draft_release(&new).await.unwrap().id, published.id, "a re-run adopts it");
    assert!(fake.seen().iter().any(|seen| seen.target.ends_with("/releases/tags/api%2Fv1.0.0")));
    assert_clean(&fake);
}

#[tokio::test]
async fn a_re_run_adopts_the_draft_and_leaves_identical_assets_alone() {
    let fake = fake();
    let client = client(&fake);
    let first = draft(&client, "1.0.0").await;
    client
        .push_asset(&first, "Shop.1.0.0.zip", "application/zip", &zip_bytes("a"), IfExists::Fail)
        .await
        .unwrap();
    let again = draft(&client, "1.0.0").await;
    assert_eq!(again.id, first.id);
    let push = client
        .push_asset(&again, "Shop.1.0.0.zip", "application/zip", &zip_bytes("a"), IfExists::Fail)
        .await
        .unwrap();
    assert_eq!(push.outcome, PushOutcome::Unchanged);
    assert_eq!(fake.count("repos/create-release"), 1);
    assert_eq!(fake.count("repos/upload-release-asset"), 1);
    assert_eq!(fake.releases().len(), 1);
    assert_clean(&fake);
}

#[tokio::test]
async fn different_content_under_a_taken_name_follows_if_exists() {
    let fake = fake();
    let client = client(&fake);
    let release = draft(&client, "1.0.0").await;
    let name = "Shop.1.0.0.zip";
    client.push_asset(&release, name, "application/zip", &zip_bytes("a"), IfExists::Fail).await.unwrap();

    let error = client
        .push_asset(&release, name, "application/zip", &zip_bytes("b"), IfExists::Fail)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::AlreadyExists);
    assert!(error.hints.iter().any(|hint| hint.contains("--if-exists overwrite")), "{:?}", error.hints);

    let kept = client
        .push_asset(&release, name, "application/zip", &zip_bytes("b"), IfExists::Ignore)
        .await
        .unwrap();
    assert_eq!(kept.outcome, PushOutcome::KeptExisting);
    assert_eq!(kept.asset.size, len(&zip_bytes("a")));

    let replaced = client
        .push_asset(&release, name, "application/zip", &zip_bytes("bb"), IfExists::Overwrite)
        .await
        .unwrap();
    assert_eq!(replaced.outcome, PushOutcome::Replaced);
    let assets = client.list_assets(release.id).await.unwrap();
    assert_eq!(assets.len(), 1);
    assert_eq!(assets[0].size, len(&zip_bytes("bb")));
    assert_clean(&fake);
}

#[tokio::test]
async fn without_a_digest_the_asset_is_downloaded_to_compare() {
    let fake = fake();
    fake.without_digests();
    let client = client(&fake);
    let release = draft(&client, "1.0.0").await;
    client.push_asset(&release, "a.zip", "application/zip", &zip_bytes("a"), IfExists::Fail).await.unwrap();
    let same = client
        .push_asset(&release, "a.zip", "application/zip", &zip_bytes("a"), IfExists::Fail)
        .await
        .unwrap();
    assert_eq!(same.outcome, PushOutcome::Unchanged);
    let other =
        client.push_asset(&release, "a.zip", "application/zip", &zip_bytes("z"), IfExists::Fail).await;
    assert_eq!(other.unwrap_err().kind, ErrorKind::AlreadyExists);
    assert!(fake.count("repos/get-release-asset") >= 2, "the bytes were downloaded through the API");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_lost_answer_to_create_release_leaves_one_draft() {
    let fake = fake();
    fake.inject("repos/create-release", Fault::LoseAnswer, 1);
    let client = client(&fake);
    let release = draft(&client, "3.0.0").await;
    assert_eq!(fake.count("repos/create-release"), 1, "the look-up found the draft; no second create");
    let drafts = fake.releases();
    assert_eq!(drafts.len(), 1, "{drafts:#?}");
    assert_eq!(drafts[0]["id"], release.id);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_lost_answer_to_an_upload_leaves_one_asset() {
    let fake = fake();
    let client = client(&fake);
    let release = draft(&client, "1.0.0").await;
    fake.inject("repos/upload-release-asset", Fault::LoseAnswer, 1);
    let push = client
        .push_asset(&release, "Shop.zip", "application/zip", &zip_bytes("a"), IfExists::Fail)
        .await
        .unwrap();
    assert_eq!(push.outcome, PushOutcome::Uploaded);
    assert_eq!(fake.count("repos/upload-release-asset"), 1);
    assert_eq!(client.list_assets(release.id).await.unwrap().len(), 1);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_server_error_before_the_upload_is_retried() {
    let fake = fake();
    let client = client(&fake);
    let release = draft(&client, "1.0.0").await;
    fake.inject("repos/upload-release-asset", Fault::ServerError(503), 1);
    client
        .push_asset(&release, "Shop.zip", "application/zip", &zip_bytes("a"), IfExists::Fail)
        .await
        .unwrap();
    assert_eq!(fake.count("repos/upload-release-asset"), 2);
    assert_eq!(client.list_assets(release.id).await.unwrap().len(), 1);
    assert_clean(&fake);
}

async fn try_deploy(
    client: &GitHubClient,
    release: &Release,
    text: &str,
    environment: &str,
) -> Result<Deployment, GitHubError> {
    let version = version(text);
    let urls: Vec<String> = release.assets.iter().map(|asset| asset.browser_download_url.clone()).collect();
    client
        .create_deployment(&NewDeployment {
            tag: &release.tag_name,
            version: &version,
            environment,
            asset_urls: &urls,
            production: environment == "Production",
            description: "Ferry: deploy",
        })
        .await
}

async fn deploy(client: &GitHubClient, release: &Release, text: &str, environment: &str) -> Deployment {
    try_deploy(client, release, text, environment).await.unwrap()
}

async fn succeed(client: &GitHubClient, deployment: &Deployment) {
    for state in [DeploymentState::InProgress, DeploymentState::Success] {
        let status = client
            .set_deployment_status(
                deployment,
                &NewStatus { state, log_url: Some("https://ci.example/runs/7"), description: "Ferry" },
            )
            .await
            .unwrap();
        assert_eq!(status.state, state);
        assert_eq!(status.log_url.as_deref(), Some("https://ci.example/runs/7"));
    }
}

#[tokio::test]
async fn deployments_carry_the_version_and_statuses_pick_promote_and_rollback_targets() {
    let fake = fake();
    let client = client(&fake);
    let one = published(&client, "1.0.0").await;
    client
        .push_asset(&one, "Shop.1.0.0.zip", "application/zip", &zip_bytes("1"), IfExists::Fail)
        .await
        .unwrap();
    let one = client.find_release("v1.0.0").await.unwrap().unwrap();
    let first = deploy(&client, &one, "1.0.0", "Staging").await;
    assert_eq!(first.git_ref, "v1.0.0");
    assert_eq!(first.sha, SHA);
    assert_eq!(first.version(), Some("1.0.0"));
    assert_eq!(first.payload["ferry"]["assets"][0].as_str().unwrap(), one.assets[0].browser_download_url);
    succeed(&client, &first).await;

    let two = published(&client, "1.1.0").await;
    let second = deploy(&client, &two, "1.1.0", "Staging").await;
    succeed(&client, &second).await;
    let failed = deploy(&client, &published(&client, "1.2.0").await, "1.2.0", "Staging").await;
    client
        .set_deployment_status(
            &failed,
            &NewStatus { state: DeploymentState::Failure, log_url: None, description: "x" },
        )
        .await
        .unwrap();

    assert_eq!(client.latest_successful("Staging").await.unwrap().unwrap().id, second.id);
    assert_eq!(client.previous_successful("Staging").await.unwrap().unwrap().id, first.id);
    assert!(client.latest_successful("Production").await.unwrap().is_none());
    assert_eq!(
        fake.status_states(first.id),
        ["in_progress", "success", "inactive"],
        "GitHub's auto_inactive"
    );
    assert_clean(&fake);
}

#[tokio::test]
async fn a_draft_has_no_tag_to_deploy() {
    let fake = fake();
    let client = client(&fake);
    let release = draft(&client, "1.0.0").await;
    let error = try_deploy(&client, &release, "1.0.0", "Staging").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Validation);
    assert!(error.message.contains("No ref found"), "{error}");
    assert_clean(&fake);
}

#[tokio::test]
async fn lost_answers_to_deployments_and_statuses_leave_no_duplicates() {
    let fake = fake();
    let client = client(&fake);
    let release = published(&client, "1.0.0").await;
    fake.inject("repos/create-deployment", Fault::LoseAnswer, 1);
    let deployment = deploy(&client, &release, "1.0.0", "Staging").await;
    assert_eq!(fake.deployments().len(), 1);
    assert_eq!(fake.deployments()[0]["id"], deployment.id);

    fake.inject("repos/create-deployment-status", Fault::LoseAnswer, 1);
    let status = client
        .set_deployment_status(
            &deployment,
            &NewStatus { state: DeploymentState::Success, log_url: None, description: "done" },
        )
        .await
        .unwrap();
    assert_eq!(status.state, DeploymentState::Success);
    assert_eq!(fake.status_states(deployment.id), ["success"]);
    assert_clean(&fake);
}

#[tokio::test]
async fn lists_follow_link_headers_across_pages() {
    let fake = fake();
    fake.cap_page_size(2);
    let client = client(&fake);
    let release = published(&client, "1.0.0").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(deploy(&client, &release, "1.0.0", "QA").await.id);
    }
    deploy(&client, &release, "1.0.0", "Elsewhere").await;
    let before = fake.count("repos/list-deployments");
    let listed: Vec<u64> = client.list_deployments("QA", None).await.unwrap().iter().map(|d| d.id).collect();
    ids.reverse();
    assert_eq!(listed, ids, "newest first, every page");
    assert_eq!(fake.count("repos/list-deployments") - before, 3, "5 items at 2 a page");
    let seen = fake.seen();
    assert!(
        seen.iter().any(|s| s.operation == "repos/list-deployments" && s.target.contains("page=3")),
        "{seen:#?}"
    );
    assert_clean(&fake);
}

#[tokio::test]
async fn an_external_deployer_is_waited_for_and_a_silent_one_times_out() {
    let fake = fake();
    let client = client(&fake);
    let release = published(&client, "1.0.0").await;
    let deployment = deploy(&client, &release, "1.0.0", "Production").await;
    let wait = Wait { timeout: Duration::from_secs(10), poll: Duration::from_millis(50) };
    let waiting = client.wait_for_final_status(&deployment, wait);
    let deployer = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        fake.set_status(deployment.id, "in_progress");
        tokio::time::sleep(Duration::from_millis(150)).await;
        fake.set_status(deployment.id, "failure");
    };
    let (status, ()) = tokio::join!(waiting, deployer);
    assert_eq!(status.unwrap().state, DeploymentState::Failure);

    let silent = deploy(&client, &release, "1.0.0", "Production").await;
    let started = Instant::now();
    let error = client
        .wait_for_final_status(
            &silent,
            Wait { timeout: Duration::from_millis(300), poll: Duration::from_millis(50) },
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::WaitTimedOut);
    assert!(error.hints[0].contains("`deployment` event"), "{:?}", error.hints);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_clean(&fake);
}

#[tokio::test]
async fn rate_limits_are_waited_out_by_their_headers() {
    let fake = fake();
    let client = client(&fake);
    fake.inject("repos/list-releases", Fault::PrimaryRateLimit { reset_in: 1 }, 1);
    fake.inject("repos/create-release", Fault::SecondaryRateLimit { retry_after: Some(1) }, 1);
    let started = Instant::now();
    draft(&client, "1.0.0").await;
    assert!(started.elapsed() >= Duration::from_secs(1), "waited for the reset: {:?}", started.elapsed());
    assert_eq!(fake.count("repos/create-release"), 2, "a rate-limited create was not acted upon: retried");
    assert_eq!(fake.releases().len(), 1);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_rate_limit_longer_than_the_bound_fails_at_once_with_the_reset() {
    let fake = fake();
    let client = client(&fake);
    fake.inject("repos/create-release", Fault::SecondaryRateLimit { retry_after: Some(3600) }, 1);
    let started = Instant::now();
    let error = try_draft(&client, "1.0.0").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(error.kind, ErrorKind::RateLimited);
    assert_eq!(error.retry_after, Some(Duration::from_secs(3600)));
    assert!(error.hints[0].contains("3600 s"), "{:?}", error.hints);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_403_names_the_permission_and_the_kind_of_token() {
    let fake = fake();
    fake.deny(Denied::ContentsWrite);
    let client = client(&fake);
    let error = try_draft(&client, "1.0.0").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Forbidden);
    assert!(error.hints[0].contains("permissions: contents: write"), "{:?}", error.hints);
    assert!(error.hints[0].contains("GitHub Actions"), "{:?}", error.hints);
    assert!(error.hints[1].contains("contents=write"), "{:?}", error.hints);
    assert!(!error.to_string().contains(FAKE_TOKEN) && !format!("{error:?}").contains(FAKE_TOKEN));

    let fake = self::fake();
    let client = self::client(&fake);
    let release = published(&client, "1.0.0").await;
    fake.deny(Denied::DeploymentsWrite);
    let error = try_deploy(&client, &release, "1.0.0", "Staging").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Forbidden);
    assert!(error.hints[0].contains("deployments: write"), "{:?}", error.hints);
    assert_clean(&fake);
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_not_shown() {
    let fake = fake();
    let secret = "ghp_wrongwrongwrongwrongwrongwrongwrong00";
    let client = client_with(&fake, secret);
    let error = client.list_releases().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unauthorized);
    assert!(error.hints[0].contains("classic personal access token"), "{:?}", error.hints);
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert_clean(&fake);
}

/// The answer is lost on the wire (connection reset after the fake committed the deployment),
/// not replaced by a 502: the client sees a transport error and must still not deploy twice.
#[tokio::test]
async fn a_reset_connection_after_the_deployment_was_made_leaves_one_deployment() {
    use ferry_testkit::proxy::{Fault as WireFault, FaultProxy, Match, Plan};
    let fake = fake();
    let release = published(&client(&fake), "1.0.0").await;
    let upstream = fake.origin().trim_start_matches("http://").parse().unwrap();
    let proxy = FaultProxy::start(
        upstream,
        Plan::pass().once(Match::request("POST", "/deployments"), WireFault::LoseResponse),
    )
    .unwrap();
    let target = GitHubTarget::parse(&format!("{}/acme/shop", proxy.url()), |_| None).unwrap();
    let options = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 4,
            max_wait: Duration::from_secs(5),
            backoff: Duration::from_millis(20),
        },
        ..ClientOptions::default()
    };
    let through_proxy =
        GitHubClient::new(target, Token::new(FAKE_TOKEN, TokenSource::Env("GITHUB_TOKEN")), options).unwrap();
    let deployment = deploy(&through_proxy, &release, "1.0.0", "Staging").await;
    assert_eq!(proxy.stats().count("lose-response"), 1, "the fault fired");
    assert_eq!(fake.count("repos/create-deployment"), 1);
    let all = fake.deployments();
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["id"], deployment.id);
    assert_clean(&fake);
}

/// A package is streamed from its file, and a failed attempt opens the file again.
#[tokio::test]
async fn a_package_file_is_streamed_and_compared_by_its_sha256() {
    let fake = fake();
    let client = client(&fake);
    let release = draft(&client, "1.0.0").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Shop.1.0.0.zip");
    // 3 MB that no two chunks share, so a truncated or reordered stream changes the digest.
    let bytes: Vec<u8> =
        (0u32..3 * 1024 * 1024 / 4).flat_map(|n| n.wrapping_mul(2_654_435_761).to_le_bytes()).collect();
    std::fs::write(&path, &bytes).unwrap();
    let file = AssetContent::File(path.clone());
    fake.inject("repos/upload-release-asset", Fault::ServerError(502), 1);
    let push = client
        .push_asset(&release, "Shop.1.0.0.zip", "application/zip", &file, IfExists::Fail)
        .await
        .unwrap();
    assert_eq!(push.outcome, PushOutcome::Uploaded);
    assert_eq!(push.asset.size, bytes.len() as u64);
    let expected: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes).iter().map(|byte| format!("{byte:02x}")).collect()
    };
    assert_eq!(push.asset.digest.as_deref(), Some(format!("sha256:{expected}").as_str()));
    assert_eq!(
        fake.count("repos/upload-release-asset"),
        2,
        "the failed attempt was sent again from the file"
    );
    let again = client
        .push_asset(&release, "Shop.1.0.0.zip", "application/zip", &file, IfExists::Fail)
        .await
        .unwrap();
    assert_eq!(again.outcome, PushOutcome::Unchanged);
    let missing = AssetContent::File(dir.path().join("missing.zip"));
    let error =
        client.push_asset(&release, "x.zip", "application/zip", &missing, IfExists::Fail).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Io);
    assert_clean(&fake);
}
