//! The connection logic of an `EventSource`, without I/O.
//!
//! A [`Connection`] is a state machine in the style of quinn-proto: the driver feeds it what
//! happened (`handle_*`: a response arrived, body bytes came, the body ended, the request
//! failed, the timer fired), then takes what it must do, one [`Action`] at a time, from
//! [`Connection::poll_action`], until there is none; then it (re)arms its one timer for
//! [`Connection::poll_timeout`]. Time is an input (milliseconds on a monotonic clock), so tests
//! drive a simulated clock.
//!
//! Everything the standard decides (announce, fail, reestablish, `retry`, the last event ID,
//! readyState) is decided here; the driver (fetch, XHR, a page's stream, in `wasm::`) only moves
//! bytes and events, so `cargo test` checks the protocol natively.
//!
//! ```text
//!            start                 handle_response (200, text/event-stream)
//!   Idle ──────────▶ Requesting ───────────────────────────────▶ Streaming
//!                       ▲   │ status/type refused, futile                │ end / network error /
//!                       │   ▼                                            │ heartbeat (polling: end
//!                       │ Closed ◀────── close(), too large ─────────────┤  of a batch, at once
//!                       │                                                │  or paced)
//!                       └────────────── Waiting ◀────────────────────────┘
//!                        handle_timeout    (reconnection time, backoff)
//! ```

use crate::batch::Batch;
use crate::parser::{Error, Parser};
use alloc::borrow::Cow;
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
/// agent ("a few seconds"); Chromium and Firefox use 3 s.
pub const DEFAULT_RECONNECTION_TIME: u64 = 3000;

/// A poll answered sooner than this, without an event, was not held by the server: polling
/// then paces itself instead of asking again at once (see [`Connection::handle_end`]).
pub const PROMPT_POLL: u64 = 100;

/// The first wait after a prompt empty poll; it doubles per consecutive one, up to the
/// reconnection time.
pub const FIRST_POLL_PACE: u64 = 250;

/// How the source gets its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A network `EventSource`: one long response, reestablished when it ends.
    Network,
    /// The long-polling convention: requests carry `X-Requested-With: XMLHttpRequest`, a
    /// response that ends normally ends one batch and the next request goes out at once (the
    /// page sees one open stream), and `text/plain` responses are accepted.
    Polling,
    /// A `ReadableStream` handed in by the page (`EventSource.fromReadableStream`): no request,
    /// no reconnection; the end or an error of the stream fails the connection.
    Readable,
}

/// Exponential backoff between consecutive failed attempts (an extension; the standard allows
/// waiting longer than the reconnection time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The longest wait, in milliseconds.
    pub max: u64,
    /// The factor applied per consecutive failure.
    pub factor: f64,
}

/// How a source behaves: the standard's defaults unless an extension says otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the bytes come from.
    pub mode: Mode,
    /// Reestablish the connection when nothing arrives for this long (milliseconds).
    pub heartbeat_timeout: Option<u64>,
    /// The parser's limit for one line or one event, in bytes.
    pub max_event_size: usize,
    /// Wait longer after consecutive failures.
    pub backoff: Option<Backoff>,
    /// The last event ID string to start from (a `Last-Event-ID` header given by the page).
    pub last_event_id: alloc::string::String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Network,
            heartbeat_timeout: None,
            max_event_size: crate::parser::DEFAULT_MAX_EVENT_SIZE,
            backoff: None,
            last_event_id: alloc::string::String::new(),
        }
    }
}

/// What the driver must do, one at a time, in the order given (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send a request: the first, a reconnection, the next poll, or a replacement (see
    /// [`Connection::handle_replace`]).
    Send(Request),
    /// Abort the request in flight and stop reading its body.
    Abort,
    /// readyState is now OPEN: fire `open`.
    Open,
    /// Deliver the events in [`Connection::batch`], in order.
    Events,
    /// readyState is now CONNECTING: fire `error`. A request follows after the wait.
    Reconnecting,
    /// readyState is now CLOSED: fire `error`. Nothing follows.
    Failed(Failure),
}

/// A request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The `Last-Event-ID` to send: the last event ID string, when it is not empty ("If the
    /// EventSource object's last event ID string is not the empty string"), as the raw bytes of
    /// the `id` field. The string is their UTF-8 decoding (U+FFFD for invalid bytes, as
    /// `event.lastEventId` has it), and the header carries the UTF-8 of that string: the driver
    /// decodes and encodes, where a decoder is at hand.
    pub last_event_id: Option<alloc::vec::Vec<u8>>,
}

