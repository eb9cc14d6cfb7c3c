//! `--extra-ports N`: N more listeners with the same routes, printed on the READY line after the
//! two usual URLs (whose position and format stay as they were).

mod common;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use sse_server::Config;

#[tokio::test]
async fn extra_listeners_serve_the_same_routes_and_share_the_counts() {
    let srv = start_with(Config {
        extra_ports: 5,
        ..config()
    })
    .await;
    assert_eq!(srv.extra_addrs.len(), 5);
    let mut ports: HashSet<u16> = srv.extra_addrs.iter().map(|a| a.port()).collect();
    ports.insert(srv.addr.port());
    ports.insert(srv.second_addr.port());
    assert_eq!(ports.len(), 7, "all listeners on distinct ports");
    for a in &srv.extra_addrs {
        assert!(a.ip().is_loopback(), "{a} is loopback");
    }
    assert_eq!(srv.extra_urls().len(), 5);
    assert!(srv
        .ready_line()
        .starts_with(&format!("READY {} {} ", srv.url(), srv.second_url())));

    // A stream on every extra port, with CORS from the main origin, counted by /t/clients
    // on the main port.
    let origin = srv.url();
    let mut streams = Vec::new();
    for a in &srv.extra_addrs {
        let mut r = sse(*a, "/t/counter?count=3", &[("Origin", &origin)]).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some(origin.as_str())
        );
        let events = r.events_with_ids(3).await;
        assert_consecutive(&events, 1);
        streams.push(r);
    }
    let open = wait_clients(srv.addr, |(_, _, s)| s == 5).await;
    assert_eq!(open.2, 5, "five open streams across the extra ports");
    drop(streams);
    let closed = wait_clients(srv.extra_addrs[0], |(_, _, s)| s == 0).await;
    assert_eq!(closed.2, 0, "streams leave when the clients do");
    srv.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn no_extra_listeners_by_default() {
    let srv = start().await;
    assert!(srv.extra_addrs.is_empty());
    assert_eq!(
        srv.ready_line(),
        format!("READY {} {}", srv.url(), srv.second_url())
    );
    srv.shutdown(Duration::from_secs(1)).await;
}

#[test]
fn the_binary_prints_the_extra_urls_after_the_two_usual_ones() {
    let (mut child, ready) = spawn_binary(&[
        "--port",
        "0",
        "--second-port",
        "0",
        "--extra-ports",
        "3",
        "--corpus-dir",
        "/nonexistent",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    let parts: Vec<&str> = ready.split_whitespace().collect();
    assert_eq!(parts.len(), 6, "{ready:?}");
    assert_eq!(parts[0], "READY");
    let urls: HashSet<&str> = parts[1..].iter().copied().collect();
    assert_eq!(urls.len(), 5, "distinct listeners: {ready:?}");
    assert!(parts[1..]
        .iter()
        .all(|u| u.starts_with("http://127.0.0.1:")));

    // Too many is refused with a usage message, exit status 2.
    let status = Command::new(env!("CARGO_BIN_EXE_sse-server"))
        .args(["--port", "0", "--extra-ports", "100000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run sse-server");
    assert_eq!(status.code(), Some(2));
}
