//! `StreamParser`: the parser alone, for JavaScript that brings its own bytes.
//!
//! ```js
//! const parser = new StreamParser();
//! const view = parser.feed(chunk);                 // Uint8Array into wasm memory
//! const fields = decoder.decode(view).split('\r'); // one decode, one split per chunk
//! ```
//! See `batch.rs` for the layout. The view is valid until the next call into the module.

use crate::batch::Batch;
use crate::parser::{Error, Parser, DEFAULT_MAX_EVENT_SIZE};
use alloc::string::String;
use wasm_bindgen::prelude::*;

/// An incremental event-stream parser (see the crate docs).
#[wasm_bindgen]
pub struct StreamParser {
    parser: Parser,
    batch: Batch,
    error: Option<Error>,
}

#[wasm_bindgen]
impl StreamParser {
    /// A parser that fails when a line or an event exceeds `max_event_size` bytes (16 MiB when
    /// not given).
    #[wasm_bindgen(constructor)]
    pub fn new(max_event_size: Option<u32>) -> StreamParser {
        let max = max_event_size.map_or(DEFAULT_MAX_EVENT_SIZE, |m| m as usize);
        StreamParser {
            parser: Parser::new(max),
            batch: Batch::default(),
            error: None,
        }
    }

    /// Parses `chunk` and returns a view of the events it completed, in the batch layout.
    /// When a line or event grows past the limit, the view holds the events completed before
    /// that point, `error` says why, and the next call throws: the parser stays failed.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<js_sys::Uint8Array, JsError> {
        if let Some(e) = self.error {
            return Err(JsError::new(e.message()));
        }
        self.batch.clear();
        if let Err(e) = self.parser.feed(chunk, &mut self.batch) {
            self.error = Some(e);
        }
        // SAFETY: the view aliases wasm memory; it is valid until the next allocation in the
        // module, and callers decode it before calling in again (documented above).
        Ok(unsafe { js_sys::Uint8Array::view(self.batch.bytes()) })
    }

    /// Why the parser failed, if it did (see [`StreamParser::feed`]).
    #[wasm_bindgen(getter)]
    pub fn error(&self) -> Option<String> {
        self.error.map(|e| String::from(e.message()))
    }

    /// The last valid `retry` value of the last chunk, or -1.
    #[wasm_bindgen(getter)]
    pub fn retry(&self) -> f64 {
        self.batch.retry().map_or(-1.0, |r| r as f64)
    }

    /// The stream ended: drop the unfinished line and event.
    pub fn end(&mut self) {
        self.parser.end_of_stream();
    }
}
