//! The incremental `text/event-stream` parser.
//!
//! It implements "Parsing an event stream" and "Interpreting an event stream" of the WHATWG
//! HTML standard (section 9.2) on raw bytes fed in chunks of any size, split anywhere.
//!
//! # Why bytes, and where UTF-8 decoding happens
//!
//! The standard decodes the whole stream with "UTF-8 decode" first and then splits lines. Every
//! byte this parser acts on (CR, LF, `:`, space, the field names, `0`-`9`, NUL) is ASCII, and in
//! UTF-8 an ASCII byte is never part of a multi-byte sequence; the WHATWG decoder also ends an
//! incomplete sequence at the first ASCII byte without consuming it. So splitting the *bytes* at
//! line ends and field colons, then decoding each field value on its own, gives exactly the code
//! points that decoding first would give, U+FFFD replacements included. The parser therefore
//! hands out byte slices, and the caller decodes each value once, where it is cheapest: the wasm
//! driver lets the browser's `TextDecoder` decode a whole batch of events in one call, and
//! [`Event`] uses [`String::from_utf8_lossy`], which substitutes maximal subparts as WHATWG does.
//!
//! A multi-byte character split across chunks needs no special care either: an unfinished line
//! is kept as bytes until its line end arrives, and only complete lines are ever decoded.
//!
//! # Cost model
//!
//! Lines that lie wholly inside a chunk are parsed in place, with no copy but the append of a
//! `data` value to the data buffer; only the unfinished tail of a chunk is copied, into a buffer
//! that is reused. The commonest event, one `data` line directly followed by the empty line, is
//! not copied at all: it is handed to the sink straight from the chunk. `data` and empty lines
//! are parsed inline, the other fields, comments and a stream's first line (which may hold a
//! BOM) out of line. The buffers grow to the largest line or event seen and are never freed
//! while the parser lives, so the steady state allocates nothing. A line end is found a word at
//! a time (see [`find_line_end`]), and the search never revisits bytes: one huge line fed a byte
//! at a time costs linear time.

use alloc::vec::Vec;

/// The default for [`Parser::new`]'s limit: 16 MiB, the `maxEventSize` default of the public API.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

/// What the parser reports. Implemented by whoever consumes events.
pub trait Sink {
    /// An event is dispatched.
    ///
    /// `event_type` is the event type buffer (empty means `message`), `data` the data buffer
    /// without its last LF, `last_event_id` the source's last event ID string. All three are
    /// raw UTF-8 that may hold invalid sequences; they contain no CR, and only `data` may
    /// contain LF.
    fn event(&mut self, event_type: &[u8], data: &[u8], last_event_id: &[u8]);

    /// A `retry` field with a valid value: the new reconnection time in milliseconds
    /// (saturating at `u64::MAX`).
    fn retry(&mut self, millis: u64) {
        let _ = millis;
    }
}

/// Why the parser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// A line, or the data of one event, grew past the parser's limit. The parser stays failed:
    /// the connection must be failed, since the rest of the stream can't be read correctly.
    TooLarge,
}

impl Error {
    /// A message for the `error` event, without pulling formatting code into the wasm build.
    pub const fn message(self) -> &'static str {
        match self {
            Error::TooLarge => "event stream line or event larger than maxEventSize",
        }
    }
}

