//! One decoder for the OTLP other harnesses export (Claude Code, Gemini CLI), parameterised
//! by a [`HarnessProfile`]: what differs between them is a handful of names and readings, while the
//! shell is the same.
//!
//! A [`Decoder`] keeps one [`SessionContext`] per session id (bounded, the oldest forgotten
//! first) and, beside the events, a [`Tally`] of what each signal said about the session:
//!
//! - log records become events — which ones, and how they read, is the dialect's
//!   [`HarnessProfile::events`]; the tokens of the token-usage events are totalled in
//!   [`Tally::logs`];
//! - metric data points give no events (a harness's counters total the very requests its log
//!   records report one by one); each series of a counter whose name starts with
//!   [`HarnessProfile::METRIC_PREFIX`] is totalled per session, a delta series by summing its
//!   changes and a cumulative one (or a gauge) by keeping its last value, as each data point
//!   says ([`Decoder::metric_total`]);
//! - spans give no events either (a model-call span repeats one record's tokens); the tokens
//!   of the spans named [`HarnessProfile::TOKEN_SPAN`] are totalled in [`Tally::traces`].
//!
//! The crates of those harnesses name their decoder with a type alias
//! (`agentobs_claude::otlp::OtlpDecoder` is `Decoder<ClaudeCode>`); a new harness needs only
//! a dialect.
//!
//! ```
//! use agentobs_codex::otlp::harness::{Decoder, HarnessProfile, Totals};
//! use agentobs_codex::otlp::{AttrLookup, Encoding, parse_logs, proto::logs::v1::LogRecord};
//! use agentobs_schema::{Collect, EventKind, Harness, Redacted, ToolResult};
//!
//! /// A harness whose `tool` records are tool results.
//! #[derive(Debug)]
//! struct Toy;
//!
//! impl HarnessProfile for Toy {
//!     type Signal = Totals;
//!     const HARNESS: Harness = Harness::Copilot;
//!     const PROVIDER: &'static str = "github";
//!     const METRIC_PREFIX: &'static str = "toy.";
//!     const TOKEN_SPAN: &'static str = "toy.call";
//!     fn events(
//!         _: &LogRecord,
//!         a: AttrLookup<'_>,
//!         _: bool,
//!         out: &mut Vec<EventKind>,
//!     ) -> Result<(), String> {
//!         if a.str("event.name") == Some("tool") {
//!             let mut t = ToolResult::new(a.str("name").unwrap_or("unknown"));
//!             t.duration_ms = a.u64("ms")?;
//!             t.arguments = Redacted::withheld(0);
//!             out.push(EventKind::ToolResult(t));
//!         }
//!         Ok(())
//!     }
//!     fn span_tokens(_: AttrLookup<'_>) -> Result<Option<agentobs_schema::TokenUsage>, String> {
//!         Ok(None)
//!     }
//! }
//!
//! let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[
//!   {"key":"event.name","value":{"stringValue":"tool"}},
//!   {"key":"session.id","value":{"stringValue":"s1"}},
//!   {"key":"name","value":{"stringValue":"grep"}},
//!   {"key":"ms","value":{"stringValue":"12"}}]}]}]}]}"#;
//! let mut decoder = Decoder::<Toy>::new();
//! let mut sink = Collect::default();
//! let summary = decoder.logs(&parse_logs(body, Encoding::Json).unwrap(), &mut sink);
//! assert_eq!((summary.records, summary.events), (1, 1));
//! let EventKind::ToolResult(t) = &sink.events[0].kind else { panic!() };
//! assert_eq!((t.tool.as_str(), t.duration_ms), ("grep", Some(12)));
//! assert_eq!(sink.events[0].ctx.model_provider.as_deref(), Some("github"));
//! ```

mod tally;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use agentobs_schema::{
    Event, EventKind, EventSink, Harness, Redacted, SessionContext, Timestamp, TokenUsage,
    UserPrompt,
};

pub use tally::{CostedTotals, SignalTotals, Tally, Totals};

