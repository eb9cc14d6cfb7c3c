//! Test helpers: start the server in-process on port 0 and speak raw HTTP/1.1 over
//! a real 127.0.0.1 socket, decoding chunked bodies by hand so tests see the exact
//! bytes and chunk boundaries the server wrote. Every read is bounded by a timeout.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sse_server::{Config, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Upper bound for any single wait in a test.
pub const WAIT: Duration = Duration::from_secs(10);

/// A config for tests: free ports, fast producers, nothing mounted, the test routes on.
pub fn config() -> Config {
    Config {
        port: 0,
        second_port: 0,
        mounts: Vec::new(),
        stats_interval: Duration::from_millis(20),
        ticker_interval: Duration::from_millis(20),
        test_routes: true,
        ..Config::default()
    }
}

pub async fn start() -> Running {
    start_with(config()).await
}

pub async fn start_with(c: Config) -> Running {
    sse_server::start(c).await.expect("server starts")
}

/// A fresh empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "sse-server-test-{}-{}-{}",
        tag,
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// One SSE block as the test sees it (fields of interest only).
#[derive(Debug, Default, Clone)]
pub struct Block {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Vec<String>,
    pub retry: Option<String>,
    pub comment: bool,
}

impl Block {
    pub fn id_num(&self) -> Option<u64> {
        self.id.as_deref().and_then(|s| s.parse().ok())
    }
}

/// Parses complete `\n\n`-terminated blocks (the server only writes `\n` line ends).
pub fn parse_blocks(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .filter(|b| !b.is_empty())
        .map(|b| {
            let mut blk = Block::default();
            for line in b.split('\n') {
                if line.starts_with(':') {
                    blk.comment = true;
                    continue;
                }
                let (f, v) = line.split_once(':').unwrap_or((line, ""));
                let v = v.strip_prefix(' ').unwrap_or(v).to_owned();
                match f {
                    "id" => blk.id = Some(v),
                    "event" => blk.event = Some(v),
                    "data" => blk.data.push(v),
                    "retry" => blk.retry = Some(v),
                    _ => {}
                }
            }
            blk
        })
        .collect()
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    sock: TcpStream,
    raw: Vec<u8>,
    chunked: bool,
    remaining: Option<usize>,
    /// Decoded body bytes not yet consumed by `next_block`.
    pub body: Vec<u8>,
    /// Sizes of the chunks received, in order (chunked responses only).
    pub chunks: Vec<usize>,
    pub done: bool,
}

/// Sends a request and reads the response head.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Resp {
    timeout(WAIT, request_inner(addr, method, target, headers))
        .await
        .expect("response head in time")
}

pub async fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Resp {
    request(addr, "GET", target, headers).await
}

/// GET with `Accept: text/event-stream`, as EventSource sends it.
pub async fn sse(addr: SocketAddr, target: &str, extra: &[(&str, &str)]) -> Resp {
    let mut h = vec![("Accept", "text/event-stream")];
    h.extend_from_slice(extra);
    get(addr, target, &h).await
}

async fn request_inner(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    send_inner(addr, req.as_bytes(), method == "HEAD").await
}

