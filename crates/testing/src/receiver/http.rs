//! The OTLP/HTTP side: a small HTTP/1.1 server on a std listener, one thread per connection.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use prost::Message;

use super::{Mode, Payload, Request, Shared, Signal, Transport};

#[cfg(feature = "tls")]
pub(super) type Tls = Arc<rustls::ServerConfig>;
#[cfg(not(feature = "tls"))]
pub(super) type Tls = std::convert::Infallible;

/// Longest body accepted (larger requests are answered 413).
const MAX_BODY: usize = 64 << 20;

pub(super) fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<Tls>,
) -> JoinHandle<()> {
    let _ = listener.set_nonblocking(true);
    thread::spawn(move || {
        let mut conns = Vec::new();
        while !shared.stopped() {
            match listener.accept() {
                Ok((stream, _)) => {
                    // Without the `tls` feature `Tls` is uninhabited (and so `Copy`).
                    #[allow(clippy::clone_on_copy)]
                    let (shared, tls) = (shared.clone(), tls.clone());
                    conns.push(thread::spawn(move || connection(stream, &shared, tls)));
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
            conns.retain(|c: &JoinHandle<()>| !c.is_finished());
        }
        drop(listener);
        for c in conns {
            let _ = c.join();
        }
    })
}

fn connection(stream: TcpStream, shared: &Shared, tls: Option<Tls>) {
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .is_err()
    {
        return;
    }
    match tls {
        #[cfg(feature = "tls")]
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(config) else {
                return;
            };
            serve_http(rustls::StreamOwned::new(conn, stream), shared)
        }
        #[cfg(not(feature = "tls"))]
        Some(never) => match never {},
        None => serve_http(stream, shared),
    }
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

fn serve_http<S: Read + Write>(stream: S, shared: &Shared) {
    let mut r = BufReader::new(stream);
    let mut idle = Instant::now();
    loop {
        if shared.stopped() || idle.elapsed() > Duration::from_secs(30) {
            return;
        }
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if timed_out(&e) && line.is_empty() => continue,
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
                Err(e) if timed_out(&e) && !shared.stopped() => continue,
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
        if len > MAX_BODY {
            let _ = reply(&mut r, 413);
            return;
        }
        let mut body = vec![0; len];
        let mut got = 0;
        while got < len {
            match r.read(&mut body[got..]) {
                Ok(0) => return,
                Ok(n) => got += n,
                Err(e) if timed_out(&e) && !shared.stopped() => continue,
                Err(_) => return,
            }
        }
        shared.attempt();
        let status = match shared.mode() {
            Mode::Accept => 200,
            Mode::Fail(status) => status,
            Mode::Drop => return,
            Mode::Stall(d) => {
                let until = Instant::now() + d;
                while Instant::now() < until {
                    if shared.stopped() {
                        return;
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                200
            }
        };
        if status == 200 {
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
            let json = headers
                .get("content-type")
                .is_some_and(|c| c.starts_with("application/json"));
            let payload = decode(&path, &body, json);
            shared.keep(Request {
                transport: if json {
                    Transport::HttpJson
                } else {
                    Transport::HttpProtobuf
                },
                path,
                headers,
                body,
                payload,
            });
        }
        if reply(&mut r, status).is_err() {
            return;
        }
        idle = Instant::now();
    }
}

fn reply<S: Read + Write>(r: &mut BufReader<S>, status: u16) -> std::io::Result<()> {
    let text = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
    let w = r.get_mut();
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// The body of an OTLP/HTTP request decoded by its path's signal.
pub(super) fn decode(path: &str, body: &[u8], json: bool) -> Payload {
    let Some(signal) = Signal::of_http_path(path) else {
        return Payload::Undecoded(format!("{path}: not an OTLP path"));
    };
    let err = |e: &dyn std::fmt::Display| Payload::Undecoded(format!("{path}: {e}"));
    macro_rules! parse {
        ($t:ty, $v:ident) => {
            if json {
                serde_json::from_slice::<$t>(body).map_or_else(|e| err(&e), Payload::$v)
            } else {
                <$t>::decode(body).map_or_else(|e| err(&e), Payload::$v)
            }
        };
    }
    use agentobs::export::proto::collector as c;
    match signal {
        Signal::Traces => parse!(c::trace::v1::ExportTraceServiceRequest, Traces),
        Signal::Logs => parse!(c::logs::v1::ExportLogsServiceRequest, Logs),
        Signal::Metrics => parse!(c::metrics::v1::ExportMetricsServiceRequest, Metrics),
    }
}

#[cfg(feature = "tls")]
pub(super) fn tls_config(cert_pem: &str, key_pem: &str, client_ca_pem: Option<&str>) -> Tls {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("a PEM certificate chain");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("a PEM private key");
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("TLS versions");
    let builder = match client_ca_pem {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots
                    .add(c.expect("a PEM CA certificate"))
                    .expect("a CA certificate");
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .expect("a client verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    Arc::new(
        builder
            .with_single_cert(certs, key)
            .expect("certificate and key"),
    )
}