use super::out::Out;
use super::proto::logs::v1::LogRecord;
use super::proto::resource::v1::Resource;
use super::{
    AttrLookup, DecodeSummary, ExportLogsServiceRequest, ExportMetricsServiceRequest,
    ExportTraceServiceRequest, nanos_to_millis,
};

/// Default bound on the sessions a [`Decoder`] holds ([`Decoder::with_max_sessions`]).
pub const DEFAULT_MAX_SESSIONS: usize = 4096;

/// What one harness's OTLP export is like: the names and readings a [`Decoder`] needs.
///
/// Implemented by a unit type (the decoder holds no value of it).
pub trait HarnessProfile: fmt::Debug {
    /// What each session's signals are totalled in ([`Totals`], or [`CostedTotals`] for a
    /// harness that reports its own cost).
    type Signal: SignalTotals;

    /// The harness of every context.
    const HARNESS: Harness;
    /// The model provider of every context (`anthropic`).
    const PROVIDER: &'static str;
    /// True when the resource's `service.version` is the harness's version, the app version
    /// of the context (Gemini CLI puts the Node.js version there).
    const SERVICE_VERSION_IS_APP: bool = false;
    /// True when a record, data point or span without a session id of its own belongs to
    /// the session of its resource's `session.id`.
    const RESOURCE_SESSION: bool = false;
    /// The attribute naming the session of a log record or metric data point.
    const SESSION_KEY: &'static str = "session.id";
    /// The attribute naming the session of a span.
    const SPAN_SESSION_KEY: &'static str = "session.id";
    /// The prefix of the metric names totalled; other metrics are skipped.
    const METRIC_PREFIX: &'static str;
    /// The name of the spans that carry one model call's tokens.
    const TOKEN_SPAN: &'static str;

    /// Appends the events log record `rec` (attributes `attrs`) stands for to `out`, in the
    /// order they happened; none for a record that is no fact. `show`: prompts and tool
    /// input shown, not withheld. `Err` (why) for a record that cannot be read: it becomes
    /// one warning, and whatever was appended is dropped.
    fn events(
        rec: &LogRecord,
        attrs: AttrLookup<'_>,
        show: bool,
        out: &mut Vec<EventKind>,
    ) -> Result<(), String>;

    /// The tokens of a [`TOKEN_SPAN`](HarnessProfile::TOKEN_SPAN) span with attributes `attrs`, in
    /// Codex semantics; `None` for a call that carries none (a failed one).
    fn span_tokens(attrs: AttrLookup<'_>) -> Result<Option<TokenUsage>, String>;

    /// The model a record names, which becomes the session context's (default: `model`).
    fn model<'a>(attrs: AttrLookup<'a>) -> Option<&'a str> {
        attrs.str("model")
    }

    /// The cost in USD the harness itself reported on a token-usage record (default: none):
    /// tallied per session and put on the record's event
    /// ([`TokenUsageEvent::reported_cost_usd`](agentobs_schema::TokenUsageEvent::reported_cost_usd)).
    fn reported_cost_usd(_attrs: AttrLookup<'_>) -> Option<f64> {
        None
    }
}

/// One session: its shared context and what each signal said about it.
#[derive(Debug)]
struct Session<S> {
    ctx: Arc<SessionContext>,
    tally: Tally<S>,
}

/// Decodes the OTLP requests of the harness `D` into events (see the [module](self)).
///
/// Events of one session share an `Arc<SessionContext>` (harness and provider of `D`,
/// session and thread id = the session id, the app version when `D` takes it from
/// `service.version`, the record's model), replaced only when something in it changes.
/// Defaults: content (prompts, tool input) withheld, at most [`DEFAULT_MAX_SESSIONS`]
/// sessions.
pub struct Decoder<D: HarnessProfile> {
    include_content: bool,
    max_sessions: usize,
    sessions: HashMap<String, Session<D::Signal>>,
    order: VecDeque<String>,
    /// The events of the record being decoded (kept to reuse its allocation).
    scratch: Vec<EventKind>,
    dialect: PhantomData<fn() -> D>,
}

