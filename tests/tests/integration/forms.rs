//! The forms beyond one value per segment and a JSON body: a tail
//! (`<filePath..>`), list queries (`tag=a&tag=b`) and text and raw success
//! bodies, each on the wire, through the typed method and through
//! `Client::call` from the same model.

use twill_api::endpoint::{ParamKind, PathPiece};
use twill_api::error::InputProblem;
use twill_api::{Arguments, Binary, Client, Error, Text, endpoints, twill_endpoint};
use twill_tests::{Canned, Recorder};

#[endpoints]
trait Forms {
    /// A file of a repository, by its path.
    #[twill_endpoint(GET "/repos/<repoId>/contents/<filePath..>")]
    async fn file(&self, repo_id: &str, file_path: &str) -> Result<Text, Error>;

    /// Tasks with all of these tags and any of these ids.
    #[twill_endpoint(GET "/tagged")]
    async fn tagged(
        &self,
        #[query] tag: &[&str],
        #[query] ids: Vec<u64>,
        #[query] pair: [bool; 2],
        #[query] limit: Option<u32>,
    ) -> Result<(), Error>;

    /// An artifact, as uploaded.
    #[twill_endpoint(GET "/artifacts/<name>")]
    async fn artifact(&self, name: &str) -> Result<Binary, Error>;
}

impl Forms for Client {}

fn targets(server: &Recorder) -> Vec<String> {
    server.requests().into_iter().map(|r| r.target).collect()
}

fn text(body: &str, content_type: &str) -> Canned {
    Canned::status(200)
        .header("content-type", content_type)
        .body(body.to_owned())
}

#[tokio::test]
async fn a_tail_keeps_its_slashes_and_encodes_each_segment() {
    let server = Recorder::start(text("fn main() {}", "text/plain")).await;
    let client = server.client();
    client.file("r 1", "src/main.rs").await.unwrap();
    client.file("r", "a b/ü?/#x%2F").await.unwrap();
    client.file("r", "one").await.unwrap();
    assert_eq!(
        targets(&server),
        [
            "/api/v1/repos/r%201/contents/src/main.rs",
            "/api/v1/repos/r/contents/a%20b/%C3%BC%3F/%23x%252F",
            "/api/v1/repos/r/contents/one",
        ]
    );
}

#[tokio::test]
async fn a_tail_that_would_leave_its_path_is_refused_before_io() {
    let server = Recorder::start(Canned::status(500)).await;
    let client = server.client();
    for (value, problem) in [
        ("", "empty"),
        ("a//b", "empty"),
        ("/etc/passwd", "empty"),
        ("a/", "empty"),
        ("..", "dot"),
        ("a/../../admin", "dot"),
        ("./a", "dot"),
    ] {
        let Err(Error::InvalidInput(input)) = client.file("r", value).await else {
            panic!("{value:?} was not refused");
        };
        assert_eq!(input.parameter, "filePath", "{value:?}");
        let found = match input.problem {
            InputProblem::EmptySegment => "empty",
            InputProblem::DotSegment => "dot",
            other => panic!("{value:?}: {other:?}"),
        };
        assert_eq!(found, problem, "{value:?}");
    }
    // `.` inside a segment is text, not a dot segment.
    client.file("r", "a/.b/c..").await.unwrap_err();
    assert_eq!(targets(&server), ["/api/v1/repos/r/contents/a/.b/c.."]);
}

#[tokio::test]
async fn a_tail_is_in_the_model_and_reached_by_client_call() {
    let endpoint = <Client as Forms>::FILE;
    let pieces: Vec<_> = endpoint.path_pieces().collect();
    assert_eq!(
        pieces,
        [
            PathPiece::Literal("/repos/"),
            PathPiece::Segment("repoId"),
            PathPiece::Literal("/contents/"),
            PathPiece::Tail("filePath"),
        ]
    );
    assert_eq!(
        Arguments::new().arg("repoId", "r").path_for(endpoint),
        "/repos/r/contents/<filePath..>"
    );
    let server = Recorder::start(text("x", "text/plain")).await;
    let arguments = Arguments::new().arg("repoId", "r").arg("filePath", "a b/c");
    server.client().call(endpoint, &arguments).await.unwrap();
    let refused = Arguments::new()
        .arg("repoId", "r")
        .arg("filePath", "a/../b");
    let error = server.client().call(endpoint, &refused).await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error}");
    assert_eq!(targets(&server), ["/api/v1/repos/r/contents/a%20b/c"]);
    // The `Accept` of the declared success type, `Text`, as the typed
    // method sends it.
    assert_eq!(endpoint.accept(), "text/plain, text/*;q=0.9");
    assert_eq!(
        server.only_request().header("accept"),
        "text/plain, text/*;q=0.9"
    );
}