/// An incremental event-stream parser. One per `EventSource`; it lives across reconnections.
#[derive(Debug, Clone)]
pub struct Parser {
    /// Bytes of a line whose end has not arrived yet.
    line: Vec<u8>,
    /// The data buffer: each `data` value followed by LF.
    data: Vec<u8>,
    /// The event type buffer.
    event_type: Vec<u8>,
    /// The last event ID buffer, set by `id` fields, while `id_dirty`; otherwise the buffer
    /// equals `last_event_id` and this holds nothing of use.
    id_buffer: Vec<u8>,
    /// The source's last event ID string: the buffer as it was at the last dispatch.
    last_event_id: Vec<u8>,
    /// An `id` field set the buffer since the last dispatch: `id_buffer` holds it.
    id_dirty: bool,
    /// Dispatches that took their last event ID from an `id` field of their own block: the
    /// points from which a server can resume the stream exactly (see [`Parser::resume_points`]).
    resume_points: u32,
    /// The previous chunk ended with CR: an LF that starts the next one ends nothing.
    after_cr: bool,
    /// No line has ended yet on this stream: the first one may start with a BOM.
    at_stream_start: bool,
    /// Set to false when the input was already decoded by someone who stripped the BOM.
    strip_bom: bool,
    failed: bool,
    max: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new(DEFAULT_MAX_EVENT_SIZE)
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Parser {
    /// A parser that fails once a line, or the data of one event, exceeds `max_event_size` bytes.
    pub fn new(max_event_size: usize) -> Parser {
        Parser {
            line: Vec::new(),
            data: Vec::new(),
            event_type: Vec::new(),
            id_buffer: Vec::new(),
            last_event_id: Vec::new(),
            id_dirty: false,
            resume_points: 0,
            after_cr: false,
            at_stream_start: true,
            strip_bom: true,
            failed: false,
            max: max_event_size,
        }
    }

    /// The source's last event ID string, as the raw bytes of the `id` field (decode them with
    /// U+FFFD for invalid UTF-8, as for every field).
    pub fn last_event_id(&self) -> &[u8] {
        &self.last_event_id
    }

    /// Sets the last event ID string (and buffer), as a source starting from a known ID does.
    pub fn start_from_last_event_id(&mut self, id: &[u8]) {
        self.last_event_id.clear();
        self.last_event_id.extend_from_slice(id);
        self.id_dirty = false;
    }

    /// A counter of dispatches (with or without data) whose block carried an `id` field. When
    /// it moved during a feed that ended exactly on that dispatch's blank line, everything read
    /// so far is covered by the last event ID: a server resuming from it repeats nothing.
    pub fn resume_points(&self) -> u32 {
        self.resume_points
    }

    /// Whether the parser is between events: no unfinished line, no pending data. (A CR that
    /// ended the input may still be followed by the LF of a CRLF; that LF would end nothing.)
    pub fn is_between_events(&self) -> bool {
        self.line.is_empty() && self.data.is_empty()
    }

    /// Whether the parser has failed (see [`Error::TooLarge`]).
    pub fn has_failed(&self) -> bool {
        self.failed
    }

    /// Tells the parser that the coming stream was decoded by someone who already removed a
    /// leading BOM (an XHR `responseText`), so a BOM at its start is data. Lasts one stream.
    pub fn input_is_decoded(&mut self) {
        self.strip_bom = false;
    }

    /// The stream ended (body end or network error). "If the file ends in the middle of an event,
    /// before the final empty line, the incomplete event is not dispatched": the unfinished line
    /// and the event being built are dropped. The last event ID string survives, as it does in
    /// browsers; the ID buffer starts the next stream from it.
    pub fn end_of_stream(&mut self) {
        self.line.clear();
        self.data.clear();
        self.event_type.clear();
        self.id_dirty = false;
        self.after_cr = false;
        self.at_stream_start = true;
        self.strip_bom = true;
        self.failed = false;
    }

    /// Parses one chunk, reporting every event it completes, in order.
    pub fn feed<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), Error> {
        if self.failed {
            return Err(Error::TooLarge);
        }
        let result = self.feed_inner(chunk, sink);
        if result.is_err() {
            self.failed = true;
            // Bounded memory: drop what the oversized line or event made the buffers hold.
            self.line = Vec::new();
            self.data = Vec::new();
        }
        result
    }

