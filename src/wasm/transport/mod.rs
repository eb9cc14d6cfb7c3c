//! The transports: how request bytes go out and response bytes come in. They report to the
//! [`Connection`](crate::connection::Connection) and carry out its steps through
//! [`perform`](super::source::perform); they decide nothing about the protocol.

mod fetch;
mod xhr;

pub(crate) use fetch::settled;

use super::source::{live_add, Io, Shared, State, REQUESTS};
use alloc::rc::Rc;
use alloc::string::String;

/// A request in flight.
pub(crate) enum Active {
    /// A fetch: its controller until the response arrives, then the body's reader.
    Fetch(
        Option<web_sys::AbortController>,
        Option<web_sys::ReadableStreamDefaultReader>,
    ),
    Xhr(xhr::XhrRequest),
}

impl Active {
    fn new_fetch(controller: Option<web_sys::AbortController>) -> Active {
        live_add(REQUESTS, true);
        Active::Fetch(controller, None)
    }

    /// Cancels the request and its body.
    pub(crate) fn abort(self) {
        match &self {
            // Cancel the body first, then abort the request: Firefox keeps the connection open
            // after a cancel alone, and Chromium reports the signal's rejection of a body still
            // being read as unhandled (once cancelled, the abort finds nothing to reject).
            Active::Fetch(controller, reader) => {
                if let Some(reader) = reader {
                    let _ = reader.cancel();
                }
                if let Some(controller) = controller {
                    controller.abort();
                }
            }
            Active::Xhr(request) => request.abort(),
        }
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        live_add(REQUESTS, false);
    }
}

/// Sends the connection's next request with the source's transport.
pub(crate) fn start(shared: &Rc<Shared>) {
    let Ok(io) = shared.state.try_borrow().map(|s| s.io) else {
        return;
    };
    match io {
        Io::Fetch => fetch::start(shared),
        Io::Xhr => xhr::start(shared),
    }
}

/// The request failed (or could not be sent): a network error, so reestablish.
fn network_error(shared: &Rc<Shared>) {
    let step = {
        let Ok(mut state) = shared.state.try_borrow_mut() else {
            return;
        };
        state.active = None;
        state.conn.on_network_error(super::sys::now())
    };
    super::source::perform(shared, step);
}

/// What every transport's request carries, computed once per request.
struct Outgoing {
    url: String,
    /// Header name and value pairs, ours first, then the page's.
    headers: alloc::vec::Vec<(&'static str, String)>,
}

/// The request URL (with the last event ID in the query when so configured) and the headers.
fn outgoing(state: &State) -> Outgoing {
    let request = state.conn.request();
    // The URL is absolute and serialized (JS `new URL().href`): the fragment, if any, is
    // everything from the first `#`; the query starts at the first `?` before it.
    let end = state
        .url
        .bytes()
        .position(|b| b == b'#')
        .unwrap_or(state.url.len());
    let mut url = String::from(state.url.get(..end).unwrap_or(""));
    if let Some(query) = request.query.as_deref() {
        if url.bytes().any(|b| b == b'?') {
            url.push_str(query);
        } else {
            url.push('?');
            url.push_str(query.get(1..).unwrap_or(""));
        }
    }
    let mut headers = alloc::vec::Vec::new();
    headers.push(("Accept", String::from("text/event-stream")));
    if let Some(id) = request.last_event_id {
        // A header value is a byte sequence; JS APIs take it as a string of code points
        // U+0000-U+00FF, one per byte. So the ID's UTF-8 bytes go out unchanged, as a native
        // EventSource sends them.
        headers.push(("Last-Event-ID", id.iter().map(|&b| char::from(b)).collect()));
    }
    if request.x_requested_with {
        headers.push(("X-Requested-With", String::from("XMLHttpRequest")));
    }
    Outgoing { url, headers }
}
