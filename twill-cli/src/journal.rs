//! The journal of `tasks create --from --journal PATH`: a line of JSON per
//! event of a batch line, appended and fsynced before the batch goes on,
//! so that a rerun after a crash knows what each line came to.
//!
//! Its first line names it a journal and gives the batch its own id, which
//! every task's marker carries, so that a rerun never takes another
//! batch's task for its own; a run holds it locked, so that two runs
//! cannot share it. For each line of the input (its number and a hash of
//! its text, so that an edited line counts as new), the last record says:
//! - `sending`: the create was about to go, or went, and its answer never
//!   came back here (the process died): it may exist, and is looked for
//!   before it is sent again;
//! - `created`: done, with the task and job;
//! - `failed`: the server refused, or the answer was lost; `mayHaveActed`
//!   says whether it may exist all the same (then it is looked for too).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::failure::Failure;

/// One line of the input, as the journal keys it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineKey {
    /// Its number in the input, from 1.
    pub line: usize,
    /// FNV-1a of its text: the same line edited is another line.
    pub hash: u64,
}

impl LineKey {
    pub fn of(line: usize, text: &str) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        LineKey { line, hash }
    }

    /// The marker a task of batch `batch` starts its title with, by which a
    /// rerun finds it among recent tasks: `[batch 5e0c1a-1a2b3c4d#7] `.
    pub fn marker(&self, batch: &str) -> String {
        format!(
            "[batch {batch}-{:08x}#{}] ",
            self.hash & 0xffff_ffff,
            self.line
        )
    }
}

/// A fresh batch id: six hex digits from the clock and the process, which
/// only have to tell this batch's markers from another's.
pub fn fresh_batch_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let seed = format!("{nanos}-{}", std::process::id());
    format!("{:06x}", LineKey::of(0, &seed).hash & 0xff_ffff)
}

/// What the journal says of a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    /// Its create may have gone and its answer never came back.
    Unsure,
    /// Created: the task and job as the server answered.
    Created { task: Value, job: Value },
    /// Refused, and nothing was made.
    Failed,
}

/// An open journal, locked for this run.
pub struct Journal {
    file: Mutex<File>,
    /// The batch's id, in every marker.
    pub batch: String,
}

impl Journal {
    /// Opens (or creates) the journal at `path`, locks it, and reads what
    /// it says of each line; a torn last record (a crash mid-write) is
    /// skipped. A file that is not a journal is refused, untouched.
    pub fn open(path: &Path) -> Result<(Journal, HashMap<LineKey, Known>), Failure> {
        let shown = path.display();
        let cannot = |error: std::io::Error| {
            Failure::Usage(format!("cannot use the journal {shown}: {error}"))
        };
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(cannot)?;
        lock(&file)
            .map_err(|_| Failure::Usage(format!("the journal {shown} is in use by another run")))?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut &file, &mut text).map_err(cannot)?;
        let batch = match text.lines().next() {
            None => {
                let batch = fresh_batch_id();
                let header = json!({ "twillJournal": 1, "batch": batch });
                writeln!(&file, "{header}")
                    .and_then(|()| file.sync_data())
                    .map_err(cannot)?;
                batch
            }
            Some(first) => serde_json::from_str::<Value>(first)
                .ok()
                .filter(|header| header["twillJournal"] == json!(1))
                .and_then(|header| header["batch"].as_str().map(str::to_owned))
                .ok_or_else(|| {
                    Failure::Usage(format!(
                        "{shown} is not a twill journal: name a new file, or one a batch wrote"
                    ))
                })?,
        };
        // A record torn by a crash: end its line, so that the next record
        // is whole.
        if !text.is_empty() && !text.ends_with('\n') {
            (&file).write_all(b"\n").map_err(cannot)?;
        }
        let known = text.lines().skip(1).filter_map(read_record).collect();
        let journal = Journal {
            file: Mutex::new(file),
            batch,
        };
        Ok((journal, known))
    }

    /// Appends a record of `key` and makes it durable before returning.
    pub fn record(&self, key: LineKey, state: &str, detail: Value) -> Result<(), Failure> {
        let mut record =
            json!({ "line": key.line, "hash": format!("{:016x}", key.hash), "state": state });
        if let (Value::Object(record), Value::Object(detail)) = (&mut record, detail) {
            record.extend(detail);
        }
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        writeln!(file, "{record}")
            .and_then(|()| file.sync_data())
            .map_err(|error| Failure::Local(format!("cannot write the journal: {error}")))
    }
}

/// One record: the line it is of and what it says; `None` for a torn one.
fn read_record(record: &str) -> Option<(LineKey, Known)> {
    let record: Value = serde_json::from_str(record).ok()?;
    let line = usize::try_from(record["line"].as_u64()?).ok()?;
    let hash = u64::from_str_radix(record["hash"].as_str()?, 16).ok()?;
    let state = match record["state"].as_str() {
        Some("created") => Known::Created {
            task: record["task"].clone(),
            job: record["job"].clone(),
        },
        Some("failed") if record["mayHaveActed"] != json!(true) => Known::Failed,
        _ => Known::Unsure,
    };
    Some((LineKey { line, hash }, state))
}

/// Holds `file` for this process alone: a second run on the same journal
/// would send the same lines.
#[cfg(unix)]
fn lock(file: &File) -> std::io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        .map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn lock(_: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_known_by_its_number_and_text() {
        assert_eq!(LineKey::of(3, "fix it"), LineKey::of(3, "fix it"));
        assert_ne!(LineKey::of(3, "fix it"), LineKey::of(3, "fix it!"));
        assert_ne!(LineKey::of(3, "fix it"), LineKey::of(4, "fix it"));
        let marker = LineKey::of(7, "x").marker("5e0c1a");
        assert!(
            marker.starts_with("[batch 5e0c1a-") && marker.ends_with("#7] "),
            "{marker}"
        );
        assert_eq!(fresh_batch_id().len(), 6);
    }

    #[test]
    fn the_last_record_of_a_line_decides_and_a_torn_one_is_skipped() {
        let path = std::env::temp_dir().join(format!("twill-journal-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let (one, two, three) = (
            LineKey::of(1, "a"),
            LineKey::of(2, "b"),
            LineKey::of(3, "c"),
        );
        let batch = {
            let (journal, known) = Journal::open(&path).unwrap();
            assert!(known.is_empty());
            // Held: a second run cannot open it.
            assert!(Journal::open(&path).is_err());
            journal.record(one, "sending", json!({})).unwrap();
            journal
                .record(
                    one,
                    "created",
                    json!({ "task": { "slug": "task-1" }, "job": {} }),
                )
                .unwrap();
            journal.record(two, "sending", json!({})).unwrap();
            journal
                .record(
                    three,
                    "failed",
                    json!({ "error": "400", "mayHaveActed": false }),
                )
                .unwrap();
            journal.batch.clone()
        };
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"line\":4,\"ha")
            .unwrap();
        let (journal, known) = Journal::open(&path).unwrap();
        assert_eq!(journal.batch, batch, "a batch keeps its id");
        assert!(matches!(&known[&one], Known::Created { task, .. } if task["slug"] == "task-1"));
        assert_eq!(known[&two], Known::Unsure);
        assert_eq!(known[&three], Known::Failed);
        assert_eq!(known.len(), 3);
        drop(journal);
        // A file that is not a journal is refused, and left as it was.
        std::fs::write(&path, "fix the login page\n").unwrap();
        assert!(Journal::open(&path).is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "fix the login page\n"
        );
        std::fs::remove_file(&path).unwrap();
    }
}