    fn feed_inner<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), Error> {
        let mut rest = chunk;
        if self.after_cr {
            if let Some((&first, tail)) = rest.split_first() {
                self.after_cr = false;
                if first == b'\n' {
                    // CR at the end of the previous chunk, LF here: one CRLF line end.
                    rest = tail;
                }
            }
        }

        // Finish the line carried over from earlier chunks, if any.
        if !self.line.is_empty() {
            match find_line_end(rest) {
                None => {
                    if self.line.len() + rest.len() > self.max {
                        return Err(Error::TooLarge);
                    }
                    reserve_bounded(&mut self.line, rest.len(), self.max);
                    self.line.extend_from_slice(rest);
                    return Ok(());
                }
                Some(end) => {
                    let (head, tail) = rest.split_at(end);
                    if self.line.len() + head.len() > self.max {
                        return Err(Error::TooLarge);
                    }
                    reserve_bounded(&mut self.line, head.len(), self.max);
                    self.line.extend_from_slice(head);
                    let line = core::mem::take(&mut self.line);
                    let outcome = self.process_line(&line, sink);
                    // Give the allocation back to the buffer so it is reused.
                    self.line = line;
                    self.line.clear();
                    outcome?;
                    rest = self.skip_line_end(tail);
                }
            }
        }

        // Lines wholly inside this chunk: parsed in place. `data` and empty lines, nearly all
        // the lines of real streams, are handled here; the others go to `process_line`.
        while let Some(end) = find_line_end(rest) {
            let (line, tail) = rest.split_at(end);
            if line.len() > self.max {
                return Err(Error::TooLarge);
            }
            rest = self.skip_line_end(tail);
            match line {
                // The first line of a stream may start with a BOM: `process_line` strips it.
                _ if self.at_stream_start => self.process_line(line, sink)?,
                [] => self.dispatch(sink),
                [b'd', b'a', b't', b'a', b':', value @ ..] => {
                    let value = strip_space(value);
                    if self.data.is_empty() && matches!(rest.first(), Some(b'\r' | b'\n')) {
                        // A one-line event, `data: x` then an empty line: dispatched from the
                        // chunk itself, without going through the data buffer.
                        if value.len() >= self.max {
                            return Err(Error::TooLarge);
                        }
                        rest = self.skip_line_end(rest);
                        self.dispatch_line(value, sink);
                    } else {
                        self.append_data(value)?;
                    }
                }
                _ => self.process_line(line, sink)?,
            }
        }
        if rest.len() > self.max {
            return Err(Error::TooLarge);
        }
        reserve_bounded(&mut self.line, rest.len(), self.max);
        self.line.extend_from_slice(rest);
        Ok(())
    }

    /// `tail` starts with CR or LF. Consumes one line end: CRLF, CR or LF. A CR at the very end
    /// of the chunk may be the first half of a CRLF; the next chunk settles it.
    fn skip_line_end<'a>(&mut self, tail: &'a [u8]) -> &'a [u8] {
        match tail {
            [b'\r', b'\n', rest @ ..] => rest,
            [b'\r'] => {
                self.after_cr = true;
                &[]
            }
            [_, rest @ ..] => rest,
            [] => tail,
        }
    }

    /// Any line, by the standard's rules. The loop in `feed_inner` keeps `data` and empty lines
    /// for itself: this is the cold path, for the other fields, comments and a stream's first line.
    #[inline(never)]
    fn process_line<S: Sink>(&mut self, mut line: &[u8], sink: &mut S) -> Result<(), Error> {
        if self.at_stream_start {
            self.at_stream_start = false;
            // "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
            if self.strip_bom {
                if let Some(stripped) = line.strip_prefix(BOM) {
                    line = stripped;
                }
            }
        }
        let Some((&first, _)) = line.split_first() else {
            self.dispatch(sink);
            return Ok(());
        };
        if first == b':' {
            return Ok(()); // a comment
        }
        // "Collect the characters on the line before the first U+003A COLON character (:)."
        let (name, value) = match line.iter().position(|&b| b == b':') {
            // "If value starts with a U+0020 SPACE character, remove it from value."
            Some(colon) => (&line[..colon], strip_space(&line[colon + 1..])),
            None => (line, &[][..]),
        };
        match name {
            b"data" => self.append_data(value)?,
            b"event" => {
                self.event_type.clear();
                self.event_type.extend_from_slice(value);
            }
            // "If the field value does not contain U+0000 NULL, then set the last event ID
            // buffer to the field value. Otherwise, ignore the field."
            b"id" if value.iter().all(|&b| b != 0) => {
                self.id_buffer.clear();
                self.id_buffer.extend_from_slice(value);
                self.id_dirty = true;
            }
            // "If the field value consists of only ASCII digits ..." (and at least one).
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let millis = value.iter().fold(0u64, |n, &d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                sink.retry(millis);
            }
            _ => {} // "Otherwise: the field is ignored." Names are case-sensitive.
        }
        Ok(())
    }

    /// "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF)
    /// character to the data buffer."
    #[inline]
    fn append_data(&mut self, value: &[u8]) -> Result<(), Error> {
        if self.data.len() + value.len() >= self.max {
            return Err(Error::TooLarge);
        }
        reserve_bounded(&mut self.data, value.len() + 1, self.max);
        self.data.extend_from_slice(value);
        self.data.push(b'\n');
        Ok(())
    }

    /// "Dispatch the event", steps 1-5 (step 6, readyState, is the connection's business).
    #[inline]
    fn dispatch<S: Sink>(&mut self, sink: &mut S) {
        // 1. See `set_last_event_id`.
        self.set_last_event_id();
        // 2. "If the data buffer is an empty string, set the data buffer and the event type
        //    buffer to the empty string and return."
        // 3. "If the data buffer's last character is a U+000A LINE FEED (LF) character, then
        //    remove the last character from the data buffer." It always is, when non-empty.
        if let Some((_, data)) = self.data.split_last() {
            // 4. The type is `message` when the buffer is empty: the sink decides.
            sink.event(&self.event_type, data, &self.last_event_id);
        }
        // 5. "Set the data buffer and the event type buffer to the empty string."
        self.data.clear();
        self.event_type.clear();
    }

    /// [`Parser::dispatch`] of an event whose data buffer would hold `data` and LF (and so is
    /// not empty).
    #[inline]
    fn dispatch_line<S: Sink>(&mut self, data: &[u8], sink: &mut S) {
        self.set_last_event_id();
        sink.event(&self.event_type, data, &self.last_event_id);
        self.event_type.clear();
    }

    /// Dispatch step 1: "Set the last event ID string of the event source to the value of the
    /// last event ID buffer. The buffer does not get reset."
    #[inline]
    fn set_last_event_id(&mut self) {
        if self.id_dirty {
            // A swap, not a copy: `id_buffer` is of no use until the next `id` field.
            core::mem::swap(&mut self.last_event_id, &mut self.id_buffer);
            self.id_dirty = false;
            self.resume_points = self.resume_points.wrapping_add(1);
        }
    }
}

