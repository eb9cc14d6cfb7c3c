//! `Source`: one `EventSource`, its [`Connection`] driven by the page's requests and this
//! module's body reading.
//!
//! The page (js/) owns what it can see and everything asynchronous: readyState, the events, the
//! requests (js/request.js sends every one, the first included, with the page's own `fetch`
//! when given), the promises and the timer. The engine owns the protocol and the bodies: it tells
//! the page what to do through a [`Host`], one call per [`Action`], and the page reports back by
//! calling the `handle*` methods. So the engine holds no JavaScript callback: the page, which
//! owns the source, stops calling it once it has let go of it.
//!
//! Bodies are read one slice at a time; each slice's events go to the page (`Host::events`),
//! which dispatches them one per microtask turn and then calls [`Source::resume`]. Nothing more is
//! read until then, so memory stays bounded whatever the page's listeners cost, and an event is
//! never dispatched before those of earlier slices.
//!
//! Re-entrancy: the page may call back (`close()` from a `fetch` option, say) while the engine
//! calls out. The state is never borrowed across a call out: [`Source::drive`] takes one action,
//! lets go of the state, then calls the host; a call that finds the state borrowed is a bug and
//! traps ([`sys::reentered`]), it is never dropped silently.

use super::stream::StreamBody;
use super::sys;
use super::xhr::{TextBody, TextFed};
use crate::connection::{Action, Backoff, Config, Connection, Mode, NetworkError};
use alloc::vec::Vec;
use core::cell::{RefCell, RefMut};
use core::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;
use web_sys::ReadableStreamDefaultReader;

#[wasm_bindgen]
extern "C" {
    /// The page's side of a source (js/host.js).
    pub type Host;

    /// Send a request with this `Last-Event-ID` (the raw bytes of the `id` field, empty for
    /// none; a view into wasm memory to decode at once). Its fate comes back through
    /// `handleResponse` or `handleNetworkError`.
    #[wasm_bindgen(method)]
    fn send(this: &Host, last_event_id: &js_sys::Uint8Array);

    /// Abort the request in flight, if any (the engine has stopped reading its body).
    #[wasm_bindgen(method)]
    fn abort(this: &Host);

    /// readyState OPEN: fire `open`.
    #[wasm_bindgen(method)]
    fn open(this: &Host);

    /// A slice was parsed: its events (layout: src/batch.rs), a view into wasm memory to decode
    /// at once; empty when the slice completed none. The engine reads nothing more until
    /// [`Source::resume`].
    #[wasm_bindgen(method)]
    fn events(this: &Host, batch: &js_sys::Uint8Array);

    /// Fire `error`: `failure` 0, readyState CONNECTING (reestablishing); otherwise readyState
    /// CLOSED and `failure` says why ([`crate::connection::Failure`]).
    #[wasm_bindgen(method)]
    fn error(this: &Host, failure: u8);

    /// Read the next chunk of `reader`; the page answers with `handleRead(generation, chunk)` or
    /// `handleReadError(generation, kind)`.
    #[wasm_bindgen(method)]
    fn read(this: &Host, reader: &ReadableStreamDefaultReader, generation: u32);

    /// `reader.cancel()`, its outcome ignored.
    #[wasm_bindgen(method)]
    fn cancel(this: &Host, reader: &ReadableStreamDefaultReader);

    /// (Re)arm the source's one timer to call `handleTimer()` in `delay` ms; a negative delay
    /// disarms it.
    #[wasm_bindgen(method)]
    fn timer(this: &Host, delay: f64);

    /// The engine's options, read once: one typed object, a member left out is unset.
    pub type Options;

    /// The long-polling convention.
    #[wasm_bindgen(method, getter)]
    fn polling(this: &Options) -> bool;

    /// Bodies are XHRs (read as `responseText`), else `ReadableStream` readers.
    #[wasm_bindgen(method, getter)]
    fn xhr(this: &Options) -> bool;

    /// The source reads a stream the page handed in (`fromReadableStream`).
    #[wasm_bindgen(method, getter)]
    fn readable(this: &Options) -> bool;

    #[wasm_bindgen(method, getter, js_name = heartbeatTimeout)]
    fn heartbeat_timeout(this: &Options) -> Option<f64>;

    #[wasm_bindgen(method, getter, js_name = maxEventSize)]
    fn max_event_size(this: &Options) -> Option<f64>;

    #[wasm_bindgen(method, getter, js_name = backoffMax)]
    fn backoff_max(this: &Options) -> Option<f64>;

    #[wasm_bindgen(method, getter, js_name = backoffFactor)]
    fn backoff_factor(this: &Options) -> Option<f64>;

    /// The last event ID to start from (the page's `Last-Event-ID` header).
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    fn last_event_id(this: &Options) -> Option<alloc::string::String>;
}

