//! Following `nextCursor` through the pages of a list endpoint.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt;

use crate::error::{Error, PageError};

/// The items of every page of a list endpoint, fetched one page at a time as
/// the stream is polled (nothing is fetched before the first poll).
///
/// It ends after the page whose `nextCursor` is null, or right after the
/// first error. A cursor seen before in the walk, or ten empty pages in a
/// row, end it with [`PageError::RepeatedCursor`] or
/// [`PageError::EmptyPages`]: a server that cycles cannot make it send
/// requests without end. Iterate with [`next`](Paginated::next), or with any
/// `Stream` combinator.
#[must_use = "a stream does nothing until polled"]
pub struct Paginated<'a, T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>,
}

impl<'a, T: Send + 'a> Paginated<'a, T> {
    /// Follows cursors with `fetch`, which gets the cursor of the page to
    /// fetch (`None` for the first) and returns that page's items and the
    /// next cursor.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<(Vec<T>, Option<String>), Error>> + Send + 'a,
    {
        let state = State {
            fetch,
            buffer: VecDeque::new(),
            cursor: Cursor::First,
            seen: HashSet::new(),
            empty_pages: 0,
        };
        let inner = futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.buffer.pop_front() {
                    return Some((Ok(item), state));
                }
                let cursor = match std::mem::replace(&mut state.cursor, Cursor::Done) {
                    Cursor::Done => return None,
                    Cursor::Stop(error) => return Some((Err(Error::Pages(error)), state)),
                    Cursor::First => None,
                    Cursor::Next(cursor) => Some(cursor),
                };
                if let Some(cursor) = &cursor {
                    state.seen.insert(cursor.clone());
                }
                match (state.fetch)(cursor).await {
                    Ok((items, next)) => {
                        state.empty_pages = if items.is_empty() {
                            state.empty_pages + 1
                        } else {
                            0
                        };
                        state.buffer = items.into();
                        // A server that hands back a cursor already followed
                        // (`a, b, a, b`), or only empty pages, would make
                        // this loop forever: yield the page, then stop with
                        // an error.
                        state.cursor = match next {
                            None => Cursor::Done,
                            Some(next) if state.seen.contains(&next) => {
                                Cursor::Stop(PageError::RepeatedCursor(next))
                            }
                            Some(_) if state.empty_pages >= MAX_EMPTY_PAGES => {
                                Cursor::Stop(PageError::EmptyPages(state.empty_pages))
                            }
                            Some(next) => Cursor::Next(next),
                        };
                    }
                    Err(error) => return Some((Err(error), state)),
                }
            }
        });
        Paginated {
            // Fused: polling after the end keeps answering `None`.
            inner: Box::pin(inner.fuse()),
        }
    }

    /// The next item, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }
}

/// Empty pages in a row after which a walk stops: a page may be empty
/// while the server filters, but not this many times in a row.
const MAX_EMPTY_PAGES: u32 = 10;

struct State<F, T> {
    fetch: F,
    buffer: VecDeque<T>,
    cursor: Cursor,
    /// Every cursor followed so far in this walk.
    seen: HashSet<String>,
    /// Empty pages in a row.
    empty_pages: u32,
}

enum Cursor {
    First,
    Next(String),
    /// End with this error once the buffered page is yielded.
    Stop(PageError),
    Done,
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
