//! `--state-file`: the /stats history survives a restart (in-process and a SIGKILLed
//! binary), and a client resuming with Last-Event-ID gets the next ids: no gap, no repeat.

mod common;

use common::*;

use std::net::SocketAddr;
use std::process::Child;

use std::time::Duration;

#[tokio::test]
async fn ids_continue_after_an_in_process_restart() {
    let state = temp_dir("state").join("stats.journal");
    let mut c = config();
    c.state_file = Some(state.clone());
    let srv = start_with(c.clone()).await;
    let mut s = sse(srv.addr, "/stats", &[]).await;
    let evs = s.events_with_ids(12).await;
    let first = evs[0].id_num().expect("id");
    assert_consecutive(&evs, first);
    let last = evs[11].id_num().expect("id");
    drop(s);
    // The stream task must be gone (its `connections` event written) before the old
    // hub is dropped, or it could still append while the new server reads the file.
    let counts = wait_clients(srv.addr, |(stats, _, _)| stats == 0).await;
    assert_eq!(counts.0, 0);
    srv.shutdown(Duration::from_secs(1)).await;

    let srv = start_with(c).await;
    let mut s = sse(srv.addr, "/stats", &[("Last-Event-ID", &last.to_string())]).await;
    let evs = s.events_with_ids(20).await;
    assert_consecutive(&evs, last + 1);
    // The replay holds what the first server emitted after `last`, including the
    // `connections` event of the disconnect, before the new server's own events.
    assert!(
        evs.iter()
            .any(|e| e.event.as_deref() == Some("connections") && e.data == [r#"{"count":0}"#]),
        "the first server's disconnect is replayed: {evs:?}"
    );
    drop(s);
    srv.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(state.parent().expect("dir"));
}

#[tokio::test]
async fn ids_continue_after_sigkill() {
    let state = temp_dir("kill").join("stats.journal");
    let (mut child, addr) = spawn_server(&state);
    let mut s = sse(addr, "/stats", &[]).await;
    let evs = s.events_with_ids(10).await;
    let last = evs[9].id_num().expect("id");
    // SIGKILL: no shutdown code runs; whatever was emitted must already be on disk.
    child.kill().expect("kill");
    child.wait().expect("wait");
    drop(s);

    let (mut child, addr) = spawn_server(&state);
    let mut s = sse(addr, "/stats", &[("Last-Event-ID", &last.to_string())]).await;
    let evs = s.events_with_ids(15).await;
    assert_consecutive(&evs, last + 1);
    drop(s);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(state.parent().expect("dir"));
}

/// Starts the binary with a fast /stats and the state file; returns it and its address.
fn spawn_server(state: &std::path::Path) -> (Child, SocketAddr) {
    let mut args: Vec<std::ffi::OsString> = [
        "--port",
        "0",
        "--second-port",
        "0",
        "--static",
        "/=/nonexistent",
        "--stats-interval-ms",
        "20",
        "--state-file",
    ]
    .iter()
    .map(Into::into)
    .collect();
    args.push(state.into());
    let (child, line) = spawn_binary(&args);
    let addr = line
        .split_whitespace()
        .nth(1)
        .and_then(|u| u.strip_prefix("http://"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("bad READY line {line:?}"));
    (child, addr)
}
