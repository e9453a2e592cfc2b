//! From a received body to a request on the decoder's queue: shared by HTTP and gRPC.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentobs_codex::otlp::{self, Encoding};
use agentobs_export::pipeline::Pipeline;
use agentobs_export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs_export::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use agentobs_export::proto::collector::trace::v1::ExportTraceServiceRequest;

use crate::stats::{self, Counters, Stats};

/// The three OTLP signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// `/v1/logs`.
    Logs,
    /// `/v1/metrics`.
    Metrics,
    /// `/v1/traces`.
    Traces,
}

impl Signal {
    /// `logs`, `metrics` or `traces`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
            Signal::Traces => "traces",
        }
    }
}

/// One parsed export request.
#[derive(Debug)]
pub(crate) enum Payload {
    Logs(ExportLogsServiceRequest),
    Metrics(ExportMetricsServiceRequest),
    Traces(ExportTraceServiceRequest),
}

impl Payload {
    /// Log records, data points or spans in the request.
    pub(crate) fn items(&self) -> u64 {
        let n: usize = match self {
            Payload::Logs(r) => r
                .resource_logs
                .iter()
                .flat_map(|r| &r.scope_logs)
                .map(|s| s.log_records.len())
                .sum(),
            Payload::Traces(r) => r
                .resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .map(|s| s.spans.len())
                .sum(),
            Payload::Metrics(r) => r
                .resource_metrics
                .iter()
                .flat_map(|r| &r.scope_metrics)
                .flat_map(|s| &s.metrics)
                .map(metric_points)
                .sum(),
        };
        n as u64
    }
}

fn metric_points(m: &agentobs_export::proto::metrics::v1::Metric) -> usize {
    use agentobs_export::proto::metrics::v1::metric::Data;
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reject {
    /// Not an OTLP request we can read: 400 with the message.
    Bad(String),
    /// A content type other than protobuf or JSON: 415.
    Unsupported(String),
    /// Body over the cap: 413.
    TooLarge(usize),
    /// Queue full or too many requests at once: 429 with `Retry-After`.
    Busy,
    /// Shutting down: 503 with `Retry-After`.
    Closing,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reject::Bad(m) => write!(f, "bad OTLP request: {m}"),
            Reject::Unsupported(t) => write!(
                f,
                "unsupported content type {t:?} (application/x-protobuf or application/json)"
            ),
            Reject::TooLarge(cap) => write!(f, "request body over {cap} bytes"),
            Reject::Busy => f.write_str("the gateway is busy; retry later"),
            Reject::Closing => f.write_str("the gateway is shutting down"),
        }
    }
}

/// The receiving side's shared state: the queue's sending end and the limits.
#[derive(Debug)]
pub(crate) struct Ingest {
    tx: Mutex<Option<SyncSender<Arc<Payload>>>>,
    pub(crate) counters: Arc<Counters>,
    pipeline: Arc<Pipeline>,
    queued: AtomicU64,
    closing: AtomicBool,
    pub(crate) max_body_bytes: usize,
    pub(crate) in_flight: Arc<tokio::sync::Semaphore>,
    pub(crate) retry_after: Duration,
    /// Woken when the gateway starts closing (the servers' graceful shutdown).
    pub(crate) closed: tokio::sync::watch::Sender<bool>,
}

impl Ingest {
    pub(crate) fn new(
        tx: SyncSender<Arc<Payload>>,
        counters: Arc<Counters>,
        pipeline: Arc<Pipeline>,
        max_body_bytes: usize,
        max_in_flight: usize,
        retry_after: Duration,
    ) -> Self {
        Ingest {
            tx: Mutex::new(Some(tx)),
            counters,
            pipeline,
            queued: AtomicU64::new(0),
            closing: AtomicBool::new(false),
            max_body_bytes,
            in_flight: Arc::new(tokio::sync::Semaphore::new(max_in_flight)),
            retry_after,
            closed: tokio::sync::watch::Sender::new(false),
        }
    }

    /// The counters now.
    pub(crate) fn stats(&self) -> Stats {
        self.counters
            .snapshot(self.queued.load(Ordering::Relaxed), &self.pipeline.stats())
    }

    /// True once shutdown began.
    pub(crate) fn closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Refuse new requests from now on and stop the servers.
    pub(crate) fn begin_closing(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.closed.send_replace(true);
    }

    /// No more input: the decoder ends once the queue is empty.
    pub(crate) fn end_input(&self) {
        self.closing.store(true, Ordering::SeqCst);
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
    }

