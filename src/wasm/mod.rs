//! The engine's driver in the page: wasm-bindgen exports that move bytes and events between
//! the page and the [`Connection`](crate::connection::Connection), and nothing more. The
//! protocol lives in `parser` and `connection`.

mod source;
mod stream;
#[cfg(feature = "tools")]
mod stream_parser;
mod sys;
mod xhr;

pub use source::{live_resources, Host, Options, Source};
#[cfg(feature = "tools")]
pub use stream_parser::StreamParser;

#[cfg(feature = "bare-alloc")]
mod bare;
