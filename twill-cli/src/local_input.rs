//! What the user hands us locally (a key file, `--file`, `--body @FILE`,
//! standard input), read within a size limit and never waiting for ever.
//!
//! A file's metadata is not trusted for its size: a pipe or `/dev/zero`
//! reports none, and a file can grow while it is read. Every read stops at
//! the limit plus one byte, and a path must be a regular file, checked on
//! the opened file itself (opened non-blocking, so a FIFO with no writer
//! does not hang the open).

use std::io::{BufRead, IsTerminal, Read};
use std::path::Path;

/// The most a key file or a key on standard input may hold.
pub const MAX_KEY_BYTES: u64 = 64 * 1024;

/// Why a local input was not read.
#[derive(Debug)]
pub enum InputError {
    /// Not a regular file: a pipe, a FIFO, a device, a directory.
    NotAFile,
    /// Over the limit, in bytes.
    TooLarge(u64),
    /// The operating system's error.
    Io(std::io::Error),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::NotAFile => f.write_str(
                "it is not a regular file (a pipe, FIFO, device or directory); save it to a file first",
            ),
            InputError::TooLarge(limit) => write!(f, "it is over the {limit}-byte limit"),
            InputError::Io(error) => error.fmt(f),
        }
    }
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path).map_err(InputError::Io)?;
    // The opened file's own type: the path may have changed since.
    if !file.metadata().map_err(InputError::Io)?.is_file() {
        return Err(InputError::NotAFile);
    }
    read_capped(file, limit)
}

/// At most `limit` bytes of `reader`, or [`InputError::TooLarge`].
pub fn read_capped(reader: impl Read, limit: u64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(InputError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge(limit));
    }
    Ok(bytes)
}

/// Text from standard input, at most `limit` bytes.
pub fn read_stdin(limit: u64) -> Result<String, InputError> {
    let bytes = read_capped(std::io::stdin().lock(), limit)?;
    String::from_utf8(bytes).map_err(|error| {
        InputError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, error))
    })
}

/// The API key from standard input: typed at a hidden prompt on a terminal
/// (as `gh auth login` asks), read whole from a pipe.
pub fn key_from_stdin() -> Result<String, InputError> {
    if !std::io::stdin().is_terminal() {
        return read_stdin(MAX_KEY_BYTES);
    }
    hidden_prompt("Twill API key: ")
}

/// Reads one line from the terminal with echo off, restoring it after.
/// Signals are off while it waits, so that Ctrl-C cannot leave the
/// terminal without echo: it arrives as a byte and ends the prompt.
#[cfg(unix)]
fn hidden_prompt(prompt: &str) -> Result<String, InputError> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    use std::io::Write;
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).map_err(|error| InputError::Io(error.into()))?;
    let mut hidden = saved.clone();
    hidden
        .local_modes
        .remove(LocalModes::ECHO | LocalModes::ISIG);
    hidden.local_modes.insert(LocalModes::ECHONL);
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{prompt}");
    let _ = stderr.flush();
    tcsetattr(&stdin, OptionalActions::Flush, &hidden)
        .map_err(|error| InputError::Io(error.into()))?;
    let mut line = Vec::new();
    let read = stdin
        .lock()
        .take(MAX_KEY_BYTES + 1)
        .read_until(b'\n', &mut line);
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    read.map_err(InputError::Io)?;
    if line.contains(&0x03) {
        let _ = writeln!(stderr);
        return Err(InputError::Io(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "interrupted",
        )));
    }
    if line.len() as u64 > MAX_KEY_BYTES {
        return Err(InputError::TooLarge(MAX_KEY_BYTES));
    }
    String::from_utf8(line).map_err(|error| {
        InputError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, error))
    })
}

#[cfg(not(unix))]
fn hidden_prompt(_prompt: &str) -> Result<String, InputError> {
    Err(InputError::Io(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "a hidden prompt needs a Unix terminal; pipe the key instead",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_limit_plus_one_byte() {
        assert_eq!(read_capped(&b"12345"[..], 5).unwrap(), b"12345");
        assert!(matches!(
            read_capped(&b"123456"[..], 5),
            Err(InputError::TooLarge(5))
        ));
        // An endless source ends too.
        assert!(matches!(
            read_capped(std::io::repeat(0), 1024),
            Err(InputError::TooLarge(1024))
        ));
    }

    #[test]
    fn devices_fifos_and_directories_are_not_files() {
        assert!(matches!(
            read_file(Path::new("/dev/zero"), 10),
            Err(InputError::NotAFile)
        ));
        assert!(matches!(
            read_file(Path::new("/"), 10),
            Err(InputError::NotAFile)
        ));
        let fifo = std::env::temp_dir().join(format!("twill-fifo-{}", std::process::id()));
        let _ = std::fs::remove_file(&fifo);
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .unwrap();
        // No writer: a blocking open would wait for ever.
        assert!(matches!(read_file(&fifo, 10), Err(InputError::NotAFile)));
        std::fs::remove_file(&fifo).unwrap();
    }
}
