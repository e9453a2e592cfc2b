//! A test telemetry whose sinks keep, in memory, the events and a dialect's mapped signals.

use std::time::Duration;

use agentobs::BookPricer;
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::export::pipeline::{MemorySink, ShutdownReport, Sink};
use agentobs::export::sinks::{SharedSignals, SignalsSink};
use agentobs::schema::{Event, EventKind, SessionContext, Warning};
use agentobs::semconv::{ContentPolicy, Cost, LogRecord, MetricPoint, Pricer, Signals, SpanRecord};
use agentobs::telemetry::{Session, Telemetry, TelemetryBuilder};

use crate::expect::{Query, approx_eq};
use crate::snapshot;

/// Why a [`TestTelemetry`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KitError {
    /// No dialect has that name (see `agentobs::semconv::dialects::by_name`).
    #[error("unknown dialect {0:?} (known: codex, genai, genai-latest, openinference)")]
    UnknownDialect(String),
}

/// Builds a [`TestTelemetry`]. Defaults: the `genai` dialect (OpenTelemetry GenAI v1.41),
/// requests priced with the embedded price book at the standard tier, content withheld (as
/// in production), no extra sinks.
#[derive(Debug)]
pub struct TestTelemetryBuilder {
    dialect: String,
    tier: ServiceTier,
    capture_content: bool,
    extra: TelemetryBuilder,
}

impl TestTelemetryBuilder {
    /// Map events with the dialect named `name` (`codex`, `genai`, `genai-latest`,
    /// `openinference`).
    pub fn dialect(mut self, name: impl Into<String>) -> Self {
        self.dialect = name.into();
        self
    }

    /// Price requests of sessions that name no tier at `tier`.
    pub fn service_tier(mut self, tier: ServiceTier) -> Self {
        self.tier = tier;
        self
    }

    /// Keep prompt, argument and output text in the events and the signals (default off).
    pub fn capture_content(mut self, on: bool) -> Self {
        self.capture_content = on;
        self
    }

    /// Adds a sink of your own (an exporter under test, an anomaly tap) beside the kit's.
    pub fn sink(mut self, name: impl Into<String>, sink: impl Sink) -> Self {
        self.extra = self.extra.sink(name, sink);
        self
    }

    /// Starts the telemetry.
    pub fn build(self) -> Result<TestTelemetry, KitError> {
        let dialect = agentobs::semconv::dialects::by_name(&self.dialect, None)
            .ok_or_else(|| KitError::UnknownDialect(self.dialect.clone()))?;
        let events = MemorySink::new();
        let signals = SharedSignals::new();
        let content = if self.capture_content {
            let mut all = ContentPolicy::default();
            all.prompts = true;
            all.tool_arguments = true;
            all.tool_output = true;
            all.assistant_text = true;
            all
        } else {
            ContentPolicy::default()
        };
        let mapped = SignalsSink::new(dialect, signals.clone())
            .with_content(content)
            .with_pricer(BookPricer::new(PriceBook::embedded(), self.tier));
        let telemetry = self
            .extra
            .capture_content(self.capture_content)
            .sink("agentobs-testing-events", events.clone())
            .sink(format!("agentobs-testing-{}", self.dialect), mapped)
            .build();
        Ok(TestTelemetry {
            telemetry,
            events,
            signals,
            tier: self.tier,
        })
    }
}

/// A [`Telemetry`] for tests: hand [`telemetry`](Self::telemetry) to the code under test,
/// then [`finish`](Self::finish) and assert on the [`Captured`] events and signals.
///
/// ```
/// use std::time::Duration;
/// use agentobs::telemetry::ToolCall;
/// use agentobs_testing::{TestTelemetry, ctx};
///
/// let kit = TestTelemetry::genai();
/// let session = kit.session(ctx("my-agent", "gpt-5"));
/// session.tool_result(ToolCall { tool: "shell", call_id: "c1", success: true,
///                                duration: Duration::from_millis(40), ..Default::default() });
/// session.end();
/// let got = kit.finish();
/// got.spans().named("execute_tool shell").with("gen_ai.tool.name", "shell").assert_one();
/// ```
#[derive(Debug)]
pub struct TestTelemetry {
    telemetry: Telemetry,
    events: MemorySink,
    signals: SharedSignals,
    tier: ServiceTier,
}

/// How long [`TestTelemetry::finish`] waits for the sinks.
pub const FINISH_DEADLINE: Duration = Duration::from_secs(10);