/// "If value starts with a U+0020 SPACE character, remove it from value."
#[inline]
fn strip_space(value: &[u8]) -> &[u8] {
    value.strip_prefix(b" ").unwrap_or(value)
}

/// Makes room for `extra` more bytes in a buffer that may never exceed `max`.
///
/// Small buffers double, as `Vec` does. A buffer that needs more than `max / 16` gets `max` at
/// once: by doubling, each larger block would be placed after the freed smaller ones, and wasm
/// memory, which never shrinks, would end near the sum of all the blocks (2-4 x `max` after one
/// oversized line). This way it stays under `max + max / 8`. Limits above 1 GiB are not memory
/// bounds anyone configured (tests use `usize::MAX`): those keep doubling.
fn reserve_bounded(buf: &mut Vec<u8>, extra: usize, max: usize) {
    let needed = buf.len().saturating_add(extra);
    if needed <= buf.capacity() {
        return;
    }
    if needed > max / 16 && max <= 1 << 30 {
        buf.reserve_exact(max.max(needed) - buf.len());
    } else {
        buf.reserve(extra);
    }
}

/// The index of the first CR or LF in `haystack`.
///
/// Eight bytes at a time (SWAR): for each byte `b` of a word, `x = b ^ '\n'` is zero exactly
/// where `b` is LF, and `(x - 0x01..) & !x & 0x80..` sets the top bit of the lowest zero byte
/// (a borrow can only create false positives *above* a real zero byte, so the lowest flag is
/// exact). Text has almost no bytes below 14 (CR is 13), so a word is first tested for one with
/// `(w - 0x0E..) & !w & 0x80..`, three operations; only a word that has one is tested for CR
/// and LF. Portable, no SIMD needed, and about as fast as `memchr2` on event-stream lines,
/// which are short.
#[inline]
pub fn find_line_end(haystack: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LFS: u64 = ONES * b'\n' as u64;
    const CRS: u64 = ONES * b'\r' as u64;
    let mut words = haystack.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        if w.wrapping_sub(ONES * 14) & !w & HIGHS != 0 {
            let lf = w ^ LFS;
            let cr = w ^ CRS;
            let hits = ((lf.wrapping_sub(ONES) & !lf) | (cr.wrapping_sub(ONES) & !cr)) & HIGHS;
            if hits != 0 {
                return Some(offset + (hits.trailing_zeros() / 8) as usize);
            }
        }
        offset += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|i| offset + i)
}

