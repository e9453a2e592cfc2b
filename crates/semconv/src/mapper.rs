//! [`Mapper`]: the [`EventSink`] that runs a [`Dialect`] over an event stream.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use agentobs_schema::{Event, EventKind, EventSink, SourceEnd, Timestamp, TokenUsage};

use crate::content::ContentPolicy;
use crate::cost::{Cost, NoPrices, Pricer};
use crate::dialect::{Dialect, MapContext, MapStats, SessionState, Shared, TurnState};
use crate::ids;
use crate::metrics::Aggregator;
use crate::record::{SignalSink, SpanStatus};

/// Most sessions open at once before the least recently active is closed. Default 4096.
pub const DEFAULT_MAX_OPEN_SESSIONS: usize = 4096;

type Fast = std::hash::BuildHasherDefault<crate::metrics::FastHasher>;

/// Most turn-to-trace entries remembered for nesting sub-agents under their parents.
const MAX_KNOWN_TRACES: usize = 65_536;

/// Runs a [`Dialect`] over events and hands the records to a [`SignalSink`].
///
/// State is kept per open session (thread) only; a session closes when its source ends
/// ([`EventSink::end`]), when too many are open, or at [`finish`](Self::finish).
///
/// ```
/// use agentobs_semconv::{dialects::GenAi, Mapper, Signals};
/// let mut mapper = Mapper::new(GenAi::v1_41(), Signals::default());
/// // … feed events: `reader.feed(&mut mapper)` …
/// let (signals, stats) = mapper.finish();
/// assert!(signals.is_empty() && stats.events == 0);
/// ```
pub struct Mapper<D, S> {
    dialect: D,
    sink: S,
    shared: Shared,
    pricer: Box<dyn Pricer>,
    sessions: HashMap<String, SessionState, Fast>,
    known_traces: HashMap<String, crate::record::TraceId, Fast>,
    max_open_sessions: usize,
    stats: MapStats,
}

