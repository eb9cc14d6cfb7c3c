//! Reference Server-Sent Events server for eventsource-wasm.
//!
//! Two listeners on 127.0.0.1 (the second one is "another origin" for CORS tests)
//! serve the same routes: live demo streams (`/stats`, `/ticker`), the streamed answer
//! of `POST /api/answer`, scripted test endpoints under `/t/` (with `--test-routes`),
//! and static files. Tests start it in-process with [`start`] on port 0; the
//! `sse-server` binary wraps the same call.

pub mod access;
pub mod answer;
pub mod body;
pub mod broadcast;
pub mod cli;
pub mod cors;
pub mod http_util;
pub mod journal;
pub mod json;
pub mod reqlog;
mod router;
pub mod scripted;
pub mod static_files;
pub mod stats;
pub mod ticker;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use cli::Config;

use access::Access;
use body::{Body, CountGuard, Sink};
use broadcast::Hub;
use reqlog::RequestLog;

/// The largest request head (request line and headers) accepted; past it hyper answers 431.
pub const MAX_HEADER_BYTES: usize = 64 << 10;

/// State shared by every connection and producer task.
pub struct App {
    pub config: Config,
    /// The accepted `Host` names and the origins that get CORS.
    pub access: Access,
    pub stats: Arc<Hub>,
    pub ticker: Arc<Hub>,
    /// `/t/fanout`, fed by `/t/publish`: the load test's broadcast stream.
    pub fanout: Arc<Hub>,
    pub log: RequestLog,
    /// Every HTTP request handled (the `requests` event of /stats).
    pub requests: AtomicU64,
    /// Streamed responses currently open (`streams` of /t/clients), at most `max_streams`.
    pub streams: Arc<AtomicUsize>,
    /// Connections currently open, at most `max_connections`.
    pub connections: Arc<AtomicUsize>,
    /// Becomes true once on shutdown; every long-lived task watches it.
    pub shutdown: watch::Receiver<bool>,
    pub started: Instant,
}

impl App {
    /// A streamed body with room for `capacity` chunks, or `None` past `--max-streams`.
    pub fn sink(&self, capacity: usize) -> Option<(Sink, Body)> {
        Sink::new(
            capacity,
            self.shutdown.clone(),
            &self.streams,
            self.config.max_streams,
        )
    }
}

/// A running server. Dropping it without [`Running::shutdown`] leaves the tasks
/// running until the runtime ends.
pub struct Running {
    pub addr: SocketAddr,
    pub second_addr: SocketAddr,
    /// The `--extra-ports` listeners, in the order they were opened.
    pub extra_addrs: Vec<SocketAddr>,
    pub app: Arc<App>,
    shutdown_tx: watch::Sender<bool>,
    /// Every connection task holds a clone; `recv` yields `None` once all are gone.
    conns_done: mpsc::Receiver<()>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn second_url(&self) -> String {
        format!("http://{}", self.second_addr)
    }

    /// The URLs of the `--extra-ports` listeners.
    pub fn extra_urls(&self) -> Vec<String> {
        self.extra_addrs
            .iter()
            .map(|a| format!("http://{a}"))
            .collect()
    }

    /// The READY line the binary prints: `READY <url> <second url>`, then the extra URLs.
    pub fn ready_line(&self) -> String {
        let mut line = format!("READY {} {}", self.url(), self.second_url());
        for url in self.extra_urls() {
            line.push(' ');
            line.push_str(&url);
        }
        line
    }

    /// Stops accepting, ends every stream, and waits (at most `grace`) for the
    /// connections to close.
    pub async fn shutdown(mut self, grace: Duration) {
        self.shutdown_tx.send_replace(true);
        for t in self.tasks.drain(..) {
            let _ = tokio::time::timeout(grace, t).await;
        }
        let _ = tokio::time::timeout(grace, self.conns_done.recv()).await;
    }
}

/// Raises this process's soft limit on open files to its hard limit (as Go's runtime does):
/// every connection is a socket, and the usual soft limit of 1024 is below the default
/// `--max-connections`. Returns `(soft, hard)` as they are afterwards.
pub fn raise_open_file_limit() -> Option<(u64, u64)> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    // rlim_t is u64 on Linux but not everywhere.
    #[allow(clippy::unnecessary_cast)]
    Some((lim.rlim_cur as u64, lim.rlim_max as u64))
}

