//! `ferry version`: Ferry's own version and how this binary was built.

use crate::context::Ctx;

/// The commit Ferry was built from, when the build named it (`FERRY_BUILD_COMMIT` at compile
/// time: release builds set it; a plain `cargo build` does not, and then no commit is claimed).
const BUILD_COMMIT: Option<&str> = option_env!("FERRY_BUILD_COMMIT");

/// Run the command.
pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
    let commit = BUILD_COMMIT.filter(|commit| !commit.is_empty());
    let text = format!(
        "ferry {version}\ncommit:   {}\nplatform: {os}-{arch}\nprofile:  {profile}",
        commit.unwrap_or("unknown (built without FERRY_BUILD_COMMIT)")
    );
    ctx.print_result(
        &text,
        &serde_json::json!({"version": version, "commit": commit, "os": os, "arch": arch, "profile": profile}),
    );
    Ok(())
}
