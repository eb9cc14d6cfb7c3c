//! `sse-load`: thousands of SSE streams against `sse-server --test-routes` on loopback, for
//! the load rows of `npm run soak` (tests/soak/load.mjs).
//!
//! It opens `--streams` connections to `/t/fanout`, then publishes (`POST /t/publish`) at
//! `--rate` events per second for `--seconds`, each event's data being the time it was
//! published (µs on this process's clock, so publish and receipt share one clock). Every
//! stream checks that it gets every id exactly once, in order. With `--churn MIN:MAX` each
//! stream drops its connection after MIN..MAX events and reconnects with `Last-Event-ID`,
//! as a browser would. With `--server-pid` it samples the server's RSS and CPU time from
//! /proc. Prints one JSON object on stdout.
//!
//! Every loop is bounded: by the event count, by `--seconds`, or by a deadline.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};

const USAGE: &str = "\
usage: sse-load --addr HOST:PORT [--streams N] [--rate N] [--seconds N] [--churn MIN:MAX]
                [--server-pid PID] [--connect-at-once N]

  --addr HOST:PORT     the server (sse-server --test-routes), e.g. 127.0.0.1:8080
  --streams N          concurrent streams on /t/fanout (default 2000)
  --rate N             events published per second (default 20)
  --seconds N          how long to publish (default 15)
  --churn MIN:MAX      each stream reconnects (with Last-Event-ID) after MIN..MAX events
  --server-pid PID     sample the server's RSS and CPU time from /proc/PID
  --connect-at-once N  connections being opened at once (default 100)";

/// The most latency samples kept (enough for 2,000 streams × 20 events/s × 60 s).
const MAX_SAMPLES: usize = 4_000_000;
/// How long the streams may take to get the last event once publishing stops.
const DRAIN: Duration = Duration::from_secs(20);
/// Bound for connecting and for any single read.
const IO_WAIT: Duration = Duration::from_secs(30);
/// Reconnection attempts one stream may make in all (churn or errors).
const MAX_RECONNECTS: u64 = 100_000;

struct Opts {
    addr: SocketAddr,
    streams: usize,
    rate: u64,
    seconds: u64,
    churn: Option<(u64, u64)>,
    server_pid: Option<u32>,
    at_once: usize,
}