/// A dispatched event, decoded: a convenience for native users and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event type (`message` when the stream named none).
    pub event_type: alloc::string::String,
    /// The data, lines joined by LF.
    pub data: alloc::string::String,
    /// The last event ID string at dispatch.
    pub last_event_id: alloc::string::String,
}

impl Event {
    /// Decodes what a [`Sink`] receives, replacing invalid UTF-8 with U+FFFD as WHATWG does.
    pub fn decode(event_type: &[u8], data: &[u8], last_event_id: &[u8]) -> Event {
        let lossy = alloc::string::String::from_utf8_lossy;
        Event::from_text(&lossy(event_type), &lossy(data), &lossy(last_event_id))
    }

    /// An event from decoded fields.
    pub fn from_text(event_type: &str, data: &str, last_event_id: &str) -> Event {
        let event_type = if event_type.is_empty() {
            "message"
        } else {
            event_type
        };
        Event {
            event_type: event_type.into(),
            data: data.into(),
            last_event_id: last_event_id.into(),
        }
    }
}

/// What a parse produced, in order: a [`Sink`] that keeps everything, for tests and simple uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collect {
    /// Events and `retry` values in the order they came.
    pub items: Vec<Item>,
}

/// One thing a parse reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A dispatched event.
    Event(Event),
    /// A valid `retry` field.
    Retry(u64),
}

impl Sink for Collect {
    fn event(&mut self, event_type: &[u8], data: &[u8], last_event_id: &[u8]) {
        self.items
            .push(Item::Event(Event::decode(event_type, data, last_event_id)));
    }
    fn retry(&mut self, millis: u64) {
        self.items.push(Item::Retry(millis));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_line_end_agrees_with_a_plain_scan() {
        let mut input = alloc::vec![b'a'; 40];
        assert_eq!(find_line_end(&input), None);
        for i in 0..input.len() {
            for &eol in b"\r\n" {
                input[i] = eol;
                assert_eq!(find_line_end(&input), Some(i));
                for j in i + 1..input.len() {
                    input[j] = b'\n';
                    assert_eq!(find_line_end(&input), Some(i));
                    input[j] = b'a';
                }
                input[i] = b'a';
            }
        }
        // Bytes one off from CR/LF, and high bytes, must not match.
        let near: Vec<u8> = (0..=255u8).filter(|&b| b != b'\r' && b != b'\n').collect();
        assert_eq!(find_line_end(&near), None);
    }

    #[test]
    fn find_line_end_sees_past_other_low_bytes() {
        // Bytes below 14 pass the first, cheap test: before, after or beside a line end, in the
        // same word or not, they must not hide it or be taken for it.
        for low in (0..14u8).filter(|&b| b != b'\r' && b != b'\n') {
            let mut input = alloc::vec![b'a'; 40];
            for j in 0..input.len() {
                input[j] = low;
                assert_eq!(find_line_end(&input), None);
                for i in (0..input.len()).filter(|&i| i != j) {
                    input[i] = b'\n';
                    assert_eq!(find_line_end(&input), Some(i));
                    input[i] = b'a';
                }
                input[j] = b'a';
            }
        }
    }

    #[test]
    fn buffers_never_grow_past_the_limit() {
        struct Nothing;
        impl Sink for Nothing {
            fn event(&mut self, _: &[u8], _: &[u8], _: &[u8]) {}
        }
        let max = 16 << 20;
        let mut parser = Parser::new(max);
        let chunk = alloc::vec![b'x'; 100_000];
        parser.feed(b"data: ", &mut Nothing).unwrap();
        let mut peak = 0;
        while parser.feed(&chunk, &mut Nothing).is_ok() {
            peak = peak.max(parser.line.capacity());
        }
        // Doubling would have reached 24 MiB; the jump gives exactly the limit.
        assert_eq!(peak, max);
        assert_eq!(parser.line.capacity(), 0, "freed after the failure");
    }
}
