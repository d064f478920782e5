//! Watching many tasks at the request floor: their standings read from
//! list pages (a hundred tasks a request), a task read whole only when its
//! job ended, and no log stream at all.
//!
//! # The walking rule
//!
//! A round walks `GET /tasks?limit=100` from the newest task, assuming the
//! list is newest-created first and checking that on every page. It stops
//! when every watched task still under way was seen; when the page passes
//! the oldest watched task (by `createdAt`: the rest cannot be further on);
//! or when it has walked as many pages as reading the unseen tasks one by
//! one would cost. The unseen ones are then read one by one. A task the
//! whole relevant list did not hold (archived) is read that round, then
//! every [`MISSING_EVERY`]-th round. When the order breaks, the observer
//! stops trusting the list and reads each task, every round.
//!
//! A list item carries its latest job's status, not its plan outcome nor a
//! failure's reason: a task whose status turns `COMPLETED` or `FAILED` is
//! read whole once, to tell completed from "needs you" and for the reason
//! (a task the caller created with an intent that cannot wait for approval
//! skips that read when it completed).
//!
//! Every request goes through the client, under its rate limit, and also
//! under the observer's own share of it ([`DEFAULT_SHARE`] of each of the
//! key's limits unless set), so that other work on the key keeps the rest.

use std::collections::HashMap;
use std::time::Duration;

use super::standing::Standing;
use crate::api::Tasks;
use crate::client::Client;
use crate::error::Error;
use crate::limit::{Limiter, RateLimit};
use crate::models::{JobStatus, PullRequest, TaskListItem, UserIntent};

/// The share of each of the key's limits an observer keeps to, unless set.
pub const DEFAULT_SHARE: f64 = 0.5;

/// The longest time between two rounds, unless set: the first pauses are
/// shorter (half a second, doubling), so that a short wait ends soon, and
/// none is shorter than the share allows for the round's requests.
pub const DEFAULT_POLL: Duration = Duration::from_secs(5);

/// The first pause between rounds.
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// A task the list did not hold is read again every this many rounds.
pub const MISSING_EVERY: u32 = 5;

/// The tasks a list page holds at most.
const PAGE: u32 = 100;

/// What changed about a watched task between two rounds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// Its standing moved from `from` (`None`: first seen) to `to`.
    Standing {
        /// The task, as it was given to watch.
        task: String,
        /// Its latest job, when a read showed it.
        job: Option<String>,
        /// The standing seen before, if any.
        from: Option<Standing>,
        /// The standing seen now.
        to: Standing,
    },
    /// A newer job replaced the one watched (a message started it).
    JobReplaced {
        /// The task.
        task: String,
        /// The job watched until now.
        old: String,
        /// The task's latest job now.
        new: String,
    },
    /// Its pull requests changed.
    PullRequests {
        /// The task.
        task: String,
        /// Its pull requests now.
        prs: Vec<PullRequest>,
    },
}

/// Watches many tasks' standings from list pages: see the module's notes.
/// Built by [`Client::observe`].
///
/// ```no_run
/// # async fn run(client: twill_api::Client) -> Result<(), twill_api::Error> {
/// let mut observer = client.observe(["task-1", "task-2"]);
/// while !observer.is_settled() {
///     for change in observer.round().await? {
///         println!("{change:?}");
///     }
///     observer.pause().await;
/// }
/// # Ok(())
/// # }
/// ```
pub struct Observer {
    client: Client,
    tasks: Vec<Watched>,
    /// A task's id or slug, to its index in `tasks`.
    index: HashMap<String, usize>,
    share: Limiter,
    poll: Duration,
    /// The shortest time a request takes of the share, sustained.
    per_request: Duration,
    rounds: u32,
    /// Requests of the last round, for the pause after it.
    last_round: u64,
    /// Whether the list has kept newest-first order so far.
    ordered: bool,
    requests: u64,
    /// The tasks given up, with why, not yet taken.
    failures: Vec<(String, Error)>,
}

/// One watched task.
struct Watched {
    /// As given.
    name: String,
    standing: Option<Standing>,
    /// The list's status for it, last seen.
    status: Option<Option<JobStatus>>,
    job: Option<String>,
    created_at: Option<String>,
    prs: Option<Vec<PullRequest>>,
    /// Whether a completed job may wait for approval (plan, criteria).
    may_need_you: bool,
    /// Whether it proposes a Ralph loop's criteria.
    criteria: bool,
    /// Not held by the list when last walked (archived).
    missing: bool,
    /// Given up: reading it failed in a way that cannot change.
    dropped: bool,
}