fn parse_opts() -> Result<Opts, String> {
    let mut o = Opts {
        addr: "127.0.0.1:8080".parse().map_err(|_| "addr")?,
        streams: 2000,
        rate: 20,
        seconds: 15,
        churn: None,
        server_pid: None,
        at_once: 100,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: bad value {v:?}");
        match flag.as_str() {
            "--addr" => o.addr = v.parse().map_err(|_| format!("--addr: bad value {v:?}"))?,
            "--streams" => o.streams = v.parse().map_err(bad)?,
            "--rate" => o.rate = v.parse().map_err(bad)?,
            "--seconds" => o.seconds = v.parse().map_err(bad)?,
            "--server-pid" => o.server_pid = Some(v.parse().map_err(bad)?),
            "--connect-at-once" => o.at_once = v.parse().map_err(bad)?,
            "--churn" => {
                let (a, b) = v
                    .split_once(':')
                    .ok_or_else(|| format!("--churn wants MIN:MAX, got {v:?}"))?;
                let a: u64 = a.parse().map_err(|_| format!("--churn: bad value {v:?}"))?;
                let b: u64 = b.parse().map_err(|_| format!("--churn: bad value {v:?}"))?;
                if a == 0 || b < a {
                    return Err(format!("--churn wants 1 <= MIN <= MAX, got {v:?}"));
                }
                o.churn = Some((a, b));
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    if o.streams == 0
        || o.streams > 100_000
        || o.rate == 0
        || o.rate > 10_000
        || o.seconds == 0
        || o.seconds > 3600
        || o.at_once == 0
    {
        return Err("out of range: 1..100000 streams, 1..10000 events/s, 1..3600 s".into());
    }
    Ok(o)
}

fn main() {
    let opts = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return;
            }
            eprintln!("sse-load: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let limits = sse_server::raise_open_file_limit();
    // One thread: the machine has two cores and the server has its own two workers.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match rt.block_on(run(opts, limits)) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("sse-load: {e}");
            std::process::exit(1);
        }
    }
}

/// What every stream adds up.
#[derive(Default)]
struct Totals {
    received: AtomicU64,
    /// Ids skipped inside a stream (also counted in the final `lost`).
    gaps: AtomicU64,
    repeated: AtomicU64,
    reconnects: AtomicU64,
    errors: AtomicU64,
    /// Streams whose first response head arrived.
    connected: AtomicUsize,
    /// Streams that got the last published id.
    finished: AtomicUsize,
    /// Latency of events published while the stream's connection was up (µs).
    samples: Mutex<Vec<u32>>,
    /// Latency of events published before the connection's request went out: delivered by
    /// the server's replay after a reconnection, so they include the time away.
    replayed: Mutex<Vec<u32>>,
    /// From a reconnection's start (before the gate) to its response head (µs).
    heads: Mutex<Vec<u32>>,
}

/// The clock every timestamp is read from.
struct Clock(Instant);

impl Clock {
    fn us(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }
}

async fn run(o: Opts, limits: Option<(u64, u64)>) -> Result<String, String> {
    let clock = Arc::new(Clock(Instant::now()));
    let totals = Arc::new(Totals::default());
    // The id streams start after (all connect before the first publish) and the last id
    // published, once known (u64::MAX until then).
    let start_id = publish_id(o.addr, &clock).await?; // a first event, so ids are known
    let (last_tx, last_rx) = watch::channel(u64::MAX);
    let rss_idle = o.server_pid.and_then(rss_kib);

    let connect_started = Instant::now();
    let gate = Arc::new(Semaphore::new(o.at_once));
    let mut tasks = Vec::with_capacity(o.streams);
    for n in 0..o.streams {
        let churn = o.churn.map(|(a, b)| a + (n as u64 * 7919) % (b - a + 1));
        tasks.push(tokio::spawn(stream_task(
            o.addr,
            start_id,
            churn,
            gate.clone(),
            totals.clone(),
            clock.clone(),
            last_rx.clone(),
        )));
    }
    // Bounded wait for every stream's head.
    let deadline = Instant::now() + IO_WAIT * 2;
    while totals.connected.load(Ordering::SeqCst) < o.streams {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {} streams connected",
                totals.connected.load(Ordering::SeqCst),
                o.streams
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_ms = connect_started.elapsed().as_millis() as u64;
    let rss_open = o.server_pid.and_then(rss_kib);
    let cpu_before = o.server_pid.and_then(cpu_ticks);
    let own_before = cpu_ticks(std::process::id());

    // Publish at a steady rate.
    let published_started = Instant::now();
    let total_events = o.rate * o.seconds;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / o.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut publisher = Publisher::connect(o.addr).await?;
    let mut last = start_id;
    for _ in 0..total_events {
        tick.tick().await;
        last = publisher.publish(clock.us()).await?;
    }
    let publish_secs = published_started.elapsed().as_secs_f64();
    let rss_end = o.server_pid.and_then(rss_kib);
    let cpu_after = o.server_pid.and_then(cpu_ticks);
    let own_after = cpu_ticks(std::process::id());
    last_tx.send_replace(last);
    // Bounded drain: every stream should reach `last`.
    let deadline = Instant::now() + DRAIN;
    while totals.finished.load(Ordering::SeqCst) < o.streams && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let finished = totals.finished.load(Ordering::SeqCst);
    for t in tasks {
        t.abort();
    }
    let events = last - start_id;
    let expected = events * o.streams as u64;
    let received = totals.received.load(Ordering::SeqCst);
    // Every id after `start_id` up to `last` that a stream did not get (a gap, or the end it
    // never reached) is lost; received counts each id once per stream.
    let lost = expected.saturating_sub(received);
    let take = |m: &Mutex<Vec<u32>>| {
        let mut v = std::mem::take(&mut *m.lock().unwrap_or_else(|p| p.into_inner()));
        v.sort_unstable();
        v
    };
    let samples = take(&totals.samples);
    let replayed = take(&totals.replayed);
    let heads = take(&totals.heads);
    let pct_of = |v: &[u32], p: f64| -> u64 {
        if v.is_empty() {
            return 0;
        }
        u64::from(v[((v.len() - 1) as f64 * p).round() as usize])
    };
    let pct = |p: f64| pct_of(&samples, p);
    let per_stream = match (rss_idle, rss_open) {
        (Some(a), Some(b)) => format!("{:.1}", (b.saturating_sub(a)) as f64 / o.streams as f64),
        _ => "null".into(),
    };
    let cpu_pct = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(a), Some(b)) => format!("{:.1}", (b - a) as f64 / clk_tck() / publish_secs * 100.0),
        _ => "null".into(),
    };
    let opt = |v: Option<u64>| v.map_or("null".to_owned(), |v| v.to_string());
    Ok(format!(
        concat!(
            "{{\"streams\":{},\"rate\":{},\"seconds\":{},\"churn\":{},\"events\":{},\"expected\":{},",
            "\"received\":{},\"lost\":{},\"gaps\":{},\"repeated\":{},\"reconnects\":{},\"errors\":{},\"finished\":{},",
            "\"connectMs\":{},\"publishSecs\":{:.2},\"latencyUs\":{{\"median\":{},\"p99\":{},\"max\":{},\"samples\":{}}},",
            "\"replayedLatencyUs\":{{\"median\":{},\"p99\":{},\"samples\":{}}},",
            "\"reconnectUs\":{{\"median\":{},\"p99\":{},\"max\":{},\"samples\":{}}},",
            "\"serverRssKiB\":{{\"idle\":{},\"open\":{},\"end\":{}}},\"serverRssPerStreamKiB\":{},",
            "\"serverCpuPercent\":{},\"loadCpuPercent\":{},\"openFiles\":{{\"soft\":{},\"hard\":{}}}}}"
        ),
        o.streams,
        o.rate,
        o.seconds,
        o.churn.map_or("null".to_owned(), |(a, b)| format!("\"{a}:{b}\"")),
        events,
        expected,
        received,
        lost,
        totals.gaps.load(Ordering::SeqCst),
        totals.repeated.load(Ordering::SeqCst),
        totals.reconnects.load(Ordering::SeqCst),
        totals.errors.load(Ordering::SeqCst),
        finished,
        connect_ms,
        publish_secs,
        pct(0.5),
        pct(0.99),
        samples.last().copied().unwrap_or(0),
        samples.len(),
        pct_of(&replayed, 0.5),
        pct_of(&replayed, 0.99),
        replayed.len(),
        pct_of(&heads, 0.5),
        pct_of(&heads, 0.99),
        heads.last().copied().unwrap_or(0),
        heads.len(),
        opt(rss_idle),
        opt(rss_open),
        opt(rss_end),
        per_stream,
        cpu_pct(cpu_before, cpu_after),
        cpu_pct(own_before, own_after),
        opt(limits.map(|l| l.0)),
        opt(limits.map(|l| l.1)),
    ))
}

