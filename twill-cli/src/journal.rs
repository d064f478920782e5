//! The journal of `tasks create --from --journal PATH`: a line of JSON per
//! event of a batch line, appended and fsynced before the batch goes on,
//! so that a rerun after a crash knows what each line came to.
//!
//! For each line of the input (its number and a hash of its text, so that
//! an edited line counts as new), the last record says:
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

    /// The marker a batch task's title starts with, by which a rerun finds
    /// it among recent tasks: `[batch 1a2b3c4d#7] `.
    pub fn marker(&self) -> String {
        format!("[batch {:08x}#{}] ", self.hash & 0xffff_ffff, self.line)
    }
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

/// An open journal.
pub struct Journal {
    file: Mutex<File>,
}

impl Journal {
    /// Opens (or creates) the journal at `path`, and reads what it says of
    /// each line; a torn last record (a crash mid-write) is skipped.
    pub fn open(path: &Path) -> Result<(Journal, HashMap<LineKey, Known>), Failure> {
        let shown = path.display();
        let cannot = |error: std::io::Error| {
            Failure::Local(format!("cannot use the journal {shown}: {error}"))
        };
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(cannot)?;
        let mut known = HashMap::new();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut &file, &mut text).map_err(cannot)?;
        // A record torn by a crash: end its line, so that the next record
        // is whole.
        if !text.is_empty() && !text.ends_with('\n') {
            (&file).write_all(b"\n").map_err(cannot)?;
        }
        for record in text.lines() {
            let Ok(record) = serde_json::from_str::<Value>(record) else {
                continue;
            };
            let (Some(line), Some(hash)) = (
                record["line"]
                    .as_u64()
                    .and_then(|line| usize::try_from(line).ok()),
                record["hash"]
                    .as_str()
                    .and_then(|hash| u64::from_str_radix(hash, 16).ok()),
            ) else {
                continue;
            };
            let state = match record["state"].as_str() {
                Some("created") => Known::Created {
                    task: record["task"].clone(),
                    job: record["job"].clone(),
                },
                Some("failed") if record["mayHaveActed"] != json!(true) => Known::Failed,
                _ => Known::Unsure,
            };
            known.insert(LineKey { line, hash }, state);
        }
        Ok((
            Journal {
                file: Mutex::new(file),
            },
            known,
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_known_by_its_number_and_text() {
        assert_eq!(LineKey::of(3, "fix it"), LineKey::of(3, "fix it"));
        assert_ne!(LineKey::of(3, "fix it"), LineKey::of(3, "fix it!"));
        assert_ne!(LineKey::of(3, "fix it"), LineKey::of(4, "fix it"));
        assert!(LineKey::of(7, "x").marker().ends_with("#7] "));
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
        {
            let (journal, known) = Journal::open(&path).unwrap();
            assert!(known.is_empty());
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
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"line\":4,\"ha")
            .unwrap();
        let (_, known) = Journal::open(&path).unwrap();
        assert!(matches!(&known[&one], Known::Created { task, .. } if task["slug"] == "task-1"));
        assert_eq!(known[&two], Known::Unsure);
        assert_eq!(known[&three], Known::Failed);
        assert_eq!(known.len(), 3);
        std::fs::remove_file(&path).unwrap();
    }
}
