//! Claude Code's own OTLP export — the `claude_code.*` log events, metrics and (beta) spans —
//! decoded into the same typed events the transcript reader gives.
//!
//! Parse a request body with [`parse_logs`], [`parse_metrics`] or [`parse_traces`] (the
//! OTLP request parsing of `agentobs_codex::otlp`, re-exported), then feed it to an
//! [`OtlpDecoder`], which keeps the session context of each `session.id` across requests.
//!
//! What becomes an event, from the log records (scope `com.anthropic.claude_code.events`,
//! named by their `event.name` attribute):
//!
//! | `event.name` | event |
//! |---|---|
//! | `user_prompt` | [`UserPrompt`](agentobs_schema::UserPrompt) (text only with content shown) |
//! | `api_request` | [`TokenUsageEvent`](agentobs_schema::TokenUsageEvent), the model on the context |
//! | `api_error` | [`ErrorEvent`](agentobs_schema::ErrorEvent) with its status and kind |
//! | `tool_decision` | [`ToolDecision`](agentobs_schema::ToolDecision) |
//! | `tool_result` | [`ToolResult`](agentobs_schema::ToolResult) |
//!
//! Tokens follow Codex semantics, as the transcript reader's do: Anthropic's `input_tokens`
//! excludes cache reads and writes, so input = `input_tokens + cache_read_tokens +
//! cache_creation_tokens`, cached = `cache_read_tokens`, cache writes =
//! `cache_creation_tokens`. The harness's own `cost_usd` is kept in the session's
//! [`SessionTally`] and on the event
//! ([`reported_cost_usd`](agentobs_schema::TokenUsageEvent::reported_cost_usd)); prices come
//! from the price book downstream, which reads from it how many of the cache writes (given
//! without their lifetime) were one-hour writes.
//!
//! Other log events (`assistant_response`, `api_request_body`, hooks, …) are skipped.
//! Metric data points give no events: `claude_code.token.usage` and `claude_code.cost.usage`
//! are sums of the very requests the `api_request` records report one by one, so making
//! events of them would count each request twice; they are totalled per session instead
//! ([`OtlpDecoder::metric_total`]) so they can corroborate. Spans give no events either: a
//! `claude_code.llm_request` span repeats one `api_request` record's tokens, and the tool
//! spans repeat `tool_result`; their tokens are tallied per session ([`SessionTally::traces`]).
//!
//! ```
//! use agentobs_claude::otlp::{Encoding, OtlpDecoder, parse_logs};
//! use agentobs_schema::{Collect, EventKind};
//!
//! let body = br#"{"resourceLogs":[{"resource":{"attributes":[
//!   {"key":"service.name","value":{"stringValue":"claude-code"}}]},
//!   "scopeLogs":[{"logRecords":[{"timeUnixNano":"1795596502369000000","attributes":[
//!   {"key":"event.name","value":{"stringValue":"api_request"}},
//!   {"key":"session.id","value":{"stringValue":"s1"}},
//!   {"key":"model","value":{"stringValue":"claude-opus-4-8"}},
//!   {"key":"input_tokens","value":{"intValue":"80"}},
//!   {"key":"output_tokens","value":{"intValue":"25"}},
//!   {"key":"cache_read_tokens","value":{"intValue":"3000"}},
//!   {"key":"cache_creation_tokens","value":{"intValue":"150"}}]}]}]}]}"#;
//! let request = parse_logs(body, Encoding::Json).unwrap();
//! let mut decoder = OtlpDecoder::new();
//! let mut sink = Collect::default();
//! decoder.logs(&request, &mut sink);
//! let EventKind::TokenUsage(t) = &sink.events[0].kind else { panic!() };
//! assert_eq!((t.usage.input_tokens, t.usage.cached_input_tokens), (3230, 3000));
//! assert_eq!(sink.events[0].ctx.session_id.as_deref(), Some("s1"));
//! ```

mod logs;