impl<D: HarnessProfile> fmt::Debug for Decoder<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("dialect", &std::any::type_name::<D>())
            .field("include_content", &self.include_content)
            .field("max_sessions", &self.max_sessions)
            .field("sessions", &self.sessions)
            .finish_non_exhaustive()
    }
}

impl<D: HarnessProfile> Default for Decoder<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D: HarnessProfile> Decoder<D> {
    /// A decoder with the defaults above.
    pub fn new() -> Self {
        Decoder {
            include_content: false,
            max_sessions: DEFAULT_MAX_SESSIONS,
            sessions: HashMap::new(),
            order: VecDeque::new(),
            scratch: Vec::new(),
            dialect: PhantomData,
        }
    }

    /// Shows prompts and tool input in events (default: withheld, lengths only).
    #[must_use]
    pub fn with_content(mut self, include: bool) -> Self {
        self.include_content = include;
        self
    }

    /// Holds at most `max` sessions (at least 1); the oldest is forgotten first.
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
    pub fn tally(&self, session_id: &str) -> Option<Tally<D::Signal>> {
        self.sessions.get(session_id).map(|s| s.tally.clone())
    }

    /// The total a counter `name` reported for `session_id`, over the series whose `type`
    /// attribute is `kind` (any `type` when `None`): the sum of a delta series' changes, or
    /// the last value of a cumulative one, summed over the series.
    pub fn metric_total(&self, session_id: &str, name: &str, kind: Option<&str>) -> Option<f64> {
        self.sessions
            .get(session_id)?
            .tally
            .metric_total(name, kind)
    }

    /// The context of session `session_id`, which is opened when new (forgetting the
    /// oldest session past the bound) with `app_version` as its app version.
    pub fn session(&mut self, session_id: &str, app_version: Option<&str>) -> Arc<SessionContext> {
        self.entry(session_id, app_version).ctx.clone()
    }

    /// Decodes the log records of `request`: each one an event or more, a skip, or a bad
    /// record (one warning to `sink`).
    pub fn logs(
        &mut self,
        request: &ExportLogsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "logs");
        let mut kinds = std::mem::take(&mut self.scratch);
        'all: for (ri, rl) in request.resource_logs.iter().enumerate() {
            let res = Res::of::<D>(rl.resource.as_ref());
            for (si, sl) in rl.scope_logs.iter().enumerate() {
                for (li, rec) in sl.log_records.iter().enumerate() {
                    if out.stopped() {
                        break 'all;
                    }
                    out.record();
                    kinds.clear();
                    match self.record(rec, &res, &mut kinds) {
                        Ok(None) => out.skip(),
                        Ok(Some((at, ctx))) => {
                            for kind in kinds.drain(..) {
                                out.event(Event::new(at, ctx.clone(), kind));
                            }
                        }
                        Err(why) => {
                            let at = Loc {
                                resource: ri,
                                scope: si,
                                record: li,
                            };
                            out.bad(&at, why);
                        }
                    }
                }
            }
        }
        kinds.clear();
        self.scratch = kinds;
        out.summary
    }

    /// Totals the counters of `request` per session; every data point is counted as
    /// skipped (no events: see the [module](self)).
    pub fn metrics(
        &mut self,
        request: &ExportMetricsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "metrics");
        tally::metrics(self, request, &mut out);
        out.summary
    }

    /// Tallies the tokens of the [`HarnessProfile::TOKEN_SPAN`] spans of `request` per session;
    /// every span is counted as skipped or, when its tokens cannot be read, bad.
    pub fn traces(
        &mut self,
        request: &ExportTraceServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        let mut out = Out::new(sink, "traces");
        tally::traces(self, request, &mut out);
        out.summary
    }

    /// One log record's events into `kinds`, with their time and context; `None` when it
    /// gives none.
    fn record(
        &mut self,
        rec: &LogRecord,
        res: &Res<'_>,
        kinds: &mut Vec<EventKind>,
    ) -> Result<Option<(Timestamp, Arc<SessionContext>)>, String> {
        let a = AttrLookup(&rec.attributes);
        if let Err(why) = D::events(rec, a, self.include_content, kinds) {
            kinds.clear();
            return Err(why);
        }
        if kinds.is_empty() {
            return Ok(None);
        }
        let session = self.entry(res.session_of(a, D::SESSION_KEY), res.version);
        for kind in kinds.iter_mut() {
            if let EventKind::TokenUsage(t) = kind {
                t.reported_cost_usd = D::reported_cost_usd(a);
                session.tally.logs.add(&t.usage, t.reported_cost_usd);
            }
        }
        if let Some(model) = D::model(a)
            && session.ctx.model.as_deref() != Some(model)
        {
            let mut ctx = (*session.ctx).clone();
            ctx.model = Some(model.to_owned());
            session.ctx = Arc::new(ctx);
        }
        Ok(Some((record_time(rec, &a), session.ctx.clone())))
    }

    /// The session of `id`, opened when new with `version` as its app version.
    fn entry(&mut self, id: &str, version: Option<&str>) -> &mut Session<D::Signal> {
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
            let mut ctx = SessionContext::new(D::HARNESS);
            ctx.model_provider = Some(D::PROVIDER.into());
            ctx.session_id = (!id.is_empty()).then(|| id.to_owned());
            ctx.thread_id.clone_from(&ctx.session_id);
            ctx.app_version = version.map(str::to_owned);
            Session {
                ctx: Arc::new(ctx),
                tally: Tally::default(),
            }
        })
    }
}

