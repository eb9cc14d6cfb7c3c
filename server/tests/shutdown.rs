//! The binary: READY line on stdout, then a prompt exit 0 on SIGTERM, ending open streams.

mod common;

use common::spawn_binary;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn sigterm_exits_zero_promptly() {
    let (mut child, ready) = spawn_binary(&[
        "--port",
        "0",
        "--second-port",
        "0",
        "--corpus-dir",
        "/nonexistent",
    ]);
    let parts: Vec<&str> = ready.split_whitespace().collect();
    assert_eq!(parts.len(), 3, "{ready:?}");
    assert_eq!(parts[0], "READY");
    assert!(parts[1].starts_with("http://127.0.0.1:") && parts[2].starts_with("http://127.0.0.1:"));
    assert_ne!(parts[1], parts[2]);

    // An open stream must not hold up the exit, and must be ended by it.
    let addr = parts[1].trim_start_matches("http://");
    let mut sock = TcpStream::connect(addr).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    sock.write_all(b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .expect("write");
    let mut buf = [0u8; 4096];
    let n = sock.read(&mut buf).expect("stream head");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let exit = rx
        .recv_timeout(Duration::from_secs(3))
        .expect("exits within 3 s of SIGTERM")
        .expect("wait");
    assert_eq!(exit.code(), Some(0));
    // The stream reaches its end (EOF) rather than hanging.
    let mut rest = Vec::new();
    let _ = sock.read_to_end(&mut rest);
}
