//! Text from the server, made safe to show: escaped for a terminal, and
//! scrubbed of the API key.
//!
//! Every byte a server sends is untrusted. A title, a plan, an agent's
//! message or an error's code can carry escape sequences that rename the
//! terminal, write the clipboard or clear the screen, a newline that forges
//! a second log line, or a bidi override that makes text read backwards. And
//! a misconfigured proxy can reflect the request's `Authorization` header
//! back in a body, handing the key to whoever reads the output.
//!
//! [`escape_line`] and [`escape_text`] show such text with its controls
//! visibly escaped, never interpreted; the client replaces its own key with
//! `[redacted]` in every body and event it reads, before any caller sees it
//! (JSON output included).

use std::fmt;

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderValue;

/// What the key becomes wherever the server sends it back.
pub const REDACTED: &str = "[redacted]";

/// `text` for one line of output: every control character escaped,
/// newlines included.
///
/// ```
/// let title = "Fix \u{1b}]0;pwned\u{7}the task's\nbuild";
/// assert_eq!(
///     twill_api::untrusted::escape_line(title).to_string(),
///     r"Fix \u{1b}]0;pwned\u{7}the task's\nbuild"
/// );
/// ```
pub fn escape_line(text: &str) -> Escaped<'_> {
    Escaped {
        text,
        newlines: false,
    }
}

/// `text` where several lines are expected (a plan, an agent's message):
/// like [`escape_line`], but a plain `\n` and a tab stay as they are.
///
/// ```
/// let plan = "1. Read\n2. \u{1b}[2JWrite\u{202e}";
/// assert_eq!(
///     twill_api::untrusted::escape_text(plan).to_string(),
///     "1. Read\n2. \\u{1b}[2JWrite\\u{202e}"
/// );
/// ```
pub fn escape_text(text: &str) -> Escaped<'_> {
    Escaped {
        text,
        newlines: true,
    }
}

/// Server text shown safely: C0 and C1 controls, DEL and the bidi
/// overrides (U+202A-U+202E, U+2066-U+2069) written as `\n`, `\r`, `\t` or
/// `\u{..}`; everything else, quotes and backslashes included, untouched.
/// Escaping its own output changes nothing, so text escaped twice reads as
/// text escaped once.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a> {
    text: &'a str,
    newlines: bool,
}

impl Escaped<'_> {
    fn keeps(&self, c: char) -> bool {
        !is_unsafe(c) || (self.newlines && matches!(c, '\n' | '\t'))
    }
}

/// Whether `c` could drive a terminal or reorder text.
fn is_unsafe(c: char) -> bool {
    matches!(c, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.text;
        while let Some(at) = rest.find(|c| !self.keeps(c)) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                other => write!(f, "\\u{{{:x}}}", u32::from(other))?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Keys shorter than this are not scrubbed (Twill's keys are far longer).
pub(crate) const MIN_SCRUBBED_KEY: usize = 8;

/// The client's key, to scrub from what the server sends. Holds the
/// `Authorization` value it was sent in, so that it costs no copy.
#[derive(Clone, Default)]
pub(crate) struct Secret(Option<HeaderValue>);

impl Secret {
    /// The key inside `authorization` (`Bearer <key>`).
    pub(crate) fn new(authorization: &HeaderValue) -> Self {
        Secret(Some(authorization.clone()))
    }

    /// The key, or nothing when it is shorter than [`MIN_SCRUBBED_KEY`]:
    /// scrubbing a test key such as `k` would mangle every body, and so
    /// short a key is no secret.
    fn key(&self) -> &[u8] {
        self.0
            .as_ref()
            .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "))
            .filter(|key| key.len() >= MIN_SCRUBBED_KEY)
            .unwrap_or_default()
    }

    /// `body` with every copy of the key replaced; the same bytes, not a
    /// copy, when there is none.
    pub(crate) fn scrub(&self, body: Bytes) -> Bytes {
        let key = self.key();
        if key.is_empty() || memchr::memmem::find(&body, key).is_none() {
            return body;
        }
        let mut scrubbed = BytesMut::with_capacity(body.len());
        let mut rest = &body[..];
        while let Some(at) = memchr::memmem::find(rest, key) {
            scrubbed.extend_from_slice(&rest[..at]);
            scrubbed.extend_from_slice(REDACTED.as_bytes());
            rest = &rest[at + key.len()..];
        }
        scrubbed.extend_from_slice(rest);
        scrubbed.freeze()
    }

    /// [`scrub`](Self::scrub) for text.
    pub(crate) fn scrub_text(&self, text: String) -> String {
        let key = self.key();
        match std::str::from_utf8(key) {
            Ok(key) if !key.is_empty() && text.contains(key) => text.replace(key, REDACTED),
            _ => text,
        }
    }

    /// A header value with the key replaced, if it held it.
    pub(crate) fn scrub_header(&self, value: &mut HeaderValue) {
        let key = self.key();
        if !key.is_empty() && memchr::memmem::find(value.as_bytes(), key).is_some() {
            let scrubbed = self.scrub(Bytes::copy_from_slice(value.as_bytes()));
            if let Ok(replaced) = HeaderValue::from_maybe_shared(scrubbed) {
                *value = replaced;
            }
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_interpreted() {
        let hostile = "a\u{1b}]52;c;aGk=\u{7}b\u{1b}[2J\u{9b}31m\u{7f}\r\0\u{202e}\u{2066}";
        assert_eq!(
            escape_line(hostile).to_string(),
            r"a\u{1b}]52;c;aGk=\u{7}b\u{1b}[2J\u{9b}31m\u{7f}\r\u{0}\u{202e}\u{2066}"
        );
    }

    #[test]
    fn nothing_else_is_touched_and_escaping_twice_changes_nothing() {
        let plain = r#"the task's "title" \ é 日本 🦀"#;
        assert_eq!(escape_line(plain).to_string(), plain);
        let once = escape_line("x\u{1b}y\nz").to_string();
        assert_eq!(escape_line(&once).to_string(), once);
    }

    #[test]
    fn newlines_stay_only_in_text() {
        assert_eq!(escape_line("a\nb\tc").to_string(), r"a\nb\tc");
        assert_eq!(escape_text("a\nb\tc\r").to_string(), "a\nb\tc\\r");
    }

    #[test]
    fn the_key_is_scrubbed_wherever_it_appears() {
        let secret = Secret::new(&HeaderValue::from_static("Bearer sk_live_1"));
        let body =
            Bytes::from_static(b"{\"echo\":\"Bearer sk_live_1\",\"k\":\"sk_live_1sk_live_1\"}");
        assert_eq!(
            secret.scrub(body),
            &b"{\"echo\":\"Bearer [redacted]\",\"k\":\"[redacted][redacted]\"}"[..]
        );
        let clean = Bytes::from_static(b"nothing here");
        assert_eq!(
            secret.scrub(clean.clone()).as_ptr(),
            clean.as_ptr(),
            "no copy"
        );
        assert_eq!(
            secret.scrub_text("key sk_live_1.".to_owned()),
            "key [redacted]."
        );
        let mut header = HeaderValue::from_static("https://x/?auth=sk_live_1");
        secret.scrub_header(&mut header);
        assert_eq!(header, "https://x/?auth=[redacted]");
        assert_eq!(
            Secret::default().scrub(Bytes::from_static(b"sk")),
            &b"sk"[..]
        );
    }
}
