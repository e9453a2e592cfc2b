//! The [`Engine`]: many rules over one event stream, with bounded state per session.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use agentobs_cost::{ModelPrice, PriceBook, ServiceTier};
use agentobs_schema::{Event, EventKind, EventSink, SessionContext, SourceEnd, Timestamp};

use crate::alert::Alert;
use crate::baseline::Baselines;
use crate::rule::{Context, DynRule, Rule, SessionFacts};

/// Default time without events (in event time) after which a session is ended: 6 hours.
pub const DEFAULT_IDLE_TIMEOUT_MS: i64 = 6 * 60 * 60 * 1000;

/// Default most sessions the engine keeps open at once.
pub const DEFAULT_MAX_SESSIONS: usize = 100_000;

/// Events between two sweeps for idle sessions.
const SWEEP_EVERY: u32 = 4096;

/// Builds an [`Engine`]. Defaults: no rules, the embedded price book, no baselines, an idle
/// timeout of [`DEFAULT_IDLE_TIMEOUT_MS`], at most [`DEFAULT_MAX_SESSIONS`] open sessions,
/// the standard service tier for requests that name none.
#[derive(Debug)]
pub struct EngineBuilder {
    rules: Vec<(Arc<str>, Box<dyn DynRule>)>,
    book: Option<PriceBook>,
    baselines: Baselines,
    idle_timeout_ms: i64,
    max_sessions: usize,
    default_tier: ServiceTier,
}

impl std::fmt::Debug for dyn DynRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl EngineBuilder {
    /// Adds a rule.
    pub fn rule<R: Rule>(mut self, rule: R) -> Self {
        self.rules
            .push((Arc::from(Rule::id(&rule)), Box::new(rule)));
        self
    }

    /// Adds every rule of a [`RuleSet`](crate::RuleSet) (the built-in rules with their
    /// thresholds).
    pub fn rules(mut self, set: crate::RuleSet) -> Self {
        set.add_to(&mut self);
        self
    }

    pub(crate) fn push_dyn(&mut self, rule: Box<dyn DynRule>) {
        self.rules.push((Arc::from(rule.id()), rule));
    }

    /// Prices requests with `book` (default: [`PriceBook::embedded`]).
    pub fn price_book(mut self, book: PriceBook) -> Self {
        self.book = Some(book);
        self
    }

    /// Baselines the rules compare with (default: none).
    pub fn baselines(mut self, baselines: Baselines) -> Self {
        self.baselines = baselines;
        self
    }

    /// Ends a session after this long without an event, in event time (default 6 h).
    pub fn idle_timeout_ms(mut self, ms: i64) -> Self {
        self.idle_timeout_ms = ms.max(1);
        self
    }

    /// Keeps at most this many sessions open; beyond it the least recently seen are ended
    /// (default 100 000).
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n.max(1);
        self
    }

    /// The service tier of requests that name none (default standard).
    pub fn default_tier(mut self, tier: ServiceTier) -> Self {
        self.default_tier = tier;
        self
    }

    /// The engine.
    pub fn build(self) -> Engine {
        Engine {
            rules: self.rules,
            book: self.book.unwrap_or_else(PriceBook::embedded),
            baselines: self.baselines,
            idle_timeout_ms: self.idle_timeout_ms,
            max_sessions: self.max_sessions,
            default_tier: self.default_tier,
            slots: Vec::new(),
            index: HashMap::new(),
            last: None,
            alerts: Vec::new(),
            newest: Timestamp::default(),
            since_sweep: 0,
            stats: EngineStats::default(),
        }
    }
}

/// Counters of an [`Engine`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineStats {
    /// Events seen.
    pub events: u64,
    /// Sessions opened.
    pub sessions: u64,
    /// Sessions ended because their source ended (or at [`Engine::finish`]).
    pub ended: u64,
    /// Sessions ended because they were idle.
    pub evicted_idle: u64,
    /// Sessions ended because too many were open.
    pub evicted_capacity: u64,
    /// Sessions open now.
    pub open: u64,
    /// Most sessions open at once.
    pub peak_open: u64,
    /// Alerts raised.
    pub alerts: u64,
}

