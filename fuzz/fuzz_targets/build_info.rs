//! Build information JSON: never panics; what parses serialises and parses back to the same.
#![no_main]

use ferry_core::build_info::BuildInformation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(info) = BuildInformation::from_json(text) {
        let json = info.to_json();
        let again = BuildInformation::from_json(&json).expect("our own JSON parses");
        assert_eq!(again, info);
    }
});
