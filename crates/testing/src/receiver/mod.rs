//! An in-process OTLP receiver on 127.0.0.1, for tests of exporters and of whole harnesses.
//!
//! One [`Receiver`] serves OTLP/HTTP (protobuf or JSON, gzip or not; HTTPS with the `tls`
//! feature) and OTLP/gRPC, each on its own ephemeral port. Every accepted export request is
//! kept with its headers and decoded into the OTLP protocol types; [`Receiver::wait_for`]
//! waits until at least N spans, log records or metric points arrived, with a timeout. A
//! [`Mode`] makes it fail, stall or drop, to test retries and a dead collector. Dropping the
//! handle stops every thread it started.
//!
//! ```
//! use std::time::Duration;
//! use agentobs_testing::receiver::{Receiver, Signal};
//!
//! let r = Receiver::start();
//! // point an exporter at r.http_url() or r.grpc_url(), export, then:
//! let err = r.wait_for(Signal::Traces, 1, Duration::from_millis(50)).unwrap_err();
//! assert!(err.to_string().contains("0 of 1 spans"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentobs::export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs::export::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use agentobs::export::proto::collector::trace::v1::ExportTraceServiceRequest;
use agentobs::export::proto::logs::v1::LogRecord;
use agentobs::export::proto::metrics::v1::Metric;
use agentobs::export::proto::trace::v1::Span;

mod grpc;
mod http;

/// How the receiver answers export requests from now on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// Keep the request and answer success (the default).
    #[default]
    Accept,
    /// Answer this HTTP status without keeping the request (gRPC: `UNAVAILABLE` for 429,
    /// 502, 503 and 504, `INTERNAL` otherwise).
    Fail(u16),
    /// Wait this long, then accept (a slow collector).
    Stall(Duration),
    /// Read the request, then close the connection without an answer (gRPC: the call is
    /// answered `UNAVAILABLE`, which is what a client sees of a dropped connection).
    Drop,
}

/// An OTLP signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Signal {
    /// Spans (`/v1/traces`).
    Traces,
    /// Log records (`/v1/logs`).
    Logs,
    /// Metrics (`/v1/metrics`).
    Metrics,
}

impl Signal {
    /// `traces`, `logs` or `metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
        }
    }

    fn items(self) -> &'static str {
        match self {
            Signal::Traces => "spans",
            Signal::Logs => "log records",
            Signal::Metrics => "metrics",
        }
    }

    fn of_http_path(path: &str) -> Option<Signal> {
        match path.split('?').next().unwrap_or(path) {
            p if p.ends_with("/v1/traces") => Some(Signal::Traces),
            p if p.ends_with("/v1/logs") => Some(Signal::Logs),
            p if p.ends_with("/v1/metrics") => Some(Signal::Metrics),
            _ => None,
        }
    }
}

/// How a request came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// OTLP/HTTP with a protobuf body.
    HttpProtobuf,
    /// OTLP/HTTP with a JSON body.
    HttpJson,
    /// OTLP/gRPC.
    Grpc,
}

/// A decoded export request.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// Spans.
    Traces(ExportTraceServiceRequest),
    /// Log records.
    Logs(ExportLogsServiceRequest),
    /// Metrics.
    Metrics(ExportMetricsServiceRequest),
    /// The body could not be decoded (or the path names no signal): why.
    Undecoded(String),
}

