//! Request helpers shared by the routes: query parsing that keeps raw bytes,
//! header access, small response builders and the request description used by
//! `/t/echo` and `/t/log`.

use std::collections::BTreeMap;
use std::str::FromStr;

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use hyper::{Method, Response, StatusCode};

use crate::body::Body;
use crate::json;

pub const EVENT_STREAM: &str = "text/event-stream";
/// Upper bound for a polling request's `poll_wait`.
pub const MAX_POLL_WAIT_MS: u64 = 120_000;

/// Percent-decodes to raw bytes (no UTF-8 check: `%FF` is byte 0xFF). `+` means a
/// space, as in HTML forms and `URLSearchParams`; send `%2B` for a literal plus.
/// A `%` not followed by two hex digits is kept literally.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A parsed query string: keys as text, values as raw bytes, in order, repeats kept.
#[derive(Default, Debug)]
pub struct Query {
    pairs: Vec<(String, Vec<u8>)>,
}

/// A 400 answer with a reason, for parameters that do not parse.
#[derive(Debug)]
pub struct BadRequest(pub String);

impl Query {
    pub fn parse(q: Option<&str>) -> Self {
        let mut pairs = Vec::new();
        for part in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let k = String::from_utf8_lossy(&percent_decode(k, true)).into_owned();
            pairs.push((k, percent_decode(v, true)));
        }
        Query { pairs }
    }

    /// The last value given for `k` (a later repeat overrides an earlier one).
    pub fn bytes(&self, k: &str) -> Option<&[u8]> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_slice())
    }

    pub fn str(&self, k: &str) -> Option<String> {
        self.bytes(k)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    pub fn all(&self, k: &str) -> impl Iterator<Item = &[u8]> + '_ {
        let k = k.to_owned();
        self.pairs
            .iter()
            .filter(move |(key, _)| *key == k)
            .map(|(_, v)| v.as_slice())
    }

    pub fn has(&self, k: &str) -> bool {
        self.bytes(k).is_some()
    }

    /// True for `k=1`/`true`/`yes`.
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.bytes(k), Some(b"1") | Some(b"true") | Some(b"yes"))
    }

    /// A number, `None` when absent or empty, 400 when it does not parse.
    pub fn num<T: FromStr>(&self, k: &str) -> Result<Option<T>, BadRequest> {
        match self.bytes(k) {
            None | Some(b"") => Ok(None),
            Some(v) => std::str::from_utf8(v)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .map(Some)
                .ok_or_else(|| BadRequest(format!("query parameter {k} is not a valid number"))),
        }
    }

    pub fn num_or<T: FromStr>(&self, k: &str, default: T) -> Result<T, BadRequest> {
        Ok(self.num(k)?.unwrap_or(default))
    }

    /// `(key, value)` as text, for the echo and the log.
    pub fn pairs_lossy(&self) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }
}

