//! Fuzzes the connection state machine (`src/connection.rs`): a random configuration, then a
//! random sequence of inputs (start, responses, chunks, body ends, network errors, recycles,
//! timer firings, close) at random times. Beyond "no panic", it checks after every input:
//!
//! - readyState moves only as the standard allows: CONNECTING -> OPEN only with `open` (from a
//!   200 `text/event-stream` response), OPEN -> CONNECTING only with `error` (reestablish),
//!   anything -> CLOSED only by `close()` or by failing (with `error` and a reason);
//! - CLOSED is final: once closed, every input answers nothing (no event, no request, no timer);
//! - `open` fires once per CONNECTING -> OPEN; `error` fires exactly when readyState goes to
//!   CONNECTING (reestablish) or to CLOSED by failure, and carries a reason only in the latter;
//! - a request goes out only when the model says one may (after `start`, after a due
//!   reconnection timer, after a polling batch ends, on a recycle), never when closed;
//! - a polling response that ends starts the next poll at once, except an empty one that came
//!   sooner than the reconnection time: then a silent pause (no event, readyState unchanged)
//!   until the reconnection time after that request;
//! - `next_timeout` is set only while waiting to reconnect (then always, no sooner than the
//!   reconnection time and no later than the backoff's cap) or while a request is out with a
//!   heartbeat configured (then always, exactly the heartbeat after the last activity);
//! - a timer firing early does nothing; `events` is set exactly when the batch holds events;
//! - the request carries the last event ID exactly when it is non-empty.
#![no_main]

use eventsource_wasm::connection::{Backoff, Config, Connection, ReadyState, Step};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Where the model thinks the connection stands (the state machine's private phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Requesting,
    Streaming,
    Waiting,
    Done,
}

const CONTENT_TYPES: &[&str] = &[
    "text/event-stream",
    "text/event-stream; charset=utf-8",
    "TEXT/EVENT-STREAM;",
    "text/plain",
    "text/plain;charset=utf-8",
    "text/html",
    "text/html, text/event-stream",
    "text/event-stream, text/html",
    "",
    "*/*",
    "text/event-streams",
];

const STATUSES: &[u16] = &[
    200, 200, 200, 200, 204, 205, 301, 304, 400, 404, 500, 503, 0, 999,
];

/// Chunks that are events, so the parser state (ids, retry) moves in interesting ways.
const CHUNKS: &[&[u8]] = &[
    b"data: a\n\n",
    b"id: 1\ndata: x\n\n",
    b"id\ndata: y\n\n",
    b"retry: 0\n",
    b"retry: 10\n\n",
    b"retry: 18446744073709551615999\n",
    b": comment\n",
    b"data: unfinished",
    b"\r",
    b"\n",
    b"\xEF\xBB\xBFdata: bom\n\n",
    b"id: \x00nul\n\n",
    b"event: t\ndata\n\n",
];

/// `ESW_FUZZ_TRACE=1 cargo fuzz run connection <artifact>` prints every input and step.
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("ESW_FUZZ_TRACE").is_some())
}

/// Up to `max` bytes of the input.
fn bytes(u: &mut Unstructured<'_>, max: usize) -> Result<Vec<u8>> {
    let n = u.int_in_range(0..=max)?;
    Ok(u.bytes(n)?.to_vec())
}

fn config(u: &mut Unstructured<'_>) -> Result<Config> {
    let heartbeat_timeout = if u.arbitrary()? {
        Some(if u.ratio(1, 16)? {
            u.arbitrary()?
        } else {
            u64::from(u.int_in_range(1u16..=5000)?)
        })
    } else {
        None
    };
    let backoff = if u.arbitrary()? {
        let max = if u.ratio(1, 16)? {
            u.arbitrary()?
        } else {
            u64::from(u.arbitrary::<u16>()?)
        };
        let factor = if u.ratio(1, 8)? {
            f64::from_bits(u.arbitrary()?)
        } else {
            f64::from(u.int_in_range(0u8..=40)?) / 8.0
        };
        Some(Backoff { max, factor })
    } else {
        None
    };
    let last_event_id_query_parameter = if u.ratio(1, 4)? {
        Some(String::from_utf8_lossy(&bytes(u, 4)?).into_owned())
    } else {
        None
    };
    Ok(Config {
        polling: u.arbitrary()?,
        heartbeat_timeout,
        max_event_size: if u.arbitrary()? {
            usize::from(u.int_in_range(1u8..=64)?)
        } else {
            eventsource_wasm::parser::DEFAULT_MAX_EVENT_SIZE
        },
        backoff,
        last_event_id_query_parameter,
    })
}

