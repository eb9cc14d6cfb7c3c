//! Who may use the server: the Host check (DNS rebinding), CORS only for the server's own
//! and `--allow-origin` origins, the refusal shapes of `cors=`, side effects refused from
//! other sites, and the test routes only with `--test-routes`.

mod common;

use common::*;
use sse_server::Config;
use std::time::Duration;

const FOREIGN: &str = "http://evil.example";

#[tokio::test]
async fn a_foreign_host_is_refused_with_421_and_nothing_else() {
    let srv = start().await;
    let port = srv.addr.port();
    for host in [
        "evil.example",
        "evil.example:80",
        "127.0.0.1.nip.io",
        "0.0.0.0",
    ] {
        let req = format!("GET /stats HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\nOrigin: http://{host}\r\n\r\n");
        let mut r = send_raw(srv.addr, req.as_bytes()).await;
        assert_eq!(r.status, 421, "{host}");
        assert_eq!(r.header("access-control-allow-origin"), None, "{host}");
        let body = String::from_utf8(r.read_to_end().await).expect("utf8");
        assert!(body.contains("not served here"), "{body}");
    }
    // No Host at all, and an absolute-form target naming another host.
    let mut r = send_raw(srv.addr, b"GET /t/clients HTTP/1.1\r\n\r\n").await;
    assert_eq!(r.status, 421);
    r.read_to_end().await;
    let mut r = send_raw(
        srv.addr,
        b"GET http://evil.example/t/clients HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    .await;
    assert_eq!(r.status, 421);
    r.read_to_end().await;
    // The loopback names, with or without a port, in any case.
    for host in [
        "127.0.0.1".to_owned(),
        format!("localhost:{port}"),
        "LocalHost".to_owned(),
        format!("[::1]:{port}"),
        "[::1]".to_owned(),
    ] {
        let req = format!("GET /t/clients HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let mut r = send_raw(srv.addr, req.as_bytes()).await;
        assert_eq!(r.status, 200, "{host}");
        r.read_to_end().await;
    }
    srv.shutdown(Duration::from_secs(1)).await;

    // --allow-host adds a name (any port); its origins get CORS too.
    let srv = start_with(Config {
        allow_hosts: vec!["dev.test".into()],
        ..config()
    })
    .await;
    let origin = format!("http://dev.test:{}", srv.second_addr.port());
    let req = format!(
        "GET /t/echo HTTP/1.1\r\nHost: dev.test:{}\r\nOrigin: {origin}\r\n\r\n",
        srv.addr.port()
    );
    let mut r = send_raw(srv.addr, req.as_bytes()).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some(origin.as_str())
    );
    r.read_to_end().await;
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_foreign_origin_gets_no_cors_answer() {
    let srv = start().await;
    for path in [
        "/t/echo",
        "/t/log?key=x",
        "/stats",
        "/t/counter?count=1&end=1",
    ] {
        let mut r = sse(srv.addr, path, &[("Origin", FOREIGN), ("Cookie", "a=b")]).await;
        assert_eq!(r.header("access-control-allow-origin"), None, "{path}");
        assert_eq!(r.header("access-control-allow-credentials"), None, "{path}");
        assert_eq!(r.header("vary"), Some("Origin"), "{path}");
        if path != "/stats" {
            r.read_to_end().await;
        }
    }
    // Nor a preflight: no origin, no methods, no headers.
    let mut r = request(
        srv.addr,
        "OPTIONS",
        "/t/echo",
        &[
            ("Origin", FOREIGN),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    )
    .await;
    assert_eq!(r.status, 204);
    for h in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
    ] {
        assert_eq!(r.header(h), None, "{h}");
    }
    r.read_to_end().await;
    // A look-alike of an own origin is foreign too.
    for near in [
        format!("http://127.0.0.1:{}", srv.addr.port() ^ 1),
        format!("https://127.0.0.1:{}", srv.addr.port()),
        format!("http://127.0.0.1:{}.evil.example", srv.addr.port()),
    ] {
        let mut r = get(srv.addr, "/t/echo", &[("Origin", &near)]).await;
        assert_eq!(r.header("access-control-allow-origin"), None, "{near}");
        r.read_to_end().await;
    }
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn every_own_origin_and_allowed_origin_gets_credentialed_cors() {
    let srv = start_with(Config {
        extra_ports: 2,
        allow_origins: vec!["http://127.0.0.1:1".into()],
        ..config()
    })
    .await;
    let mut origins: Vec<String> = vec![srv.url(), srv.second_url()];
    origins.extend(srv.extra_urls());
    origins.push(format!("http://localhost:{}", srv.second_addr.port()));
    origins.push(format!("http://[::1]:{}", srv.addr.port()));
    origins.push("http://127.0.0.1:1".into());
    for origin in &origins {
        let mut r = get(srv.extra_addrs[1], "/t/echo", &[("Origin", origin)]).await;
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some(origin.as_str()),
            "{origin}"
        );
        assert_eq!(
            r.header("access-control-allow-credentials"),
            Some("true"),
            "{origin}"
        );
        r.read_to_end().await;
    }
    // The API's preflight allows POST and the headers the demo sends.
    let mut r = request(
        srv.addr,
        "OPTIONS",
        "/api/answer",
        &[
            ("Origin", &origins[1]),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
    let allowed = r
        .header("access-control-allow-headers")
        .expect("allowed headers")
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "content-type",
        "last-event-id",
        "x-requested-with",
    ] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    r.read_to_end().await;
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn cors_knobs_shape_each_refusal() {
    let srv = start().await;
    let origin = srv.second_url();
    let o = origin.as_str();
    // (knob, Access-Control-Allow-Origin, Access-Control-Allow-Credentials)
    let cases: [(&str, Option<&str>, Option<&str>); 5] = [
        ("", Some(o), Some("true")),
        ("&cors=0", None, None),
        (
            "&cors=wrong",
            Some(sse_server::cors::WRONG_ORIGIN),
            Some("true"),
        ),
        ("&cors=empty", Some(""), Some("true")),
        ("&cors=nocreds", Some(o), None),
    ];
    for (knob, acao, acac) in cases {
        for path in ["/t/script?body=data%3A%20x%0A%0A", "/t/echo?x=1"] {
            let target = format!("{path}{knob}");
            let mut r = get(srv.addr, &target, &[("Origin", o)]).await;
            assert_eq!(r.status, 200, "{target}");
            assert_eq!(r.header("access-control-allow-origin"), acao, "{target}");
            assert_eq!(
                r.header("access-control-allow-credentials"),
                acac,
                "{target}"
            );
            r.read_to_end().await;
        }
        // The same shapes on a preflight.
        let target = format!("/t/echo?x=1{knob}");
        let mut r = request(srv.addr, "OPTIONS", &target, &[("Origin", o)]).await;
        assert_eq!(r.header("access-control-allow-origin"), acao, "{target}");
        r.read_to_end().await;
    }
    // A knob never widens: a foreign origin gets nothing whatever it asks.
    for knob in ["wrong", "empty", "nocreds"] {
        let target = format!("/t/echo?cors={knob}");
        let mut r = get(srv.addr, &target, &[("Origin", FOREIGN)]).await;
        assert_eq!(r.header("access-control-allow-origin"), None, "{target}");
        r.read_to_end().await;
    }
    // `Origin: null` (a redirect chain that crossed origins): anonymous CORS on the test
    // streams, never credentials, never the log.
    let mut r = get(srv.addr, "/t/echo", &[("Origin", "null")]).await;
    assert_eq!(r.header("access-control-allow-origin"), Some("null"));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    r.read_to_end().await;
    for path in ["/t/log?key=k", "/stats"] {
        let mut r = sse(srv.addr, path, &[("Origin", "null")]).await;
        assert_eq!(r.header("access-control-allow-origin"), None, "{path}");
        if path != "/stats" {
            r.read_to_end().await;
        }
    }
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn other_sites_cannot_plant_cookies() {
    let srv = start().await;
    let refused: [&[(&str, &str)]; 2] = [
        &[("Origin", FOREIGN)],
        // An <img> or a link from another site: no Origin, but Sec-Fetch-Site says so.
        &[("Sec-Fetch-Site", "cross-site")],
    ];
    for headers in refused {
        let mut r = get(srv.addr, "/t/setcookie?name=planted&value=1", headers).await;
        assert_eq!(r.status, 403, "{headers:?}");
        assert_eq!(r.header("set-cookie"), None, "{headers:?}");
        r.read_to_end().await;
    }
    let own = srv.url();
    let allowed: [&[(&str, &str)]; 3] = [
        &[("Origin", &own)],
        &[("Sec-Fetch-Site", "same-origin")],
        &[],
    ];
    for headers in allowed {
        let mut r = get(srv.addr, "/t/setcookie?name=n&value=1", headers).await;
        assert_eq!(r.status, 200, "{headers:?}");
        assert!(r.header("set-cookie").is_some(), "{headers:?}");
        r.read_to_end().await;
    }
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn test_routes_exist_only_with_the_flag() {
    let srv = start_with(Config {
        test_routes: false,
        ..config()
    })
    .await;
    let origin = srv.second_url();
    for path in [
        "/t/echo",
        "/t/log?key=k",
        "/t/setcookie",
        "/t/clients",
        "/t/script?body=x",
        "/t/corpus/x",
        "/t/fanout",
    ] {
        let mut r = sse(srv.addr, path, &[("Origin", &origin)]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("set-cookie"), None, "{path}");
        r.read_to_end().await;
        let mut r = request(srv.addr, "OPTIONS", path, &[("Origin", &origin)]).await;
        assert_eq!(r.status, 404, "OPTIONS {path}");
        r.read_to_end().await;
    }
    // The demo streams are still there.
    let mut s = sse(srv.addr, "/stats", &[]).await;
    assert_eq!(s.status, 200);
    assert!(s.next_block().await.is_some());
    drop(s);
    srv.shutdown(Duration::from_secs(1)).await;

    // The binary's default: no test routes either.
    let (mut child, ready) = spawn_binary(&[
        "--port",
        "0",
        "--second-port",
        "0",
        "--static",
        "/=/nonexistent",
    ]);
    let addr: std::net::SocketAddr = ready
        .split_whitespace()
        .nth(1)
        .and_then(|u| u.strip_prefix("http://"))
        .and_then(|a| a.parse().ok())
        .expect("READY line");
    let mut r = get(addr, "/t/echo", &[]).await;
    assert_eq!(r.status, 404);
    r.read_to_end().await;
    let _ = child.kill();
    let _ = child.wait();
}