/// Live resources, for leak tests: sources, bodies being read, armed timers.
static LIVE: [AtomicU32; 3] = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];
const SOURCES: usize = 0;
pub(crate) const BODIES: usize = 1;
const TIMERS: usize = 2;

pub(crate) fn live_add(kind: usize, up: bool) {
    if up {
        LIVE[kind].fetch_add(1, Ordering::Relaxed);
    } else {
        LIVE[kind].fetch_sub(1, Ordering::Relaxed);
    }
}

/// `[sources, bodies being read, timers]` alive in this module: all zero once every source is
/// closed.
#[wasm_bindgen(js_name = liveResources)]
pub fn live_resources() -> js_sys::Array {
    LIVE.iter()
        .map(|n| JsValue::from(n.load(Ordering::Relaxed)))
        .collect()
}

/// The body being read.
pub(crate) enum Body {
    None,
    /// A fetch body or the page's stream.
    Stream(StreamBody),
    /// An XHR's `responseText`.
    Text(TextBody),
}

struct State {
    conn: Connection,
    body: Body,
    /// A slice's events are with the page: read nothing until `resume()`.
    paused: bool,
    /// Bumped for every body: a read that settles for an older one is ignored.
    generation: u32,
    /// Reused buffer for body chunks copied in from JavaScript.
    scratch: Vec<u8>,
    xhr: bool,
    /// The deadline the page's timer is armed for, if it is.
    timer: Option<u64>,
}

impl State {
    /// Stops reading the body, if any (a read still pending is ignored when it settles); the
    /// stream to cancel, if any.
    fn drop_body(&mut self) -> Option<ReadableStreamDefaultReader> {
        self.generation = self.generation.wrapping_add(1);
        self.paused = false;
        match core::mem::replace(&mut self.body, Body::None) {
            Body::Stream(body) => Some(body.into_reader()),
            _ => None,
        }
    }
}

/// One `EventSource`'s engine.
#[wasm_bindgen]
pub struct Source {
    state: RefCell<State>,
    host: Host,
}

#[wasm_bindgen]
impl Source {
    /// A source; nothing happens before [`Source::start`].
    #[wasm_bindgen(constructor)]
    pub fn new(host: Host, options: &Options) -> Source {
        let mode = if options.readable() {
            Mode::Readable
        } else if options.polling() {
            Mode::Polling
        } else {
            Mode::Network
        };
        let config = Config {
            mode,
            heartbeat_timeout: options.heartbeat_timeout().map(|ms| ms as u64),
            max_event_size: options
                .max_event_size()
                .map_or(crate::parser::DEFAULT_MAX_EVENT_SIZE, |n| n as usize),
            backoff: options.backoff_max().map(|max| Backoff {
                max: max as u64,
                factor: options.backoff_factor().unwrap_or(2.0),
            }),
            last_event_id: options.last_event_id().unwrap_or_default(),
        };
        live_add(SOURCES, true);
        Source {
            state: RefCell::new(State {
                conn: Connection::new(config),
                body: Body::None,
                paused: false,
                generation: 0,
                scratch: Vec::new(),
                xhr: options.xhr(),
                timer: None,
            }),
            host,
        }
    }

    /// The constructor's "fetch": asks the page to send the first request, or, for a page's
    /// stream, reads `reader` (a `ReadableStreamDefaultReader` the page already holds).
    pub fn start(&self, reader: Option<ReadableStreamDefaultReader>) {
        {
            let mut state = self.state();
            if let Some(reader) = reader {
                state.body = Body::Stream(StreamBody::new(reader));
            }
            state.conn.start(sys::now());
        }
        self.drive();
        self.pump();
    }

