//! From a received body to a request on the decoder's queue: shared by HTTP and gRPC.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentobs_codex::otlp::{self, Encoding};
use agentobs_export::pipeline::Pipeline;
use agentobs_export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs_export::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use agentobs_export::proto::collector::trace::v1::ExportTraceServiceRequest;

use crate::passthrough;
use crate::shard::Router;
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

/// The receiving side's shared state: the decoder queues' sending ends and the limits.
#[derive(Debug)]
pub(crate) struct Ingest {
    /// Where accepted requests go, until the input ends.
    tx: Mutex<Option<Outputs>>,
    pub(crate) counters: Arc<Counters>,
    pipeline: Arc<Pipeline>,
    /// Parts queued (or being put on the queue) per shard: never above `capacity`, so a
    /// part whose room was reserved always fits.
    queued: Vec<AtomicU64>,
    capacity: u64,
    router: Router,
    passthrough: bool,
    closing: AtomicBool,
    pub(crate) max_body_bytes: usize,
    pub(crate) in_flight: Arc<tokio::sync::Semaphore>,
    pub(crate) retry_after: Duration,
    /// Woken when the gateway starts closing (the servers' graceful shutdown).
    pub(crate) closed: tokio::sync::watch::Sender<bool>,
}

/// The sending ends: one queue per decoder shard, and the passthrough's.
#[derive(Debug)]
struct Outputs {
    shards: Vec<SyncSender<Arc<Payload>>>,
    passthrough: Option<passthrough::Sender>,
}

/// How [`Ingest`] is set up.
#[derive(Debug)]
pub(crate) struct IngestConfig {
    pub(crate) counters: Arc<Counters>,
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) retry_after: Duration,
    /// Parts queued per decoder shard.
    pub(crate) queue_capacity: usize,
    pub(crate) passthrough: Option<passthrough::Sender>,
}

impl Ingest {
    /// The receiving side of `c.queue_capacity`-deep queues to the decoders (one per
    /// sending end).
    pub(crate) fn new(tx: Vec<SyncSender<Arc<Payload>>>, c: IngestConfig) -> Self {
        let IngestConfig {
            counters,
            pipeline,
            max_body_bytes,
            max_in_flight,
            retry_after,
            queue_capacity,
            passthrough,
        } = c;
        Ingest {
            queued: tx.iter().map(|_| AtomicU64::new(0)).collect(),
            capacity: queue_capacity.max(1) as u64,
            router: Router::new(tx.len()),
            passthrough: passthrough.is_some(),
            tx: Mutex::new(Some(Outputs {
                shards: tx,
                passthrough,
            })),
            counters,
            pipeline,
            closing: AtomicBool::new(false),
            max_body_bytes,
            in_flight: Arc::new(tokio::sync::Semaphore::new(max_in_flight)),
            retry_after,
            closed: tokio::sync::watch::Sender::new(false),
        }
    }

    /// The counters now.
    pub(crate) fn stats(&self) -> Stats {
        let queued = self.queued.iter().map(|q| q.load(Ordering::Relaxed)).sum();
        self.counters.snapshot(queued, &self.pipeline.stats())
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

    /// A part was taken off shard `shard`'s queue.
    pub(crate) fn taken(&self, shard: usize) {
        self.queued[shard].fetch_sub(1, Ordering::Relaxed);
    }

    /// Room for one more part on shard `shard`'s queue, if there is any.
    fn reserve(&self, shard: usize) -> bool {
        self.queued[shard]
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                (q < self.capacity).then_some(q + 1)
            })
            .is_ok()
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

    /// Puts a parsed request on the decoders' queues without waiting: split by session
    /// over the shards, all of it or (429, 503) none of it.
    pub(crate) fn submit(&self, payload: Payload) -> Result<(), Reject> {
        if self.closing() {
            return Err(Reject::Closing);
        }
        let records = payload.items();
        let (parts, original) = self.router.split(payload, self.passthrough);
        let guard = self.tx.lock().map_err(|_| Reject::Closing)?;
        let Some(out) = guard.as_ref() else {
            return Err(Reject::Closing);
        };
        for (i, (shard, _)) in parts.iter().enumerate() {
            if !self.reserve(*shard) {
                for (s, _) in &parts[..i] {
                    self.taken(*s);
                }
                return Err(Reject::Busy);
            }
        }
        let mut whole = None;
        let single = parts.len() == 1;
        for (n, (shard, part)) in parts.into_iter().enumerate() {
            let part = Arc::new(part);
            if single {
                whole = Some(part.clone());
            }
            // Room was reserved: only a decoder that has gone away refuses.
            if out.shards[shard].try_send(part).is_err() {
                self.taken(shard);
                if n == 0 {
                    return Err(Reject::Closing);
                }
            }
        }
        if let Some(p) = &out.passthrough
            && let Some(req) = original.map(Arc::new).or(whole)
        {
            p.send(req);
        }
        drop(guard);
        stats::bump(&self.counters.accepted);
        stats::add(&self.counters.records, records);
        Ok(())
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
