//! The request log behind `/t/log`: lets a browser test ask what its client
//! actually sent (Last-Event-ID, X-Requested-With, preflights, Cache-Control).
//!
//! Bounded in bytes, not only in entries: a request head may be hundreds of KiB, so each
//! entry keeps at most [`MAX_FIELD`] bytes of any string and [`MAX_ENTRY_BYTES`] in all,
//! and the log drops its oldest entries to stay under [`MAX_BYTES`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Entries kept in all; the oldest are dropped past this.
pub const MAX_ENTRIES: usize = 10_000;
/// Bytes kept in all (keys and descriptions); the oldest entries are dropped past this.
pub const MAX_BYTES: usize = 4 << 20;
/// The most bytes of any one string (URL, header or query value) an entry keeps.
pub const MAX_FIELD: usize = 4 << 10;
/// The most bytes one entry may take; a larger description is replaced by a stub.
pub const MAX_ENTRY_BYTES: usize = 64 << 10;
/// Keys longer than this are not logged (a test's key is a short name).
pub const MAX_KEY: usize = 256;

struct Entry {
    key: String,
    preflight: bool,
    json: String,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.key.len() + self.json.len()
    }
}

#[derive(Default)]
struct Entries {
    list: VecDeque<Entry>,
    bytes: usize,
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<Entries>,
    preflights: AtomicU64,
}

impl RequestLog {
    /// Records one request (already described as JSON, its strings cut to [`MAX_FIELD`])
    /// under its `key`.
    pub fn record(&self, key: String, preflight: bool, json: String) {
        if key.len() > MAX_KEY {
            return;
        }
        let json = if json.len() > MAX_ENTRY_BYTES {
            String::from("{\"truncated\":true,\"tooLarge\":true}")
        } else {
            json
        };
        let entry = Entry {
            key,
            preflight,
            json,
        };
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.bytes += entry.bytes();
        e.list.push_back(entry);
        while e.list.len() > MAX_ENTRIES || e.bytes > MAX_BYTES {
            match e.list.pop_front() {
                Some(old) => e.bytes -= old.bytes(),
                None => break,
            }
        }
    }

    /// Counts every preflight, keyed or not.
    pub fn count_preflight(&self) {
        self.preflights.fetch_add(1, Ordering::Relaxed);
    }

    /// `(entries, bytes)` held now.
    pub fn size(&self) -> (usize, usize) {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        (e.list.len(), e.bytes)
    }

    /// `{"requests":[...],"preflights":n,"preflightsTotal":n}` for `key`, and
    /// optionally clears that key's entries (after reading them, atomically).
    pub fn report(&self, key: &str, clear: bool) -> String {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::from("{\"requests\":[");
        let mut preflights = 0u64;
        for (n, entry) in e.list.iter().filter(|x| x.key == key).enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&entry.json);
            preflights += u64::from(entry.preflight);
        }
        if clear {
            let e = &mut *e;
            let mut freed = 0;
            e.list.retain(|x| {
                let keep = x.key != key;
                if !keep {
                    freed += x.bytes();
                }
                keep
            });
            e.bytes -= freed;
        }
        out.push_str(&format!(
            "],\"preflights\":{preflights},\"preflightsTotal\":{}}}",
            self.preflights.load(Ordering::Relaxed)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_in_bytes_and_entries() {
        let log = RequestLog::default();
        let big = "x".repeat(MAX_ENTRY_BYTES - 100);
        for i in 0..(MAX_BYTES / MAX_ENTRY_BYTES) * 3 {
            log.record(format!("k{}", i % 3), false, big.clone());
        }
        let (n, bytes) = log.size();
        assert!(bytes <= MAX_BYTES, "{bytes}");
        assert!(n > 0 && n < MAX_ENTRIES);
        log.record("k".into(), false, "y".repeat(MAX_ENTRY_BYTES + 1));
        assert!(log.report("k", false).contains("tooLarge"));
        let held = log.size();
        log.record("z".repeat(MAX_KEY + 1), false, "{}".into());
        assert_eq!(log.size(), held, "an over-long key is not logged");
        for i in 0..MAX_ENTRIES + 5 {
            log.record("small".into(), i % 2 == 0, "{}".into());
        }
        assert_eq!(log.size().0, MAX_ENTRIES);
        let before = log.size().1;
        log.report("small", true);
        assert!(log.size().1 < before);
        assert_eq!(log.size().0, 0);
    }
}
