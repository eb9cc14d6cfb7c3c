//! The scripted test endpoints under `/t/`: each one reproduces a server behaviour
//! a client must cope with (split frames, raw bytes, drops, stalls, redirects,
//! huge lines, any status) on demand, driven by query parameters.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use tokio::io::AsyncReadExt;

use crate::body::{Body, Sink};
use crate::http_util::{self, BadRequest, Query, EVENT_STREAM};
use crate::App;

/// The longest any scripted response is kept open without sending.
pub const HOLD_LIMIT: Duration = Duration::from_secs(60);
/// Write size for the big-body routes.
const BIG_WRITE: usize = 64 * 1024;
/// Upper bound for /t/endless and /t/giant sizes.
const MAX_TOTAL: u64 = 4 << 30;
/// Upper bound for `delay` and `interval`, so no scripted pause is unbounded.
const MAX_PAUSE_MS: u64 = 60_000;
/// Upper bound for /t/counter's `count`.
const MAX_COUNT: u64 = 100_000_000;

type Res = Result<Response<Body>, BadRequest>;

/// A streamed response: the head is returned now, the body comes from the sink.
/// `None` when `--max-streams` are open already (the caller answers [`busy`]).
fn stream(
    app: &App,
    status: StatusCode,
    ctype: Option<&str>,
    capacity: usize,
) -> Option<(Response<Body>, Sink)> {
    let (sink, body) = app.sink(capacity)?;
    let mut r = Response::new(body);
    *r.status_mut() = status;
    match ctype {
        Some(c) => http_util::sse_headers(&mut r, c),
        None => http_util::sse_headers(&mut r, EVENT_STREAM),
    }
    if ctype == Some("none") {
        r.headers_mut().remove(CONTENT_TYPE);
    }
    Some((r, sink))
}

/// The 503 past `--max-streams`.
fn busy(app: &App) -> Res {
    Ok(http_util::busy(app.config.max_streams))
}

fn status_param(q: &Query, default: u16) -> Result<StatusCode, BadRequest> {
    let code = q.num_or("status", default)?;
    parse_status(code)
}

/// Any final status a response can carry (1xx are not final responses).
fn parse_status(code: u16) -> Result<StatusCode, BadRequest> {
    if code < 200 {
        return Err(BadRequest(format!(
            "status {code} cannot be a final response"
        )));
    }
    StatusCode::from_u16(code).map_err(|_| BadRequest(format!("invalid status {code}")))
}

/// Statuses whose responses never have a body.
fn bodiless(s: StatusCode) -> bool {
    matches!(s.as_u16(), 204 | 205 | 304)
}

/// `body_b64` tolerates a `+` that arrived as a space and missing padding or the URL-safe alphabet.
fn decode_b64(raw: &[u8]) -> Result<Vec<u8>, BadRequest> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let s: Vec<u8> = raw
        .iter()
        .map(|&c| if c == b' ' { b'+' } else { c })
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(&s)
        .or_else(|_| STANDARD_NO_PAD.decode(&s))
        .or_else(|_| URL_SAFE.decode(&s))
        .or_else(|_| URL_SAFE_NO_PAD.decode(&s))
        .map_err(|_| BadRequest("body_b64 is not valid base64".into()))
}

/// `/t/script`: exact bytes, split into separately flushed writes. `wait=MS` holds back the
/// response head that long (a request still under way, for a client to abort).
pub async fn script(app: &App, q: &Query) -> Res {
    let wait = Duration::from_millis(q.num_or("wait", 0u64)?.min(MAX_PAUSE_MS));
    if !wait.is_zero() {
        let mut shutdown = app.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
    let status = status_param(q, 200)?;
    let body: Vec<u8> = match q.bytes("body_b64") {
        Some(b) => decode_b64(b)?,
        None => q.bytes("body").unwrap_or_default().to_vec(),
    };
    let ctype = q.str("ctype").unwrap_or_else(|| EVENT_STREAM.to_owned());
    let delay = Duration::from_millis(q.num_or("delay", 0u64)?.min(MAX_PAUSE_MS));
    let hold = q.flag("hold");
    let mut cuts: Vec<usize> = Vec::new();
    if let Some(split) = q.str("split") {
        for part in split.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let at: usize = part
                .parse()
                .map_err(|_| BadRequest(format!("bad split offset {part:?}")))?;
            cuts.push(at.min(body.len()));
        }
    }
    cuts.push(0);
    cuts.push(body.len());
    cuts.sort_unstable();
    cuts.dedup();
    let (mut resp, mut sink) = match stream(app, status, Some(&ctype), 4) {
        Some(s) => s,
        None => return busy(app),
    };
    for h in q.all("header") {
        let colon = h
            .iter()
            .position(|&c| c == b':')
            .ok_or_else(|| BadRequest("header needs Name:Value".into()))?;
        let name = HeaderName::from_bytes(h[..colon].trim_ascii())
            .map_err(|_| BadRequest("bad header name".into()))?;
        let value = HeaderValue::from_bytes(h[colon + 1..].trim_ascii())
            .map_err(|_| BadRequest("bad header value".into()))?;
        resp.headers_mut().append(name, value);
    }
    let body = if bodiless(status) {
        Bytes::new()
    } else {
        Bytes::from(body)
    };
    tokio::spawn(async move {
        for (i, w) in cuts.windows(2).enumerate() {
            if i > 0 && !sink.sleep(delay).await {
                return;
            }
            if !sink.send(body.slice(w[0]..w[1])).await {
                return;
            }
        }
        if hold {
            sink.hold(HOLD_LIMIT).await;
        }
    });
    Ok(resp)
}

