//! Streaming `fetch`: the body's `ReadableStream` read chunk by chunk. Before the response,
//! `close()` aborts the request with an `AbortController`; after it, the body's reader is
//! cancelled (Chromium reports the signal's rejection of a body being read as unhandled).
//!
//! No futures runtime: each promise gets one reaction through `settle` (a two-line JS helper)
//! that calls the source's single callback with the request's generation, so a settlement of an
//! aborted request is recognised and ignored. While a promise is pending the source keeps itself
//! alive (see `Shared::hold`), so the callback is never called after being dropped.

use super::super::source::{is_current, perform, Shared};
use super::super::sys;
use super::{network_error, outgoing, Active};
use alloc::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Headers, ReadableStreamDefaultReader, ReadableStreamReadResult, Request, RequestCache,
    RequestCredentials, RequestInit, RequestMode, Response,
};

/// What a settled promise was.
pub(crate) const RESPONSE: u32 = 0;
pub(crate) const READ: u32 = 1;

pub(super) fn start(shared: &Rc<Shared>) {
    let (request, generation) = {
        let Ok(mut state) = shared.state.try_borrow_mut() else {
            return;
        };
        let early = state.early.take();
        state.abort();
        let generation = state.generation;
        if let Some((response, controller)) = early {
            state.active = Some(Active::new_fetch(controller));
            drop(state);
            return Shared::wait(shared, &response, generation, RESPONSE);
        }
        let out = outgoing(&state);
        let init = RequestInit::new();
        init.set_method("GET");
        // "Let corsAttributeState be Anonymous, or Use Credentials when withCredentials".
        init.set_mode(RequestMode::Cors);
        init.set_credentials(if state.with_credentials {
            RequestCredentials::Include
        } else {
            RequestCredentials::SameOrigin
        });
        init.set_cache(RequestCache::NoStore);
        if let Ok(headers) = Headers::new() {
            let ours = out.headers.iter().map(|(n, v)| (*n, v.as_str()));
            let page = state.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
            for (name, value) in ours.chain(page) {
                let _ = headers.set(name, value);
            }
            init.set_headers(&headers);
        }
        let controller = web_sys::AbortController::new().ok();
        if let Some(controller) = &controller {
            init.set_signal(Some(&controller.signal()));
        }
        let request = Request::new_with_str_and_init(&out.url, &init).or_else(|_| {
            // Runtimes without cache modes (Node's fetch) reject `no-store`: go without.
            init.set_cache(RequestCache::Default);
            Request::new_with_str_and_init(&out.url, &init)
        });
        state.active = Some(Active::new_fetch(controller));
        (request, generation)
    };
    match request {
        Ok(request) => Shared::wait(shared, &sys::fetch(&request), generation, RESPONSE),
        Err(_) => network_error(shared),
    }
}

/// A promise of this source settled: `kind` says which, `ok` whether it was fulfilled.
pub(crate) fn settled(shared: &Rc<Shared>, generation: u32, kind: u32, ok: bool, value: JsValue) {
    if !is_current(shared, generation) {
        return;
    }
    if !ok {
        return network_error(shared);
    }
    if kind == RESPONSE {
        on_response(shared, generation, value.unchecked_into());
    } else {
        on_read(shared, generation, value.unchecked_into());
    }
}

fn on_response(shared: &Rc<Shared>, generation: u32, response: Response) {
    let content_type = response.headers().get("content-type").ok().flatten();
    let step = {
        let Ok(mut state) = shared.state.try_borrow_mut() else {
            return;
        };
        state.final_url = response.url();
        state
            .conn
            .on_response(response.status(), content_type.as_deref(), sys::now())
    };
    perform(shared, step);
    if !is_current(shared, generation) {
        return;
    }
    let Some(body) = response.body() else {
        return network_error(shared);
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    if let Ok(mut state) = shared.state.try_borrow_mut() {
        if let Some(Active::Fetch(_, slot)) = &mut state.active {
            *slot = Some(reader.clone());
        }
    }
    Shared::wait(shared, &reader.read(), generation, READ);
}

/// The most bytes handed to the parser at once. Browsers may deliver a body in pieces of any
/// size (Firefox hands over 100+ MiB at once when the page is busy); in slices, the copy in wasm
/// memory and the batch of events stay small, and wasm memory, which never shrinks, stays low.
/// 64 KiB: the batch's decoded text then stays a young object for V8, which frees it in the next
/// scavenge; a string over 128 KiB goes to the large-object space, which only a full collection
/// frees, and the JS heap peaked several times higher with 1 MiB slices (see the README).
pub(super) const SLICE: u32 = 64 << 10;

fn on_read(shared: &Rc<Shared>, generation: u32, result: ReadableStreamReadResult) {
    if result.get_done().unwrap_or(true) {
        let step = {
            let Ok(mut state) = shared.state.try_borrow_mut() else {
                return;
            };
            state.active = None;
            state.conn.on_end(sys::now())
        };
        return perform(shared, step);
    }
    let chunk: js_sys::Uint8Array = result.get_value().unchecked_into();
    let total = chunk.length();
    let mut start = 0;
    while start < total {
        let end = total.min(start.saturating_add(SLICE));
        let piece = if start == 0 && end == total {
            chunk.clone()
        } else {
            chunk.subarray(start, end)
        };
        let step = {
            let Ok(mut guard) = shared.state.try_borrow_mut() else {
                return;
            };
            let state = &mut *guard;
            let len = piece.length() as usize;
            if state.scratch.len() < len {
                state.scratch.resize(len, 0);
            }
            let Some(bytes) = state.scratch.get_mut(..len) else {
                return;
            };
            piece.copy_to(bytes);
            state.conn.on_chunk(bytes, sys::now())
        };
        perform(shared, step);
        // A handler may have closed the source, or a failure ended the request.
        if !is_current(shared, generation) {
            return;
        }
        start = end;
    }
    // Read on while this request is still the one that streams.
    let reader = match shared.state.try_borrow() {
        Ok(state) => match &state.active {
            Some(Active::Fetch(_, Some(reader))) => Some(reader.clone()),
            _ => None,
        },
        Err(_) => None,
    };
    if let Some(reader) = reader {
        Shared::wait(shared, &reader.read(), generation, READ);
    }
}