impl Watched {
    /// Whether nothing is left to watch: it ended or needs you, or it was
    /// given up.
    fn settled(&self) -> bool {
        self.dropped || self.standing.as_ref().is_some_and(Standing::is_settled)
    }
}

impl Client {
    /// An observer of the tasks named (ids or slugs): see
    /// [`Observer`].
    pub fn observe<I, T>(&self, tasks: I) -> Observer
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let mut observer = Observer {
            client: self.clone(),
            tasks: Vec::new(),
            index: HashMap::new(),
            share: share_of(self, DEFAULT_SHARE),
            poll: DEFAULT_POLL,
            per_request: Duration::ZERO,
            rounds: 0,
            last_round: 0,
            ordered: true,
            requests: 0,
            failures: Vec::new(),
        };
        observer.per_request = per_request(&observer.share);
        for task in tasks {
            observer.add(task.into(), None, None);
        }
        observer
    }
}

/// How long one request takes of the share's per-minute (shortest)
/// limit, sustained.
fn per_request(share: &Limiter) -> Duration {
    share
        .limits()
        .iter()
        .min_by_key(|limit| limit.period())
        .map_or(Duration::ZERO, |limit| limit.period() / limit.requests())
}

/// `share` of each of the client's limits (Twill's when it sets none).
fn share_of(client: &Client, share: f64) -> Limiter {
    let mut limits = client.rate_limits();
    if limits.is_empty() {
        limits = vec![RateLimit::TWILL_PER_MINUTE, RateLimit::TWILL_PER_HOUR];
    }
    let shared: Vec<RateLimit> = limits
        .iter()
        .filter_map(|limit| {
            let requests = (f64::from(limit.requests()) * share.clamp(0.0, 1.0)).floor();
            RateLimit::new((requests as u32).max(1), limit.period()).ok()
        })
        .collect();
    Limiter::of(&shared).expect("at least one limit")
}

impl Observer {
    /// Watches `task` (an id or a slug) too.
    pub fn watch(&mut self, task: &str) {
        self.add(task.to_owned(), None, None);
    }

    /// Watches `task` too, which this process created with `intent` and
    /// whose first job is `job`: a task created with an intent that cannot
    /// wait for approval is not read when it completes, and one created
    /// as a Ralph loop has its criteria waiting once it completes.
    pub fn watch_created(&mut self, task: &str, job: &str, intent: Option<&UserIntent>) {
        self.add(task.to_owned(), Some(job.to_owned()), intent);
    }

    fn add(&mut self, name: String, job: Option<String>, intent: Option<&UserIntent>) {
        let (may_need_you, criteria) = match intent {
            Some(UserIntent::Plan) => (true, false),
            Some(UserIntent::RalphLoop) => (true, true),
            // An intent this version knows that proposes nothing.
            Some(UserIntent::Swe | UserIntent::Ask | UserIntent::DevEnvironment) => (false, false),
            // Unknown: it may.
            _ => (true, false),
        };
        let index = self.tasks.len();
        self.index.entry(name.clone()).or_insert(index);
        self.tasks.push(Watched {
            name,
            standing: None,
            status: None,
            job,
            created_at: None,
            prs: None,
            may_need_you,
            criteria,
            missing: false,
            dropped: false,
        });
    }

