//! Package ids and file names: never panic; a parsed name rebuilds into a name that parses to
//! the same id, version and format; ids never contain path separators or `..`.
#![no_main]

use ferry_core::package_id::{PackageFormat, PackageId, package_file_name, parse_package_file_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = PackageId::new(&text) {
        let id = id.as_str();
        assert!(!id.contains(['/', '\\', '\0']) && !id.contains(".."), "unsafe id {id:?}");
        assert!(id.len() <= 100, "id of {} characters", id.len());
    }
    let _ = PackageFormat::from_file_name(&text);
    if let Ok(parsed) = parse_package_file_name(&text) {
        let name = package_file_name(&parsed.id, &parsed.version, parsed.format);
        assert!(!name.contains(['/', '\\', '\0']), "file name {name:?} has a path separator");
        let again = parse_package_file_name(&name).expect("a rebuilt name parses");
        assert_eq!(again, parsed, "{text:?} -> {name:?}");
    }
});
