//! JSON bodies on the write routes (build information, release creation, deployments, legacy
//! routes): the first byte picks the route, the rest is the body. Never a 5xx.
#![no_main]

use ferry_fuzz::{check, send};
use libfuzzer_sys::fuzz_target;

const ROUTES: [&str; 6] = [
    "/api/Spaces-1/build-information?overwriteMode=OverwriteExisting",
    "/api/Spaces-1/releases/create/v1",
    "/api/Spaces-1/deployments/create/untenanted/v1",
    "/api/Spaces-1/releases",
    "/api/Spaces-1/deployments",
    "/api/Spaces-1/deployments/create/tenanted/v1",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let route = ROUTES[selector as usize % ROUTES.len()];
    let content_type = if selector & 0x80 == 0 { "application/json" } else { "text/plain" };
    let response = send("POST", route, &[("Content-Type", content_type)], body);
    check(&response, &format!("POST {route} ({} bytes)", body.len()));
});
