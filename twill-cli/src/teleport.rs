//! A teleport archive written whole or unpacked, never anywhere else.
//!
//! `--output` writes a temporary file beside the target and renames it, so
//! the target is either the old file or the whole new one.
//!
//! `--extract` trusts the directory the user names and nothing beneath it.
//! Escape is made impossible rather than checked for:
//!
//! - The archive may hold only regular files and directories, which is all
//!   a Claude Code session is. Symbolic links, hard links, devices, FIFOs
//!   and sparse files are refused, so no entry can point anywhere.
//! - Every path is reduced to plain names (`.` dropped); an absolute path, a
//!   `..`, a duplicate, a name over 255 bytes, a path over 4,096 bytes or
//!   deeper than 32 levels, and a file that another entry uses as a
//!   directory are refused.
//! - The archive is bounded: at most [`MAX_ENTRIES`] entries and
//!   [`MAX_UNPACKED_BYTES`] of file content.
//! - On disk, every directory is entered one name at a time through a
//!   directory handle opened with `O_NOFOLLOW` (cap-std), and every file is
//!   created new under a temporary name with symlinks not followed, then
//!   renamed over its name. A link already in the target, or one planted
//!   while we write, is never followed: walking through it fails, and a
//!   rename replaces a name rather than writing through it (so a hard link
//!   to a file elsewhere is not written through either).
//! - Files get mode 0644, or 0755 when the archive marks them executable,
//!   further reduced by the umask; setuid, setgid and sticky bits are never
//!   set. Directories get 0755.
//!
//! Nothing is written when any entry is refused: the whole archive is read
//! and the target checked for links in the way first. Only an I/O failure
//! part-way (a full disk) can leave some files written; the error then says
//! how many. The work is linear in the archive's size.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::ambient_authority;
use cap_std::fs::{Dir, DirBuilder, OpenOptions};

/// The most entries an archive may hold.
pub const MAX_ENTRIES: usize = 100_000;
/// The most file content an archive may unpack to, in bytes (1 GiB).
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;
const MAX_NAME_BYTES: usize = 255;
const MAX_PATH_BYTES: usize = 4096;
const MAX_DEPTH: usize = 32;

/// The bounds an archive must keep within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most entries.
    pub entries: usize,
    /// The most bytes of file content.
    pub unpacked_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            entries: MAX_ENTRIES,
            unpacked_bytes: MAX_UNPACKED_BYTES,
        }
    }
}

/// Why an archive was not unpacked, or not wholly.
#[derive(Debug)]
pub enum ExtractError {
    /// The bytes are not a tar archive, or it is cut short. Nothing was written.
    Malformed(String),
    /// Entries were refused; nothing was written.
    Refused(Vec<Refusal>),
    /// Writing failed part-way, after `written` files.
    Write {
        /// The path that could not be written, relative to the target.
        path: PathBuf,
        /// The files written before it.
        written: usize,
        /// The operating system's error.
        error: io::Error,
    },
}

/// One refused entry, or the archive as a whole (`path` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The entry's path as the archive spells it (lossy UTF-8).
    pub path: String,
    /// Why it was refused.
    pub why: String,
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::Malformed(why) => write!(f, "the archive is not a valid tar: {why}"),
            ExtractError::Refused(refusals) => {
                f.write_str("the archive was refused and nothing was written: ")?;
                for (index, refusal) in refusals.iter().enumerate() {
                    if index > 0 {
                        f.write_str("; ")?;
                    }
                    if refusal.path.is_empty() {
                        f.write_str(&refusal.why)?;
                    } else {
                        write!(f, "{:?}: {}", refusal.path, refusal.why)?;
                    }
                }
                Ok(())
            }
            ExtractError::Write {
                path,
                written: 0,
                error,
            } if path.as_os_str().is_empty() => {
                write!(f, "cannot open the target directory: {error}")
            }
            ExtractError::Write {
                path,
                written,
                error,
            } => write!(
                f,
                "cannot write {}: {error} ({written} files were written before it)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ExtractError {}

/// Writes `bytes` to `path` atomically.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ));
    };
    let mut temporary = path.to_path_buf();
    temporary.set_file_name(format!(
        ".{}.{}.partial",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// What one accepted entry asks for.
#[derive(Debug)]
enum Planned<'a> {
    Directory(PathBuf),
    File {
        path: PathBuf,
        data: &'a [u8],
        executable: bool,
    },
}

impl Planned<'_> {
    fn path(&self) -> &Path {
        match self {
            Planned::Directory(path) | Planned::File { path, .. } => path,
        }
    }
}