impl<D: Dialect, S: SignalSink> std::fmt::Debug for Mapper<D, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapper")
            .field("dialect", &self.dialect.name())
            .field("open_sessions", &self.sessions.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<D: Dialect, S: SignalSink> Mapper<D, S> {
    /// A mapper with the defaults: no content captured ([`ContentPolicy::default`]), no
    /// prices ([`NoPrices`]: requests are marked unpriced), at most
    /// [`DEFAULT_MAX_OPEN_SESSIONS`] open sessions.
    pub fn new(dialect: D, sink: S) -> Self {
        let shared = Shared {
            scope: Arc::new(dialect.scope()),
            content: ContentPolicy::default(),
            temporality: dialect.temporality(),
        };
        Mapper {
            dialect,
            sink,
            shared,
            pricer: Box::new(NoPrices),
            sessions: HashMap::default(),
            known_traces: HashMap::default(),
            max_open_sessions: DEFAULT_MAX_OPEN_SESSIONS,
            stats: MapStats::default(),
        }
    }

    /// Sets the content policy.
    pub fn with_content(mut self, content: ContentPolicy) -> Self {
        self.shared.content = content;
        self
    }

    /// Sets the pricer that puts cost on model requests.
    pub fn with_pricer(mut self, pricer: impl Pricer + 'static) -> Self {
        self.pricer = Box::new(pricer);
        self
    }

    /// Sets the most sessions open at once.
    pub fn with_max_open_sessions(mut self, n: usize) -> Self {
        self.max_open_sessions = n.max(1);
        self
    }

    /// The dialect.
    pub fn dialect(&self) -> &D {
        &self.dialect
    }

    /// The sink.
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// What was produced so far.
    pub fn stats(&self) -> MapStats {
        self.stats
    }

    /// Closes every open session (oldest first) and returns the sink and the counters.
    pub fn finish(mut self) -> (S, MapStats) {
        self.close_all();
        (self.sink, self.stats)
    }

    /// Closes every open session, oldest first.
    pub fn close_all(&mut self) {
        let mut keys: Vec<(Timestamp, String)> = self
            .sessions
            .iter()
            .map(|(k, s)| (s.first, k.clone()))
            .collect();
        keys.sort();
        for (_, k) in keys {
            self.close_session(&k);
        }
    }

    /// Maps one event.
    pub fn map(&mut self, event: &Event) {
        let content = self.shared.content;
        let event = content.apply(event);
        let event = event.as_ref();
        self.stats.events += 1;
        let key = thread_key(event);
        if !self.sessions.contains_key(key.as_ref()) {
            if self.sessions.len() >= self.max_open_sessions {
                self.evict_one();
            }
            let session = self.new_session(&key, event);
            self.sessions.insert(key.clone().into_owned(), session);
        }
        let Mapper {
            dialect,
            sink,
            shared,
            pricer,
            sessions,
            known_traces,
            stats,
            ..
        } = self;
        let Some(session) = sessions.get_mut(key.as_ref()) else {
            return;
        };
        if !Arc::ptr_eq(&session.ctx, &event.ctx) {
            session.ctx = event.ctx.clone();
            session.refresh_strings();
        }
        session.last = session.last.max(event.at);

        // Turn boundaries.
        let starts_turn = matches!(event.kind, EventKind::TurnStarted(_));
        if starts_turn || (session.turn.is_none() && in_turn(&event.kind)) {
            if session.turn.is_some() {
                close_turn(dialect, session, shared, sink, stats);
            }
            let mut turn = new_turn(session, event, known_traces);
            if !starts_turn && session.step_start <= event.at {
                // An implicit turn began with the session's previous step (a prompt, the end
                // of the previous turn), not with the first event that needs it.
                turn.start = session.step_start;
            }
            session.step_start = turn.start;
            session.turn = Some(turn);
            session.turns = session.turns.saturating_add(1);
            if starts_turn {
                session.started_turns = session.started_turns.saturating_add(1);
            }
            let mut cx = MapContext {
                session,
                shared,
                out: sink,
                stats,
                cost: None,
            };
            dialect.open_turn(&mut cx);
        }

        // State the dialect reads while mapping this event.
        let mut cost = None;
        match &event.kind {
            EventKind::SessionStarted(s) => session.started = Some(s.clone()),
            EventKind::TokenUsage(u) => {
                cost = pricer.price(&event.ctx, u);
                add_usage(session, &u.usage, cost.as_ref());
                if let Some(t) = &mut session.turn
                    && t.model.is_none()
                    && u.purpose.is_none()
                {
                    t.model.clone_from(&event.ctx.model);
                }
            }
            EventKind::ToolResult(r) => {
                if let Some(t) = &mut session.turn {
                    t.tool_calls = t.tool_calls.saturating_add(1);
                    if r.success == Some(false) {
                        t.failed_tool_calls = t.failed_tool_calls.saturating_add(1);
                    }
                }
            }
            EventKind::TurnCompleted(c) => {
                if let Some(t) = &mut session.turn {
                    t.completed = Some(c.clone());
                    if let Some(e) = &c.error {
                        t.error = Some(e.as_str().to_owned());
                    }
                }
            }
            EventKind::Error(e) => {
                if let Some(t) = &mut session.turn {
                    t.error = Some(
                        e.kind
                            .as_ref()
                            .map(|k| k.as_str().to_owned())
                            .unwrap_or_else(|| "_OTHER".to_owned()),
                    );
                }
            }
            EventKind::Compaction(_) => {
                session.compacted_since_request = true;
                if let Some(t) = &mut session.turn {
                    t.compacted = true;
                }
            }
            _ => {}
        }
        if let Some(t) = &mut session.turn {
            t.last = t.last.max(event.at);
        }

        let mut cx = MapContext {
            session,
            shared,
            out: sink,
            stats,
            cost,
        };
        dialect.map(event, &mut cx);

        // After mapping: where the next step starts.
        match &event.kind {
            EventKind::TokenUsage(_) => {
                session.compacted_since_request = false;
                session.step_start = event.at;
            }
            EventKind::ToolResult(_) | EventKind::UserPrompt(_) | EventKind::ApiRequest(_) => {
                session.step_start = event.at;
            }
            EventKind::TurnCompleted(_) => {
                close_turn(dialect, session, shared, sink, stats);
            }
            _ => {}
        }
    }

    fn new_session(&self, key: &str, event: &Event) -> SessionState {
        let ctx = &event.ctx;
        let root_session = ctx
            .session_id
            .clone()
            .or_else(|| ctx.parent_thread_id.clone())
            .unwrap_or_else(|| key.to_owned());
        SessionState {
            ctx: ctx.clone(),
            thread_key: key.to_owned(),
            root_session,
            started: None,
            first: event.at,
            last: event.at,
            usage: TokenUsage::default(),
            cost: Cost::default(),
            requests: 0,
            unpriced_requests: 0,
            turns: 0,
            started_turns: 0,
            compacted_since_request: false,
            resource: Arc::new(self.dialect.resource(ctx)),
            model: ctx.model.as_deref().map(Arc::from),
            conversation: ctx.thread_or_session_id().map(Arc::from),
            source: event
                .src
                .as_ref()
                .map(|s| s.path.clone())
                .unwrap_or_else(|| Arc::from("")),
            turn: None,
            step_start: event.at,
            seq: 0,
            open_spans: Vec::new(),
            pending: Vec::new(),
            metrics: Aggregator::default(),
        }
    }

    fn evict_one(&mut self) {
        let oldest = self
            .sessions
            .iter()
            .min_by(|a, b| (a.1.last, a.0).cmp(&(b.1.last, b.0)))
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            self.stats.evicted_sessions += 1;
            self.close_session(&k);
        }
    }

    fn close_session(&mut self, key: &str) {
        let Some(mut session) = self.sessions.remove(key) else {
            return;
        };
        let Mapper {
            dialect,
            sink,
            shared,
            stats,
            ..
        } = self;
        if session.turn.is_some() {
            close_turn(dialect, &mut session, shared, sink, stats);
        }
        let mut cx = MapContext {
            session: &mut session,
            shared,
            out: sink,
            stats,
            cost: None,
        };
        dialect.close_session(&mut cx);
        let end = session.last;
        for mut span in std::mem::take(&mut session.open_spans) {
            span.end = end.max(span.start);
            stats.spans += 1;
            sink.span(span);
        }
        stats.orphan_span_events += session.pending.len() as u64;
        for point in session
            .metrics
            .drain(&session.resource, &shared.scope, shared.temporality)
        {
            stats.metric_points += 1;
            sink.metric(point);
        }
        stats.sessions += 1;
    }
}

