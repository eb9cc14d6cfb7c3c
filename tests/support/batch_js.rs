//! The shim's batch reader (js/batch.js), for the browser tests that read the engine's batches
//! the way the package does.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/batch.js")]
extern "C" {
    /// A fresh reader state.
    #[wasm_bindgen(js_name = batchState)]
    pub fn batch_state() -> JsValue;

    /// Calls `deliver(type, data, lastEventId)` for each event of the batch `view`.
    #[wasm_bindgen(js_name = readBatch)]
    pub fn read_batch(view: &js_sys::Uint8Array, state: &JsValue, deliver: &js_sys::Function);
}
