//! What goes to standard output, and in which form: readable lines and
//! tables, the API's JSON (whole, some fields, or through a jq filter), or
//! JSON lines.
//!
//! Every write reports its failure instead of ending the process: a reader
//! that went away becomes [`Failure::Closed`], which `main` turns into a
//! quiet exit 0 (ripgrep's rule), and any other failure (a full disk) an
//! error of its own.

pub mod jq;
pub mod json;
pub mod table;
pub mod terminal;

use std::io::{IsTerminal, Write};

use serde_json::Value;
use twill_api::untrusted::{escape_line, escape_text};

use crate::failure::Failure;
pub use json::{JsonView, Shape};
pub use table::Table;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Tables and short summaries.
    Human,
    /// The API's JSON as received (pretty on a terminal), or what
    /// `--json=FIELDS` and `--jq` make of it.
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// Writes `bytes` to standard output and flushes them.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|error| Failure::from_stdout(&error))
}

/// Writes bytes that are not text to standard output, refusing a terminal,
/// which they could drive. `what` names them in the refusal.
pub fn write_binary(what: &str, bytes: &[u8]) -> Result<(), Failure> {
    if std::io::stdout().is_terminal() {
        return Err(Failure::Usage(format!(
            "refusing to write {what} to a terminal: redirect standard output to a file"
        )));
    }
    write_stdout(bytes)
}

/// Standard output in the chosen form.
#[derive(Debug, Clone)]
pub struct Output {
    pub form: Form,
    terminal: bool,
    colour: bool,
    view: JsonView,
}

impl Output {
    pub fn new(form: Form, view: JsonView) -> Self {
        Output {
            form,
            terminal: std::io::stdout().is_terminal(),
            colour: terminal::colour_stdout(),
            view,
        }
    }

    /// Whether standard output is a terminal.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Whether readable output is coloured ([`terminal::colour_stdout`]).
    pub fn colour(&self) -> bool {
        self.colour
    }

    /// Prints readable text, which may hold the server's: its control
    /// characters are shown escaped, never sent to the terminal (every
    /// readable line passes here, once). Our own lines may span several.
    pub fn line(&self, text: &str) -> Result<(), Failure> {
        let text = escape_text(text).to_string();
        self.raw_line(text.trim_end_matches(' '))
    }

    /// Prints JSON text, the characters a terminal acts on escaped
    /// ([`json::inert`]).
    fn json_text(&self, text: &str) -> Result<(), Failure> {
        self.raw_line(&json::inert(text))
    }

    /// Prints a line as is: JSON, whose escaping already keeps controls
    /// out, or text escaped already.
    fn raw_line(&self, text: &str) -> Result<(), Failure> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}").map_err(|error| Failure::from_stdout(&error))
    }

    /// Prints an answer for `--json`: as received (byte for byte, or
    /// indented on a terminal), or the fields and filter asked for.
    pub fn json(&self, raw: &[u8]) -> Result<(), Failure> {
        if self.view.transforms() {
            let value: Value = serde_json::from_slice(raw)
                .map_err(|error| Failure::Local(format!("cannot read the answer: {error}")))?;
            return self.json_value(value);
        }
        let pretty = self.terminal.then(|| json::pretty(raw)).flatten();
        match pretty {
            Some(text) => self.json_text(&text),
            // Not JSON after all (or not on a terminal): as is only when it
            // parses, since only JSON's escaping keeps controls out.
            None => match serde_json::from_slice::<serde::de::IgnoredAny>(raw) {
                Ok(_) => self.json_text(String::from_utf8_lossy(raw).trim_end()),
                Err(_) => self.line(String::from_utf8_lossy(raw).trim_end()),
            },
        }
    }

    /// Prints a document this command put together (every page of
    /// `--all`) for `--json`, as [`json`](Self::json) prints a received one.
    pub fn json_value(&self, value: Value) -> Result<(), Failure> {
        for printed in self.view.apply(value)? {
            match printed {
                // On a terminal, on its line and inert; piped, as is, as
                // `jq -r` prints it, for the script that asked for it.
                json::Printed::Text(text) if self.terminal => {
                    self.raw_line(&escape_line(&text).to_string())?;
                }
                json::Printed::Text(text) => write_stdout(format!("{text}\n").as_bytes())?,
                json::Printed::Json(value) if self.terminal && !self.view.filters() => {
                    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                    self.json_text(&text)?;
                }
                json::Printed::Json(value) => self.json_text(&value.to_string())?,
            }
        }
        Ok(())
    }

    /// Prints one JSON value on one line.
    pub fn json_line(&self, value: &Value) -> Result<(), Failure> {
        self.json_text(&value.to_string())
    }
}

/// A value for a table cell or a summary line: `-` when absent, and on one
/// line whatever it holds (see [`one`]).
pub fn cell(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "-".to_owned(), one)
}

/// A server's value for a summary line, its newlines and tabs escaped too:
/// a title holding `\n` must not forge a line of its own.
pub fn one(value: impl std::fmt::Display) -> String {
    twill_api::untrusted::escape_line(&value.to_string()).to_string()
}
