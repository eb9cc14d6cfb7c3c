//! Fuzzes the connection state machine (`src/connection.rs`): a random configuration, then a
//! random sequence of inputs (start, responses, chunks, body ends, network errors of each kind,
//! replacements, resets, timer firings, close) at random times, each followed by draining
//! `poll_action`. Beyond "no panic", it checks after every input:
//!
//! - readyState moves only as the standard allows, and only with its action: CONNECTING -> OPEN
//!   with `Open`, OPEN -> CONNECTING with `Reconnecting`, anything -> CLOSED by `close()` (no
//!   event) or by failing (`Failed` with a reason, exactly once);
//! - CLOSED is final: once closed, every input yields nothing (no action, no timer);
//! - `Events` comes exactly when a chunk completed events; `Open` and `Reconnecting` only with
//!   their transitions; `Abort` only while a request or a body is live;
//! - a request goes out only when the model says one may (after `start`, after a due
//!   reconnection timer, after a polling batch, on a replacement), never for a page's stream,
//!   never when closed, and carries the last event ID exactly when it is non-empty;
//! - a polling batch that ends keeps readyState OPEN: the next poll at once, or, after a prompt
//!   answer without events, a silent pause no shorter than the first pace;
//! - `poll_timeout` is set while waiting (no sooner than the reconnection time, no later than
//!   the backoff's cap, for a reconnection) and while a request is live with a heartbeat
//!   (exactly the heartbeat after the last activity), and never otherwise;
//! - a timer that fires early does nothing; an input yields a bounded number of actions.
#![no_main]

use eventsource_wasm::connection::{
    Action, Backoff, Config, Connection, Mode, NetworkError, ReadyState, FIRST_POLL_PACE,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Where the model thinks the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Requesting,
    Streaming,
    /// Waiting to reconnect (`silent`: a polling pause, readyState OPEN).
    Waiting {
        silent: bool,
    },
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
    b"id: \xff\ndata: z\n\n",
    b"event: t\ndata\n\n",
];

