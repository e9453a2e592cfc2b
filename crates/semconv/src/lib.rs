//! Pluggable semantic mapping: agentobs events to spans, log records and metric points in a
//! chosen convention.
//!
//! A [`Dialect`] says how one event becomes records; the [`Mapper`] — an
//! [`EventSink`](agentobs_schema::EventSink) — runs it over a stream, keeping per-session
//! state (turns, deterministic ids, usage, cost, open spans) and handing finished records to a
//! [`SignalSink`]. Records are neutral ([`SpanRecord`], [`LogRecord`], [`MetricPoint`]): no
//! OpenTelemetry dependency here; `agentobs-export` turns them into OTLP.
//!
//! [`prometheus_names`] gives the names Prometheus turns these metrics and attributes into
//! under each OTLP translation strategy.
//!
//! Dialects shipped ([`dialects`]): `codex` (Codex CLI's own names), `genai` (OpenTelemetry
//! GenAI v1.41.0), `genai-latest` (the genai repository's main branch, unstable) and
//! `openinference` (Arize Phoenix). A new one is one `impl Dialect`.
//!
//! ```
//! use std::sync::Arc;
//! use agentobs_schema::*;
//! use agentobs_semconv::{dialects::GenAi, Mapper, Signals};
//!
//! let mut ctx = SessionContext::new(Harness::Codex);
//! ctx.thread_id = Some("thread-1".into());
//! ctx.model = Some("gpt-5".into());
//! let ctx = Arc::new(ctx);
//! let at = |ms: i64| Timestamp::from_unix_millis(1_795_594_870_000 + ms);
//! let mut started = TurnStarted::default();
//! started.turn_id = Some("turn-1".into());
//! let usage = TokenUsage { input_tokens: 4210, cached_input_tokens: 3968, output_tokens: 57,
//!                          ..TokenUsage::default() };
//!
//! let mut mapper = Mapper::new(GenAi::v1_41(), Signals::default());
//! for (t, kind) in [
//!     (0, EventKind::TurnStarted(started)),
//!     (900, EventKind::TokenUsage(TokenUsageEvent::new(usage))),
//!     (950, EventKind::TurnCompleted(TurnCompleted::default())),
//! ] {
//!     let _ = mapper.event(&Event::new(at(t), ctx.clone(), kind));
//! }
//! let (signals, _) = mapper.finish();
//! let chat = signals.spans_named("chat gpt-5").next().unwrap();
//! assert_eq!(chat.attributes.get_int("gen_ai.usage.input_tokens"), Some(4210));
//! let agent = signals.spans_named("invoke_agent codex").next().unwrap();
//! assert_eq!(chat.parent_span_id, Some(agent.span_id));
//! assert_eq!(chat.trace_id, agent.trace_id);
//! ```

#![warn(unreachable_pub, missing_debug_implementations)]

mod content;
mod cost;
mod dialect;
pub mod dialects;
pub mod ids;
pub mod keys;
mod mapper;
mod metrics;
pub mod prometheus_names;
mod record;

pub use content::ContentPolicy;
pub use cost::{Cost, NoPrices, Pricer};
pub use dialect::{
    Dialect, MapContext, MapStats, SessionState, TurnState, default_resource, map_alert,
};
pub use mapper::{DEFAULT_MAX_OPEN_SESSIONS, Mapper};
pub use record::{
    AttrList, AttrValue, HistogramValue, Instrument, InstrumentationScope, Key, KeyValue,
    LogRecord, MetricPoint, PointValue, Resource, Severity, SignalSink, Signals, SpanEvent, SpanId,
    SpanKind, SpanLink, SpanRecord, SpanStatus, Temporality, TraceId,
};
