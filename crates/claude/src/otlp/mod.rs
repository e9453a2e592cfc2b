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
//! [`SessionTally`] (prices come from the price book downstream).
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

/// The `service.name` Claude Code puts on its resource (`claude-code-desktop` for the
/// desktop app).
pub const SERVICE_NAME: &str = "claude-code";
/// The prefix of Claude Code's instrumentation scopes (`….events`, `….tracing`).
pub const SCOPE_PREFIX: &str = "com.anthropic.claude_code";
/// The prefix of Claude Code's event names (in a record's body) and metric names.
pub const NAME_PREFIX: &str = "claude_code.";

/// Default bound on the sessions held ([`OtlpDecoder::with_max_sessions`]).
pub const DEFAULT_MAX_SESSIONS: usize = 4096;

/// True when a resource's `service.name` or a scope's name says Claude Code sent it.
pub fn is_claude(service_name: Option<&str>, scope_name: &str) -> bool {
    service_name.is_some_and(|s| s.starts_with(SERVICE_NAME))
        || scope_name.starts_with(SCOPE_PREFIX)
}

/// One session: its shared context and what each signal said about it.
#[derive(Debug)]
struct Session {
    ctx: Arc<SessionContext>,
    tally: SessionTally,
}

/// Decodes Claude Code's OTLP requests into events.
///
/// Events of one `session.id` share an `Arc<SessionContext>` (harness
/// [`Harness::ClaudeCode`], session and thread id = `session.id`, provider `anthropic`,
/// `service.version` as the app version, the request's `model`), replaced only when
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

    /// Shows prompts and tool input in events (default: withheld, lengths only).
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

    /// The total a `claude_code.*` counter reported for `session_id`, over the series
    /// whose `type` attribute is `kind` (any `type` when `None`): the sum of the deltas, or
    /// the last value of each cumulative series.
    pub fn metric_total(&self, session_id: &str, name: &str, kind: Option<&str>) -> Option<f64> {
        self.sessions
            .get(session_id)?
            .tally
            .metric_total(name, kind)
    }

    /// Decodes the `claude_code.*` log records of `request`.
    pub fn logs(
        &mut self,
        request: &ExportLogsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "logs");
        logs::decode(self, request, &mut out);
        out.summary
    }

    /// Totals the `claude_code.*` counters of `request` per session; every data point is
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

    /// Tallies the tokens of the `claude_code.llm_request` spans of `request` per session;
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

    /// The session of `id`, created when new, with the resource's version filled in.
    fn session(&mut self, id: &str, version: Option<&str>) -> &mut Session {
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
            let mut ctx = SessionContext::new(Harness::ClaudeCode);
            ctx.model_provider = Some("anthropic".into());
            ctx.session_id = (!id.is_empty()).then(|| id.to_owned());
            ctx.thread_id.clone_from(&ctx.session_id);
            ctx.app_version = version.map(str::to_owned);
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

/// The `service.name` and `service.version` of a resource.
fn resource_info(res: Option<&proto::resource::v1::Resource>) -> (Option<&str>, Option<&str>) {
    let a = Attrs(res.map_or(&[][..], |r| &r.attributes));
    (a.str("service.name"), a.str("service.version"))
}

#[cfg(test)]
mod tests;
