//! House rule: no command module calls another. Logic two commands share lives in the flow (or
//! in a module of the binary that is not a command); a command module that reaches into a
//! sibling (`super::package_push::…`, `crate::commands::…`) makes one command's behaviour depend
//! on another's and fails this test.

use std::path::Path;

/// The command modules: every file in `src/commands` but `mod.rs`.
fn command_modules(dir: &Path) -> Vec<(String, String)> {
    let mut modules: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs") && !path.ends_with("mod.rs"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    modules.sort();
    modules
}

/// Every use of another command module in `text`, the source of command `name`.
fn uses_of_siblings(name: &str, text: &str, siblings: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let reaches = siblings.iter().filter(|other| *other != name).any(|other| {
            code.contains(&format!("super::{other}")) || code.contains(&format!("commands::{other}"))
        });
        if reaches || code.contains("crate::commands::") {
            found.push(format!("src/commands/{name}.rs:{}: {}", number + 1, line.trim()));
        }
    }
    found
}

#[test]
fn no_command_module_uses_another() {
    let modules = command_modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands"));
    assert!(modules.len() > 10, "the command modules were not found");
    let names: Vec<String> = modules.iter().map(|(name, _)| name.clone()).collect();
    let found: Vec<String> =
        modules.iter().flat_map(|(name, text)| uses_of_siblings(name, text, &names)).collect();
    assert!(found.is_empty(), "command modules use other command modules:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_sibling_call_and_ignores_the_module_itself() {
    let names = vec!["ship".to_owned(), "package_push".to_owned()];
    let calls = "let pushed = super::package_push::push_all(ctx, client, files, mode).await?;";
    assert_eq!(uses_of_siblings("ship", calls, &names).len(), 1);
    assert_eq!(uses_of_siblings("ship", "use crate::commands::package_push;", &names).len(), 1);
    // A test module's `use super::*;` is the command itself; comments do not count.
    assert!(
        uses_of_siblings("ship", "    use super::*;\n// super::package_push is not called", &names)
            .is_empty()
    );
}
