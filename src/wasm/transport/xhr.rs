//! Streaming `XMLHttpRequest`: for runtimes whose `fetch` cannot stream a body, and for the
//! long-polling mode.
//!
//! Each progress event slices off only the part of `responseText` not read yet, so a chunk costs
//! its own length, not the length of everything received. `responseText` itself only grows, so
//! once it passes [`RECYCLE_AFTER`] UTF-16 units the request is replaced at the next point a
//! server can resume from exactly, in the text that arrives after that: right after an event
//! whose block has an `id` (see `Connection::on_chunk_until_resume_point`). The new request
//! carries that ID, the rest of the text is dropped and replayed by the server, the page sees no
//! `error` and readyState stays OPEN. A stream without IDs can't be resumed without loss, so it is never recycled (use the
//! fetch transport for those).
//!
//! The text arrives decoded by the browser, with its BOM already removed (and the charset forced
//! to UTF-8 with `overrideMimeType`); the parser is told so.

use super::super::source::{is_current, perform, Shared};
use super::super::sys;
use super::{network_error, outgoing, Active};
use alloc::rc::{Rc, Weak};
use core::cell::Cell;
use wasm_bindgen::prelude::*;
use web_sys::XmlHttpRequest;

/// `responseText` length (UTF-16 units) past which the request is recycled: 8 Mi units, 16 MiB
/// of JS heap at most, small next to what the page would otherwise keep forever.
const RECYCLE_AFTER: u32 = 8 << 20;

const HEADERS_RECEIVED: u16 = 2;
const DONE: u16 = 4;

/// One XHR and its event handlers.
pub(crate) struct XhrRequest {
    xhr: XmlHttpRequest,
    /// UTF-16 units of `responseText` already parsed.
    read: Cell<u32>,
    /// The response headers were handled.
    headers_seen: Cell<bool>,
    _on_change: Closure<dyn FnMut()>,
    _on_error: Closure<dyn FnMut()>,
}

impl XhrRequest {
    pub(crate) fn abort(&self) {
        self.detach();
        let _ = self.xhr.abort();
    }

    /// Removes the handlers: `abort()` fires events synchronously, and the closures must not
    /// be called once dropped.
    fn detach(&self) {
        self.xhr.set_onreadystatechange(None);
        self.xhr.set_onprogress(None);
        self.xhr.set_onerror(None);
        self.xhr.set_ontimeout(None);
    }
}

impl Drop for XhrRequest {
    fn drop(&mut self) {
        self.detach();
    }
}

pub(super) fn start(shared: &Rc<Shared>) {
    let Ok(mut state) = shared.state.try_borrow_mut() else {
        return;
    };
    state.abort();
    let generation = state.generation;
    let Ok(xhr) = XmlHttpRequest::new() else {
        drop(state);
        return network_error(shared);
    };
    let out = outgoing(&state);
    let weak = Rc::downgrade(shared);
    let on_change = Closure::<dyn FnMut()>::new({
        let weak = weak.clone();
        move || on_change(&weak, generation)
    });
    let on_error = Closure::<dyn FnMut()>::new(move || on_error(&weak, generation));
    let sent = (|| -> Result<(), JsValue> {
        xhr.open_with_async("GET", &out.url, true)?;
        xhr.set_with_credentials(state.with_credentials);
        for (name, value) in &out.headers {
            xhr.set_request_header(name, value)?;
        }
        for (name, value) in &state.headers {
            xhr.set_request_header(name, value)?;
        }
        // The event-stream format is always UTF-8, whatever charset the server names.
        xhr.override_mime_type("text/plain; charset=utf-8")?;
        let handler = on_change.as_ref().unchecked_ref();
        xhr.set_onreadystatechange(Some(handler));
        // Browsers fire `readystatechange` once for LOADING; progress events say "more text".
        xhr.set_onprogress(Some(handler));
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        xhr.set_ontimeout(Some(on_error.as_ref().unchecked_ref()));
        xhr.send()
    })();
    state.active = Some(Active::new_xhr(XhrRequest {
        xhr,
        read: Cell::new(0),
        headers_seen: Cell::new(false),
        _on_change: on_change,
        _on_error: on_error,
    }));
    drop(state);
    if sent.is_err() {
        network_error(shared);
    }
}

impl Active {
    fn new_xhr(request: XhrRequest) -> Active {
        super::live_add(super::REQUESTS, true);
        Active::Xhr(request)
    }
}

fn on_error(weak: &Weak<Shared>, generation: u32) {
    let Some(shared) = weak.upgrade() else { return };
    if is_current(&shared, generation) {
        network_error(&shared);
    }
}

