//! Reading a `ReadableStream` of bytes: a fetch response's body, or the stream a page handed to
//! `EventSource.fromReadableStream`. One `read()` at a time, each chunk fed in slices.
//!
//! No futures runtime: each read gets one reaction through `Host::settle`, keyed by the body's
//! generation, so the settlement of a read of a body that was since dropped is recognised and
//! ignored.

use super::source::{drive, live_add, network_error, pump, Body, Shared, BODIES};
use super::sys;
use crate::connection::{Connection, NetworkError};
use alloc::rc::Rc;
use alloc::vec::Vec;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ReadableStreamDefaultReader, ReadableStreamReadResult};

/// The most bytes handed to the parser at once. Browsers may deliver a body in pieces of any
/// size (Firefox hands over 100+ MiB at once when the page is busy); in slices, the copy in wasm
/// memory and the batch of events stay small, and wasm memory, which never shrinks, stays low.
/// 64 KiB: the batch's decoded text then stays a young object for V8, which frees it in the next
/// scavenge; a string over 128 KiB goes to the large-object space, which only a full collection
/// frees, and the JS heap peaked several times higher with 1 MiB slices (see the README).
pub(super) const SLICE: u32 = 64 << 10;

/// A stream being read.
pub(crate) struct StreamBody {
    reader: ReadableStreamDefaultReader,
    /// The last chunk read, and how much of it was fed.
    chunk: Option<(js_sys::Uint8Array, u32)>,
    /// A `read()` is pending.
    reading: bool,
}

/// What [`StreamBody::feed`] did.
pub(super) enum Fed {
    /// Fed one slice to the connection.
    Slice,
    /// Nothing left of the last chunk: wait for this read.
    Read(js_sys::Promise),
    /// A read is already pending.
    Waiting,
}

impl StreamBody {
    pub(super) fn new(reader: ReadableStreamDefaultReader) -> StreamBody {
        live_add(BODIES, true);
        StreamBody {
            reader,
            chunk: None,
            reading: false,
        }
    }

    /// The reader, to cancel the stream (a fetch body: its connection is released).
    pub(super) fn into_reader(self) -> ReadableStreamDefaultReader {
        self.reader.clone()
    }

    /// Feeds the next slice of the last chunk, or asks for the next chunk.
    pub(super) fn feed(&mut self, conn: &mut Connection, scratch: &mut Vec<u8>) -> Fed {
        let Some((chunk, at)) = self.chunk.take() else {
            if self.reading {
                return Fed::Waiting;
            }
            self.reading = true;
            return Fed::Read(self.reader.read());
        };
        let total = chunk.length();
        let end = total.min(at.saturating_add(SLICE));
        let len = (end - at) as usize;
        if scratch.len() < len {
            scratch.resize(len, 0);
        }
        if let Some(bytes) = scratch.get_mut(..len) {
            if at == 0 && end == total {
                chunk.copy_to(bytes);
            } else {
                chunk.subarray(at, end).copy_to(bytes);
            }
            conn.handle_chunk(bytes, sys::now());
        }
        if end < total {
            self.chunk = Some((chunk, end));
        }
        Fed::Slice
    }
}

impl Drop for StreamBody {
    fn drop(&mut self) {
        live_add(BODIES, false);
    }
}

/// A read settled: `generation` is the body's it was made for.
pub(super) fn settled(shared: &Rc<Shared>, generation: u32, ok: bool, value: JsValue) {
    {
        let mut state = shared.state();
        if state.generation != generation {
            return;
        }
        let Body::Stream(body) = &mut state.body else {
            return;
        };
        body.reading = false;
        let now = sys::now();
        if !ok {
            drop(state);
            let error = network_error(shared.host.classify(&value));
            let mut state = shared.state();
            state.body = Body::None;
            state.conn.handle_network_error(error, now);
        } else {
            let result: ReadableStreamReadResult = value.unchecked_into();
            if result.get_done().unwrap_or(true) {
                state.body = Body::None;
                state.conn.handle_end(now);
            } else {
                match result.get_value().dyn_into::<js_sys::Uint8Array>() {
                    Ok(chunk) => body.chunk = Some((chunk, 0)),
                    // Only a page's stream can give something else: its source is broken.
                    Err(_) => {
                        if let Body::Stream(body) = core::mem::replace(&mut state.body, Body::None)
                        {
                            shared.host.cancel(&body.into_reader());
                        }
                        state.conn.handle_network_error(NetworkError::Futile, now);
                    }
                }
            }
        }
    }
    drive(shared);
    pump(shared);
}
