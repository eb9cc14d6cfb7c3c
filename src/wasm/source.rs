//! `Source`: one `EventSource`, its [`Connection`] driven by the page's requests and this
//! module's body reading.
//!
//! The page (js/eventsource.js) owns what it can see and what it sends: readyState, the
//! events, the requests (js/request.js sends every one, the first included, with the page's own
//! `fetch` when given). The engine owns the protocol and the bodies: it tells the page what to do
//! through a [`Host`], one call per [`Action`], and the page reports each request's fate with
//! `handleResponse` / `handleNetworkError`.
//!
//! Bodies are read one slice at a time; each slice's events go to the page (`Host::events`),
//! which dispatches them one per microtask turn and then calls [`Source::resume`]. Nothing more is
//! read until then, so memory stays bounded whatever the page's listeners cost, and an event is
//! never dispatched before those of earlier slices.
//!
//! Re-entrancy: the page may call back (`close()` from a `fetch` option, say) while the engine
//! calls out. The state is never borrowed across a call out: [`drive`] takes one action, lets go
//! of the state, then calls the host; a call that finds the state borrowed is a bug and traps
//! ([`sys::reentered`]), it is never dropped silently.

use super::stream::{self, StreamBody};
use super::sys;
use super::xhr::{self, TextBody};
use crate::connection::{Action, Backoff, Config, Connection, Mode, NetworkError};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{RefCell, RefMut};
use core::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The page's side of a source (js/eventsource.js).
    pub type Host;

    /// Send a request, with this `Last-Event-ID` (js/request.js); its fate comes back through
    /// `handleResponse` or `handleNetworkError`.
    #[wasm_bindgen(method)]
    fn send(this: &Host, last_event_id: Option<String>);

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

    /// How a body's read failed: 0 the network, 2 aborted by the page (see [`network_error`]).
    #[wasm_bindgen(method)]
    pub(crate) fn classify(this: &Host, error: &JsValue) -> u8;

    /// Calls `callback(key, fulfilled, value)` once `promise` settles: one reaction for both
    /// outcomes, so no futures runtime is needed.
    #[wasm_bindgen(method)]
    fn settle(this: &Host, promise: &js_sys::Promise, callback: &js_sys::Function, key: u32);

    /// `reader.cancel()`, its outcome ignored (it rejects when the stream had failed: nothing to
    /// learn then, and it must not be reported as unhandled).
    #[wasm_bindgen(method)]
    pub(crate) fn cancel(this: &Host, reader: &web_sys::ReadableStreamDefaultReader);

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
    fn last_event_id(this: &Options) -> Option<String>;
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

/// What a source shares between its owner, its promise reactions and its timer.
pub(crate) struct Shared {
    state: RefCell<State>,
    pub(crate) host: Host,
}

/// The body being read.
pub(crate) enum Body {
    None,
    /// A fetch body or the page's stream.
    Stream(StreamBody),
    /// An XHR's `responseText`.
    Text(TextBody),
}

/// The one callback through which every promise of a source reports (see `Host::settle`).
type Settle = Closure<dyn FnMut(u32, bool, JsValue)>;

pub(crate) struct State {
    pub(crate) conn: Connection,
    pub(crate) body: Body,
    /// A slice's events are with the page: read nothing until `resume()`.
    pub(crate) paused: bool,
    /// Bumped for every body: a read that settles for an older one is ignored.
    pub(crate) generation: u32,
    /// Reused buffer for body chunks copied in from JavaScript.
    pub(crate) scratch: Vec<u8>,
    xhr: bool,
    timer: Option<(JsValue, u64)>,
    timer_fn: Option<Closure<dyn FnMut()>>,
    settle_fn: Option<Settle>,
    /// Promises whose reaction will call `settle_fn`, and the strong reference that keeps the
    /// source (and so the callback) alive until the last of them settles.
    pending: u32,
    hold: Option<Rc<Shared>>,
}

impl State {
    /// Stops reading the body, if any (a read still pending is ignored when it settles); the
    /// stream to cancel, if any.
    fn drop_body(&mut self) -> Option<web_sys::ReadableStreamDefaultReader> {
        self.generation = self.generation.wrapping_add(1);
        self.paused = false;
        match core::mem::replace(&mut self.body, Body::None) {
            Body::Stream(body) => Some(body.into_reader()),
            _ => None,
        }
    }

    fn disarm(&mut self) {
        if let Some((handle, _)) = self.timer.take() {
            sys::clear_timeout(&handle);
            live_add(TIMERS, false);
        }
    }
}

