//! The one response body type: either a fixed buffer or a channel of chunks.
//!
//! Streamed bodies are a bounded channel so that a slow reader pushes back on the
//! producing task, and each chunk becomes its own frame: hyper flushes as soon as
//! the channel has nothing more ready, so nothing sits in a buffer.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::{mpsc, watch};

/// Response body: `Full` has a known length (hyper sends Content-Length), `Chan` is chunked.
pub enum Body {
    Full(Option<Bytes>),
    Chan(mpsc::Receiver<Bytes>),
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
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Body::Chan(_) => SizeHint::default(),
        }
    }
}

/// Counts a live streamed response for `/t/clients`; decremented when the task ends.
pub struct CountGuard(Arc<AtomicUsize>);

impl CountGuard {
    pub fn new(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        CountGuard(counter.clone())
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
    pub fn new(
        capacity: usize,
        shutdown: watch::Receiver<bool>,
        streams: &Arc<AtomicUsize>,
    ) -> (Self, Body) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let sink = Sink {
            tx,
            shutdown,
            _guard: CountGuard::new(streams),
        };
        (sink, Body::Chan(rx))
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
