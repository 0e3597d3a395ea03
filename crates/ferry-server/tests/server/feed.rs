//! Package push (201/200/409/400, overwriteMode and legacy replace, any field name, formats
//! checked), listing, lookup, download, delta fallback, and build information.

use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::{TestServer, hello_zip, nupkg_bytes, targz_bytes};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn push_semantics_created_ignored_conflict_overwritten() {
    let s = TestServer::start().await;
    let first = hello_zip("1.0.0");
    let (status, created) = s.push("Hello.1.0.0.zip", first.clone(), "?overwriteMode=FailIfExists").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["PackageId"], "Hello");
    assert_eq!(created["Version"], "1.0.0");
    assert_eq!(created["FileExtension"], ".zip");
    assert_eq!(created["PackageSizeBytes"], first.len());
    assert_eq!(created["Hash"].as_str().unwrap().len(), 40, "sha1 hex");
    assert_eq!(created["Sha256"], sha256(&first));
    assert_eq!(created["Id"], "packages-Hello.1.0.0");

    let (status, conflict) = s.push("Hello.1.0.0.zip", first.clone(), "").await;
    assert_eq!(status, StatusCode::CONFLICT, "FailIfExists is the default");
    assert!(conflict["ErrorMessage"].as_str().unwrap().contains("same ID and version already exists"));
    // 1.0 is the same version as 1.0.0.
    assert_eq!(
        s.push("Hello.1.0.zip", first.clone(), "?overwriteMode=FailIfExists").await.0,
        StatusCode::CONFLICT
    );

    let (status, ignored) =
        s.push("Hello.1.0.0.zip", hello_zip("other"), "?overwriteMode=IgnoreIfExists").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ignored["Sha256"], sha256(&first), "ignored keeps the stored file");

    let second = hello_zip("1.0.0-overwritten");
    let (status, overwritten) =
        s.push("Hello.1.0.0.zip", second.clone(), "?overwriteMode=OverwriteExisting").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(overwritten["Sha256"], sha256(&second));
    // Legacy replace=true overwrites; replace=false fails.
    assert_eq!(s.push("Hello.1.0.0.zip", first.clone(), "?replace=true").await.0, StatusCode::CREATED);
    assert_eq!(s.push("Hello.1.0.0.zip", first.clone(), "?replace=false").await.0, StatusCode::CONFLICT);

    let (status, download) = {
        let response =
            s.client.get(format!("{}/api/packages/packages-Hello.1.0.0/raw", s.url)).send().await.unwrap();
        (response.status(), response.bytes().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sha256(&download), sha256(&first));
    // Exactly one file on disk for the package (the replaced ones were removed).
    let dir = s.dir.path().join("data/packages/hello");
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1);
}

