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
//! | `gemini_cli.tool_call` | [`ToolResult`](agentobs_schema::ToolResult) |
//!
//! Tokens follow Codex semantics, as the chat-log reader's do: Gemini's input count already
//! includes cached tokens, so input = `input_token_count + tool_token_count`, cached =
//! `cached_content_token_count`, output = `output_token_count + thoughts_token_count`, with
//! the thoughts as reasoning. The model router's own call (`role` `utility_router`, a
//! flash-lite model) is a billed request like any other: it gives a token-usage event of its
//! model, though the chat log does not record it.
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

mod attrs;
mod logs;
mod tally;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;

pub use agentobs_codex::otlp::{
    DecodeSummary, Encoding, ExportLogsServiceRequest, ExportMetricsServiceRequest,
    ExportTraceServiceRequest, OtlpError, parse_logs, parse_metrics, parse_traces, proto,
};
use agentobs_schema::{Event, EventSink, Harness, SessionContext, Warning, WarningKind};
pub use tally::{SessionTally, SignalTally};

use attrs::Attrs;

/// The `service.name` Gemini CLI puts on its resource, and the name of its scopes.
pub const SERVICE_NAME: &str = "gemini-cli";
/// The prefix of Gemini CLI's own event and metric names.
pub const NAME_PREFIX: &str = "gemini_cli.";

/// Default bound on the sessions held ([`OtlpDecoder::with_max_sessions`]).
pub const DEFAULT_MAX_SESSIONS: usize = 4096;

/// True when a resource's `service.name` or a scope's name says Gemini CLI sent it.
pub fn is_gemini(service_name: Option<&str>, scope_name: &str) -> bool {
    service_name == Some(SERVICE_NAME) || scope_name == SERVICE_NAME
}

/// One session: its shared context and what each signal said about it.
#[derive(Debug)]
struct Session {
    ctx: Arc<SessionContext>,
    tally: SessionTally,
}

/// Decodes Gemini CLI's OTLP requests into events.
///
/// Events of one `session.id` share an `Arc<SessionContext>` (harness
/// [`Harness::GeminiCli`], session and thread id = `session.id` of the record or else of
/// the resource, provider `google`, the response's `model`; not `service.version`, which is
/// the Node.js version), replaced only when
/// something in it changes. Defaults: content (prompts, tool input) withheld, at most
/// [`DEFAULT_MAX_SESSIONS`] sessions (the oldest forgotten first).
#[derive(Debug)]
pub struct OtlpDecoder {
    include_content: bool,
    max_sessions: usize,
    sessions: HashMap<String, Session>,
    order: VecDeque<String>,
}

impl Default for OtlpDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl OtlpDecoder {
    /// A decoder with the defaults above.
    pub fn new() -> Self {
        OtlpDecoder {
            include_content: false,
            max_sessions: DEFAULT_MAX_SESSIONS,
            sessions: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Shows prompts and tool arguments in events (default: withheld, lengths only).
    #[must_use]
    pub fn with_content(mut self, include: bool) -> Self {
        self.include_content = include;
        self
    }

    /// Holds at most `max` sessions (at least 1).
    #[must_use]
    pub fn with_max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max.max(1);
        self
    }

    /// Sessions held now.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// What logs, metrics and traces each said about session `session_id` so far.
    pub fn tally(&self, session_id: &str) -> Option<SessionTally> {
        self.sessions.get(session_id).map(|s| s.tally.clone())
    }

    /// The total a `gemini_cli.*` counter reported for `session_id`, over the series
    /// whose `type` attribute is `kind` (any `type` when `None`): the last value of each
    /// cumulative series (the sum of the changes of a delta one).
    pub fn metric_total(&self, session_id: &str, name: &str, kind: Option<&str>) -> Option<f64> {
        self.sessions
            .get(session_id)?
            .tally
            .metric_total(name, kind)
    }

    /// Decodes the `gemini_cli.*` log records of `request`.
    pub fn logs(
        &mut self,
        request: &ExportLogsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "logs");
        logs::decode(self, request, &mut out);
        out.summary
    }

    /// Totals the `gemini_cli.*` counters of `request` per session; every data point is
    /// counted as skipped (no events: see the module documentation).
    pub fn metrics(
        &mut self,
        request: &ExportMetricsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "metrics");
        tally::metrics(self, request, &mut out);
        out.summary
    }

    /// Tallies the tokens of the `llm_call` spans of `request` per session;
    /// every span is counted as skipped (no events: see the module documentation).
    pub fn traces(
        &mut self,
        request: &ExportTraceServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "traces");
        tally::traces(self, request, &mut out);
        out.summary
    }

    /// The session of `id`, created when new.
    fn session(&mut self, id: &str) -> &mut Session {
        if !self.sessions.contains_key(id) {
            while self.sessions.len() >= self.max_sessions {
                match self.order.pop_front() {
                    Some(old) => {
                        self.sessions.remove(&old);
                    }
                    None => break,
                }
            }
            self.order.push_back(id.to_owned());
        }
        self.sessions.entry(id.to_owned()).or_insert_with(|| {
            let mut ctx = SessionContext::new(Harness::GeminiCli);
            ctx.model_provider = Some("google".into());
            ctx.session_id = (!id.is_empty()).then(|| id.to_owned());
            ctx.thread_id.clone_from(&ctx.session_id);
            Session {
                ctx: Arc::new(ctx),
                tally: SessionTally::default(),
            }
        })
    }
}

/// The sink of one call, and what was counted.
struct Out<'s> {
    sink: &'s mut dyn EventSink,
    summary: DecodeSummary,
    stopped: bool,
    signal: &'static str,
}

impl<'s> Out<'s> {
    fn new(sink: &'s mut dyn EventSink, signal: &'static str) -> Self {
        Out {
            sink,
            summary: DecodeSummary::default(),
            stopped: false,
            signal,
        }
    }

    fn record(&mut self) {
        self.summary.records = self.summary.records.saturating_add(1);
    }

    fn skip(&mut self) {
        self.summary.skipped = self.summary.skipped.saturating_add(1);
    }

    fn event(&mut self, event: Event) {
        if self.stopped {
            return;
        }
        self.summary.events = self.summary.events.saturating_add(1);
        if let ControlFlow::Break(()) = self.sink.event(&event) {
            self.stopped = true;
        }
    }

    /// A record that could not be decoded: one warning saying where and why.
    fn bad(&mut self, at: &Loc, why: impl fmt::Display) {
        self.summary.bad = self.summary.bad.saturating_add(1);
        self.sink.warning(&Warning {
            path: Arc::from(format!("otlp/{}", self.signal)),
            line: 0,
            kind: WarningKind::BadValue,
            message: format!("{at}: {why}"),
        });
    }
}

/// Where a record is in its request.
#[derive(Clone, Copy, Debug)]
struct Loc {
    resource: usize,
    scope: usize,
    record: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "resource {}, scope {}, record {}",
            self.resource, self.scope, self.record
        )
    }
}

/// The `session.id` of a resource (Gemini CLI puts it there as well as on each record).
fn resource_session(res: Option<&proto::resource::v1::Resource>) -> Option<&str> {
    Attrs(res.map_or(&[][..], |r| &r.attributes)).str("session.id")
}

#[cfg(test)]
mod tests;
