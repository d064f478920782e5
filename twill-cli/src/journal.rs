//! The journal of `tasks create --from --journal PATH`: a line of JSON per
//! event of a batch line, appended and fsynced before the batch goes on,
//! so that a rerun after a crash knows what each line came to.
//!
//! Its first line names it a journal and gives the batch its own id, which
//! every task's marker carries, so that a rerun never takes another
//! batch's task for its own; a run holds it locked, so that two runs
//! cannot share it. For each line of the input (its number and a hash of
//! its text, so that an edited line counts as new), the last [`Record`]
//! says:
//! - `sending`: the create was about to go, or went, at `sentAt` (UTC
//!   milliseconds), and its answer never came back here (the process
//!   died): it may exist, and is looked for before it is sent again;
//! - `created`: done, with the task and job (`found`: a rerun found it on
//!   the server, and wrote it here at once, so that no later rerun depends
//!   on the task still being among the recent ones);
//! - `failed`: the server refused, or the answer was lost; `mayHaveActed`
//!   says whether it may exist all the same (then it is looked for too).
//!
//! Every `sentAt` is what the requests of a batch that died had spent of
//! the key's limits: a rerun counts them in its own, and draws no 429.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::failure::Failure;

/// One line of the input, as the journal keys it: by its text, and which
/// copy of that text it is, never by its place, so that a line moved, or
/// one added above it, is still the line the journal knows.
#[derive(Debug, Clone, Copy)]
pub struct LineKey {
    /// Its number in the input, from 1: where it is now, for messages.
    pub line: usize,
    /// Which copy of its text it is, from 1 (a prompt given twice is two
    /// tasks).
    pub copy: usize,
    /// FNV-1a of its text: the same line edited is another line.
    pub hash: u64,
}

// The place is left out: a moved line is the same line.
impl PartialEq for LineKey {
    fn eq(&self, other: &Self) -> bool {
        (self.hash, self.copy) == (other.hash, other.copy)
    }
}

impl Eq for LineKey {}

impl std::hash::Hash for LineKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.hash, self.copy).hash(state);
    }
}

impl LineKey {
    /// Line `line`, the `copy`-th with this `text`.
    pub fn of(line: usize, copy: usize, text: &str) -> Self {
        LineKey {
            line,
            copy,
            hash: fnv1a(text),
        }
    }

    /// The marker a task of batch `batch` ends its title with, by which a
    /// rerun finds it among recent tasks: `[batch 5e0c1a-1a2b3c4d]`, and
    /// `#2` before the bracket for a text's second copy.
    pub fn marker(&self, batch: &str) -> String {
        let hash = self.hash & 0xffff_ffff;
        match self.copy {
            1 => format!("[batch {batch}-{hash:08x}]"),
            copy => format!("[batch {batch}-{hash:08x}#{copy}]"),
        }
    }
}

fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A fresh batch id: six hex digits from the clock and the process, which
/// only have to tell this batch's markers from another's.
pub fn fresh_batch_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let seed = format!("{nanos}-{}", std::process::id());
    format!("{:06x}", fnv1a(&seed) & 0xff_ffff)
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

/// One record of the journal, a JSON line: the line of the input it is
/// of, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Record {
    /// The create is about to go, at `sent_at`.
    Sending {
        #[serde(flatten)]
        line: LineRef,
        /// When, in UTC milliseconds (absent in journals of older runs).
        #[serde(rename = "sentAt", default, skip_serializing_if = "Option::is_none")]
        sent_at: Option<u64>,
    },
    /// Created, as the server answered (or as a rerun found it).
    Created {
        #[serde(flatten)]
        line: LineRef,
        task: Value,
        job: Value,
        /// A rerun found it on the server, rather than being answered.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        found: bool,
    },
    /// Not created: why, and whether it may exist all the same.
    Failed {
        #[serde(flatten)]
        line: LineRef,
        error: String,
        #[serde(rename = "mayHaveActed")]
        may_have_acted: bool,
    },
}

/// The line of the input a record is of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LineRef {
    /// Where the line was when this was written (for the reader).
    line: usize,
    /// Which copy of its text (absent: the first).
    #[serde(default = "first_copy", skip_serializing_if = "is_first_copy")]
    copy: usize,
    #[serde(with = "hex")]
    hash: u64,
}

fn first_copy() -> usize {
    1
}

fn is_first_copy(copy: &usize) -> bool {
    *copy == 1
}

impl From<LineKey> for LineRef {
    fn from(key: LineKey) -> Self {
        LineRef {
            line: key.line,
            copy: key.copy,
            hash: key.hash,
        }
    }
}

/// A hash as sixteen hex digits, as the journal has always written it.
mod hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{hash:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = String::deserialize(deserializer)?;
        u64::from_str_radix(&text, 16).map_err(serde::de::Error::custom)
    }
}

impl Record {
    /// A `sending` record of `key`, now.
    pub fn sending(key: LineKey) -> Record {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            });
        Record::Sending {
            line: key.into(),
            sent_at: Some(now),
        }
    }

    fn line(&self) -> LineRef {
        match self {
            Record::Sending { line, .. }
            | Record::Created { line, .. }
            | Record::Failed { line, .. } => *line,
        }
    }
}