impl Shared {
    /// The state, for a moment that calls nothing out.
    pub(crate) fn state(&self) -> RefMut<'_, State> {
        match self.state.try_borrow_mut() {
            Ok(state) => state,
            Err(_) => sys::reentered(),
        }
    }

    /// Reports the settlement of `promise` to [`settled`] with `key`, keeping the source alive
    /// until then.
    pub(crate) fn wait(shared: &Rc<Shared>, promise: &js_sys::Promise, key: u32) {
        let mut state = shared.state();
        let callback = state.settle_fn.get_or_insert_with(|| {
            let weak = Rc::downgrade(shared);
            Closure::new(move |key: u32, ok: bool, value: JsValue| {
                let Some(shared) = weak.upgrade() else { return };
                let release = {
                    let mut state = shared.state();
                    state.pending = state.pending.saturating_sub(1);
                    if state.pending == 0 {
                        state.hold.take()
                    } else {
                        None
                    }
                };
                stream::settled(&shared, key, ok, value);
                drop(release);
            })
        });
        shared
            .host
            .settle(promise, callback.as_ref().unchecked_ref(), key);
        state.pending += 1;
        if state.hold.is_none() {
            state.hold = Some(shared.clone());
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        if let Some(reader) = state.drop_body() {
            self.host.cancel(&reader);
        }
        state.disarm();
        live_add(SOURCES, false);
    }
}

/// One `EventSource`'s engine.
#[wasm_bindgen]
pub struct Source {
    shared: Rc<Shared>,
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
            shared: Rc::new(Shared {
                state: RefCell::new(State {
                    conn: Connection::new(config),
                    body: Body::None,
                    paused: false,
                    generation: 0,
                    scratch: Vec::new(),
                    xhr: options.xhr(),
                    timer: None,
                    timer_fn: None,
                    settle_fn: None,
                    pending: 0,
                    hold: None,
                }),
                host,
            }),
        }
    }

    /// The constructor's "fetch": asks the page to send the first request, or, for a page's
    /// stream, reads `reader` (a `ReadableStreamDefaultReader` the page already holds).
    pub fn start(&self, reader: Option<web_sys::ReadableStreamDefaultReader>) {
        {
            let mut state = self.shared.state();
            if let Some(reader) = reader {
                state.body = Body::Stream(StreamBody::new(reader));
            }
            state.conn.start(sys::now());
        }
        drive(&self.shared);
        pump(&self.shared);
    }

    /// The response of the request in flight: its status, its `Content-Type`, and its body: a
    /// `ReadableStreamDefaultReader` of it (fetch; `null` when it has no stream) or the XHR.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&self, status: u16, content_type: Option<String>, body: JsValue) {
        {
            let mut state = self.shared.state();
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
        drive(&self.shared);
        pump(&self.shared);
    }

    /// The request in flight failed before its response, or (XHR) while its body came:
    /// `kind` 0 a network error, 1 futile (CORS refused, not HTTP(S), refused by the
    /// runtime), 2 aborted by the page.
    #[wasm_bindgen(js_name = handleNetworkError)]
    pub fn handle_network_error(&self, kind: u8) {
        let error = network_error(kind);
        {
            let mut state = self.shared.state();
            // An XHR's text that arrived before the error is read first (see `xhr.rs`).
            if let Body::Text(text) = &mut state.body {
                text.finish(Some(error));
            } else {
                state.conn.handle_network_error(error, sys::now());
            }
        }
        drive(&self.shared);
        pump(&self.shared);
    }

    /// The XHR's `responseText` may have grown.
    #[wasm_bindgen(js_name = handleProgress)]
    pub fn handle_progress(&self) {
        pump(&self.shared);
    }

    /// The XHR's response ended normally (after its last progress).
    #[wasm_bindgen(js_name = handleEnd)]
    pub fn handle_end(&self) {
        if let Body::Text(text) = &mut self.shared.state().body {
            text.finish(None);
        }
        pump(&self.shared);
    }

    /// The page has dispatched the events of the last slice: read on.
    pub fn resume(&self) {
        self.shared.state().paused = false;
        pump(&self.shared);
    }

    /// `reset()` (whatwg/html#12272): what the next bytes bring starts a fresh stream.
    pub fn reset(&self) {
        self.shared.state().conn.reset();
    }

    /// The last event ID string.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.shared.state().conn.last_event_id().into_owned()
    }

    /// The reconnection time, in milliseconds.
    #[wasm_bindgen(getter, js_name = reconnectionTime)]
    pub fn reconnection_time(&self) -> f64 {
        self.shared.state().conn.reconnection_time() as f64
    }

    /// `close()`: abort, no event, no reconnection. Safe to call at any time, also from a call
    /// out of the engine.
    pub fn close(&self) {
        {
            let mut state = self.shared.state();
            state.conn.close();
            state.timer_fn = None;
        }
        drive(&self.shared);
    }
}

