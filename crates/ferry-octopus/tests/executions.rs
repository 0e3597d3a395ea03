//! Deployment requests on the wire and after a lost answer, against a fake answering in the
//! official shapes (the executions API as in go-octopusdeploy `pkg/deployments/deploy_release_v1.go`
//! and `deploy_release_tenanted_v1.go`; `DeploymentResource` with `TenantId` as in the Swagger
//! description). `ferry server` has no tenants, so tenanted recovery is tested here only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use ferry_core::deploy_options::DeploymentOptions;
use ferry_octopus::model::{Environment, Project, Release};
use ferry_octopus::{Client, ClientOptions, DeployRequest, ProgressMode};
use ferry_testkit::proxy::{Fault, FaultProxy, Match, Plan};
use serde_json::{Value, json};

#[derive(Default)]
struct Fake {
    bodies: Mutex<Vec<(String, Value)>>,
    /// (deployment id, environment id, tenant id)
    deployments: Mutex<Vec<(String, String, Option<String>)>>,
}

type S = State<Arc<Fake>>;

fn create(fake: &Fake, environment: &str, tenant: Option<String>) -> Value {
    let mut all = fake.deployments.lock().unwrap();
    let n = all.len() + 1;
    all.push((format!("Deployments-{n}"), environment.to_owned(), tenant));
    json!({"DeploymentId": format!("Deployments-{n}"), "ServerTaskId": format!("ServerTasks-{n}")})
}

async fn tenanted(State(fake): S, body: axum::Json<Value>) -> axum::Json<Value> {
    fake.bodies.lock().unwrap().push(("tenanted".into(), body.0.clone()));
    // Tenants by name: Coke is Tenants-1, Pepsi Tenants-2.
    // A tag stands for the one tenant carrying it here.
    let tasks: Vec<Value> = body["Tenants"]
        .as_array()
        .into_iter()
        .chain(body["TenantTags"].as_array())
        .flatten()
        .map(|t| {
            let id = if t == "Coke" { "Tenants-1" } else { "Tenants-2" };
            create(&fake, "Environments-3", Some(id.into()))
        })
        .collect();
    axum::Json(json!({"DeploymentServerTasks": tasks}))
}

async fn untenanted(State(fake): S, body: axum::Json<Value>) -> axum::Json<Value> {
    fake.bodies.lock().unwrap().push(("untenanted".into(), body.0.clone()));
    axum::Json(json!({"DeploymentServerTasks": [create(&fake, "Environments-3", None)]}))
}

async fn deployments(State(fake): S) -> axum::Json<Value> {
    let items: Vec<Value> = fake
        .deployments
        .lock()
        .unwrap()
        .iter()
        .map(|(id, environment, tenant)| {
            let n = &id["Deployments-".len()..];
            json!({"Id": id, "ReleaseId": "Releases-1", "EnvironmentId": environment, "ProjectId": "Projects-1",
                "TenantId": tenant, "ChannelId": "Channels-1", "TaskId": format!("ServerTasks-{n}"),
                "Created": format!("2026-11-28T18:00:0{n}.000+00:00"), "SkipActions": [], "SpecificMachineIds": [],
                "ExcludedMachineIds": [], "ForcePackageDownload": false, "UseGuidedFailure": false, "FormValues": {},
                "QueueTime": null, "QueueTimeExpiry": null, "Links": {}})
        })
        .collect();
    let total = items.len();
    axum::Json(
        json!({"ItemType":"Deployment","TotalResults":total,"ItemsPerPage":1000,"NumberOfPages":1,"LastPageNumber":0,
        "Items":items,"Links":{}}),
    )
}

async fn start(fake: Arc<Fake>, plan: Plan) -> (Client, FaultProxy) {
    let app = Router::new()
        .route("/api", get(|| async {
            axum::Json(json!({"Application":"Octopus Deploy","Version":"2025.2.1000","ApiVersion":"3.0.0","Links":{"Self":"/api"}}))
        }))
        .route("/api/spaces/all", get(|| async { axum::Json(json!([{"Id":"Spaces-1","Name":"Default","IsDefault":true}])) }))
        .route("/api/Spaces-1/deployments", get(deployments))
        // The release's own deployments (its `Deployments` link): what the client reads before
        // deploying and after a lost answer. Every deployment here is of Releases-1.
        .route("/api/Spaces-1/releases/Releases-1/deployments", get(deployments))
        .route("/api/Spaces-1/deployments/create/tenanted/v1", post(tenanted))
        .route("/api/Spaces-1/deployments/create/untenanted/v1", post(untenanted))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let proxy = FaultProxy::start(addr, plan).unwrap();
    let mut options = ClientOptions::new(proxy.url());
    options.api_key = Some("API-TEST".into());
    options.progress = ProgressMode::Off;
    options.retry_base = Duration::from_millis(10);
    (Client::connect(options).await.unwrap(), proxy)
}

