//! The gateway's counters (`GET /stats`).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters, shared by the receivers, the decoder and the passthrough.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) received_bytes: AtomicU64,
    pub(crate) accepted: AtomicU64,
    pub(crate) records: AtomicU64,
    pub(crate) decoded_events: AtomicU64,
    pub(crate) skipped_records: AtomicU64,
    pub(crate) bad_records: AtomicU64,
    pub(crate) rejected_bad: AtomicU64,
    pub(crate) rejected_busy: AtomicU64,
    pub(crate) rejected_too_large: AtomicU64,
    pub(crate) rejected_closing: AtomicU64,
    pub(crate) open_sessions: AtomicU64,
    pub(crate) closed_sessions: AtomicU64,
    pub(crate) alerts: AtomicU64,
    pub(crate) backpressure_waits: AtomicU64,
    pub(crate) passthrough_sent: AtomicU64,
    pub(crate) passthrough_failed: AtomicU64,
    pub(crate) passthrough_dropped: AtomicU64,
}

/// Adds one.
pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Adds `n`.
pub(crate) fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// A snapshot of the gateway's counters, as `GET /stats` gives them (JSON, these names).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Export requests received (HTTP and gRPC, accepted or not).
    pub requests: u64,
    /// Body bytes received, as sent (compressed when gzip).
    pub received_bytes: u64,
    /// Requests accepted onto the queue.
    pub accepted: u64,
    /// Log records, spans and metric data points decoded from accepted requests.
    pub records: u64,
    /// Events the records gave.
    pub decoded_events: u64,
    /// Records that carry nothing the decoder reads (not `codex.*`, or not useful).
    pub skipped_records: u64,
    /// Records that could not be decoded (each costs only itself).
    pub bad_records: u64,
    /// Requests refused with 400 / `INVALID_ARGUMENT`: not OTLP, bad gzip, bad type.
    pub rejected_bad: u64,
    /// Requests refused with 429 / `RESOURCE_EXHAUSTED`: queue full or too many at once.
    pub rejected_busy: u64,
    /// Requests refused with 413: body over the cap.
    pub rejected_too_large: u64,
    /// Requests refused with 503 while shutting down.
    pub rejected_closing: u64,
    /// Requests waiting to be decoded, counted per decoder thread (a request split over
    /// two threads counts twice until both have taken their part).
    pub queued: u64,
    /// Events handed to the export pipeline (incl. alerts).
    pub forwarded_events: u64,
    /// Events the export pipeline's sinks have taken.
    pub processed_events: u64,
    /// Events dropped by a full pipeline queue.
    pub dropped_events: u64,
    /// Pipeline flushes that reported an export error.
    pub export_errors: u64,
    /// Sessions open now.
    pub open_sessions: u64,
    /// Sessions closed (idle, or at shutdown).
    pub closed_sessions: u64,
    /// Alerts raised by the anomaly rules.
    pub alerts: u64,
    /// Times the decoder waited for the pipeline to make room.
    pub backpressure_waits: u64,
    /// Requests forwarded unchanged (`passthrough`).
    pub passthrough_sent: u64,
    /// Passthrough requests that failed.
    pub passthrough_failed: u64,
    /// Passthrough requests dropped because its queue was full.
    pub passthrough_dropped: u64,
}

impl Counters {
    /// The snapshot, with the queue depth and the pipeline's counters.
    pub(crate) fn snapshot(
        &self,
        queued: u64,
        pipeline: &agentobs_export::pipeline::PipelineStats,
    ) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            requests: g(&self.requests),
            received_bytes: g(&self.received_bytes),
            accepted: g(&self.accepted),
            records: g(&self.records),
            decoded_events: g(&self.decoded_events),
            skipped_records: g(&self.skipped_records),
            bad_records: g(&self.bad_records),
            rejected_bad: g(&self.rejected_bad),
            rejected_busy: g(&self.rejected_busy),
            rejected_too_large: g(&self.rejected_too_large),
            rejected_closing: g(&self.rejected_closing),
            queued,
            forwarded_events: pipeline.sinks.iter().map(|s| s.accepted).max().unwrap_or(0),
            processed_events: pipeline
                .sinks
                .iter()
                .map(|s| s.processed)
                .min()
                .unwrap_or(0),
            dropped_events: pipeline.dropped(),
            export_errors: pipeline.sinks.iter().map(|s| s.flush_errors).sum(),
            open_sessions: g(&self.open_sessions),
            closed_sessions: g(&self.closed_sessions),
            alerts: g(&self.alerts),
            backpressure_waits: g(&self.backpressure_waits),
            passthrough_sent: g(&self.passthrough_sent),
            passthrough_failed: g(&self.passthrough_failed),
            passthrough_dropped: g(&self.passthrough_dropped),
        }
    }
}
