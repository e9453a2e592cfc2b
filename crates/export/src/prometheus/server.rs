//! The `/metrics` endpoint: a small HTTP server on a loopback address.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{CONTENT_TYPE, PrometheusSink};

/// Why the exposition server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Only loopback addresses are served.
    #[error("{0}: the Prometheus endpoint listens on loopback addresses only (127.0.0.1, ::1)")]
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
}

/// The longest request head read.
const MAX_REQUEST: usize = 8 * 1024;
/// How long a client may take to send its request or read the answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the accept loop looks at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// An HTTP server answering `GET /metrics` with a [`PrometheusSink`]'s series, on its own
/// thread, one connection at a time (each bounded by a 5 s timeout and an 8 KiB request).
/// Stops when [`stop`](Self::stop)ped or dropped.
#[derive(Debug)]
pub struct PrometheusServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    scrapes: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl PrometheusServer {
    /// Listens on `addr` (a loopback address; port 0 picks a free one) and serves `sink`.
    pub fn start(addr: SocketAddr, sink: PrometheusSink) -> Result<Self, ServeError> {
        if !addr.ip().is_loopback() {
            return Err(ServeError::NotLoopback(addr));
        }
        let bind = |source| ServeError::Bind { addr, source };
        let listener = TcpListener::bind(addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let local = listener.local_addr().map_err(bind)?;
        let stop = Arc::new(AtomicBool::new(false));
        let scrapes = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, scrapes) = (stop.clone(), scrapes.clone());
            std::thread::Builder::new()
                .name("agentobs-prometheus".into())
                .spawn(move || serve(&listener, &sink, &stop, &scrapes))
                .map_err(bind)?
        };
        Ok(PrometheusServer {
            addr: local,
            stop,
            scrapes,
            thread: Some(thread),
        })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `GET /metrics` requests answered so far.
    pub fn scrapes(&self) -> u64 {
        self.scrapes.load(Ordering::Relaxed)
    }

    /// Stops listening (after the connection being answered, if any); returns the scrapes
    /// answered.
    pub fn stop(mut self) -> u64 {
        self.halt();
        self.scrapes()
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        self.halt();
    }
}

fn serve(listener: &TcpListener, sink: &PrometheusSink, stop: &AtomicBool, scrapes: &AtomicU64) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if answer(stream, sink) {
                    scrapes.fetch_add(1, Ordering::Relaxed);
                }
            }
            // Nothing waiting, or a transient failure (a reset connection, no file
            // descriptors left): look again shortly.
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// Reads the request head: up to the blank line, at most [`MAX_REQUEST`] bytes.
fn read_head(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        if head.len() >= MAX_REQUEST {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request too long",
            ));
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(buf.get(..n).unwrap_or(&[]));
    }
    Ok(head)
}

/// Answers one connection; true when it was a scrape of `/metrics`.
fn answer(mut stream: TcpStream, sink: &PrometheusSink) -> bool {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(CLIENT_TIMEOUT));
    let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
    let head = match read_head(&mut stream) {
        Ok(h) => h,
        Err(_) => {
            let _ = respond(
                &mut stream,
                "400 Bad Request",
                "text/plain",
                b"bad request\n",
                false,
            );
            return false;
        }
    };
    let line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let head_only = method == "HEAD";
    let (ok, result) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let body = sink.render();
            (
                true,
                respond(
                    &mut stream,
                    "200 OK",
                    CONTENT_TYPE,
                    body.as_bytes(),
                    head_only,
                ),
            )
        }
        ("GET" | "HEAD", "/") => (
            false,
            respond(
                &mut stream,
                "200 OK",
                "text/plain; charset=utf-8",
                b"agentobs: metrics at /metrics\n",
                head_only,
            ),
        ),
        ("GET" | "HEAD", _) => (
            false,
            respond(
                &mut stream,
                "404 Not Found",
                "text/plain",
                b"not found\n",
                head_only,
            ),
        ),
        _ => (
            false,
            respond(
                &mut stream,
                "405 Method Not Allowed",
                "text/plain",
                b"GET or HEAD\n",
                false,
            ),
        ),
    };
    ok && result.is_ok()
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\nAllow: GET, HEAD\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}