fn request(tenants: &[&str], options: DeploymentOptions) -> DeployRequest {
    DeployRequest {
        project: Project { id: "Projects-1".into(), name: "Hello".into(), ..Project::default() },
        release: Release { id: "Releases-1".into(), version: "1.0.0".into(), ..Release::default() },
        environments: vec![Environment { id: "Environments-3".into(), name: "Production".into() }],
        tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
        variables: vec![("Region".into(), "eu".into())],
        options,
    }
}

#[tokio::test]
async fn a_lost_tenanted_answer_adopts_every_tenants_deployment_without_deploying_again() {
    let fake = Arc::new(Fake::default());
    let plan =
        Plan::pass().once(Match::request("POST", "/deployments/create/tenanted/v1"), Fault::LoseResponse);
    let (client, proxy) = start(fake.clone(), plan).await;
    let created = client.deploy(&request(&["Coke", "Pepsi"], DeploymentOptions::default())).await.unwrap();
    let mut ids: Vec<&str> = created.iter().map(|c| c.deployment_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["Deployments-1", "Deployments-2"], "both tenants' deployments, each once");
    assert_eq!(fake.bodies.lock().unwrap().len(), 1, "the lost request is not sent again");
    assert_eq!(fake.deployments.lock().unwrap().len(), 2);
    assert_eq!(proxy.stats().count("lose-response"), 1, "the fault happened");
}

#[tokio::test]
async fn deploy_options_go_on_the_wire_as_the_official_clients_send_them() {
    let fake = Arc::new(Fake::default());
    let (client, _proxy) = start(fake.clone(), Plan::pass()).await;
    let options = DeploymentOptions {
        tenant_tags: vec!["Regions/eu".into()],
        skip_steps: vec!["Smoke test".into()],
        specific_machines: vec!["web-01".into(), "web-02".into()],
        excluded_machines: vec!["web-03".into()],
        force_package_download: true,
        guided_failure: Some(true),
        run_at: Some("2026-11-28T20:00:00+02:00".parse().unwrap()),
        no_run_after: Some("2026-11-28T19:00:00Z".parse().unwrap()),
    };
    client.deploy(&request(&[], options.clone())).await.unwrap();
    let (route, body) = fake.bodies.lock().unwrap()[0].clone();
    assert_eq!(route, "tenanted", "a tenant tag alone makes the deployment tenanted, as in the Go CLI");
    assert_eq!(body["EnvironmentName"], "Production");
    assert_eq!(body["TenantTags"], json!(["Regions/eu"]));
    assert!(body.get("Tenants").is_none(), "empty lists are left out: {body}");
    assert_eq!(body["SkipStepNames"], json!(["Smoke test"]));
    assert_eq!(body["SpecificMachineNames"], json!(["web-01", "web-02"]));
    assert_eq!(body["ExcludedMachineNames"], json!(["web-03"]));
    assert_eq!(body["ForcePackageDownload"], true);
    assert_eq!(body["UseGuidedFailure"], true);
    assert_eq!(body["RunAt"], "2026-11-28T18:00:00Z", "the instant, in UTC");
    assert_eq!(body["NoRunAfter"], "2026-11-28T19:00:00Z");
    assert_eq!(body["Variables"], json!({"Region": "eu"}));

    // Untenanted without options: UseGuidedFailure is sent as null (the project's setting).
    client.deploy(&request(&[], DeploymentOptions::default())).await.unwrap();
    let (route, body) = fake.bodies.lock().unwrap()[1].clone();
    assert_eq!(route, "untenanted");
    assert_eq!(body["UseGuidedFailure"], Value::Null);
    assert!(body.as_object().unwrap().contains_key("UseGuidedFailure"));
    assert!(body.get("RunAt").is_none() && body.get("SkipStepNames").is_none(), "{body}");
}