/// One publish on a fresh connection (for the first event).
async fn publish_id(addr: SocketAddr, clock: &Clock) -> Result<u64, String> {
    Publisher::connect(addr).await?.publish(clock.us()).await
}

/// A keep-alive connection that POSTs `/t/publish` and reads `{"id":N}` back.
struct Publisher {
    sock: TcpStream,
    addr: SocketAddr,
    buf: Vec<u8>,
}

impl Publisher {
    async fn connect(addr: SocketAddr) -> Result<Self, String> {
        let sock = tokio::time::timeout(IO_WAIT, TcpStream::connect(addr))
            .await
            .map_err(|_| "publisher: connect timed out")?
            .map_err(|e| format!("publisher: connect: {e}"))?;
        let _ = sock.set_nodelay(true);
        Ok(Publisher {
            sock,
            addr,
            buf: Vec::with_capacity(1024),
        })
    }

    async fn publish(&mut self, t: u64) -> Result<u64, String> {
        let req = format!(
            "POST /t/publish?data={t} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\n\r\n",
            self.addr
        );
        self.sock
            .write_all(req.as_bytes())
            .await
            .map_err(|e| format!("publish: {e}"))?;
        self.buf.clear();
        // Head and a Content-Length body; bounded by size and time.
        loop {
            if let Some(h) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..h]).to_ascii_lowercase();
                if !head.starts_with("http/1.1 200") {
                    return Err(format!(
                        "publish answered {}",
                        head.lines().next().unwrap_or("")
                    ));
                }
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .ok_or("publish: no content-length")?;
                if self.buf.len() >= h + 4 + len {
                    let body = String::from_utf8_lossy(&self.buf[h + 4..h + 4 + len]).into_owned();
                    return body
                        .trim_start_matches("{\"id\":")
                        .trim_end_matches('}')
                        .parse()
                        .map_err(|_| format!("publish: bad answer {body:?}"));
                }
            }
            if self.buf.len() > 64 << 10 {
                return Err("publish: answer too large".into());
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout(IO_WAIT, self.sock.read(&mut chunk))
                .await
                .map_err(|_| "publish: no answer in time")?
                .map_err(|e| format!("publish: {e}"))?;
            if n == 0 {
                return Err("publish: connection closed".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One stream: connects (through the gate), reads events, checks ids, reconnects after
/// `churn` events (or after an error), until it has the last published id.
async fn stream_task(
    addr: SocketAddr,
    start_id: u64,
    churn: Option<u64>,
    gate: Arc<Semaphore>,
    totals: Arc<Totals>,
    clock: Arc<Clock>,
    last: watch::Receiver<u64>,
) {
    let mut seen = start_id;
    let mut first_connect = true;
    for _ in 0..MAX_RECONNECTS {
        let r = one_connection(
            addr,
            &mut seen,
            churn,
            &gate,
            &totals,
            &clock,
            &last,
            &mut first_connect,
        )
        .await;
        match r {
            Ok(true) => {
                totals.finished.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Ok(false) => {
                totals.reconnects.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                totals.errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// `Ok(true)`: reached the last id. `Ok(false)`: churned (left on purpose).
#[allow(clippy::too_many_arguments)]
async fn one_connection(
    addr: SocketAddr,
    seen: &mut u64,
    churn: Option<u64>,
    gate: &Semaphore,
    totals: &Totals,
    clock: &Clock,
    last: &watch::Receiver<u64>,
    first_connect: &mut bool,
) -> Result<bool, String> {
    let mut last = last.clone();
    let connect_started = clock.us();
    let (mut sock, requested_at) = {
        let _permit = gate.acquire().await.map_err(|_| "gate closed")?;
        let mut sock = tokio::time::timeout(IO_WAIT, TcpStream::connect(addr))
            .await
            .map_err(|_| "connect timed out")?
            .map_err(|e| format!("connect: {e}"))?;
        let _ = sock.set_nodelay(true);
        let req = format!(
            "GET /t/fanout HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nLast-Event-ID: {seen}\r\n\r\n"
        );
        let requested_at = clock.us();
        sock.write_all(req.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        (sock, requested_at)
    };
    let mut raw: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = vec![0u8; 16 * 1024];
    // The head.
    let body_start = loop {
        if let Some(h) = find(&raw, b"\r\n\r\n") {
            if !raw.starts_with(b"HTTP/1.1 200") {
                return Err(format!(
                    "stream answered {}",
                    String::from_utf8_lossy(&raw[..h.min(60)])
                ));
            }
            break h + 4;
        }
        if raw.len() > 16 << 10 {
            return Err("head too large".into());
        }
        let n = tokio::time::timeout(IO_WAIT, sock.read(&mut chunk))
            .await
            .map_err(|_| "no head in time")?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("closed before the head".into());
        }
        raw.extend_from_slice(&chunk[..n]);
    };
    if *first_connect {
        *first_connect = false;
        totals.connected.fetch_add(1, Ordering::SeqCst);
    } else {
        let mut h = totals.heads.lock().unwrap_or_else(|p| p.into_inner());
        if h.len() < MAX_SAMPLES {
            h.push(
                clock
                    .us()
                    .saturating_sub(connect_started)
                    .min(u64::from(u32::MAX)) as u32,
            );
        }
    }
    raw.drain(..body_start);
    let mut dechunk = Dechunk::default();
    let mut sse = Sse::default();
    let mut got_here: u64 = 0;
    // (latency µs, replayed)
    let mut local_samples: Vec<(u32, bool)> = Vec::with_capacity(64);
    let flush = |local: &mut Vec<(u32, bool)>| {
        for (store, replayed) in [(&totals.samples, false), (&totals.replayed, true)] {
            let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
            let room = MAX_SAMPLES.saturating_sub(s.len());
            s.extend(
                local
                    .iter()
                    .filter(|x| x.1 == replayed)
                    .map(|x| x.0)
                    .take(room),
            );
        }
        local.clear();
    };
    loop {
        let mut body = Vec::new();
        dechunk.feed(&raw, &mut body)?;
        raw.clear();
        for ev in sse.feed(&body) {
            let now = clock.us();
            let Some(id) = ev.id else { continue };
            if id <= *seen {
                totals.repeated.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if id > *seen + 1 {
                totals.gaps.fetch_add(id - *seen - 1, Ordering::Relaxed);
            }
            *seen = id;
            totals.received.fetch_add(1, Ordering::Relaxed);
            if let Ok(t) = ev.data.parse::<u64>() {
                let us = now.saturating_sub(t).min(u64::from(u32::MAX)) as u32;
                local_samples.push((us, t < requested_at));
            }
            got_here += 1;
            if *seen >= *last.borrow() {
                flush(&mut local_samples);
                return Ok(true);
            }
            if churn.is_some_and(|k| got_here >= k) {
                flush(&mut local_samples);
                // Leave with a reset: thousands of reconnections a second would otherwise
                // fill the ephemeral ports with TIME_WAIT, and a port reused while the
                // server still holds the old connection costs a 1 s SYN retransmission.
                let _ = sock.set_zero_linger();
                return Ok(false);
            }
        }
        if local_samples.len() >= 64 {
            flush(&mut local_samples);
        }
        if dechunk.done {
            flush(&mut local_samples);
            return Err("the stream ended".into());
        }
        // The last id may become known while this stream waits for nothing more.
        if *seen >= *last.borrow_and_update() {
            flush(&mut local_samples);
            return Ok(true);
        }
        let read = tokio::select! {
            r = tokio::time::timeout(IO_WAIT, sock.read(&mut chunk)) => Some(r),
            r = last.changed() => {
                r.map_err(|_| "the run ended")?;
                None
            }
        };
        let Some(read) = read else { continue };
        let n = read
            .map_err(|_| "silent for too long")?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            flush(&mut local_samples);
            return Err("closed".into());
        }
        raw.extend_from_slice(&chunk[..n]);
    }
}

/// HTTP/1.1 chunked decoding, incremental.
#[derive(Default)]
struct Dechunk {
    pending: Vec<u8>,
    /// Bytes left in the current chunk (plus its CRLF, tracked separately).
    left: usize,
    crlf: usize,
    done: bool,
}

impl Dechunk {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        self.pending.extend_from_slice(input);
        let mut i = 0;
        let p = &self.pending;
        while i < p.len() && !self.done {
            if self.left > 0 {
                let n = self.left.min(p.len() - i);
                out.extend_from_slice(&p[i..i + n]);
                self.left -= n;
                i += n;
                if self.left == 0 {
                    self.crlf = 2;
                }
                continue;
            }
            if self.crlf > 0 {
                let n = self.crlf.min(p.len() - i);
                self.crlf -= n;
                i += n;
                continue;
            }
            let Some(eol) = find(&p[i..], b"\r\n") else {
                break;
            };
            let line = std::str::from_utf8(&p[i..i + eol]).map_err(|_| "bad chunk size")?;
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| format!("bad chunk size {line:?}"))?;
            i += eol + 2;
            if size == 0 {
                self.done = true;
            } else {
                self.left = size;
            }
        }
        self.pending.drain(..i);
        if self.pending.len() > 1 << 20 {
            return Err("chunk header too long".into());
        }
        Ok(())
    }
}

/// The event stream's fields of interest, incremental (`\n` line ends: the server's own).
#[derive(Default)]
struct Sse {
    line: Vec<u8>,
    id: Option<u64>,
    data: String,
}

struct Ev {
    id: Option<u64>,
    data: String,
}

impl Sse {
    fn feed(&mut self, bytes: &[u8]) -> Vec<Ev> {
        let mut out = Vec::new();
        for &b in bytes {
            if b != b'\n' {
                if self.line.len() < 64 << 10 {
                    self.line.push(b);
                }
                continue;
            }
            if self.line.is_empty() {
                if !self.data.is_empty() {
                    out.push(Ev {
                        id: self.id.take(),
                        data: std::mem::take(&mut self.data),
                    });
                }
                self.id = None;
            } else if let Some(v) = self.line.strip_prefix(b"id: ") {
                self.id = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok());
            } else if let Some(v) = self.line.strip_prefix(b"data: ") {
                self.data = String::from_utf8_lossy(v).into_owned();
            }
            self.line.clear();
        }
        out
    }
}

/// Resident set size of `pid`, KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime 15.
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn clk_tck() -> f64 {
    // SAFETY: sysconf only reads a constant.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}
