//! The multipart upload path with arbitrary bodies: the first byte picks a content type (proper
//! boundary, missing boundary, wrong type), the rest is the raw request body.
#![no_main]

use ferry_fuzz::{check, send};
use ferry_testkit::http::BOUNDARY;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let proper = format!("multipart/form-data; boundary={BOUNDARY}");
    let content_type = match selector % 4 {
        0 | 1 => proper.as_str(),
        2 => "multipart/form-data",
        _ => "application/octet-stream",
    };
    let mode = ["FailIfExists", "IgnoreIfExists", "OverwriteExisting", "bogus"][(selector as usize >> 2) % 4];
    let path = format!("/api/Spaces-1/packages/raw?overwriteMode={mode}");
    let response = send("POST", &path, &[("Content-Type", content_type)], body);
    check(&response, &format!("multipart ({} bytes, {content_type})", body.len()));
});