/// Unpacks `tar` into `dir`, or refuses it whole, naming every bad entry.
/// Returns the files written, relative to `dir`.
pub fn extract(tar: &[u8], dir: &Path) -> Result<Vec<PathBuf>, ExtractError> {
    extract_within(tar, dir, Limits::default())
}

/// [`extract`] with other bounds.
pub fn extract_within(
    tar: &[u8],
    dir: &Path,
    limits: Limits,
) -> Result<Vec<PathBuf>, ExtractError> {
    let plan = plan(tar, limits)?;
    let root = match Dir::open_ambient_dir(dir, ambient_authority()) {
        Ok(root) => {
            check_disk(&root, &plan)?;
            root
        }
        // Nothing on disk can be in the way.
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let created = std::fs::create_dir_all(dir)
                .and_then(|()| Dir::open_ambient_dir(dir, ambient_authority()));
            created.map_err(|error| ExtractError::Write {
                path: PathBuf::new(),
                written: 0,
                error,
            })?
        }
        Err(error) => {
            return Err(ExtractError::Write {
                path: PathBuf::new(),
                written: 0,
                error,
            });
        }
    };
    write(&root, &plan)
}

/// Reads every entry and decides, before anything touches the disk.
fn plan(tar: &[u8], limits: Limits) -> Result<Vec<Planned<'_>>, ExtractError> {
    let malformed = |error: io::Error| ExtractError::Malformed(error.to_string());
    let mut archive = tar::Archive::new(io::Cursor::new(tar));
    let mut plan = Plan::default();
    for (index, entry) in archive.entries_with_seek().map_err(malformed)?.enumerate() {
        let entry = entry.map_err(malformed)?;
        if index == limits.entries {
            plan.refused.push(Refusal {
                path: String::new(),
                why: format!("it holds more than {} entries", limits.entries),
            });
            break;
        }
        if let Err(why) = plan.consider(&entry, tar)? {
            let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            plan.refused.push(Refusal { path, why });
        }
    }
    if plan.unpacked > limits.unpacked_bytes {
        plan.refused.push(Refusal {
            path: String::new(),
            why: format!(
                "its files hold {} bytes, more than {}",
                plan.unpacked, limits.unpacked_bytes
            ),
        });
    }
    if plan.refused.is_empty() {
        Ok(plan.planned)
    } else {
        Err(ExtractError::Refused(plan.refused))
    }
}

/// What the entries read so far decided, and what they hold.
#[derive(Default)]
struct Plan<'a> {
    planned: Vec<Planned<'a>>,
    refused: Vec<Refusal>,
    /// Every path seen, to refuse one seen twice.
    listed: HashSet<PathBuf>,
    files: HashSet<PathBuf>,
    /// Directories listed or implied by a path below them.
    directories: HashSet<PathBuf>,
    unpacked: u64,
}

/// Whether an entry is planned (`Ok`) or refused, and why.
type Verdict = Result<(), String>;

impl<'a> Plan<'a> {
    /// Plans `entry` of the archive `tar`, or says why it is refused; an
    /// error only when the archive itself is broken.
    fn consider(
        &mut self,
        entry: &tar::Entry<'_, io::Cursor<&[u8]>>,
        tar: &'a [u8],
    ) -> Result<Verdict, ExtractError> {
        let kind = entry.header().entry_type();
        let is_file = kind.is_file() || kind.is_contiguous();
        if kind.is_pax_global_extensions() {
            return Ok(Ok(()));
        }
        if !is_file && !kind.is_dir() {
            return Ok(Err(format!("it is {}", describe(kind))));
        }
        let path = match plain_path(&entry.path_bytes()) {
            Ok(path) => path,
            Err(why) => return Ok(Err(why)),
        };
        if path.as_os_str().is_empty() {
            let verdict = if is_file {
                Err("it names the directory itself".to_owned())
            } else {
                Ok(())
            };
            return Ok(verdict);
        }
        if let Some(file) = path.ancestors().skip(1).find(|a| self.files.contains(*a)) {
            return Ok(Err(format!("{} is a file in the archive", file.display())));
        }
        if !self.listed.insert(path.clone()) {
            return Ok(Err("it appears twice".to_owned()));
        }
        for ancestor in path.ancestors().skip(1) {
            if ancestor.as_os_str().is_empty() || !self.directories.insert(ancestor.to_path_buf()) {
                break;
            }
        }
        if !is_file {
            self.directories.insert(path.clone());
            self.planned.push(Planned::Directory(path));
            return Ok(Ok(()));
        }
        if self.directories.contains(&path) {
            return Ok(Err("it is also a directory in the archive".to_owned()));
        }
        self.file(entry, path, tar).map(Ok)
    }

