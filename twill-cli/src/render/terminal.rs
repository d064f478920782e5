//! The terminal rules, in one place: when a status line may be drawn, how
//! wide the screen is, and how wide text is on it (in columns, not chars:
//! a CJK character or an emoji takes two).

use std::io::IsTerminal;

use unicode_width::UnicodeWidthStr;

/// Whether a status line may be drawn on standard error: only when it is a
/// terminal that is not `TERM=dumb`, and standard output is that terminal
/// too, so that our own clearing keeps the two apart (with standard output
/// piped, as in `twill ... --follow | tee log`, another process writes to
/// the screen and would land on the line).
pub fn status_line_allowed() -> bool {
    std::io::stderr().is_terminal()
        && std::io::stdout().is_terminal()
        && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

/// Whether standard output is coloured, by the conventions of
/// no-color.org and bixense.com/clicolors: never when `NO_COLOR` is set and
/// not empty; always when `CLICOLOR_FORCE` is set and not `0` (a pipe
/// included); otherwise only on a terminal that is not `TERM=dumb`.
pub fn colour_stdout() -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|value| value != "0") {
        return true;
    }
    std::io::stdout().is_terminal() && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

/// The colour of a job status (gh's: green done, red failed, yellow
/// running, grey cancelled); none for another value.
pub fn status_colour(status: &str) -> Option<&'static str> {
    match status {
        "COMPLETED" => Some("32"),
        "FAILED" => Some("31"),
        "IN_PROGRESS" => Some("33"),
        "CANCELLED" => Some("90"),
        _ => None,
    }
}

/// `text` in `colour` (an SGR code), or as is.
pub fn paint(text: &str, colour: Option<&str>) -> String {
    match colour {
        Some(colour) => format!("\x1b[{colour}m{text}\x1b[0m"),
        None => text.to_owned(),
    }
}

/// The width of the terminal on `stream`, when it is one.
#[cfg(unix)]
fn width_of(stream: impl std::os::fd::AsFd) -> Option<usize> {
    let size = rustix::termios::tcgetwinsize(stream).ok()?;
    (size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
fn width_of<T>(_: T) -> Option<usize> {
    None
}

/// The width of standard output, when it is a terminal.
pub fn stdout_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    width_of(std::io::stdout())
}

/// The width of standard error, when it is a terminal.
pub fn stderr_width() -> Option<usize> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    width_of(std::io::stderr())
}

/// How many columns `text` takes (control characters, which are escaped
/// before they get here, count as none).
pub fn display_width(text: &str) -> usize {
    // The string's width, not its characters' sum: an emoji ZWJ sequence
    // (a family) takes two columns, not six.
    UnicodeWidthStr::width(text)
}

/// `text` cut to at most `width` columns, with `…` where it was cut.
pub fn fit(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if display_width(&out) + 1 > width {
            out.pop();
            break;
        }
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Shows `text` as the one status line of a command that works through
/// many things (a batch, a wait over many), on standard error, where
/// [`status_line_allowed`]; the next line printed clears it first
/// ([`clear_status_line`]).
pub fn status_line(text: &str) {
    use std::io::Write;
    if !status_line_allowed() {
        return;
    }
    let width = stderr_width().unwrap_or(80).saturating_sub(1);
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{}", fit(text, width));
    let _ = err.flush();
}

/// Clears the status line, where there is one.
pub fn clear_status_line() {
    use std::io::Write;
    if status_line_allowed() {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("修复登录"), 8);
        assert_eq!(display_width("🚀 go"), 5);
        assert_eq!(fit("修复登录问题", 7), "修复登…");
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(display_width(&fit("🚀🚀🚀🚀", 5)), 5);
        assert_eq!(display_width("👨‍👩‍👧"), 2);
    }
}
