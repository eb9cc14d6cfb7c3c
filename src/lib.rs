//! eventsource-wasm: an `EventSource` whose engine is Rust compiled to WebAssembly.
//!
//! ```text
//!  page (js/)                       engine (wasm: src/wasm/)              core (no I/O: src/)
//!  ──────────                       ───────────────────────               ──────────────────
//!  new EventSource(url, opts) ───▶  Source::new(host, options)
//!                                   Source::start ─────────────────────▶ Connection::start
//!  host.send(lastEventId) ◀──────── Action::Send ◀─────────────────────── poll_action
//!   fetch / XHR (js/request.js)
//!  source.handleResponse(…, body) ─▶ reads the body (fetch reader,
//!                                   XHR responseText, page's stream)
//!                                   in slices ─────────────────────────▶ handle_chunk ─▶ Parser
//!                                                                                        │
//!  host.events(view) ◀───────────── Action::Events ◀──────────────────── Batch ◀─────────┘
//!   decode once, dispatch one event
//!   per microtask turn, then
//!  source.resume() ───────────────▶ next slice / next read
//!  host.open / host.error ◀──────── Action::Open / Reconnecting / Failed
//!                                   one timer ◀──────────────────────── poll_timeout
//!                                             ─────────────────────────▶ handle_timeout
//! ```
//!
//! - [`parser`]: the incremental event-stream parser (bytes in, events out).
//! - [`batch`]: the events of one slice, laid out for one `TextDecoder` call.
//! - [`connection`]: the standard's connection logic as a state machine (inputs in, actions
//!   out, time as an input).
//! - [`resume`]: where the XHR transport can replace its request without loss.
//! - `wasm` (wasm32 only): the driver, which moves bytes and events between the page and the
//!   connection and does nothing else.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
// The size-tuned wasm build (feature `bare`) brings its own panic handler and allocator, so
// that no formatting or panic-printing code is linked; every other build uses std's.
#[cfg(not(feature = "bare"))]
extern crate std;

pub mod batch;
pub mod connection;
pub mod parser;
pub mod resume;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(all(target_arch = "wasm32", feature = "tools"))]
pub use wasm::StreamParser;
#[cfg(target_arch = "wasm32")]
pub use wasm::{live_resources, Host, Options, Source};