struct Slot {
    facts: SessionFacts,
    states: Vec<Box<dyn std::any::Any + Send>>,
    source: Option<Arc<str>>,
    /// The price and tier of the session's model, resolved once per context (`None` until
    /// the first request; `Some(None)` for a model the book does not know).
    price: Option<(Option<ModelPrice>, ServiceTier)>,
}

/// Runs many [`Rule`]s over a stream of events; an [`EventSink`].
///
/// State is kept per open session (keyed by thread id, else session id, else source path).
/// A session ends when its source ends ([`EventSink::end`] with `complete`), when it has
/// been idle for the idle timeout in event time, when more than the session cap are open
/// (the least recently seen go first), or at [`finish`](Engine::finish); its rules then see
/// [`Rule::session_end`] and its state is dropped. Memory is bounded by the cap times a
/// session's state, whatever the length of the stream.
///
/// Alerts come out in the order they were raised, which is event order within a session
/// ([`take_alerts`](Engine::take_alerts)); [`finish`](Engine::finish) returns them in
/// report order (time, session, rule), the same for the same input.
pub struct Engine {
    rules: Vec<(Arc<str>, Box<dyn DynRule>)>,
    book: PriceBook,
    baselines: Baselines,
    idle_timeout_ms: i64,
    max_sessions: usize,
    default_tier: ServiceTier,
    /// Open sessions, densely; `index` maps a key to its place.
    slots: Vec<Slot>,
    index: HashMap<Arc<str>, usize>,
    /// The context of the last event and its session's place: most events follow one of
    /// the same session, so it is found without hashing. The `Arc` keeps the pointer alive,
    /// so comparing pointers is sound.
    last: Option<(Arc<SessionContext>, usize)>,
    alerts: Vec<Alert>,
    newest: Timestamp,
    since_sweep: u32,
    stats: EngineStats,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field(
                "rules",
                &self.rules.iter().map(|r| &*r.0).collect::<Vec<_>>(),
            )
            .field("open_sessions", &self.slots.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A builder; see [`EngineBuilder`] for the defaults.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            rules: Vec::new(),
            book: None,
            baselines: Baselines::none(),
            idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
            max_sessions: DEFAULT_MAX_SESSIONS,
            default_tier: ServiceTier::Standard,
        }
    }

    /// The ids of the rules, in the order they run.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| &*r.0)
    }

    /// The facts of the sessions open now (tokens, cost, tool calls, … so far), in no
    /// particular order.
    pub fn sessions(&self) -> impl Iterator<Item = &SessionFacts> {
        self.slots.iter().map(|s| &s.facts)
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        let mut s = self.stats;
        s.open = self.slots.len() as u64;
        s
    }

    /// The alerts raised since the last call, in the order they were raised.
    pub fn take_alerts(&mut self) -> Vec<Alert> {
        std::mem::take(&mut self.alerts)
    }

    /// Ends every open session (in a fixed order) and returns the alerts not yet taken, in
    /// report order.
    pub fn finish(&mut self) -> Vec<Alert> {
        let mut keys = self.by_age();
        keys.sort();
        for (_, key) in keys {
            self.end_session(&key);
            self.stats.ended += 1;
        }
        let mut alerts = self.take_alerts();
        alerts.sort_by(Alert::report_order);
        alerts
    }

    fn key_of(event: &Event) -> Arc<str> {
        match event.ctx.thread_or_session_id() {
            Some(id) => Arc::from(id),
            None => match &event.src {
                Some(src) => src.path.clone(),
                None => Arc::from("unknown"),
            },
        }
    }

    /// (last event time, key) of every open session.
    fn by_age(&self) -> Vec<(Timestamp, Arc<str>)> {
        self.slots
            .iter()
            .map(|s| (s.facts.last_at, s.facts.id.clone()))
            .collect()
    }

    /// The place of the event's session, opening it when new.
    fn slot_of(&mut self, event: &Event) -> usize {
        if let Some((ctx, i)) = &self.last
            && Arc::ptr_eq(ctx, &event.ctx)
        {
            return *i;
        }
        let key = Self::key_of(event);
        let i = match self.index.get(&*key) {
            Some(&i) => i,
            None => self.open(key, event),
        };
        self.last = Some((event.ctx.clone(), i));
        i
    }

    fn open(&mut self, key: Arc<str>, event: &Event) -> usize {
        if self.slots.len() >= self.max_sessions {
            self.evict_least_recent();
        }
        let states = self.rules.iter().map(|(_, r)| r.new_state()).collect();
        let facts = SessionFacts::new(key.clone(), event.ctx.clone(), event.at);
        self.slots.push(Slot {
            facts,
            states,
            source: event.src.as_ref().map(|s| s.path.clone()),
            price: None,
        });
        let i = self.slots.len() - 1;
        self.index.insert(key, i);
        self.stats.sessions += 1;
        self.stats.peak_open = self.stats.peak_open.max(self.slots.len() as u64);
        i
    }

    fn evict_least_recent(&mut self) {
        let n = (self.max_sessions / 16).max(1);
        let mut by_age = self.by_age();
        if by_age.len() > n {
            by_age.select_nth_unstable(n);
            by_age.truncate(n);
        }
        by_age.sort();
        for (_, key) in by_age {
            self.end_session(&key);
            self.stats.evicted_capacity += 1;
        }
    }

    fn sweep_idle(&mut self) {
        let cutoff = Timestamp::from_unix_millis(
            self.newest
                .unix_millis()
                .saturating_sub(self.idle_timeout_ms),
        );
        let mut idle: Vec<(Timestamp, Arc<str>)> = self
            .slots
            .iter()
            .filter(|s| s.facts.last_at < cutoff)
            .map(|s| (s.facts.last_at, s.facts.id.clone()))
            .collect();
        idle.sort();
        for (_, key) in idle {
            self.end_session(&key);
            self.stats.evicted_idle += 1;
        }
    }

    /// Ends one session: its rules see `session_end`, then its state is dropped.
    fn end_session(&mut self, key: &str) {
        let Some(i) = self.index.remove(key) else {
            return;
        };
        // Places shift: the last slot moves into `i`.
        self.last = None;
        let mut slot = self.slots.swap_remove(i);
        if let Some(moved) = self.slots.get(i) {
            self.index.insert(moved.facts.id.clone(), i);
        }
        let before = self.alerts.len();
        for ((id, rule), state) in self.rules.iter().zip(slot.states.iter_mut()) {
            let from = self.alerts.len();
            let mut cx = Context {
                rule: id,
                session: &slot.facts,
                baselines: &self.baselines,
                at: slot.facts.last_at,
                alerts: &mut self.alerts,
                raised_from: from,
            };
            rule.session_end(&mut **state, &mut cx);
        }
        self.stats.alerts += (self.alerts.len() - before) as u64;
    }

    fn update_facts(slot: &mut Slot, event: &Event, book: &PriceBook, default_tier: ServiceTier) {
        let facts = &mut slot.facts;
        facts.events += 1;
        if event.at > facts.last_at {
            facts.last_at = event.at;
        }
        if !Arc::ptr_eq(&facts.ctx, &event.ctx) {
            facts.ctx = event.ctx.clone();
            slot.price = None; // the model or tier may have changed
            if facts.repo.is_none() {
                facts.repo = facts.ctx.git.as_ref().and_then(|g| g.repo()).map(Arc::from);
            }
        }
        match &event.kind {
            EventKind::TokenUsage(u) => {
                facts.usage = facts.usage.saturating_add(&u.usage);
                facts.requests += 1;
                facts.turn_tokens = facts.turn_tokens.saturating_add(u.usage.total_tokens());
                if u.context_window.is_some() {
                    facts.context_window = u.context_window;
                }
                let (price, tier) = slot.price.get_or_insert_with(|| {
                    let ctx = &event.ctx;
                    let model = ctx.model.as_deref().unwrap_or(agentobs_cost::UNKNOWN_MODEL);
                    let tier = ctx
                        .service_tier
                        .as_deref()
                        .and_then(|t| t.parse::<ServiceTier>().ok())
                        .unwrap_or(default_tier);
                    (book.resolve(model).map(|r| r.price.clone()), tier)
                });
                let prompt = u.prompt_tokens.unwrap_or(u.usage.input_tokens);
                match price {
                    Some(p) => facts.cost_usd += p.cost(&u.usage, prompt, *tier).total_usd(),
                    None => facts.unpriced_requests += 1,
                }
            }
            EventKind::ToolResult(_) => facts.tool_calls += 1,
            EventKind::TurnStarted(t) => {
                facts.turns += 1;
                facts.turn_tokens = 0;
                if t.context_window.is_some() {
                    facts.context_window = t.context_window;
                }
            }
            EventKind::SessionStarted(s) if s.context_window.is_some() => {
                facts.context_window = s.context_window;
            }
            _ => {}
        }
    }
}

