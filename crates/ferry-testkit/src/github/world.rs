//! The fake's state and its answers. One lock around everything: requests are handled one at a
//! time, which is all a loopback test needs and keeps every answer consistent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::objects::{Urls, node_id, timestamp, user};
use super::openapi::{Operation, Spec};
use super::{Denied, FAKE_TOKEN, Fault, Seen};

const DOCS: &str = "https://docs.github.com/rest";
const SECONDARY_LIMIT_DOCS: &str = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";

struct ReleaseRecord {
    id: u64,
    tag: String,
    target: String,
    name: Option<String>,
    body: Option<String>,
    draft: bool,
    prerelease: bool,
    created: u64,
    published: Option<u64>,
}

struct AssetRecord {
    id: u64,
    release_id: u64,
    name: String,
    label: Option<String>,
    content_type: String,
    bytes: Bytes,
    created: u64,
}

pub(crate) struct DeploymentRecord {
    id: u64,
    git_ref: String,
    sha: String,
    task: String,
    environment: String,
    payload: Value,
    description: Option<String>,
    production: bool,
    transient: bool,
    created: u64,
}

struct StatusRecord {
    id: u64,
    deployment_id: u64,
    state: String,
    log_url: String,
    description: String,
    environment: String,
    created: u64,
}

/// An answer before it becomes a response.
struct Answer {
    status: StatusCode,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
    raw: Option<(Bytes, String)>,
}

impl Answer {
    fn json(status: StatusCode, body: Value) -> Answer {
        Answer { status, body: Some(body), headers: Vec::new(), raw: None }
    }

    fn empty(status: StatusCode) -> Answer {
        Answer { status, body: None, headers: Vec::new(), raw: None }
    }

    fn error(status: StatusCode, message: &str) -> Answer {
        Answer::json(
            status,
            json!({ "message": message, "documentation_url": DOCS, "status": status.as_u16().to_string() }),
        )
    }

    fn already_exists(resource: &str, field: &str) -> Answer {
        Answer::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": "Validation Failed",
                "errors": [{ "resource": resource, "code": "already_exists", "field": field }],
                "documentation_url": DOCS,
                "status": "422",
            }),
        )
    }

    fn header(mut self, name: &'static str, value: String) -> Answer {
        self.headers.push((name, value));
        self
    }
}

pub(crate) struct World {
    spec: Arc<Spec>,
    urls: Urls,
    tick: u64,
    next_id: u64,
    releases: Vec<ReleaseRecord>,
    assets: Vec<AssetRecord>,
    deployments: Vec<DeploymentRecord>,
    statuses: Vec<StatusRecord>,
    pub(crate) latest_release: Option<u64>,
    rate_remaining: u64,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) faults: Vec<(String, Fault, usize)>,
    pub(crate) denied: Vec<Denied>,
    pub(crate) page_cap: usize,
    pub(crate) digests: bool,
    pub(crate) violations: Vec<String>,
    pub(crate) seen: Vec<Seen>,
}

pub(crate) fn router(world: Arc<Mutex<World>>) -> axum::Router {
    // GitHub takes assets up to 2 GiB; axum's default limit (2 MB) is not GitHub's.
    axum::Router::new().fallback(handle).layer(axum::extract::DefaultBodyLimit::disable()).with_state(world)
}

async fn handle(
    State(world): State<Arc<Mutex<World>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut world = world.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    world.handle(&method, &uri, &headers, body)
}

