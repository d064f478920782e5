//! Following a job to its end across dropped streams, and waiting for it
//! within a time budget: the one implementation the CLI and the MCP server
//! present.
//!
//! - [`Standing`]: where a job stands (pending, running, needs you,
//!   completed, failed, cancelled), derived once from what the API says;
//!   its word is the one every face prints.
//! - [`Observer`] ([`Client::observe`](crate::Client::observe)): many
//!   tasks' standings from list pages, a hundred tasks a request, at the
//!   request floor; no log stream.
//! - [`Client::create_tasks`](crate::Client::create_tasks): many creates,
//!   a bounded number in flight, sent again only where the server certainly
//!   did not act.
//! - [`JobFollower`] ([`Client::follow_job`](crate::Client::follow_job)):
//!   every event of a job's log once, reopening a stream that drops, until
//!   the job's [`JobEnd`]; it gives up on what cannot change
//!   ([`Error::is_transient`](crate::Error::is_transient)) at once, and on
//!   a server that stays away after [`DEFAULT_QUIET_REOPENINGS`] reopenings
//!   that brought nothing (about a minute).
//! - [`Client::wait_for_job`](crate::Client::wait_for_job) and
//!   [`Client::wait_for_task`](crate::Client::wait_for_task): a follow
//!   within a deadline, which every request inside it keeps (see
//!   [`Client::with_deadline`](crate::Client::with_deadline)): a wait
//!   answers by its deadline, or for a task's final answer at most
//!   [`FINAL_READ_GRACE`] after it.

mod create_many;
mod follow;
mod observe;
mod standing;
mod wait;

pub use follow::{
    DEFAULT_QUIET_REOPENINGS, FollowPosition, FollowStep, InvalidPosition, JobEnd, JobFollower,
    MAX_REOPEN_WAIT, MAX_UNANSWERED,
};
pub use observe::{Change, DEFAULT_POLL, DEFAULT_SHARE, MISSING_EVERY, Observer};
pub use standing::{Awaiting, Standing};
pub use wait::{
    FINAL_READ_GRACE, JobReport, JobWait, LATEST_EVENTS, NEXT_JOB_EVERY, TaskWait, WaitOutcome,
};
