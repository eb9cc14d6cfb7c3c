//! `--state-file`: the `/stats` history persisted as an append-only journal, so that
//! ids continue across a restart (even after SIGKILL) and a client resuming with
//! `Last-Event-ID` catches up with no gap and no repeat.
//!
//! The journal is itself a `text/event-stream`: the concatenation of the events'
//! wire frames (`id: N\n` first, then `event:`/`data:` lines, then a blank line).
//! Every published batch is appended with one `write` call on an unbuffered file,
//! so it is in the kernel before any client can see it: a killed process loses
//! nothing it has sent. (There is no fsync: a power cut may lose the tail, which
//! only makes a resuming client catch up from earlier ids.)
//!
//! On start the last [`HISTORY`] complete, consecutive records are loaded (a torn
//! last record from a kill mid-write is dropped) and the file is rewritten with
//! exactly those. Once the file holds more than [`COMPACT_FACTOR`] × `HISTORY`
//! records it is rewritten with the current history (written to a temporary file,
//! then renamed over the journal, so a kill during compaction loses nothing).

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::broadcast::{Event, HISTORY};

/// The file is compacted when it holds more than this many times `HISTORY` records.
pub const COMPACT_FACTOR: usize = 4;

/// An open journal, appended to by the hub under its state lock.
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Records in the file now.
    records: usize,
    /// Set after the first write error, so a full disk logs once instead of per event.
    failed: bool,
}

impl Journal {
    /// Loads the journal at `path` (a missing file is an empty history), rewrites it
    /// with what was kept, and opens it for appending. Returns the journal and the
    /// restored events, oldest first: consecutive ids, at most `HISTORY`.
    pub fn open(path: &Path) -> io::Result<(Journal, VecDeque<Event>)> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let events = parse(&bytes);
        rewrite(path, events.iter())?;
        let file = OpenOptions::new().append(true).open(path)?;
        let journal = Journal {
            path: path.to_owned(),
            file,
            records: events.len(),
            failed: false,
        };
        Ok((journal, events))
    }

    /// Appends one batch of frames with a single write. Called before the batch is
    /// announced to clients.
    pub fn append(&mut self, frames: &[Bytes]) {
        if frames.is_empty() {
            return;
        }
        let mut buf = Vec::with_capacity(frames.iter().map(|f| f.len()).sum());
        for f in frames {
            buf.extend_from_slice(f);
        }
        match self.file.write_all(&buf) {
            Ok(()) => self.records += frames.len(),
            Err(e) => self.report(&e),
        }
    }

    /// True once the file holds enough records to be worth compacting.
    pub fn wants_compaction(&self) -> bool {
        self.records > COMPACT_FACTOR * HISTORY
    }

    /// Replaces the file's contents with `history` (temporary file + rename).
    pub fn compact<'a>(&mut self, history: impl ExactSizeIterator<Item = &'a Event>) {
        let n = history.len();
        let result = rewrite(&self.path, history)
            .and_then(|()| OpenOptions::new().append(true).open(&self.path));
        match result {
            Ok(file) => {
                self.file = file;
                self.records = n;
            }
            Err(e) => {
                self.report(&e);
                // Try again only after another full history's worth of appends.
                self.records = self.records.saturating_sub(HISTORY);
            }
        }
    }

    fn report(&mut self, e: &io::Error) {
        if !self.failed {
            self.failed = true;
            eprintln!(
                "sse-server: state file {}: {e} (history may not survive a restart)",
                self.path.display()
            );
        }
    }
}

/// Writes `events` to `path` atomically: a sibling temporary file, then a rename.
fn rewrite<'a>(path: &Path, events: impl Iterator<Item = &'a Event>) -> io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut buf = Vec::new();
    for ev in events {
        buf.extend_from_slice(&ev.frame);
    }
    let mut f = File::create(&tmp)?;
    f.write_all(&buf)?;
    drop(f);
    fs::rename(&tmp, path)
}