/// `/t/echo`: one `headers` event describing the request as the server saw it.
pub fn echo(app: &App, method: &Method, url: &str, h: &HeaderMap, q: &Query) -> Res {
    let json = http_util::request_json(method, url, h, q);
    let frame = format!("event: headers\ndata: {json}\n\n");
    let hold = q.flag("hold");
    let (resp, mut sink) = match stream(app, StatusCode::OK, None, 2) {
        Some(s) => s,
        None => return busy(app),
    };
    tokio::spawn(async move {
        if sink.send(frame).await && hold {
            sink.hold(HOLD_LIMIT).await;
        }
    });
    Ok(resp)
}

/// `/t/redirect`: a redirect with the given status, chained `count` times through itself.
pub fn redirect(raw_query: Option<&str>, q: &Query) -> Res {
    let status = status_param(q, 302)?;
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Err(BadRequest(
            "redirect status must be 301, 302, 303, 307 or 308".into(),
        ));
    }
    let count: u32 = q.num_or("count", 0)?;
    if count > 0 {
        // Same parameters, one hop fewer.
        let mut parts: Vec<String> = raw_query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && *p != "count" && !p.starts_with("count="))
            .map(str::to_owned)
            .collect();
        parts.push(format!("count={}", count - 1));
        return Ok(http_util::redirect(
            status,
            format!("/t/redirect?{}", parts.join("&")).as_bytes(),
        ));
    }
    let to = q.bytes("to").unwrap_or(b"/t/echo");
    Ok(http_util::redirect(status, to))
}

/// `/t/counter`: numbered events resuming after Last-Event-ID, with drops, stalls and pacing.
pub fn counter(app: &App, h: &HeaderMap, q: &Query) -> Res {
    let count: u64 = q.num_or("count", 20u64)?.min(MAX_COUNT);
    let drop_after: Option<u64> = q.num("drop_after")?;
    let stall_after: Option<u64> = q.num("stall_after")?;
    let retry: Option<u64> = q.num("retry")?;
    let interval = Duration::from_millis(q.num_or("interval", 0u64)?.min(MAX_PAUSE_MS));
    let prefix = q.str("prefix").unwrap_or_default();
    // `pad=N`: N bytes of `x` after the number, for large resumable streams (bounded: 1 MiB).
    let pad = "x".repeat(q.num_or("pad", 0usize)?.min(1 << 20));
    let kind = q.str("type").filter(|t| !t.is_empty());
    let end = q.flag("end");
    // `cr=1`: every line ends with a lone CR instead of LF.
    let nl = if q.flag("cr") { "\r" } else { "\n" };
    // `restart=1`: a server that ignores Last-Event-ID and always starts from event 1.
    let last = if q.flag("restart") {
        0
    } else {
        http_util::last_event_id(h, q).unwrap_or(0)
    };
    let polling = http_util::is_polling(h);
    // `fail_from=N`: once a request resumes after event N or later, answer 204 (the server's
    // "stop reconnecting").
    if q.num::<u64>("fail_from")?.is_some_and(|n| last >= n) {
        return Ok(http_util::full(StatusCode::NO_CONTENT, EVENT_STREAM, ""));
    }
    let poll_wait = match q.num::<u64>("poll_wait")? {
        Some(ms) => Duration::from_millis(ms.min(http_util::MAX_POLL_WAIT_MS)),
        None => app.config.poll_wait,
    };
    let ctype = if polling {
        q.str("poll_ctype")
            .unwrap_or_else(|| EVENT_STREAM.to_owned())
    } else {
        EVENT_STREAM.to_owned()
    };
    let (resp, mut sink) = match stream(app, StatusCode::OK, Some(&ctype), 8) {
        Some(s) => s,
        None => return busy(app),
    };
    tokio::spawn(async move {
        if let Some(r) = retry {
            if !sink.send(format!("retry: {r}{nl}{nl}")).await {
                return;
            }
        }
        let first = last.saturating_add(1);
        if polling && first > count {
            // Nothing will ever come: wait out the poll bound like a real long-poll.
            sink.hold(poll_wait).await;
            return;
        }
        let mut sent: u64 = 0;
        for n in first..=count {
            if sent > 0 && !sink.sleep(interval).await {
                return;
            }
            let mut frame = format!("id: {n}{nl}");
            if let Some(k) = &kind {
                frame.push_str(&format!("event: {k}{nl}"));
            }
            frame.push_str(&format!("data: {prefix}{n}{pad}{nl}{nl}"));
            if !sink.send(frame).await {
                return;
            }
            sent += 1;
            if drop_after == Some(sent) {
                return; // the "dropped connection": the client reconnects and resumes
            }
            if stall_after == Some(sent) && !polling {
                sink.hold(HOLD_LIMIT).await;
                return;
            }
        }
        if !end && !polling {
            sink.hold(HOLD_LIMIT).await;
        }
    });
    Ok(resp)
}