    /// The response of the request in flight: its status, its `Content-Type`, and its body: a
    /// `ReadableStreamDefaultReader` of it (fetch; `null` when it has no stream) or the XHR.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &self,
        status: u16,
        content_type: Option<alloc::string::String>,
        body: JsValue,
    ) {
        {
            let mut state = self.state();
            // A response comes for the request the connection asked for: no body is being read.
            drop(state.drop_body());
            let xhr = state.xhr;
            state.body = if xhr {
                Body::Text(TextBody::new(body.unchecked_into()))
            } else if body.is_null() || body.is_undefined() {
                Body::None
            } else {
                Body::Stream(StreamBody::new(body.unchecked_into()))
            };
            state
                .conn
                .handle_response(status, content_type.as_deref(), xhr, sys::now());
            if matches!(state.body, Body::None) {
                state.conn.handle_no_body();
            }
        }
        self.drive();
        self.pump();
    }

    /// The request in flight failed before its response, or (XHR) while its body came:
    /// `kind` 0 a network error, 1 futile (CORS refused, not HTTP(S), refused by the
    /// runtime), 2 aborted by the page.
    #[wasm_bindgen(js_name = handleNetworkError)]
    pub fn handle_network_error(&self, kind: u8) {
        let error = network_error(kind);
        {
            let mut state = self.state();
            // An XHR's text that arrived before the error is read first (see `xhr.rs`).
            if let Body::Text(text) = &mut state.body {
                text.finish(Some(error));
            } else {
                state.conn.handle_network_error(error, sys::now());
            }
        }
        self.drive();
        self.pump();
    }

    /// A read of the body of `generation` gave `chunk`, or the end of the stream (`None`).
    #[wasm_bindgen(js_name = handleRead)]
    pub fn handle_read(&self, generation: u32, chunk: Option<js_sys::Uint8Array>) {
        {
            let mut state = self.state();
            if state.generation != generation {
                return;
            }
            let Body::Stream(body) = &mut state.body else {
                return;
            };
            match chunk {
                Some(chunk) => body.got(chunk),
                None => {
                    state.body = Body::None;
                    state.conn.handle_end(sys::now());
                }
            }
        }
        self.drive();
        self.pump();
    }

    /// A read of the body of `generation` failed: `kind` as for `handleNetworkError`.
    #[wasm_bindgen(js_name = handleReadError)]
    pub fn handle_read_error(&self, generation: u32, kind: u8) {
        {
            let mut state = self.state();
            if state.generation != generation {
                return;
            }
            state.body = Body::None;
            state
                .conn
                .handle_network_error(network_error(kind), sys::now());
        }
        self.drive();
    }

    /// The XHR's `responseText` may have grown.
    #[wasm_bindgen(js_name = handleProgress)]
    pub fn handle_progress(&self) {
        self.pump();
    }

    /// The XHR's response ended normally (after its last progress).
    #[wasm_bindgen(js_name = handleEnd)]
    pub fn handle_end(&self) {
        if let Body::Text(text) = &mut self.state().body {
            text.finish(None);
        }
        self.pump();
    }

    /// The timer fired.
    #[wasm_bindgen(js_name = handleTimer)]
    pub fn handle_timer(&self) {
        {
            let mut state = self.state();
            if state.timer.take().is_some() {
                live_add(TIMERS, false);
            }
            let now = sys::now();
            if state.paused {
                // The page is still dispatching what came: that is no silence. (Reading waits
                // for it, so the heartbeat could not see what arrived meanwhile.)
                state.conn.handle_chunk(&[], now);
            } else {
                state.conn.handle_timeout(now);
            }
        }
        self.drive();
    }

    /// The page has dispatched the events of the last slice: read on.
    pub fn resume(&self) {
        self.state().paused = false;
        self.pump();
    }

    /// `reset()` (whatwg/html#12272): what the next bytes bring starts a fresh stream.
    pub fn reset(&self) {
        self.state().conn.reset();
    }

    /// The last event ID string, as the raw bytes of the `id` field (a view into wasm memory to
    /// decode at once).
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> js_sys::Uint8Array {
        view(self.state().conn.parser().last_event_id())
    }

    /// The reconnection time, in milliseconds.
    #[wasm_bindgen(getter, js_name = reconnectionTime)]
    pub fn reconnection_time(&self) -> f64 {
        self.state().conn.reconnection_time() as f64
    }

    /// `close()`: abort, no event, no reconnection. Safe to call at any time, also from a call
    /// out of the engine.
    pub fn close(&self) {
        self.state().conn.close();
        self.drive();
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        if let Some(reader) = state.drop_body() {
            self.host.cancel(&reader);
        }
        if state.timer.take().is_some() {
            self.host.timer(-1.0);
            live_add(TIMERS, false);
        }
        live_add(SOURCES, false);
    }
}

