//! Codex's own OTLP export — logs, metrics and traces, over OTLP/HTTP (protobuf or JSON) or
//! gRPC — decoded into the same typed events the rollout reader gives.
//!
//! Parse a request body with [`parse_logs`], [`parse_metrics`] or [`parse_traces`] (a gRPC
//! receiver hands over the decoded message directly), then feed it to an [`OtlpDecoder`],
//! which keeps the state that spans requests (the session context of each conversation,
//! metric bookkeeping) and writes events and warnings to an
//! [`EventSink`].
//!
//! ```
//! use agentobs_codex::log_event::DecodeOptions;
//! use agentobs_codex::otlp::{Encoding, OtlpDecoder, parse_logs};
//!
//! let body = br#"{"resourceLogs":[]}"#;
//! let request = parse_logs(body, Encoding::Json).unwrap();
//! let mut decoder = OtlpDecoder::new(DecodeOptions::default());
//! let mut events = agentobs_schema::Collect::default();
//! let summary = decoder.logs(&request, &mut events);
//! assert_eq!(summary.records, 0);
//! ```

mod attrs;
mod error;
pub mod harness;
mod logs;
mod lookup;
mod metrics;
mod out;
mod sessions;
mod traces;

pub use error::OtlpError;
pub use lookup::{AttrLookup, nanos_to_millis};
pub use metrics::METRIC_EVENT_PREFIX;
pub use sessions::{SessionTally, SignalTally};

pub use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
pub use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
pub use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

/// The OTLP message types, for callers that build or inspect requests.
pub mod proto {
    pub use opentelemetry_proto::tonic::*;
}

use agentobs_schema::EventSink;

use metrics::MetricBook;
use out::Out;
use sessions::Sessions;

use crate::log_event::DecodeOptions;

/// How an OTLP/HTTP body is encoded (its `Content-Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// `application/x-protobuf`: binary protobuf (also the payload of a gRPC message).
    Protobuf,
    /// `application/json`: OTLP/JSON.
    Json,
}

/// Parses an `ExportLogsServiceRequest` body (`/v1/logs`).
pub fn parse_logs(body: &[u8], encoding: Encoding) -> Result<ExportLogsServiceRequest, OtlpError> {
    error::parse(body, encoding)
}

/// Parses an `ExportMetricsServiceRequest` body (`/v1/metrics`).
pub fn parse_metrics(
    body: &[u8],
    encoding: Encoding,
) -> Result<ExportMetricsServiceRequest, OtlpError> {
    error::parse(body, encoding)
}

/// Parses an `ExportTraceServiceRequest` body (`/v1/traces`).
pub fn parse_traces(
    body: &[u8],
    encoding: Encoding,
) -> Result<ExportTraceServiceRequest, OtlpError> {
    error::parse(body, encoding)
}

/// What one call of [`OtlpDecoder`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeSummary {
    /// Records seen (log records, spans, metric data points).
    pub records: u64,
    /// Events written to the sink.
    pub events: u64,
    /// Records that gave no event: not Codex's, carrying nothing to decode, or a fact
    /// another signal is the source of (see [`Primary`]).
    pub skipped: u64,
    /// Records (or span events) that could not be decoded, each one a warning to the sink.
    pub bad: u64,
}

/// Which signal Codex's business facts are taken from, when a harness sends more than one.
///
/// Whatever the choice, the other signal's facts are tallied per session
/// ([`OtlpDecoder::tally`]) so they can corroborate, and never become events a second time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Primary {
    /// Logs (the default): every `codex.*` log record is an event; from traces only the
    /// turns (`session_task.*` spans), which no log carries.
    #[default]
    Logs,
    /// Traces, for a harness that exports no logs: tokens from the `handle_responses` spans,
    /// the other facts from the trace-safe `codex.*` span events, turns from the turn spans;
    /// log records are tallied only.
    Traces,
}

/// The state the decoders share.
#[derive(Debug)]
struct State {
    options: DecodeOptions,
    primary: Primary,
    sessions: Sessions,
    metrics: MetricBook,
}