/// The next `now`: usually a little later, sometimes much later, rarely anything at all
/// (backwards, or near the end of time, to reach the saturating arithmetic).
fn advance(u: &mut Unstructured<'_>, now: u64) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=15)? {
        0 => u.arbitrary()?,
        1 => u64::MAX - u64::from(u.arbitrary::<u16>()?),
        2..=4 => now.saturating_add(u.arbitrary::<u32>()?.into()),
        _ => now.saturating_add(u.arbitrary::<u16>()?.into()),
    })
}

struct Checker {
    conn: Connection,
    config: Config,
    phase: Phase,
    state: ReadyState,
    /// When the model last armed the heartbeat (the `now` of the last activity).
    heartbeat_from: Option<u64>,
    /// The `now` at which the reconnection wait began.
    waiting_since: u64,
    /// The `now` of the last request sent.
    requested_at: u64,
    /// A non-empty chunk arrived since the last request.
    got_bytes: bool,
    /// The length of the chunk being checked (set by the caller before `check("chunk")`).
    chunk_len: usize,
    /// The wait is a polling pause (an empty answer came sooner than the reconnection time:
    /// poll again at `requested_at + reconnection time`, silently), not a reconnection.
    silent_wait: bool,
}

impl Checker {
    fn new(config: Config) -> Checker {
        Checker {
            conn: Connection::new(config.clone()),
            config,
            phase: Phase::Requesting,
            state: ReadyState::Connecting,
            heartbeat_from: None,
            waiting_since: 0,
            requested_at: 0,
            got_bytes: false,
            chunk_len: 0,
            silent_wait: false,
        }
    }

