//! The [`Dialect`] trait and the [`MapContext`] a dialect maps through.

use std::borrow::Cow;
use std::sync::Arc;

use agentobs_schema::{
    Event, SessionContext, SessionStarted, Timestamp, TokenUsage, TurnCompleted, TurnStarted,
};

use crate::content::ContentPolicy;
use crate::cost::Cost;
use crate::ids;
use crate::keys::agentobs as ao;
use crate::metrics::{Aggregator, MeasuredWith};
use crate::record::{
    AttrList, InstrumentationScope, Key, LogRecord, Resource, Severity, SignalSink, SpanEvent,
    SpanId, SpanKind, SpanRecord, SpanStatus, Temporality, TraceId,
};

/// A semantic convention: how events become spans, log records and metric points.
///
/// One method is required, [`map`](Self::map), called for every event in order. The
/// [`Mapper`](crate::Mapper) keeps the state a mapping needs (sessions, turns, ids, usage and
/// cost so far, open spans) and calls the provided hooks at turn and session boundaries, so a
/// dialect is a set of pure functions from what happened to what to record.
///
/// ```
/// use agentobs_schema::{Event, EventKind};
/// use agentobs_semconv::{AttrList, Dialect, MapContext, Severity};
///
/// /// One log record per tool call, named the way our dashboards want it.
/// struct ToolLog;
///
/// impl Dialect for ToolLog {
///     fn map(&self, event: &Event, cx: &mut MapContext<'_>) {
///         if let EventKind::ToolResult(r) = &event.kind {
///             let mut attrs = AttrList::new();
///             attrs.set("tool", r.tool.clone());
///             attrs.set_opt("exit_code", r.exit_code);
///             cx.log("acme.tool", event.at, Severity::Info, attrs);
///         }
///     }
/// }
/// ```
pub trait Dialect {
    /// Maps one event. Events arrive in source order; [`MapContext`] says which session and
    /// turn they belong to and collects what the dialect records.
    fn map(&self, event: &Event, cx: &mut MapContext<'_>);

    /// The dialect's name (`genai`, `codex`, …), for messages.
    fn name(&self) -> &str {
        "custom"
    }

    /// The instrumentation scope of every record. Default: `agentobs`, this crate's version.
    fn scope(&self) -> InstrumentationScope {
        InstrumentationScope {
            name: Cow::Borrowed("agentobs"),
            version: Some(Cow::Borrowed(env!("CARGO_PKG_VERSION"))),
            schema_url: None,
        }
    }

    /// The resource of a session's records, from the session's first event. Default:
    /// [`default_resource`].
    fn resource(&self, ctx: &SessionContext) -> Resource {
        default_resource(ctx)
    }

    /// Temporality of the metric points. Default: cumulative.
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }

    /// A turn began (a `TurnStarted` event, or the implicit turn of events that come outside
    /// any): [`MapContext::turn`] is the new turn. Called before `map` of that event.
    fn open_turn(&self, cx: &mut MapContext<'_>) {
        let _ = cx;
    }

    /// A turn ended (its `TurnCompleted`, the next turn's start, or the end of the session).
    /// Called after `map` of that event. Spans still open in the turn's trace are closed
    /// afterwards at the turn's end.
    fn close_turn(&self, turn: &TurnState, cx: &mut MapContext<'_>) {
        let _ = (turn, cx);
    }

    /// The session's source ended (or the mapper finished). Metric points are flushed after.
    fn close_session(&self, cx: &mut MapContext<'_>) {
        let _ = cx;
    }
}

/// Dialects behind a pointer forward every method to the dialect they point to.
macro_rules! forward_through_pointer {
    ($($ptr:ty),+) => {$(
        impl<D: Dialect + ?Sized> Dialect for $ptr {
            fn map(&self, event: &Event, cx: &mut MapContext<'_>) {
                (**self).map(event, cx)
            }
            fn name(&self) -> &str {
                (**self).name()
            }
            fn scope(&self) -> InstrumentationScope {
                (**self).scope()
            }
            fn resource(&self, ctx: &SessionContext) -> Resource {
                (**self).resource(ctx)
            }
            fn temporality(&self) -> Temporality {
                (**self).temporality()
            }
            fn open_turn(&self, cx: &mut MapContext<'_>) {
                (**self).open_turn(cx)
            }
            fn close_turn(&self, turn: &TurnState, cx: &mut MapContext<'_>) {
                (**self).close_turn(turn, cx)
            }
            fn close_session(&self, cx: &mut MapContext<'_>) {
                (**self).close_session(cx)
            }
        }
    )+};
}

