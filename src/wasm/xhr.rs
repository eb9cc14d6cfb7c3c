//! Reading an XHR's `responseText`: for runtimes whose `fetch` cannot stream a body, and for
//! long polling where there is no streaming fetch.
//!
//! Each call slices off only the part of `responseText` not read yet, so a slice costs its own
//! length, not the length of everything received. The text arrives decoded by the browser (the
//! charset forced to UTF-8 by the page, its BOM already removed): the connection is told so.
//!
//! `responseText` only grows, so once [`RECYCLE_AFTER`] UTF-16 units were read the request is
//! replaced, invisibly, at the first moment all the text received so far has been read and it
//! ends exactly on a resume point (`resume.rs`): right after an event whose block carries an `id`.
//! The new request carries that ID; nothing already received is dropped. A server that answers
//! with a replay from the start instead of resuming is caught (`Batch::expect_resume`): the
//! repeated events are dropped, and that source is not replaced again. A stream without IDs is
//! never replaced (use the fetch transport).

use super::source::{live_add, BODIES};
use super::stream::SLICE;
use super::sys::{self, XhrText};
use crate::connection::{Connection, NetworkError};
use crate::resume;

/// UTF-16 units read past which the request is replaced at the next resume point: 8 Mi units,
/// 16 MiB of JS heap at most, small next to what the page would otherwise keep forever.
const RECYCLE_AFTER: u32 = 8 << 20;

/// What [`TextBody::feed`] did.
pub(super) enum TextFed {
    /// No new text, and the response goes on.
    Nothing,
    /// Fed one slice to the connection.
    Slice,
    /// Told the connection that the response is over: the body is done with.
    Finished,
}

/// An XHR whose text is being read.
pub(crate) struct TextBody {
    xhr: XhrText,
    /// UTF-16 units of `responseText` already read.
    read: u32,
    /// The response is over (`Some(None)`: it ended normally): once the text is read, tell the
    /// connection.
    finished: Option<Option<NetworkError>>,
}

impl TextBody {
    pub(super) fn new(xhr: XhrText) -> TextBody {
        live_add(BODIES, true);
        TextBody {
            xhr,
            read: 0,
            finished: None,
        }
    }

    /// The response ended (`None`) or failed; the text already received is read first.
    pub(super) fn finish(&mut self, error: Option<NetworkError>) {
        self.finished.get_or_insert(error);
    }

    /// Feeds the next slice of new text, or, once all is read, the end of the response.
    pub(super) fn feed(&mut self, conn: &mut Connection) -> TextFed {
        let text = self.xhr.response_text();
        let length = text.length();
        let now = sys::now();
        if length <= self.read {
            match self.finished.take() {
                Some(None) => conn.handle_end(now),
                Some(Some(error)) => conn.handle_network_error(error, now),
                None => return TextFed::Nothing,
            }
            return TextFed::Finished;
        }
        let mut end = length.min(self.read.saturating_add(SLICE));
        // Never cut a surrogate pair (a high surrogate, 0xD800..0xDC00, last): its halves would
        // each decode to U+FFFD.
        if end < length && (55296.0..56320.0).contains(&text.char_code_at(end - 1)) {
            end -= 1;
        }
        let fresh: alloc::string::String = text.slice(self.read, end).into();
        // A server that answered a replacement with a replay (see `Batch::expect_resume`) does not
        // resume: its stream is left to grow, as for a stream without IDs.
        let replace = self.read >= RECYCLE_AFTER
            && end == length
            && self.finished.is_none()
            && !conn.batch().saw_replay()
            && resume::resume_point_at_end(conn.parser(), fresh.as_bytes());
        self.read = end;
        conn.handle_chunk(fresh.as_bytes(), now);
        if replace {
            conn.handle_replace(now);
        }
        TextFed::Slice
    }
}

impl Drop for TextBody {
    fn drop(&mut self) {
        live_add(BODIES, false);
    }
}
