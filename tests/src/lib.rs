//! Helpers for the workspace's integration tests: a loopback HTTP server that
//! records every request exactly as received and answers with a canned
//! response.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::net::TcpListener;

/// The API key the tests' clients use.
pub const TEST_KEY: &str = "twill_sk_test_5up3r-s3cr3t";

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method, such as `POST`.
    pub method: String,
    /// The request target as sent: raw path and query bytes.
    pub target: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Recorded {
    /// A header's value as text; panics if absent, which fails the test.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no `{name}` header in {self:?}"))
            .to_str()
            .expect("header is not text")
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("body is not JSON")
    }
}

/// A response to send back.
#[derive(Debug, Clone)]
pub struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Canned {
    /// A response with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Canned {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Canned::status(status)
            .header("content-type", "application/json")
            .body(body.to_string())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = StatusCode::from_u16(self.status).expect("valid status");
        for (name, value) in &self.headers {
            response.headers_mut().append(
                HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
                HeaderValue::from_str(value).expect("valid header value"),
            );
        }
        response
    }
}

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    /// Replies in order; the last one repeats.
    replies: Mutex<VecDeque<Canned>>,
}

/// A loopback server that records requests. It stops when dropped.
pub struct Recorder {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Recorder {
    /// Starts a server that answers every request with `reply`.
    pub async fn start(reply: Canned) -> Recorder {
        Recorder::replying([reply]).await
    }

    /// Starts a server that answers with `replies` in turn, repeating the
    /// last.
    pub async fn replying(replies: impl IntoIterator<Item = Canned>) -> Recorder {
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            replies: Mutex::new(replies.into_iter().collect()),
        });
        let app = Router::new().fallback(record).with_state(shared.clone());
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("recorder server");
        });
        Recorder {
            addr,
            shared,
            server,
        }
    }

    /// The API root to give a client.
    pub fn url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// A client for this server with [`TEST_KEY`].
    pub fn client(&self) -> twill_api::Client {
        client_at(self.url())
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().expect("lock").clone()
    }

    /// The one request received; fails the test if there were more or none.
    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request: {requests:#?}"
        );
        requests.into_iter().next().expect("one request")
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn record(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    shared.requests.lock().expect("lock").push(Recorded {
        method: parts.method.to_string(),
        target,
        headers: parts.headers,
        body,
    });
    let mut replies = shared.replies.lock().expect("lock");
    let reply = if replies.len() > 1 {
        replies.pop_front().expect("a reply")
    } else {
        replies
            .front()
            .cloned()
            .unwrap_or_else(|| Canned::status(200))
    };
    reply.response()
}

/// A client for a `twill-mock` server, with its key.
pub fn mock_client(server: &twill_mock::MockServer) -> twill_api::Client {
    twill_api::Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()
        .expect("client")
}

/// A client with [`TEST_KEY`] and the default settings for the API root `url`.
pub fn client_at(url: impl Into<String>) -> twill_api::Client {
    twill_api::Client::builder()
        .api_key(TEST_KEY)
        .base_url(url)
        .build()
        .expect("client")
}

/// The API root of a loopback port that nothing listens on: connecting to
/// it is refused.
pub async fn closed_port_url() -> String {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}/api/v1")
}

/// One step of a [`RawServer`]'s reply.
#[derive(Debug, Clone)]
pub enum Step {
    /// Writes these bytes.
    Write(&'static str),
    /// Waits (on tokio's clock, so a paused test clock skips it).
    Wait(std::time::Duration),
    /// Keeps the connection open without writing, for ever.
    Stall,
    /// Resets the connection (RST, not a clean close).
    Reset,
}

/// A loopback server that reads each connection's request and plays the
/// next scripted reply, byte for byte (the last one repeats); a reply that
/// ends without `Stall` or `Reset` closes the connection. For what an HTTP
/// framework will not send: bodies cut short, stalls, endless streams.
pub struct RawServer {
    url: String,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl RawServer {
    /// Starts the server on a free loopback port.
    pub async fn start(replies: Vec<Vec<Step>>) -> RawServer {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let index = counter.fetch_add(1, Ordering::SeqCst);
                let steps = replies[index.min(replies.len() - 1)].clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 8192];
                    let _ = socket.read(&mut buf).await;
                    for step in steps {
                        match step {
                            Step::Write(bytes) => {
                                let _ = socket.write_all(bytes.as_bytes()).await;
                            }
                            Step::Wait(delay) => tokio::time::sleep(delay).await,
                            Step::Stall => {
                                std::future::pending::<()>().await;
                            }
                            Step::Reset => {
                                let _ = socket.set_zero_linger();
                                return;
                            }
                        }
                    }
                    let _ = socket.shutdown().await;
                });
            }
        });
        RawServer {
            url: format!("http://{addr}/api/v1"),
            connections,
        }
    }

    /// The API root to point a client at.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}