/// What a resource says about the records under it.
struct Res<'a> {
    /// The harness's version, when the dialect takes it from `service.version`.
    version: Option<&'a str>,
    /// Its `session.id`, when the dialect lets it stand in for a record's.
    session: Option<&'a str>,
}

impl<'a> Res<'a> {
    fn of<D: HarnessProfile>(res: Option<&'a Resource>) -> Self {
        let a = AttrLookup(res.map_or(&[][..], |r| &r.attributes));
        Res {
            version: D::SERVICE_VERSION_IS_APP
                .then(|| a.str("service.version"))
                .flatten(),
            session: D::RESOURCE_SESSION.then(|| a.str("session.id")).flatten(),
        }
    }

    /// The session id of an item with attributes `a` (its `key`, else the resource's);
    /// empty when neither has one.
    fn session_of<'b>(&'b self, a: AttrLookup<'b>, key: &str) -> &'b str {
        a.str(key).or(self.session).unwrap_or("")
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

/// A record's time: `event.timestamp`, else its own time, else when it was observed.
fn record_time(rec: &LogRecord, attrs: &AttrLookup<'_>) -> Timestamp {
    attrs
        .str("event.timestamp")
        .and_then(|t| Timestamp::parse_rfc3339(t).ok())
        .or_else(|| {
            nanos_to_millis(rec.time_unix_nano)
                .or_else(|| nanos_to_millis(rec.observed_time_unix_nano))
                .map(Timestamp::from_unix_millis)
        })
        .unwrap_or_default()
}

/// A `prompt` record as a prompt: its text (shown only when `show`) and `prompt_length`
/// (else the text's length in characters), one text input.
pub fn user_prompt(attrs: AttrLookup<'_>, show: bool) -> Result<UserPrompt, String> {
    let mut p = UserPrompt::default();
    let text = attrs.str("prompt");
    p.length = match attrs.u64("prompt_length")? {
        Some(n) => n,
        None => text.map_or(0, |t| t.chars().count() as u64),
    };
    p.text_inputs = 1;
    p.text = match text {
        Some(t) => Redacted::from_text(t, show),
        None => Redacted::withheld(p.length),
    };
    Ok(p)
}

#[cfg(test)]
mod tests;