/// The kinds of network error the page reports.
pub(crate) fn network_error(kind: u8) -> NetworkError {
    match kind {
        1 => NetworkError::Futile,
        2 => NetworkError::Aborted,
        _ => NetworkError::Transient,
    }
}

/// Carries out the connection's actions, one at a time, in order; then re-arms the timer.
pub(crate) fn drive(shared: &Rc<Shared>) {
    // Bounded: every input queues at most a handful of actions, and a call out that causes
    // more (a close()) replaces them.
    for _ in 0..64 {
        let Some(action) = shared.state().conn.poll_action() else {
            break;
        };
        perform(shared, action);
    }
    arm_timer(shared);
}

fn perform(shared: &Rc<Shared>, action: Action) {
    let host = &shared.host;
    match action {
        Action::Send(request) => host.send(request.last_event_id),
        Action::Abort => {
            // The body first: once it is cancelled, aborting the request finds no body to reject
            // (Chromium and Node would report that rejection as unhandled).
            let reader = shared.state().drop_body();
            if let Some(reader) = reader {
                host.cancel(&reader);
            }
            host.abort();
        }
        Action::Open => host.open(),
        Action::Events => {
            let view = {
                let mut state = shared.state();
                state.paused = true;
                // SAFETY: the view aliases the batch in wasm memory. The host decodes it before
                // anything else runs (js/batch.js), so no allocation can move memory under it.
                unsafe { js_sys::Uint8Array::view(state.conn.batch().bytes()) }
            };
            host.events(&view);
        }
        Action::Reconnecting => host.error(0),
        Action::Failed(why) => host.error(why as u8),
    }
}

/// Reads on: at most one slice, whose events go to the page; then waits for `resume()`, a read,
/// or more XHR text.
pub(crate) fn pump(shared: &Rc<Shared>) {
    let read = {
        let mut guard = shared.state();
        let state = &mut *guard;
        if state.paused {
            return;
        }
        match &mut state.body {
            Body::None => return,
            Body::Stream(body) => match body.feed(&mut state.conn, &mut state.scratch) {
                stream::Fed::Slice => None,
                stream::Fed::Read(promise) => Some((promise, state.generation)),
                stream::Fed::Waiting => return,
            },
            Body::Text(body) => match body.feed(&mut state.conn) {
                xhr::TextFed::Nothing => return,
                xhr::TextFed::Slice => None,
                xhr::TextFed::Finished => {
                    state.body = Body::None;
                    None
                }
            },
        }
    };
    if let Some((promise, generation)) = read {
        return Shared::wait(shared, &promise, generation);
    }
    drive(shared);
    // A slice without events: still hand over, so the page yields when a giant chunk would
    // keep it busy too long, and calls resume() in its own time.
    let mut state = shared.state();
    if !state.paused && !matches!(state.body, Body::None) {
        state.paused = true;
        drop(state);
        shared.host.events(&js_sys::Uint8Array::new_with_length(0));
    }
}

/// Makes sure a timer fires by the connection's next deadline. A later deadline than the armed
/// one needs nothing: the early firing finds nothing due and re-arms. So a heartbeat that moves
/// forward with every chunk costs no timer calls per chunk.
fn arm_timer(shared: &Rc<Shared>) {
    let mut state = shared.state();
    let Some(deadline) = state.conn.poll_timeout() else {
        state.disarm();
        return;
    };
    if let Some((_, armed)) = state.timer {
        if armed <= deadline {
            return;
        }
    }
    state.disarm();
    let callback = state.timer_fn.get_or_insert_with(|| {
        let weak = Rc::downgrade(shared);
        Closure::new(move || {
            if let Some(shared) = weak.upgrade() {
                on_timer(&shared);
            }
        })
    });
    // Clamped: the timer APIs wrap longer delays. A deadline further off fires the timer early,
    // finds nothing due, and re-arms for the rest.
    let now = sys::now();
    let delay = deadline.saturating_sub(now).min(sys::MAX_TIMER_DELAY);
    let handle = sys::set_timeout(callback.as_ref().unchecked_ref(), delay as f64);
    state.timer = Some((handle, now.saturating_add(delay)));
    live_add(TIMERS, true);
}

fn on_timer(shared: &Rc<Shared>) {
    {
        let mut state = shared.state();
        if state.timer.take().is_some() {
            live_add(TIMERS, false);
        }
        let now = sys::now();
        if state.paused {
            // The page is still dispatching what came: that is no silence. (Reading waits for
            // it, so the heartbeat could not see what arrived meanwhile.)
            state.conn.handle_chunk(&[], now);
        } else {
            state.conn.handle_timeout(now);
        }
    }
    drive(shared);
}
