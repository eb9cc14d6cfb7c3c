//! The hand-off of events from wasm to JavaScript: one buffer per chunk.
//!
//! Crossing the JS/wasm boundary and creating JS strings cost far more than parsing, so events
//! are not handed over one by one. A [`Batch`] collects every event a chunk completes into one
//! byte buffer; JavaScript decodes it with a single `TextDecoder.decode` call and cuts it with
//! `indexOf('\r')` and `slice` (js/batch.js). That works because no field value can hold a CR
//! (CR always ends a line), and because decoding the joined values equals decoding each one:
//! every boundary is an ASCII byte (see the `parser` module).
//!
//! Layout, per event: a tag byte, then the fields the tag announces, each ended by CR, then the
//! data, ended by CR.
//!
//! ```text
//! <tag> [<type> CR] [<id> CR] <data> CR
//! ```
//!
//! `tag` is `b'A' + flags`: flag 1, the event's type differs from the previous event's, and
//! `<type>` follows (empty for `message`); flag 2, its last event ID differs from the previous
//! event's, and `<id>` follows (possibly empty). "Previous" carries from batch to batch, as the
//! reader's state does. So the commonest event, of the same type and ID as the one before, costs
//! the reader one `indexOf` and one `slice`; a stream of one custom type makes one type string in
//! all, not one per event; and a long ID set once and followed by a million tiny events is
//! copied once, which keeps the batch linear in the input.

use crate::parser::Sink;
use alloc::vec::Vec;

/// Events of one chunk, ready for JavaScript. Reused from chunk to chunk.
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    /// The type of the last event JavaScript was sent (empty: `message`).
    sent_type: Vec<u8>,
    /// The last event ID as JavaScript last saw it.
    sent_id: Vec<u8>,
    events: u32,
    /// The latest valid `retry` value in this chunk, if any.
    retry: Option<u64>,
    /// The replay guard of a replaced request (see [`Batch::expect_resume`]).
    guard: Guard,
}

/// What the batch watches for in a response, so that a request replaced by one that replays
/// instead of resuming repeats nothing. Off the hot path: [`Guard::watching`] is false once the
/// first event of a response was seen, unless events are being skipped.
#[derive(Debug, Default)]
struct Guard {
    watching: bool,
    /// The last event ID of the first event of this response.
    first: Option<Vec<u8>>,
    /// Set by a replacement: the first event of the replaced response, and the ID resumed from.
    expect: Option<(Vec<u8>, Vec<u8>)>,
    /// Replaying: events are dropped until the one whose last event ID is this has passed.
    skip_until: Option<Vec<u8>>,
    /// A replacement was once answered with a replay: this server does not resume.
    replayed: bool,
}

/// Tag flags: a type field follows; an ID field follows.
const NEW_TYPE: u8 = 1;
const NEW_ID: u8 = 2;

impl Batch {
    /// Empties the batch for the next chunk (keeping its allocation and what JavaScript knows).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.events = 0;
        self.retry = None;
    }

    /// The encoded events.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many events the batch holds.
    pub fn events(&self) -> u32 {
        self.events
    }

    /// The last `retry` value seen since [`Batch::clear`].
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// A new response begins: its first event is noted (and checked, after a replacement).
    pub fn new_response(&mut self) {
        self.guard.first = None;
        self.guard.skip_until = None;
        self.guard.watching = true;
    }

    /// The request was replaced, to resume after `resumed_from`. A server that honours the
    /// `Last-Event-ID` sends what follows it; one that ignores it, or restarts from the
    /// beginning, sends the events of the replaced response again. That shows in the first event
    /// of the new response: it carries the same last event ID as the first event of the replaced
    /// one (and not `resumed_from`). Then every event up to the one whose ID is `resumed_from` is
    /// a repeat, and is dropped.
    pub fn expect_resume(&mut self, resumed_from: &[u8]) {
        if let Some(first) = self.guard.first.take() {
            self.guard.expect = Some((first, resumed_from.to_vec()));
        }
    }

    /// Whether a replacement was answered with a replay: replacing the request again would only
    /// restart the stream (see [`Batch::expect_resume`]).
    pub fn saw_replay(&self) -> bool {
        self.guard.replayed
    }

    /// Whether the event with this last event ID is new (see [`Guard`]).
    #[cold]
    fn admit(&mut self, last_event_id: &[u8]) -> bool {
        let guard = &mut self.guard;
        if guard.first.is_none() {
            guard.first = Some(last_event_id.to_vec());
            if let Some((first, resumed_from)) = guard.expect.take() {
                if last_event_id == first.as_slice() && last_event_id != resumed_from.as_slice() {
                    guard.skip_until = Some(resumed_from);
                    guard.replayed = true;
                }
            }
        }
        let admit = match &guard.skip_until {
            Some(until) => {
                if last_event_id == until.as_slice() {
                    guard.skip_until = None;
                }
                false
            }
            None => true,
        };
        guard.watching = guard.skip_until.is_some();
        admit
    }
}

/// Appends `field` and CR to `bytes`, and makes `sent` a copy of it.
fn send(bytes: &mut Vec<u8>, sent: &mut Vec<u8>, field: &[u8]) {
    bytes.extend_from_slice(field);
    bytes.push(b'\r');
    sent.clear();
    sent.extend_from_slice(field);
}

impl Sink for Batch {
    #[inline]
    fn event(&mut self, event_type: &[u8], data: &[u8], last_event_id: &[u8]) {
        if self.guard.watching && !self.admit(last_event_id) {
            return;
        }
        let new_type = event_type != self.sent_type.as_slice();
        let new_id = last_event_id != self.sent_id.as_slice();
        let flags = if new_type { NEW_TYPE } else { 0 } | if new_id { NEW_ID } else { 0 };
        self.bytes.reserve(data.len() + 2);
        self.bytes.push(b'A' + flags);
        if new_type {
            send(&mut self.bytes, &mut self.sent_type, event_type);
        }
        if new_id {
            send(&mut self.bytes, &mut self.sent_id, last_event_id);
        }
        self.bytes.extend_from_slice(data);
        self.bytes.push(b'\r');
        self.events += 1;
    }

    fn retry(&mut self, millis: u64) {
        self.retry = Some(millis);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::Parser;

    #[test]
    fn layout() {
        let mut parser = Parser::default();
        let mut batch = Batch::default();
        parser
            .feed(
                b"data: a\n\nevent: t\nid: 7\ndata: b\ndata: c\n\nevent: t\ndata: d\n\nid\nretry: 9\ndata: e\n\n",
                &mut batch,
            )
            .unwrap();
        assert_eq!(batch.bytes(), b"Aa\rDt\r7\rb\nc\rAd\rD\r\re\r".as_slice());
        assert_eq!(batch.events(), 4);
        assert_eq!(batch.retry(), Some(9));
        batch.clear();
        parser
            .feed(b"data: f\n\nevent: t\ndata: g\n\n", &mut batch)
            .unwrap();
        // The type and the ID JavaScript knows ("" and "") carry over between chunks.
        assert_eq!(batch.bytes(), b"Af\rBt\rg\r".as_slice());
    }
}
