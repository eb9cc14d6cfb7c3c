//! The connection logic of an `EventSource`, without I/O.
//!
//! A [`Connection`] is fed what happens to the request (a response arrived, body bytes came,
//! the body ended, the network failed, a timer fired, the page called `close()`) and answers
//! each with a [`Step`]: what the driver must do, in a fixed order. The driver (fetch, XHR or
//! polling, in `wasm::transport`) only moves bytes and events; everything the standard decides
//! (announce, fail, reestablish, `retry`, `Last-Event-ID`, readyState) is decided here, so
//! `cargo test` checks it natively.
//!
//! Time is an input: every call that may start a timer takes `now` in milliseconds, and
//! [`Connection::next_timeout`] tells the driver when to call [`Connection::on_timeout`]. One
//! timer per source suffices, for both the reconnection delay and the heartbeat.

use crate::batch::Batch;
use crate::parser::{Error, Parser};
use alloc::string::String;
use alloc::vec::Vec;

/// The `readyState` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReadyState {
    /// The connection has not yet been established, or it was closed and is being reestablished.
    Connecting = 0,
    /// The connection is open and dispatching events.
    Open = 1,
    /// The connection is not open, and will not be reestablished.
    Closed = 2,
}

/// The reconnection time when the stream never sets one. The standard leaves it to the user
/// agent ("a few seconds"); Chromium uses 3 s.
pub const DEFAULT_RECONNECTION_TIME: u64 = 3000;

/// Exponential backoff between consecutive failed attempts (an extension; the standard allows
/// waiting longer than the reconnection time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The longest wait, in milliseconds.
    pub max: u64,
    /// The factor applied per consecutive failure.
    pub factor: f64,
}

/// How a source behaves; all extensions but the defaults are the standard's.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The long-polling convention: requests carry `X-Requested-With: XMLHttpRequest`, a
    /// response that ends normally ends one batch and the next request goes out at once, and
    /// `text/plain` responses are accepted.
    pub polling: bool,
    /// Reestablish the connection when nothing arrives for this long (milliseconds).
    pub heartbeat_timeout: Option<u64>,
    /// The parser's limit for one line or one event, in bytes.
    pub max_event_size: usize,
    /// Wait longer after consecutive failures.
    pub backoff: Option<Backoff>,
    /// Send the last event ID in this query parameter instead of the `Last-Event-ID` header.
    pub last_event_id_query_parameter: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            polling: false,
            heartbeat_timeout: None,
            max_event_size: crate::parser::DEFAULT_MAX_EVENT_SIZE,
            backoff: None,
            last_event_id_query_parameter: None,
        }
    }
}

/// What the driver must do after an input, in this order: fire `open`, deliver the batch
/// ([`Connection::batch`]), abort the current request, fire `error` (readyState was already
/// changed: CONNECTING when reestablishing, CLOSED when failed), start a new request
/// ([`Connection::request`]). Then (re)arm its timer from [`Connection::next_timeout`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Step {
    /// Fire `open`.
    pub open: bool,
    /// Deliver the events in [`Connection::batch`].
    pub events: bool,
    /// Abort the request in flight (its response or body).
    pub abort: bool,
    /// Fire `error`, with readyState as [`Connection::ready_state`] says.
    pub error: bool,
    /// Why the connection failed, when `error` ends it (for the `error` event's message).
    pub failure: Option<Failure>,
    /// Send a new request.
    pub request: bool,
}

/// Why a connection was failed (readyState CLOSED, no reconnection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The status was not 200 (204 included: the server's way to say "stop").
    Status,
    /// The Content-Type was not `text/event-stream`.
    ContentType,
    /// A line or event exceeded `maxEventSize`.
    TooLarge,
}

impl Failure {
    /// A short message, for the `error` event (no formatting code in the wasm build).
    pub const fn message(self) -> &'static str {
        match self {
            Failure::Status => "EventSource response status is not 200",
            Failure::ContentType => "EventSource response Content-Type is not text/event-stream",
            Failure::TooLarge => Error::TooLarge.message(),
        }
    }
}

