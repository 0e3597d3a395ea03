//! Build context per CI system, from an environment map.

use std::collections::HashMap;

use ferry_ci::context::web_url;
use ferry_ci::{BuildContext, CiSystem};

fn context(pairs: &[(&str, &str)]) -> (CiSystem, BuildContext) {
    let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let var = |name: &str| env.get(name).cloned();
    let system = CiSystem::detect(var);
    (system, BuildContext::from_env(system, var))
}

/// (system, build number, build URL, branch, tag, PR, repository URL, commit)
type Expected<'a> = (CiSystem, &'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>, &'a str, &'a str);

#[test]
fn detects_each_ci_system_and_reads_its_build_context() {
    let pr_event = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pr_event.path(), r#"{"pull_request":{"head":{"sha":"headsha"}}}"#).unwrap();
    let event_path = pr_event.path().to_str().unwrap().to_owned();
    let cases: Vec<(Vec<(&str, &str)>, Expected)> = vec![
        (
            vec![
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_REPOSITORY", "octo/app"),
                ("GITHUB_RUN_ID", "999"),
                ("GITHUB_RUN_NUMBER", "12"),
                ("GITHUB_REF", "refs/heads/feature/x"),
                ("GITHUB_SHA", "abc"),
            ],
            (
                CiSystem::GitHub,
                "12",
                "https://github.com/octo/app/actions/runs/999",
                "feature/x",
                None,
                None,
                "https://github.com/octo/app",
                "abc",
            ),
        ),
        (
            vec![
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_REPOSITORY", "octo/app"),
                ("GITHUB_REF", "refs/tags/v1.2.3"),
                ("GITHUB_SHA", "abc"),
            ],
            (CiSystem::GitHub, "", "", "v1.2.3", Some("v1.2.3"), None, "https://github.com/octo/app", "abc"),
        ),
        (
            vec![
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_REPOSITORY", "octo/app"),
                ("GITHUB_REF", "refs/pull/7/merge"),
                ("GITHUB_HEAD_REF", "fix-it"),
                ("GITHUB_SHA", "mergesha"),
                ("GITHUB_EVENT_PATH", event_path.as_str()),
            ],
            (CiSystem::GitHub, "", "", "fix-it", None, Some("7"), "https://github.com/octo/app", "headsha"),
        ),
        (
            vec![
                ("TF_BUILD", "True"),
                ("BUILD_BUILDNUMBER", "20250101.3"),
                ("BUILD_BUILDID", "55"),
                ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/org/"),
                ("SYSTEM_TEAMPROJECT", "Proj"),
                ("BUILD_REPOSITORY_URI", "https://org@dev.azure.com/org/Proj/_git/app"),
                ("BUILD_SOURCEBRANCH", "refs/heads/main"),
                ("BUILD_SOURCEVERSION", "def"),
            ],
            (
                CiSystem::Azure,
                "20250101.3",
                "https://dev.azure.com/org/Proj/_build/results?buildId=55",
                "main",
                None,
                None,
                "https://dev.azure.com/org/Proj/_git/app",
                "def",
            ),
        ),
        (
            vec![
                ("TF_BUILD", "True"),
                ("BUILD_SOURCEBRANCH", "refs/pull/9/merge"),
                ("SYSTEM_PULLREQUEST_PULLREQUESTID", "9"),
                ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "refs/heads/topic"),
            ],
            (CiSystem::Azure, "", "", "topic", None, Some("9"), "", ""),
        ),
        (
            vec![
                ("JENKINS_URL", "https://ci.example.test/"),
                ("BUILD_NUMBER", "8"),
                ("BUILD_URL", "https://ci.example.test/job/app/8/"),
                ("GIT_BRANCH", "origin/develop"),
                ("GIT_URL", "https://user:secret@git.example.test/team/app.git"),
                ("GIT_COMMIT", "123"),
            ],
            (
                CiSystem::Jenkins,
                "8",
                "https://ci.example.test/job/app/8/",
                "develop",
                None,
                None,
                "https://git.example.test/team/app",
                "123",
            ),
        ),
        (
            vec![
                ("BITBUCKET_BUILD_NUMBER", "31"),
                ("BITBUCKET_REPO_FULL_NAME", "ws/app"),
                ("BITBUCKET_TAG", "v2.0.0"),
                ("BITBUCKET_GIT_HTTP_ORIGIN", "http://bitbucket.org/ws/app"),
                ("BITBUCKET_COMMIT", "b1"),
            ],
            (
                CiSystem::Bitbucket,
                "31",
                "https://bitbucket.org/ws/app/addon/pipelines/home#!/results/31",
                "v2.0.0",
                Some("v2.0.0"),
                None,
                "http://bitbucket.org/ws/app",
                "b1",
            ),
        ),
        (
            vec![
                ("GITLAB_CI", "true"),
                ("CI_PIPELINE_IID", "4"),
                ("CI_PIPELINE_URL", "https://gitlab.example.test/g/app/-/pipelines/100"),
                ("CI_PROJECT_URL", "https://gitlab.example.test/g/app"),
                ("CI_COMMIT_SHA", "g1"),
                ("CI_MERGE_REQUEST_IID", "3"),
                ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "mr-branch"),
                ("CI_COMMIT_REF_NAME", "refs/merge-requests/3/head"),
            ],
            (
                CiSystem::GitLab,
                "4",
                "https://gitlab.example.test/g/app/-/pipelines/100",
                "mr-branch",
                None,
                Some("3"),
                "https://gitlab.example.test/g/app",
                "g1",
            ),
        ),
        (
            vec![("TEAMCITY_VERSION", "2024.1"), ("BUILD_NUMBER", "77"), ("BUILD_VCS_NUMBER", "t1")],
            (CiSystem::TeamCity, "77", "", "", None, None, "", "t1"),
        ),
        (
            vec![
                ("CIRCLECI", "true"),
                ("CIRCLE_BUILD_NUM", "5"),
                ("CIRCLE_BUILD_URL", "https://circleci.com/gh/o/r/5"),
                ("CIRCLE_BRANCH", "main"),
                ("CIRCLE_REPOSITORY_URL", "git@github.com:o/r.git"),
                ("CIRCLE_SHA1", "c1"),
                ("CIRCLE_PULL_REQUEST", "https://github.com/o/r/pull/21"),
            ],
            (
                CiSystem::CircleCi,
                "5",
                "https://circleci.com/gh/o/r/5",
                "main",
                None,
                Some("21"),
                "https://github.com/o/r",
                "c1",
            ),
        ),
        (vec![("HOME", "/root")], (CiSystem::None, "", "", "", None, None, "", "")),
    ];
    for (env, expected) in cases {
        let (system, ctx) = context(&env);
        let actual = (
            system,
            ctx.build_number.as_str(),
            ctx.build_url.as_str(),
            ctx.branch.as_str(),
            ctx.tag.as_deref(),
            ctx.pull_request.as_deref(),
            ctx.repository_url.as_str(),
            ctx.commit.as_str(),
        );
        assert_eq!(actual, expected, "env: {env:?}");
        assert_eq!(ctx.environment, system.build_environment());
    }
}