impl World {
    pub(crate) fn new(spec: Arc<Spec>, urls: Urls) -> World {
        World {
            spec,
            urls,
            tick: 0,
            next_id: 1000,
            releases: Vec::new(),
            assets: Vec::new(),
            deployments: Vec::new(),
            statuses: Vec::new(),
            latest_release: None,
            rate_remaining: 5000,
            tags: Vec::new(),
            faults: Vec::new(),
            denied: Vec::new(),
            page_cap: 100,
            digests: true,
            violations: Vec::new(),
            seen: Vec::new(),
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn now(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn violation(&mut self, text: String) {
        self.violations.push(text);
    }

    fn handle(&mut self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Response {
        let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str()).to_owned();
        let (answer, operation) = self.answer(method, uri, headers, body);
        self.rate_remaining = self.rate_remaining.saturating_sub(1);
        self.seen.push(Seen {
            method: method.to_string(),
            target,
            operation: operation.clone(),
            status: answer.status.as_u16(),
        });
        let mut response = match (&answer.raw, &answer.body) {
            (Some((bytes, content_type)), _) => {
                let mut response = bytes.clone().into_response();
                response.headers_mut().insert("content-type", header_value(content_type));
                response
            }
            (None, Some(body)) => {
                let mut response = body.to_string().into_response();
                response
                    .headers_mut()
                    .insert("content-type", header_value("application/json; charset=utf-8"));
                response
            }
            (None, None) => ().into_response(),
        };
        *response.status_mut() = answer.status;
        let reset = 1_900_000_000u64;
        for (name, value) in [
            ("x-ratelimit-limit", "5000".to_owned()),
            ("x-ratelimit-remaining", self.rate_remaining.to_string()),
            ("x-ratelimit-reset", reset.to_string()),
            ("x-ratelimit-used", (5000 - self.rate_remaining).to_string()),
            ("x-ratelimit-resource", "core".to_owned()),
            ("x-github-media-type", "github.v3; format=json".to_owned()),
        ] {
            response.headers_mut().insert(name, header_value(&value));
        }
        for (name, value) in &answer.headers {
            response.headers_mut().insert(*name, header_value(value));
        }
        response
    }

    /// Route, judge and answer one request; also returns the matched operation id.
    fn answer(&mut self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> (Answer, String) {
        let path = uri.path();
        let (sub, upload_root) = if let Some(rest) = path.strip_prefix("/api/v3") {
            (rest, false)
        } else if let Some(rest) = path.strip_prefix("/api/uploads") {
            (rest, true)
        } else {
            return (self.download(method, path), String::new());
        };
        let spec = self.spec.clone();
        let (op, path_params) = match spec.find(method.as_str(), sub) {
            Ok(found) => found,
            Err(path_exists) => {
                let what = if path_exists { "method" } else { "path" };
                self.violation(format!("{method} {sub}: GitHub's REST API has no such {what}"));
                return (Answer::error(StatusCode::NOT_FOUND, "Not Found"), String::new());
            }
        };
        let id = op.id.clone();
        if op.on_upload_host != upload_root {
            let wanted = if op.on_upload_host { "the upload URL (upload_url)" } else { "the API URL" };
            self.violation(format!("{method} {path}: {id} is served at {wanted}"));
            return (Answer::error(StatusCode::NOT_FOUND, "Not Found"), id);
        }
        // GitHub documents that requests without a User-Agent are rejected.
        if headers.get("user-agent").is_none_or(|agent| agent.is_empty()) {
            self.violation(format!("{method} {path}: no User-Agent header"));
            let message = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header";
            return (Answer::error(StatusCode::FORBIDDEN, message), id);
        }
        if !authorized(headers) {
            return (Answer::error(StatusCode::UNAUTHORIZED, "Bad credentials"), id);
        }
        self.check_accept(&id, headers);
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
        let content_type = headers.get("content-type").and_then(|value| value.to_str().ok());
        let problems = spec.check_request(op, &path_params, &query, content_type, &body);
        if !problems.is_empty() {
            let text = problems.join("; ");
            self.violation(format!("{method} {path}: {text}"));
            return (
                Answer::error(StatusCode::UNPROCESSABLE_ENTITY, &format!("Invalid request.\n\n{text}")),
                id,
            );
        }
        let fault = self.take_fault(&id);
        match &fault {
            Some(Fault::PrimaryRateLimit { reset_in }) => {
                let reset = unix_now() + reset_in;
                let answer =
                    Answer::error(StatusCode::FORBIDDEN, "API rate limit exceeded for installation ID 1.")
                        .header("x-ratelimit-remaining", "0".into())
                        .header("x-ratelimit-reset", reset.to_string());
                return (answer, id);
            }
            Some(Fault::SecondaryRateLimit { retry_after }) => {
                let mut answer = Answer::json(
                    StatusCode::FORBIDDEN,
                    json!({ "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                            "documentation_url": SECONDARY_LIMIT_DOCS, "status": "403" }),
                );
                if let Some(seconds) = retry_after {
                    answer = answer.header("retry-after", seconds.to_string());
                }
                return (answer, id);
            }
            Some(Fault::ServerError(status)) => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
                return (Answer::error(status, "Server Error"), id);
            }
            Some(Fault::LoseAnswer) | None => {}
        }
        if let Some(denied) = self.denied_for(op, method) {
            let (permission, resource) = match denied {
                Denied::ContentsWrite => ("contents=write", "contents"),
                Denied::DeploymentsWrite => ("deployments=write", "deployments"),
            };
            let answer = Answer::json(
                StatusCode::FORBIDDEN,
                json!({ "message": "Resource not accessible by integration",
                        "documentation_url": format!("{DOCS}/{resource}"), "status": "403" }),
            )
            .header("x-accepted-github-permissions", permission.into());
            return (answer, id);
        }
        let query: HashMap<String, String> = query.into_iter().collect();
        let answer = self.dispatch(op, sub, &path_params, &query, headers, body);
        // Successes must be documented; errors are checked when the description documents them
        // (GitHub answers 404 and others on operations whose description leaves them out).
        if answer.status.is_success() || spec.documents(op, answer.status.as_u16()) {
            for problem in spec.check_response(op, answer.status.as_u16(), answer.body.as_ref()) {
                self.violation(format!("fake: {problem}"));
            }
        }
        if fault == Some(Fault::LoseAnswer) {
            let lost = Answer {
                status: StatusCode::BAD_GATEWAY,
                body: None,
                headers: Vec::new(),
                raw: Some((Bytes::from_static(b"<html>502 Bad Gateway</html>"), "text/html".into())),
            };
            return (lost, id);
        }
        (answer, id)
    }

    fn check_accept(&mut self, id: &str, headers: &HeaderMap) {
        let accept = headers.get("accept").and_then(|value| value.to_str().ok()).unwrap_or("");
        let ok = accept.split(',').any(|media| {
            let media = media.split(';').next().unwrap_or_default().trim();
            matches!(
                media,
                "application/vnd.github+json" | "application/vnd.github.v3+json" | "application/json"
            ) || (id == "repos/get-release-asset" && media == "application/octet-stream")
        });
        if !ok {
            self.violation(format!(
                "{id}: Accept {accept:?} is not GitHub's media type (application/vnd.github+json)"
            ));
        }
    }

    fn take_fault(&mut self, id: &str) -> Option<Fault> {
        let entry = self.faults.iter_mut().find(|(op, _, times)| op == id && *times > 0)?;
        entry.2 -= 1;
        Some(entry.1.clone())
    }

    fn denied_for(&self, op: &Operation, method: &Method) -> Option<Denied> {
        if *method == Method::GET {
            return None;
        }
        let needed = if op.template.contains("/deployments") {
            Denied::DeploymentsWrite
        } else {
            Denied::ContentsWrite
        };
        self.denied.contains(&needed).then_some(needed)
    }

    fn dispatch(
        &mut self,
        op: &Operation,
        sub: &str,
        params: &HashMap<String, String>,
        query: &HashMap<String, String>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Answer {
        let json_body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let number = |name: &str| params.get(name).and_then(|value| value.parse::<u64>().ok()).unwrap_or(0);
        if params.get("owner") != Some(&self.urls.owner) || params.get("repo") != Some(&self.urls.repo) {
            return Answer::error(StatusCode::NOT_FOUND, "Not Found");
        }
        match op.id.as_str() {
            "repos/list-releases" => {
                let items = self.release_list();
                self.page(sub, query, items)
            }
            "repos/create-release" => self.create_release(&json_body),
            "repos/get-release" => self.release_answer(number("release_id")),
            "repos/get-release-by-tag" => {
                let tag = params.get("tag").cloned().unwrap_or_default();
                match self.releases.iter().find(|r| !r.draft && r.tag == tag) {
                    Some(release) => Answer::json(StatusCode::OK, self.release_json(release)),
                    None => Answer::error(StatusCode::NOT_FOUND, "Not Found"),
                }
            }
            "repos/update-release" => self.update_release(number("release_id"), &json_body),
            "repos/list-release-assets" => {
                let release_id = number("release_id");
                if !self.releases.iter().any(|r| r.id == release_id) {
                    return Answer::error(StatusCode::NOT_FOUND, "Not Found");
                }
                let items = self.asset_list(release_id);
                self.page(sub, query, items)
            }
            "repos/upload-release-asset" => {
                let content_type =
                    headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
                self.upload(number("release_id"), query, content_type, body)
            }
            "repos/get-release-asset" => {
                let wants_bytes = headers
                    .get("accept")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|accept| accept.contains("application/octet-stream"));
                match self.assets.iter().find(|a| a.id == number("asset_id")) {
                    None => Answer::error(StatusCode::NOT_FOUND, "Not Found"),
                    Some(asset) if wants_bytes => {
                        let location = self.asset_json(asset)["browser_download_url"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        Answer::empty(StatusCode::FOUND).header("location", location)
                    }
                    Some(asset) => Answer::json(StatusCode::OK, self.asset_json(asset)),
                }
            }
            "repos/delete-release-asset" => {
                let before = self.assets.len();
                let asset_id = number("asset_id");
                self.assets.retain(|asset| asset.id != asset_id);
                if self.assets.len() == before {
                    Answer::error(StatusCode::NOT_FOUND, "Not Found")
                } else {
                    Answer::empty(StatusCode::NO_CONTENT)
                }
            }
            "repos/create-deployment" => self.create_deployment(&json_body),
            "repos/list-deployments" => {
                let filter = |d: &DeploymentRecord| {
                    [("sha", &d.sha), ("ref", &d.git_ref), ("task", &d.task), ("environment", &d.environment)]
                        .iter()
                        .all(|(name, value)| query.get(*name).is_none_or(|wanted| wanted == *value))
                };
                let items = self.deployment_list(filter);
                self.page(sub, query, items)
            }
            "repos/get-deployment" => match self.deployments.iter().find(|d| d.id == number("deployment_id"))
            {
                Some(deployment) => Answer::json(StatusCode::OK, self.deployment_json(deployment)),
                None => Answer::error(StatusCode::NOT_FOUND, "Not Found"),
            },
            "repos/list-deployment-statuses" => {
                let deployment_id = number("deployment_id");
                if !self.deployments.iter().any(|d| d.id == deployment_id) {
                    return Answer::error(StatusCode::NOT_FOUND, "Not Found");
                }
                let items = self.status_list(deployment_id);
                self.page(sub, query, items)
            }
            "repos/create-deployment-status" => {
                let deployment_id = number("deployment_id");
                if !self.deployments.iter().any(|d| d.id == deployment_id) {
                    return Answer::error(StatusCode::NOT_FOUND, "Not Found");
                }
                let state = json_body["state"].as_str().unwrap_or_default().to_owned();
                let log_url =
                    json_body["log_url"].as_str().or(json_body["target_url"].as_str()).map(str::to_owned);
                let description = json_body["description"].as_str().unwrap_or_default().to_owned();
                let auto_inactive = json_body["auto_inactive"].as_bool().unwrap_or(true);
                let status = self.add_status(deployment_id, &state, log_url, &description, auto_inactive);
                let location = status["url"].as_str().unwrap_or_default().to_owned();
                Answer::json(StatusCode::CREATED, status).header("location", location)
            }
            other => {
                self.violation(format!("the fake does not implement {other} (Ferry should not need it)"));
                Answer::error(StatusCode::NOT_IMPLEMENTED, "not implemented by the fake")
            }
        }
    }

    /// One page of `items` with GitHub's `Link` header.
    fn page(&mut self, sub: &str, query: &HashMap<String, String>, items: Vec<Value>) -> Answer {
        let per_page =
            query.get("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
        let size = per_page.min(self.page_cap);
        let page = query.get("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
        let last = items.len().div_ceil(size).max(1);
        let chunk: Vec<Value> = items.into_iter().skip((page - 1) * size).take(size).collect();
        let mut answer = Answer::json(StatusCode::OK, Value::Array(chunk));
        if last > 1 {
            let link_to = |n: usize| {
                let mut pairs: Vec<(String, String)> =
                    query.iter().filter(|(k, _)| *k != "page").map(|(k, v)| (k.clone(), v.clone())).collect();
                pairs.sort();
                pairs.push(("page".into(), n.to_string()));
                let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
                format!("{}{sub}?{query}", self.urls.api())
            };
            let mut links = Vec::new();
            if page < last {
                links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
                links.push(format!("<{}>; rel=\"last\"", link_to(last)));
            }
            if page > 1 {
                links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
                links.push(format!("<{}>; rel=\"first\"", link_to(1)));
            }
            if !links.is_empty() {
                answer = answer.header("link", links.join(", "));
            }
        }
        answer
    }
}

/// Releases and assets.
impl World {
    pub(crate) fn release_list(&self) -> Vec<Value> {
        self.releases.iter().rev().map(|release| self.release_json(release)).collect()
    }

    fn release_json(&self, release: &ReleaseRecord) -> Value {
        let api = format!("{}/releases/{}", self.urls.repo_api(), release.id);
        let web = self.urls.repo_web();
        let tag_path = if release.draft { format!("untagged-{}", release.id) } else { release.tag.clone() };
        json!({
            "url": api, "assets_url": format!("{api}/assets"),
            "upload_url": format!("{}/repos/{}/{}/releases/{}/assets{{?name,label}}", self.urls.uploads(), self.urls.owner, self.urls.repo, release.id),
            "html_url": format!("{web}/releases/tag/{tag_path}"),
            "id": release.id, "node_id": node_id("RE", release.id), "author": user(&self.urls),
            "tag_name": release.tag, "target_commitish": release.target, "name": release.name, "body": release.body,
            "draft": release.draft, "prerelease": release.prerelease,
            "created_at": timestamp(release.created), "published_at": release.published.map(timestamp),
            "tarball_url": (!release.draft).then(|| format!("{}/tarball/{}", self.urls.repo_api(), release.tag)),
            "zipball_url": (!release.draft).then(|| format!("{}/zipball/{}", self.urls.repo_api(), release.tag)),
            "assets": self.asset_list(release.id),
        })
    }

    fn release_answer(&self, id: u64) -> Answer {
        match self.releases.iter().find(|r| r.id == id) {
            Some(release) => Answer::json(StatusCode::OK, self.release_json(release)),
            None => Answer::error(StatusCode::NOT_FOUND, "Not Found"),
        }
    }

    fn tag_taken(&self, tag: &str, except: u64) -> bool {
        self.releases.iter().any(|r| !r.draft && r.tag == tag && r.id != except)
    }

    /// Publishing creates the tag at the target when the repository does not have it yet.
    fn publish(&mut self, id: u64) {
        let now = self.now();
        let Some(release) = self.releases.iter_mut().find(|r| r.id == id) else { return };
        release.draft = false;
        release.published = Some(now);
        let (tag, target) = (release.tag.clone(), release.target.clone());
        if !self.tags.iter().any(|(known, _)| *known == tag) {
            self.tags.push((tag, target));
        }
    }

    fn create_release(&mut self, body: &Value) -> Answer {
        let tag = body["tag_name"].as_str().unwrap_or_default().to_owned();
        let draft = body["draft"].as_bool().unwrap_or(false);
        // GitHub lets drafts share a tag; a published release owns it.
        if !draft && self.tag_taken(&tag, 0) {
            return Answer::already_exists("Release", "tag_name");
        }
        let id = self.id();
        let created = self.now();
        self.releases.push(ReleaseRecord {
            id,
            tag: tag.clone(),
            target: body["target_commitish"].as_str().unwrap_or("main").to_owned(),
            name: body["name"].as_str().map(str::to_owned),
            body: body["body"].as_str().map(str::to_owned),
            draft: true,
            prerelease: body["prerelease"].as_bool().unwrap_or(false),
            created,
            published: None,
        });
        if !draft {
            self.publish(id);
        }
        let release =
            self.releases.iter().find(|r| r.id == id).map(|r| self.release_json(r)).unwrap_or_default();
        let location = release["url"].as_str().unwrap_or_default().to_owned();
        Answer::json(StatusCode::CREATED, release).header("location", location)
    }

    fn update_release(&mut self, id: u64, body: &Value) -> Answer {
        let Some(index) = self.releases.iter().position(|r| r.id == id) else {
            return Answer::error(StatusCode::NOT_FOUND, "Not Found");
        };
        let tag = body["tag_name"].as_str().map_or_else(|| self.releases[index].tag.clone(), str::to_owned);
        let publishing = body["draft"] == json!(false) && self.releases[index].draft;
        let stays_published = !self.releases[index].draft && body["draft"] != json!(true);
        if (publishing || stays_published) && self.tag_taken(&tag, id) {
            return Answer::already_exists("Release", "tag_name");
        }
        {
            let release = &mut self.releases[index];
            release.tag = tag;
            if let Some(target) = body["target_commitish"].as_str() {
                release.target = target.to_owned();
            }
            if let Some(name) = body["name"].as_str() {
                release.name = Some(name.to_owned());
            }
            if let Some(text) = body["body"].as_str() {
                release.body = Some(text.to_owned());
            }
            if let Some(prerelease) = body["prerelease"].as_bool() {
                release.prerelease = prerelease;
            }
            if body["draft"] == json!(true) {
                release.draft = true;
            }
        }
        if publishing {
            self.publish(id);
        }
        if body["make_latest"] == json!("true") {
            self.latest_release = Some(id);
        }
        self.release_answer(id)
    }

    fn asset_list(&self, release_id: u64) -> Vec<Value> {
        self.assets.iter().filter(|a| a.release_id == release_id).map(|a| self.asset_json(a)).collect()
    }

    fn asset_json(&self, asset: &AssetRecord) -> Value {
        let tag = self
            .releases
            .iter()
            .find(|r| r.id == asset.release_id)
            .map(|r| if r.draft { format!("untagged-{}", r.id) } else { r.tag.clone() })
            .unwrap_or_default();
        let digest = self.digests.then(|| format!("sha256:{}", sha256_hex(&asset.bytes)));
        json!({
            "url": format!("{}/releases/assets/{}", self.urls.repo_api(), asset.id),
            "browser_download_url": format!("{}/releases/download/{tag}/{}", self.urls.repo_web(), asset.name),
            "id": asset.id, "node_id": node_id("RA", asset.id), "name": asset.name, "label": asset.label,
            "state": "uploaded", "content_type": asset.content_type, "size": asset.bytes.len(), "digest": digest,
            "download_count": 0, "created_at": timestamp(asset.created), "updated_at": timestamp(asset.created),
            "uploader": user(&self.urls),
        })
    }

    fn upload(
        &mut self,
        release_id: u64,
        query: &HashMap<String, String>,
        content_type: &str,
        bytes: Bytes,
    ) -> Answer {
        if !self.releases.iter().any(|r| r.id == release_id) {
            return Answer::error(StatusCode::NOT_FOUND, "Not Found");
        }
        let name = query.get("name").cloned().unwrap_or_default();
        if self.assets.iter().any(|a| a.release_id == release_id && a.name == name) {
            return Answer::already_exists("ReleaseAsset", "name");
        }
        let id = self.id();
        let created = self.now();
        self.assets.push(AssetRecord {
            id,
            release_id,
            name,
            label: query.get("label").cloned(),
            content_type: content_type.to_owned(),
            bytes,
            created,
        });
        let asset = self.assets.last().map(|a| self.asset_json(a)).unwrap_or_default();
        Answer::json(StatusCode::CREATED, asset)
    }

    /// `GET /OWNER/REPO/releases/download/TAG/NAME`: where an asset's download redirects.
    fn download(&mut self, method: &Method, path: &str) -> Answer {
        let prefix = format!("/{}/{}/releases/download/", self.urls.owner, self.urls.repo);
        let found =
            path.strip_prefix(&prefix).and_then(|rest| rest.split_once('/')).and_then(|(tag, name)| {
                self.assets.iter().find(|asset| {
                    asset.name == name
                        && self.releases.iter().any(|r| {
                            r.id == asset.release_id && (r.tag == tag || format!("untagged-{}", r.id) == tag)
                        })
                })
            });
        match found {
            Some(asset) if *method == Method::GET => Answer {
                status: StatusCode::OK,
                body: None,
                headers: Vec::new(),
                raw: Some((asset.bytes.clone(), asset.content_type.clone())),
            },
            _ => {
                self.violation(format!("{method} {path}: not a GitHub URL"));
                Answer::error(StatusCode::NOT_FOUND, "Not Found")
            }
        }
    }
}

/// Deployments and their statuses.
impl World {
    pub(crate) fn deployment_list(&self, filter: impl Fn(&DeploymentRecord) -> bool) -> Vec<Value> {
        self.deployments.iter().rev().filter(|d| filter(d)).map(|d| self.deployment_json(d)).collect()
    }

    fn deployment_json(&self, deployment: &DeploymentRecord) -> Value {
        let url = format!("{}/deployments/{}", self.urls.repo_api(), deployment.id);
        json!({
            "url": url, "id": deployment.id, "node_id": node_id("DE", deployment.id), "sha": deployment.sha,
            "ref": deployment.git_ref, "task": deployment.task, "payload": deployment.payload,
            "original_environment": deployment.environment, "environment": deployment.environment,
            "description": deployment.description, "creator": user(&self.urls),
            "created_at": timestamp(deployment.created), "updated_at": timestamp(deployment.created),
            "statuses_url": format!("{url}/statuses"), "repository_url": self.urls.repo_api(),
            "transient_environment": deployment.transient, "production_environment": deployment.production,
        })
    }

    fn create_deployment(&mut self, body: &Value) -> Answer {
        let git_ref = body["ref"].as_str().unwrap_or_default().to_owned();
        let Some(sha) = self.tags.iter().find(|(tag, _)| *tag == git_ref).map(|(_, sha)| sha.clone()) else {
            return Answer::json(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "message": format!("No ref found for: {git_ref}"), "documentation_url": DOCS, "status": "422" }),
            );
        };
        let environment = body["environment"].as_str().unwrap_or("production").to_owned();
        let id = self.id();
        let created = self.now();
        self.deployments.push(DeploymentRecord {
            id,
            sha,
            git_ref,
            task: body["task"].as_str().unwrap_or("deploy").to_owned(),
            production: body["production_environment"].as_bool().unwrap_or(environment == "production"),
            environment,
            payload: match &body["payload"] {
                Value::Null => json!({}),
                payload => payload.clone(),
            },
            description: body["description"].as_str().map(str::to_owned),
            transient: body["transient_environment"].as_bool().unwrap_or(false),
            created,
        });
        let deployment = self.deployments.last().map(|d| self.deployment_json(d)).unwrap_or_default();
        Answer::json(StatusCode::CREATED, deployment)
    }

    fn status_list(&self, deployment_id: u64) -> Vec<Value> {
        self.statuses
            .iter()
            .rev()
            .filter(|s| s.deployment_id == deployment_id)
            .map(|s| self.status_json(s))
            .collect()
    }

    pub(crate) fn status_states(&self, deployment_id: u64) -> Vec<String> {
        self.statuses.iter().filter(|s| s.deployment_id == deployment_id).map(|s| s.state.clone()).collect()
    }

    fn status_json(&self, status: &StatusRecord) -> Value {
        let deployment_url = format!("{}/deployments/{}", self.urls.repo_api(), status.deployment_id);
        json!({
            "url": format!("{deployment_url}/statuses/{}", status.id), "id": status.id,
            "node_id": node_id("DES", status.id), "state": status.state, "creator": user(&self.urls),
            "description": status.description, "environment": status.environment,
            "target_url": status.log_url, "log_url": status.log_url, "environment_url": "",
            "created_at": timestamp(status.created), "updated_at": timestamp(status.created),
            "deployment_url": deployment_url, "repository_url": self.urls.repo_api(),
        })
    }

    /// Add a status. With `auto_inactive`, a `success` marks the earlier non-transient,
    /// non-production deployments to the same environment `inactive`, as GitHub documents.
    pub(crate) fn add_status(
        &mut self,
        deployment_id: u64,
        state: &str,
        log_url: Option<String>,
        description: &str,
        auto_inactive: bool,
    ) -> Value {
        let environment = self
            .deployments
            .iter()
            .find(|d| d.id == deployment_id)
            .map(|d| d.environment.clone())
            .unwrap_or_default();
        if state == "success" && auto_inactive {
            let superseded: Vec<u64> = self
                .deployments
                .iter()
                .filter(|d| {
                    d.id != deployment_id && d.environment == environment && !d.transient && !d.production
                })
                .filter(|d| {
                    self.statuses
                        .iter()
                        .rev()
                        .find(|s| s.deployment_id == d.id)
                        .is_some_and(|s| s.state != "inactive")
                })
                .map(|d| d.id)
                .collect();
            for id in superseded {
                self.push_status(id, "inactive", String::new(), "", &environment);
            }
        }
        self.push_status(deployment_id, state, log_url.unwrap_or_default(), description, &environment)
    }

    fn push_status(
        &mut self,
        deployment_id: u64,
        state: &str,
        log_url: String,
        description: &str,
        environment: &str,
    ) -> Value {
        let id = self.id();
        let created = self.now();
        self.statuses.push(StatusRecord {
            id,
            deployment_id,
            state: state.to_owned(),
            log_url,
            description: description.to_owned(),
            environment: environment.to_owned(),
            created,
        });
        self.statuses.last().map(|s| self.status_json(s)).unwrap_or_default()
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|value| value.to_str().ok()).is_some_and(|value| {
        value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("token ")) == Some(FAKE_TOKEN)
    })
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
