//! The server's package upload and archive validation over HTTP: the first byte picks the
//! format (zip, nupkg, tar.gz, tar, tgz), the rest is the file. The answer is 201/200/409 or a 4xx
//! JSON error, never a 5xx or a dead connection, and nothing is written outside the data dir.
#![no_main]

use ferry_fuzz::{check, send};
use ferry_testkit::http::{Part, multipart};
use libfuzzer_sys::fuzz_target;

const EXTENSIONS: [&str; 5] = ["zip", "nupkg", "tar.gz", "tar", "tgz"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else { return };
    let ext = EXTENSIONS[selector as usize % EXTENSIONS.len()];
    let name = format!("Fuzz.1.0.{}.{ext}", selector / 8);
    let (content_type, body) = multipart(&[Part::file("file", &name, file.to_vec())]);
    let response = send(
        "POST",
        "/api/Spaces-1/packages/raw?overwriteMode=OverwriteExisting",
        &[("Content-Type", &content_type)],
        &body,
    );
    check(&response, &format!("upload {name} ({} bytes)", file.len()));
    if matches!(response.status, 200 | 201) {
        let json = response.json();
        assert!(json.get("PackageId").is_some() || json.get("packageId").is_some(), "{json}");
    }
});