impl EventSink for Engine {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.stats.events += 1;
        if event.at > self.newest {
            self.newest = event.at;
        }
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY {
            self.since_sweep = 0;
            self.sweep_idle();
        }
        let i = self.slot_of(event);
        let Engine {
            rules,
            slots,
            book,
            baselines,
            alerts,
            default_tier,
            stats,
            ..
        } = self;
        let Some(slot) = slots.get_mut(i) else {
            return ControlFlow::Continue(());
        };
        Self::update_facts(slot, event, book, *default_tier);
        if slot.source.is_none() {
            slot.source = event.src.as_ref().map(|s| s.path.clone());
        }
        let before = alerts.len();
        for ((id, rule), state) in rules.iter().zip(slot.states.iter_mut()) {
            let from = alerts.len();
            let mut cx = Context {
                rule: id,
                session: &slot.facts,
                baselines,
                at: event.at,
                alerts,
                raised_from: from,
            };
            rule.event(&mut **state, event, &mut cx);
        }
        stats.alerts += (alerts.len() - before) as u64;
        ControlFlow::Continue(())
    }

    fn end(&mut self, end: &SourceEnd) {
        if !end.complete {
            return;
        }
        let key = match end
            .context
            .as_deref()
            .and_then(|c| c.thread_or_session_id())
        {
            Some(id) => Some(Arc::<str>::from(id)),
            None => self
                .slots
                .iter()
                .find(|s| s.source.as_deref() == Some(&*end.source))
                .map(|s| s.facts.id.clone()),
        };
        if let Some(key) = key
            && self.index.contains_key(&*key)
        {
            self.end_session(&key);
            self.stats.ended += 1;
        }
    }
}

