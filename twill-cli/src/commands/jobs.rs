//! `twill jobs`: follow a job's log, cancel a job.

use twill_api::api::Jobs;
use twill_api::{Arguments, Client};

use crate::cli::JobCommand;
use crate::failure::Failure;
use crate::session::Session;
use crate::standing::Followed;

pub async fn run(session: &Session, command: JobCommand) -> Result<(), Failure> {
    match command {
        JobCommand::Logs { job, timeout, task } => {
            let followed = Followed {
                job: &job,
                task: task.as_deref(),
                criteria: false,
            };
            session.follow(followed, timeout).await
        }
        JobCommand::Cancel { job } => cancel(session, &job).await,
        JobCommand::Wait { jobs, wait } => {
            let jobs = super::wait::ids_given(jobs)?;
            let targets = jobs.into_iter().map(super::wait::Target::job).collect();
            super::wait::run(session, targets, &wait).await
        }
    }
}

/// The answer is undocumented: what it says (`success`, a `message`) is
/// reported, no more.
async fn cancel(session: &Session, job: &str) -> Result<(), Failure> {
    let raw = session
        .call(
            <Client as Jobs>::CANCEL_JOB,
            Arguments::new().arg("jobId", job),
        )
        .await?;
    session.acknowledged(&raw, &format!("job {job}: cancel accepted"))
}