/// One export request as received.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// How it came in.
    pub transport: Transport,
    /// The HTTP path (`/v1/traces`), or the gRPC method path.
    pub path: String,
    /// Headers or gRPC metadata, names lower-cased (binary metadata left out).
    pub headers: BTreeMap<String, String>,
    /// The body, gunzipped (gRPC: the message re-encoded as protobuf).
    pub body: Vec<u8>,
    /// The body decoded.
    pub payload: Payload,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The signal it carries, when decoded.
    pub fn signal(&self) -> Option<Signal> {
        match &self.payload {
            Payload::Traces(_) => Some(Signal::Traces),
            Payload::Logs(_) => Some(Signal::Logs),
            Payload::Metrics(_) => Some(Signal::Metrics),
            Payload::Undecoded(_) => None,
        }
    }

    /// Spans, log records or metrics in it.
    pub fn items(&self) -> usize {
        match &self.payload {
            Payload::Traces(r) => r
                .resource_spans
                .iter()
                .flat_map(|x| &x.scope_spans)
                .map(|s| s.spans.len())
                .sum(),
            Payload::Logs(r) => r
                .resource_logs
                .iter()
                .flat_map(|x| &x.scope_logs)
                .map(|s| s.log_records.len())
                .sum(),
            Payload::Metrics(r) => r
                .resource_metrics
                .iter()
                .flat_map(|x| &x.scope_metrics)
                .map(|s| s.metrics.len())
                .sum(),
            Payload::Undecoded(_) => 0,
        }
    }
}

/// Why [`Receiver::wait_for`] gave up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "waited {waited:?} for {want} {what}; received {got} of {want} {what} in {requests} requests ({attempts} attempts in all)"
)]
pub struct WaitError {
    /// What was awaited.
    pub what: &'static str,
    /// How many.
    pub want: usize,
    /// How many arrived.
    pub got: usize,
    /// Export requests kept.
    pub requests: usize,
    /// Requests seen, failed and dropped ones included.
    pub attempts: u64,
    /// How long it waited.
    pub waited: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct Shared {
    requests: Mutex<Vec<Request>>,
    mode: Mutex<Mode>,
    attempts: AtomicU64,
    pub(crate) stop: AtomicBool,
}

impl Shared {
    pub(crate) fn mode(&self) -> Mode {
        *self.mode.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub(crate) fn attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn keep(&self, r: Request) {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(r);
    }
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Builds a [`Receiver`]. Defaults: HTTP and gRPC both on, plain HTTP, [`Mode::Accept`].
#[derive(Default)]
pub struct ReceiverBuilder {
    grpc: bool,
    #[cfg(feature = "tls")]
    tls: Option<Arc<rustls::ServerConfig>>,
    mode: Mode,
}

impl fmt::Debug for ReceiverBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverBuilder")
            .field("grpc", &self.grpc)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl ReceiverBuilder {
    /// Serve OTLP/gRPC too (default on).
    pub fn grpc(mut self, on: bool) -> Self {
        self.grpc = on;
        self
    }

    /// The mode to start in.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Serve HTTPS with `cert_pem` and `key_pem`; with `client_ca_pem`, require client
    /// certificates signed by that CA.
    ///
    /// # Panics
    /// When the PEM texts are not a certificate chain and a key.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, cert_pem: &str, key_pem: &str, client_ca_pem: Option<&str>) -> Self {
        self.tls = Some(http::tls_config(cert_pem, key_pem, client_ca_pem));
        self
    }

    /// Binds 127.0.0.1 on ephemeral ports and starts serving.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn start(self) -> Receiver {
        let shared = Arc::new(Shared::default());
        *shared.mode.lock().unwrap_or_else(|p| p.into_inner()) = self.mode;
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let http_addr = listener.local_addr().expect("local address");
        #[cfg(feature = "tls")]
        let tls = self.tls;
        #[cfg(not(feature = "tls"))]
        let tls = None;
        let https = tls.is_some();
        let http = http::serve(listener, shared.clone(), tls);
        let grpc = self.grpc.then(|| grpc::GrpcServer::start(shared.clone()));
        Receiver {
            http_addr,
            https,
            shared,
            http: Some(http),
            grpc,
        }
    }
}

/// The receiver's handle; dropping it stops the servers and joins their threads.
pub struct Receiver {
    http_addr: SocketAddr,
    https: bool,
    shared: Arc<Shared>,
    http: Option<std::thread::JoinHandle<()>>,
    grpc: Option<grpc::GrpcServer>,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("http", &self.http_addr)
            .field("grpc", &self.grpc.as_ref().map(|g| g.addr))
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A builder with the documented defaults.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder {
            grpc: true,
            ..ReceiverBuilder::default()
        }
    }

    /// HTTP and gRPC, accepting everything.
    pub fn start() -> Receiver {
        Self::builder().start()
    }

