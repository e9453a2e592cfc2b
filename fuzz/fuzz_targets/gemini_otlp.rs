//! Gemini CLI's OTLP through `agentobs_gemini::otlp`: the first byte picks the signal (logs,
//! traces, metrics) and the encoding (protobuf, JSON), the rest is the request body. Parsing
//! gives a request or an error, never a panic; a request decodes twice through one decoder
//! (content shown, two sessions at most) without a panic, no more records are skipped than
//! seen, every bad record is one warning, every event's JSON round-trips, and the request
//! re-encoded as protobuf decodes to the same events.
#![no_main]

use agentobs_gemini::otlp::{self, DecodeSummary, Encoding, OtlpDecoder};

include!("harness_otlp.inc");
