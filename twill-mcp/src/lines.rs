//! The stdio transport's framing, in front of rmcp: one JSON-RPC message
//! per line, each read here first so that no line goes unanswered.
//!
//! rmcp's own reader skips what it cannot parse and stops at a message
//! out of order; a client then waits for an answer that never comes. Here,
//! a line that is not JSON gets -32700 and one that is not a request -32600
//! (both with `id: null`, as JSON-RPC says when the id cannot be read); a
//! `tools/call` whose params are malformed (no `name`, `arguments` not an
//! object) gets -32602 with its id; a lone UTF-16 surrogate escape, which
//! is legal JSON text but no Unicode, becomes U+FFFD instead of a dropped
//! request; a notification before the session begins (with `initialize`,
//! or a request with inline metadata in the 2026-07-28 revision) is
//! dropped, where rmcp would end the session. Everything else goes to rmcp
//! as it came, which answers a request before the session begins itself.

use serde_json::{Value, json};

/// The longest line read; a longer one is answered -32700 and skipped,
/// so that a client cannot grow the server's memory without end.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// What to do with one line.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Give rmcp this line.
    Forward(String),
    /// Answer the client with this message, and give rmcp nothing.
    Reply(Value),
    /// Nothing to do (a blank line, an early notification).
    Drop,
}

/// The framing's state: whether the session has begun (`initialize`, or a
/// request with its metadata inline).
#[derive(Debug, Default)]
pub struct Framing {
    session_begun: bool,
}

impl Framing {
    /// Decides what to do with `line` (without its newline).
    pub fn check(&mut self, line: &str) -> Verdict {
        if line.trim().is_empty() {
            return Verdict::Drop;
        }
        let (message, line) = match serde_json::from_str::<Value>(line) {
            Ok(message) => (message, line.to_owned()),
            Err(error) => {
                let repaired = repair_surrogates(line);
                match serde_json::from_str::<Value>(&repaired) {
                    Ok(message) if repaired != line => (message, repaired),
                    _ => {
                        return Verdict::Reply(error_reply(
                            Value::Null,
                            -32700,
                            &format!("parse error: {error}"),
                        ));
                    }
                }
            }
        };
        let Some(object) = message.as_object() else {
            return Verdict::Reply(error_reply(
                Value::Null,
                -32600,
                "invalid request: a message is one JSON object (no batches)",
            ));
        };
        let id = object.get("id").cloned();
        let method = object.get("method").and_then(Value::as_str);
        match (method, id) {
            // A response to a request of ours (rmcp sends pings).
            (None, Some(_)) => Verdict::Forward(line),
            (None, None) => Verdict::Reply(error_reply(
                Value::Null,
                -32600,
                "invalid request: no method",
            )),
            (Some(_), None) if !self.session_begun => Verdict::Drop,
            (Some(_), None) => Verdict::Forward(line),
            (Some("initialize"), Some(_)) => {
                self.session_begun = true;
                Verdict::Forward(line)
            }
            // A request of the 2026-07-28 revision, which has no
            // initialize: its metadata starts the session. Without it, rmcp
            // answers that it is missing, and the session has not begun.
            (Some(_), Some(_)) if !self.session_begun => {
                self.session_begun = carries_protocol_version(object.get("params"));
                Verdict::Forward(line)
            }
            (Some("tools/call"), Some(id)) => match malformed_call(object.get("params")) {
                Some(problem) => Verdict::Reply(error_reply(
                    id,
                    -32602,
                    &format!("invalid params: {problem}"),
                )),
                None => Verdict::Forward(line),
            },
            (Some(_), Some(_)) => Verdict::Forward(line),
        }
    }
}

/// Whether request params carry a protocol version in their `_meta`, as
/// the 2026-07-28 revision's requests do in place of `initialize`.
fn carries_protocol_version(params: Option<&Value>) -> bool {
    params
        .and_then(|params| params.get("_meta"))
        .and_then(|meta| meta.get("io.modelcontextprotocol/protocolVersion"))
        .is_some_and(Value::is_string)
}