forward_through_pointer!(&D, Box<D>);

/// The resource most dialects use: `service.name` (the originator, else the harness),
/// `service.instance.id` (the thread: each session is its own series of metric points),
/// `service.version` (the harness version), `agentobs.harness`, and
/// `deployment.environment.name` when the session names an environment.
pub fn default_resource(ctx: &SessionContext) -> Resource {
    let mut attributes = AttrList::with_capacity(4);
    let service = ctx
        .originator
        .clone()
        .unwrap_or_else(|| ctx.harness.as_str().to_owned());
    attributes.push(crate::keys::resource::SERVICE_NAME, service);
    if let Some(id) = ctx.thread_or_session_id() {
        attributes.push(crate::keys::resource::SERVICE_INSTANCE_ID, id.to_owned());
    }
    if let Some(v) = &ctx.app_version {
        attributes.push(crate::keys::resource::SERVICE_VERSION, v.clone());
    }
    attributes.push(ao::HARNESS, ctx.harness.as_str().to_owned());
    if let Some(env) = &ctx.environment {
        attributes.push(
            crate::keys::resource::DEPLOYMENT_ENVIRONMENT_NAME,
            env.clone(),
        );
    }
    Resource {
        attributes,
        schema_url: None,
    }
}

/// A turn as the mapper knows it: ids, times and what it used so far.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TurnState {
    /// The turn id; `None` for the implicit turn of events outside any turn.
    pub turn_id: Option<String>,
    /// The turn's trace.
    pub trace_id: TraceId,
    /// The turn's own span.
    pub span_id: SpanId,
    /// The span the turn nests under: the parent thread's turn for a sub-agent.
    pub parent_span_id: Option<SpanId>,
    /// When it started.
    pub start: Timestamp,
    /// Time of its latest event.
    pub last: Timestamp,
    /// Its `TurnStarted` event, when it had one.
    pub started: Option<TurnStarted>,
    /// Its `TurnCompleted` event, once seen.
    pub completed: Option<TurnCompleted>,
    /// Tokens billed in the turn so far.
    pub usage: TokenUsage,
    /// Cost of the priced requests so far.
    pub cost: Cost,
    /// Model requests with usage.
    pub requests: u32,
    /// Requests without a price.
    pub unpriced_requests: u32,
    /// Tool calls finished.
    pub tool_calls: u32,
    /// Tool calls that failed.
    pub failed_tool_calls: u32,
    /// The latest error in the turn (its kind, else its message).
    pub error: Option<String>,
    /// The history was compacted during the turn.
    pub compacted: bool,
    /// The model of the turn's first own request (one without a
    /// [`purpose`](agentobs_schema::TokenUsageEvent::purpose)): the model the turn's span
    /// names. `None` until such a request is seen.
    pub model: Option<String>,
}

impl TurnState {
    /// The end of the turn: its completion's time, else its latest event.
    pub fn end(&self) -> Timestamp {
        self.last.max(self.start)
    }
}

/// A session (one thread) as the mapper knows it.
#[derive(Debug)]
#[non_exhaustive]
pub struct SessionState {
    /// The latest context of the session.
    pub ctx: Arc<SessionContext>,
    /// The key the session is tracked by: thread id, else session id, else the source.
    pub thread_key: String,
    /// The root session id all its sub-agents share.
    pub root_session: String,
    /// Its `SessionStarted` event, when seen.
    pub started: Option<SessionStarted>,
    /// Time of its first event.
    pub first: Timestamp,
    /// Time of its latest event.
    pub last: Timestamp,
    /// Tokens billed so far.
    pub usage: TokenUsage,
    /// Cost of the priced requests so far.
    pub cost: Cost,
    /// Model requests with usage.
    pub requests: u32,
    /// Requests without a price.
    pub unpriced_requests: u32,
    /// Turns opened so far (implicit ones included).
    pub turns: u32,
    /// Turns opened by a `TurnStarted` event.
    pub started_turns: u32,
    /// A compaction happened since the last model request.
    pub compacted_since_request: bool,
    pub(crate) resource: Arc<Resource>,
    pub(crate) source: Arc<str>,
    pub(crate) model: Option<Arc<str>>,
    pub(crate) conversation: Option<Arc<str>>,
    pub(crate) turn: Option<TurnState>,
    pub(crate) step_start: Timestamp,
    pub(crate) seq: u32,
    pub(crate) open_spans: Vec<SpanRecord>,
    pub(crate) pending: Vec<(SpanId, SpanEvent)>,
    pub(crate) metrics: Aggregator,
}