/// Milliseconds since the Unix epoch: the first event id, so ids keep increasing
/// across a restart (and stay far below 2^53 for JavaScript).
fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(1)
}

/// Binds both listeners, starts the producers, and returns once ready to serve.
pub async fn start(config: Config) -> io::Result<Running> {
    let main = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let second = TcpListener::bind((Ipv4Addr::LOCALHOST, config.second_port)).await?;
    let mut extra = Vec::with_capacity(usize::from(config.extra_ports));
    for _ in 0..config.extra_ports {
        extra.push(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?);
    }
    let (shutdown_tx, shutdown) = watch::channel(false);
    let first_id = unix_ms();
    // With a state file, /stats continues its ids and history from the journal.
    let stats = match &config.state_file {
        Some(path) => {
            let (journal, restored) = journal::Journal::open(path).map_err(|e| {
                io::Error::new(e.kind(), format!("state file {}: {e}", path.display()))
            })?;
            Hub::with_journal(first_id, true, journal, restored)
        }
        None => Hub::new(first_id, true),
    };
    let addr = main.local_addr()?;
    let second_addr = second.local_addr()?;
    let extra_addrs = extra
        .iter()
        .map(TcpListener::local_addr)
        .collect::<io::Result<Vec<_>>>()?;
    let ports: Vec<u16> = [addr, second_addr]
        .iter()
        .chain(&extra_addrs)
        .map(SocketAddr::port)
        .collect();
    let app = Arc::new(App {
        access: Access::new(&config, &ports),
        config,
        stats: Arc::new(stats),
        ticker: Arc::new(Hub::new(first_id, false)),
        fanout: Arc::new(Hub::new(first_id, false)),
        log: RequestLog::default(),
        requests: AtomicU64::new(0),
        streams: Arc::new(AtomicUsize::new(0)),
        connections: Arc::new(AtomicUsize::new(0)),
        shutdown,
        started: Instant::now(),
    });
    let (conn_tx, conns_done) = mpsc::channel::<()>(1);
    let mut tasks = vec![
        tokio::spawn(accept_loop(main, app.clone(), conn_tx.clone())),
        tokio::spawn(accept_loop(second, app.clone(), conn_tx.clone())),
        stats::spawn(app.clone()),
        ticker::spawn(app.clone()),
    ];
    for listener in extra {
        tasks.push(tokio::spawn(accept_loop(
            listener,
            app.clone(),
            conn_tx.clone(),
        )));
    }
    drop(conn_tx);
    Ok(Running {
        addr,
        second_addr,
        extra_addrs,
        app,
        shutdown_tx,
        conns_done,
        tasks,
    })
}

async fn accept_loop(listener: TcpListener, app: Arc<App>, conn_tx: mpsc::Sender<()>) {
    let mut shutdown = app.shutdown.clone();
    loop {
        let stream = tokio::select! {
            r = listener.accept() => r,
            _ = crate::body::stopped(&mut shutdown) => return,
        };
        let stream = match stream {
            Ok((s, _)) => s,
            Err(e) => {
                // EMFILE and friends: back off briefly instead of spinning.
                eprintln!("sse-server: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Events are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        let Some(slot) = CountGuard::try_new(&app.connections, app.config.max_connections) else {
            refuse_connection(stream);
            continue;
        };
        tokio::spawn(serve_conn(stream, app.clone(), slot, conn_tx.clone()));
    }
}

/// Past `--max-connections`: a short 503 if the socket takes it at once, then close. Never
/// waits on the client, so a flood of connections costs nothing more than this.
fn refuse_connection(stream: tokio::net::TcpStream) {
    const BODY: &str = "too many open connections; retry later\n";
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {}\r\nConnection: close\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{BODY}",
        http_util::RETRY_AFTER_SECS,
        BODY.len()
    );
    let _ = stream.try_write(head.as_bytes());
}

async fn serve_conn(
    stream: tokio::net::TcpStream,
    app: Arc<App>,
    _slot: CountGuard,
    _done: mpsc::Sender<()>,
) {
    let mut shutdown = app.shutdown.clone();
    let svc_app = app.clone();
    let service = service_fn(move |req| router::handle(svc_app.clone(), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .max_header_size(MAX_HEADER_BYTES)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = crate::body::stopped(&mut shutdown) => {
            // Finish the response in flight (streams end on the same signal), then close.
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
        }
    }
}
