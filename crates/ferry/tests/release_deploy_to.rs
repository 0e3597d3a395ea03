//! `ferry release create --deploy-to ENV` (octo's `--deployTo`): the release is created and
//! deployed in one command; a deployment the lifecycle started by itself is followed, not
//! repeated.

mod client_support;

use client_support::*;

/// A server with package Hello 1.0.0 pushed, and `release create` for Hello 1.0.0 with `extra`.
fn create_release(extra: &[&str]) -> (Server, std::process::Output) {
    let server = Server::start();
    let package = make_package(server.path(), "Hello", "1.0.0");
    server.ferry().arg("package").arg("push").arg(&package).assert().success();
    let output = server
        .ferry()
        .args(["-o", "json", "release", "create", "--project", "Hello", "--version", "1.0.0"])
        .args(extra)
        .output()
        .unwrap();
    (server, output)
}

#[test]
fn release_create_deploys_to_each_environment_named_following_the_automatic_one() {
    let (server, output) = create_release(&[
        "--deploy-to",
        "Development",
        "--deploy-to",
        "Test",
        "--wait",
        "--poll-interval",
        "200ms",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json = json_of(&output);
    assert_eq!(json["version"], "1.0.0");
    assert_eq!(json["existing"], false);
    let deployed: Vec<(&str, &str)> = json["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["environment"].as_str().unwrap(), d["state"].as_str().unwrap()))
        .collect();
    assert_eq!(deployed, [("Development", "Success"), ("Test", "Success")]);
    // Development's deployment is the one the lifecycle started: the server holds one per target.
    let all = server.get("/api/Spaces-1/deployments?take=1000");
    let environments: Vec<&str> =
        all["Items"].as_array().unwrap().iter().map(|d| d["EnvironmentId"].as_str().unwrap()).collect();
    assert_eq!(environments.len(), 2, "{environments:?}");
    assert_eq!(json["automaticDeployments"][0]["deploymentId"], json["deployments"][0]["deploymentId"]);
}

#[test]
fn without_deploy_to_the_release_json_has_no_deployments_member() {
    let (_server, output) = create_release(&[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(json_of(&output).get("deployments").is_none());
}
