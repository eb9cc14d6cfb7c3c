//! The `/t/` endpoints, CORS, the request log and static files.

mod common;

use common::*;
use std::time::Duration;

fn text(b: Vec<u8>) -> String {
    String::from_utf8(b).expect("utf8")
}

#[tokio::test]
async fn counter_drops_and_resumes() {
    let srv = start().await;
    let mut r = sse(
        srv.addr,
        "/t/counter?count=12&drop_after=5&retry=50&prefix=n",
        &[],
    )
    .await;
    let blocks = parse_blocks(&text(r.read_to_end().await));
    assert_eq!(blocks[0].retry.as_deref(), Some("50"));
    let evs: Vec<_> = blocks.into_iter().filter(|b| b.id.is_some()).collect();
    assert_consecutive(&evs, 1);
    assert_eq!(evs.len(), 5, "the response ends after drop_after events");
    assert_eq!(evs[4].data, vec!["n5".to_owned()]);

    let mut r = sse(
        srv.addr,
        "/t/counter?count=12&drop_after=5&type=num",
        &[("Last-Event-ID", "5")],
    )
    .await;
    let evs = parse_blocks(&text(r.read_to_end().await));
    assert_consecutive(&evs, 6);
    assert_eq!(evs.len(), 5);
    assert_eq!(evs[0].event.as_deref(), Some("num"));

    let mut r = sse(
        srv.addr,
        "/t/counter?count=12&drop_after=5&end=1&lastEventId=10",
        &[],
    )
    .await;
    let evs = parse_blocks(&text(r.read_to_end().await));
    assert_consecutive(&evs, 11);
    assert_eq!(evs.len(), 2);

    // Without end=1 the finished stream stays open (idle) until the client leaves.
    let mut r = sse(srv.addr, "/t/counter?count=2", &[]).await;
    let evs = r.events_with_ids(2).await;
    assert_consecutive(&evs, 1);
    assert_eq!(
        r.read_more_within(Duration::from_millis(200)).await,
        None,
        "held open, silent"
    );
    assert_eq!(clients(srv.addr).await.2, 1);
    drop(r);
    assert_eq!(wait_clients(srv.addr, |c| c.2 == 0).await.2, 0);
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn counter_stalls() {
    let srv = start().await;
    let mut r = sse(
        srv.addr,
        "/t/counter?count=10&stall_after=3&interval=5",
        &[],
    )
    .await;
    let evs = r.events_with_ids(3).await;
    assert_consecutive(&evs, 1);
    assert_eq!(
        r.read_more_within(Duration::from_millis(300)).await,
        None,
        "stalled: nothing more, still open"
    );
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn script_sends_exact_bytes_in_separate_writes() {
    let srv = start().await;
    let all: Vec<u8> = (0u8..=255).collect();
    let encoded: String = all.iter().map(|b| format!("%{b:02X}")).collect();
    let target = format!("/t/script?body={encoded}&split=1,10,100&delay=20&status=201&header=X-Test:yes&header=X-Two:2");
    let mut r = get(srv.addr, &target, &[]).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(r.header("x-test"), Some("yes"));
    assert_eq!(r.header("x-two"), Some("2"));
    assert_eq!(r.read_to_end().await, all);
    assert_eq!(r.chunks, vec![1, 9, 90, 156], "one chunk per write");

    // Base64 body, no Content-Type at all.
    let mut r = get(
        srv.addr,
        "/t/script?body_b64=ZGF0YTogaGkKCg%3D%3D&ctype=none",
        &[],
    )
    .await;
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.read_to_end().await, b"data: hi\n\n");

    // '+' is a space, as URLSearchParams encodes it; %2B is a plus.
    let mut r = get(srv.addr, "/t/script?body=a+b%2Bc&ctype=text/plain", &[]).await;
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.read_to_end().await, b"a b+c");

    // hold=1 keeps the response open after the body.
    let mut r = get(srv.addr, "/t/script?body=data%3A%20x%0A%0A&hold=1", &[]).await;
    assert!(r.next_block().await.is_some());
    assert_eq!(r.read_more_within(Duration::from_millis(200)).await, None);

    let mut r = get(srv.addr, "/t/script?status=abc", &[]).await;
    assert_eq!(r.status, 400);
    r.read_to_end().await;
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn redirects_chain_then_land() {
    let srv = start().await;
    for status in [301u16, 302, 303, 307, 308] {
        let mut r = get(
            srv.addr,
            &format!("/t/redirect?status={status}&to=%2Ft%2Fecho%3Fa%3D1"),
            &[],
        )
        .await;
        assert_eq!(r.status, status);
        assert_eq!(r.header("location"), Some("/t/echo?a=1"));
        r.read_to_end().await;
    }
    let mut target = "/t/redirect?status=307&to=%2Ft%2Fcounter&count=2".to_owned();
    let mut hops = 0;
    loop {
        let mut r = get(srv.addr, &target, &[]).await;
        assert_eq!(r.status, 307);
        target = r.header("location").expect("location").to_owned();
        r.read_to_end().await;
        hops += 1;
        if !target.starts_with("/t/redirect") || hops > 5 {
            break;
        }
    }
    assert_eq!((hops, target.as_str()), (3, "/t/counter"));
    let mut r = get(srv.addr, "/t/redirect?status=200", &[]).await;
    assert_eq!(r.status, 400);
    r.read_to_end().await;
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn cors_headers_preflight_and_log() {
    let srv = start().await;
    let origin = srv.second_url();
    let mut r = get(srv.addr, "/t/echo?key=c1", &[("Origin", &origin)]).await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some(origin.as_str())
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(r.header("access-control-expose-headers"), Some("*"));
    assert_eq!(r.header("vary"), Some("Origin"));
    r.read_to_end().await;

    let mut r = get(
        srv.second_addr,
        "/t/echo?cors=0",
        &[("Origin", "http://elsewhere")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    r.read_to_end().await;

    let r = sse(srv.addr, "/stats", &[("Origin", &origin)]).await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some(origin.as_str())
    );
    drop(r);

    let mut r = request(
        srv.addr,
        "OPTIONS",
        "/t/counter?key=c1",
        &[
            ("Origin", &origin),
            ("Access-Control-Request-Method", "GET"),
            (
                "Access-Control-Request-Headers",
                "last-event-id, x-requested-with",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some(origin.as_str())
    );
    assert_eq!(r.header("access-control-allow-methods"), Some("GET"));
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some(sse_server::cors::ALLOWED_HEADERS)
    );
    assert_eq!(r.header("access-control-max-age"), Some("0"));
    r.read_to_end().await;

    let mut r = get(srv.addr, "/t/log?key=c1", &[]).await;
    let v: serde_json::Value = serde_json::from_slice(&r.read_to_end().await).expect("json");
    let reqs = v["requests"].as_array().expect("requests");
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0]["method"], "GET");
    assert_eq!(reqs[0]["origin"], origin.as_str());
    assert_eq!(reqs[1]["method"], "OPTIONS");
    assert_eq!(reqs[1]["url"], "/t/counter?key=c1");
    assert_eq!(v["preflights"], 1);

    let mut r = get(srv.addr, "/t/log?key=c1&clear=1", &[]).await;
    r.read_to_end().await;
    let mut r = get(srv.addr, "/t/log?key=c1", &[]).await;
    let v: serde_json::Value = serde_json::from_slice(&r.read_to_end().await).expect("json");
    assert_eq!(v["requests"].as_array().map(Vec::len), Some(0));
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn echo_describes_the_request() {
    let srv = start().await;
    let mut r = get(
        srv.addr,
        "/t/echo?a=1&b=x%20y",
        &[
            ("Accept", "text/event-stream"),
            ("Last-Event-ID", "42"),
            ("Cookie", "k=v"),
            ("X-Requested-With", "XMLHttpRequest"),
            ("Cache-Control", "no-cache"),
            ("Authorization", "Basic eDp5"),
            ("X-Custom", "z"),
        ],
    )
    .await;
    let blocks = parse_blocks(&text(r.read_to_end().await));
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].event.as_deref(), Some("headers"));
    let v: serde_json::Value = serde_json::from_str(&blocks[0].data[0]).expect("json");
    assert_eq!(v["method"], "GET");
    assert_eq!(v["url"], "/t/echo?a=1&b=x%20y");
    assert_eq!(v["accept"], "text/event-stream");
    assert_eq!(v["lastEventId"], "42");
    assert_eq!(v["cookie"], "k=v");
    assert_eq!(v["xRequestedWith"], "XMLHttpRequest");
    assert_eq!(v["cacheControl"], "no-cache");
    assert_eq!(v["authorization"], "Basic eDp5");
    assert!(v["origin"].is_null());
    assert_eq!(v["query"]["b"], "x y");
    assert_eq!(v["headers"]["x-custom"], "z");
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn status_cookie_and_big_bodies() {
    let srv = start().await;
    let mut r = get(srv.addr, "/t/status/404", &[]).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (404, Some("text/event-stream"))
    );
    assert_eq!(r.read_to_end().await, b"data: 404\n\n");
    let mut r = get(srv.addr, "/t/status/204", &[]).await;
    assert_eq!(r.status, 204);
    assert!(r.read_to_end().await.is_empty());

    let origin = srv.second_url();
    let mut r = get(
        srv.addr,
        "/t/setcookie?name=sess&value=abc",
        &[("Origin", &origin)],
    )
    .await;
    assert_eq!(
        r.header("set-cookie"),
        Some("sess=abc; Path=/; SameSite=Lax")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(r.read_to_end().await, b"ok");

    let mut r = get(
        srv.addr,
        "/t/endless?total=100000&event_size=64&chunk=4096",
        &[],
    )
    .await;
    let body = r.read_to_end().await;
    assert!(
        body.len() >= 100_000 && body.len() < 100_000 + 4096 + 128,
        "{}",
        body.len()
    );
    let t = text(body);
    assert!(t.contains("id: 1000\ndata: "));
    assert!(t.starts_with(&format!("data: {}\n\n", "x".repeat(56))));

    let mut r = get(srv.addr, "/t/giant?size=200000&newline=1", &[]).await;
    let body = r.read_to_end().await;
    assert_eq!(body.len(), 200_002);
    assert!(body.starts_with(b"data: xxx") && body.ends_with(b"x\n\n"));
    assert!(r.chunks.iter().all(|&c| c <= 64 * 1024));
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn corpus_files() {
    let dir = temp_dir("corpus");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("rec.sse"), &data).expect("write corpus");
    let mut c = config();
    c.corpus_dir = dir.clone();
    let srv = start_with(c).await;
    let mut r = get(srv.addr, "/t/corpus/rec.sse", &[]).await;
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(r.read_to_end().await, data);
    for (path, status) in [
        ("/t/corpus/missing", 404),
        ("/t/corpus/..%2Frec.sse", 400),
        ("/t/corpus/..", 400),
    ] {
        let mut r = get(srv.addr, path, &[]).await;
        assert_eq!(r.status, status, "{path}");
        r.read_to_end().await;
    }
    srv.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn static_files() {
    let root = temp_dir("www");
    let pkg = temp_dir("pkg");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::write(root.join("index.html"), "<p>root</p>").expect("write");
    std::fs::write(root.join("sub/index.html"), "<p>sub</p>").expect("write");
    std::fs::write(root.join("app.mjs"), "export {}").expect("write");
    std::fs::write(pkg.join("m.wasm"), b"\0asm").expect("write");
    std::fs::write(pkg.join("m.d.ts"), "export {}").expect("write");
    let mut c = config();
    c.mounts = vec![
        sse_server::static_files::Mount::new("/", &root),
        sse_server::static_files::Mount::new("/pkg", &pkg),
    ];
    let srv = start_with(c).await;
    let cases: [(&str, u16, Option<&str>); 10] = [
        ("/", 200, Some("text/html; charset=utf-8")),
        ("/?charset=none", 200, Some("text/html")),
        ("/app.mjs?charset=none", 200, Some("text/javascript")),
        ("/sub/", 200, Some("text/html; charset=utf-8")),
        ("/app.mjs", 200, Some("text/javascript; charset=utf-8")),
        ("/pkg/m.wasm", 200, Some("application/wasm")),
        ("/pkg/m.d.ts", 200, Some("text/plain; charset=utf-8")),
        ("/nope.js", 404, None),
        ("/pkg/%2e%2e/index.html", 400, None),
        ("/sub", 301, None),
    ];
    for (path, status, ctype) in cases {
        let mut r = get(srv.addr, path, &[]).await;
        assert_eq!(r.status, status, "{path}");
        if let Some(ct) = ctype {
            assert_eq!(r.header("content-type"), Some(ct), "{path}");
            assert_eq!(r.header("cache-control"), Some("no-cache"), "{path}");
        }
        r.read_to_end().await;
    }
    let mut r = get(srv.addr, "/sub/", &[]).await;
    assert_eq!(r.read_to_end().await, b"<p>sub</p>");
    srv.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(root);
    let _ = std::fs::remove_dir_all(pkg);
}

#[tokio::test]
async fn delay_holds_every_answer_back() {
    let delay = Duration::from_millis(120);
    let mut c = config();
    c.delay = delay;
    let srv = start_with(c).await;
    let started = std::time::Instant::now();
    let mut r = get(srv.addr, "/t/status/204", &[]).await;
    // A lower bound only: the server cannot answer before the delay has passed.
    assert!(
        started.elapsed() >= delay,
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(r.status, 204);
    r.read_to_end().await;
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn log_keeps_the_raw_bytes_of_last_event_id() {
    let srv = start().await;
    // A U+FFFD that arrived as UTF-8 and two header lines: the text joins them, the hex keeps
    // each value's exact bytes.
    let mut r = sse(
        srv.addr,
        "/t/echo?key=hex1",
        &[("Last-Event-ID", "a\u{FFFD}")],
    )
    .await;
    r.read_more().await;
    drop(r);
    let mut r = sse(
        srv.addr,
        "/t/echo?key=hex1",
        &[("Last-Event-ID", "5"), ("Last-Event-ID", "x")],
    )
    .await;
    r.read_more().await;
    drop(r);
    let mut r = sse(srv.addr, "/t/echo?key=hex1", &[]).await;
    r.read_more().await;
    drop(r);

    let mut r = get(srv.addr, "/t/log?key=hex1", &[]).await;
    let v: serde_json::Value = serde_json::from_slice(&r.read_to_end().await).expect("json");
    let reqs = v["requests"].as_array().expect("requests");
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0]["lastEventId"], "a\u{FFFD}");
    assert_eq!(reqs[0]["lastEventIdHex"], "61efbfbd");
    assert_eq!(reqs[1]["lastEventId"], "5, x");
    assert_eq!(reqs[1]["lastEventIdHex"], "35,78");
    assert!(reqs[2]["lastEventIdHex"].is_null());
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn script_wait_holds_the_response_head() {
    let srv = start().await;
    let addr = srv.addr;
    let pending =
        tokio::spawn(
            async move { get(addr, "/t/script?wait=1500&body=data%3A%20w%0A%0A", &[]).await },
        );
    // An absence window well inside the wait: no head yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !pending.is_finished(),
        "the head came before the wait was over"
    );
    let mut r = pending.await.expect("request task");
    assert_eq!(r.status, 200);
    assert_eq!(r.read_to_end().await, b"data: w\n\n");
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn counter_cr_ends_lines_with_a_lone_cr() {
    let srv = start().await;
    let mut r = sse(
        srv.addr,
        "/t/counter?count=3&end=1&retry=50&cr=1",
        &[("Last-Event-ID", "1")],
    )
    .await;
    assert_eq!(
        text(r.read_to_end().await),
        "retry: 50\r\rid: 2\rdata: 2\r\rid: 3\rdata: 3\r\r"
    );
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn counter_restart_ignores_last_event_id() {
    let srv = start().await;
    let mut r = sse(
        srv.addr,
        "/t/counter?count=3&end=1&restart=1",
        &[("Last-Event-ID", "2")],
    )
    .await;
    let evs = parse_blocks(&text(r.read_to_end().await));
    assert_consecutive(&evs, 1);
    assert_eq!(evs.len(), 3);
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn counter_fail_from_answers_204() {
    let srv = start().await;
    let mut r = sse(
        srv.addr,
        "/t/counter?count=3&drop_after=1&fail_from=2",
        &[("Last-Event-ID", "1")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_consecutive(&parse_blocks(&text(r.read_to_end().await)), 2);
    let r = sse(
        srv.addr,
        "/t/counter?count=3&drop_after=1&fail_from=2",
        &[("Last-Event-ID", "2")],
    )
    .await;
    assert_eq!(r.status, 204);
    srv.shutdown(Duration::from_secs(1)).await;
}