impl SessionState {
    /// The session's source marks where turns start (a `TurnStarted` was seen), so a turn
    /// without a completion is evidence of one that did not finish. Claude Code and Gemini
    /// CLI mark none: their turns are all implicit.
    pub fn marks_turns(&self) -> bool {
        self.started_turns > 0
    }
}

/// Shared, per-mapper settings a [`MapContext`] reads.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) scope: Arc<InstrumentationScope>,
    pub(crate) content: ContentPolicy,
    pub(crate) temporality: Temporality,
}

/// Counters of what a mapping produced and dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapStats {
    /// Events mapped.
    pub events: u64,
    /// Sessions closed.
    pub sessions: u64,
    /// Spans produced.
    pub spans: u64,
    /// Log records produced.
    pub logs: u64,
    /// Metric points produced.
    pub metric_points: u64,
    /// Span events whose span never came (or beyond the per-session buffer), dropped.
    pub orphan_span_events: u64,
    /// Sessions closed early because too many were open at once.
    pub evicted_sessions: u64,
}

/// Most span events a session buffers for spans not yet produced.
pub(crate) const MAX_PENDING_SPAN_EVENTS: usize = 1024;

/// What a dialect maps through: the session and turn an event belongs to, the content policy,
/// the cost of the current request, and the methods that record spans, logs and metrics.
pub struct MapContext<'a> {
    pub(crate) session: &'a mut SessionState,
    pub(crate) shared: &'a Shared,
    pub(crate) out: &'a mut dyn SignalSink,
    pub(crate) stats: &'a mut MapStats,
    pub(crate) cost: Option<Cost>,
}

impl std::fmt::Debug for MapContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapContext")
            .field("session", &self.session.thread_key)
            .field("turn", &self.session.turn.as_ref().map(|t| &t.turn_id))
            .finish_non_exhaustive()
    }
}