/// `ESW_FUZZ_TRACE=1 cargo fuzz run connection <artifact>` prints every input and its actions.
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
    Ok(Config {
        mode: *u.choose(&[Mode::Network, Mode::Polling, Mode::Readable])?,
        heartbeat_timeout,
        max_event_size: if u.arbitrary()? {
            usize::from(u.int_in_range(1u8..=64)?)
        } else {
            eventsource_wasm::parser::DEFAULT_MAX_EVENT_SIZE
        },
        backoff,
        last_event_id: if u.ratio(1, 4)? {
            String::from_utf8_lossy(&bytes(u, 4)?).into_owned()
        } else {
            String::new()
        },
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
    /// The `now` of the last activity that (re)armed the heartbeat.
    heartbeat_from: u64,
    /// The `now` at which the current wait began.
    waiting_since: u64,
    /// The `now` at which the last request went out.
    sent_at: u64,
}

impl Checker {
    fn new(config: Config) -> Checker {
        Checker {
            conn: Connection::new(config.clone()),
            config,
            phase: Phase::Idle,
            state: ReadyState::Connecting,
            heartbeat_from: 0,
            waiting_since: 0,
            sent_at: 0,
        }
    }

    fn readable(&self) -> bool {
        self.config.mode == Mode::Readable
    }

    /// Drains the actions of one input and checks them against the model, then moves the
    /// model on. `may_send`: this input may send a request; `chunk_events`: the input was a
    /// chunk (its batch decides `Events`).
    fn check(&mut self, input: &str, may_send: bool, chunk: bool, now: u64) {
        let actions: Vec<Action> = std::iter::from_fn(|| self.conn.poll_action())
            .take(17)
            .collect();
        assert!(actions.len() <= 16, "{input}: too many actions {actions:?}");
        let before = self.state;
        let after = self.conn.ready_state();
        let was = self.phase;
        if trace() {
            eprintln!(
                "{input} at {now}: {actions:?} -> {after:?}, next {:?}",
                self.conn.poll_timeout()
            );
        }
        let ctx = || format!("{input}: {before:?} -> {after:?}, phase was {was:?}, {actions:?}");
        let has = |f: &dyn Fn(&Action) -> bool| actions.iter().filter(|a| f(a)).count();
        let opens = has(&|a| matches!(a, Action::Open));
        let reconnects = has(&|a| matches!(a, Action::Reconnecting));
        let fails = has(&|a| matches!(a, Action::Failed(_)));
        let sends = has(&|a| matches!(a, Action::Send(_)));
        let events = has(&|a| matches!(a, Action::Events));
        let aborts = has(&|a| matches!(a, Action::Abort));

        // CLOSED is final, and nothing happens once closed.
        if before == ReadyState::Closed {
            assert_eq!(after, ReadyState::Closed, "left CLOSED: {}", ctx());
            assert!(actions.is_empty(), "a closed connection acted: {}", ctx());
            assert_eq!(self.conn.poll_timeout(), None, "timer: {}", ctx());
            return;
        }
        // Allowed transitions, each with its action.
        match (before, after) {
            (ReadyState::Connecting, ReadyState::Open) => assert_eq!(opens, 1, "{}", ctx()),
            (ReadyState::Open, ReadyState::Connecting) => {
                assert_eq!(reconnects, 1, "{}", ctx())
            }
            (_, ReadyState::Closed) if input == "close" => {
                assert_eq!(opens + reconnects + fails + sends + events, 0, "{}", ctx())
            }
            (_, ReadyState::Closed) => assert_eq!(fails, 1, "failed silently: {}", ctx()),
            (ReadyState::Connecting, ReadyState::Connecting)
            | (ReadyState::Open, ReadyState::Open) => {}
            (ReadyState::Closed, _) => unreachable!("handled above"),
        }
        assert!(
            opens <= 1 && reconnects <= 1 && fails <= 1 && sends <= 1,
            "{}",
            ctx()
        );
        if opens == 1 {
            assert_eq!(
                (before, after),
                (ReadyState::Connecting, ReadyState::Open),
                "{}",
                ctx()
            );
        }
        if reconnects == 1 {
            assert_eq!(after, ReadyState::Connecting, "{}", ctx());
        }
        if fails == 1 {
            assert_eq!(after, ReadyState::Closed, "{}", ctx());
        }
        if chunk {
            assert_eq!(
                events,
                usize::from(self.conn.batch().events() > 0),
                "{}",
                ctx()
            );
        } else {
            assert_eq!(events, 0, "events from elsewhere: {}", ctx());
        }
        if aborts > 0 {
            assert!(
                matches!(was, Phase::Requesting | Phase::Streaming),
                "abort with nothing live: {}",
                ctx()
            );
        }
        for action in &actions {
            if let Action::Send(request) = action {
                assert!(may_send, "unexpected request: {}", ctx());
                assert!(
                    !self.readable(),
                    "a page's stream sent a request: {}",
                    ctx()
                );
                let id = self.conn.parser().last_event_id();
                assert_eq!(
                    request.last_event_id.as_deref(),
                    (!id.is_empty()).then_some(id),
                    "Last-Event-ID: {}",
                    ctx()
                );
            }
        }

        // A polling batch that ends: readyState stays OPEN.
        let polling_end =
            input == "end" && self.config.mode == Mode::Polling && was == Phase::Streaming;
        if polling_end {
            assert_eq!(
                after,
                before,
                "a polling batch changed readyState: {}",
                ctx()
            );
            assert_eq!(opens + reconnects + fails, 0, "{}", ctx());
        }

        // Move the model on.
        self.phase = if after == ReadyState::Closed {
            Phase::Done
        } else if sends == 1 {
            self.heartbeat_from = now;
            self.sent_at = now;
            Phase::Requesting
        } else if reconnects == 1 {
            self.waiting_since = now;
            Phase::Waiting { silent: false }
        } else if polling_end {
            self.waiting_since = now;
            Phase::Waiting { silent: true }
        } else if opens == 1 || (input == "response" && was == Phase::Requesting) {
            self.heartbeat_from = now;
            Phase::Streaming
        } else {
            if chunk && was == Phase::Streaming {
                self.heartbeat_from = now;
            }
            was
        };
        self.state = after;

        // poll_timeout only when waiting or with a heartbeat, and then always.
        let next = self.conn.poll_timeout();
        match self.phase {
            Phase::Done | Phase::Idle => assert_eq!(next, None, "timer: {}", ctx()),
            Phase::Waiting { silent: true } => {
                let at = next.unwrap_or_else(|| panic!("polling pause without a timer: {}", ctx()));
                assert!(at > self.waiting_since, "a pause already over: {}", ctx());
                // Paced from when the poll went out (the clock may have been fed backwards).
                let pace = at.saturating_sub(self.sent_at);
                assert!(
                    pace <= FIRST_POLL_PACE.max(self.conn.reconnection_time()),
                    "a pace longer than the reconnection time ({pace}): {}",
                    ctx()
                );
            }
            Phase::Waiting { silent: false } => {
                let at = next.unwrap_or_else(|| panic!("waiting without a timer: {}", ctx()));
                let delay = at.saturating_sub(self.waiting_since);
                let base = self.conn.reconnection_time();
                let wanted = base.min(u64::MAX - self.waiting_since);
                assert!(
                    delay >= wanted,
                    "sooner than retry ({delay} < {base}): {}",
                    ctx()
                );
                let cap = self.config.backoff.map_or(base, |b| b.max.max(base));
                assert!(
                    delay <= cap,
                    "past the backoff cap ({delay} > {cap}): {}",
                    ctx()
                );
            }
            Phase::Requesting | Phase::Streaming => {
                match self.config.heartbeat_timeout.filter(|_| !self.readable()) {
                    None => assert_eq!(next, None, "timer without heartbeat: {}", ctx()),
                    Some(t) => assert_eq!(
                        next,
                        Some(self.heartbeat_from.saturating_add(t)),
                        "heartbeat: {}",
                        ctx()
                    ),
                }
            }
        }
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let config = config(u)?;
    let mut c = Checker::new(config);
    let mut now: u64 = u64::from(u.arbitrary::<u32>()?);
    // A driver starts the source at once (inputs before `start` are outside the contract).
    c.conn.start(now);
    c.check("start", true, false, now);
    let steps = u.int_in_range(0u16..=400)?;
    for _ in 0..steps {
        if u.is_empty() {
            break;
        }
        now = advance(u, now)?;
        match u.int_in_range(0u8..=11)? {
            0 | 1 => {
                let status = *u.choose(STATUSES)?;
                let ctype = if u.ratio(1, 8)? {
                    Some(String::from_utf8_lossy(&bytes(u, 24)?).into_owned())
                } else if u.ratio(1, 10)? {
                    None
                } else {
                    Some(String::from(*u.choose(CONTENT_TYPES)?))
                };
                c.conn
                    .handle_response(status, ctype.as_deref(), u.arbitrary()?, now);
                c.check("response", false, false, now);
            }
            2..=4 => {
                let chunk: Vec<u8> = if u.arbitrary()? {
                    u.choose(CHUNKS)?.to_vec()
                } else {
                    bytes(u, 64)?
                };
                c.conn.handle_chunk(&chunk, now);
                c.check("chunk", false, true, now);
            }
            5 => {
                let may = c.config.mode == Mode::Polling && c.phase == Phase::Streaming;
                c.conn.handle_end(now);
                c.check("end", may, false, now);
            }
            6 => {
                let kind = *u.choose(&[
                    NetworkError::Transient,
                    NetworkError::Futile,
                    NetworkError::Aborted,
                ])?;
                c.conn.handle_network_error(kind, now);
                c.check("network error", false, false, now);
            }
            7 => {
                let may = c.phase == Phase::Streaming && !c.readable();
                c.conn.handle_replace(now);
                c.check("replace", may, false, now);
            }
            8 => {
                // The timer: sometimes exactly when asked, sometimes at a random time.
                let at = match c.conn.poll_timeout() {
                    Some(t) if u.arbitrary()? => t,
                    _ => now,
                };
                let due = c.conn.poll_timeout().is_some_and(|t| at >= t);
                let may = due && matches!(c.phase, Phase::Waiting { .. });
                c.conn.handle_timeout(at);
                if !due {
                    assert_eq!(c.conn.poll_action(), None, "a timer that was not due acted");
                }
                c.check("timeout", may, false, at);
                now = at;
            }
            9 => {
                c.conn.close();
                c.check("close", false, false, now);
            }
            10 => {
                c.conn.reset();
                c.check("reset", false, false, now);
            }
            _ => {
                c.conn.handle_no_body();
                c.check("no body", false, false, now);
            }
        }
    }
    Ok(())
}

fuzz_target!(|input: &[u8]| {
    let mut u = Unstructured::new(input);
    let _ = run(&mut u);
});
