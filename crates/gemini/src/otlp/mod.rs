//! Gemini CLI's own OTLP export — the `gemini_cli.*` log events, metrics and spans —
//! decoded into the same typed events the chat-log reader gives.
//!
//! Parse a request body with [`parse_logs`], [`parse_metrics`] or [`parse_traces`] (the
//! OTLP request parsing of `agentobs_codex::otlp`, re-exported), then feed it to an
//! [`OtlpDecoder`], which keeps the session context of each `session.id` across requests.
//!
//! What becomes an event, from the log records (scope `gemini-cli`, named by their
//! `event.name` attribute):
//!
//! | `event.name` | event |
//! |---|---|
//! | `gemini_cli.user_prompt` | [`UserPrompt`](agentobs_schema::UserPrompt) (text only with content shown) |
//! | `gemini_cli.api_response` | [`TokenUsageEvent`](agentobs_schema::TokenUsageEvent), the model on the context |
//! | `gemini_cli.api_error` | [`ErrorEvent`](agentobs_schema::ErrorEvent), one per failed attempt (retries included) |
//! | `gemini_cli.tool_call` | [`ToolDecision`](agentobs_schema::ToolDecision) when it has a `decision`, then [`ToolResult`](agentobs_schema::ToolResult) |
//!
//! A tool call's `decision` is how the call was let through or stopped (Gemini CLI's answer
//! to its confirmation prompt), read as:
//!
//! | `decision` | [`Decision`](agentobs_schema::Decision) | source |
//! |---|---|---|
//! | `accept` (allow once; a `--yolo` run gives it too) | `Approved` | none (the record does not say whether someone was asked) |
//! | `auto_accept` (allow always, for this tool or server) | `ApprovedForSession` | none |
//! | `modify` (edited in an editor, then run) | `Approved` | `User` |
//! | `reject` (cancelled) | `Denied` | `User`; the tool result's `blocked_by` is `user` too |
//! | anything else | `Other`, verbatim | none |
//!
//! The records carry no call id, so neither event has one. The chat log records no decision
//! (a tool call there has only its `status`), so the chat-log reader gives no tool decisions.
//!
//! Tokens follow Codex semantics, as the chat-log reader's do: Gemini's input count already
//! includes cached tokens, so input = `input_token_count + tool_token_count`, cached =
//! `cached_content_token_count`, output = `output_token_count + thoughts_token_count`, with
//! the thoughts as reasoning. The model router's own call (`role` `utility_router`, a
//! flash-lite model) is a billed request like any other: it gives a token-usage event of its
//! model, though the chat log does not record it. That event's
//! [`purpose`](agentobs_schema::TokenUsageEvent::purpose) is the record's `role` when it is not
//! `main`, so the router's call does not name the turn's model.
//!
//! Other log events are skipped: `gemini_cli.api_request` (its response carries the
//! tokens), `gen_ai.client.inference.operation.details` (the GenAI copy of the same
//! response), `gemini_cli.config`, `startup_stats`, `model_routing`, … . Metric data points
//! give no events: `gemini_cli.token.usage` and the `gen_ai.client.*` histograms total the
//! very responses `gemini_cli.api_response` reports one by one, so events of them would
//! count each request twice; the counters are kept per session instead
//! ([`OtlpDecoder::metric_total`]; cumulative, so the last value of each series). Spans give
//! no events either: an `llm_call` span repeats one response's input and output tokens, which
//! are tallied per session ([`SessionTally::traces`]).
//!
//! Gemini CLI 0.61.0 sends nothing at all over OTLP when a request fails for good (the
//! process exits before flushing): such a failure is known only from the chat log.
//!
//! ```
//! use agentobs_gemini::otlp::{Encoding, OtlpDecoder, parse_logs};
//! use agentobs_schema::{Collect, EventKind};
//!
//! let body = br#"{"resourceLogs":[{"resource":{"attributes":[
//!   {"key":"service.name","value":{"stringValue":"gemini-cli"}},
//!   {"key":"session.id","value":{"stringValue":"s1"}}]},
//!   "scopeLogs":[{"logRecords":[{"timeUnixNano":"1795596539381000000","attributes":[
//!   {"key":"event.name","value":{"stringValue":"gemini_cli.api_response"}},
//!   {"key":"model","value":{"stringValue":"gemini-3.8-flash"}},
//!   {"key":"input_token_count","value":{"intValue":"5200"}},
//!   {"key":"output_token_count","value":{"intValue":"40"}},
//!   {"key":"cached_content_token_count","value":{"intValue":"4096"}}]}]}]}]}"#;
//! let request = parse_logs(body, Encoding::Json).unwrap();
//! let mut decoder = OtlpDecoder::new();
//! let mut sink = Collect::default();
//! decoder.logs(&request, &mut sink);
//! let EventKind::TokenUsage(t) = &sink.events[0].kind else { panic!() };
//! assert_eq!((t.usage.input_tokens, t.usage.cached_input_tokens), (5200, 4096));
//! assert_eq!(sink.events[0].ctx.model.as_deref(), Some("gemini-3.8-flash"));
//! ```

