//! Creating many tasks: requests in, `(index, result)` out, a bounded
//! number in flight, under the client's rate limit, with one rule for what
//! is sent again. The command line's batch and the MCP server's
//! `start_tasks` are this.
//!
//! # What is sent again
//!
//! A create is sent again only when the server certainly did not act and
//! said when to come back: [`Endpoint::can_send_again`](crate::Endpoint::can_send_again)
//! (a 429, the client's own limit) and an [`Error::retry_after`] within the
//! client's [`RetryPolicy::retry_after_cap`](crate::RetryPolicy::retry_after_cap)
//! and [deadline](crate::Client::with_deadline). Anything
//! else is the request's result: a create answered with a 5xx, or whose
//! answer was lost, may exist, and only the caller can look for it (Twill
//! has no idempotency key).

use futures_util::{Stream, StreamExt};

use crate::api::Tasks;
use crate::client::Client;
use crate::error::Error;
use crate::models::{CreateTaskRequest, CreateTaskResponse};

impl Client {
    /// Creates a task per request, at most `parallel` in flight (at least
    /// one), yielding `(index, result)` as each is answered, in the order
    /// they are. `before_send(index)` runs right before each create goes
    /// (each time it goes): a batch journals its intent there; an error
    /// from it is that request's result, and nothing is sent.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use twill_api::models::CreateTaskRequest;
    ///
    /// # async fn run(client: twill_api::Client) {
    /// let requests = vec![CreateTaskRequest::new("fix the login bug"), CreateTaskRequest::new("add tests")];
    /// let mut created = std::pin::pin!(client.create_tasks(requests, 4, |_| Ok(())));
    /// while let Some((index, result)) = created.next().await {
    ///     match result {
    ///         Ok(task) => println!("{index}: {}", task.task.url),
    ///         // `may_have_acted`: look for it before creating it again.
    ///         Err(error) => eprintln!("{index}: {error} (may exist: {})", error.may_have_acted()),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn create_tasks<'a, F>(
        &'a self,
        requests: Vec<CreateTaskRequest>,
        parallel: usize,
        before_send: F,
    ) -> impl Stream<Item = (usize, Result<CreateTaskResponse, Error>)> + Send + 'a
    where
        F: Fn(usize) -> Result<(), Error> + Send + Sync + 'a,
    {
        let before_send = std::sync::Arc::new(before_send);
        futures_util::stream::iter(
            requests
                .into_iter()
                .enumerate()
                .map(move |(index, request)| {
                    let before_send = std::sync::Arc::clone(&before_send);
                    async move {
                        (
                            index,
                            self.create_until_answered(&request, || before_send(index))
                                .await,
                        )
                    }
                }),
        )
        .buffer_unordered(parallel.max(1))
    }

    /// Sends `request` until it is answered, or fails with an error that
    /// forbids sending it again (see the module's notes).
    async fn create_until_answered(
        &self,
        request: &CreateTaskRequest,
        before_send: impl Fn() -> Result<(), Error> + Send,
    ) -> Result<CreateTaskResponse, Error> {
        let endpoint = <Client as Tasks>::CREATE_TASK;
        loop {
            before_send()?;
            let error = match self.create_task(request).await {
                Ok(created) => return Ok(created),
                Err(error) => error,
            };
            // The same bounds as the client's own retries: a wait past the
            // policy's cap (`--no-wait` sets it to zero) or the deadline is
            // the caller's to decide on.
            let within = |wait: std::time::Duration| {
                wait <= self.retry_policy().retry_after_cap()
                    && self
                        .deadline()
                        .is_none_or(|deadline| tokio::time::Instant::now() + wait <= deadline)
            };
            match error.retry_after() {
                Some(wait) if endpoint.can_send_again(&error) && within(wait) => {
                    tracing::info!(?wait, %error, "not created yet; sending again");
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(error),
            }
        }
    }
}
