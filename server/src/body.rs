//! The one response body type: either a fixed buffer or a channel of chunks.
//!
//! Streamed bodies are a bounded channel so that a slow reader pushes back on the
//! producing task, and each chunk becomes its own frame: hyper flushes as soon as
//! the channel has nothing more ready, so nothing sits in a buffer. Static files are
//! read as they are sent, one 64 KiB slice at a time, never whole.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::{mpsc, watch};

/// Bytes read from a static file per frame.
pub const FILE_SLICE: usize = 64 * 1024;

/// Response body: `Full` has a known length (hyper sends Content-Length), `Chan` is chunked,
/// `File` streams `left` bytes of an open file (its length is announced).
pub enum Body {
    Full(Option<Bytes>),
    Chan(mpsc::Receiver<Bytes>),
    File {
        file: tokio::fs::File,
        left: u64,
        buf: Vec<u8>,
    },
}

impl Body {
    pub fn empty() -> Self {
        Body::Full(None)
    }

    pub fn full(b: impl Into<Bytes>) -> Self {
        let b = b.into();
        if b.is_empty() {
            Body::Full(None)
        } else {
            Body::Full(Some(b))
        }
    }

    /// The first `len` bytes of `file`, read slice by slice as hyper asks for them.
    pub fn file(file: tokio::fs::File, len: u64) -> Self {
        Body::File {
            file,
            left: len,
            buf: Vec::new(),
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Chan(rx) => match rx.poll_recv(cx) {
                Poll::Ready(Some(b)) => Poll::Ready(Some(Ok(Frame::data(b)))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
            Body::File { file, left, buf } => {
                if *left == 0 {
                    return Poll::Ready(None);
                }
                let want = usize::try_from(*left).unwrap_or(usize::MAX).min(FILE_SLICE);
                buf.resize(want, 0);
                let mut rb = ReadBuf::new(&mut buf[..want]);
                match Pin::new(file).poll_read(cx, &mut rb) {
                    Poll::Pending => Poll::Pending,
                    // An error or a file that shrank: stop short. hyper then sees fewer bytes
                    // than the announced length and closes the connection, so the client
                    // cannot mistake the truncated body for the file.
                    Poll::Ready(Err(_)) => Poll::Ready(None),
                    Poll::Ready(Ok(())) if rb.filled().is_empty() => Poll::Ready(None),
                    Poll::Ready(Ok(())) => {
                        let chunk = Bytes::copy_from_slice(rb.filled());
                        *left -= chunk.len() as u64;
                        Poll::Ready(Some(Ok(Frame::data(chunk))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None) | Body::File { left: 0, .. })
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Body::Chan(_) => SizeHint::default(),
            Body::File { left, .. } => SizeHint::with_exact(*left),
        }
    }
}

/// Counts a live streamed response (or connection); decremented when dropped.
pub struct CountGuard(Arc<AtomicUsize>);

impl CountGuard {
    /// Takes one of `max` places, or `None` when all are taken.
    pub fn try_new(counter: &Arc<AtomicUsize>, max: usize) -> Option<Self> {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        Some(CountGuard(counter.clone()))
    }
}

impl Drop for CountGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The producing end of a streamed body. Every wait also watches for the client
/// going away (the receiver was dropped by hyper) and for server shutdown, so a
/// streaming task never outlives either.
pub struct Sink {
    tx: mpsc::Sender<Bytes>,
    shutdown: watch::Receiver<bool>,
    _guard: CountGuard,
}

impl Sink {
    /// A sink and its body, counted in `streams`; `None` when `max_streams` are open
    /// already (the caller answers 503).
    pub fn new(
        capacity: usize,
        shutdown: watch::Receiver<bool>,
        streams: &Arc<AtomicUsize>,
        max_streams: usize,
    ) -> Option<(Self, Body)> {
        let guard = CountGuard::try_new(streams, max_streams)?;
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let sink = Sink {
            tx,
            shutdown,
            _guard: guard,
        };
        Some((sink, Body::Chan(rx)))
    }

    /// Sends one chunk (one flushed write). False if the client left or the server stops.
    pub async fn send(&mut self, chunk: impl Into<Bytes>) -> bool {
        let chunk = chunk.into();
        if chunk.is_empty() {
            return !self.tx.is_closed();
        }
        let Sink { tx, shutdown, .. } = self;
        tokio::select! {
            r = tx.send(chunk) => r.is_ok(),
            _ = stopped(shutdown) => false,
        }
    }

    /// Waits `d`. False if the client left or the server stops meanwhile.
    pub async fn sleep(&mut self, d: Duration) -> bool {
        if d.is_zero() {
            return !self.tx.is_closed() && !*self.shutdown.borrow();
        }
        let Sink { tx, shutdown, .. } = self;
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = tx.closed() => false,
            _ = stopped(shutdown) => false,
        }
    }

    /// Keeps the response open without sending, until the client leaves, the server
    /// stops, or `d` passes (a bound so no connection is held forever).
    pub async fn hold(mut self, d: Duration) {
        self.sleep(d).await;
    }

    /// Resolves when the client has gone away.
    pub async fn closed(&self) {
        self.tx.closed().await
    }

    /// A clone of the shutdown signal, for loops that wait on something else too.
    pub fn shutdown(&self) -> watch::Receiver<bool> {
        self.shutdown.clone()
    }
}

/// Resolves once shutdown has been signalled (or the signal's sender is gone).
/// Wraps `wait_for` so the non-`Send` guard it returns never lives across an await.
pub async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}
