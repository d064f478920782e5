//! Success bodies that are not JSON: text and bytes, chosen by the
//! declared success type.
//!
//! `String` and `bytes::Bytes` are themselves JSON types (every
//! `DeserializeOwned` type decodes as JSON, so they cannot have another
//! `FromResponse` of their own), so a text or raw body is declared with
//! these wrappers: `Result<Text, E>`, `Result<Binary, E>`.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;

use crate::error::{Error, UnexpectedResponse};
use crate::response::{FromResponse, RawResponse};
use crate::wire::excerpt;

/// A `text/*` success body as UTF-8: declare `Result<Text, E>` for an
/// endpoint that answers plain text (a log, a diff, a rendered file).
///
/// Sent with `Accept: text/plain, text/*;q=0.9`. A response of another
/// content type (or none), a `charset` other than UTF-8 (or ASCII, a
/// subset), or bytes that are not UTF-8 are
/// [`Error::UnexpectedResponse`], with the body's start: nothing is
/// replaced or guessed. The text is the server's, unescaped: escape it
/// before it reaches a terminal
/// ([`untrusted::escape_line`](crate::untrusted::escape_line)).
///
/// ```
/// use twill_api::{Client, Error, Text, twill_endpoint};
///
/// trait Files {
///     /// A file of the task's branch, as text.
///     #[twill_endpoint(GET "/tasks/<taskId>/files/<filePath..>")]
///     async fn file_text(&self, task_id: &str, file_path: &str) -> Result<Text, Error>;
/// }
///
/// impl Files for Client {}
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.0
    }
}

/// The length only, as `RawResponse` does: the text is the server's.
impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Text({} bytes)", self.0.len())
    }
}

impl FromResponse for Text {
    const ACCEPT: &'static str = "text/plain, text/*;q=0.9";

    async fn from_response(response: RawResponse) -> Result<Self, Error> {
        let answer = response.answer();
        let content_type = content_type(&response);
        let body = response.bytes().await?;
        let text_type = content_type.as_deref().is_some_and(is_utf8_text);
        match String::from_utf8(body.to_vec()) {
            Ok(text) if text_type => Ok(Text(text)),
            _ => Err(Error::UnexpectedResponse(Box::new(UnexpectedResponse {
                answer,
                content_type,
                body_len: body.len(),
                excerpt: excerpt(&body),
                retry_after: None,
                location: None,
            }))),
        }
    }
}

/// A success body as bytes, whatever its content type: declare
/// `Result<Binary, E>` for an endpoint that answers a file, an archive or an
/// image. Sent with `Accept: */*`; the body is bounded by the client's
/// [`max_response_bytes`](crate::ClientBuilder::max_response_bytes) like any
/// other.
///
/// ```
/// use twill_api::{Binary, Client, Error, twill_endpoint};
///
/// trait Artifacts {
///     /// An artifact of a job, as it was uploaded.
///     #[twill_endpoint(GET "/jobs/<jobId>/artifacts/<name>")]
///     async fn artifact(&self, job_id: &str, name: &str) -> Result<Binary, Error>;
/// }
///
/// impl Artifacts for Client {}
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Binary {
    bytes: Bytes,
    content_type: Option<String>,
}

impl Binary {
    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The body, owned.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// The response's `Content-Type` as sent (the server's text), if it
    /// had one that is valid header text.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl Deref for Binary {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Binary({} bytes, {:?})",
            self.bytes.len(),
            self.content_type
        )
    }
}

impl FromResponse for Binary {
    const ACCEPT: &'static str = "*/*";

    async fn from_response(response: RawResponse) -> Result<Self, Error> {
        let content_type = content_type(&response);
        Ok(Binary {
            bytes: response.bytes().await?,
            content_type,
        })
    }
}

fn content_type(response: &RawResponse) -> Option<String> {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// `text/*` in UTF-8: no `charset`, or `utf-8` or `us-ascii` (any case,
/// quoted or not).
fn is_utf8_text(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let is_text = essence
        .split_once('/')
        .is_some_and(|(kind, sub)| kind.eq_ignore_ascii_case("text") && !sub.is_empty());
    is_text
        && parts.all(|parameter| match parameter.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                let value = value.trim().trim_matches('"');
                value.eq_ignore_ascii_case("utf-8")
                    || value.eq_ignore_ascii_case("utf8")
                    || value.eq_ignore_ascii_case("us-ascii")
            }
            _ => true,
        })
}

#[cfg(test)]
mod tests {
    use super::is_utf8_text;

    #[test]
    fn text_types_in_utf8() {
        for accepted in [
            "text/plain",
            "text/plain; charset=utf-8",
            "TEXT/Markdown;charset=\"UTF-8\"",
            "text/x-diff; format=flowed; charset=us-ascii",
        ] {
            assert!(is_utf8_text(accepted), "{accepted}");
        }
        for refused in [
            "application/json",
            "text/plain; charset=latin1",
            "text/",
            "text",
            "",
            "textplain",
            "application/text",
        ] {
            assert!(!is_utf8_text(refused), "{refused}");
        }
    }
}
