//! `--exec CMD`: with GitHub as the server nobody else runs the deployment, so Ferry runs the
//! deploy command here, with the environment `ferry server` gives its deploy commands, and
//! reports the outcome as the deployment's statuses.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use ferry_core::package_id::PackageFormat;

use ferry_core::deploy_env::{DeployVariables, SECRET_VARIABLES};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

/// Unpacks a package archive into a folder. The binary passes `ferry server`'s extractor (with its
/// limits on size, ratio and entries), so a deploy command finds the same files on both targets.
pub type Extractor = Arc<dyn Fn(&Path, PackageFormat, &Path) -> Result<(), String> + Send + Sync>;

/// How the deploy command is run.
#[derive(Clone)]
pub struct LocalDeployer {
    /// The shell command.
    pub command: String,
    /// The longest it may run; then it is stopped and the deployment fails.
    pub timeout: Duration,
    /// The deployment statuses' `log_url`: the CI run's page, where this command's output is.
    pub log_url: Option<String>,
    /// Unpacks the release's packages before the command runs.
    pub extract: Extractor,
}

impl std::fmt::Debug for LocalDeployer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalDeployer")
            .field("command", &self.command)
            .field("timeout", &self.timeout)
            .field("log_url", &self.log_url)
            .finish_non_exhaustive()
    }
}

/// How a run of the deploy command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    /// It exited 0.
    pub success: bool,
    /// Why not, in one line.
    pub reason: String,
    /// Its output, stdout and stderr interleaved as they came, one line each.
    pub log: Vec<String>,
}

impl LocalDeployer {
    /// Run the command in the current directory (the checkout, where its scripts are) with
    /// `variables`, collecting its output.
    pub async fn run(&self, variables: &DeployVariables<'_>) -> std::io::Result<ExecOutcome> {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for name in SECRET_VARIABLES {
            command.env_remove(name);
        }
        command.envs(variables.to_env());
        let mut child = command.spawn()?;
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let readers = [
            child.stdout.take().map(|out| tokio::spawn(read_lines(out, sender.clone()))),
            child.stderr.take().map(|err| tokio::spawn(read_lines(err, sender.clone()))),
        ];
        drop(sender);
        let (success, reason) = tokio::select! {
            status = child.wait() => match status? {
                status if status.success() => (true, "the deploy command succeeded".to_owned()),
                status => (false, match status.code() {
                    Some(code) => format!("the deploy command failed with exit code {code}"),
                    None => "the deploy command was killed by a signal".to_owned(),
                }),
            },
            () = tokio::time::sleep(self.timeout) => {
                let _ = child.kill().await;
                (false, format!("the deploy command did not finish within {} s and was stopped", self.timeout.as_secs()))
            }
        };
        for reader in readers.into_iter().flatten() {
            // Pipes held open by an orphaned grandchild must not hold the deployment forever.
            let _ = tokio::time::timeout(Duration::from_secs(5), reader).await;
        }
        let mut log = Vec::new();
        while let Ok(line) = receiver.try_recv() {
            log.push(line);
        }
        Ok(ExecOutcome { success, reason, log })
    }
}

async fn read_lines(stream: impl AsyncRead + Unpin, sender: tokio::sync::mpsc::UnboundedSender<String>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if sender.send(line).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployer(command: &str) -> LocalDeployer {
        LocalDeployer {
            command: command.to_owned(),
            timeout: Duration::from_secs(20),
            log_url: None,
            extract: Arc::new(|_, _, _| Ok(())),
        }
    }

    #[tokio::test]
    async fn the_command_sees_the_ferry_variables_and_its_output_is_kept() {
        let variables =
            DeployVariables { environment: "Staging", release_version: "1.0.0", ..Default::default() };
        let outcome = deployer("echo \"to $FERRY_ENVIRONMENT $FERRY_RELEASE_VERSION\"; echo oops >&2")
            .run(&variables)
            .await
            .unwrap();
        assert!(outcome.success, "{outcome:?}");
        assert!(outcome.log.contains(&"to Staging 1.0.0".to_owned()), "{:?}", outcome.log);
        assert!(outcome.log.contains(&"oops".to_owned()), "{:?}", outcome.log);
    }

    #[tokio::test]
    async fn a_failing_command_says_its_exit_code() {
        let outcome = deployer("exit 7").run(&DeployVariables::default()).await.unwrap();
        assert!(!outcome.success);
        assert!(outcome.reason.contains("exit code 7"), "{}", outcome.reason);
    }
}
