//! The request log behind `/t/log`: lets a browser test ask what its client
//! actually sent (Last-Event-ID, X-Requested-With, preflights, Cache-Control).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Entries kept in all; the oldest are dropped past this, so memory stays bounded.
pub const MAX_ENTRIES: usize = 10_000;

struct Entry {
    key: String,
    preflight: bool,
    json: String,
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<Entry>>,
    preflights: AtomicU64,
}

impl RequestLog {
    /// Records one request (already described as JSON) under its `key`.
    pub fn record(&self, key: String, preflight: bool, json: String) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.len() >= MAX_ENTRIES {
            e.pop_front();
        }
        e.push_back(Entry {
            key,
            preflight,
            json,
        });
    }

    /// Counts every preflight, keyed or not.
    pub fn count_preflight(&self) {
        self.preflights.fetch_add(1, Ordering::Relaxed);
    }

    /// `{"requests":[...],"preflights":n,"preflightsTotal":n}` for `key`, and
    /// optionally clears that key's entries (after reading them, atomically).
    pub fn report(&self, key: &str, clear: bool) -> String {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::from("{\"requests\":[");
        let mut preflights = 0u64;
        for (n, entry) in e.iter().filter(|x| x.key == key).enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&entry.json);
            preflights += u64::from(entry.preflight);
        }
        if clear {
            e.retain(|x| x.key != key);
        }
        out.push_str(&format!(
            "],\"preflights\":{preflights},\"preflightsTotal\":{}}}",
            self.preflights.load(Ordering::Relaxed)
        ));
        out
    }
}
