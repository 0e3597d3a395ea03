//! Native CI output emitters, read back the way each CI parses them.

use std::collections::HashMap;

use ferry_ci::CiSystem;
use ferry_ci::output::{CommandStream, output_for_env};

fn written(buffer: &std::sync::Arc<std::sync::Mutex<Vec<u8>>>) -> String {
    String::from_utf8(buffer.lock().unwrap().clone()).unwrap()
}

/// Parse a `$GITHUB_OUTPUT` file the way the runner does: `name=value` lines and
/// `name<<DELIM` … `DELIM` blocks.
fn parse_github_output(text: &str) -> HashMap<String, String> {
    let mut outputs = HashMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for inner in lines.by_ref() {
                if inner == delimiter {
                    break;
                }
                value.push(inner);
            }
            outputs.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_owned(), value.to_owned());
        }
    }
    outputs
}

#[test]
fn github_outputs_survive_values_that_contain_delimiter_text() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let summary = dir.path().join("summary.md");
    let env: HashMap<&str, String> = [
        ("GITHUB_OUTPUT", output.display().to_string()),
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
    ]
    .into();
    let (stream, buffer) = CommandStream::memory();
    let ci = output_for_env(CiSystem::GitHub, |name| env.get(name).cloned(), stream);
    let tricky = "line one\nghadelimiter_0000\nEOF\nrelease-id<<EOF\nlast";
    ci.set_output("release-notes", tricky).unwrap();
    ci.set_output("release-id", "Releases-1").unwrap();
    ci.summary("## Shipped").unwrap();
    let outputs = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(outputs.get("release-notes").map(String::as_str), Some(tricky));
    assert_eq!(outputs.get("release-id").map(String::as_str), Some("Releases-1"));
    assert_eq!(outputs.len(), 2);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), "## Shipped\n");
    assert!(written(&buffer).is_empty(), "outputs go to files, not the log");
}

#[test]
fn github_commands_are_escaped() {
    let (stream, buffer) = CommandStream::memory();
    let ci = output_for_env(CiSystem::GitHub, |_| None, stream);
    ci.mask("multi\nline-secret").unwrap();
    ci.error("100% broken\nsecond line", Some("src/a,b:c.rs")).unwrap();
    ci.warning("careful").unwrap();
    ci.group_start("Pushing").unwrap();
    ci.group_end().unwrap();
    assert_eq!(
        written(&buffer),
        "::add-mask::multi\n::add-mask::line-secret\n\
::error file=src/a%2Cb%3Ac.rs::100%25 broken%0Asecond line\n\
::warning::careful\n::group::Pushing\n::endgroup::\n"
    );
}

#[test]
fn azure_uses_camel_case_variables_and_uploads_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let temp = dir.path().display().to_string();
    let (stream, buffer) = CommandStream::memory();
    let ci =
        output_for_env(CiSystem::Azure, |name| (name == "AGENT_TEMPDIRECTORY").then(|| temp.clone()), stream);
    ci.set_output("package-path", "a;b]\nc").unwrap();
    ci.set_secret_output("api-token", "tok").unwrap();
    ci.error("bad", Some("f.txt")).unwrap();
    ci.warning("hmm").unwrap();
    ci.summary("# Notes").unwrap();
    let text = written(&buffer);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "##vso[task.setvariable variable=packagePath;isOutput=true;issecret=false]a;b]%0Ac");
    assert_eq!(lines[1], "##vso[task.setvariable variable=apiToken;isOutput=true;issecret=true]tok");
    assert_eq!(lines[2], "##vso[task.logissue type=error;sourcepath=f.txt]bad");
    assert_eq!(lines[3], "##vso[task.logissue type=warning]hmm");
    let file = lines[4].strip_prefix("##vso[task.uploadsummary]").expect("uploadsummary command");
    assert!(file.starts_with(&temp), "summary under AGENT_TEMPDIRECTORY: {file}");
    assert_eq!(std::fs::read_to_string(file).unwrap(), "# Notes\n");
}

#[test]
fn azure_keeps_octotfs_output_names_with_underscores() {
    let (stream, buffer) = CommandStream::memory();
    let ci = output_for_env(CiSystem::Azure, |_| None, stream);
    ci.set_output("release_number", "1.0.9").unwrap();
    ci.set_output("release-version", "1.0.9").unwrap();
    let text = written(&buffer);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "##vso[task.setvariable variable=release_number;isOutput=true;issecret=false]1.0.9");
    assert_eq!(lines[1], "##vso[task.setvariable variable=releaseVersion;isOutput=true;issecret=false]1.0.9");
}

#[test]
fn teamcity_service_messages_escape_and_close_the_block_they_opened() {
    let (stream, buffer) = CommandStream::memory();
    let ci = output_for_env(CiSystem::TeamCity, |_| None, stream);
    ci.set_output("release-version", "1.0 'x' [y] |z\nw").unwrap();
    ci.group_start("Deploy").unwrap();
    ci.group_end().unwrap();
    ci.error("boom", None).unwrap();
    assert_eq!(
        written(&buffer),
        "##teamcity[setParameter name='ferry.release-version' value='1.0 |'x|' |[y|] ||z|nw']\n\
##teamcity[blockOpened name='Deploy']\n##teamcity[blockClosed name='Deploy']\n\
##teamcity[message text='boom' status='ERROR']\n"
    );
}

#[test]
fn bitbucket_and_circleci_write_environment_files() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared").display().to_string();
    let bash_env = dir.path().join("bash_env").display().to_string();
    let (stream, _) = CommandStream::memory();
    let bitbucket = output_for_env(
        CiSystem::Bitbucket,
        |name| (name == "BITBUCKET_PIPE_SHARED_STORAGE_DIR").then(|| shared.clone()),
        stream.clone(),
    );
    bitbucket.set_output("release-id", "Releases-\"2\"").unwrap();
    let dotenv = std::fs::read_to_string(dir.path().join("shared/ferry/outputs.env")).unwrap();
    assert_eq!(dotenv, "FERRY_RELEASE_ID=\"Releases-\\\"2\\\"\"\n");

    let circle =
        output_for_env(CiSystem::CircleCi, |name| (name == "BASH_ENV").then(|| bash_env.clone()), stream);
    circle.set_output("task-ids", "it's").unwrap();
    let script = std::fs::read_to_string(&bash_env).unwrap();
    assert_eq!(script, "export FERRY_TASK_IDS='it'\\''s'\n");
    // The shell must read the value back unchanged.
    let echoed = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(". '{bash_env}' && printf %s \"$FERRY_TASK_IDS\""))
        .output()
        .expect("bash is needed for this test");
    assert_eq!(String::from_utf8_lossy(&echoed.stdout), "it's");
}

#[test]
fn gitlab_sections_open_and_close() {
    let (stream, buffer) = CommandStream::memory();
    let ci = output_for_env(CiSystem::GitLab, |_| None, stream);
    ci.group_start("Build info").unwrap();
    ci.group_end().unwrap();
    let text = written(&buffer);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("\x1b[0Ksection_start:")
            && lines[0].contains(":ferry_0[collapsed=true]\r\x1b[0KBuild info")
    );
    assert!(lines[1].starts_with("\x1b[0Ksection_end:") && lines[1].ends_with(":ferry_0\r\x1b[0K"));
}