/// What is wrong with a `tools/call`'s params, if anything.
fn malformed_call(params: Option<&Value>) -> Option<&'static str> {
    let Some(Value::Object(params)) = params else {
        return Some("params must be an object with a `name`");
    };
    if !params.get("name").is_some_and(Value::is_string) {
        return Some("`name` must be the tool's name, a string");
    }
    match params.get("arguments") {
        None | Some(Value::Null | Value::Object(_)) => None,
        Some(_) => Some("`arguments` must be an object"),
    }
}

/// A JSON-RPC error response.
pub fn error_reply(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// `line` with each `\u` escape of a lone UTF-16 surrogate (legal JSON,
/// but no character) written as `\ufffd`; pairs and everything else as
/// they were.
fn repair_surrogates(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let escape_at = |at: usize| -> Option<u16> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'u')
            && let Some(unit) = escape_at(i)
        {
            let high = (0xD800..0xDC00).contains(&unit);
            let low = (0xDC00..0xE000).contains(&unit);
            let paired =
                high && escape_at(i + 6).is_some_and(|next| (0xDC00..0xE000).contains(&next));
            if paired {
                out.push_str(&line[i..i + 12]);
                i += 12;
                continue;
            }
            if high || low {
                out.push_str("\\ufffd");
                i += 6;
                continue;
            }
        }
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            // Any other escape, `\\` included, as it is: two bytes.
            out.push_str(&line[i..i + 2]);
            i += 2;
            continue;
        }
        let width = line[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&line[i..i + width]);
        i += width;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn initialized() -> Framing {
        let mut framing = Framing::default();
        let verdict =
            framing.check(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#);
        assert!(matches!(verdict, Verdict::Forward(_)));
        framing
    }

    fn code(verdict: &Verdict) -> (Value, i64) {
        match verdict {
            Verdict::Reply(reply) => (
                reply["id"].clone(),
                reply["error"]["code"].as_i64().unwrap(),
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_line_goes_unanswered() {
        let mut framing = initialized();
        assert_eq!(code(&framing.check("{not json")), (Value::Null, -32700));
        assert_eq!(code(&framing.check("[1]")), (Value::Null, -32600));
        assert_eq!(
            code(&framing.check(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call"}"#)),
            (json!(7), -32602)
        );
        assert_eq!(
            code(&framing.check(r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"me","arguments":[1]}}"#)),
            (json!(8), -32602)
        );
        assert!(matches!(
            framing
                .check(r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"me"}}"#),
            Verdict::Forward(_)
        ));
        assert_eq!(framing.check("   "), Verdict::Drop);
    }

    #[test]
    fn before_the_session_notifications_are_dropped_and_requests_go_to_rmcp() {
        let mut framing = Framing::default();
        let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        assert_eq!(framing.check(note), Verdict::Drop);
        // rmcp answers a request without metadata; the session has not begun.
        let bare = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        assert!(matches!(framing.check(bare), Verdict::Forward(_)));
        assert_eq!(framing.check(note), Verdict::Drop);
        // A 2026-07-28 request, its metadata inline, begins it.
        let inline = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#;
        assert!(matches!(framing.check(inline), Verdict::Forward(_)));
        assert!(matches!(framing.check(note), Verdict::Forward(_)));
    }

    #[test]
    fn a_lone_surrogate_becomes_a_replacement_character() {
        let mut framing = initialized();
        let line = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_task","arguments":{"taskIdOrSlug":"a\ud800b \\ud800 \ud83d\ude00"}}}"#;
        let Verdict::Forward(forwarded) = framing.check(line) else {
            panic!("forwarded");
        };
        let value: Value = serde_json::from_str(&forwarded).unwrap();
        assert_eq!(
            value["params"]["arguments"]["taskIdOrSlug"],
            "a\u{fffd}b \\ud800 😀"
        );
    }
}
