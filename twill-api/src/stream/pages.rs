//! Following `nextCursor` through the pages of a list endpoint: one walker,
//! for typed items ([`Paginated`]) and for whole pages as received
//! ([`PageWalk`], what `twill tasks list --all` prints), with one guard
//! against servers that would make it walk for ever.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use serde_json::Value;

use crate::call::Arguments;
use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::error::{Error, PageError};

/// Empty pages in a row after which a walk stops: a page may be empty
/// while the server filters, but not this many times in a row.
pub const MAX_EMPTY_PAGES: u32 = 10;

/// How many of the latest cursors a walk remembers, to notice one sent
/// again. Remembered as 64-bit hashes (keyed afresh for each walk), so a
/// walk's memory does not grow with the cursors' length nor, past this
/// many, with their number: a server that cycles through more cursors than
/// this is stopped by [`MAX_EMPTY_PAGES`] when its pages are empty, and
/// otherwise sends new items on every page, which is a listing, not a loop.
pub const REMEMBERED_CURSORS: usize = 4096;

/// One page as a walk fetched it: its content, how many items it held (an
/// empty page counts toward [`MAX_EMPTY_PAGES`]) and the cursor of the next.
#[derive(Debug, Clone)]
pub struct Page<P> {
    /// The page itself: its items, or the body as received.
    pub content: P,
    /// How many items it held.
    pub items: usize,
    /// The next page's cursor; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The guard of a walk: the cursors followed (their hashes, the latest
/// [`REMEMBERED_CURSORS`]) and the empty pages in a row.
struct Guard {
    hasher: RandomState,
    seen: HashSet<u64>,
    order: VecDeque<u64>,
    empty_pages: u32,
}

impl Guard {
    fn new() -> Self {
        Guard {
            hasher: RandomState::new(),
            seen: HashSet::new(),
            order: VecDeque::new(),
            empty_pages: 0,
        }
    }

    /// Notes the cursor about to be followed.
    fn follow(&mut self, cursor: &str) {
        let hash = self.hasher.hash_one(cursor);
        if self.seen.insert(hash) {
            self.order.push_back(hash);
            if self.order.len() > REMEMBERED_CURSORS
                && let Some(oldest) = self.order.pop_front()
            {
                self.seen.remove(&oldest);
            }
        }
    }

    /// What follows a page of `items` whose next cursor is `next`: the end,
    /// the next cursor, or why the walk stops.
    fn after(&mut self, items: usize, next: Option<String>) -> Next {
        self.empty_pages = if items == 0 { self.empty_pages + 1 } else { 0 };
        match next {
            None => Next::Done,
            Some(next) if self.seen.contains(&self.hasher.hash_one(&next)) => {
                Next::Stop(PageError::RepeatedCursor(next))
            }
            Some(_) if self.empty_pages >= MAX_EMPTY_PAGES => {
                Next::Stop(PageError::EmptyPages(self.empty_pages))
            }
            Some(next) => Next::Cursor(next),
        }
    }
}

enum Next {
    First,
    Cursor(String),
    /// End with this error once the page is yielded.
    Stop(PageError),
    Done,
}

/// The pages of a list endpoint, fetched one at a time as the walk is
/// polled (nothing is fetched before the first poll), each yielded whole.
///
/// It ends after the page whose next cursor is `None`, or right after the
/// first error. A cursor followed before in the walk, or
/// [`MAX_EMPTY_PAGES`] empty pages in a row, end it (after yielding that
/// page) with [`PageError::RepeatedCursor`] or [`PageError::EmptyPages`]:
/// a server that cycles cannot make it send requests without end, and its
/// memory stays bounded ([`REMEMBERED_CURSORS`]) however long the cursors.
#[must_use = "a walk does nothing until polled"]
pub struct PageWalk<'a, P> {
    inner: Pin<Box<dyn Stream<Item = Result<Page<P>, Error>> + Send + 'a>>,
}

impl<'a, P: Send + 'a> PageWalk<'a, P> {
    /// Walks pages with `fetch`, which gets the cursor of the page to fetch
    /// (`None` for the first) and returns that page.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<Page<P>, Error>> + Send + 'a,
    {
        let state = (fetch, Guard::new(), Next::First);
        let inner =
            futures_util::stream::unfold(state, |(mut fetch, mut guard, next)| async move {
                let cursor = match next {
                    Next::Done => return None,
                    Next::Stop(error) => {
                        return Some((Err(Error::Pages(error)), (fetch, guard, Next::Done)));
                    }
                    Next::First => None,
                    Next::Cursor(cursor) => {
                        guard.follow(&cursor);
                        Some(cursor)
                    }
                };
                match fetch(cursor).await {
                    Ok(page) => {
                        let next = guard.after(page.items, page.next_cursor.clone());
                        Some((Ok(page), (fetch, guard, next)))
                    }
                    Err(error) => Some((Err(error), (fetch, guard, Next::Done))),
                }
            });
        PageWalk {
            // Fused: polling after the end keeps answering `None`.
            inner: Box::pin(inner.fuse()),
        }
    }

    /// The next page, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Page<P>, Error>> {
        std::future::poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }
}