/// `/t/endless`: events as fast as the client reads, up to `total` bytes.
pub fn endless(app: &App, q: &Query) -> Res {
    let event_size: usize = q.num_or("event_size", 64usize)?.clamp(16, 1 << 20);
    let total: u64 = q.num_or("total", 256u64 << 20)?.min(MAX_TOTAL);
    let chunk: usize = q.num_or("chunk", 16384usize)?.clamp(64, 4 << 20);
    let (resp, mut sink) = match stream(app, StatusCode::OK, None, 4) {
        Some(s) => s,
        None => return busy(app),
    };
    // "data: " + padding + "\n\n" makes exactly event_size bytes (the id line is extra).
    let pad = "x".repeat(event_size.saturating_sub(8));
    tokio::spawn(async move {
        let mut sent: u64 = 0;
        let mut n: u64 = 0;
        while sent < total {
            let mut buf = BytesMut::with_capacity(chunk + event_size + 32);
            while buf.len() < chunk {
                n += 1;
                if n % 1000 == 0 {
                    buf.extend_from_slice(format!("id: {n}\n").as_bytes());
                }
                buf.extend_from_slice(b"data: ");
                buf.extend_from_slice(pad.as_bytes());
                buf.extend_from_slice(b"\n\n");
            }
            sent += buf.len() as u64;
            if !sink.send(buf.freeze()).await {
                return;
            }
        }
    });
    Ok(resp)
}

/// `/t/giant`: one `data:` line of `size` bytes in all, streamed in 64 KiB writes.
pub fn giant(app: &App, q: &Query) -> Res {
    let size: u64 = q.num_or("size", 100u64 << 20)?.min(MAX_TOTAL);
    let newline = q.flag("newline");
    let (resp, mut sink) = match stream(app, StatusCode::OK, None, 4) {
        Some(s) => s,
        None => return busy(app),
    };
    tokio::spawn(async move {
        let xs = Bytes::from(vec![b'x'; BIG_WRITE]);
        let head = Bytes::from_static(b"data: ");
        let head = head.slice(..head.len().min(size as usize));
        let mut left = size - head.len() as u64;
        if !sink.send(head).await {
            return;
        }
        while left > 0 {
            let n = left.min(BIG_WRITE as u64) as usize;
            if !sink.send(xs.slice(..n)).await {
                return;
            }
            left -= n as u64;
        }
        if newline {
            sink.send(Bytes::from_static(b"\n\n")).await;
        }
    });
    Ok(resp)
}

/// `/t/corpus/<name>`: a recorded stream file, as fast as the client reads.
pub async fn corpus(app: &App, name: &str) -> Res {
    let name = String::from_utf8_lossy(&http_util::percent_decode(name, false)).into_owned();
    if name.is_empty()
        || name.contains('/')
        || name.contains('\\')
        || name.contains("..")
        || name.contains('\0')
    {
        return Err(BadRequest("bad corpus name".into()));
    }
    // A symlink in the corpus directory must not lead out of it.
    let (Ok(root), Ok(path)) = (
        tokio::fs::canonicalize(&app.config.corpus_dir).await,
        tokio::fs::canonicalize(app.config.corpus_dir.join(&name)).await,
    ) else {
        return Ok(http_util::not_found());
    };
    if !path.starts_with(&root) {
        return Ok(http_util::text(
            StatusCode::FORBIDDEN,
            "outside the corpus directory\n",
        ));
    }
    if !tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) {
        return Ok(http_util::not_found());
    }
    let Ok(mut file) = tokio::fs::File::open(&path).await else {
        return Ok(http_util::not_found());
    };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let (resp, mut sink) = match stream(app, StatusCode::OK, None, 4) {
        Some(s) => s,
        None => return busy(app),
    };
    tokio::spawn(async move {
        let mut sent: u64 = 0;
        // Bounded by the size at open: a file growing meanwhile is not followed.
        while sent < len {
            let mut buf = BytesMut::with_capacity(BIG_WRITE);
            match file.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    sent += n as u64;
                    if !sink.send(buf.freeze()).await {
                        return;
                    }
                }
            }
        }
    });
    Ok(resp)
}

