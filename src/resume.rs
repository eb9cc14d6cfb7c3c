//! Where a stream can be cut and resumed without loss: the XHR transport's recycling.
//!
//! An XHR's `responseText` only grows, so a long-lived XHR stream must at some point be replaced
//! by a new request (see `wasm::xhr`). The new request carries the last event ID, and the server
//! replays what came after it. That loses and repeats nothing only if everything received so far
//! ends exactly where that ID was set: on the blank line that dispatched an event whose own block
//! carried the `id` field.

use crate::batch::Batch;
use crate::parser::Parser;

/// Whether `bytes`, fed after what `parser` has read, end exactly on a resume point. The parser
/// is not changed (the check runs on a copy: a second parse of `bytes`, which the transport pays
/// only once its response has grown past its bound, until it finds a point).
pub fn resume_point_at_end(parser: &Parser, bytes: &[u8]) -> bool {
    // The last line end: the blank line that must dispatch an event with its own ID.
    let last = match bytes {
        [.., b'\r', b'\n'] => bytes.len() - 2,
        [.., b'\r' | b'\n'] => bytes.len() - 1,
        _ => return false,
    };
    let (before, blank) = bytes.split_at(last);
    let mut probe = parser.clone();
    // The events go to a batch of their own, thrown away (a `Batch`, not a sink that ignores
    // them: the wasm build then holds one copy of the parser, not two).
    let mut events = Batch::default();
    if probe.feed(before, &mut events).is_err() {
        return false;
    }
    let points = probe.resume_points();
    // A lone CR at the end may be half of a CRLF; if the server resumes after it, no LF follows.
    probe.feed(blank, &mut events).is_ok()
        && probe.resume_points() != points
        && probe.is_between_events()
}