/// Decodes Codex's OTLP requests into events, keeping what spans requests: the session
/// context of each conversation (bounded), which conversation each trace belongs to, and
/// metric bookkeeping.
///
/// Events of one conversation share one `Arc<SessionContext>` (thread id from
/// `conversation.id`, model, app version, originator, auth mode, account from the record
/// attributes; environment, and version and originator when the records lack them, from the
/// resource), replaced only when something in it changes.
#[derive(Debug)]
pub struct OtlpDecoder {
    state: State,
}

/// Default bound on the sessions held ([`OtlpDecoder::with_max_sessions`]).
pub const DEFAULT_MAX_SESSIONS: usize = 4096;
/// Default bound on the metric series held ([`OtlpDecoder::with_max_series`]).
pub const DEFAULT_MAX_SERIES: usize = 16384;

impl OtlpDecoder {
    /// A decoder with [`Primary::Logs`], at most [`DEFAULT_MAX_SESSIONS`] sessions and
    /// [`DEFAULT_MAX_SERIES`] metric series; content (prompts, tool arguments and output) is
    /// withheld unless `options` say otherwise.
    pub fn new(options: DecodeOptions) -> Self {
        OtlpDecoder {
            state: State {
                options,
                primary: Primary::default(),
                sessions: Sessions::new(DEFAULT_MAX_SESSIONS),
                metrics: MetricBook::new(DEFAULT_MAX_SERIES),
            },
        }
    }

    /// Takes business facts from `primary` (default [`Primary::Logs`]).
    #[must_use]
    pub fn with_primary(mut self, primary: Primary) -> Self {
        self.state.primary = primary;
        self
    }

    /// Holds at most `max` sessions (at least 1); the oldest is forgotten first, and a
    /// forgotten conversation that comes back starts a new context.
    #[must_use]
    pub fn with_max_sessions(mut self, max: usize) -> Self {
        self.state.sessions = Sessions::new(max);
        self
    }

    /// Holds at most `max` metric series (at least 1), the oldest forgotten first.
    #[must_use]
    pub fn with_max_series(mut self, max: usize) -> Self {
        self.state.metrics = MetricBook::new(max);
        self
    }

    /// The signal business facts are taken from.
    pub fn primary(&self) -> Primary {
        self.state.primary
    }

    /// Sessions held now.
    pub fn sessions(&self) -> usize {
        self.state.sessions.len()
    }

    /// What logs and traces each said about conversation `conversation_id` so far (tokens,
    /// requests and tool results), whichever of them was the source of the events.
    pub fn tally(&self, conversation_id: &str) -> Option<SessionTally> {
        self.state.sessions.tally(conversation_id)
    }

    /// The total of `codex.*` instrument `name` over the series whose tags include `tags`:
    /// the sum of a counter's changes, or of a histogram's recorded values; `None` when no
    /// such series was seen.
    pub fn metric_total(&self, name: &str, tags: &[(&str, &str)]) -> Option<f64> {
        self.state.metrics.total(name, tags, false)
    }

    /// The number of values a histogram `name` recorded over the series whose tags include
    /// `tags`.
    pub fn metric_count(&self, name: &str, tags: &[(&str, &str)]) -> Option<u64> {
        self.state.metrics.total(name, tags, true).map(|c| c as u64)
    }

    /// Decodes the `codex.*` log records of `request`.
    pub fn logs(
        &mut self,
        request: &ExportLogsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "logs");
        logs::decode(&mut self.state, request, &mut out);
        out.summary
    }

    /// Decodes the `codex.*` metric data points of `request` (one `Other` event named
    /// [`METRIC_EVENT_PREFIX`]`<instrument>` per point that changed something).
    pub fn metrics(
        &mut self,
        request: &ExportMetricsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "metrics");
        metrics::decode(&mut self.state, request, &mut out);
        out.summary
    }

    /// Decodes the useful spans of `request`.
    pub fn traces(
        &mut self,
        request: &ExportTraceServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "traces");
        traces::decode(&mut self.state, request, &mut out);
        out.summary
    }
}

#[cfg(test)]
mod tests;
