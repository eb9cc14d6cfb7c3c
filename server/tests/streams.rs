//! The broadcast streams: history replay, polling, the ticker, and client bookkeeping.

mod common;

use common::*;
use std::time::Duration;

#[tokio::test]
async fn stats_replays_history_after_last_event_id() {
    let srv = start().await;
    let mut s = sse(srv.addr, "/stats", &[]).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.header("content-type"), Some("text/event-stream"));
    assert_eq!(s.header("cache-control"), Some("no-store"));
    let first = s.next_block().await.expect("retry block");
    assert_eq!(first.retry.as_deref(), Some("2000"));
    let evs = s.events_with_ids(15).await;
    let start = evs[0].id_num().expect("numeric id");
    assert_consecutive(&evs, start);
    assert_eq!(
        evs[0].event.as_deref(),
        Some("connections"),
        "a new client first sees its own connect"
    );
    let kinds: Vec<_> = evs.iter().filter_map(|e| e.event.clone()).collect();
    for k in ["requests", "uptime", "load", "memory"] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    for e in &evs {
        let v: serde_json::Value = serde_json::from_str(&e.data.join("\n")).expect("json data");
        assert!(v.is_object());
    }
    let last = evs[evs.len() - 1].id_num().expect("id");
    drop(s);

    // Reconnect with the header: exactly the next id, whatever happened meanwhile.
    let mut s = sse(srv.addr, "/stats", &[("Last-Event-ID", &last.to_string())]).await;
    let evs = s.events_with_ids(20).await;
    assert_consecutive(&evs, last + 1);
    let last = evs[evs.len() - 1].id_num().expect("id");
    drop(s);

    // And with the query parameter the polyfill may use instead.
    let mut s = sse(srv.addr, &format!("/stats?lastEventId={last}"), &[]).await;
    let evs = s.events_with_ids(20).await;
    assert_consecutive(&evs, last + 1);
    drop(s);
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn stats_redirects_a_page_load() {
    let srv = start().await;
    let mut r = get(srv.addr, "/stats", &[("Accept", "text/html")]).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/"));
    r.read_to_end().await;
    srv.shutdown(Duration::from_secs(1)).await;
}

/// The events of a polling response, after checking that it starts with the `retry` block.
fn poll_blocks(body: &str) -> Vec<Block> {
    let mut blocks = parse_blocks(body);
    assert!(
        !blocks.is_empty(),
        "a polling response carries at least its retry"
    );
    assert_eq!(blocks.remove(0).retry.as_deref(), Some("2000"));
    blocks
}

