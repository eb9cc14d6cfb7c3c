//! CORS for the stream, API and test routes: only for the server's own origins (every
//! listener, so the second port is "another origin" a test page can read with credentials)
//! and the `--allow-origin` ones. Any other origin gets no CORS header at all, so no other
//! site can read a response (and `/t/echo` or `/t/log` would hand it the cookies and
//! `Authorization` of whatever else runs on 127.0.0.1).
//!
//! `cors=` in the query shapes a refusal, for tests of how clients treat one; each knob
//! only withholds or spoils the answer an allowed origin would get, never widens it.

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};

use crate::access::Access;
use crate::body::Body;
use crate::http_util::Query;

/// The request headers a preflight allows: what the polyfill and the demo send
/// (Last-Event-ID, X-Requested-With for polling, Authorization and Content-Type for
/// `/api/answer`), Cache-Control (sent by some polyfills) and X-Custom (the test suites'
/// example of an arbitrary extra header).
pub const ALLOWED_HEADERS: &str =
    "Last-Event-ID, X-Requested-With, Authorization, Content-Type, Cache-Control, X-Custom";

/// An origin no page has, for the `cors=wrong` refusal.
pub const WRONG_ORIGIN: &str = "http://wrong-origin.invalid";

/// Whether CORS applies to this path (streams, the API and test routes, not static files).
pub fn applies(path: &str) -> bool {
    path.starts_with("/t/") || path.starts_with("/api/") || path == "/stats" || path == "/ticker"
}

/// The shape of the CORS answer, chosen by `cors=` in the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// The normal answer: the origin reflected, with credentials.
    Normal,
    /// `cors=0` (or `false`, `none`): no CORS header at all.
    Off,
    /// `cors=wrong`: `Access-Control-Allow-Origin` names another origin.
    Wrong,
    /// `cors=empty`: `Access-Control-Allow-Origin` is present and empty.
    Empty,
    /// `cors=nocreds`: the right origin, but no `Access-Control-Allow-Credentials`
    /// (a credentialed request must then fail; an anonymous one succeeds).
    NoCreds,
}

impl Knob {
    pub fn of(q: &Query) -> Knob {
        match q.bytes("cors") {
            Some(b"0" | b"false" | b"none" | b"off") => Knob::Off,
            Some(b"wrong") => Knob::Wrong,
            Some(b"empty") => Knob::Empty,
            Some(b"nocreds") => Knob::NoCreds,
            _ => Knob::Normal,
        }
    }
}

/// `Origin: null` (a request tainted by a cross-origin redirect, a sandboxed frame, a
/// `data:` document) is answered, without credentials, on the test routes only: the
/// conformance suite checks a redirect chain that ends with it. Never on `/t/log`, whose
/// answer holds what other requests sent.
fn null_origin_ok(origin: &[u8], path: &str, test_routes: bool) -> bool {
    test_routes && origin == b"null" && path.starts_with("/t/") && path != "/t/log"
}

/// The `Access-Control-Allow-*` pair for a request from `origin`, or `None` for no CORS.
fn allow(
    access: &Access,
    origin: &HeaderValue,
    path: &str,
    test_routes: bool,
    knob: Knob,
) -> Option<(HeaderValue, bool)> {
    if knob == Knob::Off {
        return None;
    }
    if null_origin_ok(origin.as_bytes(), path, test_routes) {
        return Some((origin.clone(), false));
    }
    if !access.origin_allowed(origin.as_bytes()) {
        return None;
    }
    Some(match knob {
        Knob::Wrong => (HeaderValue::from_static(WRONG_ORIGIN), true),
        Knob::Empty => (HeaderValue::from_static(""), true),
        Knob::NoCreds => (origin.clone(), false),
        Knob::Normal | Knob::Off => (origin.clone(), true),
    })
}

/// Adds the CORS headers for a request that sent `Origin`. A header a scripted
/// response set explicitly (`/t/script?header=`) wins over these.
pub fn decorate(
    access: &Access,
    req: &HeaderMap,
    q: &Query,
    path: &str,
    test_routes: bool,
    resp: &mut Response<Body>,
) {
    let Some(origin) = req.get("origin") else {
        return;
    };
    let h = resp.headers_mut();
    h.append("vary", HeaderValue::from_static("Origin"));
    let Some((allow_origin, credentials)) = allow(access, origin, path, test_routes, Knob::of(q))
    else {
        return;
    };
    set_default(h, "access-control-allow-origin", allow_origin);
    if credentials {
        set_default(
            h,
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
    set_default(
        h,
        "access-control-expose-headers",
        HeaderValue::from_static("*"),
    );
}

fn set_default(h: &mut HeaderMap, name: &'static str, v: HeaderValue) {
    h.entry(HeaderName::from_static(name)).or_insert(v);
}

/// The answer to an `OPTIONS` preflight: 204, with the allowed methods (POST on `/api/`,
/// GET elsewhere) and headers for an allowed origin, and no CORS header for any other.
pub fn preflight(
    access: &Access,
    req: &HeaderMap,
    q: &Query,
    path: &str,
    test_routes: bool,
) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert("vary", HeaderValue::from_static("Origin"));
    let Some(origin) = req.get("origin") else {
        return r;
    };
    let Some((allow_origin, credentials)) = allow(access, origin, path, test_routes, Knob::of(q))
    else {
        return r;
    };
    h.insert("access-control-allow-origin", allow_origin);
    if credentials {
        h.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
    let methods = if path.starts_with("/api/") {
        "POST"
    } else {
        "GET"
    };
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static(methods),
    );
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    // 0: browsers must preflight every time, so tests can count preflights.
    h.insert("access-control-max-age", HeaderValue::from_static("0"));
    r
}