/// Where the connection stands, beyond readyState.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A request is out; no response yet.
    Requesting,
    /// Reading a response body.
    Streaming,
    /// Waiting out the reconnection delay.
    Waiting,
    /// Closed: nothing more happens.
    Done,
}

/// The state of one `EventSource` connection (see the module docs).
#[derive(Debug)]
pub struct Connection {
    config: Config,
    parser: Parser,
    batch: Batch,
    ready_state: ReadyState,
    phase: Phase,
    reconnection_time: u64,
    /// Consecutive attempts that ended without a byte of body (for the backoff).
    failures: u32,
    /// When to send the next request (Phase::Waiting).
    reconnect_at: Option<u64>,
    /// When to give up on a silent connection.
    heartbeat_at: Option<u64>,
    /// When the current request went out, and whether its response brought any body byte:
    /// polling paces a server that answers empty at once (see [`Connection::on_end`]).
    requested_at: u64,
    got_bytes: bool,
}

/// A request the driver must send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// `Last-Event-ID`, as a header value (raw bytes), when one must be sent.
    pub last_event_id: Option<&'a [u8]>,
    /// The last event ID for the query string, already percent-encoded as `&name=value`
    /// (`?` replaced by the driver when the URL has no query), when configured and non-empty.
    pub query: Option<String>,
    /// Send `X-Requested-With: XMLHttpRequest` (polling mode).
    pub x_requested_with: bool,
}

impl Connection {
    /// A new connection in the CONNECTING state. Call [`Connection::start`] to send the
    /// first request.
    pub fn new(config: Config) -> Connection {
        Connection {
            parser: Parser::new(config.max_event_size),
            config,
            batch: Batch::default(),
            ready_state: ReadyState::Connecting,
            phase: Phase::Requesting,
            reconnection_time: DEFAULT_RECONNECTION_TIME,
            failures: 0,
            reconnect_at: None,
            heartbeat_at: None,
            requested_at: 0,
            got_bytes: false,
        }
    }

    /// The current readyState.
    pub fn ready_state(&self) -> ReadyState {
        self.ready_state
    }

    /// The reconnection time in milliseconds (set by `retry`).
    pub fn reconnection_time(&self) -> u64 {
        self.reconnection_time
    }

    /// The source's last event ID string.
    pub fn last_event_id(&self) -> &[u8] {
        self.parser.last_event_id()
    }

    /// The events the last [`Connection::on_chunk`] completed (see `batch.rs`).
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// The body of the current response arrives already decoded, by someone who removed its
    /// BOM (an XHR `responseText`): a U+FEFF at its start is data. Call after each response.
    pub fn input_is_decoded(&mut self) {
        self.parser.input_is_decoded();
    }

    /// Whether the parser sits between events, so that the request can be replaced without
    /// losing or repeating anything (see [`Connection::on_recycle`]).
    pub fn is_between_events(&self) -> bool {
        self.parser.is_idle()
    }

    /// The first request: the constructor's "fetch".
    pub fn start(&mut self, now: u64) -> Step {
        self.begin_request(now);
        Step {
            request: true,
            ..Step::default()
        }
    }

