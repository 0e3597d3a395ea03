//! Handler tests of the web dashboard: every page over HTTP against a real server (status, key
//! content, hostile names and release notes escaped), sign-in, sessions, read-only access, CSRF.

#[path = "../server/common.rs"]
#[allow(dead_code)]
mod common;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;

use common::{CONFIG, TestServer, hello_zip, task_ids};

const HOSTILE: &str = "<script>alert('pwned')</script> & \"Co\"";

/// A browser without a cookie jar of its own: keeps the session cookie by hand, follows no
/// redirects (so tests see them).
struct Browser {
    client: reqwest::Client,
    url: String,
    cookies: Vec<String>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first hidden `csrf` field, or "" when the page has no form.
    fn csrf_or_empty(&self) -> String {
        if self.body.contains("name=\"csrf\"") { self.csrf() } else { String::new() }
    }

    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

impl Browser {
    fn new(s: &TestServer) -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { client, url: s.url.clone(), cookies: Vec::new() }
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request.header("cookie", self.cookies.join("; ")).send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        self.keep_cookies(&headers);
        Page { status, headers, body: response.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.url));
        self.send(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish());
        self.send(request).await
    }
}

/// Hello 1.0.0 with build information and hostile notes: Development succeeds (automatic),
/// Test fails. Returns (release id, failed task id).
async fn shipped(s: &TestServer) -> (String, String) {
    let (status, _) = s.push("Hello.1.0.0.zip", hello_zip("1.0.0"), "").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = s
        .post(
            "/api/Spaces-1/build-information",
            json!({"PackageId": "Hello", "Version": "1.0.0", "OctopusBuildInformation": {
                "BuildNumber": "42", "BuildUrl": "https://ci.example.org/builds/42", "Branch": "main",
                "VcsRoot": "https://git.example.org/acme/hello", "VcsCommitNumber": "0123456789abcdef",
                "Commits": [{"Id": "0123456789abcdef", "Comment": "Fix the <b>thing</b>\n\nbody", "LinkUrl": "https://git.example.org/acme/hello/commit/0123456789abcdef"},
                            {"Id": "fedcba9876543210", "Comment": "Evil link", "LinkUrl": "javascript:alert(1)"}],
                "WorkItems": [{"Id": "ABC-7", "LinkUrl": "https://tracker.example.org/ABC-7", "Description": "The ticket"}]}}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, created) = s
        .post(
            "/api/Spaces-1/releases/create/v1",
            json!({"spaceIdOrName": "Spaces-1", "projectName": "Hello", "releaseVersion": "1.0.0",
                   "releaseNotes": "## Changes\n\n* **bold** item\n\n<script>alert('notes')</script>\n\n[click](javascript:alert(2)) [docs](https://docs.example.org)"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let release_id = created["ReleaseId"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| created["Id"].as_str().expect("a release id").to_owned());
    // The lifecycle's automatic Development deployment is queued after the answer (as on
    // Octopus): Test opens once it has succeeded.
    let automatic = s.automatic_task(&release_id).await;
    s.wait_task(&automatic).await;
    let (status, answer) = s.deploy("Hello", "1.0.0", &["Test"]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let failed = task_ids(&answer).remove(0);
    assert_eq!(s.wait_task(&failed).await["State"], "Failed");
    (release_id, failed)
}

/// [`shipped`], then open the page `path(release, failed task)` (asserting it answers 200).
async fn shipped_and_open(
    path: impl FnOnce(&str, &str) -> String,
) -> (TestServer, Browser, Page, String, String) {
    let s = TestServer::start().await;
    let (release, failed) = shipped(&s).await;
    let mut browser = Browser::new(&s);
    let page = browser.get(&path(&release, &failed)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    (s, browser, page, release, failed)
}

#[tokio::test]
async fn dashboard_matrix_shows_states_in_lifecycle_order_and_escapes_names() {
    let s = TestServer::start().await;
    shipped(&s).await;
    s.server.as_ref().unwrap().ensure_project(HOSTILE, &[]).await.unwrap();
    let mut browser = Browser::new(&s);
    let page = browser.get("/app").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.headers["server-timing"].to_str().unwrap().starts_with("page;dur="));
    let body = &page.body;
    assert!(!body.contains("<script>alert"), "a project name became markup:\n{body}");
    assert!(
        body.contains("&lt;script&gt;alert('pwned')&lt;/script&gt; &amp; &quot;Co&quot;")
            || body.contains("&lt;script&gt;alert('pwned')&lt;/script&gt; &amp; \"Co\""),
        "{body}"
    );
    let (dev, test, prod) = (
        body.find(">Development<").unwrap(),
        body.find(">Test<").unwrap(),
        body.find(">Production<").unwrap(),
    );
    assert!(dev < test && test < prod, "environments in lifecycle order");
    assert!(body.contains("Hello 1.0.0 in Development: Success"), "{body}");
    assert!(body.contains("Hello 1.0.0 in Test: Failed"), "{body}");
    assert!(body.contains("✗") && body.contains("✓"), "states carry an icon, not only a colour");
    assert!(body.contains("href=\"/app/tasks/ServerTasks-"), "cells link to their task");
    // Nothing runs: no self-refresh.
    assert!(!body.contains("data-refresh"), "{body}");
    // The filter narrows the matrix server-side too.
    let filtered = browser.get("/app?project=hello").await;
    assert!(filtered.body.contains(">Hello<") && !filtered.body.contains("Manual App"), "{}", filtered.body);
}

#[tokio::test]
async fn release_page_sanitises_notes_and_links_build_information() {
    let (s, _, page, _, _) = shipped_and_open(|release, _| format!("/app/releases/{release}")).await;
    let body = &page.body;
    assert!(!body.contains("<script>alert"), "notes became markup:\n{body}");
    assert!(body.contains("&lt;script&gt;alert('notes')&lt;/script&gt;"), "{body}");
    assert!(!body.to_lowercase().contains("javascript:"), "unsafe link targets are dropped:\n{body}");
    assert!(
        body.contains("<strong>bold</strong>") && body.contains("href=\"https://docs.example.org\""),
        "{body}"
    );
    let (_, package) = s.get("/api/packages/packages-Hello.1.0.0").await;
    let sha = package["Hash"].as_str().map(str::to_owned);
    let size = package["PackageSizeBytes"].as_i64().unwrap_or_default();
    if let Some(sha) = sha.filter(|h| h.len() == 64) {
        assert!(body.contains(&sha), "sha256 shown");
    }
    assert!(body.contains(&format!("{size} bytes")), "size shown ({size}):\n{body}");
    assert!(body.contains("href=\"https://ci.example.org/builds/42\""), "build link: {body}");
    assert!(
        body.contains("href=\"https://git.example.org/acme/hello/commit/0123456789abcdef\""),
        "commit link"
    );
    assert!(body.contains("Fix the &lt;b&gt;thing&lt;/b&gt;"), "commit subject escaped");
    assert!(body.contains("href=\"https://tracker.example.org/ABC-7\""), "work item link");
    assert!(body.contains(">main<"), "branch");
    assert!(body.contains("Quality gates"));
    // Deployments per environment, and what may come next (Test failed: it is still allowed).
    assert!(body.contains(">Development<") && body.contains(">Test<"));
    assert!(body.contains("Deploy to Test"), "a deploy form for the next environment:\n{body}");
}

#[tokio::test]
async fn task_page_shows_the_log_tree_with_failing_lines_and_a_raw_download() {
    let (s, mut browser, page, _, failed) =
        shipped_and_open(|_, failed| format!("/app/tasks/{failed}")).await;
    let body = &page.body;
    assert!(body.contains("<details open"), "a collapsible tree");
    assert!(body.contains("Deploy command"), "{body}");
    assert!(
        body.contains("class=\"failing\"") && body.contains("failing</span>"),
        "failing lines marked:\n{body}"
    );
    assert!(body.contains("echo failing") || body.contains(">failing<"), "{body}");
    assert!(body.contains("<time datetime=\""), "timestamps");
    assert!(body.contains("Failed") && body.contains("role=\"alert\""), "the error is announced");
    assert!(!body.contains("data-follow"), "a finished task is not followed");
    let raw = browser.get(&format!("/app/tasks/{failed}/raw")).await;
    assert_eq!(raw.status, StatusCode::OK);
    assert!(raw.headers["content-disposition"].to_str().unwrap().contains("attachment"));
    assert!(raw.body.contains("Error"), "{}", raw.body);
    let events = browser.get(&format!("/app/tasks/{failed}/events?after=0")).await;
    assert!(events.headers["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    assert!(events.body.contains("event: line") && events.body.contains("event: end"), "{}", events.body);
    // A deployment link (Links.Web of a deployment) leads to its task.
    let (_, deployment) = s.get(&format!("/api/tasks/{failed}")).await;
    let deployment_id = deployment["Arguments"]["DeploymentId"].as_str().unwrap().to_owned();
    let redirect = browser.get(&format!("/app/deployments/{deployment_id}")).await;
    assert_eq!(redirect.location(), format!("/app/tasks/{failed}"));
    assert_eq!(browser.get("/app/tasks/ServerTasks-999").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn running_task_is_followed_live() {
    let s = TestServer::start().await;
    let (status, _) = s.create_release("Long", "1.0.0").await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, answer) = s.deploy("Long", "1.0.0", &["Development"]).await;
    let task = task_ids(&answer).remove(0);
    let mut browser = Browser::new(&s);
    for _ in 0..100 {
        if browser.get(&format!("/app/tasks/{task}")).await.body.contains("Running") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let page = browser.get(&format!("/app/tasks/{task}")).await;
    assert!(page.body.contains(&format!("data-follow=\"/app/tasks/{task}/events?after=")), "{}", page.body);
    let dashboard = browser.get("/app").await;
    assert!(dashboard.body.contains("data-refresh=\"3\""), "the dashboard refreshes while something runs");
    // Cancel from the page: the form carries the session's CSRF token.
    let csrf = page.csrf();
    assert!(page.body.contains("Cancel this task"));
    let forged = browser.post(&format!("/app/tasks/{task}/cancel"), &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let canceled = browser.post(&format!("/app/tasks/{task}/cancel"), &[("csrf", &csrf)]).await;
    assert_eq!(canceled.status, StatusCode::SEE_OTHER, "{}", canceled.body);
    assert_eq!(s.wait_task(&task).await["State"], "Canceled");
    let page = browser.get(&format!("/app/tasks/{task}")).await;
    assert!(
        page.body.contains("Cancel requested from the dashboard.") && !page.body.contains("Cancel this task")
    );
}

#[tokio::test]
async fn project_and_packages_pages() {
    let s = TestServer::start().await;
    let (release, _) = shipped(&s).await;
    let mut browser = Browser::new(&s);
    let (_, project) = s.get("/api/projects/Hello").await;
    let page = browser.get(&format!("/app/projects/{}", project["Id"].as_str().unwrap())).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/app/releases/{release}\"")), "{}", page.body);
    assert!(
        page.body.contains("Allowed next") && page.body.contains("Complete") && page.body.contains("Current")
    );
    assert!(page.body.contains("1.0.0"));
    let packages = browser.get("/app/packages?q=hel").await;
    assert_eq!(packages.status, StatusCode::OK);
    assert!(
        packages.body.contains(">Hello<") && packages.body.contains(&format!("/app/releases/{release}")),
        "{}",
        packages.body
    );
    let none = browser.get("/app/packages?q=nothing-like-this").await;
    assert!(none.body.contains("No package id contains"));
    assert_eq!(browser.get("/app/projects/Nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/app/releases/Releases-999").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deploy_form_needs_the_csrf_token() {
    let s = TestServer::start().await;
    let (release, _) = shipped(&s).await;
    let mut browser = Browser::new(&s);
    let page = browser.get(&format!("/app/releases/{release}")).await;
    let csrf = page.csrf();
    let test = s.env_id("Test").await;
    let forged = browser
        .post(&format!("/app/releases/{release}/deploy"), &[("environment", &test), ("csrf", "forged")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let stranger = Browser::new(&s)
        .post(&format!("/app/releases/{release}/deploy"), &[("environment", &test), ("csrf", &csrf)])
        .await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN, "a token belongs to its session");
    let done = browser
        .post(&format!("/app/releases/{release}/deploy"), &[("environment", &test), ("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location().starts_with("/app/tasks/ServerTasks-"));
    let prod = s.env_id("Production").await;
    let refused = browser
        .post(&format!("/app/releases/{release}/deploy"), &[("environment", &prod), ("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "the lifecycle still decides");
    assert!(refused.body.contains("must first be deployed successfully"), "{}", refused.body);
}

#[tokio::test]
async fn with_api_keys_the_dashboard_needs_sign_in() {
    let key = "API-DASHBOARDTEST1";
    let config = format!("{CONFIG}\n[dashboard]\nkeys = [\"wall-display-0123456789\"]\n");
    let s = TestServer::with(Some(&config), &[key]).await;
    let mut browser = Browser::new(&s);
    let page = browser.get("/app/packages").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/app/signin?next=%2Fapp%2Fpackages");
    // A link followed from another site gets a same-site reload instead (Strict cookies).
    let cross = browser
        .client
        .get(format!("{}/app/packages", s.url))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::OK);
    assert!(cross.text().await.unwrap().contains("http-equiv=\"refresh\""));
    assert_eq!(browser.get("/app/tasks/ServerTasks-1/events").await.status, StatusCode::UNAUTHORIZED);

    let form = browser.get("/app/signin?next=/app/packages").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let wrong = browser
        .post("/app/signin", &[("key", "API-WRONG"), ("csrf", &csrf), ("next", "/app/packages")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.body.contains("API-WRONG"), "a key is never echoed");
    let csrf = wrong.csrf();
    let mut forged = Browser::new(&s);
    assert_eq!(
        forged.post("/app/signin", &[("key", key), ("csrf", &csrf)]).await.status,
        StatusCode::FORBIDDEN
    );

    let signed =
        browser.post("/app/signin", &[("key", key), ("csrf", &csrf), ("next", "/app/packages")]).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.location(), "/app/packages");
    let cookie = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("ferry_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(key));
    let page = browser.get("/app").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(key), "the key never appears in a page");
    assert!(page.body.contains("Sign out"));
    // The API still wants its key: a dashboard session is not an API credential.
    let api = browser.get("/api/projects").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);

    let csrf = page.csrf();
    let out = browser.post("/app/signout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/app").await.status, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn read_only_key_and_read_only_option_offer_no_actions() {
    let key = "API-DASHBOARDTEST2";
    let config = format!("{CONFIG}\n[dashboard]\nkeys = [\"wall-display-0123456789\"]\n");
    let s = TestServer::with(Some(&config), &[key]).await;
    shipped(&s).await;
    let mut browser = Browser::new(&s);
    let form = browser.get("/app/signin").await;
    let csrf = form.csrf();
    let signed = browser.post("/app/signin", &[("key", "wall-display-0123456789"), ("csrf", &csrf)]).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let (_, releases) = s.get("/api/releases").await;
    let release = releases["Items"][0]["Id"].as_str().unwrap().to_owned();
    let page = browser.get(&format!("/app/releases/{release}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Read-only") && !page.body.contains("Deploy to Test"), "{}", page.body);
    let csrf = page.csrf();
    let test = s.env_id("Test").await;
    let refused = browser
        .post(&format!("/app/releases/{release}/deploy"), &[("environment", &test), ("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The option: without keys, every visitor is read-only.
    let read_only = format!("{CONFIG}\n[dashboard]\nread_only = true\n");
    let s = TestServer::with(Some(&read_only), &[]).await;
    shipped(&s).await;
    let page = Browser::new(&s).get("/app").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Read-only"));
}

#[tokio::test]
async fn assets_are_embedded_and_cache_busted() {
    let s = TestServer::with(None, &[]).await;
    let mut browser = Browser::new(&s);
    let page = browser.get("/app").await;
    assert!(page.headers["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    for (prefix, kind) in [("href=\"/app/assets/dashboard-", ".css"), ("src=\"/app/assets/dashboard-", ".js")]
    {
        let at = page.body.find(prefix).unwrap();
        let path: String = page.body[at..].split('"').nth(1).unwrap().to_owned();
        assert!(path.ends_with(kind), "{path}");
        let asset = browser.get(&path).await;
        assert_eq!(asset.status, StatusCode::OK);
        assert!(asset.headers["cache-control"].to_str().unwrap().contains("immutable"));
    }
    assert!(
        !page.body.contains("http://") && !page.body.contains("https://"),
        "nothing loads from elsewhere"
    );
    assert_eq!(browser.get("/app/assets/dashboard-000000000000.css").await.status, StatusCode::NOT_FOUND);
    // `/` leads to the dashboard; the API keeps its JSON 404.
    assert_eq!(browser.get("/").await.location(), "/app");
    let api = browser.get("/api/nothing").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.contains("ErrorMessage"));
}

#[test]
fn dashboard_configuration_is_checked() {
    use ferry_server::config::Config;
    let config =
        Config::parse("[dashboard]\nread_only = true\nkeys = [\"wall-display-0123456789\"]\n").unwrap();
    assert!(config.dashboard.read_only && config.dashboard.keys.len() == 1);
    let short = Config::parse("[dashboard]\nkeys = [\"short\"]\n").unwrap_err();
    assert!(short.contains("at least 16 characters"), "{short}");
    let shared = Config::parse(
        "api_keys = [\"API-SAMEKEY1234567890\"]\n[dashboard]\nkeys = [\"API-SAMEKEY1234567890\"]\n",
    )
    .unwrap_err();
    assert!(shared.contains("must not also be an API key"), "{shared}");
    assert!(Config::parse("[dashboard]\nreadonly = true\n").is_err(), "unknown keys are refused");
}

/// The CLI's in-process server: a key nobody can type, and a dashboard anyone on loopback may
/// look at read-only (the link `ferry ship` prints must work).
#[tokio::test]
async fn open_read_only_dashboard_needs_no_sign_in_but_offers_no_action() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = ferry_server::ServerOptions::embedded(dir.path().join("data"), None);
    options.api_keys = vec!["API-PERPROCESSKEY1".into()];
    options.dashboard_open_read_only = true;
    let server = ferry_server::start(options).await.unwrap();
    let s = TestServer { url: server.url(), ..TestServer::empty() };
    let mut browser = Browser::new(&s);
    let page = browser.get("/app").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Read-only") && !page.body.contains("Sign out"), "{}", page.body);
    let csrf = page.csrf_or_empty();
    let refused =
        browser.post("/app/releases/Releases-1/deploy", &[("environment", "Test"), ("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/api/projects").await.status, StatusCode::UNAUTHORIZED, "the API keeps its key");
    server.shutdown().await;
}

/// The task page says who started each task: an API caller by its key's fingerprint (never the
/// key) and its User-Agent, the lifecycle for an automatic deployment, the dashboard for its form.
#[tokio::test]
async fn task_page_says_who_started_it() {
    use sha2::{Digest, Sha256};
    let key = "API-WHOSTARTEDIT1";
    let s = TestServer::with(Some(CONFIG), &[key]).await;
    let (release, failed) = shipped(&s).await;
    let fingerprint: String =
        Sha256::digest(key.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();

    let mut browser = Browser::new(&s);
    let form = browser.get("/app/signin?next=/app").await;
    let csrf = form.csrf();
    let signed = browser.post("/app/signin", &[("key", key), ("csrf", &csrf), ("next", "/app")]).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);

    let page = browser.get(&format!("/app/tasks/{failed}")).await;
    assert!(page.body.contains(&format!("API key {fingerprint}")), "{}", page.body);
    assert!(!page.body.contains(key), "the key never appears in a page");

    // The release's automatic deployment to Development was the first task.
    let automatic = browser.get("/app/tasks/ServerTasks-1").await;
    assert!(
        automatic.body.contains("the lifecycle&#39;s automatic deployment (1.0.0)")
            || automatic.body.contains("the lifecycle's automatic deployment (1.0.0)"),
        "{}",
        automatic.body
    );

    // An API client names itself by its User-Agent.
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/Spaces-1/deployments/create/untenanted/v1", s.url))
        .header("X-Octopus-ApiKey", key)
        .header("User-Agent", "ferry/9.9.9 (Tests)")
        .json(
            &json!({"ProjectName": "Hello", "ReleaseVersion": "1.0.0", "EnvironmentNames": ["Development"]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = task_ids(&answer).remove(0);
    let page = browser.get(&format!("/app/tasks/{task}")).await;
    assert!(page.body.contains(&format!("API key {fingerprint}, ferry/9.9.9 (Tests)<")), "{}", page.body);

    // The dashboard's own deploy form.
    let csrf = browser.get(&format!("/app/releases/{release}")).await.csrf();
    let development = s.env_id("Development").await;
    let done = browser
        .post(&format!("/app/releases/{release}/deploy"), &[("environment", &development), ("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = browser.get(done.location()).await;
    assert!(page.body.contains("the dashboard (signed in with an API key)"), "{}", page.body);
}
