//! `POST /api/answer`: the token, the body checks, the streamed tokens, resuming after
//! Last-Event-ID, and the drop knob (test routes only).

mod common;

use common::*;
use sse_server::Config;
use std::net::SocketAddr;
use std::time::Duration;

type Headers<'a> = &'a [(&'a str, &'a str)];

const AUTH: (&str, &str) = ("Authorization", "Bearer demo");
const JSON: (&str, &str) = ("Content-Type", "application/json");

async fn post(addr: SocketAddr, target: &str, extra: &[(&str, &str)], body: &str) -> Resp {
    request_body(addr, "POST", target, extra, body.as_bytes()).await
}

/// The answer's blocks: (id, token) pairs, and whether `done` came (with its token count).
async fn read_answer(r: &mut Resp) -> (Vec<(u64, String)>, Option<u64>) {
    let body = String::from_utf8(r.read_to_end().await).expect("utf8");
    let mut tokens = Vec::new();
    let mut done = None;
    for b in parse_blocks(&body) {
        let v: serde_json::Value = serde_json::from_str(&b.data.join("\n")).expect("json data");
        match b.event.as_deref() {
            Some("done") => {
                let n = v["tokens"].as_u64();
                assert_eq!(
                    b.id_num(),
                    n.map(|n| n + 1),
                    "done's id is one past the last token's"
                );
                done = n;
            }
            None => tokens.push((
                b.id_num().expect("every token has an id"),
                v["token"].as_str().expect("token").to_owned(),
            )),
            other => panic!("unexpected event {other:?}"),
        }
    }
    (tokens, done)
}

async fn error_of(r: &mut Resp) -> String {
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&r.read_to_end().await).expect("json");
    v["error"].as_str().expect("error message").to_owned()
}

