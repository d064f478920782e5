//! A teleport archive written whole or unpacked, never anywhere else.
//!
//! `--output` writes a temporary file beside the target and renames it, so
//! the target is either the old file or the whole new one. `--extract`
//! reads every entry first and refuses the archive if any would land
//! outside the directory (an absolute path, a `..`, a link leading out, a
//! path through a link), so nothing is written unless everything is safe.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::failure::Failure;

/// Writes `bytes` to `path` atomically.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail =
        |why: std::io::Error| Failure::Local(format!("cannot write {}: {why}", path.display()));
    let name = path
        .file_name()
        .ok_or_else(|| Failure::Usage(format!("{} is not a file name", path.display())))?;
    let mut temporary = path.to_path_buf();
    temporary.set_file_name(format!(
        ".{}.{}.partial",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(fail(error));
    }
    Ok(())
}

/// One entry of a tar archive.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    File {
        path: String,
        data: &'a [u8],
        mode: u32,
    },
    Directory {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    HardLink {
        path: String,
        target: String,
    },
    /// A type this reader does not unpack (devices, FIFOs).
    Other {
        path: String,
        kind: u8,
    },
}

impl Entry<'_> {
    fn path(&self) -> &str {
        match self {
            Entry::File { path, .. }
            | Entry::Directory { path }
            | Entry::Symlink { path, .. }
            | Entry::HardLink { path, .. }
            | Entry::Other { path, .. } => path,
        }
    }
}

/// The entries of a ustar archive (with GNU long names and pax paths).
pub fn entries(tar: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    let mut entries = Vec::new();
    let mut at = 0;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    while at + 512 <= tar.len() {
        let header = &tar[at..at + 512];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let size = octal(&header[124..136]).ok_or("an entry's size is not a number")? as usize;
        let start = at + 512;
        let end = start
            .checked_add(size)
            .filter(|&end| end <= tar.len())
            .ok_or("the archive is cut short")?;
        let data = &tar[start..end];
        at = start + size.next_multiple_of(512);
        let kind = header[156];
        let mut name = text(&header[0..100]);
        let prefix = text(&header[345..500]);
        if &header[257..262] == b"ustar" && !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        let link = text(&header[157..257]);
        match kind {
            b'L' => {
                long_name = Some(text(data));
                continue;
            }
            b'K' => {
                long_link = Some(text(data));
                continue;
            }
            b'x' => {
                for (key, value) in pax(data) {
                    match key.as_str() {
                        "path" => long_name = Some(value),
                        "linkpath" => long_link = Some(value),
                        _ => {}
                    }
                }
                continue;
            }
            b'g' => continue,
            _ => {}
        }
        let path = long_name.take().unwrap_or(name);
        let target = long_link.take().unwrap_or(link);
        entries.push(match kind {
            b'0' | 0 | b'7' => Entry::File {
                path,
                data,
                mode: octal(&header[100..108]).unwrap_or(0o644) as u32,
            },
            b'5' => Entry::Directory { path },
            b'2' => Entry::Symlink { path, target },
            b'1' => Entry::HardLink { path, target },
            other => Entry::Other { path, kind: other },
        });
    }
    Ok(entries)
}

fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn octal(field: &[u8]) -> Option<u64> {
    let digits = text(field);
    let digits = digits.trim_matches(|c: char| c == ' ' || c == '\0');
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(digits, 8).ok()
}

