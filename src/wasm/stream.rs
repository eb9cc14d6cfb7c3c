//! Reading a `ReadableStream` of bytes: a fetch response's body, or the stream a page handed to
//! `EventSource.fromReadableStream`. One `read()` at a time (made by the page, which answers with
//! `handleRead`), each chunk fed in slices.

use super::source::{live_add, BODIES};
use super::sys;
use crate::connection::Connection;
use alloc::vec::Vec;
use web_sys::ReadableStreamDefaultReader;

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

impl StreamBody {
    pub(super) fn new(reader: ReadableStreamDefaultReader) -> StreamBody {
        live_add(BODIES, true);
        StreamBody {
            reader,
            chunk: None,
            reading: false,
        }
    }

    pub(super) fn reader(&self) -> ReadableStreamDefaultReader {
        self.reader.clone()
    }

    /// The reader, to cancel the stream (a fetch body: its connection is released).
    pub(super) fn into_reader(self) -> ReadableStreamDefaultReader {
        self.reader.clone()
    }

    /// A read gave `chunk`.
    pub(super) fn got(&mut self, chunk: js_sys::Uint8Array) {
        self.reading = false;
        self.chunk = Some((chunk, 0));
    }

    /// Whether a read must be made now (none is pending); it then is.
    pub(super) fn start_read(&mut self) -> bool {
        !core::mem::replace(&mut self.reading, true)
    }

    /// Feeds the next slice of the last chunk; false when nothing of it is left.
    pub(super) fn feed(&mut self, conn: &mut Connection, scratch: &mut Vec<u8>) -> bool {
        let Some((chunk, at)) = self.chunk.take() else {
            return false;
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
        true
    }
}

impl Drop for StreamBody {
    fn drop(&mut self) {
        live_add(BODIES, false);
    }
}
