//! The emit API: a Rust harness reports what it does, and agentobs maps, prices and exports it.
//!
//! [`Telemetry`] owns a [`Pipeline`]: every event goes onto each sink's bounded queue and the
//! calling thread returns at once — a slow or dead collector never slows the harness; what
//! does not fit is dropped and counted. [`Telemetry::session`] gives a [`Session`] handle
//! with one method per event kind. Disabled telemetry ([`Telemetry::disabled`], or a
//! configuration with nowhere to export) is a `None` checked first: a call costs a branch.
//!
//! ```no_run
//! use std::time::Duration;
//! use agentobs::telemetry::{Telemetry, ToolCall};
//! use agentobs::schema::{Harness, SessionContext, TokenUsage};
//!
//! // OTEL_EXPORTER_OTLP_ENDPOINT and friends, mapped with the GenAI conventions.
//! let telemetry = Telemetry::from_env("genai")?;
//! let mut ctx = SessionContext::new(Harness::Other("my-agent".into()));
//! ctx.thread_id = Some("0199a213-81c0-7800-8aa1-bbab2a035a53".into());
//! ctx.model = Some("gpt-5".into());
//! let session = telemetry.session(ctx);
//! session.turn_started("turn-1");
//! session.token_usage(TokenUsage { input_tokens: 1200, output_tokens: 80, ..Default::default() });
//! session.tool_result(ToolCall { tool: "shell", call_id: "c1", duration: Duration::from_millis(40), success: true, ..Default::default() });
//! session.turn_completed("turn-1");
//! session.end();
//! let report = telemetry.shutdown(Duration::from_secs(5));
//! assert!(report.complete());
//! # Ok::<(), agentobs::telemetry::TelemetryError>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use agentobs_codex::otel::OtelConfig;
use agentobs_cost::{PriceBook, ServiceTier};
use agentobs_export::ExportError;
use agentobs_export::config::{ExportConfig, ExportConfigError};
use agentobs_export::layer::CodexEventLayer;
use agentobs_export::pipeline::{Pipeline, PipelineBuilder, PipelineStats, ShutdownReport, Sink};
use agentobs_export::sinks::{JsonlFile, OtlpSink};
use agentobs_schema::{
    ApiRequest, Decision, DecisionSource, ErrorEvent, ErrorKind, Event, EventKind, Redacted,
    SessionContext, SessionStarted, SourceEnd, Timestamp, TokenUsage, TokenUsageEvent,
    ToolDecision, ToolResult, TurnCompleted, TurnStarted, UserPrompt,
};

