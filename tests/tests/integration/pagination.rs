//! Pagination streams: lazy, complete, and stopped by the first error.

use serde_json::json;
use twill_api::Error;
use twill_api::error::PageError;
use twill_api::prelude::*;
use twill_tests::{Canned, Recorder};

fn page(ids: &[&str], next: Option<&str>) -> Canned {
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| json!({ "id": id, "slug": id, "url": "u" }))
        .collect();
    Canned::json(200, json!({ "tasks": tasks, "nextCursor": next }))
}

#[tokio::test]
async fn pages_are_fetched_only_when_needed() {
    let server = Recorder::replying([
        page(&["a", "b"], Some("c2")),
        page(&["c"], Some("c3")),
        page(&[], None),
    ])
    .await;
    let client = server.client();
    let mut stream = client.tasks_stream(Some(2));
    assert!(
        server.requests().is_empty(),
        "nothing before the first poll"
    );

    assert_eq!(stream.next().await.unwrap().unwrap().id, "a");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(stream.next().await.unwrap().unwrap().id, "b");
    assert_eq!(
        server.requests().len(),
        1,
        "the second item came from the first page"
    );
    assert_eq!(stream.next().await.unwrap().unwrap().id, "c");
    assert!(
        stream.next().await.is_none(),
        "an empty last page ends the stream"
    );
    assert!(stream.next().await.is_none());

    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/api/v1/tasks?limit=2",
            "/api/v1/tasks?limit=2&cursor=c2",
            "/api/v1/tasks?limit=2&cursor=c3",
        ]
    );
}

#[tokio::test]
async fn the_first_error_ends_the_stream() {
    let server = Recorder::replying([
        page(&["a"], Some("c2")),
        Canned::json(
            500,
            json!({ "error": { "code": "internal_error", "message": "boom" } }),
        ),
        page(&["never"], None),
    ])
    .await;
    let client = server.client();
    let mut stream = client.tasks_stream(None);
    assert_eq!(stream.next().await.unwrap().unwrap().id, "a");
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(stream.next().await.is_none());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_repeated_cursor_stops_instead_of_looping() {
    let server = Recorder::start(page(&["a"], Some("same"))).await;
    let client = server.client();
    let mut stream = client.tasks_stream(None);
    assert_eq!(stream.next().await.unwrap().unwrap().id, "a");
    assert_eq!(stream.next().await.unwrap().unwrap().id, "a");
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Pages(PageError::RepeatedCursor(c)) if c == "same"),
        "{error:?}"
    );
    assert!(stream.next().await.is_none());
}

/// Cursors alternating `a, b, a, b` on empty pages: only an immediately
/// repeated cursor was caught before, so one `next()` sent requests without
/// end.
#[tokio::test]
async fn alternating_cursors_stop_at_the_first_one_seen_again() {
    let server = Recorder::replying([
        page(&[], Some("a")),
        page(&[], Some("b")),
        page(&[], Some("a")),
        page(&[], Some("b")),
    ])
    .await;
    let client = server.client();
    let mut stream = client.tasks_stream(None);
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Pages(PageError::RepeatedCursor(c)) if c == "a"),
        "{error:?}"
    );
    assert!(stream.next().await.is_none());
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn ten_empty_pages_in_a_row_stop_the_walk() {
    let pages = (0..50).map(|i| page(&[], Some(&format!("c{i}"))));
    let server = Recorder::replying(pages).await;
    let client = server.client();
    let mut stream = client.tasks_stream(None);
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(&error, Error::Pages(PageError::EmptyPages(10))),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 10);
}
