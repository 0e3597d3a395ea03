//! How the flow's events look on a terminal or in a CI log: plain lines on stderr (warnings also
//! as the CI's annotations), nothing on stdout, so `-o json` output stays one document.

use ferry_flow::follow::{FollowEvent, FollowReporter};
use ferry_flow::ship::{ShipEvent, ShipReporter};

use crate::context::Ctx;

impl FollowReporter for Ctx {
    fn report(&self, event: FollowEvent<'_>) {
        match event {
            FollowEvent::LogLine { label: Some(label), line } => self.info(&format!("[{label}] {line}")),
            FollowEvent::LogLine { label: None, line } => self.info(line),
            FollowEvent::Finished { task } => {
                self.info(&format!("{}: {} {}", task.label, task.task_id, task.state));
            }
            FollowEvent::Canceled { task } => {
                self.warn(&format!("canceled {} ({}) after the timeout", task.task_id, task.label));
            }
            FollowEvent::CancelFailed { task, error } => {
                self.warn(&format!("could not cancel {}: {error}", task.task_id));
            }
            FollowEvent::StoppedWaiting { task, after } => self.warn(&format!(
                "stopped waiting for {} ({}) after {}s: it is still {} and keeps running on the server; follow it with: ferry task wait {}",
                task.task_id,
                task.label,
                after.as_secs(),
                task.state,
                task.task_id
            )),
        }
    }
}

impl<E: std::fmt::Display> ShipReporter<E> for Ctx {
    fn report(&self, event: ShipEvent<'_, E>) {
        match event {
            ShipEvent::Pushed(package) => self.info(&crate::pushing::pushed_line(package)),
            ShipEvent::PreviousBuild(previous) => {
                self.info(&crate::build_information::previous_build_line(previous));
            }
            ShipEvent::PreviousBuildUnreadable(err) => {
                self.warn(&crate::build_information::previous_build_unreadable(err));
            }
            ShipEvent::BuildInformationPushed(stored) => {
                self.info(&crate::build_information::pushed_line(stored));
            }
            ShipEvent::Adopted { project, release, reused } => self.info(&format!(
                "{} {} is already deployed to {} ({}, {}: {}); not deploying it again",
                project.name,
                release.version,
                reused.deployment.environment,
                reused.deployment.deployment_id,
                reused.deployment.task_id,
                reused.state
            )),
            ShipEvent::Deploying { project, release, deployment } => {
                self.info(&crate::deployments::deploying_line(project, release, deployment));
            }
        }
    }
}
