//! The hand-off of events from wasm to JavaScript: one buffer per chunk.
//!
//! Crossing the JS/wasm boundary and creating JS strings cost far more than parsing, so events
//! are not handed over one by one. A [`Batch`] collects every event a chunk completes into one
//! byte buffer; JavaScript decodes it with a single `TextDecoder.decode` call and cuts it with a
//! single `split('\r')`. That works because no field value can hold a CR (CR always ends a line),
//! and because decoding the joined values equals decoding each one (see the `parser` module).
//!
//! Layout: three CR-terminated fields per event.
//!
//! ```text
//! <type> CR <data> CR <id-change> CR   <type> CR <data> CR <id-change> CR ...
//! ```
//!
//! `<type>` is empty for `message`. `<id-change>` is empty when the event's last event ID equals
//! the previous event's, and otherwise `;` followed by the new ID (which may be empty). Sending
//! the ID only when it changes keeps the batch linear in the input: a long ID set once and
//! followed by a million tiny events is copied once, not a million times.

use crate::parser::Sink;
use alloc::vec::Vec;

/// Events of one chunk, ready for JavaScript. Reused from chunk to chunk.
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    /// The last event ID as JavaScript last saw it.
    sent_id: Vec<u8>,
    events: u32,
    /// The latest valid `retry` value in this chunk, if any.
    retry: Option<u64>,
}

impl Batch {
    /// Empties the batch for the next chunk (keeping its allocation and the ID JavaScript knows).
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
}

impl Sink for Batch {
    fn event(&mut self, event_type: &[u8], data: &[u8], last_event_id: &[u8]) {
        self.bytes.extend_from_slice(event_type);
        self.bytes.push(b'\r');
        self.bytes.extend_from_slice(data);
        self.bytes.push(b'\r');
        if last_event_id != self.sent_id.as_slice() {
            self.bytes.push(b';');
            self.bytes.extend_from_slice(last_event_id);
            self.sent_id.clear();
            self.sent_id.extend_from_slice(last_event_id);
        }
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
                b"data: a\n\nevent: t\nid: 7\ndata: b\ndata: c\n\ndata: d\n\nid\nretry: 9\ndata: e\n\n",
                &mut batch,
            )
            .unwrap();
        assert_eq!(
            batch.bytes(),
            b"\ra\r\rt\rb\nc\r;7\r\rd\r\r\re\r;\r".as_slice()
        );
        assert_eq!(batch.events(), 4);
        assert_eq!(batch.retry(), Some(9));
        batch.clear();
        parser.feed(b"data: f\n\n", &mut batch).unwrap();
        // The ID JavaScript knows ("") carries over between chunks.
        assert_eq!(batch.bytes(), b"\rf\r\r".as_slice());
    }
}
