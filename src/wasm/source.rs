//! `Source`: one `EventSource` connection, driven by a [`Connection`] and a transport.
//!
//! The JavaScript `EventSource` class owns a `Source` and hands it a `Host`: three callbacks
//! through which the engine fires `open`, delivers batches of events and fires `error`. The
//! JavaScript side keeps the public readyState and applies the rules that depend on it at
//! dispatch time ("if readyState is not CLOSED"), so a `close()` called from inside a handler
//! takes effect at once.
//!
//! Re-entrancy: a handler may call `close()`, which calls back into this module. So the state is
//! never borrowed while JavaScript runs: [`perform`] takes what it needs from the state, lets go
//! of it, then calls the host.

use super::sys;
use super::transport;
use crate::connection::{Backoff, Config, Connection, ReadyState, Step};
use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The JavaScript side of a source (see js/eventsource.js).
    pub type Host;

    /// Announce the connection; `url` is the response's final URL (after redirects).
    #[wasm_bindgen(method)]
    fn open(this: &Host, url: &str);

    /// A batch of events (layout: src/batch.rs), a view into wasm memory to decode at once.
    #[wasm_bindgen(method)]
    fn events(this: &Host, batch: &js_sys::Uint8Array);

    /// readyState changed to `ready_state` (CONNECTING or CLOSED): fire `error`. `message` says
    /// why the connection was failed, or is empty when it is being reestablished.
    #[wasm_bindgen(method)]
    fn error(this: &Host, ready_state: u8, message: &str);
}

/// Live resources, for leak tests: sources, requests in flight, armed timers.
static LIVE: [AtomicU32; 3] = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];
const SOURCES: usize = 0;
pub(crate) const REQUESTS: usize = 1;
const TIMERS: usize = 2;

pub(crate) fn live_add(kind: usize, up: bool) {
    if up {
        LIVE[kind].fetch_add(1, Ordering::Relaxed);
    } else {
        LIVE[kind].fetch_sub(1, Ordering::Relaxed);
    }
}

/// `[sources, requests, timers]` alive in this module: all zero once every source is closed.
#[wasm_bindgen(js_name = liveResources)]
pub fn live_resources() -> js_sys::Array {
    LIVE.iter()
        .map(|n| JsValue::from(n.load(Ordering::Relaxed)))
        .collect()
}

/// How the bytes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Io {
    Fetch,
    Xhr,
}

/// What a source shares between its owner, its transport callbacks and its timer.
pub(crate) struct Shared {
    pub(crate) state: RefCell<State>,
    host: Host,
}

/// The one callback through which every promise of a source reports (see `fetch.rs`).
type Settle = Closure<dyn FnMut(u32, u32, bool, JsValue)>;

pub(crate) struct State {
    pub(crate) conn: Connection,
    pub(crate) url: String,
    pub(crate) with_credentials: bool,
    pub(crate) io: Io,
    /// Extra request headers, name and value.
    pub(crate) headers: Vec<(String, String)>,
    /// The final URL of the current response.
    pub(crate) final_url: String,
    /// The request in flight, if any.
    pub(crate) active: Option<transport::Active>,
    /// Bumped for every request: a callback of an older one finds it stale and stops.
    pub(crate) generation: u32,
    /// Reused buffer for body chunks copied in from JavaScript.
    pub(crate) scratch: Vec<u8>,
    /// The first request, sent by the page's side while the engine loaded (see
    /// [`Source::start`]): its pending response and its controller, for the fetch transport.
    pub(crate) early: Option<(js_sys::Promise, Option<web_sys::AbortController>)>,
    timer: Option<(JsValue, u64)>,
    timer_fn: Option<Closure<dyn FnMut()>>,
    settle_fn: Option<Settle>,
    /// Promises whose reaction will call `settle_fn`, and the strong reference that keeps the
    /// source (and so the callback) alive until the last of them settles.
    pending: u32,
    hold: Option<Rc<Shared>>,
}