#[test]
fn gitlab_and_jenkins_name_the_previous_commit_but_not_an_all_zero_one() {
    let (_, gitlab) = context(&[("GITLAB_CI", "true"), ("CI_COMMIT_BEFORE_SHA", "aaa")]);
    assert_eq!(gitlab.previous_commit.as_deref(), Some("aaa"));
    let (_, first) = context(&[("GITLAB_CI", "true"), ("CI_COMMIT_BEFORE_SHA", "0000000000")]);
    assert_eq!(first.previous_commit, None);
    let (_, jenkins) = context(&[("JENKINS_URL", "x"), ("GIT_PREVIOUS_SUCCESSFUL_COMMIT", "bbb")]);
    assert_eq!(jenkins.previous_commit.as_deref(), Some("bbb"));
}

#[test]
fn web_urls_lose_credentials_and_ssh_forms() {
    let table = [
        ("https://x-access-token:ghs_secret@github.com/o/r.git", "https://github.com/o/r"),
        ("git@gitlab.example.test:group/sub/app.git", "https://gitlab.example.test/group/sub/app"),
        ("ssh://git@host.example.test/o/r.git", "https://host.example.test/o/r"),
        ("https://github.com/o/r", "https://github.com/o/r"),
        ("", ""),
    ];
    for (remote, expected) in table {
        assert_eq!(web_url(remote), expected, "remote: {remote}");
    }
}

#[test]
fn build_information_carries_the_context() {
    let (_, ctx) = context(&[("GITHUB_ACTIONS", "true"), ("GITHUB_REPOSITORY", "o/r"), ("GITHUB_SHA", "s")]);
    let info = ctx.to_build_information();
    assert_eq!(info.build_environment, "GitHub Actions");
    assert_eq!(info.vcs_type, "Git");
    assert_eq!(info.vcs_root, "https://github.com/o/r");
    assert_eq!(info.vcs_commit_number, "s");
}