/// What a journal says: each line's last word, and when its creates were
/// sent (`None` for a record of an older run, which kept no time).
#[derive(Debug, Default)]
pub struct Contents {
    pub known: HashMap<LineKey, Known>,
    pub sent: Vec<Option<u64>>,
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
    pub fn open(path: &Path) -> Result<(Journal, Contents), Failure> {
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
        let contents = contents_of(&text);
        let journal = Journal {
            file: Mutex::new(file),
            batch,
        };
        Ok((journal, contents))
    }

    /// Appends `record` and makes it durable before returning.
    pub fn record(&self, record: &Record) -> Result<(), Failure> {
        let text = serde_json::to_string(record)
            .map_err(|error| Failure::Local(format!("cannot write the journal: {error}")))?;
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        writeln!(file, "{text}")
            .and_then(|()| file.sync_data())
            .map_err(|error| Failure::Local(format!("cannot write the journal: {error}")))
    }
}

/// What the records (after the header) of a journal's `text` say.
fn contents_of(text: &str) -> Contents {
    let mut contents = Contents::default();
    for record in text.lines().skip(1).filter_map(read_record) {
        let LineRef { line, copy, hash } = record.line();
        let known = match record {
            Record::Sending { sent_at, .. } => {
                contents.sent.push(sent_at);
                Known::Unsure
            }
            Record::Created { task, job, .. } => Known::Created { task, job },
            Record::Failed { may_have_acted, .. } if !may_have_acted => Known::Failed,
            Record::Failed { .. } => Known::Unsure,
        };
        contents.known.insert(LineKey { line, copy, hash }, known);
    }
    contents
}

/// One record; `None` for a torn one (a crash mid-write).
fn read_record(record: &str) -> Option<Record> {
    serde_json::from_str(record).ok()
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
    fn a_line_is_known_by_its_text_and_copy_not_its_place() {
        assert_eq!(LineKey::of(3, 1, "fix it"), LineKey::of(3, 1, "fix it"));
        assert_ne!(LineKey::of(3, 1, "fix it"), LineKey::of(3, 1, "fix it!"));
        assert_eq!(LineKey::of(3, 1, "fix it"), LineKey::of(4, 1, "fix it"));
        assert_ne!(LineKey::of(3, 1, "fix it"), LineKey::of(4, 2, "fix it"));
        let marker = LineKey::of(7, 1, "x").marker("5e0c1a");
        assert!(
            marker.starts_with("[batch 5e0c1a-") && marker.len() == "[batch 5e0c1a-12345678]".len(),
            "{marker}"
        );
        let second = LineKey::of(9, 2, "x").marker("5e0c1a");
        assert_eq!(second, marker.replace(']', "#2]"));
        assert_eq!(fresh_batch_id().len(), 6);
    }

    /// A journal at `path` in which `one` was created, `two` is being sent
    /// and `three` was refused; its batch id.
    fn write_three(path: &Path, one: LineKey, two: LineKey, three: LineKey) -> String {
        let created = |key: LineKey| Record::Created {
            line: key.into(),
            task: json!({ "slug": "task-1" }),
            job: json!({}),
            found: false,
        };
        let refused = Record::Failed {
            line: three.into(),
            error: "400".into(),
            may_have_acted: false,
        };
        let (journal, contents) = Journal::open(path).unwrap();
        assert!(contents.known.is_empty());
        // Held: a second run cannot open it.
        assert!(Journal::open(path).is_err());
        for record in [
            Record::sending(one),
            created(one),
            Record::sending(two),
            refused,
        ] {
            journal.record(&record).unwrap();
        }
        journal.batch.clone()
    }

    #[test]
    fn the_last_record_of_a_line_decides_and_a_torn_one_is_skipped() {
        let path = std::env::temp_dir().join(format!("twill-journal-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let (one, two, three) = (
            LineKey::of(1, 1, "a"),
            LineKey::of(2, 1, "b"),
            LineKey::of(3, 1, "c"),
        );
        let batch = write_three(&path, one, two, three);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        // A record of an older run, with no time; then a torn one.
        file.write_all(b"{\"line\":5,\"hash\":\"00000000000000ff\",\"state\":\"sending\"}\n")
            .unwrap();
        file.write_all(b"{\"line\":4,\"ha").unwrap();
        let (journal, contents) = Journal::open(&path).unwrap();
        let known = contents.known;
        assert_eq!(journal.batch, batch, "a batch keeps its id");
        assert!(matches!(&known[&one], Known::Created { task, .. } if task["slug"] == "task-1"));
        assert_eq!(known[&two], Known::Unsure);
        assert_eq!(known[&three], Known::Failed);
        assert_eq!(known.len(), 4);
        assert_eq!(contents.sent.len(), 3);
        assert!(contents.sent[..2].iter().all(Option::is_some));
        assert_eq!(contents.sent[2], None);
        // Records read as they were written: the same JSON.
        let text = std::fs::read_to_string(&path).unwrap();
        let third = text.lines().nth(3).unwrap();
        assert!(
            third.starts_with(r#"{"state":"sending","line":2,"hash":""#),
            "{text}"
        );
        drop(journal);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused_untouched() {
        let path = std::env::temp_dir().join(format!("twill-not-journal-{}", std::process::id()));
        std::fs::write(&path, "fix the login page\n").unwrap();
        assert!(Journal::open(&path).is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "fix the login page\n"
        );
        std::fs::remove_file(&path).unwrap();
    }
}
