//! What arrives over time: a job's log events as they happen, and the pages
//! of a listing walked one after another.

mod logs;
mod pages;

pub use logs::{EventKind, JobLogEvent, JobLogStream, JobOutcome};
pub use pages::{MAX_EMPTY_PAGES, Page, PageWalk, Paginated, REMEMBERED_CURSORS, RawPage};
