//! Root document, spaces, routing under the three prefixes, paging, lookups, auth.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn root_and_space_documents_have_what_clients_require() {
    let s = TestServer::start().await;
    for path in ["/api", "/api/", "/api/Spaces-1", "/api/spaces/Spaces-1/"] {
        let (status, root) = s.get(path).await;
        if path == "/api/spaces/Spaces-1/" {
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(root["ApiVersion"], "3.0.0");
        let version = root["Version"].as_str().unwrap();
        let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(parts.len(), 3, "TS needs 3-part semver: {version}");
        assert!(parts[0] > 2022, "{version}");
        assert!(root["InstallationId"].as_str().is_some_and(|id| !id.is_empty()));
        for link in [
            "Projects",
            "Environments",
            "Channels",
            "Releases",
            "Deployments",
            "DeploymentProcesses",
            "Lifecycles",
            "Feeds",
            "Tasks",
            "Packages",
            "PackageUpload",
            "PackageDeltaSignature",
            "BuildInformation",
            "DashboardDynamic",
            "Spaces",
            "SpaceHome",
            "CurrentUser",
        ] {
            assert!(root["Links"][link].is_string(), "{path} lacks Links.{link}");
        }
        assert!(root["Links"]["PackageUpload"].as_str().unwrap().contains("overwriteMode"));
    }
    let (status, spaces) = s.get("/api/spaces").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(spaces["TotalResults"], 1);
    assert_eq!(spaces["Items"][0]["IsDefault"], true);
    assert!(spaces["Items"][0]["Links"]["SpaceHome"].is_string());
    let (_, ts_lookup) = s.get("/api/spaces?partialName=Default&skip=0&take=2147483647").await;
    assert_eq!(ts_lookup["Items"][0]["Name"], "Default");
    let (_, all) = s.get("/api/spaces/all").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(s.get("/api/spaces/Default").await.0, StatusCode::OK);
    assert_eq!(s.get("/api/spaces/Spaces-1").await.0, StatusCode::OK);
    let (_, me) = s.get("/api/users/me").await;
    assert!(me["Links"]["Spaces"].is_string());
    let (_, user_spaces) = s.get(me["Links"]["Spaces"].as_str().unwrap()).await;
    assert!(user_spaces.is_array());
}

