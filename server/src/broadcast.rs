//! A broadcast stream with a bounded history: the heart of `/stats` and `/ticker`.
//!
//! Events get consecutive ids under one lock, go into a ring buffer, and a watch
//! channel announces the newest id. A client remembers the last id it sent and, on
//! every wake-up, copies what the history holds after it. That makes replay for a
//! reconnecting client (Last-Event-ID) and the live stream one code path, so there
//! can be no gap or repeat between them, and a slow client cannot stall the others.
//!
//! `/stats` announces its client count, but not on every connect and disconnect: a join or
//! leave only marks the count as changed, and the producer's next batch starts with one
//! `connections` event. Those notices do not count against the history either (it keeps
//! [`HISTORY`] real events, plus the notices between them), so connection churn can neither
//! flood clients nor push real events out of the replay window.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use hyper::header::HeaderMap;
use hyper::{Response, StatusCode};
use tokio::sync::watch;

use crate::body::Body;
use crate::http_util::{self, Query};
use crate::journal::Journal;
use crate::json;
use crate::App;

/// How many events the history keeps (the replay window for reconnects).
pub const HISTORY: usize = 2048;
/// Most events copied out per wake-up, so a far-behind client works in slices.
const BATCH: usize = 256;

/// The event type of the client-count notices.
pub const NOTICE: &str = "connections";

/// One event, pre-rendered as its wire frame (`id:`, `event:`, `data:`, blank line).
#[derive(Clone)]
pub struct Event {
    pub id: u64,
    pub frame: Bytes,
}

impl Event {
    /// Whether this is a `connections` notice (not counted against the history).
    fn is_notice(&self) -> bool {
        let f = &self.frame[..];
        let needle = b"\nevent: connections\n";
        f.windows(needle.len()).any(|w| w == needle)
    }
}

struct State {
    history: VecDeque<Event>,
    /// How many of `history` are notices.
    notices: usize,
    next_id: u64,
    /// `--state-file`: every batch is appended here before clients see it.
    journal: Option<Journal>,
    /// A client joined or left since the last `connections` notice.
    count_changed: bool,
}

impl State {
    fn push(&mut self, ev: Event) {
        self.notices += usize::from(ev.is_notice());
        self.history.push_back(ev);
        // HISTORY real events; the notices between them ride along (at most one per batch,
        // and never more than HISTORY of them, whatever happens).
        while self.history.len() - self.notices > HISTORY || self.notices > HISTORY {
            match self.history.pop_front() {
                Some(old) => self.notices -= usize::from(old.is_notice()),
                None => break,
            }
        }
    }
}

pub struct Hub {
    state: Mutex<State>,
    newest: watch::Sender<u64>,
    clients: AtomicUsize,
    /// `/stats` announces its client count as a `connections` event.
    announce_connections: bool,
}

impl Hub {
    /// `first_id` seeds the counter; the caller uses the wall clock in ms so ids keep
    /// growing across a restart (the server emits well under one event per ms).
    pub fn new(first_id: u64, announce_connections: bool) -> Self {
        Self::build(first_id, announce_connections, None, VecDeque::new())
    }

    /// A hub whose history is persisted in `journal` and starts as `restored` (consecutive
    /// ids, oldest first, as [`Journal::open`] returns them). Ids continue after the newest
    /// restored one; with nothing restored they start at `first_id`.
    pub fn with_journal(
        first_id: u64,
        announce_connections: bool,
        journal: Journal,
        restored: VecDeque<Event>,
    ) -> Self {
        Self::build(first_id, announce_connections, Some(journal), restored)
    }

