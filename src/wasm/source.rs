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

/// What a source shares between its owner, its transport task and its timer.
pub(crate) struct Shared {
    pub(crate) state: RefCell<State>,
    host: Host,
}

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
    timer: Option<(JsValue, u64)>,
    timer_fn: Option<Closure<dyn FnMut()>>,
}

impl State {
    /// Aborts the request in flight, if any.
    pub(crate) fn abort(&mut self) {
        self.generation = self.generation.wrapping_add(1);
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
    /// `headers` is a flat array `[name, value, ...]`; absent numbers mean "not set".
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        host: Host,
        url: String,
        with_credentials: bool,
        xhr: bool,
        polling: bool,
        headers: js_sys::Array,
        last_event_id_query_parameter: Option<String>,
        heartbeat_timeout: Option<f64>,
        max_event_size: Option<f64>,
        backoff_max: Option<f64>,
        backoff_factor: Option<f64>,
    ) -> Source {
        let config = Config {
            polling,
            heartbeat_timeout: heartbeat_timeout.map(|ms| ms as u64),
            max_event_size: max_event_size
                .map_or(crate::parser::DEFAULT_MAX_EVENT_SIZE, |n| n as usize),
            backoff: backoff_max.map(|max| Backoff {
                max: max as u64,
                factor: backoff_factor.unwrap_or(2.0),
            }),
            last_event_id_query_parameter,
        };
        let mut pairs = Vec::new();
        let mut items = headers.iter();
        while let (Some(name), Some(value)) = (items.next(), items.next()) {
            if let (Some(name), Some(value)) = (name.as_string(), value.as_string()) {
                pairs.push((name, value));
            }
        }
        live_add(SOURCES, true);
        Source {
            shared: Rc::new(Shared {
                state: RefCell::new(State {
                    conn: Connection::new(config),
                    url,
                    with_credentials,
                    io: if xhr { Io::Xhr } else { Io::Fetch },
                    headers: pairs,
                    final_url: String::new(),
                    active: None,
                    generation: 0,
                    scratch: Vec::new(),
                    timer: None,
                    timer_fn: None,
                }),
                host,
            }),
        }
    }

    /// Sends the first request.
    pub fn start(&self) {
        let step = self.shared.state.borrow_mut().conn.start(sys::now());
        perform(&self.shared, step);
    }

    /// `close()`: abort, no event, no reconnection. Safe to call from inside a handler.
    pub fn close(&self) {
        let mut state = self.shared.state.borrow_mut();
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
pub(crate) fn perform(shared: &Rc<Shared>, step: Step) {
    if step.open {
        let url = shared.state.borrow().final_url.clone();
        shared.host.open(&url);
    }
    if step.events {
        let view = {
            let state = shared.state.borrow();
            // SAFETY: the view aliases the batch in wasm memory. The host decodes it before
            // anything else runs (js/batch.js), so no allocation can move memory under it.
            unsafe { js_sys::Uint8Array::view(state.conn.batch().bytes()) }
        };
        shared.host.events(&view);
    }
    if step.abort {
        shared.state.borrow_mut().abort();
    }
    if step.error {
        let ready_state = shared.state.borrow().conn.ready_state();
        let message = step.failure.map_or("", |f| f.message());
        shared.host.error(ready_state as u8, message);
    }
    if step.request {
        transport::start(shared);
    }
    arm_timer(shared);
}

/// Makes sure a timer fires by the connection's next deadline. A later deadline than the armed
/// one needs nothing: the early firing finds nothing due and re-arms. So a heartbeat that moves
/// forward with every chunk costs no timer calls per chunk.
fn arm_timer(shared: &Rc<Shared>) {
    let mut state = shared.state.borrow_mut();
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
        let mut state = shared.state.borrow_mut();
        if state.timer.take().is_some() {
            live_add(TIMERS, false);
        }
        state.conn.on_timeout(sys::now())
    };
    perform(shared, step);
}

/// Whether a transport callback of request `generation` is still the current one.
pub(crate) fn is_current(shared: &Shared, generation: u32) -> bool {
    let state = shared.state.borrow();
    state.generation == generation && state.conn.ready_state() != ReadyState::Closed
}