/// Whether a request with a side effect comes from one of the server's own (or allowed)
/// origins, or from no page at all (curl, Node): another site can make a browser send a
/// GET anywhere (an image, a link), but then it says `Origin` or `Sec-Fetch-Site`.
fn from_allowed_origin(app: &App, h: &HeaderMap) -> bool {
    match h.get("origin") {
        Some(o) => app.access.origin_allowed(o.as_bytes()),
        None => h
            .get("sec-fetch-site")
            .map_or(true, |v| matches!(v.as_bytes(), b"same-origin" | b"none")),
    }
}

fn forbidden_origin() -> Response<Body> {
    http_util::text(
        StatusCode::FORBIDDEN,
        "this request must come from the server's own origins (or an --allow-origin one)\n",
    )
}

/// `/t/setcookie`: sets a cookie so credentialed-request tests can look for it; only for
/// requests from the server's own origins (cookies are not port-scoped: another site must
/// not plant cookies for every app on 127.0.0.1).
pub fn setcookie(app: &App, h: &HeaderMap, q: &Query) -> Res {
    if !from_allowed_origin(app, h) {
        return Ok(forbidden_origin());
    }
    let name = q.str("name").unwrap_or_else(|| "n".into());
    let value = q.str("value").unwrap_or_else(|| "v".into());
    let cookie = HeaderValue::from_str(&format!("{name}={value}; Path=/; SameSite=Lax"))
        .map_err(|_| BadRequest("bad cookie".into()))?;
    let mut r = http_util::text(StatusCode::OK, "ok");
    r.headers_mut().insert("set-cookie", cookie);
    Ok(r)
}

/// `/t/status/<code>`: that status, an SSE content type, and one event (none for 204/205/304).
pub fn status(code: &str) -> Res {
    let code: u16 = code.parse().map_err(|_| BadRequest("bad status".into()))?;
    let s = parse_status(code)?;
    let body = if bodiless(s) {
        String::new()
    } else {
        format!("data: {code}\n\n")
    };
    Ok(http_util::full(s, EVENT_STREAM, body))
}

/// `/t/log?key=K[&clear=1]`.
pub fn log(app: &App, q: &Query) -> Res {
    let key = q
        .str("key")
        .ok_or_else(|| BadRequest("key is required".into()))?;
    Ok(http_util::json(app.log.report(&key, q.flag("clear"))))
}

/// The largest `data` `/t/publish` accepts.
pub const MAX_PUBLISH: usize = 64 << 10;

/// `POST /t/publish?data=D`: one `load` event with data `D` on `/t/fanout` (a broadcast
/// stream like `/stats`, fed only by this, for the load test). Answers `{"id":N}`.
pub fn publish(app: &App, method: &Method, h: &HeaderMap, q: &Query) -> Res {
    if method != Method::POST {
        let mut r = http_util::text(StatusCode::METHOD_NOT_ALLOWED, "POST only\n");
        r.headers_mut()
            .insert("allow", HeaderValue::from_static("POST"));
        return Ok(r);
    }
    if !from_allowed_origin(app, h) {
        return Ok(forbidden_origin());
    }
    let data = q.str("data").unwrap_or_default();
    if data.len() > MAX_PUBLISH || data.contains(['\n', '\r']) {
        return Err(BadRequest(format!(
            "data: one line of at most {MAX_PUBLISH} bytes"
        )));
    }
    let id = app.fanout.publish(&[("load", data)]);
    Ok(http_util::json(
        crate::json::Obj::new().int("id", id).finish(),
    ))
}

/// `/t/clients`: live stream counts, so tests can see dropped clients leave.
pub fn clients(app: &Arc<App>) -> Res {
    let body = crate::json::Obj::new()
        .int("stats", app.stats.clients() as u64)
        .int("ticker", app.ticker.clients() as u64)
        .int("streams", app.streams.load(Ordering::SeqCst) as u64)
        .int("fanout", app.fanout.clients() as u64)
        .int("connections", app.connections.load(Ordering::SeqCst) as u64)
        .int("logBytes", app.log.size().1 as u64)
        .finish();
    Ok(http_util::json(body))
}