    /// What the next request must carry. "If the EventSource object's last event ID string is
    /// not the empty string", it goes in `Last-Event-ID` (or the configured query parameter).
    pub fn request(&self) -> Request<'_> {
        let id = self.parser.last_event_id();
        let (last_event_id, query) = match (&self.config.last_event_id_query_parameter, id) {
            (_, []) => (None, None),
            (Some(name), id) => {
                let mut query = String::from("&");
                percent_encode(name.as_bytes(), &mut query);
                query.push('=');
                percent_encode(id, &mut query);
                (None, Some(query))
            }
            (None, id) => (Some(id), None),
        };
        Request {
            last_event_id,
            query,
            x_requested_with: self.config.polling,
        }
    }

    /// The response headers arrived (after redirects). `content_type` is the header's value,
    /// if any.
    pub fn on_response(&mut self, status: u16, content_type: Option<&str>, now: u64) -> Step {
        if self.phase != Phase::Requesting {
            return Step::default();
        }
        // "if res's status is not 200, or if res's `Content-Type` is not `text/event-stream`,
        // then fail the connection."
        if status != 200 {
            return self.fail(Failure::Status);
        }
        let essence = content_type.and_then(mime_essence);
        let accepted = match essence {
            Some(Essence::EventStream) => true,
            Some(Essence::TextPlain) => self.config.polling,
            _ => false,
        };
        if !accepted {
            return self.fail(Failure::ContentType);
        }
        self.phase = Phase::Streaming;
        self.arm_heartbeat(now);
        // "Announce the connection": only from CONNECTING. A polling or recycled request that
        // continues an open stream announces nothing: the page sees one stream.
        if self.ready_state == ReadyState::Connecting {
            self.ready_state = ReadyState::Open;
            return Step {
                open: true,
                ..Step::default()
            };
        }
        Step::default()
    }

    /// Body bytes arrived.
    pub fn on_chunk(&mut self, bytes: &[u8], now: u64) -> Step {
        if !self.begin_chunk(bytes, now) {
            return Step::default();
        }
        let result = self.parser.feed(bytes, &mut self.batch);
        self.end_chunk(result)
    }

    /// What every chunk does before parsing; false when no body is being read.
    fn begin_chunk(&mut self, bytes: &[u8], now: u64) -> bool {
        self.batch.clear();
        if self.phase != Phase::Streaming {
            return false;
        }
        if !bytes.is_empty() {
            self.failures = 0;
            self.got_bytes = true;
        }
        self.arm_heartbeat(now);
        true
    }

    /// What every chunk does after parsing: `retry`, the events, or the failure.
    fn end_chunk(&mut self, result: Result<(), Error>) -> Step {
        if let Some(millis) = self.batch.retry() {
            self.reconnection_time = millis;
        }
        let events = self.batch.events() > 0;
        match result {
            Ok(()) => Step {
                events,
                ..Step::default()
            },
            Err(Error::TooLarge) => Step {
                events,
                ..self.fail(Failure::TooLarge)
            },
        }
    }

    /// Like [`Connection::on_chunk`], but stops right after the first blank line that
    /// dispatches an event with an `id` of its own (a point a server can resume from exactly),
    /// and says how many bytes it consumed then; `None` when no such point came. A transport that
    /// must replace its request (see [`Connection::on_recycle`]) feeds with this, then recycles
    /// at the cut: the server replays the rest, nothing is lost or repeated.
    pub fn on_chunk_until_resume_point(&mut self, bytes: &[u8], now: u64) -> (Step, Option<usize>) {
        if !self.begin_chunk(bytes, now) {
            return (Step::default(), None);
        }
        let mut consumed = 0;
        let mut cut = None;
        let mut result = Ok(());
        // Line by line: slow, but only used once per recycled request.
        while let Some(rest) = bytes.get(consumed..).filter(|r| !r.is_empty()) {
            let end = match crate::parser::find_line_end(rest) {
                Some(i) if rest.get(i) == Some(&b'\r') && rest.get(i + 1) == Some(&b'\n') => i + 2,
                Some(i) => i + 1,
                None => rest.len(),
            };
            let before = self.parser.resume_points();
            result = self
                .parser
                .feed(rest.get(..end).unwrap_or(rest), &mut self.batch);
            consumed += end;
            if result.is_err() {
                break;
            }
            if self.parser.resume_points() != before && self.parser.is_idle() {
                cut = Some(consumed);
                break;
            }
        }
        (self.end_chunk(result), cut)
    }

    /// The response body ended normally.
    pub fn on_end(&mut self, now: u64) -> Step {
        if self.phase != Phase::Streaming {
            return Step::default();
        }
        self.parser.end_of_stream();
        if self.config.polling {
            // One batch is over: ask again at once, with the last event ID. Unless the server
            // answered with nothing, sooner than the reconnection time: then it does not hold
            // polls open, and asking again at once would spin; poll once per reconnection time.
            let earliest = self.requested_at.saturating_add(self.reconnection_time);
            if !self.got_bytes && now < earliest {
                self.phase = Phase::Waiting;
                self.heartbeat_at = None;
                self.reconnect_at = Some(earliest);
                return Step::default();
            }
            self.begin_request(now);
            return Step {
                request: true,
                ..Step::default()
            };
        }
        self.reestablish(now)
    }

    /// The request failed: a network error (before or after the response).
    pub fn on_network_error(&mut self, now: u64) -> Step {
        match self.phase {
            Phase::Requesting | Phase::Streaming => {
                self.parser.end_of_stream();
                self.reestablish(now)
            }
            Phase::Waiting | Phase::Done => Step::default(),
        }
    }

    /// The driver wants to replace the request without the page noticing (an XHR whose
    /// `responseText` grew too large). Only call it when [`Connection::is_between_events`].
    pub fn on_recycle(&mut self, now: u64) -> Step {
        if self.phase != Phase::Streaming {
            return Step::default();
        }
        self.parser.end_of_stream();
        self.begin_request(now);
        Step {
            abort: true,
            request: true,
            ..Step::default()
        }
    }

    /// The page called `close()`: abort, CLOSED, no event, no reconnection.
    pub fn close(&mut self) -> Step {
        let abort = matches!(self.phase, Phase::Requesting | Phase::Streaming);
        self.ready_state = ReadyState::Closed;
        self.phase = Phase::Done;
        self.reconnect_at = None;
        self.heartbeat_at = None;
        Step {
            abort,
            ..Step::default()
        }
    }

    /// When the driver must call [`Connection::on_timeout`], if at all.
    pub fn next_timeout(&self) -> Option<u64> {
        match self.phase {
            Phase::Waiting => self.reconnect_at,
            Phase::Requesting | Phase::Streaming => self.heartbeat_at,
            Phase::Done => None,
        }
    }

    /// The driver's timer fired (it may fire early or late; `now` decides).
    pub fn on_timeout(&mut self, now: u64) -> Step {
        match self.phase {
            Phase::Waiting => match self.reconnect_at {
                // "If the EventSource object's readyState attribute is not set to CONNECTING,
                // then return." It is: close() would have moved the phase to Done.
                Some(at) if now >= at => {
                    self.begin_request(now);
                    Step {
                        request: true,
                        ..Step::default()
                    }
                }
                _ => Step::default(),
            },
            Phase::Requesting | Phase::Streaming => match self.heartbeat_at {
                Some(at) if now >= at => {
                    // Silence for too long: drop this request and reestablish.
                    self.parser.end_of_stream();
                    Step {
                        abort: true,
                        ..self.reestablish(now)
                    }
                }
                _ => Step::default(),
            },
            Phase::Done => Step::default(),
        }
    }

    fn begin_request(&mut self, now: u64) {
        self.phase = Phase::Requesting;
        self.reconnect_at = None;
        self.requested_at = now;
        self.got_bytes = false;
        self.arm_heartbeat(now);
    }

    fn arm_heartbeat(&mut self, now: u64) {
        self.heartbeat_at = self.config.heartbeat_timeout.map(|t| now.saturating_add(t));
    }

    /// "Fail the connection": CLOSED, `error`, never reconnect.
    fn fail(&mut self, why: Failure) -> Step {
        let abort = matches!(self.phase, Phase::Requesting | Phase::Streaming);
        self.ready_state = ReadyState::Closed;
        self.phase = Phase::Done;
        self.reconnect_at = None;
        self.heartbeat_at = None;
        Step {
            abort,
            error: true,
            failure: Some(why),
            ..Step::default()
        }
    }

    /// "Reestablish the connection": CONNECTING, `error`, wait the reconnection time (more with
    /// the backoff), then request again.
    fn reestablish(&mut self, now: u64) -> Step {
        if self.ready_state == ReadyState::Closed {
            return Step::default();
        }
        self.ready_state = ReadyState::Connecting;
        self.phase = Phase::Waiting;
        self.heartbeat_at = None;
        let delay = self.delay();
        self.failures = self.failures.saturating_add(1);
        self.reconnect_at = Some(now.saturating_add(delay));
        Step {
            error: true,
            ..Step::default()
        }
    }

    /// The wait before the next attempt: the reconnection time, times `factor` per earlier
    /// consecutive failure, capped at `max` (never below the reconnection time).
    fn delay(&self) -> u64 {
        let base = self.reconnection_time;
        let Some(Backoff { max, factor }) = self.config.backoff else {
            return base;
        };
        let mut delay = base as f64;
        for _ in 0..self.failures.min(64) {
            delay *= factor;
            if delay >= max as f64 {
                break;
            }
        }
        let capped = if delay >= max as f64 {
            max
        } else {
            delay as u64
        };
        capped.max(base)
    }
}