    /// Plans a file: its bytes, read in place from `tar`.
    fn file(
        &mut self,
        entry: &tar::Entry<'_, io::Cursor<&[u8]>>,
        path: PathBuf,
        tar: &'a [u8],
    ) -> Result<(), ExtractError> {
        let size = entry.size();
        self.unpacked = self.unpacked.saturating_add(size);
        let start = usize::try_from(entry.raw_file_position()).ok();
        let data =
            start.and_then(|start| tar.get(start..start.checked_add(usize::try_from(size).ok()?)?));
        let Some(data) = data else {
            return Err(ExtractError::Malformed(
                "the archive is cut short".to_owned(),
            ));
        };
        let executable = entry.header().mode().is_ok_and(|mode| mode & 0o111 != 0);
        self.files.insert(path.clone());
        self.planned.push(Planned::File {
            path,
            data,
            executable,
        });
        Ok(())
    }
}

fn describe(kind: tar::EntryType) -> String {
    match kind {
        tar::EntryType::Symlink => "a symbolic link".to_owned(),
        tar::EntryType::Link => "a hard link".to_owned(),
        tar::EntryType::Char | tar::EntryType::Block => "a device".to_owned(),
        tar::EntryType::Fifo => "a FIFO".to_owned(),
        tar::EntryType::GNUSparse => "a sparse file".to_owned(),
        other => format!("an entry of type {:?}", other.as_byte() as char),
    }
}

/// The entry's path as plain names, or why it is refused.
fn plain_path(raw: &[u8]) -> Result<PathBuf, String> {
    if raw.len() > MAX_PATH_BYTES {
        return Err(format!("its path is longer than {MAX_PATH_BYTES} bytes"));
    }
    if raw.first() == Some(&b'/') {
        return Err("its path is absolute".to_owned());
    }
    let mut path = PathBuf::new();
    for name in raw.split(|&byte| byte == b'/') {
        match name {
            b"" | b"." => {}
            b".." => return Err("its path leads out with `..`".to_owned()),
            _ if name.len() > MAX_NAME_BYTES => {
                return Err(format!(
                    "a name in its path is longer than {MAX_NAME_BYTES} bytes"
                ));
            }
            _ => path.push(os_name(name)?),
        }
    }
    if path.components().count() > MAX_DEPTH {
        return Err(format!("its path is deeper than {MAX_DEPTH} directories"));
    }
    Ok(path)
}

#[cfg(unix)]
fn os_name(name: &[u8]) -> Result<&std::ffi::OsStr, String> {
    Ok(std::os::unix::ffi::OsStrExt::from_bytes(name))
}

/// Elsewhere a name must be UTF-8 and hold no separator or drive.
#[cfg(not(unix))]
fn os_name(name: &[u8]) -> Result<&std::ffi::OsStr, String> {
    match std::str::from_utf8(name) {
        Ok(name) if !name.contains(['\\', ':']) => Ok(name.as_ref()),
        _ => Err("a name in its path is not portable".to_owned()),
    }
}

/// What is on disk at a path in the target, not following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnDisk {
    Missing,
    Directory,
    File,
    /// A link, device, FIFO or socket: never written through or over.
    Other,
}

fn on_disk(root: &Dir, path: &Path) -> OnDisk {
    match root.symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => OnDisk::Directory,
        Ok(meta) if meta.is_file() => OnDisk::File,
        Ok(_) => OnDisk::Other,
        Err(_) => OnDisk::Missing,
    }
}

