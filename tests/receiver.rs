//! An in-process OTLP/HTTP receiver on 127.0.0.1: records every request (path, headers, body,
//! gunzipped) and answers 200 after a chosen delay. Every thread it starts ends when the handle
//! is dropped.
//!
//! Only `crates/cli/tests/cli.rs` includes this file (by path); the root integration tests use
//! `agentobs_testing::Receiver`, which does all of this and more (gRPC, decoding, fail, stall
//! and drop modes). The CLI's tests can move to the kit as well.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One request as received.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request path (`/v1/traces`).
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Shared {
    /// Serve TLS with this configuration.
    tls: Option<Arc<rustls::ServerConfig>>,
    requests: Mutex<Vec<Request>>,
    status: AtomicU16,
    delay_ms: AtomicU64,
    stop: AtomicBool,
}

/// The receiver's handle.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    running: Option<Arc<AtomicBool>>,
}

impl Receiver {
    /// A receiver answering 200 at once, on an ephemeral port.
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        shared.status.store(200, Ordering::Relaxed);
        let mut r = Receiver {
            addr,
            shared,
            running: None,
        };
        r.serve(listener);
        r
    }

    /// A receiver serving HTTPS with `cert_pem` and `key_pem`; with `client_ca_pem`, it
    /// requires client certificates signed by that CA.
    pub fn start_tls(cert_pem: &str, key_pem: &str, client_ca_pem: Option<&str>) -> Receiver {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = match client_ca_pem {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                    roots.add(c.unwrap()).unwrap();
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .unwrap();
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let config = builder.with_single_cert(certs, key).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            tls: Some(Arc::new(config)),
            ..Shared::default()
        });
        shared.status.store(200, Ordering::Relaxed);
        let mut r = Receiver {
            addr,
            shared,
            running: None,
        };
        r.serve(listener);
        r
    }

    /// `https://127.0.0.1:PORT`.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// A free port on which nothing listens (yet).
    pub fn unused_addr() -> SocketAddr {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Wait `delay` before each answer from now on.
    pub fn set_delay(&self, delay: Duration) {
        self.shared
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The requests to `path` so far.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Waits until `pred` holds for the requests, at most `timeout`; the requests then.
    pub fn wait_until(&self, timeout: Duration, pred: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let until = Instant::now() + timeout;
        loop {
            let got = self.requests();
            if pred(&got) || Instant::now() >= until {
                return got;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn serve(&mut self, listener: TcpListener) {
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        self.running = Some(stop.clone());
        let shared = self.shared.clone();
        thread::spawn(move || {
            let mut conns = Vec::new();
            while !stop.load(Ordering::SeqCst) && !shared.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (shared, stop) = (shared.clone(), stop.clone());
                        conns.push(thread::spawn(move || connection(stream, &shared, &stop)));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
            drop(listener);
            for c in conns {
                let _ = c.join();
            }
        });
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(flag) = self.running.take() {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

fn connection(stream: TcpStream, shared: &Shared, stop: &AtomicBool) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    match &shared.tls {
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                return;
            };
            serve_http(rustls::StreamOwned::new(conn, stream), shared, stop)
        }
        None => serve_http(stream, shared, stop),
    }
}

fn serve_http<S: Read + Write>(stream: S, shared: &Shared, stop: &AtomicBool) {
    let done = || stop.load(Ordering::SeqCst) || shared.stop.load(Ordering::SeqCst);
    let mut r = BufReader::new(stream);
    let mut idle = Instant::now();
    loop {
        if done() || idle.elapsed() > Duration::from_secs(30) {
            return;
        }
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if line.is_empty() {
                    continue;
                }
            }
            Err(_) => return,
        }
        if line.trim().is_empty() {
            continue;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            match r.read_line(&mut h) {
                Ok(0) => return,
                Ok(_) => {}
                Err(_) if !done() => continue,
                Err(_) => return,
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        let mut got = 0;
        while got < len {
            match r.read(&mut body[got..]) {
                Ok(0) => return,
                Ok(n) => got += n,
                Err(_) if !done() => continue,
                Err(_) => return,
            }
        }
        if headers.get("content-encoding").map(String::as_str) == Some("gzip") {
            let mut plain = Vec::new();
            if flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut plain)
                .is_ok()
            {
                body = plain;
                headers.remove("content-encoding");
            }
        }
        let delay = Duration::from_millis(shared.delay_ms.load(Ordering::Relaxed));
        let until = Instant::now() + delay;
        while Instant::now() < until {
            if done() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let status = shared.status.load(Ordering::Relaxed);
        if status == 200 {
            shared.requests.lock().unwrap().push(Request {
                path,
                headers,
                body,
            });
        }
        let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
        let w = r.get_mut();
        if w.write_all(reply.as_bytes())
            .and_then(|()| w.flush())
            .is_err()
        {
            return;
        }
        idle = Instant::now();
    }
}
