//! The browser side: wasm-bindgen exports. Only moves bytes and events; the protocol lives in
//! `parser` and `connection`.

pub use stream_parser::StreamParser;
mod stream_parser;

#[cfg(feature = "bare")]
mod bare;