/// The complete records of a journal, keeping the newest run of consecutive ids
/// (at most `HISTORY`). A record is `id: N\n` … `\n\n`; anything else ends the
/// run (a torn tail) or starts a new one (ids not following on).
pub fn parse(bytes: &[u8]) -> VecDeque<Event> {
    let mut out: VecDeque<Event> = VecDeque::with_capacity(HISTORY);
    let mut rest = bytes;
    while let Some(end) = find_blank_line(rest) {
        let (record, tail) = rest.split_at(end + 2);
        rest = tail;
        let Some(id) = record_id(record) else {
            // Not one of ours: whatever came before cannot be trusted to follow on.
            out.clear();
            continue;
        };
        if out
            .back()
            .is_some_and(|last| last.id.checked_add(1) != Some(id))
        {
            out.clear();
        }
        if out.len() == HISTORY {
            out.pop_front();
        }
        out.push_back(Event {
            id,
            frame: Bytes::copy_from_slice(record),
        });
    }
    out
}

/// Index of the first `\n` of the first `\n\n`.
fn find_blank_line(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\n\n")
}

/// The id of a record starting `id: N\n` (N a decimal u64).
fn record_id(record: &[u8]) -> Option<u64> {
    let line = record.strip_prefix(b"id: ")?;
    let nl = line.iter().position(|&c| c == b'\n')?;
    let digits = &line[..nl];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broadcast::{render, Hub};

    fn temp_file(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sse-journal-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir.join("state")
    }

    fn ids(evs: &VecDeque<Event>) -> Vec<u64> {
        evs.iter().map(|e| e.id).collect()
    }

    #[test]
    fn parse_keeps_complete_consecutive_records() {
        let mut b = Vec::new();
        for id in 5..9 {
            b.extend_from_slice(&render(id, "x", "a\nb"));
        }
        // A torn record from a kill mid-write is ignored.
        b.extend_from_slice(&render(9, "x", "y")[..7]);
        assert_eq!(ids(&parse(&b)), vec![5, 6, 7, 8]);
        assert_eq!(&parse(&b)[0].frame[..], &render(5, "x", "a\nb")[..]);
        // A jump in ids starts the run again.
        let mut b = Vec::new();
        for id in [1, 2, 10, 11] {
            b.extend_from_slice(&render(id, "x", "y"));
        }
        assert_eq!(ids(&parse(&b)), vec![10, 11]);
        assert!(parse(b"garbage").is_empty());
    }

    #[test]
    fn hub_restores_continues_and_compacts() {
        let path = temp_file("hub");
        let (j, restored) = Journal::open(&path).expect("open");
        assert!(restored.is_empty());
        let hub = Hub::with_journal(1000, false, j, restored);
        let total = COMPACT_FACTOR * HISTORY + 100;
        for i in 0..total {
            hub.publish(&[("x", i.to_string())]);
        }
        let last = hub.newest_id();
        assert_eq!(last, 1000 + total as u64 - 1);
        drop(hub);
        let on_disk = parse(&fs::read(&path).expect("read"));
        assert!(
            on_disk.len() <= HISTORY,
            "at most the history after a reload"
        );
        let records = fs::read(&path)
            .expect("read")
            .windows(2)
            .filter(|w| w == b"\n\n")
            .count();
        assert!(
            records <= COMPACT_FACTOR * HISTORY + 1,
            "compacted: {records} records"
        );

        // A restart: the newest HISTORY events, and ids continue at last + 1.
        let (j, restored) = Journal::open(&path).expect("reopen");
        assert_eq!(restored.len(), HISTORY);
        assert_eq!(restored.back().map(|e| e.id), Some(last));
        let hub = Hub::with_journal(1, false, j, restored);
        assert_eq!(hub.newest_id(), last);
        assert_eq!(hub.publish(&[("x", "next".into())]), last + 1);
        let replay = hub.since(last - 2, 10);
        assert_eq!(
            ids(&replay.into_iter().collect()),
            vec![last - 1, last, last + 1]
        );
        let _ = fs::remove_dir_all(path.parent().expect("dir"));
    }
}