/// Sends a request with a body (and its Content-Length) and reads the response head.
pub async fn request_body(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for (k, v) in headers {
        req.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    timeout(WAIT, send_inner(addr, &req, false))
        .await
        .expect("response head in time")
}

/// Sends `raw` bytes as they are (any Host, or none) and reads the response head.
pub async fn send_raw(addr: SocketAddr, raw: &[u8]) -> Resp {
    timeout(WAIT, send_inner(addr, raw, false))
        .await
        .expect("response head in time")
}

/// GET `target` over a socket whose receive buffer is `rcvbuf` bytes (no autotuning), so
/// the server can get at most that much, plus its own send buffer, ahead of the reader.
pub async fn get_small_window(addr: SocketAddr, target: &str, rcvbuf: u32) -> Resp {
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.set_recv_buffer_size(rcvbuf).expect("SO_RCVBUF");
    let sock = timeout(WAIT, sock.connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    timeout(WAIT, send_on(sock, req.as_bytes(), false))
        .await
        .expect("response head in time")
}

async fn send_inner(addr: SocketAddr, request: &[u8], head_only: bool) -> Resp {
    let sock = TcpStream::connect(addr).await.expect("connect");
    send_on(sock, request, head_only).await
}

async fn send_on(mut sock: TcpStream, request: &[u8], head_only: bool) -> Resp {
    sock.write_all(request).await.expect("write request");
    let mut raw = Vec::new();
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut buf = [0u8; 8192];
        let n = sock.read(&mut buf).await.expect("read head");
        assert!(n > 0, "connection closed before the response head");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    raw.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let find = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let chunked = find("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let remaining = if chunked {
        None
    } else {
        Some(
            find("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        )
    };
    let bodiless = head_only || matches!(status, 204 | 304);
    let mut r = Resp {
        status,
        headers,
        sock,
        raw,
        chunked,
        remaining,
        body: Vec::new(),
        chunks: Vec::new(),
        done: bodiless,
    };
    r.decode();
    r
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Moves whatever complete body data `raw` holds into `body`.
    fn decode(&mut self) {
        if self.done {
            return;
        }
        if let Some(rem) = self.remaining.as_mut() {
            let n = (*rem).min(self.raw.len());
            self.body.extend(self.raw.drain(..n));
            *rem -= n;
            if *rem == 0 {
                self.done = true;
            }
            return;
        }
        loop {
            let Some(eol) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size_txt = String::from_utf8_lossy(&self.raw[..eol]).into_owned();
            let size = usize::from_str_radix(size_txt.split(';').next().unwrap_or("").trim(), 16)
                .expect("chunk size");
            if size == 0 {
                self.done = true;
                return;
            }
            if self.raw.len() < eol + 2 + size + 2 {
                return;
            }
            self.body
                .extend_from_slice(&self.raw[eol + 2..eol + 2 + size]);
            self.chunks.push(size);
            self.raw.drain(..eol + 2 + size + 2);
        }
    }

    /// Reads more from the socket. False once the body is complete or the peer closed.
    pub async fn read_more(&mut self) -> bool {
        if self.done {
            return false;
        }
        let mut buf = vec![0u8; 64 * 1024];
        let n = timeout(WAIT, self.sock.read(&mut buf))
            .await
            .expect("body data in time")
            .unwrap_or(0);
        if n == 0 {
            self.done = true;
            return false;
        }
        self.raw.extend_from_slice(&buf[..n]);
        self.decode();
        true
    }

    /// Like `read_more`, but `None` when nothing arrives within `d` (for checking silence).
    pub async fn read_more_within(&mut self, d: Duration) -> Option<bool> {
        if self.done {
            return Some(false);
        }
        let mut buf = vec![0u8; 64 * 1024];
        let n = timeout(d, self.sock.read(&mut buf))
            .await
            .ok()?
            .unwrap_or(0);
        if n == 0 {
            self.done = true;
            return Some(false);
        }
        self.raw.extend_from_slice(&buf[..n]);
        self.decode();
        Some(true)
    }

    /// The whole body (the response must end within the bound).
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.read_more().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "body did not end in time"
            );
        }
        std::mem::take(&mut self.body)
    }

    /// The next complete SSE block, reading as needed; `None` if the body ends first.
    pub async fn next_block(&mut self) -> Option<Block> {
        for _ in 0..10_000 {
            if let Some(i) = self.body.windows(2).position(|w| w == b"\n\n") {
                let text = String::from_utf8_lossy(&self.body[..i + 2]).into_owned();
                self.body.drain(..i + 2);
                return parse_blocks(&text)
                    .into_iter()
                    .next()
                    .or_else(|| Some(Block::default()));
            }
            if !self.read_more().await {
                return None;
            }
        }
        panic!("no complete block after many reads");
    }

    /// The next `n` blocks that carry an id.
    pub async fn events_with_ids(&mut self, n: usize) -> Vec<Block> {
        let mut out = Vec::new();
        while out.len() < n {
            let b = self.next_block().await.expect("stream ended early");
            if b.id.is_some() {
                out.push(b);
            }
        }
        out
    }
}

/// Asserts ids are consecutive integers starting at `first`.
pub fn assert_consecutive(blocks: &[Block], first: u64) {
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(
            b.id_num(),
            Some(first + i as u64),
            "block {i} of {blocks:?}"
        );
    }
}

/// `/t/clients` as (stats, ticker, streams).
pub async fn clients(addr: SocketAddr) -> (u64, u64, u64) {
    let mut r = get(addr, "/t/clients", &[]).await;
    let body = r.read_to_end().await;
    let v: serde_json::Value = serde_json::from_slice(&body).expect("clients json");
    let n = |k: &str| v[k].as_u64().expect("count");
    (n("stats"), n("ticker"), n("streams"))
}

/// Polls `/t/clients` (bounded) until `pred` holds; returns the last reading.
pub async fn wait_clients(
    addr: SocketAddr,
    pred: impl Fn((u64, u64, u64)) -> bool,
) -> (u64, u64, u64) {
    let mut last = (0, 0, 0);
    for _ in 0..250 {
        last = clients(addr).await;
        if pred(last) {
            return last;
        }
        // Disconnects are noticed asynchronously; nothing to await from outside.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    last
}

/// Spawns the built `sse-server` binary with `args` and waits (at most [`WAIT`]) for its READY
/// line, read on a thread so the wait is bounded. Kills the child and panics if none comes.
pub fn spawn_binary<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sse-server"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sse-server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(WAIT) {
        Ok(line) => (child, line),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sse-server printed no READY line");
        }
    }
}
