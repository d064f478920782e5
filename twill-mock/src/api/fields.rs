//! Reading and validating JSON request bodies the way the API does: every
//! problem is collected and reported at once in `details.issues`.

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::reply::Issue;

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

    /// Checks a body that must be `{}`, as the API's action endpoints want.
    pub(crate) fn empty_object(headers: &HeaderMap, body: &[u8]) -> Result<(), Vec<Issue>> {
        Fields::parse(headers, body)
            .map_err(|issue| vec![issue])
            .and_then(Fields::finish)
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

/// `limit` and `cursor` of a list endpoint: the page size and the number of
/// items already returned, or the issue with them.
pub(crate) fn page(query: Option<&str>, default_limit: usize) -> Result<(usize, usize), Issue> {
    let mut limit = default_limit;
    let mut offset = 0;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=100).contains(limit))
                    .ok_or_else(|| Issue::new("limit", "limit must be an integer from 1 to 100"))?;
            }
            "cursor" => {
                offset =
                    decode_cursor(value).ok_or_else(|| Issue::new("cursor", "invalid cursor"))?;
            }
            _ => {}
        }
    }
    Ok((limit, offset))
}

/// Cursors are opaque to clients; here, an offset in hex behind a prefix.
pub(crate) fn encode_cursor(offset: usize) -> String {
    format!("cur_{offset:x}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    usize::from_str_radix(cursor.strip_prefix("cur_")?, 16).ok()
}