/// An [`EventSink`] that feeds an [`Engine`] and passes every event on to `downstream`,
/// followed by the alerts it raised as [`EventKind::Alert`] events: how alerts reach the
/// exporters, in any dialect. Without an engine ([`Tap::optional`] with `None`) it only
/// forwards.
#[derive(Debug)]
pub struct Tap<S> {
    engine: Option<Engine>,
    downstream: S,
}

impl<S: EventSink> Tap<S> {
    /// Feeds `engine`, forwards to `downstream`.
    pub fn new(engine: Engine, downstream: S) -> Self {
        Self::optional(Some(engine), downstream)
    }

    /// Feeds `engine` when there is one; forwards to `downstream` either way.
    pub fn optional(engine: Option<Engine>, downstream: S) -> Self {
        Tap { engine, downstream }
    }

    /// The sink events are forwarded to.
    pub fn downstream(&self) -> &S {
        &self.downstream
    }

    /// Ends every open session, forwards their alerts, and returns the parts.
    pub fn finish(mut self) -> (Option<Engine>, S) {
        if let Some(engine) = self.engine.as_mut() {
            for alert in engine.finish() {
                let _ = self.downstream.event(&alert.to_event());
            }
        }
        (self.engine, self.downstream)
    }

    fn forward_alerts(&mut self) -> ControlFlow<()> {
        let mut flow = ControlFlow::Continue(());
        let Some(engine) = self.engine.as_mut() else {
            return flow;
        };
        for alert in engine.take_alerts() {
            if self.downstream.event(&alert.to_event()).is_break() {
                flow = ControlFlow::Break(());
            }
        }
        flow
    }
}

impl<S: EventSink> EventSink for Tap<S> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let flow = self.downstream.event(event);
        let Some(engine) = self.engine.as_mut() else {
            return flow;
        };
        let _ = engine.event(event);
        let alerts = self.forward_alerts();
        if flow.is_break() || alerts.is_break() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn warning(&mut self, warning: &agentobs_schema::Warning) {
        self.downstream.warning(warning);
    }

    fn end(&mut self, end: &SourceEnd) {
        if let Some(engine) = self.engine.as_mut() {
            engine.end(end);
        }
        let _ = self.forward_alerts();
        self.downstream.end(end);
    }
}
