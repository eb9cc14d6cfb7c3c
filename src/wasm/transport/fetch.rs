//! Streaming `fetch`: the body's `ReadableStream` read chunk by chunk; `close()` aborts it with
//! an `AbortController`. The default wherever response bodies are streams.

use super::super::source::{is_current, perform, Shared};
use super::super::sys;
use super::{outgoing, Active};
use alloc::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Headers, ReadableStreamDefaultReader, ReadableStreamReadResult, Request, RequestCache,
    RequestCredentials, RequestInit, RequestMode, Response,
};

pub(super) fn start(shared: &Rc<Shared>) {
    let (request, generation) = {
        let mut state = shared.state.borrow_mut();
        state.abort();
        let generation = state.generation;
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
        let headers = Headers::new().ok();
        if let Some(headers) = &headers {
            for (name, value) in &out.headers {
                let _ = headers.set(name, value);
            }
            for (name, value) in &state.headers {
                let _ = headers.set(name, value);
            }
            init.set_headers(headers);
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
    wasm_bindgen_futures::spawn_local(run(shared.clone(), generation, request.ok()));
}

async fn run(shared: Rc<Shared>, generation: u32, request: Option<Request>) {
    let response = match request {
        Some(request) => JsFuture::from(sys::fetch(&request)).await,
        None => Err(wasm_bindgen::JsValue::UNDEFINED),
    };
    if !is_current(&shared, generation) {
        return;
    }
    let Ok(response) = response else {
        return network_error(&shared);
    };
    let response: Response = response.unchecked_into();
    let content_type = response.headers().get("content-type").ok().flatten();
    let step = {
        let mut state = shared.state.borrow_mut();
        state.final_url = response.url();
        state
            .conn
            .on_response(response.status(), content_type.as_deref(), sys::now())
    };
    perform(&shared, step);
    if !is_current(&shared, generation) {
        return;
    }
    let Some(body) = response.body() else {
        return network_error(&shared);
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    if let Some(Active::Fetch(_, slot)) = &mut shared.state.borrow_mut().active {
        *slot = Some(reader.clone());
    }
    loop {
        let result = JsFuture::from(reader.read()).await;
        // An aborted request (close(), a heartbeat timeout) rejects the read: nothing to do.
        if !is_current(&shared, generation) {
            return;
        }
        let Ok(result) = result else {
            return network_error(&shared);
        };
        let result: ReadableStreamReadResult = result.unchecked_into();
        if result.get_done().unwrap_or(true) {
            let step = {
                let mut state = shared.state.borrow_mut();
                state.active = None;
                state.conn.on_end(sys::now())
            };
            return perform(&shared, step);
        }
        let chunk: js_sys::Uint8Array = result.get_value().unchecked_into();
        let step = {
            let mut guard = shared.state.borrow_mut();
            let state = &mut *guard;
            let len = chunk.length() as usize;
            if state.scratch.len() < len {
                state.scratch.resize(len, 0);
            }
            let bytes = &mut state.scratch[..len];
            chunk.copy_to(bytes);
            state.conn.on_chunk(bytes, sys::now())
        };
        perform(&shared, step);
    }
}

fn network_error(shared: &Rc<Shared>) {
    let step = {
        let mut state = shared.state.borrow_mut();
        state.active = None;
        state.conn.on_network_error(sys::now())
    };
    perform(shared, step);
}