impl TestTelemetry {
    /// A builder with the documented defaults.
    pub fn builder() -> TestTelemetryBuilder {
        TestTelemetryBuilder {
            dialect: "genai".into(),
            tier: ServiceTier::Standard,
            capture_content: false,
            extra: Telemetry::builder(),
        }
    }

    /// The defaults: GenAI v1.41 signals, embedded prices, content withheld.
    pub fn genai() -> Self {
        Self::builder()
            .build()
            .expect("the genai dialect always exists")
    }

    /// The defaults with the dialect named `name`.
    pub fn with_dialect(name: &str) -> Result<Self, KitError> {
        Self::builder().dialect(name).build()
    }

    /// The telemetry to give the code under test.
    pub fn telemetry(&self) -> &Telemetry {
        &self.telemetry
    }

    /// Shorthand for `telemetry().session(ctx)`.
    pub fn session(&self, ctx: SessionContext) -> Session {
        self.telemetry.session(ctx)
    }

    /// The events captured so far (the pipeline may still hold some: prefer
    /// [`finish`](Self::finish)).
    pub fn events_so_far(&self) -> Vec<Event> {
        self.events.events()
    }

    /// Shuts the telemetry down (every open session is closed, its spans mapped) and returns
    /// what was captured.
    pub fn finish(self) -> Captured {
        let report = self.telemetry.shutdown(FINISH_DEADLINE);
        let collected = self.events.take();
        Captured {
            events: collected.events,
            warnings: collected.warnings,
            signals: self.signals.take(),
            report,
            pricer: BookPricer::new(PriceBook::embedded(), self.tier),
        }
    }
}

/// What a [`TestTelemetry`] captured: the events as emitted and the signals its dialect
/// mapped them to.
#[derive(Debug)]
#[non_exhaustive]
pub struct Captured {
    /// The events, in emission order.
    pub events: Vec<Event>,
    /// Warnings the pipeline reported.
    pub warnings: Vec<Warning>,
    /// Spans, log records and metric points of the dialect.
    pub signals: Signals,
    /// The pipeline's shutdown report (drops, sinks that timed out).
    pub report: ShutdownReport,
    pricer: BookPricer,
}

impl Captured {
    /// Captured events from an event list (a rollout read back, a builder's events), priced
    /// with the embedded book; no signals.
    pub fn from_events(events: Vec<Event>) -> Self {
        Captured {
            events,
            warnings: Vec::new(),
            signals: Signals::default(),
            report: ShutdownReport::default(),
            pricer: BookPricer::new(PriceBook::embedded(), ServiceTier::Standard),
        }
    }

