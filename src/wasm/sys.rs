//! Bindings to globals that exist in windows, workers and Node alike. `web_sys::window()` would
//! tie the engine to documents; these are looked up on the global object instead.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "export function settle(p, f, g, k) { \
    p.then((v) => f(g, k, true, v), (e) => f(g, k, false, e)); }")]
extern "C" {
    /// Calls `callback(generation, kind, fulfilled, value)` once `promise` settles: one reaction
    /// for both outcomes, so no futures runtime is needed.
    pub fn settle(
        promise: &js_sys::Promise,
        callback: &js_sys::Function,
        generation: u32,
        kind: u32,
    );
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (window, worker or Node). Throws only for a malformed request.
    #[wasm_bindgen(js_name = fetch)]
    pub fn fetch(request: &web_sys::Request) -> js_sys::Promise;

    /// The global `setTimeout`; its handle is a number in browsers and an object in Node.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(callback: &js_sys::Function, millis: f64) -> JsValue;

    /// The global `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// An `XMLHttpRequest`, seen through the one member web-sys can only copy into wasm.
    pub type XhrText;

    /// `responseText` as a JS string, not copied into wasm: the transport slices off only the
    /// part it has not read yet.
    #[wasm_bindgen(method, getter, js_name = responseText)]
    fn response_text(this: &XhrText) -> js_sys::JsString;
}

/// `xhr.responseText`, left in JavaScript.
pub fn response_text_js(xhr: &web_sys::XmlHttpRequest) -> js_sys::JsString {
    use wasm_bindgen::JsCast;
    xhr.unchecked_ref::<XhrText>().response_text()
}

/// Milliseconds on the wall clock; the connection only compares them.
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}
