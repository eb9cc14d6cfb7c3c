//! CORS for the stream and test routes. The second listener exists to be a
//! different origin, so credentialed cross-origin EventSource requests must work:
//! that rules out `*` and requires echoing the request's Origin.

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};

use crate::body::Body;
use crate::http_util::Query;

/// Whether CORS applies to this path (streams and test routes, not static files).
pub fn applies(path: &str) -> bool {
    path.starts_with("/t/") || path == "/stats" || path == "/ticker"
}

/// `cors=0` in the query turns CORS off, to test how clients treat a refused request.
pub fn enabled(q: &Query) -> bool {
    !matches!(q.bytes("cors"), Some(b"0") | Some(b"false"))
}

/// Adds the CORS headers for a request that sent `Origin`. A header a scripted
/// response set explicitly (`/t/script?header=`) wins over these.
pub fn decorate(req: &HeaderMap, q: &Query, resp: &mut Response<Body>) {
    if !enabled(q) {
        return;
    }
    let Some(origin) = req.get("origin").cloned() else {
        return;
    };
    let h = resp.headers_mut();
    set_default(h, "access-control-allow-origin", origin);
    set_default(
        h,
        "access-control-allow-credentials",
        HeaderValue::from_static("true"),
    );
    set_default(
        h,
        "access-control-expose-headers",
        HeaderValue::from_static("*"),
    );
    h.append("vary", HeaderValue::from_static("Origin"));
}

fn set_default(h: &mut HeaderMap, name: &'static str, v: HeaderValue) {
    h.entry(HeaderName::from_static(name)).or_insert(v);
}

/// The answer to an `OPTIONS` preflight.
pub fn preflight(req: &HeaderMap, q: &Query) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    if enabled(q) {
        let h = r.headers_mut();
        if let Some(origin) = req.get("origin").cloned() {
            h.insert("access-control-allow-origin", origin);
            h.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
        }
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("GET"),
        );
        if let Some(asked) = req.get("access-control-request-headers").cloned() {
            h.insert("access-control-allow-headers", asked);
        }
        // 0: browsers must preflight every time, so tests can count preflights.
        h.insert("access-control-max-age", HeaderValue::from_static("0"));
        h.append("vary", HeaderValue::from_static("Origin"));
    }
    r
}