    /// A query over the events (name: the event `type`; fields: its JSON form flattened with
    /// dots, such as `tool`, `usage.input_tokens`, `ctx.model`).
    pub fn events(&self) -> Query<'_, Event> {
        Query::new(&self.events)
    }

    /// A query over the spans (fields: their attributes).
    pub fn spans(&self) -> Query<'_, SpanRecord> {
        Query::new(&self.signals.spans)
    }

    /// A query over the log records (name: the event name; fields: attributes and `body`).
    pub fn logs(&self) -> Query<'_, LogRecord> {
        Query::new(&self.signals.logs)
    }

    /// A query over the metric points (fields: attributes and `value`, or `count`/`sum`).
    pub fn metrics(&self) -> Query<'_, MetricPoint> {
        Query::new(&self.signals.metrics)
    }

    /// Each model request (`token_usage` event) with its cost; `None` for a model the price
    /// book does not know.
    pub fn request_costs(&self) -> Vec<(&Event, Option<Cost>)> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TokenUsage(u) => Some((e, self.pricer.price(&e.ctx, u))),
                _ => None,
            })
            .collect()
    }

    /// The cost of every priced request, in USD, priced as `agentobs report` does.
    pub fn cost_usd(&self) -> f64 {
        self.request_costs()
            .iter()
            .filter_map(|(_, c)| c.map(|c| c.total_usd()))
            .sum()
    }

    /// Asserts the run cost `expected` USD (within a relative 1e-9) and that every request
    /// was priced.
    ///
    /// # Panics
    /// Otherwise, listing each request's model, tokens and cost.
    #[track_caller]
    pub fn assert_cost_usd(&self, expected: f64) {
        let costs = self.request_costs();
        let total = self.cost_usd();
        let unpriced = costs.iter().filter(|(_, c)| c.is_none()).count();
        if approx_eq(total, expected) && unpriced == 0 {
            return;
        }
        let mut msg = format!(
            "expected a cost of {expected} USD; captured {total} USD over {} requests ({unpriced} unpriced):",
            costs.len()
        );
        for (e, c) in &costs {
            let EventKind::TokenUsage(u) = &e.kind else {
                continue;
            };
            let model = e.ctx.model.as_deref().unwrap_or("(no model)");
            let cost = c.map_or("unpriced".to_owned(), |c| format!("{} USD", c.total_usd()));
            msg.push_str(&format!(
                "\n  - {model}: input {} (cached {}), output {} (reasoning {}): {cost}",
                u.usage.input_tokens,
                u.usage.cached_input_tokens,
                u.usage.output_tokens,
                u.usage.reasoning_output_tokens
            ));
        }
        panic!("{msg}");
    }

    /// The events and signals as text with ids, timestamps and durations redacted (see
    /// [`snapshot`](crate::snapshot)), for [`snapshot::assert_snapshot`].
    pub fn snapshot(&self) -> String {
        let mut s = snapshot::events(&self.events);
        s.push_str(&snapshot::signals(&self.signals));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SessionBuilder, ctx};
    use agentobs::schema::TokenUsage;
    use agentobs::telemetry::ToolCall;

    fn run(t: &Telemetry) {
        let s = t.session(ctx("my-agent", "gpt-5"));
        s.turn_started("t1");
        s.token_usage(TokenUsage {
            input_tokens: 1000,
            output_tokens: 100,
            ..TokenUsage::default()
        });
        s.tool_result(ToolCall {
            tool: "shell",
            call_id: "c1",
            turn_id: Some("t1"),
            success: true,
            duration: Duration::from_millis(40),
            ..ToolCall::default()
        });
        s.turn_completed("t1");
        s.end();
    }

    #[test]
    fn events_signals_and_cost_are_captured() {
        let kit = TestTelemetry::genai();
        run(kit.telemetry());
        let got = kit.finish();
        assert!(got.report.complete());
        got.events()
            .named("tool_result")
            .with("tool", "shell")
            .with("ctx.model", "gpt-5")
            .assert_one();
        let span = got
            .spans()
            .named("execute_tool shell")
            .with("gen_ai.tool.name", "shell")
            .assert_one();
        let agent = got.spans().named("invoke_agent my-agent").assert_one();
        assert_eq!(span.parent_span_id, Some(agent.span_id));
        got.spans()
            .named("chat gpt-5")
            .with_approx("agentobs.cost.usd", 0.00225)
            .assert_one();
        got.assert_cost_usd(0.00225);
        let wrong = std::panic::catch_unwind(|| got.assert_cost_usd(0.01)).unwrap_err();
        let msg = wrong.downcast_ref::<String>().unwrap();
        assert!(
            msg.contains("captured 0.00225") && msg.contains("gpt-5: input 1000"),
            "{msg}"
        );
    }

    #[test]
    fn every_dialect_can_be_captured_and_unknown_ones_are_an_error() {
        for d in ["codex", "genai", "genai-latest", "openinference"] {
            let kit = TestTelemetry::with_dialect(d).unwrap();
            run(kit.telemetry());
            let got = kit.finish();
            assert_eq!(got.events.len(), 4, "{d}");
            assert!(
                !got.signals.spans.is_empty() || !got.signals.logs.is_empty(),
                "{d}"
            );
        }
        assert!(matches!(
            TestTelemetry::with_dialect("nope"),
            Err(KitError::UnknownDialect(_))
        ));
    }

    #[test]
    fn snapshots_of_live_runs_are_stable() {
        // Live times and real durations, redacted: the same text every run.
        let snap = |_: ()| {
            let kit = TestTelemetry::genai();
            run(kit.telemetry());
            kit.finish().snapshot()
        };
        let first = snap(());
        assert_eq!(first, snap(()));
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/snapshots/genai_run.txt");
        snapshot::assert_snapshot(path, &first);
    }

    #[test]
    fn a_built_session_is_captured_like_an_emitted_one() {
        let mut b = SessionBuilder::new().model("gpt-5");
        b.turn("hi");
        b.request(TokenUsage {
            input_tokens: 1000,
            output_tokens: 100,
            ..TokenUsage::default()
        });
        b.end_turn();
        let kit = TestTelemetry::genai();
        b.emit(kit.telemetry());
        let got = kit.finish();
        assert_eq!(got.events, b.events());
        got.assert_cost_usd(0.00225);
        assert_eq!(Captured::from_events(b.events()).cost_usd(), got.cost_usd());
    }
}
