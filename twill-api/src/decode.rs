//! How failure responses become errors: Twill's error envelope when the body
//! is one, an [`UnexpectedResponse`] with an excerpt of what came otherwise.

use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde::Deserialize;

use crate::error::{ApiError, ApiErrorCode, Error, ErrorResponse, UnexpectedResponse};
use crate::retry::retry_after;

/// The longest part of a body kept in an error, in bytes.
pub const EXCERPT_LIMIT: usize = 2048;

/// Decodes a failure response; see [`Error::from_response`].
pub(crate) fn failure(response: ErrorResponse) -> Error {
    let retry_after = retry_after(&response.headers);
    match serde_json::from_slice::<Envelope>(&response.body) {
        Ok(Envelope { error }) => Error::Api(Box::new(ApiError {
            status: response.status,
            code: error.code,
            message: excerpt(error.message.as_bytes()),
            details: error.details,
            retry_after,
            method: response.method,
            attempts: response.attempts,
        })),
        Err(_) => Error::UnexpectedResponse(Box::new(UnexpectedResponse {
            status: response.status,
            content_type: response
                .headers
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            body_len: response.body.len(),
            excerpt: excerpt(&response.body),
            retry_after,
            location: response
                .status
                .is_redirection()
                .then(|| response.headers.get(LOCATION))
                .flatten()
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
            method: response.method,
            attempts: response.attempts,
        })),
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Deserialize)]
struct EnvelopeError {
    code: ApiErrorCode,
    message: String,
    #[serde(default)]
    details: Option<serde_json::Value>,
}

/// The start of a body for an error message: at most [`EXCERPT_LIMIT`]
/// bytes, cut on a character boundary, invalid UTF-8 replaced.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(EXCERPT_LIMIT)];
    let mut text = String::from_utf8_lossy(head).into_owned();
    if head.len() < body.len() {
        // The cut may split a character, which decoded to U+FFFD; drop it.
        if text.ends_with(char::REPLACEMENT_CHARACTER) {
            text.pop();
        }
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(excerpt(b"short"), "short");
        let long = "é".repeat(EXCERPT_LIMIT);
        let cut = excerpt(long.as_bytes());
        assert!(cut.len() <= EXCERPT_LIMIT + '…'.len_utf8());
        assert!(cut.ends_with("é…"));
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}
