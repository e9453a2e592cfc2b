//! OTLP/HTTP: mapped records POSTed as protobuf or JSON to `/v1/traces`, `/v1/logs` and
//! `/v1/metrics`.

use std::time::Duration;

use agentobs_semconv::{LogRecord, MetricPoint, SignalSink, SpanRecord};
use prost::Message;

use crate::batch::{Batches, Deliver};
use crate::breaker::Breaker;
use crate::otlp;

/// The encoding of request bodies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// `application/x-protobuf` (the OTLP/HTTP default).
    #[default]
    HttpProtobuf,
    /// `application/json` (OTLP-JSON).
    HttpJson,
}

impl std::str::FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "http/protobuf" | "binary" => Ok(Protocol::HttpProtobuf),
            "http/json" | "json" => Ok(Protocol::HttpJson),
            other => Err(format!(
                "unknown OTLP/HTTP protocol {other:?} (http/protobuf, http/json)"
            )),
        }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The endpoint is not an `http://` or `https://` URL.
    #[error("bad OTLP endpoint {0:?}: expected http://host:port or https://host:port")]
    Endpoint(String),
    /// A header could not be used.
    #[error("bad header {name:?}: {reason}")]
    Header {
        /// The header's name (its value is never shown).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// The receiver answered with an error status.
    #[error("{url}: HTTP {status}: {body}")]
    Status {
        /// Where the request went.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The request did not get an answer.
    #[error("{url}: {reason}")]
    Transport {
        /// Where the request went.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A body could not be encoded.
    #[error("cannot encode an export request: {0}")]
    Encode(String),
    /// No dialect has this name.
    #[error("unknown dialect {name:?} (known: {known})")]
    UnknownDialect {
        /// The name asked for.
        name: String,
        /// The names known, comma-separated.
        known: String,
    },
}

/// What an [`OtlpHttpExporter`] sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendStats {
    /// Requests answered with success.
    pub requests: u64,
    /// Requests that failed (each counted once; no retries).
    pub failed_requests: u64,
    /// Body bytes sent.
    pub bytes: u64,
    /// Spans accepted.
    pub spans: u64,
    /// Log records accepted.
    pub logs: u64,
    /// Metric points accepted.
    pub metric_points: u64,
    /// Requests not tried because the receiver had just failed (counted in
    /// `failed_requests` too).
    pub skipped_requests: u64,
}

/// Sends records to an OTLP/HTTP receiver (an OpenTelemetry Collector, Phoenix, …), batched
/// per signal, each batch grouped by resource (one per session).
///
/// A [`SignalSink`]: a failed request is counted and kept (the first error is returned by
/// [`finish`](Self::finish)); it does not stop the stream. Defaults: protobuf bodies, batches
/// of [`DEFAULT_BATCH`](crate::DEFAULT_BATCH) records, a 10 s timeout, no retries.
#[derive(Debug)]
pub struct OtlpHttpExporter {
    batches: Batches,
    out: Requests,
}

/// The sending half: client, target and what happened.
#[derive(Debug)]
struct Requests {
    client: reqwest::blocking::Client,
    /// Full URLs for traces, logs and metrics.
    urls: [String; 3],
    protocol: Protocol,
    headers: reqwest::header::HeaderMap,
    stats: SendStats,
    error: Option<ExportError>,
    breaker: Breaker,
}

impl OtlpHttpExporter {
    /// An exporter to `endpoint` (`http://127.0.0.1:4318`: the signal paths are appended, as
    /// with `OTEL_EXPORTER_OTLP_ENDPOINT`), sending `protocol` bodies with `headers`.
    pub fn new(
        endpoint: &str,
        protocol: Protocol,
        headers: &[(String, String)],
    ) -> Result<Self, ExportError> {
        let base = endpoint.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) || base.len() < 8 {
            return Err(ExportError::Endpoint(endpoint.to_owned()));
        }
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            let n = reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                ExportError::Header {
                    name: name.clone(),
                    reason: e.to_string(),
                }
            })?;
            let mut v =
                reqwest::header::HeaderValue::from_str(value).map_err(|_| ExportError::Header {
                    name: name.clone(),
                    reason: "the value has characters a header cannot carry".into(),
                })?;
            v.set_sensitive(true);
            map.insert(n, v);
        }
        let client = crate::tls::client(Duration::from_secs(10), None)?;
        Ok(OtlpHttpExporter {
            batches: Batches::new(crate::DEFAULT_BATCH),
            out: Requests {
                client,
                urls: [
                    format!("{base}/v1/traces"),
                    format!("{base}/v1/logs"),
                    format!("{base}/v1/metrics"),
                ],
                protocol,
                headers: map,
                stats: SendStats::default(),
                error: None,
                breaker: Breaker::default(),
            },
        })
    }

    /// Sends with `client` (its timeout and TLS settings) instead of the default one.
    pub fn with_client(mut self, client: reqwest::blocking::Client) -> Self {
        self.out.client = client;
        self
    }

    /// Sets the records per request (at least 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batches.size = batch.max(1);
        self
    }

    /// Sends each signal to its own full URL (as `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` does)
    /// instead of the base endpoint's `/v1/…` paths.
    pub fn with_signal_urls(mut self, traces: &str, logs: &str, metrics: &str) -> Self {
        self.out.urls = [traces.to_owned(), logs.to_owned(), metrics.to_owned()];
        self
    }

    /// Sends everything buffered.
    pub fn flush(&mut self) {
        self.batches.flush(&mut self.out);
    }

    /// Sends everything buffered; what was sent, or the first error. A receiver that was
    /// down gets one last try, whatever the back-off.
    pub fn finish(mut self) -> Result<SendStats, ExportError> {
        self.out.breaker.half_open();
        self.flush();
        match self.out.error.take() {
            Some(e) => Err(e),
            None => Ok(self.out.stats),
        }
    }

    /// What was sent so far.
    pub fn stats(&self) -> SendStats {
        self.out.stats
    }
}

