//! A Twill-compatible API server on loopback, for tests and for trying the
//! client with no network and no API key.
//!
//! It speaks Twill's wire format on its own (JSON built by hand, not the
//! client's types), so a test against it catches the client's wire mistakes:
//! a wrong field name, a missing header, a body that the API would refuse.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = twill_mock::MockServer::start().await?;
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert!(server.url().ends_with("/api/v1"));
//! # Ok(())
//! # }
//! ```
//!
//! Implemented: bearer-key check (401), `POST /tasks` (201),
//! `GET /tasks/<taskIdOrSlug>`, `POST /tasks/<taskIdOrSlug>/messages`, with
//! the API's validation (400 with `details.issues`) and 404 for unknown tasks
//! and routes.

#![deny(missing_docs)]

mod api;
mod reply;
mod store;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The API key a server accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "twill-mock-key";

/// A running mock server. Dropping it stops it.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    api_key: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl MockServer {
    /// Starts a server on `127.0.0.1` on a free port, accepting
    /// [`DEFAULT_API_KEY`]. Must be called within a Tokio runtime.
    pub async fn start() -> io::Result<MockServer> {
        MockServer::builder().start().await
    }

    /// Configures a server.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            api_key: DEFAULT_API_KEY.to_owned(),
            port: 0,
        }
    }

    /// The API root to give a client, such as `http://127.0.0.1:41234/api/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.stop();
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }

    fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Configures a [`MockServer`]; see [`MockServer::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct MockServerBuilder {
    api_key: String,
    port: u16,
}

impl MockServerBuilder {
    /// The API key the server accepts.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// The port to listen on (0, the default, picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds `127.0.0.1` and starts serving in the background.
    pub async fn start(self) -> io::Result<MockServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let addr = listener.local_addr()?;
        let app = api::router(Arc::new(api::State::new(self.api_key.clone())));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(MockServer {
            addr,
            api_key: self.api_key,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}
