//! `POST /api/answer`: a stand-in for a language model streaming its answer, for the
//! "Streaming an LLM answer" demo (`www/llm/`). The request is what such APIs take: a JSON
//! body `{"prompt": "..."}` and `Authorization: Bearer <token>` (the demo token is
//! [`TOKEN`]). The answer is `text/event-stream`: one event per token, `id` = the token's
//! number (1, 2, ...), data `{"token":"..."}`, paced, then `event: done` (id: the count + 1).
//!
//! The answer is a pure function of the prompt, so a client that lost the connection can
//! POST the same request again with `Last-Event-ID: N` and get exactly tokens N+1.. (what
//! the package's `fetch` option does on reconnection). Everything is bounded: the body,
//! the prompt, the answer, the pace.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{Method, Response, StatusCode};

use crate::body::Body;
use crate::cli::MAX_ANSWER_PACE_MS;
use crate::http_util::{self, json_error, Query, EVENT_STREAM};
use crate::json;
use crate::App;

pub const PATH: &str = "/api/answer";
/// The bearer token the demo uses (documented; this is a demo, not a secret).
pub const TOKEN: &str = "demo";
/// The largest request body read.
pub const MAX_BODY: usize = 16 << 10;
/// The longest prompt, in bytes.
pub const MAX_PROMPT: usize = 4 << 10;
/// The most tokens an answer has.
pub const MAX_TOKENS: usize = 400;
/// How long the client has to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest `retry=` accepted.
const MAX_RETRY_MS: u64 = 60_000;

/// Handles the route: method, token, type and body checks, then the stream.
pub async fn answer(
    app: &Arc<App>,
    method: &Method,
    h: &HeaderMap,
    q: &Query,
    body: Incoming,
) -> Response<Body> {
    if method != Method::POST {
        let mut r = json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "POST a JSON body {\"prompt\": \"...\"}",
        );
        r.headers_mut()
            .insert("allow", HeaderValue::from_static("POST"));
        return r;
    }
    if !authorized(h) {
        let mut r = json_error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token: send Authorization: Bearer demo",
        );
        r.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"sse-server demo\""),
        );
        return r;
    }
    let json_type = http_util::header(h, "content-type").is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json_type {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    let declared =
        http_util::header(h, CONTENT_LENGTH.as_str()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, read_body(body, MAX_BODY)).await {
        Err(_) => {
            return json_error(
                StatusCode::REQUEST_TIMEOUT,
                "the body did not arrive in time",
            )
        }
        Ok(Err(BodyError::TooLarge)) => return too_large(),
        Ok(Err(BodyError::Broken)) => {
            return json_error(StatusCode::BAD_REQUEST, "the body could not be read")
        }
        Ok(Ok(b)) => b,
    };
    let prompt = match json::string_member(&bytes, "prompt") {
        Ok(Some(p)) => p,
        Ok(None) => return json_error(StatusCode::BAD_REQUEST, "the body has no \"prompt\""),
        Err(why) => return json_error(StatusCode::BAD_REQUEST, why),
    };
    if prompt.trim().is_empty() {
        return json_error(StatusCode::BAD_REQUEST, "the prompt is empty");
    }
    if prompt.len() > MAX_PROMPT {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the prompt is too long (at most 4096 bytes)",
        );
    }
    let params = match Params::of(app, q) {
        Ok(p) => p,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, &e.0),
    };
    let tokens = tokens(&prompt);
    let after = http_util::last_event_id(h, q).unwrap_or(0);
    // After `done` (whose id is one past the last token's) there is nothing more: 204 tells an
    // EventSource not to reconnect, so a client that does not close() on `done` stops here
    // instead of POSTing again every reconnection time.
    if after > tokens.len() as u64 {
        return http_util::full(StatusCode::NO_CONTENT, EVENT_STREAM, "");
    }
    stream(app, tokens, after, params)
}

fn too_large() -> Response<Body> {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "the body is too large (at most 16384 bytes)",
    )
}

/// `Authorization: Bearer demo` (the scheme is case-insensitive, as HTTP says).
fn authorized(h: &HeaderMap) -> bool {
    let Some(v) = http_util::header(h, "authorization") else {
        return false;
    };
    let mut parts = v.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or_default();
    let token = parts.next().unwrap_or_default().trim();
    scheme.eq_ignore_ascii_case("bearer") && token == TOKEN
}

enum BodyError {
    TooLarge,
    Broken,
}

/// The request body, at most `max` bytes.
async fn read_body(mut body: Incoming, max: usize) -> Result<Vec<u8>, BodyError> {
    use hyper::body::Body as _;
    let mut out = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(out),
            Some(Err(_)) => return Err(BodyError::Broken),
            Some(Ok(f)) => {
                if let Ok(data) = f.into_data() {
                    if out.len() + data.len() > max {
                        return Err(BodyError::TooLarge);
                    }
                    out.extend_from_slice(&data);
                }
            }
        }
    }
}

/// The query knobs.
struct Params {
    pace: Duration,
    retry: Option<u64>,
    /// Test routes only: end the response after this many tokens (a dropped connection).
    drop_after: Option<u64>,
}

