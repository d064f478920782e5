//! Jobs: follow a job's logs, cancel it.

use crate::error::Error;
use crate::models::Acknowledgement;
use crate::stream::JobLogStream;
use crate::{Client, endpoints, twill_endpoint};

/// The job endpoints. [`Client`] implements this trait.
#[endpoints]
pub trait Jobs {
    /// The job's log events as server-sent events (`Accept:
    /// text/event-stream`), history first, until it completes.
    ///
    /// The call returns once the response head arrives; the events follow
    /// on the [`JobLogStream`]. Fails with 401, or 404 for an unknown job.
    ///
    /// ```no_run
    /// use twill_api::prelude::*;
    /// use twill_api::stream::EventKind;
    ///
    /// # async fn run(client: twill_api::Client) -> Result<(), twill_api::Error> {
    /// let mut logs = client.stream_job_logs("job-123").await?;
    /// while let Some(event) = logs.next_event().await {
    ///     let event = event?;
    ///     match event.kind() {
    ///         EventKind::Complete { status } => println!("finished: {status}"),
    ///         _ => println!("{}", event.json()),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[twill_endpoint(GET "/jobs/<jobId>/logs/stream")]
    async fn stream_job_logs(&self, job_id: &str) -> Result<JobLogStream, Error>;

    /// Cancels a job in flight.
    ///
    /// The response is undocumented: it is decoded leniently into an
    /// [`Acknowledgement`]. Fails with 404 for an unknown job.
    #[twill_endpoint(POST "/jobs/<jobId>/cancel", body = {}, destructive)]
    async fn cancel_job(&self, job_id: &str) -> Result<Acknowledgement, Error>;
}

impl Jobs for Client {}