impl MapContext<'_> {
    /// The session's latest context.
    pub fn ctx(&self) -> &SessionContext {
        &self.session.ctx
    }

    /// The session.
    pub fn session(&self) -> &SessionState {
        self.session
    }

    /// The session's current model, shared: put it on records without copying it.
    pub fn model(&self) -> Option<Arc<str>> {
        self.session.model.clone()
    }

    /// The conversation id (thread id, else session id), shared; never invented.
    pub fn conversation_id(&self) -> Option<Arc<str>> {
        self.session.conversation.clone()
    }

    /// The open turn, if any.
    pub fn turn(&self) -> Option<&TurnState> {
        self.session.turn.as_ref()
    }

    /// The content policy (already applied to the event; use [`ContentPolicy::text`] to get
    /// captured text cut to the limit).
    pub fn content(&self) -> &ContentPolicy {
        &self.shared.content
    }

    /// The cost of the current event's model request: `Some` only for a priced
    /// `TokenUsage` event.
    pub fn cost(&self) -> Option<Cost> {
        self.cost
    }

    /// Where the current step began: the end of the previous step of the session (turn start,
    /// prompt, model response, tool result). A model request read from a rollout has no start
    /// time of its own; its span starts here.
    pub fn step_start(&self) -> Timestamp {
        self.session.step_start
    }

    /// The trace of the open turn, else one for the session.
    pub fn trace_id(&self) -> TraceId {
        match &self.session.turn {
            Some(t) => t.trace_id,
            None => ids::trace_id(&["session", &self.session.root_session]),
        }
    }

    /// The span of the open turn.
    pub fn turn_span_id(&self) -> Option<SpanId> {
        self.session.turn.as_ref().map(|t| t.span_id)
    }

    /// The id of the span of tool call `call_id` in this session (or of the session's next
    /// call without an id).
    pub fn tool_span_id(&mut self, call_id: Option<&str>) -> SpanId {
        match call_id {
            Some(c) => ids::tool_span(&self.session.thread_key, c),
            None => self.next_span_id("tool"),
        }
    }

    /// A fresh span id for `what` in this session: deterministic in the order of events.
    pub fn next_span_id(&mut self, what: &str) -> SpanId {
        self.session.seq = self.session.seq.wrapping_add(1);
        let seq = self.session.seq.to_string();
        ids::span_id(&[what, &self.session.thread_key, &seq])
    }

    /// A span in the open turn's trace, child of the turn span, with no attributes yet.
    pub fn new_span(
        &self,
        span_id: SpanId,
        name: impl Into<Cow<'static, str>>,
        kind: SpanKind,
        start: Timestamp,
        end: Timestamp,
    ) -> SpanRecord {
        SpanRecord {
            resource: self.session.resource.clone(),
            scope: self.shared.scope.clone(),
            trace_id: self.trace_id(),
            span_id,
            parent_span_id: self.turn_span_id(),
            name: name.into(),
            kind,
            start: start.min(end),
            end,
            // Room for a chat span's attributes without growing.
            attributes: AttrList::with_capacity(24),
            events: Vec::new(),
            links: Vec::new(),
            status: SpanStatus::Unset,
        }
    }

    /// The open turn's own span (trace, id, parent and start from the turn), not yet
    /// recorded: pass it to [`open_span`](Self::open_span).
    pub fn new_turn_span(
        &self,
        name: impl Into<Cow<'static, str>>,
        kind: SpanKind,
    ) -> Option<SpanRecord> {
        let t = self.session.turn.as_ref()?;
        let mut span = self.new_span(t.span_id, name, kind, t.start, t.start);
        span.parent_span_id = t.parent_span_id;
        Some(span)
    }

    /// Records a finished span; span events buffered for its id are attached.
    pub fn emit_span(&mut self, mut span: SpanRecord) {
        self.attach_pending(&mut span);
        span.end = span.end.max(span.start);
        self.stats.spans += 1;
        self.out.span(span);
    }

    /// Keeps a span open until [`close_span`](Self::close_span) (or the end of its turn or
    /// session).
    pub fn open_span(&mut self, mut span: SpanRecord) {
        self.attach_pending(&mut span);
        self.session.open_spans.push(span);
    }

    /// An open span, to set attributes or status.
    pub fn open_span_mut(&mut self, id: SpanId) -> Option<&mut SpanRecord> {
        self.session
            .open_spans
            .iter_mut()
            .rev()
            .find(|s| s.span_id == id)
    }

    /// Closes an open span at `end` and records it. Returns false when no span with `id` is
    /// open.
    pub fn close_span(&mut self, id: SpanId, end: Timestamp) -> bool {
        let Some(i) = self
            .session
            .open_spans
            .iter()
            .rposition(|s| s.span_id == id)
        else {
            return false;
        };
        let mut span = self.session.open_spans.remove(i);
        span.end = end.max(span.start);
        self.emit_span(span);
        true
    }

    /// Adds an event to span `id`: now if it is open, else when it is recorded (an approval
    /// arrives before its tool call's span). Dropped, and counted, if the span never comes.
    pub fn span_event(&mut self, id: SpanId, event: SpanEvent) {
        if let Some(span) = self.open_span_mut(id) {
            span.events.push(event);
            return;
        }
        if self.session.pending.len() >= MAX_PENDING_SPAN_EVENTS {
            self.stats.orphan_span_events += 1;
            return;
        }
        self.session.pending.push((id, event));
    }

    fn attach_pending(&mut self, span: &mut SpanRecord) {
        if self.session.pending.is_empty() {
            return;
        }
        let id = span.span_id;
        let mut i = 0;
        while i < self.session.pending.len() {
            if self.session.pending.get(i).is_some_and(|(p, _)| *p == id) {
                let (_, ev) = self.session.pending.remove(i);
                span.events.push(ev);
            } else {
                i += 1;
            }
        }
        span.events.sort_by_key(|e| e.time);
    }

    /// Records a log record without trace context: for dialects that record no spans, whose
    /// logs would otherwise point at spans that never arrive.
    pub fn log_detached(
        &mut self,
        event_name: impl Into<Key>,
        time: Timestamp,
        severity: Severity,
        attributes: AttrList,
    ) {
        self.push_log(event_name.into(), time, severity, attributes, None, false);
    }

    /// Records a log record, in the open turn's trace and span when there is one.
    pub fn log(
        &mut self,
        event_name: impl Into<Key>,
        time: Timestamp,
        severity: Severity,
        attributes: AttrList,
    ) {
        self.push_log(event_name.into(), time, severity, attributes, None, true);
    }

    /// Records a log record with a body.
    pub fn log_with_body(
        &mut self,
        event_name: impl Into<Key>,
        time: Timestamp,
        severity: Severity,
        attributes: AttrList,
        body: Option<crate::AttrValue>,
    ) {
        self.push_log(event_name.into(), time, severity, attributes, body, true);
    }

    fn push_log(
        &mut self,
        event_name: Key,
        time: Timestamp,
        severity: Severity,
        attributes: AttrList,
        body: Option<crate::AttrValue>,
        linked: bool,
    ) {
        let (trace_id, span_id) = match (&self.session.turn, linked) {
            (Some(t), true) => (Some(t.trace_id), Some(t.span_id)),
            _ => (None, None),
        };
        self.stats.logs += 1;
        self.out.log(LogRecord {
            resource: self.session.resource.clone(),
            scope: self.shared.scope.clone(),
            time,
            event_name,
            severity,
            body,
            attributes,
            trace_id,
            span_id,
        });
    }

    /// Adds `value` to counter `name` (the series of `attributes`, copied only when new).
    pub fn counter(
        &mut self,
        name: impl Into<Key>,
        unit: impl Into<Key>,
        attributes: &AttrList,
        value: f64,
        time: Timestamp,
    ) {
        self.session.metrics.record(
            name.into(),
            unit.into(),
            MeasuredWith::Counter,
            attributes,
            value,
            time,
        );
    }

    /// Adds the current request's cost to the counter `agentobs.cost.usd` (unit `USD`) on the
    /// series of `attributes`: call it once per model request, with the attributes of the
    /// dialect's token metric. An unpriced request ([`cost`](Self::cost) is `None`) records
    /// nothing — never $0 — so the counter's sum is the cost of the priced requests, as on
    /// the spans. Returns whether it recorded.
    pub fn record_cost(&mut self, attributes: &AttrList, time: Timestamp) -> bool {
        let Some(c) = self.cost else {
            return false;
        };
        self.counter(
            ao::METRIC_COST_USD,
            ao::UNIT_USD,
            attributes,
            c.total_usd(),
            time,
        );
        true
    }

    /// Records `value` in histogram `name` with explicit bucket `bounds`.
    pub fn histogram(
        &mut self,
        name: impl Into<Key>,
        unit: impl Into<Key>,
        bounds: &'static [f64],
        attributes: &AttrList,
        value: f64,
        time: Timestamp,
    ) {
        self.session.metrics.record(
            name.into(),
            unit.into(),
            MeasuredWith::Histogram(bounds),
            attributes,
            value,
            time,
        );
    }
}

