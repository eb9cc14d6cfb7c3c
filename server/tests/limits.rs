//! The caps: streams (503 + Retry-After), connections, request heads, the request log in
//! bytes, and a replay window that connection churn cannot empty.

mod common;

use common::*;
use sse_server::reqlog::{MAX_BYTES, MAX_FIELD};
use sse_server::Config;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn streams_past_the_cap_get_503_with_retry_after() {
    let srv = start_with(Config {
        max_streams: 3,
        ..config()
    })
    .await;
    let mut open = Vec::new();
    for path in ["/stats", "/t/counter?count=1", "/ticker"] {
        let mut s = sse(srv.addr, path, &[]).await;
        assert_eq!(s.status, 200, "{path}");
        assert!(s.next_block().await.is_some(), "{path}");
        open.push(s);
    }
    // Every kind of stream is refused alike: the hubs, the scripted routes, polling, the API.
    let targets = [
        "/stats",
        "/t/echo",
        "/t/script?body=x",
        "/t/endless?total=100",
    ];
    for path in targets {
        let mut r = sse(srv.addr, path, &[]).await;
        assert_eq!(r.status, 503, "{path}");
        assert_eq!(r.header("retry-after"), Some("1"), "{path}");
        let body = String::from_utf8(r.read_to_end().await).expect("utf8");
        assert!(body.contains("--max-streams"), "{body}");
    }
    let mut r = get(
        srv.addr,
        "/ticker",
        &[("X-Requested-With", "XMLHttpRequest")],
    )
    .await;
    assert_eq!(r.status, 503, "polling");
    r.read_to_end().await;
    let mut r = request_body(
        srv.addr,
        "POST",
        "/api/answer?pace=0",
        &[
            ("Authorization", "Bearer demo"),
            ("Content-Type", "application/json"),
        ],
        br#"{"prompt":"hi"}"#,
    )
    .await;
    assert_eq!(r.status, 503, "the answer stream");
    r.read_to_end().await;
    // Non-streamed answers still work at the cap.
    assert_eq!(clients(srv.addr).await.2, 3);
    // A place frees up when a client leaves.
    drop(open.pop());
    assert_eq!(wait_clients(srv.addr, |c| c.2 == 2).await.2, 2);
    let s = sse(srv.addr, "/stats", &[]).await;
    assert_eq!(s.status, 200);
    drop(s);
    drop(open);
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn connections_past_the_cap_get_503_and_are_closed() {
    let srv = start_with(Config {
        max_connections: 2,
        ..config()
    })
    .await;
    // Two idle connections hold both places (a request on each proves they were accepted).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut sock = tokio::net::TcpStream::connect(srv.addr)
            .await
            .expect("connect");
        let req = format!("GET /t/status/200 HTTP/1.1\r\nHost: {}\r\n\r\n", srv.addr);
        sock.write_all(req.as_bytes()).await.expect("write");
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(WAIT, sock.read(&mut buf))
            .await
            .expect("answer in time")
            .expect("read");
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(sock);
    }
    let mut third = tokio::net::TcpStream::connect(srv.addr)
        .await
        .expect("connect");
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, third.read_to_end(&mut got))
        .await
        .expect("closed in time")
        .expect("read");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("Retry-After: 1"), "{text}");
    // Closing one frees its place (noticed asynchronously: bounded retries).
    drop(held.pop());
    let mut served = false;
    for _ in 0..200 {
        let mut sock = tokio::net::TcpStream::connect(srv.addr)
            .await
            .expect("connect");
        let req = format!("GET /t/status/200 HTTP/1.1\r\nHost: {}\r\n\r\n", srv.addr);
        if sock.write_all(req.as_bytes()).await.is_err() {
            continue;
        }
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(WAIT, sock.read(&mut buf))
            .await
            .expect("answer in time")
            .unwrap_or(0);
        if buf[..n].starts_with(b"HTTP/1.1 200") {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(served, "a place freed up");
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn the_request_log_is_capped_in_bytes() {
    let srv = start().await;
    // Each request: 12 headers of 5,000 bytes (60 KB of head, under the 64 KiB cap).
    let value = "v".repeat(5_000);
    let names: Vec<String> = (0..12).map(|i| format!("X-Big-{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), value.as_str())).collect();
    for i in 0..200 {
        let mut r = get(
            srv.addr,
            &format!("/t/status/204?key=big{}", i % 2),
            &headers,
        )
        .await;
        assert_eq!(r.status, 204);
        r.read_to_end().await;
    }
    let mut r = get(srv.addr, "/t/clients", &[]).await;
    let v: serde_json::Value = serde_json::from_slice(&r.read_to_end().await).expect("json");
    let bytes = v["logBytes"].as_u64().expect("logBytes") as usize;
    assert!(bytes <= MAX_BYTES, "{bytes} > {MAX_BYTES}");
    assert!(
        bytes > MAX_BYTES / 2,
        "the log filled up to near its cap: {bytes}"
    );
    let mut r = get(srv.addr, "/t/log?key=big1", &[]).await;
    let v: serde_json::Value = serde_json::from_slice(&r.read_to_end().await).expect("json");
    let reqs = v["requests"].as_array().expect("requests");
    assert!(
        !reqs.is_empty() && reqs.len() < 100,
        "oldest dropped: {}",
        reqs.len()
    );
    let last = &reqs[reqs.len() - 1];
    assert_eq!(last["truncated"], true);
    let kept = last["headers"]["x-big-3"].as_str().expect("header kept");
    assert_eq!(kept.len(), MAX_FIELD);
    assert_eq!(last["url"], "/t/status/204?key=big1");

    // A head over 64 KiB is refused by the parser: 431.
    let huge = "h".repeat(70 << 10);
    let mut r = get(srv.addr, "/t/status/204?key=huge", &[("X-Huge", &huge)]).await;
    assert_eq!(r.status, 431);
    r.read_to_end().await;
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn connection_churn_does_not_evict_real_events_from_the_replay_window() {
    // A slow producer: 4 real events per 500 ms, so ordinary eviction takes minutes.
    let srv = start_with(Config {
        stats_interval: Duration::from_millis(500),
        ..config()
    })
    .await;
    let addr = srv.addr;
    let mut s = sse(addr, "/stats", &[]).await;
    let first = s.events_with_ids(2).await;
    let kept = first[1].id_num().expect("id");
    drop(s);
    // Far more connects and disconnects than the history holds (2,048 events).
    const CHURN: usize = 3_000;
    const AT_ONCE: usize = 50;
    for _ in 0..CHURN / AT_ONCE {
        let mut batch = Vec::with_capacity(AT_ONCE);
        for _ in 0..AT_ONCE {
            batch.push(tokio::spawn(async move {
                let mut s = sse(addr, "/stats", &[]).await;
                assert_eq!(s.status, 200);
                assert!(s.next_block().await.is_some());
            }));
        }
        for t in batch {
            t.await.expect("client");
        }
    }
    assert_eq!(wait_clients(addr, |c| c.0 == 0).await.0, 0);
    // The id from before the churn still resumes exactly.
    let mut s = sse(addr, "/stats", &[("Last-Event-ID", &kept.to_string())]).await;
    let evs = s.events_with_ids(6).await;
    assert_consecutive(&evs, kept + 1);
    // Coalesced: the whole churn left at most one notice per producer tick.
    let notices = evs
        .iter()
        .filter(|e| e.event.as_deref() == Some("connections"))
        .count();
    assert!(notices <= 2, "{evs:?}");
    drop(s);
    srv.shutdown(Duration::from_secs(1)).await;
}
