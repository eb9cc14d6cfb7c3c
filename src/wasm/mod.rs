//! The browser side: wasm-bindgen exports. Only moves bytes and events; the protocol lives in
//! `parser` and `connection`.

mod source;
#[cfg(feature = "tools")]
mod stream_parser;
mod sys;
mod transport;

pub use source::{Host, Source};
#[cfg(feature = "tools")]
pub use stream_parser::StreamParser;

#[cfg(feature = "bare")]
mod bare;