/// What one signal said about a session: requests, tokens and the cost Claude Code itself
/// reported for them (`cost_usd`).
pub use agentobs_codex::otlp::harness::CostedTotals as SignalTally;
pub use agentobs_codex::otlp::harness::DEFAULT_MAX_SESSIONS;
pub use agentobs_codex::otlp::{
    DecodeSummary, Encoding, ExportLogsServiceRequest, ExportMetricsServiceRequest,
    ExportTraceServiceRequest, OtlpError, parse_logs, parse_metrics, parse_traces, proto,
};

use agentobs_codex::otlp::AttrLookup;
use agentobs_codex::otlp::harness::{Decoder, HarnessProfile, Tally};
use agentobs_schema::{EventKind, Harness, TokenUsage};

use proto::logs::v1::LogRecord;

/// The `service.name` Claude Code puts on its resource (`claude-code-desktop` for the
/// desktop app).
pub const SERVICE_NAME: &str = "claude-code";
/// The prefix of Claude Code's instrumentation scopes (`….events`, `….tracing`).
pub const SCOPE_PREFIX: &str = "com.anthropic.claude_code";
/// The prefix of Claude Code's event names (in a record's body) and metric names.
pub const NAME_PREFIX: &str = "claude_code.";

/// True when a resource's `service.name` or a scope's name says Claude Code sent it.
pub fn is_claude(service_name: Option<&str>, scope_name: &str) -> bool {
    service_name.is_some_and(|s| s.starts_with(SERVICE_NAME))
        || scope_name.starts_with(SCOPE_PREFIX)
}

/// What logs, spans and metrics each said about one session: [`SessionTally::logs`] from
/// the `api_request` log records (the source of the events), [`SessionTally::traces`] from
/// the `claude_code.llm_request` spans, and the `claude_code.*` counters
/// ([`OtlpDecoder::metric_total`]).
pub type SessionTally = Tally<SignalTally>;

/// Decodes Claude Code's OTLP requests into events.
///
/// Events of one `session.id` share an `Arc<SessionContext>` (harness
/// [`Harness::ClaudeCode`], session and thread id = `session.id`, provider `anthropic`,
/// `service.version` as the app version, the request's `model`), replaced only when
/// something in it changes. Defaults: content (prompts, tool input) withheld, at most
/// [`DEFAULT_MAX_SESSIONS`] sessions (the oldest forgotten first). Claude Code's counters
/// are deltas by default: [`OtlpDecoder::metric_total`] sums them (a cumulative series, the
/// last value).
pub type OtlpDecoder = Decoder<ClaudeCode>;

/// The [`HarnessProfile`] of Claude Code's OTLP: what the shared decoder needs to read it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClaudeCode;

impl HarnessProfile for ClaudeCode {
    type Signal = SignalTally;
    const HARNESS: Harness = Harness::ClaudeCode;
    const PROVIDER: &'static str = "anthropic";
    const SERVICE_VERSION_IS_APP: bool = true;
    const METRIC_PREFIX: &'static str = NAME_PREFIX;
    const TOKEN_SPAN: &'static str = "claude_code.llm_request";

    fn events(
        rec: &LogRecord,
        attrs: AttrLookup<'_>,
        show: bool,
        out: &mut Vec<EventKind>,
    ) -> Result<(), String> {
        out.extend(logs::event(rec, &attrs, show)?);
        Ok(())
    }

    /// A `claude_code.llm_request` span's tokens read as an `api_request` record's.
    fn span_tokens(attrs: AttrLookup<'_>) -> Result<Option<TokenUsage>, String> {
        logs::tokens(&attrs).map(Some)
    }

    /// `model`, but not `<synthetic>` (a message Claude Code made up, no model's).
    fn model<'a>(attrs: AttrLookup<'a>) -> Option<&'a str> {
        attrs.str("model").filter(|m| *m != "<synthetic>")
    }

    /// `cost_usd`, when it is a finite number that is not negative.
    fn reported_cost_usd(attrs: AttrLookup<'_>) -> Option<f64> {
        attrs.f64("cost_usd").filter(|c| c.is_finite() && *c >= 0.0)
    }
}

#[cfg(test)]
mod tests;