/// Maps an alert (an [`agentobs_schema::EventKind::Alert`] event) the same way in every
/// dialect: a log record `agentobs.alert` (severity warn or error, the message as body, rule,
/// severity, value, threshold and evidence as attributes) in the open turn's trace, and one
/// on the counter `agentobs.alerts` by rule and severity. Built-in dialects call it; a custom
/// dialect may too.
pub fn map_alert(event: &Event, alert: &agentobs_schema::AlertRaised, cx: &mut MapContext<'_>) {
    use agentobs_schema::AlertSeverity;
    let severity = match alert.severity {
        AlertSeverity::Info => Severity::Info,
        AlertSeverity::Warning => Severity::Warn,
        AlertSeverity::Critical => Severity::Error,
    };
    let mut series = AttrList::default();
    series.push(ao::ALERT_RULE, alert.rule.clone());
    series.push(ao::ALERT_SEVERITY, alert.severity.as_str());
    cx.counter(ao::METRIC_ALERTS, "{alert}", &series, 1.0, event.at);
    let mut a = series;
    if let Some(id) = cx.conversation_id() {
        a.push(crate::keys::genai_v1_41::CONVERSATION_ID, id);
    }
    a.push(ao::ALERT_VALUE, alert.value);
    a.push(ao::ALERT_THRESHOLD, alert.threshold);
    if !alert.evidence.is_empty() {
        a.push(ao::ALERT_EVIDENCE, alert.evidence.clone());
    }
    let body = Some(crate::AttrValue::from(alert.message.clone()));
    cx.log_with_body(ao::EVENT_ALERT, event.at, severity, a, body);
}
