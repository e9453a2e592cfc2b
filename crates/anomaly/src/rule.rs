//! The [`Rule`] trait: one detector, with state per session.

use std::any::Any;
use std::sync::Arc;

use agentobs_schema::{Event, SessionContext, Timestamp, TokenUsage};

use crate::alert::{Alert, Evidence, Severity};
use crate::baseline::{BaselineStats, Baselines};

/// A detector. The engine keeps one [`Rule::State`] per open session, shows the rule every
/// event of that session in order, and calls [`Rule::session_end`] when the session ends or
/// is evicted.
///
/// ```
/// use agentobs_anomaly::{Context, Rule, Severity};
/// use agentobs_schema::{Event, EventKind};
///
/// /// Fires when a session asks the user more than `max` times.
/// struct ChattyAgent {
///     max: u32,
/// }
///
/// impl Rule for ChattyAgent {
///     type State = u32;
///     fn id(&self) -> &str {
///         "chatty_agent"
///     }
///     fn event(&self, prompts: &mut u32, event: &Event, cx: &mut Context<'_>) {
///         if let EventKind::UserPrompt(_) = event.kind {
///             *prompts += 1;
///             if *prompts == self.max + 1 {
///                 let alert = cx.raise(Severity::Info, format!("{prompts} prompts"));
///                 alert.value = f64::from(*prompts);
///                 alert.threshold = f64::from(self.max);
///                 cx.cite(event);
///             }
///         }
///     }
/// }
/// ```
pub trait Rule: Send + Sync + 'static {
    /// What the rule keeps per session; `Default` is the state of a new session.
    type State: Default + Send + 'static;

    /// The rule's id, as alerts carry it (`tool_loop`).
    fn id(&self) -> &str;

    /// Sees one event of a session. [`Context::session`] already includes it.
    fn event(&self, state: &mut Self::State, event: &Event, cx: &mut Context<'_>);

    /// The session ended (its source ended, or it was idle or evicted). Default: nothing.
    fn session_end(&self, state: &mut Self::State, cx: &mut Context<'_>) {
        let _ = (state, cx);
    }
}

/// What the engine knows of a session, kept up to date before any rule sees an event.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SessionFacts {
    /// Thread id, else session id, else the source path.
    pub id: Arc<str>,
    /// The latest context of the session.
    pub ctx: Arc<SessionContext>,
    /// Normalised repository (`host/owner/repo`) of the session, when known.
    pub repo: Option<Arc<str>>,
    /// Time of the first event.
    pub first_at: Timestamp,
    /// Time of the latest event.
    pub last_at: Timestamp,
    /// Events seen.
    pub events: u64,
    /// Billed tokens so far (the sum of each request's usage).
    pub usage: TokenUsage,
    /// Cost so far, USD, of the priced requests.
    pub cost_usd: f64,
    /// Requests whose model the price book does not know (their cost is not in `cost_usd`).
    pub unpriced_requests: u64,
    /// Requests (usage events) seen.
    pub requests: u64,
    /// Tool results seen.
    pub tool_calls: u64,
    /// Turns started.
    pub turns: u64,
    /// Tokens billed in the current turn.
    pub turn_tokens: u64,
    /// The model's context window, when a source said.
    pub context_window: Option<u64>,
}

impl SessionFacts {
    pub(crate) fn new(id: Arc<str>, ctx: Arc<SessionContext>, at: Timestamp) -> Self {
        let repo = ctx.git.as_ref().and_then(|g| g.repo()).map(Arc::from);
        SessionFacts {
            id,
            ctx,
            repo,
            first_at: at,
            last_at: at,
            events: 0,
            usage: TokenUsage::default(),
            cost_usd: 0.0,
            unpriced_requests: 0,
            requests: 0,
            tool_calls: 0,
            turns: 0,
            turn_tokens: 0,
            context_window: None,
        }
    }

    /// Total billed tokens (input, cached included, plus output).
    pub fn tokens(&self) -> u64 {
        self.usage.total_tokens()
    }

    /// The model of the session, when known.
    pub fn model(&self) -> Option<&str> {
        self.ctx.model.as_deref()
    }

    /// The session id as alerts carry it: the thread id, else the session id.
    pub fn session_id(&self) -> Option<&str> {
        self.ctx.thread_or_session_id()
    }
}

/// What a rule sees besides the event: the session's facts, the baselines, and where to put
/// alerts.
#[derive(Debug)]
pub struct Context<'a> {
    pub(crate) rule: &'a Arc<str>,
    pub(crate) session: &'a SessionFacts,
    pub(crate) baselines: &'a Baselines,
    pub(crate) at: Timestamp,
    pub(crate) alerts: &'a mut Vec<Alert>,
    pub(crate) raised_from: usize,
}

impl<'a> Context<'a> {
    /// The session the event belongs to.
    pub fn session(&self) -> &SessionFacts {
        self.session
    }

    /// The most specific baseline with enough data for this session: its repository and
    /// model, then its model, then its repository, then all sessions. `None` when no
    /// baseline was given or none fits.
    pub fn baseline(&self) -> Option<&'a BaselineStats> {
        self.baselines
            .lookup(self.session.repo.as_deref(), self.session.model())
    }

    /// The time of the event being shown (at session end: the session's last event).
    pub fn now(&self) -> Timestamp {
        self.at
    }

    /// Raises an alert of this rule on this session, at [`now`](Self::now), and returns it so
    /// the rule can set its value, threshold and evidence.
    pub fn raise(&mut self, severity: Severity, message: impl Into<String>) -> &mut Alert {
        let session = self.session;
        self.alerts.push(Alert {
            rule: self.rule.clone(),
            severity,
            session_id: session.session_id().map(str::to_owned),
            at: self.at,
            message: message.into(),
            value: 0.0,
            threshold: 0.0,
            evidence: Vec::new(),
            ctx: session.ctx.clone(),
        });
        let last = self.alerts.len() - 1;
        &mut self.alerts[last]
    }

    /// Adds `event` as evidence of the alert raised last by this call of the rule (no-op when
    /// none was).
    pub fn cite(&mut self, event: &Event) {
        self.cite_evidence(Evidence::of(event));
    }

    /// Adds evidence to the alert raised last by this call of the rule.
    pub fn cite_evidence(&mut self, evidence: Evidence) {
        if self.alerts.len() > self.raised_from
            && let Some(last) = self.alerts.last_mut()
        {
            last.evidence.push(evidence);
        }
    }
}

/// A rule with its state type erased, as the engine holds it.
pub(crate) trait DynRule: Send + Sync {
    fn id(&self) -> &str;
    fn new_state(&self) -> Box<dyn Any + Send>;
    fn event(&self, state: &mut (dyn Any + Send), event: &Event, cx: &mut Context<'_>);
    fn session_end(&self, state: &mut (dyn Any + Send), cx: &mut Context<'_>);
}

impl<R: Rule> DynRule for R {
    fn id(&self) -> &str {
        Rule::id(self)
    }

    fn new_state(&self) -> Box<dyn Any + Send> {
        Box::new(R::State::default())
    }

    fn event(&self, state: &mut (dyn Any + Send), event: &Event, cx: &mut Context<'_>) {
        if let Some(state) = state.downcast_mut::<R::State>() {
            Rule::event(self, state, event, cx);
        }
    }

    fn session_end(&self, state: &mut (dyn Any + Send), cx: &mut Context<'_>) {
        if let Some(state) = state.downcast_mut::<R::State>() {
            Rule::session_end(self, state, cx);
        }
    }
}