#[tokio::test]
async fn every_collection_is_served_under_three_prefixes() {
    let s = TestServer::start().await;
    for resource in [
        "projects",
        "environments",
        "lifecycles",
        "channels",
        "feeds",
        "packages",
        "build-information",
        "releases",
        "deployments",
        "tasks",
        "deploymentprocesses",
    ] {
        for prefix in
            ["/api", "/api/Spaces-1", "/api/spaces/Spaces-1", "/api/spaces/Default", "/api/spaces/default"]
        {
            let (status, body) = s.get(&format!("{prefix}/{resource}")).await;
            assert_eq!(status, StatusCode::OK, "{prefix}/{resource}: {body}");
            assert!(body["Items"].is_array(), "{prefix}/{resource}: {body}");
            assert!(body["TotalResults"].is_number());
            assert!(
                body["NumberOfPages"].is_number()
                    && body["LastPageNumber"].is_number()
                    && body["ItemsPerPage"].is_number()
            );
        }
    }
    for all in [
        "projects/all",
        "environments/all",
        "channels/all",
        "lifecycles/all",
        "tenants/all",
        "projectgroups/all",
    ] {
        let (status, body) = s.get(&format!("/api/Spaces-1/{all}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.is_array(), "{all}");
    }
    let (status, body) = s.get("/api/Spaces-7/projects").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["ErrorMessage"].as_str().unwrap().contains("Spaces-7"));
    let (status, body) = s.get("/api/spaces/Nope/projects").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let s = TestServer::start().await;
    let (status, body) = s.get("/api/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["ErrorMessage"].is_string() && body["Errors"].is_array());
    let (status, body) = s.get("/elsewhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["ErrorMessage"].is_string());
    let (status, body) = s.post("/api/projects", json!({})).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["ErrorMessage"].is_string(), "{body}");
}

#[tokio::test]
async fn paging_filters_and_id_lists() {
    let mut config = String::new();
    for i in 0..35 {
        config.push_str(&format!("[[environments]]\nname = \"Env{i:02}\"\n"));
    }
    let s = TestServer::with(Some(&config), &[]).await;
    let (_, page) = s.get("/api/environments?take=10").await;
    assert_eq!(page["TotalResults"], 35);
    assert_eq!(page["Items"].as_array().unwrap().len(), 10);
    assert_eq!(page["NumberOfPages"], 4);
    assert_eq!(page["LastPageNumber"], 3);
    let next = page["Links"]["Page.Next"].as_str().unwrap().to_owned();
    let (_, second) = s.get(&next).await;
    assert_eq!(second["Items"][0]["Name"], "Env10");
    let (_, last) = s.get("/api/environments?skip=30&take=10").await;
    assert_eq!(last["Items"].as_array().unwrap().len(), 5);
    assert!(last["Links"].get("Page.Next").is_none(), "no Page.Next on the last page");
    let (_, default_page) = s.get("/api/environments").await;
    assert_eq!(default_page["ItemsPerPage"], 30);
    // ids as a comma list (plain and percent-encoded) and as repeated keys.
    for query in [
        "ids=Environments-1,Environments-2",
        "ids=Environments-1%2CEnvironments-2",
        "ids=Environments-1&ids=Environments-2",
    ] {
        let (_, body) = s.get(&format!("/api/environments?{query}")).await;
        assert_eq!(body["TotalResults"], 2, "{query}");
    }
    let (_, body) = s.get("/api/environments?partialName=env0").await;
    assert_eq!(body["TotalResults"], 10);
    let (_, body) = s.get("/api/environments?name=ENV07").await;
    assert_eq!(body["TotalResults"], 1);
}

#[tokio::test]
async fn projects_by_id_and_slug_not_by_name_and_by_partial_name() {
    let s = TestServer::start().await;
    let (status, by_name) = s.get("/api/Spaces-1/projects/manual-app").await;
    assert_eq!(status, StatusCode::OK, "{by_name}");
    let id = by_name["Id"].as_str().unwrap().to_owned();
    assert_eq!(by_name["Slug"], "manual-app");
    for key in [id.as_str(), "manual-app", "Manual-App"] {
        let (status, body) = s.get(&format!("/api/Spaces-1/projects/{key}")).await;
        assert_eq!(status, StatusCode::OK, "{key}");
        assert_eq!(body["Id"], id.as_str());
    }
    // As on Octopus, a name is not a key of `projects/{idOrSlug}`: clients search by name.
    for name in ["Manual%20App", "manual%20app"] {
        assert_eq!(s.get(&format!("/api/Spaces-1/projects/{name}")).await.0, StatusCode::NOT_FOUND, "{name}");
    }
    for link in ["Self", "Channels", "Releases", "DeploymentProcess", "DeploymentSettings"] {
        assert!(by_name["Links"][link].is_string(), "{link}");
    }
    assert!(by_name["Links"]["Releases"].as_str().unwrap().contains("{/version}"));
    let (status, missing) = s.get("/api/Spaces-1/projects/Fire%20Project").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing["ErrorMessage"].is_string());
    let (_, search) = s.get("/api/Spaces-1/projects?partialName=Manual+App").await;
    assert_eq!(search["Items"][0]["Name"], "Manual App");
    let (_, channels) = s.get(&format!("/api/Spaces-1/projects/{id}/channels")).await;
    assert_eq!(channels["Items"][0]["Name"], "Default");
    assert_eq!(channels["Items"][0]["IsDefault"], true);
    let (_, process) = s.get(&format!("/api/Spaces-1/projects/{id}/deploymentprocesses")).await;
    assert_eq!(process["Steps"][0]["Name"], "Manual.App");
    assert_eq!(process["Steps"][0]["Actions"][0]["Packages"][0]["PackageId"], "Manual.App");
    let process_id = by_name["DeploymentProcessId"].as_str().unwrap();
    assert_eq!(s.get(&format!("/api/Spaces-1/deploymentprocesses/{process_id}")).await.0, StatusCode::OK);
    let (_, template) = s.get(&format!("/api/Spaces-1/deploymentprocesses/{process_id}/template")).await;
    assert_eq!(template["NextVersionIncrement"], "0.0.1");
    let (_, template) =
        s.get(&format!("/api/Spaces-1/projects/{id}/deploymentprocesses/template?channel=Default")).await;
    assert_eq!(template["Packages"][0]["PackageId"], "Manual.App");
    assert_eq!(s.get(&format!("/api/Spaces-1/projects/{id}/deploymentsettings")).await.0, StatusCode::OK);
    let (_, lifecycles) = s.get("/api/lifecycles").await;
    let manual =
        lifecycles["Items"].as_array().unwrap().iter().find(|l| l["Name"] == "Manual").unwrap().clone();
    assert_eq!(manual["Phases"][1]["IsOptionalPhase"], true);
    assert_eq!(s.get(&format!("/api/lifecycles/{}", manual["Id"].as_str().unwrap())).await.0, StatusCode::OK);
    let (_, env) = s.get("/api/environments/Test").await;
    assert_eq!(env["Name"], "Test");
    assert_eq!(s.get("/api/feeds/feeds-builtin").await.0, StatusCode::OK);
}

#[tokio::test]
async fn api_keys_guard_every_route_but_the_root() {
    let mut s = TestServer::with(Some(crate::common::CONFIG), &["API-TESTKEY123"]).await;
    s.key = None;
    assert_eq!(s.get("/api").await.0, StatusCode::OK);
    assert_eq!(s.get("/api/").await.0, StatusCode::OK);
    let (status, body) = s.get("/api/Spaces-1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["ErrorMessage"].as_str().unwrap().contains("API key"));
    assert_eq!(s.get("/api/projects").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.get("/api/no-such-route").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = s.push("Hello.1.0.0.zip", crate::common::hello_zip("1.0.0"), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    s.key = Some("API-WRONGKEY".into());
    assert_eq!(s.get("/api/projects").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.create_release("Manual App", "1.0.0").await.0, StatusCode::UNAUTHORIZED);
    s.key = Some("API-TESTKEY123".into());
    assert_eq!(s.get("/api/projects").await.0, StatusCode::OK);
    let (_, packages) = s.get("/api/packages").await;
    assert_eq!(packages["TotalResults"], 0, "the unauthorised push stored nothing");
    let (_, releases) = s.get("/api/releases").await;
    assert_eq!(releases["TotalResults"], 0, "the unauthorised release create did nothing");
    // Bearer works too.
    let response =
        s.client.get(format!("{}/api/projects", s.url)).bearer_auth("API-TESTKEY123").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The TS client sends an empty key header when it has none.
    let response =
        s.client.get(format!("{}/api/projects", s.url)).header("X-Octopus-ApiKey", "").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