    /// Checks one step against the model and moves the model on. `input` names the input,
    /// `allowed_request` says whether this input may send a request.
    fn check(&mut self, input: &str, step: Step, allowed_request: bool, now: u64) {
        if trace() {
            eprintln!(
                "{input} at {now}: {step:?} -> {:?}, next {:?}",
                self.conn.ready_state(),
                self.conn.next_timeout()
            );
        }
        let before = self.state;
        let after = self.conn.ready_state();
        let was = self.phase;
        let ctx = || format!("{input}: {before:?} -> {after:?}, phase was {was:?}, {step:?}");

        // CLOSED is final, and nothing happens once closed.
        if before == ReadyState::Closed {
            assert_eq!(after, ReadyState::Closed, "left CLOSED: {}", ctx());
            assert_eq!(
                step,
                Step::default(),
                "a closed connection acted: {}",
                ctx()
            );
            assert_eq!(
                self.conn.next_timeout(),
                None,
                "timer after close: {}",
                ctx()
            );
            return;
        }
        // Allowed transitions, each with its event.
        match (before, after) {
            (ReadyState::Connecting, ReadyState::Open) => {
                assert!(step.open && !step.error, "OPEN without open: {}", ctx())
            }
            (ReadyState::Open, ReadyState::Connecting) => {
                assert!(step.error && step.failure.is_none(), "{}", ctx())
            }
            (_, ReadyState::Closed) => {
                if input == "close" {
                    assert!(
                        !step.error && !step.open && !step.events && !step.request,
                        "{}",
                        ctx()
                    );
                } else {
                    assert!(
                        step.error && step.failure.is_some(),
                        "failed silently: {}",
                        ctx()
                    );
                }
            }
            (ReadyState::Connecting, ReadyState::Connecting)
            | (ReadyState::Open, ReadyState::Open) => {}
            (ReadyState::Closed, _) => unreachable!("handled above"),
        }
        if step.open {
            assert_eq!(
                (before, after),
                (ReadyState::Connecting, ReadyState::Open),
                "{}",
                ctx()
            );
        }
        if step.error {
            assert!(after != ReadyState::Open, "error while OPEN: {}", ctx());
            assert_eq!(
                step.failure.is_some(),
                after == ReadyState::Closed,
                "{}",
                ctx()
            );
        }
        assert!(
            step.failure.is_none() || step.error,
            "reason without error: {}",
            ctx()
        );
        if input == "chunk" {
            // The batch is what the last chunk completed (it stays until the next chunk).
            assert_eq!(
                step.events,
                self.conn.batch().events() > 0,
                "events flag: {}",
                ctx()
            );
        } else {
            assert!(!step.events, "events from elsewhere: {}", ctx());
        }
        if step.request {
            assert!(allowed_request, "unexpected request: {}", ctx());
            assert!(
                after != ReadyState::Closed,
                "request while closed: {}",
                ctx()
            );
        }
        if step.abort {
            assert!(
                matches!(self.phase, Phase::Requesting | Phase::Streaming),
                "abort with nothing in flight: {}",
                ctx()
            );
        }

        // A polling response that ends: the next poll goes out at once, unless the answer was
        // empty and came sooner than the reconnection time (then a silent pause until then).
        let polling_end = input == "end"
            && self.config.polling
            && was == Phase::Streaming
            && after != ReadyState::Closed;
        let silent = polling_end
            && !self.got_bytes
            && now
                < self
                    .requested_at
                    .saturating_add(self.conn.reconnection_time());
        if polling_end {
            assert_eq!(
                after,
                before,
                "a polling batch changed readyState: {}",
                ctx()
            );
            if silent {
                assert_eq!(step, Step::default(), "polling pause: {}", ctx());
            } else {
                assert!(step.request && !step.error, "next poll: {}", ctx());
            }
        }

        // Move the model on.
        let phase = if after == ReadyState::Closed {
            Phase::Done
        } else if step.request {
            self.heartbeat_from = Some(now);
            self.requested_at = now;
            self.got_bytes = false;
            Phase::Requesting
        } else if step.error {
            // Reestablishing: CONNECTING, waiting out the reconnection time.
            assert_eq!(after, ReadyState::Connecting, "{}", ctx());
            self.waiting_since = now;
            self.silent_wait = false;
            Phase::Waiting
        } else if silent {
            self.waiting_since = now;
            self.silent_wait = true;
            Phase::Waiting
        } else if input == "response" && self.phase == Phase::Requesting {
            self.heartbeat_from = Some(now);
            Phase::Streaming
        } else {
            if input == "chunk" && self.phase == Phase::Streaming {
                self.heartbeat_from = Some(now);
                if self.chunk_len > 0 {
                    self.got_bytes = true;
                }
            }
            self.phase
        };
        self.phase = phase;
        self.state = after;

        // next_timeout only when waiting or with a heartbeat, and then always.
        let next = self.conn.next_timeout();
        match self.phase {
            Phase::Done => assert_eq!(next, None, "timer: {}", ctx()),
            Phase::Waiting if self.silent_wait => {
                let at = next.unwrap_or_else(|| panic!("polling pause without a timer: {}", ctx()));
                let want = self
                    .requested_at
                    .saturating_add(self.conn.reconnection_time());
                assert_eq!(at, want, "polling pause until: {}", ctx());
                assert!(
                    at > self.waiting_since,
                    "a pause that is already over: {}",
                    ctx()
                );
            }
            Phase::Waiting => {
                let at = next.unwrap_or_else(|| panic!("waiting without a timer: {}", ctx()));
                let delay = at.saturating_sub(self.waiting_since);
                let base = self.conn.reconnection_time();
                let wanted = base.min(u64::MAX - self.waiting_since);
                assert!(
                    delay >= wanted,
                    "reconnects sooner than retry ({delay} < {base}): {}",
                    ctx()
                );
                let cap = self.config.backoff.map_or(base, |b| b.max.max(base));
                assert!(
                    delay <= cap,
                    "waits past the backoff cap ({delay} > {cap}): {}",
                    ctx()
                );
            }
            Phase::Requesting | Phase::Streaming => match self.config.heartbeat_timeout {
                None => assert_eq!(next, None, "timer without heartbeat: {}", ctx()),
                Some(t) => {
                    let from = self.heartbeat_from.unwrap_or(0);
                    assert_eq!(next, Some(from.saturating_add(t)), "heartbeat: {}", ctx());
                }
            },
        }

        // Last-Event-ID goes out exactly when the last event ID is non-empty.
        let id = self.conn.last_event_id().to_vec();
        let request = self.conn.request();
        let sent = request.last_event_id.is_some() || request.query.is_some();
        assert_eq!(sent, !id.is_empty(), "last event id {id:?}: {request:?}");
        if let Some(header) = request.last_event_id {
            assert_eq!(header, id.as_slice());
            assert!(self.config.last_event_id_query_parameter.is_none());
        }
        assert_eq!(request.x_requested_with, self.config.polling);
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let config = config(u)?;
    let mut c = Checker::new(config);
    let mut now: u64 = u64::from(u.arbitrary::<u32>()?);
    // A driver sends the first request at once (inputs before `start` are outside the contract).
    let step = c.conn.start(now);
    c.check("start", step, true, now);
    let steps = u.int_in_range(0u16..=400)?;
    for _ in 0..steps {
        if u.is_empty() {
            break;
        }
        now = advance(u, now)?;
        let op = u.int_in_range(0u8..=10)?;
        match op {
            0 | 1 => {
                let status = *u.choose(STATUSES)?;
                let ctype = if u.ratio(1, 8)? {
                    Some(String::from_utf8_lossy(&bytes(u, 24)?).into_owned())
                } else if u.ratio(1, 10)? {
                    None
                } else {
                    Some(String::from(*u.choose(CONTENT_TYPES)?))
                };
                let step = c.conn.on_response(status, ctype.as_deref(), now);
                c.check("response", step, false, now);
            }
            2..=4 => {
                let chunk: Vec<u8> = if u.arbitrary()? {
                    u.choose(CHUNKS)?.to_vec()
                } else {
                    bytes(u, 64)?
                };
                c.chunk_len = chunk.len();
                let step = c.conn.on_chunk(&chunk, now);
                c.check("chunk", step, false, now);
            }
            5 => {
                let polling_batch = c.config.polling && c.phase == Phase::Streaming;
                let step = c.conn.on_end(now);
                c.check("end", step, polling_batch, now);
            }
            6 => {
                let step = c.conn.on_network_error(now);
                c.check("network error", step, false, now);
            }
            7 => {
                // The driver calls it only between events (see its docs).
                if c.conn.is_between_events() {
                    let may = c.phase == Phase::Streaming;
                    let step = c.conn.on_recycle(now);
                    c.check("recycle", step, may, now);
                }
            }
            8 => {
                // The timer: sometimes exactly when asked, sometimes at a random time.
                let at = match c.conn.next_timeout() {
                    Some(t) if u.arbitrary()? => t,
                    _ => now,
                };
                let due = c.conn.next_timeout().is_some_and(|t| at >= t);
                let may = due && c.phase == Phase::Waiting;
                let step = c.conn.on_timeout(at);
                if !due {
                    assert_eq!(step, Step::default(), "a timer that was not due acted");
                }
                c.check("timeout", step, may, at);
                now = at;
            }
            9 => {
                let step = c.conn.close();
                c.check("close", step, false, now);
            }
            _ => {
                c.chunk_len = 0;
                let step = c.conn.on_chunk(b"", now);
                c.check("chunk", step, false, now);
            }
        }
    }
    Ok(())
}

fuzz_target!(|input: &[u8]| {
    let mut u = Unstructured::new(input);
    let _ = run(&mut u);
});