mod logs;

pub use agentobs_codex::otlp::harness::DEFAULT_MAX_SESSIONS;
/// What one signal said about a session: its requests and their tokens.
pub use agentobs_codex::otlp::harness::Totals as SignalTally;
pub use agentobs_codex::otlp::{
    DecodeSummary, Encoding, ExportLogsServiceRequest, ExportMetricsServiceRequest,
    ExportTraceServiceRequest, OtlpError, parse_logs, parse_metrics, parse_traces, proto,
};

use agentobs_codex::otlp::AttrLookup;
use agentobs_codex::otlp::harness::{Decoder, HarnessProfile, Tally};
use agentobs_schema::{EventKind, Harness, TokenUsage};

use proto::logs::v1::LogRecord;

/// The `service.name` Gemini CLI puts on its resource, and the name of its scopes.
pub const SERVICE_NAME: &str = "gemini-cli";
/// The prefix of Gemini CLI's own event and metric names.
pub const NAME_PREFIX: &str = "gemini_cli.";

/// True when a resource's `service.name` or a scope's name says Gemini CLI sent it.
pub fn is_gemini(service_name: Option<&str>, scope_name: &str) -> bool {
    service_name == Some(SERVICE_NAME) || scope_name == SERVICE_NAME
}

/// What logs, spans and metrics each said about one session: [`SessionTally::logs`] from
/// the `gemini_cli.api_response` log records (the source of the events),
/// [`SessionTally::traces`] from the `llm_call` spans (input and output tokens only: the
/// spans carry no more), and the `gemini_cli.*` counters ([`OtlpDecoder::metric_total`]).
pub type SessionTally = Tally<SignalTally>;

/// Decodes Gemini CLI's OTLP requests into events.
///
/// Events of one `session.id` share an `Arc<SessionContext>` (harness
/// [`Harness::GeminiCli`], session and thread id = `session.id` of the record or else of
/// the resource, provider `google`, the response's `model`; not `service.version`, which is
/// the Node.js version), replaced only when something in it changes. Defaults: content
/// (prompts, tool arguments) withheld, at most [`DEFAULT_MAX_SESSIONS`] sessions (the
/// oldest forgotten first). Gemini CLI's counters are cumulative:
/// [`OtlpDecoder::metric_total`] keeps the last value of each series (of a delta one, the
/// sum of its changes).
pub type OtlpDecoder = Decoder<GeminiCli>;

/// The [`HarnessProfile`] of Gemini CLI's OTLP: what the shared decoder needs to read it.
#[derive(Clone, Copy, Debug, Default)]
pub struct GeminiCli;

impl HarnessProfile for GeminiCli {
    type Signal = SignalTally;
    const HARNESS: Harness = Harness::GeminiCli;
    const PROVIDER: &'static str = "google";
    const RESOURCE_SESSION: bool = true;
    const SPAN_SESSION_KEY: &'static str = "gen_ai.conversation.id";
    const METRIC_PREFIX: &'static str = NAME_PREFIX;
    const TOKEN_SPAN: &'static str = "llm_call";

    fn events(
        rec: &LogRecord,
        attrs: AttrLookup<'_>,
        show: bool,
        out: &mut Vec<EventKind>,
    ) -> Result<(), String> {
        logs::events(rec, &attrs, show, out)
    }

    /// An `llm_call` span's `gen_ai.usage.input_tokens` and `…output_tokens`; none when it
    /// has neither (a call that failed).
    fn span_tokens(attrs: AttrLookup<'_>) -> Result<Option<TokenUsage>, String> {
        let input = attrs.u64("gen_ai.usage.input_tokens")?;
        let output = attrs.u64("gen_ai.usage.output_tokens")?;
        Ok((input.is_some() || output.is_some()).then(|| TokenUsage {
            input_tokens: input.unwrap_or(0),
            output_tokens: output.unwrap_or(0),
            ..TokenUsage::default()
        }))
    }
}

#[cfg(test)]
mod tests;