/// A view of bytes in wasm memory, handed to the page, which decodes it at once (js/host.js).
fn view(bytes: &[u8]) -> js_sys::Uint8Array {
    // SAFETY: the view aliases wasm memory, valid only until the next allocation in the module
    // (which may move or grow it). Every view goes straight to the page, which decodes or copies
    // it before it calls into the engine again, and nothing in between allocates.
    unsafe { js_sys::Uint8Array::view(bytes) }
}

/// The kinds of network error the page reports.
fn network_error(kind: u8) -> NetworkError {
    match kind {
        1 => NetworkError::Futile,
        2 => NetworkError::Aborted,
        _ => NetworkError::Transient,
    }
}

impl Source {
    /// The state, for a moment that calls nothing out.
    fn state(&self) -> RefMut<'_, State> {
        match self.state.try_borrow_mut() {
            Ok(state) => state,
            Err(_) => sys::reentered(),
        }
    }

    /// Carries out the connection's actions, one at a time, in order; then re-arms the timer.
    fn drive(&self) {
        // Bounded: every input queues at most a handful of actions, and a call out that causes
        // more (a close()) replaces them.
        for _ in 0..64 {
            let Some(action) = self.state().conn.poll_action() else {
                break;
            };
            self.perform(action);
        }
        self.arm_timer();
    }

    fn perform(&self, action: Action) {
        let host = &self.host;
        match action {
            Action::Send(request) => {
                let id = request.last_event_id.unwrap_or_default();
                host.send(&view(&id));
            }
            Action::Abort => {
                // The body first: once it is cancelled, aborting the request finds no body to
                // reject (Chromium and Node would report that rejection as unhandled).
                let reader = self.state().drop_body();
                if let Some(reader) = reader {
                    host.cancel(&reader);
                }
                host.abort();
            }
            Action::Open => host.open(),
            Action::Events => {
                let batch = {
                    let mut state = self.state();
                    state.paused = true;
                    view(state.conn.batch().bytes())
                };
                host.events(&batch);
            }
            Action::Reconnecting => host.error(0),
            Action::Failed(why) => host.error(why as u8),
        }
    }

    /// Reads on: at most one slice, whose events go to the page; then waits for `resume()`, a
    /// read, or more XHR text.
    fn pump(&self) {
        let read = {
            let mut guard = self.state();
            let state = &mut *guard;
            if state.paused {
                return;
            }
            match &mut state.body {
                Body::None => return,
                Body::Stream(body) => {
                    if body.feed(&mut state.conn, &mut state.scratch) {
                        None
                    } else if body.start_read() {
                        Some((body.reader(), state.generation))
                    } else {
                        return;
                    }
                }
                Body::Text(body) => match body.feed(&mut state.conn) {
                    TextFed::Nothing => return,
                    TextFed::Slice => None,
                    TextFed::Finished => {
                        state.body = Body::None;
                        None
                    }
                },
            }
        };
        if let Some((reader, generation)) = read {
            return self.host.read(&reader, generation);
        }
        self.drive();
        // A slice without events: still hand over, so the page yields when a giant chunk would
        // keep it busy too long, and calls resume() in its own time.
        let mut state = self.state();
        if !state.paused && !matches!(state.body, Body::None) {
            state.paused = true;
            drop(state);
            self.host.events(&js_sys::Uint8Array::new_with_length(0));
        }
    }

    /// Makes sure the timer fires by the connection's next deadline. A later deadline than the
    /// armed one needs nothing: the early firing finds nothing due and re-arms. So a heartbeat
    /// that moves forward with every chunk costs no timer calls per chunk.
    fn arm_timer(&self) {
        let mut state = self.state();
        let deadline = state.conn.poll_timeout();
        let armed = state.timer;
        let delay = match (deadline, armed) {
            (None, None) => return,
            (None, Some(_)) => {
                state.timer = None;
                live_add(TIMERS, false);
                -1.0
            }
            (Some(deadline), armed) => {
                if armed.is_some_and(|at| at <= deadline) {
                    return;
                }
                if armed.is_none() {
                    live_add(TIMERS, true);
                }
                // Clamped: the timer APIs wrap longer delays. A deadline further off fires the
                // timer early, finds nothing due, and re-arms for the rest.
                let now = sys::now();
                let delay = deadline.saturating_sub(now).min(sys::MAX_TIMER_DELAY);
                state.timer = Some(now.saturating_add(delay));
                delay as f64
            }
        };
        drop(state);
        self.host.timer(delay);
    }
}