    /// HTTPS only, with `cert_pem` and `key_pem`, requiring client certificates signed by
    /// `client_ca_pem` when given.
    #[cfg(feature = "tls")]
    pub fn start_tls(cert_pem: &str, key_pem: &str, client_ca_pem: Option<&str>) -> Receiver {
        Self::builder()
            .grpc(false)
            .tls(cert_pem, key_pem, client_ca_pem)
            .start()
    }

    /// A loopback address on which nothing listens (yet), for "collector down" tests.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn unused_addr() -> SocketAddr {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind 127.0.0.1")
    }

    /// `http://127.0.0.1:PORT` (or `https://` when serving TLS): the OTLP/HTTP base URL.
    pub fn http_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.http_addr)
    }

    /// Same as [`http_url`](Self::http_url).
    pub fn url(&self) -> String {
        self.http_url()
    }

    /// Same as [`http_url`](Self::http_url).
    pub fn https_url(&self) -> String {
        self.http_url()
    }

    /// `http://127.0.0.1:PORT` of the gRPC server.
    ///
    /// # Panics
    /// When the receiver was built without gRPC.
    pub fn grpc_url(&self) -> String {
        let g = self.grpc.as_ref().expect("this receiver serves no gRPC");
        format!("http://{}", g.addr)
    }

    /// Answer the next requests as `mode` says.
    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap_or_else(|p| p.into_inner()) = mode;
    }

    /// Every request kept so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The requests kept so far whose path is `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Requests seen so far, failed and dropped ones included.
    pub fn attempts(&self) -> u64 {
        self.shared.attempts.load(Ordering::Relaxed)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        let mut out = Vec::new();
        for r in self.requests() {
            if let Payload::Traces(t) = r.payload {
                for rs in t.resource_spans {
                    for ss in rs.scope_spans {
                        out.extend(ss.spans);
                    }
                }
            }
        }
        out
    }

    /// Every log record received so far.
    pub fn log_records(&self) -> Vec<LogRecord> {
        let mut out = Vec::new();
        for r in self.requests() {
            if let Payload::Logs(l) = r.payload {
                for rl in l.resource_logs {
                    for sl in rl.scope_logs {
                        out.extend(sl.log_records);
                    }
                }
            }
        }
        out
    }

    /// Every metric received so far.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut out = Vec::new();
        for r in self.requests() {
            if let Payload::Metrics(m) = r.payload {
                for rm in m.resource_metrics {
                    for sm in rm.scope_metrics {
                        out.extend(sm.metrics);
                    }
                }
            }
        }
        out
    }

    /// Items of `signal` received so far.
    pub fn count(&self, signal: Signal) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.signal() == Some(signal))
            .map(Request::items)
            .sum()
    }

    /// Waits until at least `n` items of `signal` arrived, at most `timeout`; how many did.
    pub fn wait_for(
        &self,
        signal: Signal,
        n: usize,
        timeout: Duration,
    ) -> Result<usize, WaitError> {
        let start = Instant::now();
        loop {
            let got = self.count(signal);
            if got >= n {
                return Ok(got);
            }
            if start.elapsed() >= timeout {
                return Err(WaitError {
                    what: signal.items(),
                    want: n,
                    got,
                    requests: self.requests().len(),
                    attempts: self.attempts(),
                    waited: start.elapsed(),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until `pred` holds for the requests, at most `timeout`; the requests then.
    pub fn wait_until(&self, timeout: Duration, pred: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let until = Instant::now() + timeout;
        loop {
            let got = self.requests();
            if pred(&got) || Instant::now() >= until {
                return got;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        drop(self.grpc.take());
        if let Some(t) = self.http.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs::export::proto::trace::v1::{ResourceSpans, ScopeSpans};
    use prost::Message;
    use std::io::{Read, Write};

    fn traces(n: usize) -> ExportTraceServiceRequest {
        let spans = (0..n)
            .map(|i| Span {
                name: format!("s{i}"),
                ..Span::default()
            })
            .collect();
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        }
    }

    /// One POST on a fresh connection; the status line, or `None` when the connection closed.
    fn post(url: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<String> {
        let addr = url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(n) if n > 0 => Some(
                String::from_utf8_lossy(&buf[..n])
                    .lines()
                    .next()?
                    .to_owned(),
            ),
            _ => None,
        }
    }

    #[test]
    fn http_protobuf_json_and_gzip_are_decoded() {
        let r = Receiver::builder().grpc(false).start();
        let proto = traces(2).encode_to_vec();
        assert_eq!(
            post(
                &r.http_url(),
                "/v1/traces",
                &[("content-type", "application/x-protobuf")],
                &proto
            )
            .unwrap(),
            "HTTP/1.1 200 X"
        );
        let json = serde_json::to_vec(&traces(3)).unwrap();
        post(
            &r.http_url(),
            "/v1/traces",
            &[("content-type", "application/json")],
            &json,
        )
        .unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&proto).unwrap();
        let gz = gz.finish().unwrap();
        post(
            &r.http_url(),
            "/v1/traces",
            &[
                ("content-type", "application/x-protobuf"),
                ("content-encoding", "gzip"),
            ],
            &gz,
        )
        .unwrap();
        post(
            &r.http_url(),
            "/v1/logs",
            &[("content-type", "application/x-protobuf")],
            b"\xff\xff",
        )
        .unwrap();
        assert_eq!(r.wait_for(Signal::Traces, 7, Duration::from_secs(5)), Ok(7));
        let reqs = r.requests();
        assert_eq!(
            reqs.iter().map(|q| q.transport).collect::<Vec<_>>(),
            [
                Transport::HttpProtobuf,
                Transport::HttpJson,
                Transport::HttpProtobuf,
                Transport::HttpProtobuf
            ]
        );
        assert_eq!(reqs[2].body, proto, "gunzipped");
        assert!(matches!(&reqs[3].payload, Payload::Undecoded(why) if why.starts_with("/v1/logs")));
        assert_eq!(r.spans().len(), 7);
    }

    #[test]
    fn fail_drop_and_stall_modes() {
        let r = Receiver::builder()
            .grpc(false)
            .mode(Mode::Fail(503))
            .start();
        let body = traces(1).encode_to_vec();
        assert_eq!(
            post(&r.url(), "/v1/traces", &[], &body).unwrap(),
            "HTTP/1.1 503 X"
        );
        r.set_mode(Mode::Drop);
        assert_eq!(post(&r.url(), "/v1/traces", &[], &body), None);
        assert_eq!((r.requests().len(), r.attempts()), (0, 2));
        let err = r
            .wait_for(Signal::Traces, 1, Duration::from_millis(30))
            .unwrap_err();
        assert_eq!((err.got, err.want, err.attempts), (0, 1, 2));
        r.set_mode(Mode::Stall(Duration::from_millis(300)));
        let t = Instant::now();
        assert_eq!(
            post(&r.url(), "/v1/traces", &[], &body).unwrap(),
            "HTTP/1.1 200 X"
        );
        assert!(t.elapsed() >= Duration::from_millis(300));
        assert_eq!(r.count(Signal::Traces), 1);
    }

    #[test]
    fn grpc_calls_are_kept_with_their_metadata_and_fail_on_demand() {
        use agentobs::export::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
        let r = Receiver::start();
        let url = r.grpc_url();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (ok, failed) = rt.block_on(async {
            let mut c = TraceServiceClient::connect(url).await.unwrap();
            let mut req = tonic::Request::new(traces(4));
            req.metadata_mut().insert("x-team", "obs".parse().unwrap());
            let ok = c.export(req).await.is_ok();
            r.set_mode(Mode::Fail(503));
            let failed = c.export(traces(1)).await.unwrap_err().code();
            (ok, failed)
        });
        assert!(ok);
        assert_eq!(failed, tonic::Code::Unavailable);
        let reqs = r.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(
            (reqs[0].transport, reqs[0].items(), reqs[0].header("x-team")),
            (Transport::Grpc, 4, Some("obs"))
        );
        assert_eq!(r.attempts(), 2);
    }
}