/// The MIME type essences the connection cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Essence {
    EventStream,
    TextPlain,
    Other,
}

/// The essence of a `Content-Type` value, as "extract a MIME type" of the Fetch standard would
/// find it: the value may be a comma-separated list (combined headers), the last valid type
/// wins; the essence is `type/subtype`, ASCII-lowercased, parameters ignored. `None` when no
/// valid type is present.
fn mime_essence(value: &str) -> Option<Essence> {
    let mut found = None;
    for candidate in value.as_bytes().split(|&b| b == b',') {
        let essence = candidate.split(|&b| b == b';').next().unwrap_or_default();
        let essence = trim_http_whitespace(essence);
        let mut halves = essence.splitn(2, |&b| b == b'/');
        let (Some(kind), Some(sub)) = (halves.next(), halves.next()) else {
            continue;
        };
        let token = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| is_token_byte(b));
        if !token(kind) || !token(sub) {
            continue;
        }
        let text = kind.eq_ignore_ascii_case(b"text");
        found = Some(if text && sub.eq_ignore_ascii_case(b"event-stream") {
            Essence::EventStream
        } else if text && sub.eq_ignore_ascii_case(b"plain") {
            Essence::TextPlain
        } else {
            Essence::Other
        });
    }
    found
}

/// Strips leading and trailing HTTP whitespace (space, tab, CR, LF).
fn trim_http_whitespace(mut s: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    while let Some((first, rest)) = s.split_first() {
        if !ws(first) {
            break;
        }
        s = rest;
    }
    while let Some((last, rest)) = s.split_last() {
        if !ws(last) {
            break;
        }
        s = rest;
    }
    s
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Appends `bytes` percent-encoded for a query component (everything but unreserved).
fn percent_encode(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut buf: Vec<u8> = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            buf.push(b);
        } else {
            buf.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
    // Every byte pushed is ASCII.
    out.extend(buf.iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn essence() {
        use Essence::*;
        assert_eq!(mime_essence("text/event-stream"), Some(EventStream));
        assert_eq!(mime_essence("Text/Event-Stream"), Some(EventStream));
        assert_eq!(mime_essence("text/event-stream;"), Some(EventStream));
        assert_eq!(
            mime_essence("text/event-stream; charset=iso-8859-1"),
            Some(EventStream)
        );
        assert_eq!(mime_essence(" text/event-stream \t"), Some(EventStream));
        assert_eq!(
            mime_essence("text/html, text/event-stream"),
            Some(EventStream)
        );
        assert_eq!(mime_essence("text/event-stream, text/html"), Some(Other));
        assert_eq!(mime_essence("text/event-stream, "), Some(EventStream));
        assert_eq!(mime_essence("text/plain"), Some(TextPlain));
        assert_eq!(mime_essence("text/event-streams"), Some(Other));
        assert_eq!(mime_essence("text /event-stream"), None);
        assert_eq!(mime_essence("text"), None);
        assert_eq!(mime_essence(""), None);
    }

    #[test]
    fn percent_encoding() {
        let mut s = String::new();
        percent_encode("a b/é&=~".as_bytes(), &mut s);
        assert_eq!(s, "a%20b%2F%C3%A9%26%3D~");
    }
}
