//! The HTTP client a [`Client`](super::Client) sends with, set up lazily.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::error::TransportCause;

/// The HTTP client: the one given, or the default, built on the first
/// call rather than with the [`Client`], once for the client and its clones.
///
/// For an `https://` base, building it loads the platform's root
/// certificates through rustls-platform-verifier (about 20 million
/// instructions, and file I/O; BENCHMARKS.md), which a program that never
/// sends a request (`twill --help`) should not pay. An `http://` base (a
/// local `twill-mock`) never needs them: its client is built with an empty
/// root store, so a machine without CA certificates works, and it does not
/// follow a redirect to `https://`.
pub(super) enum Http {
    Given(reqwest::Client),
    Default {
        /// The base is `http://`: no TLS is ever needed.
        plain: bool,
        follow_redirects: bool,
        connect_timeout: Duration,
        /// The error is shared: every call reports it, not only the first.
        client: OnceLock<Result<reqwest::Client, Arc<reqwest::Error>>>,
    },
}

impl Http {
    pub(super) fn get(&self) -> Result<&reqwest::Client, TransportCause> {
        match self {
            Http::Given(client) => Ok(client),
            Http::Default {
                plain,
                follow_redirects,
                connect_timeout,
                client,
            } => client
                .get_or_init(|| {
                    default_http(*plain, *follow_redirects, *connect_timeout).map_err(Arc::new)
                })
                .as_ref()
                .map_err(|error| TransportCause::Setup(error.clone())),
        }
    }
}

fn default_http(
    plain: bool,
    follow_redirects: bool,
    connect_timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    #[cfg(feature = "rustls-ring")]
    {
        // reqwest is built without a crypto provider of its own; *ring*
        // becomes the process default unless the application installed
        // another one first.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    }
    let redirects = match (follow_redirects, plain) {
        (false, _) => reqwest::redirect::Policy::none(),
        (true, false) => reqwest::redirect::Policy::limited(10),
        // The plain client has no roots: a redirect to https would fail
        // its handshake; say why instead.
        (true, true) => reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().scheme() != "http" {
                attempt.error("an http:// base URL does not follow a redirect to another scheme")
            } else if attempt.previous().len() > 10 {
                attempt.error("more than 10 redirects")
            } else {
                attempt.follow()
            }
        }),
    };
    let builder = reqwest::Client::builder()
        .redirect(redirects)
        .connect_timeout(connect_timeout);
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    let builder = if plain {
        // No roots to load: reqwest still builds a TLS configuration when
        // a TLS feature is on, but an empty root store costs nothing.
        builder.tls_certs_only(Vec::new())
    } else {
        builder
    };
    builder.build()
}