impl Params {
    fn of(app: &App, q: &Query) -> Result<Params, http_util::BadRequest> {
        let pace = match q.num::<u64>("pace")? {
            Some(ms) => Duration::from_millis(ms.min(MAX_ANSWER_PACE_MS)),
            None => app.config.answer_pace,
        };
        let retry = q.num::<u64>("retry")?.map(|r| r.min(MAX_RETRY_MS));
        let drop_after = if app.config.test_routes {
            q.num::<u64>("drop_after")?.filter(|n| *n > 0)
        } else {
            None
        };
        Ok(Params {
            pace,
            retry,
            drop_after,
        })
    }
}

fn stream(app: &Arc<App>, tokens: Vec<String>, after: u64, p: Params) -> Response<Body> {
    let Some((mut sink, body)) = app.sink(8) else {
        return http_util::busy(app.config.max_streams);
    };
    let mut resp = Response::new(body);
    http_util::sse_headers(&mut resp, EVENT_STREAM);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(EVENT_STREAM));
    tokio::spawn(async move {
        if let Some(r) = p.retry {
            if !sink.send(format!("retry: {r}\n\n")).await {
                return;
            }
        }
        let first = usize::try_from(after).unwrap_or(usize::MAX);
        let mut sent: u64 = 0;
        for (i, token) in tokens.iter().enumerate().skip(first) {
            if sent > 0 && !sink.sleep(p.pace).await {
                return;
            }
            let data = json::Obj::new().str("token", token).finish();
            if !sink.send(format!("id: {}\ndata: {data}\n\n", i + 1)).await {
                return;
            }
            sent += 1;
            if p.drop_after == Some(sent) {
                return;
            }
        }
        // Its id is one past the last token's: a client that reconnects after it gets 204
        // (the end); one that lost the connection before it gets `done` again.
        let n = tokens.len() as u64;
        let done = json::Obj::new().int("tokens", n).finish();
        sink.send(Bytes::from(format!(
            "id: {}\nevent: done\ndata: {done}\n\n",
            n + 1
        )))
        .await;
    });
    resp
}

/// Sentences the answers are made of.
const SENTENCES: [&str; 16] = [
    "Server-Sent Events keep one HTTP response open and write each event as it happens.",
    "Every event can carry an id, and a client that reconnects sends the last one back in Last-Event-ID.",
    "That is how a resumed answer continues exactly where it stopped: nothing lost, nothing repeated.",
    "A language model produces its answer one token at a time, which maps onto one event per token.",
    "The browser's EventSource only makes GET requests, so a prompt in a POST body needs fetch.",
    "With fetch, the response body is a ReadableStream that an EventSource can read from.",
    "Streaming lets the reader start on the first words while the rest is still being written.",
    "Proxies should not buffer the stream; Cache-Control: no-store and chunked encoding help.",
    "A retry field tells the client how long to wait before it reconnects.",
    "Comments, lines that start with a colon, keep an idle connection from timing out.",
    "The event stream format is plain UTF-8 text, split into lines, with a blank line after each event.",
    "An event without a data field is not dispatched at all.",
    "Tokens are often pieces of words, and a space usually travels with the word after it.",
    "The answer here is made up, but it is the same for the same prompt, so it can be resumed.",
    "Closing the EventSource cancels the request, and the server notices that the client left.",
    "Bounded buffers everywhere keep a slow reader from costing the server unbounded memory.",
];

/// FNV-1a: a stable seed from the prompt.
fn seed(prompt: &str) -> u64 {
    prompt.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The answer to `prompt`, as tokens: a word with the space before it, or one punctuation
/// mark. Deterministic, at most [`MAX_TOKENS`].
pub fn tokens(prompt: &str) -> Vec<String> {
    let mut rng = seed(prompt) | 1;
    let mut next = move || {
        // xorshift64
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let topic: String = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    let topic: String = topic.chars().take(80).collect();
    let mut text = format!("You asked: \u{201c}{topic}\u{201d}.");
    let count = 3 + (next() % 4) as usize;
    for _ in 0..count {
        text.push(' ');
        text.push_str(SENTENCES[(next() % SENTENCES.len() as u64) as usize]);
    }
    split(&text)
}

/// Splits text into word tokens (leading spaces attached) and single punctuation marks.
fn split(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    for c in text.chars() {
        if out.len() >= MAX_TOKENS {
            return out;
        }
        if c.is_alphanumeric() || c == '\'' || c == '-' {
            cur.push(c);
            in_word = true;
        } else if c.is_whitespace() {
            if in_word || !cur.trim().is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            in_word = false;
            cur.push(' ');
        } else {
            if in_word {
                out.push(std::mem::take(&mut cur));
                in_word = false;
            }
            cur.push(c);
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() && out.len() < MAX_TOKENS {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_deterministic_bounded_tokens() {
        let a = tokens("What is SSE?");
        assert_eq!(a, tokens("What is SSE?"));
        assert_ne!(a, tokens("What is polling?"));
        assert!(a.len() > 20 && a.len() <= MAX_TOKENS, "{}", a.len());
        assert_eq!(a.concat().split_whitespace().next(), Some("You"));
        assert!(a
            .concat()
            .starts_with("You asked: \u{201c}What is SSE?\u{201d}."));
        assert!(tokens(&"word ".repeat(2000)).len() <= MAX_TOKENS);
        assert_eq!(
            split("Hi, you there."),
            vec!["Hi", ",", " you", " there", "."]
        );
    }
}