/// Refuses the archive if anything already in the target is in the way:
/// a link, or a file where a directory must be, or the reverse. Each path is
/// looked at once.
fn check_disk(root: &Dir, plan: &[Planned<'_>]) -> Result<(), ExtractError> {
    let mut seen: HashMap<PathBuf, OnDisk> = HashMap::new();
    let mut refused = Vec::new();
    for entry in plan {
        let path = entry.path();
        let mut state = |path: &Path| {
            *seen
                .entry(path.to_path_buf())
                .or_insert_with(|| on_disk(root, path))
        };
        let mut blocked = None;
        let ancestors: Vec<&Path> = path.ancestors().skip(1).collect();
        for ancestor in ancestors.into_iter().rev().skip(1) {
            match state(ancestor) {
                OnDisk::Directory => {}
                OnDisk::Missing => break,
                OnDisk::File => blocked = Some(format!("{} is a file on disk", ancestor.display())),
                OnDisk::Other => {
                    blocked = Some(format!(
                        "{} on disk is a link or special file",
                        ancestor.display()
                    ))
                }
            }
            if blocked.is_some() {
                break;
            }
        }
        let blocked = blocked.or_else(|| match (entry, state(path)) {
            (_, OnDisk::Missing)
            | (Planned::Directory(_), OnDisk::Directory)
            | (Planned::File { .. }, OnDisk::File) => None,
            (Planned::Directory(_), OnDisk::File) => Some("it is a file on disk".to_owned()),
            (Planned::File { .. }, OnDisk::Directory) => {
                Some("it is a directory on disk".to_owned())
            }
            (_, OnDisk::Other) => Some("it is a link or special file on disk".to_owned()),
        });
        if let Some(why) = blocked {
            refused.push(Refusal {
                path: path.to_string_lossy().into_owned(),
                why,
            });
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ExtractError::Refused(refused))
    }
}

fn write(root: &Dir, plan: &[Planned<'_>]) -> Result<Vec<PathBuf>, ExtractError> {
    let mut written = Vec::new();
    // The last directory entered: archives list a directory's files
    // together, and each walk from the root costs a no-follow open per name.
    let mut current: Option<(&Path, Dir)> = None;
    // A short temporary name, whatever the length of the file's own.
    let temporary = format!(".twill-partial-{}", std::process::id());
    for entry in plan {
        let failed = |error: io::Error, written: &Vec<PathBuf>| ExtractError::Write {
            path: entry.path().to_path_buf(),
            written: written.len(),
            error,
        };
        let (directory, file) = match entry {
            Planned::Directory(path) => (path.as_path(), None),
            Planned::File {
                path,
                data,
                executable,
            } => (
                path.parent().unwrap_or(Path::new("")),
                Some((path, data, *executable)),
            ),
        };
        let entered = match current.take() {
            Some((path, dir)) if path == directory => dir,
            _ => enter(root, directory).map_err(|error| failed(error, &written))?,
        };
        if let Some((path, data, executable)) = file {
            let name = path.file_name().unwrap_or_default();
            write_file(&entered, name.as_ref(), &temporary, data, executable)
                .map_err(|error| failed(error, &written))?;
            written.push(path.clone());
        }
        current = Some((directory, entered));
    }
    Ok(written)
}

/// The directory at `path` beneath `root`, created where missing, entered
/// one name at a time without following a link.
fn enter(root: &Dir, path: &Path) -> io::Result<Dir> {
    let mut builder = DirBuilder::new();
    #[cfg(unix)]
    cap_std::fs::DirBuilderExt::mode(&mut builder, 0o755);
    let mut dir = root.try_clone()?;
    for name in path.iter() {
        dir = match dir.open_dir_nofollow(name) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                dir.create_dir_with(name, &builder)?;
                dir.open_dir_nofollow(name)?
            }
            opened => opened?,
        };
    }
    Ok(dir)
}