impl<D: Dialect, S: SignalSink> EventSink for Mapper<D, S> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.map(event);
        ControlFlow::Continue(())
    }

    /// Closes the sessions read from `end.source` (or, for sources that are not files, the
    /// session named by `end.context`).
    fn end(&mut self, end: &SourceEnd) {
        let mut keys: Vec<(Timestamp, String)> = self
            .sessions
            .iter()
            .filter(|(_, s)| *s.source == *end.source)
            .map(|(k, s)| (s.first, k.clone()))
            .collect();
        if keys.is_empty()
            && let Some(id) = end.context.as_ref().and_then(|c| c.thread_or_session_id())
            && let Some(s) = self.sessions.get(id)
        {
            keys.push((s.first, id.to_owned()));
        }
        keys.sort();
        for (_, k) in keys {
            self.close_session(&k);
        }
    }
}

/// The key a session is tracked by.
fn thread_key(event: &Event) -> std::borrow::Cow<'_, str> {
    if let Some(id) = event.ctx.thread_or_session_id() {
        return id.into();
    }
    match &event.src {
        Some(src) => format!("file:{}", src.path).into(),
        None => "anonymous".into(),
    }
}

/// Kinds that happen inside a turn: arriving outside one, they open the implicit turn. A
/// prompt does not: in older rollouts it comes before its turn starts.
fn in_turn(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::ApiRequest(_)
            | EventKind::ToolDecision(_)
            | EventKind::ToolResult(_)
            | EventKind::TokenUsage(_)
            | EventKind::TurnCompleted(_)
            | EventKind::Error(_)
            | EventKind::GuardianReview(_)
            | EventKind::Compaction(_)
    )
}