/// Why a connection was failed (readyState CLOSED, no reconnection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Failure {
    /// The status was not 200 (204 included: the server's way to say "stop").
    Status = 1,
    /// The Content-Type was not `text/event-stream`.
    ContentType = 2,
    /// A line or event exceeded `maxEventSize`.
    TooLarge = 3,
    /// A fetch the user agent knows to be futile: a URL that is not HTTP(S), a cross-origin
    /// response the CORS check refused, a request the runtime refuses to make.
    Futile = 4,
    /// The request was aborted by the page, not by `close()` (`window.stop()`): "an aborted
    /// network error".
    Aborted = 5,
    /// The stream of `fromReadableStream` ended.
    StreamEnded = 6,
    /// The stream of `fromReadableStream` errored, or gave something other than bytes.
    StreamErrored = 7,
    /// An accepted response without a body to read (a page's `fetch` that returned no stream).
    NoBody = 8,
}

/// How a request failed, as the driver could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkError {
    /// The network failed (refused, reset, dropped): reestablish.
    Transient,
    /// Futile: fail the connection (see [`Failure::Futile`]).
    Futile,
    /// Aborted by the page: fail the connection.
    Aborted,
}

/// Where the connection stands. readyState is derived from it ([`Connection::ready_state`]);
/// each phase carries exactly the data that means something in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Made, not started.
    Idle,
    /// A request is out; no response yet. `open`: the page sees an open stream that this request
    /// continues (a poll, a replacement).
    Requesting {
        open: bool,
        sent_at: u64,
        heartbeat_at: Option<u64>,
    },
    /// Reading a body. `events`: this response dispatched an event (polling's pacing).
    Streaming {
        sent_at: u64,
        heartbeat_at: Option<u64>,
        events: bool,
    },
    /// Waiting until `until` to send the next request. `open` as in `Requesting` (a paced poll).
    Waiting { open: bool, until: u64 },
    /// Closed: nothing more happens.
    Closed,
}

/// The state of one `EventSource` connection (see the module docs).
#[derive(Debug)]
pub struct Connection {
    config: Config,
    parser: Parser,
    batch: Batch,
    phase: Phase,
    /// The actions not yet taken, in order (an input queues at most a few).
    actions: Vec<Action>,
    reconnection_time: u64,
    /// Consecutive attempts that ended without a byte of body (for the backoff).
    failures: u32,
    /// The wait after the next prompt empty poll (0: the last poll brought events).
    poll_pace: u64,
}

impl Connection {
    /// A new connection in the CONNECTING state; [`Connection::start`] sends the first request.
    pub fn new(config: Config) -> Connection {
        let mut parser = Parser::new(config.max_event_size);
        parser.start_from_last_event_id(config.last_event_id.as_bytes());
        Connection {
            parser,
            config,
            batch: Batch::default(),
            phase: Phase::Idle,
            actions: Vec::new(),
            reconnection_time: DEFAULT_RECONNECTION_TIME,
            failures: 0,
            poll_pace: 0,
        }
    }

    /// The readyState the standard's algorithms have reached. (The page's attribute follows it
    /// as the driver carries out [`Action::Open`], [`Action::Reconnecting`] and
    /// [`Action::Failed`], and `close()`.)
    pub fn ready_state(&self) -> ReadyState {
        match self.phase {
            Phase::Idle => ReadyState::Connecting,
            Phase::Requesting { open, .. } | Phase::Waiting { open, .. } => {
                if open {
                    ReadyState::Open
                } else {
                    ReadyState::Connecting
                }
            }
            Phase::Streaming { .. } => ReadyState::Open,
            Phase::Closed => ReadyState::Closed,
        }
    }

    /// The reconnection time in milliseconds (set by `retry`).
    pub fn reconnection_time(&self) -> u64 {
        self.reconnection_time
    }