use crate::BookPricer;

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The `OTEL_*` variables or the builder's settings are wrong.
    #[error(transparent)]
    Config(#[from] ExportConfigError),
    /// Codex's `config.toml` could not be read or its `[otel]` section is wrong.
    #[error("{0}")]
    CodexConfig(String),
    /// An exporter could not be built (bad endpoint, unknown dialect, gRPC in this build).
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The JSONL file could not be opened.
    #[error("{path}: {source}")]
    Jsonl {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Events to sinks, behind bounded queues. Cheap to share: wrap it in an `Arc` or hand out
/// [`Session`]s, which hold the pipeline themselves.
#[derive(Debug)]
pub struct Telemetry {
    pipeline: Option<Arc<Pipeline>>,
    capture_content: bool,
}

/// Builds a [`Telemetry`]. Defaults: no sinks (so disabled), content withheld, the
/// pipeline's queue capacity and flush interval
/// ([`agentobs_export::pipeline::DEFAULT_QUEUE_CAPACITY`], one second).
#[derive(Debug)]
pub struct TelemetryBuilder {
    pipeline: PipelineBuilder,
    sinks: usize,
    capture_content: bool,
}

impl TelemetryBuilder {
    /// Exports OTLP where `config` says, mapped by the dialect named `dialect`, each request
    /// priced with the embedded price book. Adds nothing when `config` has no destination.
    pub fn otlp(mut self, config: &ExportConfig, dialect: &str) -> Result<Self, TelemetryError> {
        if let Some(sink) = OtlpSink::from_config(config, dialect)? {
            let pricer = BookPricer::new(PriceBook::embedded(), ServiceTier::Standard);
            self = self.sink(format!("otlp-{dialect}"), sink.with_pricer(pricer));
        }
        Ok(self)
    }

    /// Writes every event to a JSONL file (`agentobs.event/v1`), rotating at 64 MiB.
    pub fn jsonl(self, path: impl AsRef<Path>) -> Result<Self, TelemetryError> {
        let path = path.as_ref();
        let file = JsonlFile::create(path).map_err(|source| TelemetryError::Jsonl {
            path: path.to_owned(),
            source,
        })?;
        Ok(self.sink(format!("jsonl-{}", path.display()), file))
    }

    /// Any sink: a cost ledger, an anomaly engine, a test capture.
    pub fn sink(mut self, name: impl Into<String>, sink: impl Sink) -> Self {
        self.pipeline = self.pipeline.sink(name, sink);
        self.sinks += 1;
        self
    }

    /// Capacity of each sink's queue, in events.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.pipeline = self.pipeline.queue_capacity(capacity);
        self
    }

    /// Idle time after which sinks flush.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.pipeline = self.pipeline.flush_interval(interval);
        self
    }

    /// Keep prompt, argument and output text in the events (default: withheld at the
    /// source, only lengths kept, so no sink can leak them). Dialects still apply their own
    /// content policy on top.
    pub fn capture_content(mut self, on: bool) -> Self {
        self.capture_content = on;
        self
    }

    /// Starts the sinks' threads; with no sink, disabled telemetry.
    pub fn build(self) -> Telemetry {
        if self.sinks == 0 {
            return Telemetry::disabled();
        }
        Telemetry {
            pipeline: Some(Arc::new(self.pipeline.build())),
            capture_content: self.capture_content,
        }
    }
}

impl Telemetry {
    /// Telemetry that does nothing; every call returns at once.
    pub const fn disabled() -> Self {
        Telemetry {
            pipeline: None,
            capture_content: false,
        }
    }

    /// A builder with the documented defaults.
    pub fn builder() -> TelemetryBuilder {
        TelemetryBuilder {
            pipeline: Pipeline::builder(),
            sinks: 0,
            capture_content: false,
        }
    }

    /// OTLP where `config` says, mapped by `dialect`; disabled when `config` has nowhere to
    /// export (including `OTEL_SDK_DISABLED=true`).
    pub fn from_config(config: &ExportConfig, dialect: &str) -> Result<Self, TelemetryError> {
        Ok(Self::builder()
            .capture_content(config.log_user_prompt)
            .otlp(config, dialect)?
            .build())
    }

    /// [`from_config`](Self::from_config) with the standard `OTEL_*` variables.
    pub fn from_env(dialect: &str) -> Result<Self, TelemetryError> {
        let env = |k: &str| std::env::var(k).ok();
        let config = ExportConfig::builder().resolve(None, &env)?;
        Self::from_config(&config, dialect)
    }

    /// [`from_config`](Self::from_config) with the `[otel]` section of a Codex
    /// `config.toml` (the `OTEL_*` variables override it, as documented in
    /// `agentobs_export::config`).
    pub fn from_codex_config(path: &Path, dialect: &str) -> Result<Self, TelemetryError> {
        let env = |k: &str| std::env::var(k).ok();
        let text = std::fs::read_to_string(path)
            .map_err(|e| TelemetryError::CodexConfig(format!("{}: {e}", path.display())))?;
        let otel = OtelConfig::parse(&text, path, &env)
            .map_err(|e| TelemetryError::CodexConfig(e.to_string()))?;
        let config = ExportConfig::builder().resolve(otel.as_ref(), &env)?;
        Self::from_config(&config, dialect)
    }