impl Requests {
    fn body<T: Message + serde::Serialize>(&self, request: &T) -> Result<Vec<u8>, ExportError> {
        match self.protocol {
            Protocol::HttpProtobuf => Ok(request.encode_to_vec()),
            Protocol::HttpJson => {
                serde_json::to_vec(request).map_err(|e| ExportError::Encode(e.to_string()))
            }
        }
    }

    /// POSTs one request; true when accepted.
    fn send(&mut self, signal: usize, body: Result<Vec<u8>, ExportError>) -> bool {
        let url = self.urls.get(signal).cloned().unwrap_or_default();
        if !self.breaker.allow() {
            // The receiver failed a moment ago: fail fast instead of waiting on it again.
            self.stats.failed_requests += 1;
            self.stats.skipped_requests += 1;
            return false;
        }
        let result = body.and_then(|body| {
            let len = body.len() as u64;
            let content_type = match self.protocol {
                Protocol::HttpProtobuf => "application/x-protobuf",
                Protocol::HttpJson => "application/json",
            };
            let response = self
                .client
                .post(&url)
                .headers(self.headers.clone())
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .map_err(|e| ExportError::Transport {
                    url: url.clone(),
                    reason: chain(&e),
                })?;
            let status = response.status();
            if status.is_success() {
                Ok(len)
            } else {
                let text = response.text().unwrap_or_default();
                Err(ExportError::Status {
                    url: url.clone(),
                    status: status.as_u16(),
                    body: text.chars().take(200).collect(),
                })
            }
        });
        match result {
            Ok(len) => {
                self.breaker.success();
                self.stats.requests += 1;
                self.stats.bytes += len;
                true
            }
            Err(e) => {
                // A request the receiver refused as bad (4xx but 408/429) says nothing about
                // its health.
                let down = match &e {
                    ExportError::Status { status, .. } => {
                        *status >= 500 || *status == 429 || *status == 408
                    }
                    _ => true,
                };
                if down {
                    self.breaker.failure();
                }
                self.stats.failed_requests += 1;
                self.error.get_or_insert(e);
                false
            }
        }
    }
}

/// Largest request body sent (what opentelemetry-otlp 0.33 allows too): a bigger batch is
/// split in halves until each part fits; a single record still too big is dropped, counted
/// and reported.
pub const MAX_BODY_BYTES: usize = 64 << 20;

impl Requests {
    /// Sends `items` as one request, or as halves when the body would pass
    /// [`MAX_BODY_BYTES`]; the items accepted.
    fn deliver<R, T: Message + serde::Serialize>(
        &mut self,
        signal: usize,
        items: &[R],
        build: fn(&[R]) -> T,
    ) -> u64 {
        let body = self.body(&build(items));
        if let Ok(b) = &body
            && b.len() > MAX_BODY_BYTES
        {
            if items.len() > 1 {
                let (a, b) = items.split_at(items.len() / 2);
                return self.deliver(signal, a, build) + self.deliver(signal, b, build);
            }
            self.stats.failed_requests += 1;
            self.error.get_or_insert(ExportError::Encode(format!(
                "one record makes a {} byte request, over the {MAX_BODY_BYTES} byte limit: dropped",
                b.len()
            )));
            return 0;
        }
        if self.send(signal, body) {
            items.len() as u64
        } else {
            0
        }
    }
}

impl Deliver for Requests {
    fn spans(&mut self, spans: &[SpanRecord]) {
        self.stats.spans += self.deliver(0, spans, otlp::trace_request);
    }
    fn logs(&mut self, logs: &[LogRecord]) {
        self.stats.logs += self.deliver(1, logs, otlp::logs_request);
    }
    fn metrics(&mut self, points: &[MetricPoint]) {
        self.stats.metric_points += self.deliver(2, points, otlp::metrics_request);
    }
}

/// An error with its causes: `error sending request: connection refused`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = c.source();
    }
    out
}

impl SignalSink for OtlpHttpExporter {
    fn span(&mut self, span: SpanRecord) {
        self.batches.span(span, &mut self.out);
    }
    fn log(&mut self, log: LogRecord) {
        self.batches.log(log, &mut self.out);
    }
    fn metric(&mut self, point: MetricPoint) {
        self.batches.metric(point, &mut self.out);
    }
}