    /// The last event ID string, decoded (U+FFFD for invalid UTF-8).
    pub fn last_event_id(&self) -> Cow<'_, str> {
        alloc::string::String::from_utf8_lossy(self.parser.last_event_id())
    }

    /// The parser, for the XHR transport's resume points (see `resume.rs`).
    pub fn parser(&self) -> &Parser {
        &self.parser
    }

    /// The events the last [`Connection::handle_chunk`] completed (see `batch.rs`).
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// The next thing the driver must do, if any.
    pub fn poll_action(&mut self) -> Option<Action> {
        // A handful at most: taking from the front of a Vec is cheaper than carrying a deque.
        (!self.actions.is_empty()).then(|| self.actions.remove(0))
    }

    fn push(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// When the driver must call [`Connection::handle_timeout`], if at all.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.phase {
            Phase::Waiting { until, .. } => Some(until),
            Phase::Requesting { heartbeat_at, .. } | Phase::Streaming { heartbeat_at, .. } => {
                heartbeat_at
            }
            Phase::Idle | Phase::Closed => None,
        }
    }

    /// The constructor's "fetch": the first request, or, for a page's stream, the announcement.
    pub fn start(&mut self, now: u64) {
        if self.phase != Phase::Idle {
            return;
        }
        if self.config.mode == Mode::Readable {
            self.phase = Phase::Streaming {
                sent_at: now,
                heartbeat_at: None,
                events: false,
            };
            self.push(Action::Open);
        } else {
            self.send(false, now);
        }
    }

    /// The response headers arrived (after redirects). `content_type` is the header's value, if
    /// any; `decoded`: the body will come as text decoded by someone who already removed its BOM
    /// (an XHR `responseText`), so a U+FEFF at its start is data.
    pub fn handle_response(
        &mut self,
        status: u16,
        content_type: Option<&str>,
        decoded: bool,
        now: u64,
    ) {
        let Phase::Requesting { open, sent_at, .. } = self.phase else {
            return;
        };
        // "if res's status is not 200, or if res's `Content-Type` is not `text/event-stream`,
        // then fail the connection."
        if status != 200 {
            return self.fail(Failure::Status, true);
        }
        let accepted = match content_type.and_then(mime_essence) {
            Some(Essence::EventStream) => true,
            Some(Essence::TextPlain) => self.config.mode == Mode::Polling,
            _ => false,
        };
        if !accepted {
            return self.fail(Failure::ContentType, true);
        }
        if decoded {
            self.parser.input_is_decoded();
        }
        self.batch.new_response();
        self.phase = Phase::Streaming {
            sent_at,
            heartbeat_at: heartbeat(&self.config, now),
            events: false,
        };
        // "Announce the connection": only from CONNECTING. A poll or a replacement that
        // continues an open stream announces nothing: the page sees one stream.
        if !open {
            self.push(Action::Open);
        }
    }

    /// The response accepted by [`Connection::handle_response`] has no body to read.
    pub fn handle_no_body(&mut self) {
        if let Phase::Streaming { .. } = self.phase {
            self.fail(Failure::NoBody, true);
        }
    }

    /// Body bytes arrived: parse them; [`Action::Events`] when they completed events.
    pub fn handle_chunk(&mut self, bytes: &[u8], now: u64) {
        self.batch.clear();
        let Phase::Streaming {
            ref mut heartbeat_at,
            ref mut events,
            ..
        } = self.phase
        else {
            return;
        };
        if !bytes.is_empty() {
            self.failures = 0;
        }
        *heartbeat_at = heartbeat(&self.config, now);
        let result = self.parser.feed(bytes, &mut self.batch);
        if self.batch.events() > 0 {
            *events = true;
            self.push(Action::Events);
        }
        if let Some(millis) = self.batch.retry() {
            self.reconnection_time = millis;
        }
        if let Err(Error::TooLarge) = result {
            self.fail(Failure::TooLarge, true);
        }
    }

    /// The body ended normally.
    pub fn handle_end(&mut self, now: u64) {
        let Phase::Streaming {
            sent_at, events, ..
        } = self.phase
        else {
            return;
        };
        self.parser.end_of_stream();
        match self.config.mode {
            Mode::Readable => self.fail(Failure::StreamEnded, false),
            Mode::Network => self.reestablish(now),
            Mode::Polling => {
                // One batch is over: ask again at once, with the last event ID. Unless the
                // server answered promptly with no event (a comment or a `retry` alone is no
                // event): then it does not hold polls open, and asking at once would spin. Such
                // polls are paced from when they were sent, the wait doubling up to the
                // reconnection time; a poll that brings events resets it.
                if events {
                    self.poll_pace = 0;
                } else if now.saturating_sub(sent_at) < PROMPT_POLL {
                    // Never below the first pace, even after `retry: 0`: no spin.
                    self.poll_pace = (self.poll_pace.saturating_mul(2))
                        .clamp(FIRST_POLL_PACE, self.reconnection_time.max(FIRST_POLL_PACE));
                    let until = sent_at.saturating_add(self.poll_pace);
                    if until > now {
                        self.phase = Phase::Waiting { open: true, until };
                        return;
                    }
                }
                self.send(true, now);
            }
        }
    }

    /// The request failed, before or after its response (it is over: nothing to abort).
    pub fn handle_network_error(&mut self, error: NetworkError, now: u64) {
        if !matches!(
            self.phase,
            Phase::Requesting { .. } | Phase::Streaming { .. }
        ) {
            return;
        }
        self.parser.end_of_stream();
        match (self.config.mode, error) {
            (Mode::Readable, _) => self.fail(Failure::StreamErrored, false),
            // "If res is an aborted network error, then fail the connection."
            (_, NetworkError::Aborted) => self.fail(Failure::Aborted, false),
            // "Otherwise, if res is a network error, then reestablish the connection, unless the
            // user agent knows that to be futile, in which case the user agent may fail the
            // connection."
            (_, NetworkError::Futile) => self.fail(Failure::Futile, false),
            (_, NetworkError::Transient) => self.reestablish(now),
        }
    }

    /// The driver's timer fired (it may fire early or late; `now` decides).
    pub fn handle_timeout(&mut self, now: u64) {
        match self.phase {
            Phase::Waiting { open, until } if now >= until => {
                // "If the EventSource object's readyState attribute is not set to CONNECTING,
                // then return." It is: close() would have moved the phase to Closed.
                self.send(open, now);
            }
            Phase::Requesting {
                heartbeat_at: Some(at),
                ..
            }
            | Phase::Streaming {
                heartbeat_at: Some(at),
                ..
            } if now >= at => {
                // Silence for too long: drop this request and reestablish.
                self.parser.end_of_stream();
                self.push(Action::Abort);
                self.reestablish(now);
            }
            _ => {}
        }
    }

    /// Replaces the request without the page noticing (an XHR whose `responseText` grew too
    /// large, see `resume.rs`): call it only where the server can resume exactly. Should the
    /// server replay instead of resuming, the repeated events are dropped (see
    /// [`Batch::expect_resume`]).
    pub fn handle_replace(&mut self, now: u64) {
        // A page's stream has no request to replace.
        if matches!(self.phase, Phase::Streaming { .. }) && self.config.mode != Mode::Readable {
            self.batch.expect_resume(self.parser.last_event_id());
            self.parser.end_of_stream();
            self.push(Action::Abort);
            self.send(true, now);
        }
    }

    /// `reset()` (whatwg/html#12272): the next bytes start a fresh stream. The unfinished line
    /// and event are dropped, a BOM is stripped again; the last event ID string and the
    /// reconnection time are kept.
    pub fn reset(&mut self) {
        self.parser.end_of_stream();
    }

    /// The page called `close()`: abort, CLOSED, no event, no reconnection. Any action not yet
    /// carried out is dropped.
    pub fn close(&mut self) {
        self.actions.clear();
        if matches!(
            self.phase,
            Phase::Requesting { .. } | Phase::Streaming { .. }
        ) {
            self.push(Action::Abort);
        }
        self.phase = Phase::Closed;
    }

    fn send(&mut self, open: bool, now: u64) {
        self.phase = Phase::Requesting {
            open,
            sent_at: now,
            heartbeat_at: heartbeat(&self.config, now),
        };
        let id = self.parser.last_event_id();
        let last_event_id = (!id.is_empty()).then(|| id.to_vec());
        self.push(Action::Send(Request { last_event_id }));
    }

    /// "Fail the connection": CLOSED, `error`, never reconnect. `abort`: the request is still
    /// alive (not when it just ended or failed).
    fn fail(&mut self, why: Failure, abort: bool) {
        if abort {
            self.push(Action::Abort);
        }
        self.phase = Phase::Closed;
        self.push(Action::Failed(why));
    }

    /// "Reestablish the connection": CONNECTING, `error`, wait the reconnection time (more with
    /// the backoff), then request again.
    fn reestablish(&mut self, now: u64) {
        let until = now.saturating_add(self.delay());
        self.failures = self.failures.saturating_add(1);
        self.phase = Phase::Waiting { open: false, until };
        self.push(Action::Reconnecting);
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

/// When a silent connection is given up, if ever. A page's stream has no request to give up.
fn heartbeat(config: &Config, now: u64) -> Option<u64> {
    match config.mode {
        Mode::Readable => None,
        Mode::Network | Mode::Polling => config.heartbeat_timeout.map(|t| now.saturating_add(t)),
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
}