    /// True when events go somewhere.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.pipeline.is_some()
    }

    /// A handle for one session (a Codex thread): every event it emits carries `ctx`.
    pub fn session(&self, ctx: SessionContext) -> Session {
        Session {
            inner: self.pipeline.as_ref().map(|p| SessionInner {
                pipeline: p.clone(),
                ctx: Arc::new(ctx),
                capture: self.capture_content,
            }),
        }
    }

    /// Emits a ready-made event.
    #[inline]
    pub fn emit(&self, event: Event) {
        if let Some(p) = &self.pipeline {
            p.emit(event);
        }
    }

    /// A `tracing` layer that turns Codex-style `codex.*` events (targets under
    /// `codex_otel`; see [`CodexEventLayer`]) into events of this telemetry, so a harness
    /// that logs the way Codex does plugs in without code changes. `None` when disabled
    /// (an `Option` of a layer is a layer that does nothing).
    pub fn tracing_layer(&self) -> Option<CodexEventLayer> {
        let p = self.pipeline.clone()?;
        Some(CodexEventLayer::for_pipeline(p).with_content(self.capture_content))
    }

    /// The pipeline's counters (empty when disabled).
    pub fn stats(&self) -> PipelineStats {
        self.pipeline
            .as_ref()
            .map(|p| p.stats())
            .unwrap_or_default()
    }

    /// Asks every sink to send what it buffers; true when all did within `timeout`.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.pipeline.as_ref().is_none_or(|p| p.flush(timeout))
    }

    /// Flushes and closes every sink within `deadline`. Sessions still open are closed
    /// (their spans exported). Call it on every exit path, failures included: a run that
    /// fails still delivers what it had. Events emitted afterwards are dropped and counted.
    pub fn shutdown(&self, deadline: Duration) -> ShutdownReport {
        match &self.pipeline {
            Some(p) => p.shutdown(deadline),
            None => ShutdownReport::default(),
        }
    }
}

#[derive(Debug, Clone)]
struct SessionInner {
    pipeline: Arc<Pipeline>,
    ctx: Arc<SessionContext>,
    capture: bool,
}

/// One session's emitter. Every method stamps the event with the current time and the
/// session's context; on disabled telemetry each is a single branch.
#[derive(Debug, Clone)]
pub struct Session {
    inner: Option<SessionInner>,
}

