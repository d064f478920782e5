//! How a success response becomes the value an endpoint returns.

use std::future::Future;

use bytes::Bytes;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, Error, TransportError, excerpt};

/// A type an endpoint can return on success.
///
/// Every `T: DeserializeOwned` is one: the body is read and decoded as JSON
/// (an empty body as `null`, so `()` fits an empty response). Types that read
/// the response another way implement it themselves, such as
/// [`TeleportArchive`](crate::TeleportArchive) (raw bytes and headers) and
/// [`JobLogStream`](crate::JobLogStream) (server-sent events).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a response",
    label = "the success type of an endpoint",
    note = "derive `serde::Deserialize` for `{Self}`, or implement `twill_api::FromResponse`"
)]
pub trait FromResponse: Sized {
    /// The `Accept` header of the request.
    const ACCEPT: &'static str = "application/json";

    /// Whether the body is consumed as it arrives, for as long as it lasts:
    /// the client's call timeout does not apply to such a call.
    const STREAMING: bool = false;

    /// Builds the value from a success (2xx) response.
    fn from_response(
        response: reqwest::Response,
    ) -> impl Future<Output = Result<Self, Error>> + Send;
}

impl<T: DeserializeOwned> FromResponse for T {
    async fn from_response(response: reqwest::Response) -> Result<Self, Error> {
        let (status, body) = read_body(response).await?;
        decode_json(status, &body)
    }
}

/// Reads a whole success body.
pub(crate) async fn read_body(response: reqwest::Response) -> Result<(StatusCode, Bytes), Error> {
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|error| Error::Transport(TransportError::new(error)))?;
    Ok((status, body))
}

/// Decodes a JSON success body; an empty body decodes as `null`, so `()`
/// and `Option<T>` accept it.
pub(crate) fn decode_json<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<T, Error> {
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(json).map_err(|source| {
        Error::Decode(Box::new(DecodeError {
            status,
            excerpt: excerpt(body),
            source,
        }))
    })
}