/// Creates a new file under a temporary name, then renames it over `name`:
/// the rename replaces whatever entry is there instead of writing through it.
fn write_file(
    dir: &Dir,
    name: &Path,
    temporary: &str,
    data: &[u8],
    executable: bool,
) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    options.follow(FollowSymlinks::No);
    #[cfg(unix)]
    cap_std::fs::OpenOptionsExt::mode(&mut options, if executable { 0o755 } else { 0o644 });
    #[cfg(not(unix))]
    let _ = executable;
    let written = dir
        .open_with(temporary, &options)
        .and_then(|mut file| file.write_all(data))
        .and_then(|()| dir.rename(temporary, dir, name));
    if written.is_err() {
        let _ = dir.remove_file(temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};
    use std::sync::atomic::{AtomicUsize, Ordering};

    const FILE: u8 = b'0';
    const HARD_LINK: u8 = b'1';
    const SYMLINK: u8 = b'2';
    const DEVICE: u8 = b'3';
    const DIRECTORY: u8 = b'5';
    const FIFO: u8 = b'6';

    /// One raw entry: a hostile archive is written byte by byte, since a
    /// tar writer refuses to write what is tested here.
    struct Raw<'a> {
        name: &'a [u8],
        kind: u8,
        link: &'a [u8],
        data: &'a [u8],
        mode: u32,
    }

    fn file<'a>(name: &'a str, data: &'a [u8]) -> Raw<'a> {
        Raw {
            name: name.as_bytes(),
            kind: FILE,
            link: b"",
            data,
            mode: 0o644,
        }
    }

    fn directory(name: &str) -> Raw<'_> {
        Raw {
            name: name.as_bytes(),
            kind: DIRECTORY,
            link: b"",
            data: b"",
            mode: 0o755,
        }
    }

    fn link<'a>(kind: u8, name: &'a str, target: &'a str) -> Raw<'a> {
        Raw {
            name: name.as_bytes(),
            kind,
            link: target.as_bytes(),
            data: b"",
            mode: 0o777,
        }
    }

    fn header(name: &[u8], kind: u8, link: &[u8], size: usize, mode: u32) -> [u8; 512] {
        let mut header = [0u8; 512];
        let put = |field: &mut [u8], value: &[u8]| {
            let n = value.len().min(field.len());
            field[..n].copy_from_slice(&value[..n]);
        };
        put(&mut header[0..100], name);
        put(&mut header[100..108], format!("{mode:07o}\0").as_bytes());
        put(&mut header[108..116], b"0000000\0");
        put(&mut header[116..124], b"0000000\0");
        put(&mut header[124..136], format!("{size:011o}\0").as_bytes());
        put(&mut header[136..148], b"15254160000\0");
        header[156] = kind;
        put(&mut header[157..257], link);
        put(&mut header[257..265], b"ustar\x0000");
        header[148..156].fill(b' ');
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        put(&mut header[148..156], format!("{sum:06o}\0 ").as_bytes());
        header
    }

    fn block(out: &mut Vec<u8>, header: [u8; 512], data: &[u8]) {
        out.extend_from_slice(&header);
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(512), 0);
    }

    /// A tar archive of `entries`, with GNU long-name records where a name
    /// or a link does not fit its field.
    fn tar(entries: &[Raw<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for entry in entries {
            for (long, kind) in [(entry.name, b'L'), (entry.link, b'K')] {
                if long.len() > 100 {
                    let mut data = long.to_vec();
                    data.push(0);
                    let long_header = header(b"././@LongLink", kind, b"", data.len(), 0o644);
                    block(&mut out, long_header, &data);
                }
            }
            let own = header(
                entry.name,
                entry.kind,
                entry.link,
                entry.data.len(),
                entry.mode,
            );
            block(&mut out, own, entry.data);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    /// A fresh directory holding `victim/` (empty) and `victim.txt`, beside
    /// which `out` is the target; removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let root = std::env::temp_dir().join(format!(
                "twill-teleport-{name}-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(root.join("victim")).unwrap();
            fs::write(root.join("victim.txt"), "precious").unwrap();
            Scratch(root)
        }

        fn out(&self) -> PathBuf {
            self.0.join("out")
        }

        /// Every path under the scratch directory but outside `out`, with
        /// what each file holds.
        fn outside(&self) -> Vec<(PathBuf, Option<Vec<u8>>)> {
            let mut found = Vec::new();
            let mut pending = vec![self.0.clone()];
            while let Some(dir) = pending.pop() {
                for entry in fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path == self.out() {
                        continue;
                    }
                    let meta = fs::symlink_metadata(&path).unwrap();
                    if meta.is_dir() {
                        pending.push(path.clone());
                    }
                    let content = meta.is_file().then(|| fs::read(&path).unwrap());
                    found.push((path, content));
                }
            }
            found.sort();
            found
        }

        fn untouched(&self) {
            assert_eq!(
                self.outside(),
                vec![
                    (self.0.join("victim"), None),
                    (self.0.join("victim.txt"), Some(b"precious".to_vec())),
                ]
            );
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn refused(result: Result<Vec<PathBuf>, ExtractError>) -> Vec<Refusal> {
        match result {
            Err(ExtractError::Refused(refusals)) => refusals,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_session_archive_unpacks_with_safe_modes() {
        let scratch = Scratch::new("ok");
        let out = scratch.out();
        let archive = tar(&[
            directory("./"),
            directory(".claude/"),
            file(".claude/session.jsonl", b"{}\n"),
            Raw {
                mode: 0o6777,
                ..file("bin/run.sh", b"#!/bin/sh\n")
            },
            Raw {
                mode: 0o4666,
                ..file("README.txt", b"hello")
            },
        ]);
        let written = extract(&archive, &out).unwrap();
        assert_eq!(
            written,
            [".claude/session.jsonl", "bin/run.sh", "README.txt"].map(PathBuf::from)
        );
        assert_eq!(fs::read_to_string(out.join("README.txt")).unwrap(), "hello");
        let mode = |path: &str| {
            fs::symlink_metadata(out.join(path))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode("bin/run.sh") & !0o755, 0, "at most 0755");
        assert_eq!(mode("bin/run.sh") & 0o100, 0o100, "still executable");
        assert_eq!(mode("README.txt") & !0o644, 0, "at most 0644");
        assert_eq!(mode("bin") & !0o755, 0);
        scratch.untouched();
    }

    #[test]
    fn extracting_again_replaces_the_files() {
        let scratch = Scratch::new("again");
        let out = scratch.out();
        extract(&tar(&[file("notes.txt", b"one")]), &out).unwrap();
        extract(&tar(&[file("notes.txt", b"two")]), &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "two");
        assert_eq!(fs::read_dir(&out).unwrap().count(), 1, "no temporary left");
    }

    #[test]
    fn a_link_chain_through_dot_is_refused_and_writes_nothing() {
        let scratch = Scratch::new("chain");
        let out = scratch.out();
        let archive = tar(&[
            directory("a/"),
            link(SYMLINK, "a/l", "."),
            link(SYMLINK, "a/s", "l/../../x"),
            file("a/s", b"escaped"),
        ]);
        let refusals = refused(extract(&archive, &out));
        assert!(refusals.iter().any(|r| r.path == "a/l"), "{refusals:?}");
        assert!(!out.exists(), "nothing written");
        assert!(!scratch.0.join("x").exists());
        scratch.untouched();
    }

    #[test]
    fn thirty_links_to_dot_cannot_reach_an_absolute_path() {
        let scratch = Scratch::new("thirty");
        let out = scratch.out();
        let mut entries = Vec::new();
        let names: Vec<String> = (0..30).map(|i| format!("l{i}")).collect();
        let mut through = String::new();
        for name in &names {
            through.push_str(name);
            through.push('/');
            entries.push(link(SYMLINK, name, "."));
        }
        let target = format!("{through}{}", scratch.0.join("victim/key").display());
        entries.push(file(&target, b"ssh-ed25519 attacker"));
        let refusals = refused(extract(&tar(&entries), &out));
        assert_eq!(refusals.len(), 31, "every link and the file: {refusals:?}");
        assert!(!out.exists());
        scratch.untouched();
    }

    #[test]
    fn a_directory_link_already_in_the_target_is_not_followed() {
        let scratch = Scratch::new("claude-link");
        let out = scratch.out();
        fs::create_dir_all(&out).unwrap();
        symlink("../victim", out.join(".claude")).unwrap();
        let archive = tar(&[file(".claude/session.jsonl", b"{}"), file("ok.txt", b"")]);
        let refusals = refused(extract(&archive, &out));
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert!(refusals[0].why.contains("link"), "{refusals:?}");
        assert!(!out.join("ok.txt").exists(), "nothing written");
        scratch.untouched();
    }

    #[test]
    fn a_file_link_already_in_the_target_is_not_overwritten() {
        let scratch = Scratch::new("notes-link");
        let out = scratch.out();
        fs::create_dir_all(&out).unwrap();
        symlink("../victim.txt", out.join("notes.txt")).unwrap();
        let refusals = refused(extract(&tar(&[file("notes.txt", b"owned")]), &out));
        assert_eq!(refusals[0].path, "notes.txt");
        scratch.untouched();
    }

    #[test]
    fn a_hard_link_already_in_the_target_is_replaced_not_written_through() {
        let scratch = Scratch::new("hard");
        let out = scratch.out();
        fs::create_dir_all(&out).unwrap();
        fs::hard_link(scratch.0.join("victim.txt"), out.join("notes.txt")).unwrap();
        extract(&tar(&[file("notes.txt", b"new")]), &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "new");
        scratch.untouched();
    }

    #[test]
    fn a_link_planted_after_the_check_is_still_not_followed() {
        let scratch = Scratch::new("race");
        let out = scratch.out();
        fs::create_dir_all(&out).unwrap();
        let archive = tar(&[
            file(".claude/session.jsonl", b"{}"),
            file("notes.txt", b"x"),
        ]);
        let plan = plan(&archive, Limits::default()).unwrap();
        let root = Dir::open_ambient_dir(&out, ambient_authority()).unwrap();
        check_disk(&root, &plan).unwrap();
        // What another process could do between the check and the writes.
        symlink("../victim", out.join(".claude")).unwrap();
        let error = write(&root, &plan).unwrap_err();
        assert!(
            matches!(&error, ExtractError::Write { written: 0, .. }),
            "{error:?}"
        );
        scratch.untouched();
    }

    #[test]
    fn links_devices_and_fifos_in_the_archive_are_refused() {
        for (kind, what) in [
            (SYMLINK, "a symbolic link"),
            (HARD_LINK, "a hard link"),
            (DEVICE, "a device"),
            (FIFO, "a FIFO"),
        ] {
            let scratch = Scratch::new("kinds");
            let archive = tar(&[file("ok.txt", b"x"), link(kind, "odd", "ok.txt")]);
            let refusals = refused(extract(&archive, &scratch.out()));
            assert_eq!(
                refusals,
                [Refusal {
                    path: "odd".to_owned(),
                    why: format!("it is {what}")
                }]
            );
            assert!(!scratch.out().exists());
        }
        // The tar reader refuses a sparse entry before we see it.
        let scratch = Scratch::new("sparse");
        let archive = tar(&[file("ok.txt", b"x"), link(b'S', "odd", "")]);
        assert!(extract(&archive, &scratch.out()).is_err());
        assert!(!scratch.out().exists());
    }

    #[test]
    fn paths_that_lead_out_or_collide_are_refused() {
        let long = "n".repeat(256);
        let deep = "d/".repeat(33) + "f";
        for (name, entries, why) in [
            ("absolute", vec![file("/etc/evil", b"")], "absolute"),
            ("dotdot", vec![file("a/../../evil", b"")], "`..`"),
            (
                "duplicate",
                vec![file("a.txt", b"1"), file("./a.txt", b"2")],
                "twice",
            ),
            (
                "file-then-child",
                vec![file("a", b""), file("a/b", b"")],
                "a is a file in the archive",
            ),
            (
                "child-then-file",
                vec![file("a/b", b""), file("a", b"")],
                "also a directory",
            ),
            ("long-name", vec![file(&long, b"")], "longer than 255"),
            ("deep", vec![file(&deep, b"")], "deeper than 32"),
            ("itself", vec![file("./", b"")], "the directory itself"),
        ] {
            let scratch = Scratch::new(name);
            let refusals = refused(extract(&tar(&entries), &scratch.out()));
            assert_eq!(refusals.len(), 1, "{name}: {refusals:?}");
            assert!(refusals[0].why.contains(why), "{name}: {refusals:?}");
            assert!(!scratch.out().exists(), "{name}");
            scratch.untouched();
        }
    }

    #[test]
    fn a_long_path_within_bounds_unpacks() {
        let scratch = Scratch::new("long-path");
        let name = format!("{}/{}", "a".repeat(200), "b".repeat(200));
        let written = extract(&tar(&[file(&name, b"deep")]), &scratch.out()).unwrap();
        assert_eq!(written, [PathBuf::from(&name)]);
        assert_eq!(fs::read(scratch.out().join(&name)).unwrap(), b"deep");
    }

    #[test]
    fn the_entry_count_and_the_unpacked_size_are_bounded() {
        let scratch = Scratch::new("bounds");
        let archive = tar(&[file("a", b"12345"), file("b", b"67890"), directory("c")]);
        let limits = |entries, unpacked_bytes| Limits {
            entries,
            unpacked_bytes,
        };
        let refusals = refused(extract_within(&archive, &scratch.out(), limits(2, 100)));
        assert_eq!(refusals[0].why, "it holds more than 2 entries");
        let refusals = refused(extract_within(&archive, &scratch.out(), limits(3, 9)));
        assert_eq!(refusals[0].why, "its files hold 10 bytes, more than 9");
        assert!(!scratch.out().exists());
        extract_within(&archive, &scratch.out(), limits(3, 10)).unwrap();
    }

    #[test]
    fn garbage_and_cut_archives_are_errors_not_panics() {
        let scratch = Scratch::new("garbage");
        let archive = tar(&[file("big", &[7u8; 2000])]);
        for bytes in [&archive[..1000], &[1u8; 512][..], &archive[..100]] {
            let error = extract(bytes, &scratch.out()).unwrap_err();
            assert!(
                matches!(error, ExtractError::Malformed(_)),
                "{error:?} for {} bytes",
                bytes.len()
            );
        }
        assert!(!scratch.out().exists());
    }

    #[test]
    fn output_replaces_the_file_whole() {
        let scratch = Scratch::new("output");
        let path = scratch.0.join("session.tar");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new archive").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new archive");
        assert_eq!(fs::read_dir(&scratch.0).unwrap().count(), 3, "no temporary");
    }

    mod hostile {
        use super::*;
        use proptest::prelude::*;

        /// The pieces a hostile archive is made of; `@` stands for the
        /// absolute path of the scratch directory. Plain names are the
        /// most common, so that many archives pass the archive's own checks
        /// and meet the links planted on disk.
        const PLAIN: &[&str] = &[
            "a",
            "a/b",
            "l/x",
            "c/d",
            ".claude/s",
            "notes.txt",
            "a//b/./c",
            "victim",
        ];
        const HOSTILE: &[&str] = &[
            "l",
            "l/../../x",
            "../x",
            "a/../../x",
            "@/victim/x",
            "@/x",
            "//x",
            ".",
        ];
        const TARGETS: &[&str] = &[".", "..", "../..", "l/../../x", "@/victim", "a", "@"];
        const PLANTED: &[&str] = &["l", "a", "c", ".claude", "notes.txt", "a/b"];

        fn name() -> impl Strategy<Value = &'static str> {
            prop_oneof![
                4 => prop::sample::select(PLAIN),
                1 => prop::sample::select(HOSTILE),
            ]
        }

        fn kind() -> impl Strategy<Value = u8> {
            prop_oneof![
                6 => Just(FILE),
                3 => Just(DIRECTORY),
                1 => prop::sample::select(&[SYMLINK, HARD_LINK, FIFO, DEVICE][..]),
            ]
        }

        fn part() -> impl Strategy<Value = (&'static str, u8, usize, bool)> {
            (name(), kind(), 0..TARGETS.len(), prop::bool::weighted(0.1))
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn nothing_outside_the_target_is_touched(
                parts in prop::collection::vec(part(), 1..6),
                planted in prop::collection::vec((0..PLANTED.len(), any::<bool>()), 0..3),
            ) {
                let scratch = Scratch::new("prop");
                let out = scratch.out();
                let at = scratch.0.display().to_string();
                fs::create_dir_all(&out).unwrap();
                for (index, to_file) in &planted {
                    let path = out.join(PLANTED[*index]);
                    let target = if *to_file { scratch.0.join("victim.txt") } else { scratch.0.join("victim") };
                    // Planted only under real directories, so the setup
                    // itself never writes through a link it planted.
                    let parent = path.parent().unwrap();
                    let _ = fs::create_dir(parent);
                    if fs::symlink_metadata(parent).unwrap().is_dir() {
                        let _ = symlink(target, path);
                    }
                }
                let names: Vec<String> = parts
                    .iter()
                    .map(|(name, _, _, long)| {
                        let name = name.replace('@', &at);
                        if *long { format!("{}/{name}", "z".repeat(120)) } else { name }
                    })
                    .collect();
                let targets: Vec<String> =
                    parts.iter().map(|(_, _, t, _)| TARGETS[*t].replace('@', &at)).collect();
                let entries: Vec<Raw<'_>> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, (_, kind, _, _))| Raw {
                        name: names[i].as_bytes(),
                        kind: *kind,
                        link: targets[i].as_bytes(),
                        data: b"hostile",
                        mode: 0o7777,
                    })
                    .collect();
                let before = tree(&out);
                match extract(&tar(&entries), &out) {
                    Ok(written) => {
                        for path in written {
                            let meta = fs::symlink_metadata(out.join(&path)).unwrap();
                            prop_assert!(meta.is_file(), "{path:?}");
                            prop_assert_eq!(meta.permissions().mode() & 0o7000, 0);
                        }
                    }
                    Err(ExtractError::Write { .. }) => {}
                    Err(_) => prop_assert_eq!(tree(&out), before, "a refusal writes nothing"),
                }
                scratch.untouched();
            }
        }

        /// Every path under `dir`, links not followed.
        fn tree(dir: &Path) -> Vec<PathBuf> {
            let mut found = Vec::new();
            let mut pending = vec![dir.to_path_buf()];
            while let Some(dir) = pending.pop() {
                let Ok(entries) = fs::read_dir(&dir) else {
                    continue;
                };
                for entry in entries {
                    let path = entry.unwrap().path();
                    if fs::symlink_metadata(&path).unwrap().is_dir() {
                        pending.push(path.clone());
                    }
                    found.push(path);
                }
            }
            found.sort();
            found
        }
    }
}
