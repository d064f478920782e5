//! Reading and validating JSON request bodies the way the API does: every
//! problem is collected and reported at once in `details.issues`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use crate::Faults;
use crate::reply::{ApiError, Issue};

/// A request body being validated.
pub(crate) struct Fields {
    fields: Map<String, Value>,
    pub(crate) issues: Vec<Issue>,
}

impl Fields {
    /// The body as a JSON object, or the one issue that stops reading it.
    pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Fields, Issue> {
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim_start().starts_with("application/json"));
        if !is_json {
            return Err(Issue::new("body", "Content-Type must be application/json"));
        }
        match serde_json::from_slice(body) {
            Ok(Value::Object(fields)) => Ok(Fields {
                fields,
                issues: Vec::new(),
            }),
            Ok(_) => Err(Issue::new("body", "body must be a JSON object")),
            Err(error) => Err(Issue::new(
                "body",
                format!("body is not valid JSON: {error}"),
            )),
        }
    }

    fn issue(&mut self, field: &str, message: String) {
        self.issues.push(Issue::new(field, message));
    }

    pub(crate) fn required_string(&mut self, name: &str) -> Option<String> {
        match self.fields.remove(name) {
            None | Some(Value::Null) => self.issue(name, format!("{name} is required")),
            Some(Value::String(text)) if text.trim().is_empty() => {
                self.issue(name, format!("{name} must not be empty"));
            }
            Some(Value::String(text)) => return Some(text),
            Some(_) => self.issue(name, format!("{name} must be a string")),
        }
        None
    }

    /// `None` when absent; a present non-string is an issue.
    pub(crate) fn optional_string(&mut self, name: &str) -> Option<String> {
        match self.fields.remove(name) {
            None => None,
            Some(Value::String(text)) => Some(text),
            Some(_) => {
                self.issue(name, format!("{name} must be a string"));
                None
            }
        }
    }

    /// Absent: `None`; `null`: `Some(None)`; a string: `Some(Some(text))`.
    pub(crate) fn nullable_string(&mut self, name: &str) -> Option<Option<String>> {
        match self.fields.remove(name) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(text)) => Some(Some(text)),
            Some(_) => {
                self.issue(name, format!("{name} must be a string or null"));
                None
            }
        }
    }

    pub(crate) fn optional_enum(&mut self, name: &str, allowed: &[&str]) -> Option<String> {
        let value = self.optional_string(name)?;
        if allowed.contains(&value.as_str()) {
            Some(value)
        } else {
            self.issue(
                name,
                format!("{name} must be one of {}", allowed.join(", ")),
            );
            None
        }
    }

    /// `files`: an array of `{filename, mediaType, url}`, all strings.
    pub(crate) fn files(&mut self) {
        let files = match self.fields.remove("files") {
            None => return,
            Some(Value::Array(files)) => files,
            Some(_) => return self.issue("files", "files must be an array".to_owned()),
        };
        const KEYS: [&str; 3] = ["filename", "mediaType", "url"];
        for (i, file) in files.iter().enumerate() {
            let Value::Object(file) = file else {
                self.issue(
                    &format!("files[{i}]"),
                    "a file must be an object".to_owned(),
                );
                continue;
            };
            for key in KEYS {
                if !file.get(key).is_some_and(Value::is_string) {
                    self.issue(&format!("files[{i}].{key}"), format!("{key} is required"));
                }
            }
            for key in file.keys().filter(|key| !KEYS.contains(&key.as_str())) {
                self.issue(&format!("files[{i}].{key}"), "unknown field".to_owned());
            }
        }
    }

    /// Fields the API no longer accepts.
    pub(crate) fn retired(&mut self, names: &[&str]) {
        for name in names {
            if self.fields.remove(*name).is_some() {
                self.issue(name, format!("{name} is no longer accepted"));
            }
        }
    }

    /// Ends validation. The mock is stricter than the API, which ignores
    /// unknown fields: a client that misspells one (say `user_intent`)
    /// should hear about it.
    pub(crate) fn finish(mut self) -> Result<(), Vec<Issue>> {
        let unknown: Vec<String> = self.fields.keys().cloned().collect();
        for key in unknown {
            self.issue(&key, "unknown field".to_owned());
        }
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(self.issues)
        }
    }
}

/// A JSON object body, its content type and shape checked; the handler
/// validates its fields.
pub(crate) struct JsonObject(pub(crate) Fields);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| Issue::new("body", "body could not be read"))?;
        Ok(JsonObject(Fields::parse(&headers, &body)?))
    }
}

