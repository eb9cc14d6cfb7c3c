//! eventsource-wasm: an `EventSource` whose engine is Rust compiled to WebAssembly.
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

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(all(target_arch = "wasm32", feature = "tools"))]
pub use wasm::StreamParser;
#[cfg(target_arch = "wasm32")]
pub use wasm::{Host, Source};
