//! The three forms of output: readable, the API's JSON, JSON lines.

use std::io::{IsTerminal, Write};

use crate::terminal;
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
        let pretty = self.terminal.then(|| pretty_json(raw)).flatten();
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

    /// Prints rows under a header; returns the column widths, for the rows
    /// of later pages ([`rows`](Self::rows)) to keep one alignment.
    ///
    /// On a terminal: columns as wide as their widest cell (in screen
    /// columns), the widest cut with `…` until the line fits the terminal.
    /// Piped or redirected: the header, then each row's cells separated by
    /// tabs, uncut and unpadded (gh's convention), for `cut -f`.
    pub fn table(&self, header: &[&str], rows: &[Vec<String>]) -> Vec<usize> {
        let rows = escaped(rows);
        if !self.terminal {
            self.tab_separated(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
            rows.iter().for_each(|row| self.tab_separated(row));
            return Vec::new();
        }
        let mut widths: Vec<usize> = header.iter().map(|h| terminal::display_width(h)).collect();
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(terminal::display_width(cell));
            }
        }
        if let Some(screen) = terminal::stdout_width() {
            fit_widths(&mut widths, screen);
        }
        let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
        self.aligned(&widths, &header);
        rows.iter().for_each(|row| self.aligned(&widths, row));
        widths
    }

    /// Prints the rows of a later page with the first page's widths.
    pub fn rows(&self, widths: &[usize], rows: &[Vec<String>]) {
        for row in escaped(rows) {
            if self.terminal {
                self.aligned(widths, &row);
            } else {
                self.tab_separated(&row);
            }
        }
    }

    fn tab_separated(&self, cells: &[String]) {
        // A tab inside a cell was escaped to `\t` already.
        self.raw_line(&cells.join("\t"));
    }

    fn aligned(&self, widths: &[usize], cells: &[String]) {
        let last = cells.len().saturating_sub(1);
        let line: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let width = widths.get(i).copied().unwrap_or(usize::MAX);
                let cut = terminal::fit(cell, width);
                if i == last {
                    cut
                } else {
                    terminal::pad(&cut, width)
                }
            })
            .collect();
        self.raw_line(line.join("  ").trim_end());
    }
}

/// `raw` indented, its keys in the order received (serde_json's
/// `preserve_order`: "as received" is what `--json` promises).
fn pretty_json(raw: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(raw).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

/// Each cell on one line, its controls escaped: a newline in a title must
/// not forge a row, nor an escape sequence reach the terminal.
fn escaped(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|cell| escape_line(cell).to_string())
                .collect()
        })
        .collect()
}

/// Narrows the widest column but the last, one column at a time, until the
/// columns and their two-space gaps fit `screen`, none below 8 (a column
/// cut shorter says nothing). The last
/// column (a task's URL) is never cut: a cut URL is no URL, so on a screen
/// too narrow for it the row wraps instead.
fn fit_widths(widths: &mut [usize], screen: usize) {
    let gaps = 2 * widths.len().saturating_sub(1);
    let cuttable = widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > screen {
        let Some((widest, width)) = widths[..cuttable]
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(_, width)| width)
        else {
            return;
        };
        if width <= 8 {
            return;
        }
        widths[widest] = width - 1;
    }
}

/// A value for a table cell: `-` when absent.
pub fn cell(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_keeps_the_servers_key_order() {
        let pretty = pretty_json(br#"{"zeta":1,"alpha":{"y":2,"b":3}}"#).unwrap();
        assert_eq!(
            pretty,
            "{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"y\": 2,\n    \"b\": 3\n  }\n}"
        );
    }
}