/// A body that must be `{}`, as the API's action endpoints want.
pub(crate) struct EmptyObject;

impl<S: Send + Sync> FromRequest<S> for EmptyObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let JsonObject(fields) = JsonObject::from_request(request, state).await?;
        fields.finish()?;
        Ok(EmptyObject)
    }
}

/// `limit` and `cursor` of a list endpoint, percent-decoded: the page size
/// (`DEFAULT` unless given) and the number of items already returned.
pub(crate) struct Page<const DEFAULT: usize> {
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

impl<S: Send + Sync, const DEFAULT: usize> FromRequestParts<S> for Page<DEFAULT> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default().as_bytes();
        let mut page = Page {
            limit: DEFAULT,
            offset: 0,
        };
        for (name, value) in form_urlencoded::parse(query) {
            match &*name {
                "limit" => {
                    page.limit = value
                        .parse()
                        .ok()
                        .filter(|limit| (1..=100).contains(limit))
                        .ok_or_else(|| {
                            Issue::new("limit", "limit must be an integer from 1 to 100")
                        })?;
                }
                "cursor" => {
                    page.offset = decode_cursor(&value)
                        .ok_or_else(|| Issue::new("cursor", "invalid cursor"))?;
                }
                _ => {}
            }
        }
        Ok(page)
    }
}

/// Cursors are opaque to clients; here, an offset in hex behind a prefix,
/// or (with [`Faults::opaque_cursors`](crate::Faults::opaque_cursors)) that
/// text in base64 behind bytes that encode as `+/+/`, padded so that it
/// ends with `=`.
pub(crate) fn encode_cursor(offset: usize, faults: &Faults) -> String {
    let plain = format!("cur_{offset:x}");
    let mut cursor = if faults.opaque_cursors {
        let mut bytes = OPAQUE_PREFIX.to_vec();
        bytes.extend_from_slice(plain.as_bytes());
        if bytes.len().is_multiple_of(3) {
            bytes.push(b' ');
        }
        STANDARD.encode(&bytes)
    } else {
        plain
    };
    // `~` is never in either form, so decoding can take it off.
    while cursor.len() < faults.cursor_padding {
        cursor.push('~');
    }
    cursor
}

/// A cursor, with [`Faults::empty_pages`], that was never sent before.
pub(crate) fn fresh_cursor() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("empty_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let cursor = cursor.trim_end_matches('~');
    if cursor.starts_with("empty_") {
        return Some(0);
    }
    let opaque;
    let plain = match cursor.strip_prefix("cur_") {
        Some(_) => cursor,
        None => {
            opaque = STANDARD.decode(cursor).ok()?;
            std::str::from_utf8(opaque.strip_prefix(OPAQUE_PREFIX)?)
                .ok()?
                .trim_end()
        }
    };
    usize::from_str_radix(plain.strip_prefix("cur_")?, 16).ok()
}

/// Encodes as `+/+/` in base64.
const OPAQUE_PREFIX: &[u8] = &[0xfb, 0xff, 0xbf];

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Faults {
        Faults::none()
    }

    fn opaque() -> Faults {
        Faults::none().opaque_cursors()
    }

    #[test]
    fn cursors_round_trip_in_every_form() {
        for offset in [0, 7, 20, 255, 4096, 1 << 40] {
            assert_eq!(
                decode_cursor(&encode_cursor(offset, &plain())),
                Some(offset)
            );
            let huge = encode_cursor(offset, &Faults::none().huge_cursors(60_000));
            assert_eq!(huge.len(), 60_000);
            assert_eq!(decode_cursor(&huge), Some(offset));
            let opaque = encode_cursor(offset, &opaque());
            assert!(
                opaque.starts_with("+/+/") && opaque.ends_with('='),
                "{opaque}"
            );
            assert_eq!(decode_cursor(&opaque), Some(offset), "{opaque}");
        }
        // A `+` that arrived as a space is refused, not misread.
        let spaced = encode_cursor(20, &opaque()).replace('+', " ");
        assert_eq!(decode_cursor(&spaced), None);
        assert_eq!(decode_cursor("garbage"), None);
    }

    #[test]
    fn an_opaque_cursor_is_standard_base64() {
        let opaque = encode_cursor(20, &opaque());
        assert_eq!(STANDARD.decode(&opaque).unwrap()[..3], *OPAQUE_PREFIX);
    }
}