fn on_change(weak: &Weak<Shared>, generation: u32) {
    let Some(shared) = weak.upgrade() else { return };
    if !is_current(&shared, generation) {
        return;
    }
    let Some(xhr) = current_xhr(&shared) else {
        return;
    };
    let ready_state = xhr.ready_state();
    if ready_state < HEADERS_RECEIVED {
        return;
    }
    if ready_state == DONE && xhr.status().unwrap_or(0) == 0 {
        // Status 0 at DONE: a network error (refused, CORS, dropped before headers).
        return network_error(&shared);
    }
    if !headers_seen(&shared) {
        let status = xhr.status().unwrap_or(0);
        let content_type = xhr.get_response_header("Content-Type").ok().flatten();
        let step = {
            let Ok(mut state) = shared.state.try_borrow_mut() else {
                return;
            };
            state.final_url = xhr.response_url();
            if let Some(Active::Xhr(request)) = &state.active {
                request.headers_seen.set(true);
            }
            let step = state
                .conn
                .on_response(status, content_type.as_deref(), sys::now());
            state.conn.input_is_decoded();
            step
        };
        perform(&shared, step);
        if !is_current(&shared, generation) {
            return;
        }
    }
    read_new_text(&shared, &xhr, generation);
    if !is_current(&shared, generation) {
        return;
    }
    if ready_state == DONE {
        let step = {
            let Ok(mut state) = shared.state.try_borrow_mut() else {
                return;
            };
            state.active = None;
            state.conn.on_end(sys::now())
        };
        perform(&shared, step);
    }
}

fn current_xhr(shared: &Shared) -> Option<XmlHttpRequest> {
    match &shared.state.try_borrow().ok()?.active {
        Some(Active::Xhr(request)) => Some(request.xhr.clone()),
        _ => None,
    }
}

fn headers_seen(shared: &Shared) -> bool {
    match shared.state.try_borrow().as_deref().map(|s| &s.active) {
        Ok(Some(Active::Xhr(request))) => request.headers_seen.get(),
        _ => true,
    }
}

/// The most UTF-16 units of `responseText` handed to the parser at once (see `fetch::SLICE`:
/// Firefox delivers a whole 256 MiB response in one progress event when the page is busy).
const SLICE: u32 = super::fetch::SLICE;

/// Parses the part of `responseText` that arrived since the last call, in slices.
///
/// The text that had arrived by the last call is parsed whole; only once that passed
/// [`RECYCLE_AFTER`] does the parse stop at the first resume point. The text is in memory already,
/// and Firefox delivers a busy page's stream in progress events of up to hundreds of MiB: cutting
/// at the first resume point of such a piece made the server send nearly all of it again, 32
/// times over 256 MiB (2.3 MB/s).
fn read_new_text(shared: &Rc<Shared>, xhr: &XmlHttpRequest, generation: u32) {
    let text = sys::response_text_js(xhr);
    let length = text.length();
    // Only this function moves `read`; once it calls out (perform), a request that is no longer
    // the current one is caught by `is_current`, so the value is tracked here.
    let mut read = match shared.state.try_borrow().as_deref().map(|s| &s.active) {
        Ok(Some(Active::Xhr(request))) => request.read.get(),
        _ => return,
    };
    let past_bound = read >= RECYCLE_AFTER;
    for _ in 0..=length / SLICE {
        if length <= read {
            return;
        }
        let mut end = length.min(read.saturating_add(SLICE));
        // Never cut a surrogate pair (a high surrogate, 0xD800..0xDC00, last): its halves would
        // each decode to U+FFFD.
        if end < length && (55296.0..56320.0).contains(&text.char_code_at(end - 1)) {
            end -= 1;
        }
        let (step, cut) = {
            let Ok(mut state) = shared.state.try_borrow_mut() else {
                return;
            };
            if let Some(Active::Xhr(request)) = &state.active {
                request.read.set(end);
            }
            let fresh: alloc::string::String = text.slice(read, end).into();
            let now = sys::now();
            if past_bound {
                // Past the bound: stop at the first point the server can resume from exactly.
                state
                    .conn
                    .on_chunk_until_resume_point(fresh.as_bytes(), now)
            } else {
                (state.conn.on_chunk(fresh.as_bytes(), now), None)
            }
        };
        perform(shared, step);
        if !is_current(shared, generation) {
            return;
        }
        if cut.is_some() {
            // The rest of `responseText` is dropped: the new request, carrying the last event
            // ID, gets it again from the server.
            let Ok(step) = shared
                .state
                .try_borrow_mut()
                .map(|mut state| state.conn.on_recycle(sys::now()))
            else {
                return;
            };
            return perform(shared, step);
        }
        read = end;
    }
}