/// AppVeyor, Bamboo and Continua CI, with the variables each documents (see src/context.rs).
#[test]
fn detects_appveyor_bamboo_and_continua_ci() {
    let cases: Vec<(Vec<(&str, &str)>, Expected)> = vec![
        (
            vec![
                ("APPVEYOR", "True"),
                ("CI", "True"),
                ("APPVEYOR_URL", "https://ci.appveyor.com"),
                ("APPVEYOR_ACCOUNT_NAME", "ferry"),
                ("APPVEYOR_PROJECT_SLUG", "hello"),
                ("APPVEYOR_BUILD_ID", "51234"),
                ("APPVEYOR_BUILD_NUMBER", "88"),
                ("APPVEYOR_REPO_PROVIDER", "gitHub"),
                ("APPVEYOR_REPO_NAME", "ferry-deploy/hello"),
                ("APPVEYOR_REPO_BRANCH", "main"),
                ("APPVEYOR_REPO_TAG", "false"),
                ("APPVEYOR_REPO_TAG_NAME", "ignored-when-not-a-tag"),
                ("APPVEYOR_REPO_COMMIT", "a1b2"),
            ],
            (
                CiSystem::AppVeyor,
                "88",
                "https://ci.appveyor.com/project/ferry/hello/builds/51234",
                "main",
                None,
                None,
                "https://github.com/ferry-deploy/hello",
                "a1b2",
            ),
        ),
        (
            vec![
                ("APPVEYOR", "True"),
                ("APPVEYOR_BUILD_NUMBER", "89"),
                ("APPVEYOR_REPO_PROVIDER", "git"),
                ("APPVEYOR_REPO_NAME", "somewhere/else"),
                ("APPVEYOR_REPO_BRANCH", "main"),
                ("APPVEYOR_PULL_REQUEST_NUMBER", "14"),
                ("APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH", "fix-it"),
                ("APPVEYOR_PULL_REQUEST_HEAD_COMMIT", "prhead"),
                ("APPVEYOR_REPO_COMMIT", "mergecommit"),
            ],
            (CiSystem::AppVeyor, "89", "", "fix-it", None, Some("14"), "", "prhead"),
        ),
        (
            vec![
                ("bamboo_agentId", "131073"),
                ("bamboo_buildKey", "PROJ-PLAN-JOB1"),
                ("bamboo_buildNumber", "42"),
                ("bamboo_buildResultsUrl", "https://bamboo.example.com/browse/PROJ-PLAN-42"),
                ("bamboo_planRepository_1_repositoryUrl", "git@bitbucket.example.com:team/hello.git"),
                ("bamboo_planRepository_1_branchName", "release/1.0"),
                ("bamboo_planRepository_1_revision", "c0ffee"),
            ],
            (
                CiSystem::Bamboo,
                "42",
                "https://bamboo.example.com/browse/PROJ-PLAN-42",
                "release/1.0",
                None,
                None,
                "https://bitbucket.example.com/team/hello",
                "c0ffee",
            ),
        ),
        (
            vec![
                ("ContinuaCI.Version", "1.9.2.100"),
                ("ContinuaCI.Build.Id", "310"),
                ("ContinuaCI.Build.BuildNumber", "17"),
                ("ContinuaCI.Build.TriggeringBranch", "feature/x"),
                ("ContinuaCI.Build.LatestChangeset.Branch", "refs/heads/feature/x"),
                ("ContinuaCI.Build.LatestChangeset.Revision", "d00d"),
            ],
            (CiSystem::ContinuaCi, "17", "", "feature/x", None, None, "", "d00d"),
        ),
    ];
    for (env, (system, number, url, branch, tag, pr, repository, commit)) in cases {
        let (detected, ctx) = context(&env);
        assert_eq!(detected, system, "{env:?}");
        assert_eq!(
            (ctx.build_number.as_str(), ctx.build_url.as_str(), ctx.branch.as_str()),
            (number, url, branch),
            "{env:?}"
        );
        assert_eq!((ctx.tag.as_deref(), ctx.pull_request.as_deref()), (tag, pr), "{env:?}");
        assert_eq!((ctx.repository_url.as_str(), ctx.commit.as_str()), (repository, commit), "{env:?}");
        assert_eq!(ctx.environment, system.build_environment());
    }
}