    /// The time between rounds ([`DEFAULT_POLL`] unless set).
    #[must_use]
    pub fn poll_every(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// The share of each of the key's limits to keep to
    /// ([`DEFAULT_SHARE`] unless set; 0 to 1).
    #[must_use]
    pub fn share(mut self, share: f64) -> Self {
        self.share = share_of(&self.client, share);
        self.per_request = per_request(&self.share);
        self
    }

    /// Whether every watched task has settled: ended, or needs you.
    pub fn is_settled(&self) -> bool {
        self.tasks.iter().all(Watched::settled)
    }

    /// Each watched task, as given, with its standing when seen.
    pub fn standings(&self) -> impl Iterator<Item = (&str, Option<&Standing>)> {
        self.tasks
            .iter()
            .map(|task| (task.name.as_str(), task.standing.as_ref()))
    }

    /// The tasks given up since the last call, each with the error that
    /// cannot change (no such task): the rest are watched on.
    pub fn take_failures(&mut self) -> Vec<(String, Error)> {
        std::mem::take(&mut self.failures)
    }

    /// The requests this observer has sent.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// The time to wait before the next round: half a second after the
    /// first, doubling up to the poll interval, and never less than the
    /// last round's requests take of the share (a round of two pages under
    /// 50 a minute: 2.4 s).
    pub fn next_pause(&self) -> Duration {
        let doubled = FIRST_PAUSE.saturating_mul(1 << self.rounds.saturating_sub(1).min(16));
        let paced = self
            .per_request
            .saturating_mul(u32::try_from(self.last_round).unwrap_or(u32::MAX));
        doubled.min(self.poll).max(paced)
    }

    /// Waits [`next_pause`](Self::next_pause).
    pub async fn pause(&self) {
        tokio::time::sleep(self.next_pause()).await;
    }

    /// The next round, after the pause it is due (none before the first),
    /// within the client's [deadline](Client::with_deadline): `None` once
    /// the deadline comes first, when it comes (the pause, or the round,
    /// would end past it). A caller that reports changes as they come
    /// loops on this and keeps no clock of its own.
    pub async fn next_round(&mut self) -> Option<Result<Vec<Change>, Error>> {
        let deadline = self.client.deadline();
        if self.rounds > 0 {
            let next = tokio::time::Instant::now() + self.next_pause();
            match deadline {
                Some(deadline) if next >= deadline => {
                    tokio::time::sleep_until(deadline).await;
                    return None;
                }
                _ => tokio::time::sleep_until(next).await,
            }
        }
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, self.round()).await.ok(),
            None => Some(self.round().await),
        }
    }

    /// One round: list pages, then reads, as the walking rule says; the
    /// changes it saw.
    pub async fn round(&mut self) -> Result<Vec<Change>, Error> {
        self.rounds += 1;
        let sent = self.requests;
        let round = self.round_inner().await;
        self.last_round = self.requests - sent;
        round
    }

    async fn round_inner(&mut self) -> Result<Vec<Change>, Error> {
        let mut changes = Vec::new();
        let mut to_read: Vec<usize> = Vec::new();
        let mut seen = vec![false; self.tasks.len()];
        let walked_all = if self.ordered {
            self.walk(&mut seen, &mut to_read, &mut changes).await?
        } else {
            false
        };
        let read_missing = self.rounds % MISSING_EVERY == 1;
        for (index, task) in self.tasks.iter_mut().enumerate() {
            if task.settled() || seen[index] {
                continue;
            }
            // Not in the list: archived when the walk covered where it
            // would be (read now and then), otherwise just not reached.
            if walked_all && task.created_at.is_some() {
                let was_missing = std::mem::replace(&mut task.missing, true);
                if was_missing && !read_missing {
                    continue;
                }
            }
            to_read.push(index);
        }
        to_read.sort_unstable();
        to_read.dedup();
        for index in to_read {
            match self.read(index, &mut changes).await {
                Ok(()) => {}
                // One task's error that cannot change (no such task) gives
                // up that task alone; the round goes on.
                Err(error) if !error.is_transient() => {
                    let task = &mut self.tasks[index];
                    task.dropped = true;
                    self.failures.push((task.name.clone(), error));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(changes)
    }

    /// Walks list pages for the unsettled tasks; whether it walked as far
    /// as any of them could be.
    async fn walk(
        &mut self,
        seen: &mut [bool],
        to_read: &mut Vec<usize>,
        changes: &mut Vec<Change>,
    ) -> Result<bool, Error> {
        let mut unseen = self.tasks.iter().filter(|task| !task.settled()).count();
        let oldest = self.oldest_watched();
        let (mut cursor, mut pages, mut newest_before) = (None::<String>, 0, None::<String>);
        while unseen > 0 && pages < unseen {
            let page = {
                self.pace().await?;
                self.client
                    .list_tasks(Some(PAGE), cursor.as_deref())
                    .await?
            };
            pages += 1;
            let mut passed_oldest = false;
            for item in page.tasks {
                if let (Some(before), Some(at)) = (&newest_before, &item.created_at)
                    && at > before
                {
                    // Not newest first: the list cannot be walked so.
                    self.ordered = false;
                    return Ok(false);
                }
                if item.created_at.is_some() {
                    newest_before.clone_from(&item.created_at);
                }
                if let (Some(oldest), Some(at)) = (&oldest, &item.created_at)
                    && at < oldest
                {
                    passed_oldest = true;
                }
                let Some(index) = self.find(&item) else {
                    continue;
                };
                if seen[index] || self.tasks[index].settled() {
                    continue;
                }
                seen[index] = true;
                unseen -= 1;
                if self.listed(index, item, changes) {
                    to_read.push(index);
                }
            }
            match page.next_cursor {
                Some(next) if !passed_oldest => cursor = Some(next),
                _ => return Ok(true),
            }
        }
        Ok(unseen == 0)
    }

    /// The `createdAt` of the oldest watched task under way, once every
    /// such task has been seen once (else none: the walk cannot stop early).
    fn oldest_watched(&self) -> Option<String> {
        let mut oldest: Option<&String> = None;
        for task in self.tasks.iter().filter(|task| !task.settled()) {
            let at = task.created_at.as_ref()?;
            if oldest.is_none_or(|oldest| at < oldest) {
                oldest = Some(at);
            }
        }
        oldest.cloned()
    }

    /// The watched task a list item is, learning its id and slug.
    fn find(&mut self, item: &TaskListItem) -> Option<usize> {
        let index = *self
            .index
            .get(&item.id)
            .or_else(|| self.index.get(&item.slug))?;
        self.index.insert(item.id.clone(), index);
        self.index.insert(item.slug.clone(), index);
        Some(index)
    }

    /// Takes what a list item says of task `index`; whether it must be
    /// read whole (its job has just completed or failed).
    fn listed(&mut self, index: usize, item: TaskListItem, changes: &mut Vec<Change>) -> bool {
        let task = &mut self.tasks[index];
        task.missing = false;
        task.created_at = item.created_at;
        if task.prs.as_ref().is_some_and(|prs| *prs != item.prs) {
            changes.push(Change::PullRequests {
                task: task.name.clone(),
                prs: item.prs.clone(),
            });
        }
        task.prs = Some(item.prs);
        let status = item.latest_job_status;
        if task.status.as_ref() == Some(&status) && task.standing.is_some() {
            return false;
        }
        let standing = match &status {
            None => Standing::NoJob,
            // The list cannot say whether a plan waits, nor why it failed:
            // the read says, and records the status (so that a read that
            // fails is made again next round).
            Some(JobStatus::Completed) if task.may_need_you => return true,
            Some(JobStatus::Failed) => return true,
            Some(status) => Standing::of_status(status),
        };
        task.status = Some(status);
        let (name, job) = (task.name.clone(), task.job.clone());
        Self::moved(&mut task.standing, name, job, standing, changes);
        false
    }

    /// Reads task `index` whole: its latest job and where it stands.
    async fn read(&mut self, index: usize, changes: &mut Vec<Change>) -> Result<(), Error> {
        self.pace().await?;
        let shown = self.client.get_task(&self.tasks[index].name).await?;
        let task = &mut self.tasks[index];
        task.created_at = shown.task.created_at.clone();
        if task.prs.as_ref().is_some_and(|prs| *prs != shown.task.prs) {
            changes.push(Change::PullRequests {
                task: task.name.clone(),
                prs: shown.task.prs.clone(),
            });
        }
        task.prs = Some(shown.task.prs);
        let standing = match &shown.latest_job {
            None => Standing::NoJob,
            Some(job) if task.criteria => Standing::of_criteria_job(job),
            Some(job) => Standing::of_job(job),
        };
        task.status = Some(shown.latest_job.as_ref().map(|job| job.status.clone()));
        if let Some(latest) = &shown.latest_job {
            match task.job.replace(latest.id.clone()) {
                Some(old) if old != latest.id => changes.push(Change::JobReplaced {
                    task: task.name.clone(),
                    old,
                    new: latest.id.clone(),
                }),
                _ => {}
            }
        }
        let (name, job) = (task.name.clone(), task.job.clone());
        Self::moved(&mut task.standing, name, job, standing, changes);
        Ok(())
    }

    /// Records `to` as a task's standing, and the change if it is one.
    fn moved(
        standing: &mut Option<Standing>,
        task: String,
        job: Option<String>,
        to: Standing,
        changes: &mut Vec<Change>,
    ) {
        if standing.as_ref() == Some(&to) {
            return;
        }
        let from = standing.replace(to.clone());
        changes.push(Change::Standing {
            task,
            job,
            from,
            to,
        });
    }

    /// Waits for room in the observer's share (the client's own limit is
    /// kept by the call), within the client's deadline.
    async fn pace(&mut self) -> Result<(), Error> {
        let deadline = self.client.deadline();
        // The share is never paused by a 429 (the client's limiter is).
        if let Err(wait) = self.share.acquire(deadline, Duration::MAX, |_| {}).await {
            return Err(Error::Throttled(crate::error::Throttled {
                wait,
                limits: self.share.limits(),
                attempts_sent: 0,
                acted: false,
                server_asked: false,
            }));
        }
        self.requests += 1;
        Ok(())
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observer")
            .field("tasks", &self.tasks.len())
            .field("rounds", &self.rounds)
            .field("ordered", &self.ordered)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}
