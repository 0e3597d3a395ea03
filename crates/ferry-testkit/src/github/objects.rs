//! The JSON objects the fake answers with, field for field as GitHub's description requires
//! (the fake checks its own answers against it, so a missing field fails the test that saw it).

use serde_json::{Value, json};

/// Where the fake lives, for the URLs inside objects.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub owner: String,
    pub repo: String,
}

impl Urls {
    /// `http://127.0.0.1:PORT/api/v3`, an Enterprise Server's API root.
    pub fn api(&self) -> String {
        format!("{}/api/v3", self.origin)
    }

    pub fn repo_api(&self) -> String {
        format!("{}/repos/{}/{}", self.api(), self.owner, self.repo)
    }

    pub fn repo_web(&self) -> String {
        format!("{}/{}/{}", self.origin, self.owner, self.repo)
    }

    /// The upload host's root, as an Enterprise Server serves it.
    pub fn uploads(&self) -> String {
        format!("{}/api/uploads", self.origin)
    }
}

/// A `simple-user`: the token's owner.
pub(crate) fn user(urls: &Urls) -> Value {
    let api = urls.api();
    let login = "ferry-bot";
    json!({
        "login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": format!("{}/avatars/u/1", urls.origin),
        "gravatar_id": "", "url": format!("{api}/users/{login}"), "html_url": format!("{}/{login}", urls.origin),
        "followers_url": format!("{api}/users/{login}/followers"),
        "following_url": format!("{api}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{api}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/users/{login}/subscriptions"),
        "organizations_url": format!("{api}/users/{login}/orgs"), "repos_url": format!("{api}/users/{login}/repos"),
        "events_url": format!("{api}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{api}/users/{login}/received_events"), "type": "Bot", "site_admin": false,
    })
}

/// A node id in GitHub's opaque style.
pub(crate) fn node_id(kind: &str, id: u64) -> String {
    format!("{kind}_kw{id:08}")
}

/// A timestamp that grows with every object, so "newest first" is observable.
pub(crate) fn timestamp(tick: u64) -> String {
    format!("2026-11-28T{:02}:{:02}:{:02}Z", 10 + (tick / 3600) % 12, (tick / 60) % 60, tick % 60)
}