    fn build(
        first_id: u64,
        announce_connections: bool,
        journal: Option<Journal>,
        restored: VecDeque<Event>,
    ) -> Self {
        let next_id = match restored.back() {
            Some(last) => last.id + 1,
            None => first_id.max(1),
        };
        let mut state = State {
            history: VecDeque::with_capacity(HISTORY),
            notices: 0,
            next_id,
            journal,
            count_changed: false,
        };
        for ev in restored {
            state.push(ev);
        }
        Hub {
            state: Mutex::new(state),
            newest: watch::channel(next_id - 1).0,
            clients: AtomicUsize::new(0),
            announce_connections,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the streams down with a poisoned lock.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes events as one batch: consecutive ids, visible to clients together.
    /// Returns the newest id.
    pub fn publish(&self, events: &[(&str, String)]) -> u64 {
        self.publish_inner(events, false)
    }

    /// Like [`Hub::publish`], but the batch starts with a `connections` notice when clients
    /// joined or left since the last one (the producer's tick: notices are coalesced).
    pub fn publish_tick(&self, events: &[(&str, String)]) -> u64 {
        self.publish_inner(events, true)
    }

    /// Publishes a pending `connections` notice alone, if there is one (at shutdown, so the
    /// journal ends with the last count).
    pub fn flush_notice(&self) {
        self.publish_inner(&[], true);
    }

    fn publish_inner(&self, events: &[(&str, String)], with_notice: bool) -> u64 {
        let newest = {
            let mut guard = self.lock();
            let st = &mut *guard;
            let notice = (with_notice && self.announce_connections && st.count_changed)
                .then(|| count_json(self.clients.load(Ordering::SeqCst)));
            st.count_changed &= notice.is_none();
            if notice.is_none() && events.is_empty() {
                return st.next_id - 1;
            }
            let mut frames = Vec::new();
            let all = notice
                .iter()
                .map(|n| (NOTICE, n.as_str()))
                .chain(events.iter().map(|(k, d)| (*k, d.as_str())));
            for (kind, data) in all {
                let id = st.next_id;
                st.next_id += 1;
                let frame = render(id, kind, data);
                if st.journal.is_some() {
                    frames.push(frame.clone());
                }
                st.push(Event { id, frame });
            }
            if let Some(j) = st.journal.as_mut() {
                // Under the lock: the journal's order is the id order, and a batch is on
                // disk before the watch below lets any client send it.
                j.append(&frames);
                if j.wants_compaction() {
                    j.compact(st.history.iter());
                }
            }
            st.next_id - 1
        };
        self.newest.send_replace(newest);
        newest
    }

    /// The id of the newest event (first id − 1 before any).
    pub fn newest_id(&self) -> u64 {
        self.lock().next_id - 1
    }

    /// Events with id > `after` still in the history, oldest first, at most `max`.
    pub fn since(&self, after: u64, max: usize) -> Vec<Event> {
        let st = self.lock();
        // Ids in the history are consecutive, so the start index is arithmetic.
        let Some(front) = st.history.front() else {
            return Vec::new();
        };
        let skip = after.saturating_add(1).saturating_sub(front.id);
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        st.history.iter().skip(skip).take(max).cloned().collect()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.newest.subscribe()
    }

    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::SeqCst)
    }

    /// Adds a client; returns its guard and the id a fresh client starts after: the newest
    /// now, so (on `/stats`) the next batch, which it receives first, opens with the
    /// `connections` notice that counts it.
    fn join(self: &Arc<Self>) -> (ClientGuard, u64) {
        let mut st = self.lock();
        self.clients.fetch_add(1, Ordering::SeqCst);
        st.count_changed = true;
        (ClientGuard(self.clone()), st.next_id - 1)
    }
}

fn count_json(n: usize) -> String {
    json::Obj::new().int("count", n as u64).finish()
}

/// Leaves the client list when the streaming task ends, however it ends.
struct ClientGuard(Arc<Hub>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        self.0.clients.fetch_sub(1, Ordering::SeqCst);
        st.count_changed = true;
    }
}