#[tokio::test]
async fn refuses_without_the_token_and_checks_the_body() {
    let srv = start().await;
    let body = r#"{"prompt":"hello"}"#;
    let cases: [(Headers, &str, u16); 9] = [
        (&[JSON], body, 401),
        (&[JSON, ("Authorization", "Bearer nope")], body, 401),
        (&[JSON, ("Authorization", "Basic ZGVtbzpkZW1v")], body, 401),
        (&[AUTH], body, 415),
        (&[AUTH, ("Content-Type", "text/plain")], body, 415),
        (&[AUTH, JSON], "{\"prompt\":", 400),
        (&[AUTH, JSON], r#"{"question":"x"}"#, 400),
        (&[AUTH, JSON], r#"{"prompt":42}"#, 400),
        (&[AUTH, JSON], r#"{"prompt":"   "}"#, 400),
    ];
    for (headers, body, status) in cases {
        let mut r = post(srv.addr, "/api/answer", headers, body).await;
        assert_eq!(r.status, status, "{headers:?} {body}");
        let why = error_of(&mut r).await;
        assert!(!why.is_empty());
        if status == 401 {
            assert!(why.contains("Bearer demo"), "{why}");
        }
    }
    let mut r = post(srv.addr, "/api/answer", &[JSON], body).await;
    assert!(r
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Bearer")));
    r.read_to_end().await;
    // The scheme is case-insensitive.
    let mut r = post(
        srv.addr,
        "/api/answer?pace=0",
        &[JSON, ("Authorization", "bearer demo")],
        body,
    )
    .await;
    assert_eq!(r.status, 200);
    r.read_to_end().await;
    // GET is not the method.
    let mut r = get(srv.addr, "/api/answer", &[AUTH]).await;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
    r.read_to_end().await;
    // Bounded: a body over 16 KiB and a prompt over 4 KiB.
    let big = format!(r#"{{"prompt":"{}"}}"#, "x".repeat(20_000));
    let mut r = post(srv.addr, "/api/answer", &[AUTH, JSON], &big).await;
    assert_eq!(r.status, 413);
    r.read_to_end().await;
    let long = format!(r#"{{"prompt":"{}"}}"#, "x".repeat(5_000));
    let mut r = post(srv.addr, "/api/answer", &[AUTH, JSON], &long).await;
    assert_eq!(r.status, 413);
    assert!(error_of(&mut r).await.contains("prompt"));
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn streams_one_event_per_token_then_done_and_resumes_after_last_event_id() {
    let srv = start().await;
    let body = r#"{"prompt":"How does resuming work?"}"#;
    let mut r = post(srv.addr, "/api/answer?pace=0", &[AUTH, JSON], body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let (tokens, done) = read_answer(&mut r).await;
    let n = tokens.len();
    assert!(n > 20, "{n} tokens");
    assert_eq!(done, Some(n as u64));
    for (i, (id, _)) in tokens.iter().enumerate() {
        assert_eq!(*id, i as u64 + 1);
    }
    let text: String = tokens.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        text.starts_with("You asked: \u{201c}How does resuming work?\u{201d}."),
        "{text}"
    );

    // Deterministic: the same prompt gives the same answer; another prompt another one.
    let mut r = post(srv.addr, "/api/answer?pace=0", &[AUTH, JSON], body).await;
    assert_eq!(read_answer(&mut r).await.0, tokens);
    let mut r = post(
        srv.addr,
        "/api/answer?pace=0",
        &[AUTH, JSON],
        r#"{"prompt":"Something else"}"#,
    )
    .await;
    assert_ne!(read_answer(&mut r).await.0, tokens);

    // Resume after token 7 (header, then the query form): exactly 8..n, then done.
    for (target, extra) in [
        ("/api/answer?pace=0", Some(("Last-Event-ID", "7"))),
        ("/api/answer?pace=0&lastEventId=7", None),
    ] {
        let mut h = vec![AUTH, JSON];
        h.extend(extra);
        let mut r = post(srv.addr, target, &h, body).await;
        let (rest, done) = read_answer(&mut r).await;
        assert_eq!(rest, tokens[7..].to_vec(), "{target}");
        assert_eq!(done, Some(n as u64));
    }
    // After the last token: only done.
    let last = n.to_string();
    let mut r = post(
        srv.addr,
        "/api/answer?pace=0",
        &[AUTH, JSON, ("Last-Event-ID", &last)],
        body,
    )
    .await;
    assert_eq!(read_answer(&mut r).await, (Vec::new(), Some(n as u64)));
    // After done: 204, so that an EventSource that did not close() on done stops there.
    let past = (n + 1).to_string();
    let mut r = post(
        srv.addr,
        "/api/answer?pace=0",
        &[AUTH, JSON, ("Last-Event-ID", &past)],
        body,
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(r.read_to_end().await.is_empty());
    // retry= is sent first when asked for.
    let mut r = post(
        srv.addr,
        "/api/answer?pace=0&retry=250",
        &[AUTH, JSON],
        body,
    )
    .await;
    let first = r.next_block().await.expect("block");
    assert_eq!(first.retry.as_deref(), Some("250"));
    drop(r);
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_dropped_answer_resumed_loses_and_repeats_nothing() {
    let srv = start().await;
    let body = r#"{"prompt":"Tell me about drops."}"#;
    let mut full = post(srv.addr, "/api/answer?pace=0", &[AUTH, JSON], body).await;
    let (expected, _) = read_answer(&mut full).await;
    // Reconnect as a client would: the same POST with the last id it saw, until done.
    let mut got: Vec<(u64, String)> = Vec::new();
    let mut responses = 0;
    let mut finished = false;
    for _ in 0..100 {
        let last = got.last().map_or(0, |(id, _)| *id).to_string();
        let mut h = vec![AUTH, JSON];
        if last != "0" {
            h.push(("Last-Event-ID", &last));
        }
        let mut r = post(srv.addr, "/api/answer?pace=0&drop_after=4", &h, body).await;
        let (part, done) = read_answer(&mut r).await;
        responses += 1;
        assert!(part.len() <= 4);
        got.extend(part);
        if done.is_some() {
            finished = true;
            break;
        }
    }
    assert!(finished, "the answer completed");
    assert_eq!(got, expected, "nothing lost, nothing repeated");
    assert_eq!(
        responses,
        expected.len().div_ceil(4) + usize::from(expected.len() % 4 == 0)
    );
    srv.shutdown(Duration::from_secs(1)).await;

    // Without the test routes the knob does nothing.
    let srv = start_with(Config {
        test_routes: false,
        ..config()
    })
    .await;
    let mut r = post(
        srv.addr,
        "/api/answer?pace=0&drop_after=4",
        &[AUTH, JSON],
        body,
    )
    .await;
    let (tokens, done) = read_answer(&mut r).await;
    assert_eq!(tokens, expected);
    assert!(done.is_some());
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn the_default_pace_comes_from_the_flag() {
    // Paced at 1 s per token: after the first token, nothing more for a while.
    let srv = start_with(Config {
        answer_pace: Duration::from_millis(1000),
        ..config()
    })
    .await;
    let mut r = post(
        srv.addr,
        "/api/answer",
        &[AUTH, JSON],
        r#"{"prompt":"slow"}"#,
    )
    .await;
    let first = r.next_block().await.expect("first token");
    assert_eq!(first.id_num(), Some(1));
    assert_eq!(
        r.read_more_within(Duration::from_millis(200)).await,
        None,
        "the next token waits for the pace"
    );
    drop(r);
    srv.shutdown(Duration::from_secs(1)).await;
}