fn new_turn(
    session: &SessionState,
    event: &Event,
    known: &mut HashMap<String, crate::record::TraceId, Fast>,
) -> TurnState {
    let started = match &event.kind {
        EventKind::TurnStarted(s) => Some(s.clone()),
        _ => None,
    };
    let turn_id = started.as_ref().and_then(|s| s.turn_id.clone());
    let thread = session.thread_key.as_str();
    let root = session.root_session.as_str();
    let implicit = format!("implicit-{}", session.turns);
    let own = turn_id.as_deref().unwrap_or(&implicit);
    let span_id = ids::turn_span(thread, own);
    let parent_turn = started.as_ref().and_then(|s| s.parent_turn_id.as_deref());
    let (trace_id, parent_span_id) = match parent_turn {
        Some(p) => {
            let parent_thread = session.ctx.parent_thread_id.as_deref().unwrap_or(root);
            // The parent turn's trace when it was seen (a sub-agent of a sub-agent joins
            // the root's trace), else the one the parent turn derives for itself.
            let trace = known
                .get(p)
                .copied()
                .unwrap_or_else(|| ids::turn_trace(root, &format!("{parent_thread}/{p}")));
            (trace, Some(ids::turn_span(parent_thread, p)))
        }
        None => (ids::turn_trace(root, &format!("{thread}/{own}")), None),
    };
    if let Some(t) = &turn_id {
        if known.len() >= MAX_KNOWN_TRACES {
            known.clear();
        }
        known.insert(t.clone(), trace_id);
    }
    TurnState {
        turn_id,
        trace_id,
        span_id,
        parent_span_id,
        start: event.at,
        last: event.at,
        started,
        completed: None,
        usage: TokenUsage::default(),
        cost: Cost::default(),
        requests: 0,
        unpriced_requests: 0,
        tool_calls: 0,
        failed_tool_calls: 0,
        error: None,
        compacted: false,
        model: None,
    }
}

fn add_usage(session: &mut SessionState, usage: &TokenUsage, cost: Option<&Cost>) {
    session.usage += *usage;
    session.requests = session.requests.saturating_add(1);
    match cost {
        Some(c) => session.cost.add(c),
        None => session.unpriced_requests = session.unpriced_requests.saturating_add(1),
    }
    if let Some(t) = &mut session.turn {
        t.usage += *usage;
        t.requests = t.requests.saturating_add(1);
        match cost {
            Some(c) => t.cost.add(c),
            None => t.unpriced_requests = t.unpriced_requests.saturating_add(1),
        }
    }
}

fn close_turn<D: Dialect + ?Sized>(
    dialect: &D,
    session: &mut SessionState,
    shared: &Shared,
    sink: &mut dyn SignalSink,
    stats: &mut MapStats,
) {
    let Some(turn) = session.turn.take() else {
        return;
    };
    let mut cx = MapContext {
        session,
        shared,
        out: sink,
        stats,
        cost: None,
    };
    dialect.close_turn(&turn, &mut cx);
    // Spans the dialect left open in this turn's trace end with it.
    let end = turn.end();
    let (closing, open): (Vec<_>, Vec<_>) = std::mem::take(&mut session.open_spans)
        .into_iter()
        .partition(|s| s.trace_id == turn.trace_id);
    session.open_spans = open;
    for mut span in closing {
        span.end = end.max(span.start);
        if span.span_id == turn.span_id
            && span.status == SpanStatus::Unset
            && let Some(e) = &turn.error
        {
            span.status = SpanStatus::Error(e.clone());
        }
        stats.spans += 1;
        sink.span(span);
    }
}

impl SessionState {
    /// The shared strings, after the context changed.
    fn refresh_strings(&mut self) {
        if self.model.as_deref() != self.ctx.model.as_deref() {
            self.model = self.ctx.model.as_deref().map(Arc::from);
        }
        let conversation = self.ctx.thread_or_session_id();
        if self.conversation.as_deref() != conversation {
            self.conversation = conversation.map(Arc::from);
        }
    }
}
