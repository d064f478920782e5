//! The three forms of output: readable, the API's JSON, JSON lines.

use std::io::{IsTerminal, Write};

use serde_json::Value;
use twill_api::untrusted::{escape_line, escape_text};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Tables and short summaries.
    Human,
    /// The API's JSON as received (pretty on a terminal).
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// Writes bytes that are not text to standard output, refusing a terminal,
/// which they could drive. `what` names them in the refusal.
pub fn write_binary(what: &str, bytes: &[u8]) -> Result<(), crate::failure::Failure> {
    use crate::failure::Failure;
    if std::io::stdout().is_terminal() {
        return Err(Failure::Usage(format!(
            "refusing to write {what} to a terminal: redirect standard output to a file"
        )));
    }
    write_stdout(bytes);
    Ok(())
}

/// Ends the process after a failed write to standard output: quietly with
/// status 0 when the reader went away (`twill tasks list | head`), as
/// `cat` does, and with status 1 and the reason for any other failure (a
/// full disk, `> /dev/full`), which must not pass for success.
pub fn stdout_failed(error: &std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("twill: cannot write to standard output: {error}");
    std::process::exit(1);
}

/// Writes `bytes` to standard output, ending the process as
/// [`stdout_failed`] says if that fails.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_all(bytes).and_then(|()| out.flush()) {
        stdout_failed(&error);
    }
}

/// Standard output in the chosen form.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub form: Form,
    terminal: bool,
}

impl Output {
    pub fn new(form: Form) -> Self {
        Output {
            form,
            terminal: std::io::stdout().is_terminal(),
        }
    }

    /// Prints readable text, which may hold the server's: its control
    /// characters are shown escaped, never sent to the terminal (every
    /// readable line passes here, once). Our own lines may span several.
    pub fn line(&self, text: &str) {
        self.raw_line(&escape_text(text).to_string());
    }

    /// Prints a line as is: JSON, whose escaping already keeps controls
    /// out.
    fn raw_line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        if let Err(error) = writeln!(out, "{text}") {
            stdout_failed(&error);
        }
    }

    /// Prints a body as received: byte for byte, or indented on a terminal.
    pub fn json(&self, raw: &[u8]) {
        let pretty = self
            .terminal
            .then(|| serde_json::from_slice::<Value>(raw).ok())
            .flatten()
            .and_then(|value| serde_json::to_string_pretty(&value).ok());
        match pretty {
            Some(text) => self.raw_line(&text),
            // Not JSON after all (or not on a terminal): as is only when it
            // parses, since only JSON's escaping keeps controls out.
            None => match serde_json::from_slice::<serde::de::IgnoredAny>(raw) {
                Ok(_) => self.raw_line(String::from_utf8_lossy(raw).trim_end()),
                Err(_) => self.line(String::from_utf8_lossy(raw).trim_end()),
            },
        }
    }

    /// Prints one JSON value on one line.
    pub fn json_line(&self, value: &Value) {
        self.raw_line(&value.to_string());
    }

    /// Prints rows under a header, each column as wide as its widest cell.
    pub fn table(&self, header: &[&str], rows: &[Vec<String>]) {
        self.aligned(Some(header), header.len(), rows);
    }

    /// Prints rows aligned as a table's, with no header: a later page.
    pub fn rows(&self, columns: usize, rows: &[Vec<String>]) {
        self.aligned(None, columns, rows);
    }

    fn aligned(&self, header: Option<&[&str]>, columns: usize, rows: &[Vec<String>]) {
        // A cell is one line: a newline in a title must not forge a row.
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|cell| escape_line(cell).to_string())
                    .collect()
            })
            .collect();
        let rows = &rows[..];
        let mut widths: Vec<usize> = match header {
            Some(header) => header.iter().map(|h| h.chars().count()).collect(),
            None => vec![0; columns],
        };
        for row in rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let render = |cells: Vec<&str>| {
            let last = cells.len() - 1;
            cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    if i == last {
                        cell.to_string()
                    } else {
                        format!("{cell:<width$}", width = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        if let Some(header) = header {
            self.line(&render(header.to_vec()));
        }
        for row in rows {
            self.line(&render(row.iter().map(String::as_str).collect()));
        }
    }
}

/// A value for a table cell: `-` when absent.
pub fn cell(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}