/// `length key=value\n` records of a pax header.
fn pax(data: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|record| {
            let (_, pair) = record.split_once(' ')?;
            let (key, value) = pair.split_once('=')?;
            Some((key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// `path` made relative and normal, or `None` if it is absolute or climbs
/// out with `..`.
fn inside(path: &str) -> Option<PathBuf> {
    let mut normal = PathBuf::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => normal.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!normal.as_os_str().is_empty()).then_some(normal)
}

/// Whether an entry is the directory itself (`./`), which is skipped.
fn is_root(entry: &Entry<'_>) -> bool {
    matches!(entry, Entry::Directory { path } if !path.starts_with('/')
        && Path::new(path).components().all(|c| c == Component::CurDir))
}

/// Why an entry is refused, if it is.
fn refusal(entry: &Entry<'_>, links: &[PathBuf]) -> Option<String> {
    if is_root(entry) {
        return None;
    }
    let Some(path) = inside(entry.path()) else {
        return Some("its path is absolute or leads out with `..`".to_owned());
    };
    // A path that goes through a link would be written wherever the link
    // points.
    if links
        .iter()
        .any(|link| path.starts_with(link) && &path != link)
    {
        return Some("its path goes through a link in the archive".to_owned());
    }
    match entry {
        Entry::Symlink { target, .. } => {
            let base = path.parent().unwrap_or(Path::new(""));
            let joined = base.join(target);
            let stays = !target.starts_with('/') && inside(&joined.to_string_lossy()).is_some();
            (!stays).then(|| format!("it links to {target:?}, outside the directory"))
        }
        Entry::HardLink { target, .. } => inside(target)
            .is_none()
            .then(|| format!("it links to {target:?}, outside the directory")),
        Entry::Other { kind, .. } => Some(format!("its type ({}) is not unpacked", *kind as char)),
        Entry::File { .. } | Entry::Directory { .. } => None,
    }
}

/// Unpacks `tar` into `dir`, or refuses it whole, naming every bad entry.
/// Returns the files written.
pub fn extract(tar: &[u8], dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = entries(tar)
        .map_err(|why| Failure::Local(format!("the archive is not a valid tar: {why}")))?;
    let links: Vec<PathBuf> = entries
        .iter()
        .filter(|entry| matches!(entry, Entry::Symlink { .. } | Entry::HardLink { .. }))
        .filter_map(|entry| inside(entry.path()))
        .collect();
    let refused: Vec<String> = entries
        .iter()
        .filter_map(|entry| refusal(entry, &links).map(|why| format!("{:?}: {why}", entry.path())))
        .collect();
    if !refused.is_empty() {
        return Err(Failure::Local(format!(
            "the archive was refused and nothing was written: {}",
            refused.join("; ")
        )));
    }
    let fail = |path: &Path, why: std::io::Error| {
        Failure::Local(format!("cannot write {}: {why}", path.display()))
    };
    fs::create_dir_all(dir).map_err(|why| fail(dir, why))?;
    let mut written = Vec::new();
    for entry in &entries {
        let Some(relative) = inside(entry.path()) else {
            continue;
        };
        let target = dir.join(&relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|why| fail(parent, why))?;
        }
        match entry {
            Entry::File { data, .. } => {
                fs::write(&target, data).map_err(|why| fail(&target, why))?;
                written.push(relative);
            }
            Entry::Directory { .. } => {
                fs::create_dir_all(&target).map_err(|why| fail(&target, why))?;
            }
            Entry::Symlink { target: link, .. } => {
                #[cfg(unix)]
                std::os::unix::fs::symlink(link, &target).map_err(|why| fail(&target, why))?;
                #[cfg(not(unix))]
                let _ = link;
                written.push(relative);
            }
            Entry::HardLink { target: link, .. } => {
                let source = dir.join(inside(link).unwrap_or_default());
                fs::copy(&source, &target).map_err(|why| fail(&target, why))?;
                written.push(relative);
            }
            Entry::Other { .. } => {}
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ustar archive of (name, type, link target, content).
    fn tar(entries: &[(&str, u8, &str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, kind, link, content) in entries {
            let mut header = [0u8; 512];
            header[..name.len()].copy_from_slice(name.as_bytes());
            header[100..108].copy_from_slice(b"0000644\0");
            header[124..136].copy_from_slice(format!("{:011o}\0", content.len()).as_bytes());
            header[156] = *kind;
            header[157..157 + link.len()].copy_from_slice(link.as_bytes());
            header[257..263].copy_from_slice(b"ustar\0");
            out.extend_from_slice(&header);
            out.extend_from_slice(content);
            out.resize(out.len().next_multiple_of(512), 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("twill-teleport-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_session_archive_unpacks() {
        let dir = scratch("ok");
        let archive = tar(&[
            ("./", b'5', "", b""),
            (".claude/", b'5', "", b""),
            (".claude/session.jsonl", b'0', "", b"{}\n"),
            ("README.txt", b'0', "", b"hello"),
            ("latest", b'2', ".claude/session.jsonl", b""),
        ]);
        let written = extract(&archive, &dir).unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(fs::read_to_string(dir.join("README.txt")).unwrap(), "hello");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn hostile_entries_are_refused_and_nothing_is_written() {
        for (name, hostile) in [
            (
                "absolute",
                tar(&[("ok.txt", b'0', "", b"x"), ("/tmp/evil", b'0', "", b"x")]),
            ),
            (
                "dotdot",
                tar(&[("ok.txt", b'0', "", b"x"), ("a/../../evil", b'0', "", b"x")]),
            ),
            (
                "symlink-out",
                tar(&[("ok.txt", b'0', "", b"x"), ("escape", b'2', "../..", b"")]),
            ),
            ("absolute-symlink", tar(&[("etc", b'2', "/etc", b"")])),
            (
                "through-a-link",
                tar(&[("inner", b'2', "sub", b""), ("inner/file", b'0', "", b"x")]),
            ),
            ("hardlink-out", tar(&[("h", b'1', "../../etc/passwd", b"")])),
        ] {
            let dir = scratch(name);
            let error = extract(&hostile, &dir).unwrap_err();
            assert!(error.to_string().contains("refused"), "{name}: {error}");
            assert!(!dir.exists(), "{name}: nothing may be written");
        }
    }

    #[test]
    fn a_cut_archive_is_an_error_not_a_panic() {
        let archive = tar(&[("big", b'0', "", &[7u8; 2000])]);
        assert!(entries(&archive[..1000]).is_err());
        assert!(entries(&[1u8; 512]).is_err());
    }

    #[test]
    fn output_replaces_the_file_whole() {
        let dir = scratch("output");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("session.tar");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new archive").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new archive");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