#[tokio::test]
async fn any_field_name_and_every_format() {
    let s = TestServer::start().await;
    assert_eq!(
        s.push_as("fileToUpload", "Hello.2.0.0.zip", hello_zip("2"), "?overwriteMode=FailIfExists").await.0,
        StatusCode::CREATED
    );
    assert_eq!(s.push_as("data", "Hello.2.0.1.zip", hello_zip("2"), "").await.0, StatusCode::CREATED);
    let (status, body) =
        s.push("MyApp.Web.1.2.3-beta.4+sha.5.nupkg", nupkg_bytes("MyApp.Web", "1.2.3-beta.4"), "").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["PackageId"], "MyApp.Web");
    assert_eq!(body["Title"], "Title of MyApp.Web");
    let (status, body) = s.push("Tarred.3.0.0.tar.gz", targz_bytes(&[("a.txt", b"a")]), "").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["FileExtension"], ".tar.gz");
    assert_eq!(s.push("Tarred.3.0.1.tgz", targz_bytes(&[("a.txt", b"a")]), "").await.0, StatusCode::CREATED);

    // A multipart part without a file name is skipped; the file part after it is used.
    let form = reqwest::multipart::Form::new()
        .text("note", "not a file")
        .part("file", reqwest::multipart::Part::bytes(hello_zip("4")).file_name("Hello.4.0.0.zip"));
    let response = s.client.post(format!("{}/api/packages/raw", s.url)).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    // Streamed (chunked, no Content-Length) as the Go client sends it.
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(hello_zip("5"))]);
    let part =
        reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(stream)).file_name("Hello.5.0.0.zip");
    let form = reqwest::multipart::Form::new().part("file", part);
    let response = s
        .client
        .post(format!("{}/api/Spaces-1/packages/raw?overwriteMode=FailIfExists", s.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn bad_uploads_are_400_and_leave_nothing() {
    let s = TestServer::start().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("Hello.1.0.0.zip", Vec::new(), "length equal to 0"),
        ("Hello.1.0.0.zip", b"this is not a zip".to_vec(), "not a readable zip"),
        ("Hello.1.0.0.tar.gz", b"not gzip at all".to_vec(), "tar.gz"),
        ("Hello.1.0.0.tar.gz", hello_zip("x"), "tar.gz"),
        ("Hello.1.0.0.nupkg", hello_zip("x"), "nuspec"),
        ("Other.1.0.0.nupkg", nupkg_bytes("Hello", "1.0.0"), "does not match"),
        ("Hello.1.0.0.nupkg", nupkg_bytes("Hello", "2.0.0"), "does not match"),
        ("no-version.zip", hello_zip("x"), "not valid"),
        ("Hello.1.0.0.exe", hello_zip("x"), "not valid"),
    ];
    for (name, bytes, expected) in cases {
        let (status, body) = s.push(name, bytes, "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        let text = body.to_string();
        assert!(text.contains(expected), "{name}: {text}");
    }
    // No file part at all.
    let form = reqwest::multipart::Form::new().text("note", "no file");
    let response = s.client.post(format!("{}/api/packages/raw", s.url)).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Not multipart at all.
    let (status, body) = s.post_raw("/api/packages/raw", "application/json", b"{}".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, list) = s.get("/api/packages").await;
    assert_eq!(list["TotalResults"], 0);
    assert_eq!(
        std::fs::read_dir(s.dir.path().join("data/tmp")).unwrap().count(),
        0,
        "no temporary file left"
    );
}

#[tokio::test]
async fn listing_lookup_and_delta_fallback() {
    let s = TestServer::start().await;
    for version in ["1.0.0", "1.10.0", "1.2.0", "2.0.0-beta.1"] {
        assert_eq!(
            s.push(&format!("Hello.{version}.zip"), hello_zip(version), "").await.0,
            StatusCode::CREATED
        );
    }
    s.push("Other.1.0.0.zip", hello_zip("o"), "").await;
    let (_, all) = s.get("/api/packages?nuGetPackageId=Hello").await;
    let versions: Vec<&str> =
        all["Items"].as_array().unwrap().iter().map(|p| p["Version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["2.0.0-beta.1", "1.10.0", "1.2.0", "1.0.0"]);
    let (_, latest) = s.get("/api/packages?nuGetPackageId=Hello&latest=true").await;
    assert_eq!(latest["Items"].as_array().unwrap().len(), 1);
    let (_, filtered) = s.get("/api/packages?filter=other").await;
    assert_eq!(filtered["TotalResults"], 1);
    assert_eq!(s.get("/api/packages/packages-Hello.1.2.0").await.0, StatusCode::OK);
    assert_eq!(s.get("/api/packages/Hello.1.2.0").await.0, StatusCode::OK);
    assert_eq!(s.get("/api/packages/Hello.9.9.9").await.0, StatusCode::NOT_FOUND);
    let (_, bulk) = s.get("/api/packages/bulk?ids=packages-Hello.1.0.0,packages-Other.1.0.0").await;
    assert_eq!(bulk.as_array().unwrap().len(), 2);
    let (status, body) = s.get("/api/Spaces-1/packages/Hello/3.0.0/delta-signature").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["ErrorMessage"].is_string());
    let (_, versions) = s.get("/api/feeds/feeds-builtin/packages/versions?packageId=Hello&take=1").await;
    assert_eq!(versions["Items"][0]["Version"], "1.10.0", "stable unless asked");
    let (_, versions) =
        s.get("/api/feeds/feeds-builtin/packages/versions?packageId=Hello&versionRange=%5B1.0,1.5%29").await;
    assert_eq!(versions["TotalResults"], 2);
    let (_, versions) =
        s.get("/api/feeds/feeds-builtin/packages/versions?packageId=Hello&preReleaseTag=%5Ebeta").await;
    assert_eq!(versions["Items"][0]["Version"], "2.0.0-beta.1");
}

#[tokio::test]
async fn build_information_push_conflicts_and_lookup() {
    let s = TestServer::start().await;
    // The Go CLI: PascalCase envelope, OverwriteMode in the body, no query string, Commits null.
    let go_body = json!({
        "spaceId": "Spaces-1", "PackageId": "Hello", "Version": "1.0.0",
        "OctopusBuildInformation": { "BuildEnvironment": "GitHub Actions", "BuildNumber": "42", "BuildUrl": "https://github.com/org/repo/actions/runs/1",
            "Branch": "main", "VcsType": "Git", "VcsRoot": "https://github.com/org/repo", "VcsCommitNumber": "abc123", "Commits": null },
        "OverwriteMode": "FailIfExists"
    });
    let (status, created) = s.post("/api/Spaces-1/build-information", go_body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["PackageId"], "Hello");
    assert_eq!(created["BuildNumber"], "42");
    assert_eq!(created["Commits"], json!([]));
    assert_eq!(created["VcsCommitUrl"], "https://github.com/org/repo/commit/abc123");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (status, conflict) = s.post("/api/Spaces-1/build-information", go_body.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(conflict["ErrorMessage"].as_str().unwrap().contains("already exists"));
    // Query overwriteMode wins over the body's.
    let (status, _) =
        s.post("/api/Spaces-1/build-information?overwriteMode=IgnoreIfExists", go_body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    // TS: camel/Pascal mix, spaceName extra, commits with Id/Comment, overwrite in the query.
    let ts_body = json!({
        "spaceName": "Default", "spaceId": "Spaces-1", "PackageId": "Hello", "Version": "1.0.0",
        "OctopusBuildInformation": { "BuildEnvironment": "GitHub Actions", "BuildNumber": "43", "Branch": "main", "VcsType": "Git",
            "VcsRoot": "https://github.com/org/repo", "VcsCommitNumber": "def456",
            "Commits": [{ "Id": "def456", "Comment": "GOD-1 fix thing" }] }
    });
    let (status, replaced) = s.post("/api/build-information?overwriteMode=OverwriteExisting", ts_body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replaced["Id"], id.as_str(), "overwrite keeps the id");
    assert_eq!(replaced["Commits"][0]["Comment"], "GOD-1 fix thing");
    assert_eq!(replaced["Commits"][0]["LinkUrl"], "https://github.com/org/repo/commit/def456");
    let (_, found) = s.get("/api/build-information?packageId=Hello&filter=1.0.0&latest=true").await;
    assert_eq!(found["Items"][0]["BuildNumber"], "43");
    assert_eq!(s.get(&format!("/api/build-information/{id}")).await.0, StatusCode::OK);
    let (_, bulk) = s.get(&format!("/api/build-information/bulk?ids={id}")).await;
    assert_eq!(bulk.as_array().unwrap().len(), 1);
    // The package resource shows it once both exist.
    s.push("Hello.1.0.0.zip", hello_zip("1"), "").await;
    let (_, package) = s.get("/api/packages/packages-Hello.1.0.0").await;
    assert_eq!(package["PackageVersionBuildInformation"]["BuildNumber"], "43");
    // Bad input.
    assert_eq!(
        s.post("/api/build-information", json!({"PackageId": "../etc", "Version": "1.0.0"})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.post("/api/build-information", json!({"PackageId": "Hello", "Version": "one"})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.post(
            "/api/build-information",
            json!({"PackageId": "Hello", "Version": "1.0.1", "OverwriteMode": "Sometimes"})
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn concurrent_pushes_of_one_version_store_exactly_one() {
    let s = TestServer::start().await;
    let pushes = (0..30).map(|i| {
        let s = &s;
        async move {
            s.push("Hello.7.0.0.zip", hello_zip(&format!("racer {i}")), "?overwriteMode=FailIfExists").await
        }
    });
    let results = futures_util::future::join_all(pushes).await;
    let created: Vec<_> = results.iter().filter(|(status, _)| *status == StatusCode::CREATED).collect();
    let conflicts = results.iter().filter(|(status, _)| *status == StatusCode::CONFLICT).count();
    assert_eq!(created.len(), 1, "{results:?}");
    assert_eq!(conflicts, 29);
    let response =
        s.client.get(format!("{}/api/packages/packages-Hello.7.0.0/raw", s.url)).send().await.unwrap();
    let stored = response.bytes().await.unwrap();
    assert_eq!(
        sha256(&stored),
        created[0].1["Sha256"].as_str().unwrap(),
        "the stored file is the acknowledged one"
    );
    assert_eq!(std::fs::read_dir(s.dir.path().join("data/packages/hello")).unwrap().count(), 1);
    assert_eq!(std::fs::read_dir(s.dir.path().join("data/tmp")).unwrap().count(), 0);
}
