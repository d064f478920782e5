//! What a tool answers: a success with its structured content and a text
//! that says the same, a refused input naming what is wrong, or an API
//! error with its status, code and validation issues. Never a protocol
//! error: a model reads tool results, not JSON-RPC errors.
//!
//! A failure's details go in the result's `_meta` under [`ERROR_META`],
//! not in `structuredContent`: that must match the tool's output schema,
//! and some clients check it even on an error result.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};
use twill_api::Error;

/// The `_meta` key of a failure's details: `message`, and for an API
/// error `status`, `code`, `issues`, `retryAfterSeconds`.
pub const ERROR_META: &str = "ai.twill/error";

/// An error result saying `text`, its details in `_meta`.
fn failure(text: String, detail: Value) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    let mut meta = rmcp::model::JsonObject::new();
    meta.insert(ERROR_META.to_owned(), detail);
    result.meta = Some(rmcp::model::MetaObject(meta));
    result
}

/// A failure's details, from a result made here.
pub fn error_detail(result: &CallToolResult) -> Option<&Value> {
    result.meta.as_ref()?.0.get(ERROR_META)
}

/// The most text one result carries; a larger answer is cut, saying so.
pub const MAX_TEXT: usize = 64 * 1024;

/// A success: `value` as structured content (an object; anything else is
/// wrapped as `{"value": ...}` so that it matches an object schema), and
/// as text.
pub fn success(value: Value) -> CallToolResult {
    let value = match value {
        Value::Object(_) => value,
        other => json!({ "value": other }),
    };
    let text = value.to_string();
    let mut result = if text.len() > MAX_TEXT {
        CallToolResult::success(vec![ContentBlock::text(cut(&text))])
    } else {
        CallToolResult::success(vec![ContentBlock::text(text)])
    };
    result.structured_content = Some(value);
    result
}

/// `text` cut to [`MAX_TEXT`] bytes on a character boundary, ending with
/// what was left out: the structured content holds the whole.
fn cut(text: &str) -> String {
    let mut at = MAX_TEXT;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    format!(
        "{}… (truncated: {} of {} bytes shown; the structured content holds the whole answer)",
        &text[..at],
        at,
        text.len()
    )
}

/// The most of a refused value a message quotes.
pub const QUOTED_BYTES: usize = 64;

/// `value` as a message quotes it: escaped, at most [`QUOTED_BYTES`] of
/// it, with its length when it was cut (a megabyte id is not echoed).
pub fn quoted(value: &str) -> String {
    let mut at = value.len().min(QUOTED_BYTES);
    while !value.is_char_boundary(at) {
        at -= 1;
    }
    let shown = twill_api::untrusted::escape_line(&value[..at]);
    if at == value.len() {
        format!("\"{shown}\"")
    } else {
        format!("\"{shown}…\" ({} bytes)", value.len())
    }
}

/// A refused input: the message names the field.
pub fn refusal(message: impl Into<String>) -> CallToolResult {
    let message = message.into();
    failure(message.clone(), json!({ "message": message }))
}

/// An API or client error as a tool result: the API's message and its
/// validation issues, structured too.
pub fn api_error(error: &Error) -> CallToolResult {
    let mut detail = json!({ "message": error.to_string() });
    if let Some(status) = error.status() {
        detail["status"] = json!(status.as_u16());
    }
    if let Error::Api(api) = error {
        detail["code"] = json!(api.code.to_string());
        detail["message"] = json!(api.message);
        let issues: Vec<Value> = api
            .validation_issues()
            .into_iter()
            .map(|issue| json!({ "field": issue.field, "message": issue.message }))
            .collect();
        if !issues.is_empty() {
            detail["issues"] = json!(issues);
        }
    }
    if let Some(wait) = error.retry_after() {
        detail["retryAfterSeconds"] = json!(wait.as_secs());
    }
    failure(error.to_string(), detail)
}

/// A call stopped by the client's `notifications/cancelled`: no answer is
/// sent for it (the protocol's rule); this is what the router returns.
pub fn cancelled() -> CallToolResult {
    refusal("cancelled by the client")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_answer_is_cut_in_its_text_and_whole_in_its_structure() {
        let big = "é".repeat(MAX_TEXT);
        let result = success(json!({ "answer": big }));
        let text = serde_json::to_value(&result.content).unwrap()[0]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(text.len() < MAX_TEXT + 200, "{}", text.len());
        assert!(text.ends_with("the structured content holds the whole answer)"));
        assert_eq!(result.structured_content.unwrap()["answer"], json!(big));
    }

    #[test]
    fn a_quoted_value_is_cut_to_64_bytes_and_escaped() {
        assert_eq!(quoted(""), "\"\"");
        assert_eq!(quoted("job-1"), "\"job-1\"");
        let long = "é".repeat(1 << 19);
        let shown = quoted(&long);
        assert!(shown.len() < QUOTED_BYTES + 40, "{shown}");
        assert!(shown.ends_with("…\" (1048576 bytes)"), "{shown}");
        assert!(!quoted("a\u{1b}[2Jb").contains('\u{1b}'));
    }

    #[test]
    fn a_value_that_is_not_an_object_is_wrapped() {
        let result = success(json!([1, 2]));
        assert_eq!(result.structured_content, Some(json!({ "value": [1, 2] })));
    }
}