impl State {
    /// Aborts the request in flight, if any.
    pub(crate) fn abort(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if let Some((_, Some(controller))) = self.early.take() {
            controller.abort();
        }
        if let Some(active) = self.active.take() {
            active.abort();
        }
    }

    fn disarm(&mut self) {
        if let Some((handle, _)) = self.timer.take() {
            sys::clear_timeout(&handle);
            live_add(TIMERS, false);
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        state.abort();
        state.disarm();
        live_add(SOURCES, false);
    }
}

/// One `EventSource` connection.
#[wasm_bindgen]
pub struct Source {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl Source {
    /// A source for the absolute URL `url`; nothing is sent before [`Source::start`].
    /// `flags`: 1 withCredentials, 2 XHR (else fetch), 4 polling. `headers`: name LF value LF
    /// ... (header names and values can't contain LF). Empty strings and zeros mean "not set".
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        host: Host,
        url: String,
        flags: u32,
        headers: &str,
        last_event_id_query_parameter: String,
        heartbeat_timeout: f64,
        max_event_size: f64,
        backoff_max: f64,
        backoff_factor: f64,
    ) -> Source {
        let set = |n: f64| (n > 0.0).then_some(n);
        let config = Config {
            polling: flags & 4 != 0,
            heartbeat_timeout: set(heartbeat_timeout).map(|ms| ms as u64),
            max_event_size: set(max_event_size)
                .map_or(crate::parser::DEFAULT_MAX_EVENT_SIZE, |n| n as usize),
            backoff: set(backoff_max).map(|max| Backoff {
                max: max as u64,
                factor: set(backoff_factor).unwrap_or(2.0),
            }),
            last_event_id_query_parameter: (!last_event_id_query_parameter.is_empty())
                .then_some(last_event_id_query_parameter),
        };
        let mut pairs = Vec::new();
        let mut items = headers.split('\n');
        while let (Some(name), Some(value)) = (items.next(), items.next()) {
            pairs.push((String::from(name), String::from(value)));
        }
        live_add(SOURCES, true);
        Source {
            shared: Rc::new(Shared {
                state: RefCell::new(State {
                    conn: Connection::new(config),
                    url,
                    with_credentials: flags & 1 != 0,
                    io: if flags & 2 != 0 { Io::Xhr } else { Io::Fetch },
                    headers: pairs,
                    final_url: String::new(),
                    active: None,
                    generation: 0,
                    scratch: Vec::new(),
                    early: None,
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

    /// Sends the first request, or, given `response` (and its `controller`), adopts it as the
    /// first request: the shim sends that one itself when the page makes a source before the
    /// engine has loaded, so the request travels while the engine is inflated and compiled. It
    /// must be the request the fetch transport would send first (see `transport::fetch::start`).
    pub fn start(
        &self,
        response: Option<js_sys::Promise>,
        controller: Option<web_sys::AbortController>,
    ) {
        let Ok(mut state) = self.shared.state.try_borrow_mut() else {
            return;
        };
        if let Some(response) = response {
            // Only where the engine's own first request would be that plain one.
            let first = state.conn.request();
            let plain =
                first.last_event_id.is_none() && first.query.is_none() && !first.x_requested_with;
            if state.io == Io::Fetch && plain {
                state.early = Some((response, controller));
            } else if let Some(controller) = controller {
                controller.abort();
            }
        }
        let step = state.conn.start(sys::now());
        drop(state);
        perform(&self.shared, step);
    }

    /// `close()`: abort, no event, no reconnection. Safe to call from inside a handler.
    pub fn close(&self) {
        let Ok(mut state) = self.shared.state.try_borrow_mut() else {
            return;
        };
        let step = state.conn.close();
        if step.abort {
            state.abort();
        }
        state.disarm();
        // The timer closure holds only a weak reference, but drop it now: nothing is left to run.
        state.timer_fn = None;
    }
}

/// Carries out a [`Step`] in the order the connection defines, then re-arms the timer.
/// (`try_borrow`: the state is never borrowed when a step is performed, see the module docs;
/// the checked form keeps the borrow-panic machinery out of the wasm build.)
pub(crate) fn perform(shared: &Rc<Shared>, step: Step) {
    if step.open {
        let Ok(url) = shared.state.try_borrow().map(|s| s.final_url.clone()) else {
            return;
        };
        shared.host.open(&url);
    }
    if step.events {
        let Ok(state) = shared.state.try_borrow() else {
            return;
        };
        // SAFETY: the view aliases the batch in wasm memory. The host decodes it before
        // anything else runs (js/batch.js), so no allocation can move memory under it.
        let view = unsafe { js_sys::Uint8Array::view(state.conn.batch().bytes()) };
        drop(state);
        shared.host.events(&view);
    }
    if step.abort {
        if let Ok(mut state) = shared.state.try_borrow_mut() {
            state.abort();
        }
    }
    if step.error {
        let Ok(ready_state) = shared.state.try_borrow().map(|s| s.conn.ready_state()) else {
            return;
        };
        let message = step.failure.map_or("", |f| f.message());
        shared.host.error(ready_state as u8, message);
    }
    if step.request {
        transport::start(shared);
    }
    arm_timer(shared);
}

impl Shared {
    /// Reports the settlement of `promise` to the transport, keeping the source alive until then.
    pub(crate) fn wait(shared: &Rc<Shared>, promise: &js_sys::Promise, generation: u32, kind: u32) {
        let Ok(mut state) = shared.state.try_borrow_mut() else {
            return;
        };
        if state.settle_fn.is_none() {
            let weak = Rc::downgrade(shared);
            state.settle_fn = Some(Closure::new(
                move |generation: u32, kind: u32, ok: bool, value: JsValue| {
                    let Some(shared) = weak.upgrade() else { return };
                    let release = match shared.state.try_borrow_mut() {
                        Ok(mut state) => {
                            state.pending = state.pending.saturating_sub(1);
                            if state.pending == 0 {
                                state.hold.take()
                            } else {
                                None
                            }
                        }
                        Err(_) => None,
                    };
                    transport::settled(&shared, generation, kind, ok, value);
                    drop(release);
                },
            ));
        }
        state.pending += 1;
        if state.hold.is_none() {
            state.hold = Some(shared.clone());
        }
        if let Some(callback) = &state.settle_fn {
            sys::settle(promise, callback.as_ref().unchecked_ref(), generation, kind);
        }
    }
}

/// Makes sure a timer fires by the connection's next deadline. A later deadline than the armed
/// one needs nothing: the early firing finds nothing due and re-arms. So a heartbeat that moves
/// forward with every chunk costs no timer calls per chunk.
fn arm_timer(shared: &Rc<Shared>) {
    let Ok(mut state) = shared.state.try_borrow_mut() else {
        return;
    };
    let Some(deadline) = state.conn.next_timeout() else {
        state.disarm();
        return;
    };
    if let Some((_, armed)) = state.timer {
        if armed <= deadline {
            return;
        }
    }
    state.disarm();
    if state.timer_fn.is_none() {
        let weak: Weak<Shared> = Rc::downgrade(shared);
        state.timer_fn = Some(Closure::new(move || {
            if let Some(shared) = weak.upgrade() {
                on_timer(&shared);
            }
        }));
    }
    let Some(callback) = state.timer_fn.as_ref() else {
        return;
    };
    let delay = deadline.saturating_sub(sys::now()) as f64;
    let handle = sys::set_timeout(callback.as_ref().unchecked_ref(), delay);
    state.timer = Some((handle, deadline));
    live_add(TIMERS, true);
}

fn on_timer(shared: &Rc<Shared>) {
    let step = {
        let Ok(mut state) = shared.state.try_borrow_mut() else {
            return;
        };
        if state.timer.take().is_some() {
            live_add(TIMERS, false);
        }
        state.conn.on_timeout(sys::now())
    };
    perform(shared, step);
}

/// Whether a transport callback of request `generation` is still the current one.
pub(crate) fn is_current(shared: &Shared, generation: u32) -> bool {
    shared.state.try_borrow().is_ok_and(|state| {
        state.generation == generation && state.conn.ready_state() != ReadyState::Closed
    })
}