#[tokio::test]
async fn polling_gets_one_batch_then_the_next() {
    let srv = start().await;
    let xrw = ("X-Requested-With", "XMLHttpRequest");
    // No id yet: waits for the next batch, then the response ends.
    let mut r = get(srv.addr, "/stats?poll_wait=5000", &[xrw]).await;
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let body = String::from_utf8(r.read_to_end().await).expect("utf8");
    let blocks = poll_blocks(&body);
    assert!(!blocks.is_empty(), "a batch arrives");
    let first = blocks[0].id_num().expect("id");
    assert_consecutive(&blocks, first);
    let last = blocks[blocks.len() - 1].id_num().expect("id");

    // With the last id: exactly the following events (pending ones, or the next batch).
    let mut r = get(
        srv.addr,
        "/stats?poll_wait=5000",
        &[xrw, ("Last-Event-ID", &last.to_string())],
    )
    .await;
    let blocks = poll_blocks(&String::from_utf8(r.read_to_end().await).expect("utf8"));
    assert!(!blocks.is_empty());
    assert_consecutive(&blocks, last + 1);
    let last = blocks[blocks.len() - 1].id_num().expect("id");

    // The query form of the id and a text/plain content type.
    let target = format!("/stats?poll_wait=5000&lastEventId={last}&poll_ctype=text/plain");
    let mut r = get(srv.addr, &target, &[xrw]).await;
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let blocks = poll_blocks(&String::from_utf8(r.read_to_end().await).expect("utf8"));
    assert_consecutive(&blocks, last + 1);

    // Polling works on the ticker too.
    let mut r = get(srv.addr, "/ticker?poll_wait=5000", &[xrw]).await;
    let blocks = poll_blocks(&String::from_utf8(r.read_to_end().await).expect("utf8"));
    assert!(blocks.iter().any(|b| b.event.as_deref() == Some("tick")));
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn polling_on_counter() {
    let srv = start().await;
    let xrw = ("X-Requested-With", "XMLHttpRequest");
    let mut r = get(srv.addr, "/t/counter?count=5&lastEventId=2", &[xrw]).await;
    let blocks = parse_blocks(&String::from_utf8(r.read_to_end().await).expect("utf8"));
    assert_consecutive(&blocks, 3);
    assert_eq!(blocks.len(), 3);
    // Nothing left: the poll waits out its bound and ends empty.
    let mut r = get(
        srv.addr,
        "/t/counter?count=5&poll_wait=50",
        &[xrw, ("Last-Event-ID", "5")],
    )
    .await;
    assert!(r.read_to_end().await.is_empty());
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn ticker_has_custom_event_types() {
    let srv = start().await;
    let mut s = sse(srv.addr, "/ticker", &[]).await;
    let mut ticks = 0;
    let mut news = 0;
    let mut prev = None;
    for _ in 0..200 {
        let b = s.next_block().await.expect("block");
        let Some(id) = b.id_num() else { continue };
        if let Some(p) = prev {
            assert_eq!(id, p + 1);
        }
        prev = Some(id);
        let v: serde_json::Value = serde_json::from_str(&b.data.join("\n")).expect("json");
        match b.event.as_deref() {
            Some("tick") => {
                ticks += 1;
                assert!(v["symbol"].is_string() && v["price"].as_f64().is_some_and(|p| p > 0.0));
            }
            Some("news") => {
                news += 1;
                assert!(v["headline"].is_string());
            }
            other => panic!("unexpected event {other:?}"),
        }
        if news > 0 && ticks > 12 {
            break;
        }
    }
    assert!(news > 0 && ticks > 12, "ticks {ticks} news {news}");
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn keep_alive_comment_when_idle() {
    let mut c = config();
    c.keepalive = Duration::from_millis(50);
    c.ticker_interval = Duration::from_secs(3600);
    let srv = start_with(c).await;
    let mut s = sse(srv.addr, "/ticker", &[]).await;
    let mut saw_comment = false;
    for _ in 0..10 {
        let b = s.next_block().await.expect("block");
        if b.comment {
            saw_comment = true;
            break;
        }
    }
    assert!(saw_comment);
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_thousand_clients_come_and_go() {
    let srv = start().await;
    let addr = srv.addr;
    const TOTAL: usize = 1000;
    const AT_ONCE: usize = 20;
    for _ in 0..TOTAL / AT_ONCE {
        let mut batch = Vec::with_capacity(AT_ONCE);
        for _ in 0..AT_ONCE {
            batch.push(tokio::spawn(async move {
                let mut s = sse(addr, "/stats", &[]).await;
                assert_eq!(s.status, 200);
                // The retry line proves the stream is live before dropping it.
                let b = s.next_block().await.expect("first block");
                assert_eq!(b.retry.as_deref(), Some("2000"));
            }));
        }
        for t in batch {
            t.await.expect("client task");
        }
    }
    let counts = wait_clients(addr, |(stats, _, streams)| stats == 0 && streams == 0).await;
    assert_eq!(
        counts,
        (0, 0, 0),
        "every dropped client left the broadcast list"
    );

    // The server still serves normally afterwards, and its count is back to one.
    let mut s = sse(addr, "/stats", &[]).await;
    let evs = s.events_with_ids(1).await;
    assert_eq!(evs[0].data, vec![r#"{"count":1}"#.to_owned()]);
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn ids_keep_increasing_across_a_restart() {
    let srv = start().await;
    let mut s = sse(srv.addr, "/stats", &[]).await;
    let evs = s.events_with_ids(10).await;
    let last = evs[9].id_num().expect("id");
    drop(s);
    srv.shutdown(Duration::from_secs(1)).await;

    // A new server (same second, most likely): the client's old id is behind the new ids,
    // so it catches up on the whole new history without a repeat or a backwards step.
    let srv = start().await;
    let mut s = sse(srv.addr, "/stats", &[("Last-Event-ID", &last.to_string())]).await;
    let evs = s.events_with_ids(10).await;
    let first = evs[0].id_num().expect("id");
    assert!(first > last, "{first} > {last}");
    assert_consecutive(&evs, first);
    srv.shutdown(Duration::from_secs(1)).await;
}
