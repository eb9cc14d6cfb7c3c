//! Bindings to globals that exist in windows, workers and Node alike (`web_sys::window()` would
//! tie the engine to documents).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds on a monotonic clock (a step of the wall clock moves
    /// neither a reconnection nor a heartbeat).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// An `XMLHttpRequest`, seen through the one member the engine reads.
    pub type XhrText;

    /// `responseText` as a JS string, not copied into wasm: the engine slices off only the part
    /// it has not read yet.
    #[wasm_bindgen(method, getter, js_name = responseText)]
    pub fn response_text(this: &XhrText) -> js_sys::JsString;
}

/// Milliseconds on the monotonic clock, as the connection counts them.
pub fn now() -> u64 {
    performance_now() as u64
}

/// The longest delay a timer API takes: they convert it to a signed 32-bit integer, so a longer
/// one wraps (`2^32` ms fires at once). Longer waits are chained.
pub const MAX_TIMER_DELAY: u64 = (1 << 31) - 1;

/// A bug: a call into a source while the source's state is in use. Every call out to JavaScript
/// is made with the state released, so this cannot happen; if it does, it is reported (a trap,
/// which JavaScript sees as a `RuntimeError`), never ignored.
#[cold]
pub fn reentered() -> ! {
    #[cfg(feature = "bare")]
    core::arch::wasm32::unreachable();
    #[cfg(not(feature = "bare"))]
    panic!("eventsource-wasm: re-entrant call into a source's state");
}