#[tokio::test]
async fn a_list_query_repeats_its_name_for_each_value() {
    let server = Recorder::start(Canned::status(200)).await;
    let client = server.client();
    client
        .tagged(&["bug", "a b&c"], vec![1, 2, 3], [true, false], Some(5))
        .await
        .unwrap();
    client
        .tagged(&[], Vec::new(), [false; 2], None)
        .await
        .unwrap();
    assert_eq!(
        targets(&server),
        [
            "/api/v1/tagged?tag=bug&tag=a%20b%26c&ids=1&ids=2&ids=3&pair=true&pair=false&limit=5",
            "/api/v1/tagged?pair=false&pair=false",
        ]
    );
}

#[tokio::test]
async fn a_list_query_is_in_the_model_and_reached_by_client_call() {
    let endpoint = <Client as Forms>::TAGGED;
    let shape: Vec<_> = endpoint
        .params()
        .iter()
        .map(|p| (p.name(), p.kind(), p.is_repeated(), p.is_optional()))
        .collect();
    assert_eq!(
        shape,
        [
            ("tag", ParamKind::String, true, true),
            ("ids", ParamKind::Integer, true, true),
            ("pair", ParamKind::Boolean, true, true),
            ("limit", ParamKind::Integer, false, true),
        ]
    );
    let server = Recorder::start(Canned::status(200)).await;
    let arguments = Arguments::new()
        .arg("tag", "x")
        .arg("ids", "9")
        .arg("tag", "y")
        .arg("ids", "8");
    server.client().call(endpoint, &arguments).await.unwrap();
    // One value where one is taken: a repeated `limit` is refused.
    let twice = Arguments::new().arg("limit", "1").arg("limit", "2");
    let error = server.client().call(endpoint, &twice).await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error}");
    assert_eq!(targets(&server), ["/api/v1/tagged?tag=x&tag=y&ids=9&ids=8"]);
}

#[tokio::test]
async fn a_text_body_is_read_as_utf8_text_of_a_text_type_only() {
    let server = Recorder::replying([
        text("héllo\n", "text/plain; charset=utf-8"),
        text("# Title", "text/markdown"),
        text("{\"a\":1}", "application/json"),
        text("h\u{e9}llo", "text/plain; charset=iso-8859-1"),
        Canned::status(200)
            .header("content-type", "text/plain")
            .body(b"\xff\xfe".to_vec()),
        Canned::status(200).body(b"no type".to_vec()),
    ])
    .await;
    let client = server.client();
    assert_eq!(client.file("r", "a").await.unwrap().as_str(), "héllo\n");
    assert_eq!(&*client.file("r", "b").await.unwrap(), "# Title");
    for (case, expected) in [
        ("json", Some("application/json")),
        ("latin1", Some("text/plain; charset=iso-8859-1")),
        ("invalid", Some("text/plain")),
        ("untyped", None),
    ] {
        let Err(Error::UnexpectedResponse(response)) = client.file("r", case).await else {
            panic!("{case} was read as text");
        };
        assert_eq!(response.content_type.as_deref(), expected, "{case}");
        assert_eq!(response.answer.status, 200, "{case}");
    }
    let sent = &server.requests()[0];
    assert_eq!(sent.header("accept"), "text/plain, text/*;q=0.9");
}

#[tokio::test]
async fn a_binary_body_is_the_bytes_sent_with_their_content_type() {
    let png = b"\x89PNG\r\n\x1a\n\0\xff".to_vec();
    let server = Recorder::replying([
        Canned::status(200)
            .header("content-type", "image/png")
            .body(png.clone()),
        Canned::status(200).body(Vec::new()),
    ])
    .await;
    let client = server.client();
    let artifact = client.artifact("logo.png").await.unwrap();
    assert_eq!(&artifact[..], &png[..]);
    assert_eq!(artifact.content_type(), Some("image/png"));
    let empty = client.artifact("empty").await.unwrap();
    assert!(empty.is_empty() && empty.content_type().is_none());
    assert_eq!(server.requests()[0].header("accept"), "*/*");
}

#[tokio::test]
async fn a_binary_body_is_bounded_like_any_other() {
    let server = Recorder::start(Canned::status(200).body(vec![7u8; 4096])).await;
    let client = Client::builder()
        .api_key(twill_tests::TEST_KEY)
        .base_url(server.url())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = client.artifact("big").await.unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge(_)), "{error}");
}