impl<P> Stream for PageWalk<'_, P> {
    type Item = Result<Page<P>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<P> fmt::Debug for PageWalk<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageWalk").finish_non_exhaustive()
    }
}

/// A page as received, for a walk that shows pages as the server sent them:
/// the body and its JSON.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RawPage {
    /// The body, byte for byte.
    pub body: Bytes,
    /// The body as JSON.
    pub json: Value,
}

impl Client {
    /// Every page of the list endpoint `endpoint` (one that takes a
    /// `cursor` query and answers `{"<items>": [...], "nextCursor": ..}`),
    /// as received, through [`Client::call`] with `arguments` and each
    /// page's cursor; `items` names the field that holds the page's items.
    ///
    /// ```no_run
    /// use twill_api::prelude::*;
    /// use twill_api::{Arguments, Client};
    ///
    /// # async fn run(client: Client) -> Result<(), twill_api::Error> {
    /// let mut pages = client.walk_pages(<Client as Tasks>::LIST_TASKS, Arguments::new(), "tasks");
    /// while let Some(page) = pages.next().await {
    ///     println!("{}", String::from_utf8_lossy(&page?.content.body));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn walk_pages(
        &self,
        endpoint: &'static Endpoint,
        arguments: Arguments,
        items: &'static str,
    ) -> PageWalk<'_, RawPage> {
        PageWalk::new(move |cursor| {
            let mut arguments = arguments.clone();
            if let Some(cursor) = cursor {
                arguments = arguments.arg("cursor", cursor);
            }
            async move {
                let response = self.call(endpoint, &arguments).await?;
                let (body, json) = response.body_and_json().await?;
                let count = json
                    .get(items)
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let next_cursor = json
                    .get("nextCursor")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                Ok(Page {
                    content: RawPage { body, json },
                    items: count,
                    next_cursor,
                })
            }
        })
    }
}

/// The items of every page of a list endpoint, fetched one page at a time as
/// the stream is polled: a [`PageWalk`] flattened, with its guards.
/// Iterate with [`next`](Paginated::next), or with any `Stream` combinator.
#[must_use = "a stream does nothing until polled"]
pub struct Paginated<'a, T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>,
}

impl<'a, T: Send + 'a> Paginated<'a, T> {
    /// Follows cursors with `fetch`, which gets the cursor of the page to
    /// fetch (`None` for the first) and returns that page's items and the
    /// next cursor.
    pub fn new<F, Fut>(mut fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<(Vec<T>, Option<String>), Error>> + Send + 'a,
    {
        let pages = PageWalk::new(move |cursor| {
            let page = fetch(cursor);
            async move {
                let (items, next_cursor) = page.await?;
                Ok(Page {
                    items: items.len(),
                    content: items,
                    next_cursor,
                })
            }
        });
        let inner = pages.flat_map(|page| {
            let items: Vec<Result<T, Error>> = match page {
                Ok(page) => page.content.into_iter().map(Ok).collect(),
                Err(error) => vec![Err(error)],
            };
            futures_util::stream::iter(items)
        });
        Paginated {
            inner: Box::pin(inner),
        }
    }

    /// The next item, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }
}

impl<T> Stream for Paginated<'_, T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> fmt::Debug for Paginated<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginated").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_remembers_a_bounded_number_of_cursors() {
        let mut guard = Guard::new();
        for i in 0..REMEMBERED_CURSORS + 10 {
            let cursor = format!("{i}{}", "x".repeat(1000));
            guard.follow(&cursor);
        }
        assert_eq!(guard.seen.len(), REMEMBERED_CURSORS);
        assert_eq!(guard.order.len(), REMEMBERED_CURSORS);
        // The latest are remembered, the oldest forgotten.
        let latest = format!("{}{}", REMEMBERED_CURSORS + 9, "x".repeat(1000));
        assert!(matches!(guard.after(1, Some(latest)), Next::Stop(_)));
        let oldest = format!("0{}", "x".repeat(1000));
        assert!(matches!(guard.after(1, Some(oldest)), Next::Cursor(_)));
    }

    #[test]
    fn empty_pages_in_a_row_stop_a_walk_and_a_full_one_resets_the_count() {
        let mut guard = Guard::new();
        for i in 0..MAX_EMPTY_PAGES - 1 {
            assert!(matches!(
                guard.after(0, Some(format!("c{i}"))),
                Next::Cursor(_)
            ));
        }
        assert!(matches!(
            guard.after(3, Some("full".into())),
            Next::Cursor(_)
        ));
        for i in 0..MAX_EMPTY_PAGES - 1 {
            assert!(matches!(
                guard.after(0, Some(format!("d{i}"))),
                Next::Cursor(_)
            ));
        }
        assert!(matches!(
            guard.after(0, Some("last".into())),
            Next::Stop(PageError::EmptyPages(MAX_EMPTY_PAGES))
        ));
        assert!(matches!(guard.after(0, None), Next::Done));
    }
}