/// A header as text (lossy), `None` when absent; repeats are joined with ", ".
pub fn header(h: &HeaderMap, name: &str) -> Option<String> {
    let mut vals = h.get_all(name).iter().peekable();
    vals.peek()?;
    Some(
        vals.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A header's raw bytes in lowercase hex (repeats joined with ","), `None` when absent: what
/// the lossy text of [`header`] hides (an invalid UTF-8 byte and U+FFFD look alike there).
pub fn header_hex(h: &HeaderMap, name: &str) -> Option<String> {
    let vals: Vec<String> = h
        .get_all(name)
        .iter()
        .map(|v| v.as_bytes().iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    (!vals.is_empty()).then(|| vals.join(","))
}

/// The id a reconnecting client resumes after: the `Last-Event-ID` header, else the
/// `lastEventId` query parameter (the polyfill may put it there). Non-numeric → none.
pub fn last_event_id(h: &HeaderMap, q: &Query) -> Option<u64> {
    let from_header = header(h, "last-event-id").filter(|s| !s.trim().is_empty());
    let raw = from_header.or_else(|| q.str("lastEventId").filter(|s| !s.trim().is_empty()))?;
    raw.trim().parse().ok()
}

/// The polling convention: an XHR-style request gets one batch and the response ends.
pub fn is_polling(h: &HeaderMap) -> bool {
    header(h, "x-requested-with").is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"))
}

pub fn accepts_event_stream(h: &HeaderMap) -> bool {
    header(h, "accept").is_some_and(|v| v.to_ascii_lowercase().contains(EVENT_STREAM))
}

/// A complete (non-streamed) response.
pub fn full(status: StatusCode, ctype: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Body::full(body));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(ctype) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    full(status, "text/plain; charset=utf-8", body.into())
}

pub fn json(body: String) -> Response<Body> {
    full(StatusCode::OK, "application/json", body)
}

/// The answer past `--max-streams`: 503 with `Retry-After`, so a client can tell "busy"
/// from "broken".
pub fn busy(max_streams: usize) -> Response<Body> {
    let mut r = text(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("too many open streams (at most {max_streams}, --max-streams); retry later\n"),
    );
    r.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
    r
}

/// `Retry-After` of the 503 answers, in seconds.
pub const RETRY_AFTER_SECS: &str = "1";

/// A JSON error body (`{"error": why}`) with `status`.
pub fn json_error(status: StatusCode, why: &str) -> Response<Body> {
    full(
        status,
        "application/json",
        json::Obj::new().str("error", why).finish(),
    )
}

pub fn bad_request(e: BadRequest) -> Response<Body> {
    text(StatusCode::BAD_REQUEST, e.0 + "\n")
}

pub fn not_found() -> Response<Body> {
    text(StatusCode::NOT_FOUND, "not found\n")
}

pub fn redirect(status: StatusCode, location: &[u8]) -> Response<Body> {
    match HeaderValue::from_bytes(location) {
        Ok(v) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = status;
            r.headers_mut().insert(LOCATION, v);
            r.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(_) => text(StatusCode::BAD_REQUEST, "invalid redirect target\n"),
    }
}

/// Headers every SSE response carries.
pub fn sse_headers(r: &mut Response<Body>, ctype: &str) {
    if let Ok(v) = HeaderValue::from_str(ctype) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The JSON description of a request, shared by `/t/echo` and `/t/log`.
pub fn request_json(method: &Method, path_and_query: &str, h: &HeaderMap, q: &Query) -> String {
    request_json_capped(method, path_and_query, h, q, usize::MAX)
}

/// [`request_json`] with every string (URL, header and query values) cut to at most
/// `field_max` bytes; a description with a cut string says `"truncated":true`.
pub fn request_json_capped(
    method: &Method,
    path_and_query: &str,
    h: &HeaderMap,
    q: &Query,
    field_max: usize,
) -> String {
    let mut cut = false;
    let mut c = |s: String| -> String {
        if s.len() <= field_max {
            return s;
        }
        cut = true;
        let mut end = field_max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_owned()
    };
    let mut headers = BTreeMap::new();
    for name in h.keys() {
        if let Some(v) = header(h, name.as_str()) {
            headers.insert(name.as_str().to_owned(), c(v));
        }
    }
    let query: Vec<(String, String)> = q
        .pairs_lossy()
        .into_iter()
        .map(|(k, v)| (c(k), c(v)))
        .collect();
    let mut one = |name: &str| header(h, name).map(&mut c);
    let fields = [
        one("accept"),
        one("last-event-id"),
        one("cookie"),
        one("x-requested-with"),
        one("cache-control"),
        one("origin"),
        one("authorization"),
    ];
    let url = c(path_and_query.to_owned());
    let [accept, last_event_id, cookie, xrw, cache_control, origin, authorization] = fields;
    let mut o = json::Obj::new()
        .str("method", method.as_str())
        .str("url", &url)
        .opt_str("accept", accept.as_deref())
        .opt_str("lastEventId", last_event_id.as_deref())
        .opt_str("lastEventIdHex", header_hex(h, "last-event-id").as_deref())
        .opt_str("cookie", cookie.as_deref())
        .opt_str("xRequestedWith", xrw.as_deref())
        .opt_str("cacheControl", cache_control.as_deref())
        .opt_str("origin", origin.as_deref())
        .opt_str("authorization", authorization.as_deref())
        .raw(
            "query",
            &json::object_of(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        )
        .raw(
            "headers",
            &json::object_of(headers.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
    if cut {
        o = o.bool("truncated", true);
    }
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_raw_bytes() {
        assert_eq!(
            percent_decode("a%FFb%0A%zz%4", true),
            b"a\xffb\n%zz%4".to_vec()
        );
        assert_eq!(percent_decode("a+b%2B", true), b"a b+".to_vec());
        assert_eq!(percent_decode("a+b", false), b"a+b".to_vec());
        let q = Query::parse(Some("x=1&body=%00%FF&x=2&flag"));
        assert_eq!(q.bytes("body"), Some(&b"\x00\xff"[..]));
        assert_eq!(q.str("x").as_deref(), Some("2"));
        assert!(q.has("flag"));
        assert!(q.num::<u32>("body").is_err());
    }
}