    /// A request was taken off the queue.
    pub(crate) fn taken(&self) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
    }

    /// Counts a refusal.
    pub(crate) fn count_reject(&self, r: &Reject) {
        let c = &self.counters;
        stats::bump(match r {
            Reject::Bad(_) | Reject::Unsupported(_) => &c.rejected_bad,
            Reject::TooLarge(_) => &c.rejected_too_large,
            Reject::Busy => &c.rejected_busy,
            Reject::Closing => &c.rejected_closing,
        });
    }

    /// Puts a parsed request on the queue without waiting.
    pub(crate) fn submit(&self, payload: Payload) -> Result<(), Reject> {
        if self.closing() {
            return Err(Reject::Closing);
        }
        let records = payload.items();
        let guard = self.tx.lock().map_err(|_| Reject::Closing)?;
        let Some(tx) = guard.as_ref() else {
            return Err(Reject::Closing);
        };
        self.queued.fetch_add(1, Ordering::Relaxed);
        match tx.try_send(Arc::new(payload)) {
            Ok(()) => {
                stats::bump(&self.counters.accepted);
                stats::add(&self.counters.records, records);
                Ok(())
            }
            Err(e) => {
                self.queued.fetch_sub(1, Ordering::Relaxed);
                match e {
                    TrySendError::Full(_) => Err(Reject::Busy),
                    TrySendError::Disconnected(_) => Err(Reject::Closing),
                }
            }
        }
    }
}

/// The encoding a `Content-Type` names.
pub(crate) fn encoding_of(content_type: Option<&str>) -> Result<Encoding, Reject> {
    let t = content_type.unwrap_or("application/x-protobuf");
    let essence = t
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-protobuf" | "application/protobuf" | "" => Ok(Encoding::Protobuf),
        "application/json" => Ok(Encoding::Json),
        _ => Err(Reject::Unsupported(t.to_owned())),
    }
}

/// Gunzips `body` when `content_encoding` says gzip, at most `cap` bytes out.
pub(crate) fn decompress(
    body: &[u8],
    content_encoding: Option<&str>,
    cap: usize,
) -> Result<Option<Vec<u8>>, Reject> {
    let enc = content_encoding
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    match enc.as_str() {
        "" | "identity" => Ok(None),
        "gzip" | "x-gzip" => {
            let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(cap));
            let mut limited = flate2::read::GzDecoder::new(body).take(cap as u64 + 1);
            limited
                .read_to_end(&mut out)
                .map_err(|e| Reject::Bad(format!("gzip body: {e}")))?;
            if out.len() > cap {
                return Err(Reject::TooLarge(cap));
            }
            Ok(Some(out))
        }
        other => Err(Reject::Bad(format!(
            "unsupported Content-Encoding {other:?} (gzip or identity)"
        ))),
    }
}

/// Parses a (decompressed) body of `signal` in `encoding`.
pub(crate) fn parse(signal: Signal, body: &[u8], encoding: Encoding) -> Result<Payload, Reject> {
    let bad = |e: otlp::OtlpError| Reject::Bad(e.to_string());
    Ok(match signal {
        Signal::Logs => Payload::Logs(otlp::parse_logs(body, encoding).map_err(bad)?),
        Signal::Metrics => Payload::Metrics(otlp::parse_metrics(body, encoding).map_err(bad)?),
        Signal::Traces => Payload::Traces(otlp::parse_traces(body, encoding).map_err(bad)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn content_types() {
        assert_eq!(encoding_of(Some("application/json")), Ok(Encoding::Json));
        assert_eq!(
            encoding_of(Some("application/json; charset=utf-8")),
            Ok(Encoding::Json)
        );
        assert_eq!(
            encoding_of(Some("application/x-protobuf")),
            Ok(Encoding::Protobuf)
        );
        assert_eq!(encoding_of(None), Ok(Encoding::Protobuf));
        assert!(matches!(
            encoding_of(Some("text/plain")),
            Err(Reject::Unsupported(_))
        ));
    }

    #[test]
    fn gzip_capped() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b'a'; 10_000]).unwrap();
        let z = gz.finish().unwrap();
        assert_eq!(
            decompress(&z, Some("gzip"), 20_000).unwrap().unwrap().len(),
            10_000
        );
        assert_eq!(
            decompress(&z, Some("gzip"), 5_000),
            Err(Reject::TooLarge(5_000))
        );
        assert!(matches!(
            decompress(b"not gzip", Some("gzip"), 100),
            Err(Reject::Bad(_))
        ));
        assert!(matches!(
            decompress(b"x", Some("br"), 100),
            Err(Reject::Bad(_))
        ));
        assert_eq!(decompress(b"x", None, 100), Ok(None));
    }
}