/// A finished tool call, for [`Session::tool_result`]. Borrowed, so building one costs
/// nothing when telemetry is disabled.
#[derive(Clone, Copy, Debug, Default)]
pub struct ToolCall<'a> {
    /// Tool name (`shell`, `apply_patch`, an MCP tool).
    pub tool: &'a str,
    /// The model's call id.
    pub call_id: &'a str,
    /// The turn it belongs to, when known.
    pub turn_id: Option<&'a str>,
    /// Arguments as sent by the model (withheld unless content capture is on).
    pub arguments: &'a str,
    /// Output as returned to the model (withheld unless content capture is on).
    pub output: &'a str,
    /// From the model's call to its result.
    pub duration: Duration,
    /// Whether the call did what it was asked.
    pub success: bool,
    /// Exit code of a command.
    pub exit_code: Option<i64>,
    /// MCP server, for MCP tools.
    pub mcp_server: Option<&'a str>,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Session {
    /// True when this session's events go somewhere.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The session's context (`None` when disabled).
    pub fn context(&self) -> Option<&SessionContext> {
        self.inner.as_ref().map(|i| &*i.ctx)
    }

    /// Emits `kind` now.
    #[inline]
    pub fn emit(&self, kind: EventKind) {
        if let Some(i) = &self.inner {
            i.send(Timestamp::now(), kind);
        }
    }

    /// Emits `kind` at `at` (replaying something that happened earlier).
    #[inline]
    pub fn emit_at(&self, at: Timestamp, kind: EventKind) {
        if let Some(i) = &self.inner {
            i.send(at, kind);
        }
    }

    /// The session started, with its settings.
    #[inline]
    pub fn started(&self, started: impl FnOnce() -> SessionStarted) {
        if let Some(i) = &self.inner {
            i.send(Timestamp::now(), EventKind::SessionStarted(started()));
        }
    }

    /// The user submitted `prompt` (text withheld unless content capture is on).
    #[inline]
    pub fn user_prompt(&self, turn_id: Option<&str>, prompt: &str) {
        if let Some(i) = &self.inner {
            let mut p = UserPrompt::default();
            p.turn_id = turn_id.map(str::to_owned);
            p.length = prompt.chars().count() as u64;
            p.text_inputs = 1;
            p.text = Redacted::from_text(prompt, i.capture);
            i.send(Timestamp::now(), EventKind::UserPrompt(p));
        }
    }

    /// A turn started.
    #[inline]
    pub fn turn_started(&self, turn_id: &str) {
        if let Some(i) = &self.inner {
            let mut t = TurnStarted::default();
            t.turn_id = Some(turn_id.to_owned());
            i.send(Timestamp::now(), EventKind::TurnStarted(t));
        }
    }

    /// A turn ended normally.
    #[inline]
    pub fn turn_completed(&self, turn_id: &str) {
        if let Some(i) = &self.inner {
            let mut t = TurnCompleted::default();
            t.turn_id = Some(turn_id.to_owned());
            i.send(Timestamp::now(), EventKind::TurnCompleted(t));
        }
    }

    /// One HTTP request to the model API (one attempt).
    #[inline]
    pub fn api_request(&self, attempt: u32, status: Option<u16>, duration: Duration) {
        if let Some(i) = &self.inner {
            let mut r = ApiRequest::default();
            r.attempt = attempt;
            r.status_code = status;
            r.duration_ms = Some(ms(duration));
            i.send(Timestamp::now(), EventKind::ApiRequest(r));
        }
    }

    /// Tokens used by one model request (priced by the OTLP sink).
    #[inline]
    pub fn token_usage(&self, usage: TokenUsage) {
        if let Some(i) = &self.inner {
            let mut u = TokenUsageEvent::default();
            u.usage = usage;
            i.send(Timestamp::now(), EventKind::TokenUsage(u));
        }
    }

    /// A tool call was approved or denied, and by whom.
    #[inline]
    pub fn tool_decision(
        &self,
        tool: &str,
        call_id: &str,
        decision: Decision,
        source: DecisionSource,
    ) {
        if let Some(i) = &self.inner {
            let mut d = ToolDecision::default();
            d.tool = tool.to_owned();
            d.call_id = Some(call_id.to_owned());
            d.decision = decision;
            d.source = Some(source);
            i.send(Timestamp::now(), EventKind::ToolDecision(d));
        }
    }

    /// A tool call finished.
    #[inline]
    pub fn tool_result(&self, call: ToolCall<'_>) {
        if let Some(i) = &self.inner {
            let mut r = ToolResult::new(call.tool);
            r.call_id = (!call.call_id.is_empty()).then(|| call.call_id.to_owned());
            r.turn_id = call.turn_id.map(str::to_owned);
            r.duration_ms = Some(ms(call.duration));
            r.success = Some(call.success);
            r.reported_success = Some(call.success);
            r.exit_code = call.exit_code;
            r.arguments = Redacted::from_text(call.arguments, i.capture);
            r.output = Redacted::from_text(call.output, i.capture);
            r.mcp_server = call.mcp_server.map(str::to_owned);
            i.send(Timestamp::now(), EventKind::ToolResult(r));
        }
    }

    /// An error the harness reports.
    #[inline]
    pub fn error(&self, kind: Option<ErrorKind>, message: &str) {
        if let Some(i) = &self.inner {
            let mut e = ErrorEvent::default();
            e.kind = kind;
            e.message = message.to_owned();
            i.send(Timestamp::now(), EventKind::Error(e));
        }
    }

    /// The session is over: sinks close it (its spans are exported at the next flush).
    pub fn end(self) {
        if let Some(i) = &self.inner {
            let label = i
                .ctx
                .thread_id
                .as_deref()
                .or(i.ctx.session_id.as_deref())
                .unwrap_or("session");
            let mut end = SourceEnd::new(format!("emit:{label}"));
            end.context = Some(i.ctx.clone());
            i.pipeline.end_source(&end);
        }
    }
}

impl SessionInner {
    #[inline]
    fn send(&self, at: Timestamp, kind: EventKind) {
        self.pipeline.emit(Event::new(at, self.ctx.clone(), kind));
    }
}
