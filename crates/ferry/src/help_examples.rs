//! The "Examples" section of each command's long help (`--help`, not `-h`).
//!
//! Every line that starts with `  ferry ` is parsed by the command-line tests, so an example that
//! stops matching the flags fails the build's tests rather than misleading a reader.

pub const PACKAGE_CREATE: &str = "\
Examples:
  # Zip a folder as package Hello 1.0.0 (written to ./Hello.1.0.0.zip)
  ferry package create --id Hello --version 1.0.0 --base-path publish

  # A NuGet package of the current folder, into ./dist
  ferry package create --id Web --version 2.3.0-beta.4 --format nupkg --out-folder dist

  # A tar.gz of the bin folder, the version computed from git
  ferry package create --id api --version auto --format tar.gz --include bin/**";

pub const PACKAGE_PUSH: &str = "\
Examples:
  # Push one package to the server named by FERRY_SERVER (or OCTOPUS_URL)
  ferry package push Hello.1.0.0.zip

  # Push several, keeping packages that exist already
  ferry package push dist/Hello.1.0.0.zip dist/Hello.Lib.1.0.0.zip --if-exists ignore

  # Replace what is there, on an explicit server
  ferry --server https://deploy.example.com package push Hello.1.0.0.zip --if-exists overwrite";

pub const BUILD_INFO_CREATE: &str = "\
Examples:
  # Write buildinfo.octopus.json for package Hello 1.0.0
  ferry build-info create --package-id Hello --version 1.0.0

  # Print it on stdout, the version computed from git
  ferry build-info create --package-id Hello --version auto --file -

  # The commits since tag v0.9.0
  ferry build-info create --package-id Hello --version 1.0.0 --since v0.9.0";

pub const BUILD_INFO_PUSH: &str = "\
Examples:
  # Collect on the spot and push for Hello 1.0.0
  ferry build-info push --package-id Hello --version 1.0.0

  # Push a file written earlier by `ferry build-info create`
  ferry build-info push --package-id Hello --version 1.0.0 --file buildinfo.octopus.json

  # Several packages of one build
  ferry build-info push --package-id Hello --package-id Hello.Lib --version 1.0.0";

pub const RELEASE_NOTES: &str = "\
Examples:
  # Notes for the commits since the nearest tag, on stdout
  ferry release-notes

  # From build information files, into a file
  ferry release-notes --from-build-info buildinfo.octopus.json --file NOTES.md

  # With a template of your own
  ferry release-notes --template notes.tmpl.md --since v1.3.0";

pub const VERSION: &str = "\
Examples:
  # Ferry's version and build information
  ferry version

  # The same as one JSON document
  ferry -o json version

  # A version for the current commit, computed from git
  ferry version next";

pub const VERSION_NEXT: &str = "\
Examples:
  # 1.4.0 on a commit tagged v1.4.0, else e.g. 1.4.1-ci.3
  ferry version next

  # The CI build number as the pre-release counter, labelled `beta`
  ferry version next --prerelease-label beta --use-build-number

  # Another repository
  ferry version next --repo ../service";

pub const RELEASE_CREATE: &str = "\
Examples:
  # Release 1.0.0 of project Hello; the server picks the package versions
  ferry release create --project Hello --version 1.0.0

  # Pin the package, and render the notes from its build information
  ferry release create --project Hello --version 1.0.0 --package Hello:1.0.0 --release-notes-auto

  # Into a channel, reusing the release when it exists
  ferry release create --project Hello --version 1.1.0-beta.1 --channel Beta --if-exists ignore";

pub const RELEASE_DEPLOY: &str = "\
Examples:
  # Deploy 1.0.0 to Test and wait for it, streaming the log
  ferry release deploy --project Hello --version 1.0.0 --to Test --wait

  # The newest release to two environments
  ferry release deploy --project Hello --version latest --to Test --to Staging

  # A tenant, with a prompted variable
  ferry release deploy --project Web --version 1.0.0 --to Prod --tenant Acme --variable Region=eu";

pub const RELEASE_PROMOTE: &str = "\
Examples:
  # The release running in Test goes to Production
  ferry release promote --project Hello --from Test --to Production --wait

  # Test's last deployment failed: promote the newest release that succeeded there
  ferry release promote --project Hello --from Test --to Production --latest-successful

  # Cancel the deployment if it still runs after 20 minutes
  ferry release promote --project Web --from Test --to DR --wait --timeout 20m --cancel-on-timeout";

pub const RELEASE_ROLLBACK: &str = "\
Examples:
  # Redeploy the release Production had before the current one
  ferry release rollback --project Hello --environment Production --wait

  # For one tenant
  ferry release rollback --project Hello --environment Production --tenant Acme";

pub const TASK_WAIT: &str = "\
Examples:
  # Wait for one task, streaming its log
  ferry task wait ServerTasks-42

  # Several, for at most 5 minutes, cancelling them then
  ferry task wait ServerTasks-42 ServerTasks-43 --timeout 5m --cancel-on-timeout";

pub const RUNBOOK_RUN: &str = "\
Examples:
  # Run a runbook in Production on an Octopus Deploy server and wait for it
  ferry runbook run --project Hello --runbook \"Restart web\" --environment Production --wait

  # For the tenants tagged Region/EU
  ferry runbook run --project Hello --runbook Backup --environment Prod --tenant-tag Region/EU

  # With a prompted variable
  ferry runbook run --project Hello --runbook Backup --environment Test --variable Reason=nightly";

pub const SHIP: &str = "\
Examples:
  # Package, push, build information, release, deploy by the lifecycle, and wait
  ferry ship --project Hello --id Hello --version 1.0.0 --base-path publish --wait

  # The version from the git tag (v1.4.0 is taken as 1.4.0), deployed to Test
  ferry ship --project Hello --id Hello --version v1.4.0 --base-path publish --to Test --wait

  # The embedded server with a configuration of your own; the current folder, version from git
  ferry --config ci/ferry.toml --data .ferry-ci ship --project Hello --id Hello --version auto";

pub const SERVER: &str = "\
Examples:
  # Serve on 127.0.0.1:8065 from ./.ferry with ./ferry.toml
  ferry server

  # All interfaces over HTTPS (requires FERRY_SERVER_API_KEYS)
  ferry server --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem

  # Another data folder and configuration, 8 deployment workers
  ferry --data /var/lib/ferry --config /etc/ferry/ferry.toml server --workers 8";

pub const COMPLETIONS: &str = "\
Examples:
  # Bash, for the current shell
  ferry completions bash

  # Zsh, installed where zsh looks for completions
  ferry completions zsh

  # PowerShell
  ferry completions powershell";

pub const MAN: &str = "\
Examples:
  # Read the manual page
  ferry man

  # Write ferry.1 and one page per command into a folder
  ferry man --out-dir target/man";

pub const RELEASE_LIST: &str = "\
Examples:
  # The 20 newest releases of Hello and where each is deployed
  ferry release list --project Hello

  # The newest 5, as JSON
  ferry release list --project Hello --take 5 -o json";

pub const RELEASE_SHOW: &str = "\
Examples:
  # Channel, packages, notes and deployments of Hello 1.0.0
  ferry release show --project Hello --version 1.0.0

  # The newest release, as JSON
  ferry release show --project Hello --version latest -o json";

pub const TASK_LIST: &str = "\
Examples:
  # The 20 newest tasks
  ferry task list

  # What is running or queued for Hello
  ferry task list --project Hello --active

  # The failed deployments to Production
  ferry task list --environment Production --state Failed --take 50";

pub const TASK_SHOW: &str = "\
Examples:
  # State, times, what it deploys and why it failed
  ferry task show ServerTasks-42

  # As JSON (durations in seconds)
  ferry task show ServerTasks-42 -o json";

pub const TASK_LOG: &str = "\
Examples:
  # The whole log on stdout
  ferry task log ServerTasks-42

  # The last 50 lines
  ferry task log ServerTasks-42 --tail 50";

pub const TASK_CANCEL: &str = "\
Examples:
  # Cancel one task
  ferry task cancel ServerTasks-42

  # Several
  ferry task cancel ServerTasks-42 ServerTasks-43";

pub const PROJECT_LIST: &str = "\
Examples:
  # The projects of the default space
  ferry project list

  # Of another space, as JSON
  ferry --space Operations project list -o json";

pub const PROJECT_SHOW: &str = "\
Examples:
  # Lifecycle, channels and newest releases of Hello
  ferry project show Hello

  # As JSON
  ferry project show Hello -o json";

pub const ENVIRONMENT_LIST: &str = "\
Examples:
  # The environments in deployment order
  ferry environment list

  # As JSON
  ferry environment list -o json";

pub const INIT: &str = "\
Examples:
  # ferry.toml, deploy.sh and a workflow for the CI system detected here
  ferry init

  # With a GitHub Actions workflow and another project name
  ferry init --ci github --project Web

  # Write them again over the existing files
  ferry init --ci gitlab --force";

pub const CHECK: &str = "\
Examples:
  # ferry.toml, the server, the key, the space and the environments
  ferry check

  # Also project Hello and whether its lifecycle allows a next deployment
  ferry check --project Hello

  # Only the file, without a server
  ferry check --offline";