/// Renders one event; multi-line data becomes several `data:` lines.
pub fn render(id: u64, kind: &str, data: &str) -> Bytes {
    let mut s = format!("id: {id}\n");
    if !kind.is_empty() && kind != "message" {
        s.push_str("event: ");
        s.push_str(kind);
        s.push('\n');
    }
    for line in data.split('\n') {
        s.push_str("data: ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    Bytes::from(s)
}

/// Serves a hub route: the live stream, a polling batch, or a 302 for a plain page load.
pub fn serve(app: &Arc<App>, hub: &Arc<Hub>, h: &HeaderMap, q: &Query) -> Response<Body> {
    let resume = http_util::last_event_id(h, q);
    if http_util::is_polling(h) {
        return poll(app, hub, resume, q);
    }
    if !http_util::accepts_event_stream(h) {
        // A browser navigating to the stream URL lands on the demo page instead.
        return http_util::redirect(StatusCode::FOUND, b"/");
    }
    let Some((mut sink, body)) = app.sink(8) else {
        return http_util::busy(app.config.max_streams);
    };
    let mut resp = Response::new(body);
    http_util::sse_headers(&mut resp, http_util::EVENT_STREAM);
    let (client, fresh_start) = hub.join();
    let mut last = resume.unwrap_or(fresh_start);
    let hub = hub.clone();
    let keepalive = app.config.keepalive;
    let retry = Bytes::from(format!("retry: {}\n\n", app.config.retry.as_millis()));
    tokio::spawn(async move {
        let _client = client;
        let mut newest = hub.subscribe();
        let mut shutdown = sink.shutdown();
        if !sink.send(retry).await {
            return;
        }
        loop {
            // Mark seen before reading the history: a publish after this read wakes us.
            newest.borrow_and_update();
            let batch = hub.since(last, BATCH);
            if batch.is_empty() {
                tokio::select! {
                    r = newest.changed() => if r.is_err() { return },
                    _ = tokio::time::sleep(keepalive) => {
                        if !sink.send(Bytes::from_static(b": keep-alive\n\n")).await { return }
                    }
                    _ = sink.closed() => return,
                    _ = crate::body::stopped(&mut shutdown) => return,
                }
                continue;
            }
            for ev in batch {
                if !sink.send(ev.frame).await {
                    return;
                }
                last = ev.id;
            }
        }
    });
    resp
}

/// The polling convention: pending events after the client's id, else wait (bounded)
/// for the next batch; then the response ends. No id means "from now".
fn poll(app: &Arc<App>, hub: &Arc<Hub>, resume: Option<u64>, q: &Query) -> Response<Body> {
    let wait = match q.num::<u64>("poll_wait") {
        Ok(ms) => ms
            .map(|ms| Duration::from_millis(ms.min(http_util::MAX_POLL_WAIT_MS)))
            .unwrap_or(app.config.poll_wait),
        Err(e) => return http_util::bad_request(e),
    };
    let ctype = q
        .str("poll_ctype")
        .unwrap_or_else(|| http_util::EVENT_STREAM.to_owned());
    let Some((mut sink, body)) = app.sink(8) else {
        return http_util::busy(app.config.max_streams);
    };
    let mut resp = Response::new(body);
    http_util::sse_headers(&mut resp, &ctype);
    let last = resume.unwrap_or_else(|| hub.newest_id());
    let hub = hub.clone();
    // Polling clients reconnect after a network error too: give them the same `retry` as streams.
    let retry = Bytes::from(format!("retry: {}\n\n", app.config.retry.as_millis()));
    tokio::spawn(async move {
        let mut newest = hub.subscribe();
        newest.borrow_and_update();
        let mut batch = hub.since(last, BATCH);
        if batch.is_empty() {
            let mut shutdown = sink.shutdown();
            tokio::select! {
                _ = newest.changed() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = sink.closed() => return,
                _ = crate::body::stopped(&mut shutdown) => return,
            }
            batch = hub.since(last, BATCH);
        }
        if !sink.send(retry).await {
            return;
        }
        for ev in batch {
            if !sink.send(ev.frame).await {
                return;
            }
        }
    });
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_a_window() {
        let hub = Hub::new(100, false);
        for i in 0..(HISTORY + 10) {
            hub.publish(&[("x", i.to_string())]);
        }
        assert_eq!(hub.newest_id(), 100 + HISTORY as u64 + 9);
        let all = hub.since(0, usize::MAX);
        assert_eq!(all.len(), HISTORY);
        assert_eq!(all[0].id, 110);
        let tail = hub.since(hub.newest_id() - 3, usize::MAX);
        assert_eq!(tail.iter().map(|e| e.id).collect::<Vec<_>>().len(), 3);
        assert!(hub.since(hub.newest_id(), 10).is_empty());
        assert!(hub.since(u64::MAX, 10).is_empty());
        assert_eq!(
            &render(5, "tick", "a\nb")[..],
            b"id: 5\nevent: tick\ndata: a\ndata: b\n\n"
        );
    }
}
