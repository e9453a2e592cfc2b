//! What the page shows of single sessions, taken from the event stream: [`Tallies`] counts
//! every thread (tools, failures, errors) in one pass; [`DetailSink`] keeps the timeline of
//! the few sessions that get a page; [`AlertNote`]s are pinned to the events that raised
//! them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use agentobs_cost::{PriceBook, Request, ServiceTier};
use agentobs_schema::{Event, EventKind, EventSink, SessionContext};
use serde::Serialize;

/// The key of an event's thread, as reports name sessions: the thread id, else the file.
pub fn thread_key(ctx: &SessionContext, src: Option<&str>) -> Option<String> {
    ctx.thread_id.clone().or_else(|| src.map(str::to_owned))
}

fn event_thread(event: &Event) -> Option<String> {
    thread_key(&event.ctx, event.src.as_ref().map(|s| &*s.path))
}

/// Counts of one thread.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Tally {
    /// The harness that wrote it.
    pub harness: String,
    /// Tool calls.
    pub tool_calls: u64,
    /// Tool calls that failed (the truth as far as it is known).
    pub tool_failures: u64,
    /// Tool calls whose outcome the harness reported differently from the truth.
    pub claim_mismatches: u64,
    /// Errors the harness reported.
    pub errors: u64,
    /// Time of the first event (Unix ms).
    pub first_ms: Option<i64>,
    /// Time of the last event (Unix ms).
    pub last_ms: Option<i64>,
    /// Files the thread was read from.
    #[serde(skip)]
    pub files: BTreeSet<Arc<str>>,
}

/// An [`EventSink`] that tallies every thread it sees.
#[derive(Debug, Default)]
pub struct Tallies {
    /// Thread key → its counts.
    pub threads: HashMap<String, Tally>,
}

impl EventSink for Tallies {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let Some(id) = event_thread(event) else {
            return ControlFlow::Continue(());
        };
        let t = self.threads.entry(id).or_default();
        if t.harness.is_empty() {
            t.harness = event.ctx.harness.as_str().to_owned();
        }
        if let Some(src) = &event.src
            && !t.files.contains(&src.path)
        {
            t.files.insert(src.path.clone());
        }
        let ms = event.at.unix_millis();
        t.first_ms = Some(t.first_ms.map_or(ms, |f| f.min(ms)));
        t.last_ms = Some(t.last_ms.map_or(ms, |l| l.max(ms)));
        match &event.kind {
            EventKind::ToolResult(r) => {
                t.tool_calls += 1;
                t.tool_failures += u64::from(r.success == Some(false));
                t.claim_mismatches += u64::from(claim_differs(r.reported_success, r.success));
            }
            EventKind::Error(_) => t.errors += 1,
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn claim_differs(claim: Option<bool>, truth: Option<bool>) -> bool {
    matches!((claim, truth), (Some(c), Some(t)) if c != t)
}

/// An alert as the page shows it (from `agentobs-anomaly`'s alerts, or any other rule
/// engine).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertNote {
    /// Rule id.
    pub rule: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// The session (thread) it is about.
    pub session: Option<String>,
    /// When it fired (Unix ms).
    pub at_ms: i64,
    /// What to do about it.
    pub message: String,
    /// Evidence, `path:line` (or any text) each; the last one raised it.
    pub evidence: Vec<String>,
}

/// One entry of a session's timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// Unix ms.
    pub t: i64,
    /// Index into [`SessionDetail::files`] of the file it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<usize>,
    /// 1-based line in that file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based turn number, when inside a turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn: Option<u32>,
    /// Index into [`SessionDetail::threads`] for an event of a fork or sub-agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<usize>,
    /// What happened.
    #[serde(flatten)]
    pub what: What,
    /// Indexes into [`SessionDetail::alerts`] of the alerts this event raised.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<usize>,
}

/// What a timeline entry is. Content (prompts, arguments, outputs) is never kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "k", rename_all = "snake_case")]
#[non_exhaustive]
pub enum What {
    /// The session started (or was resumed), with its policies.
    SessionStart {
        /// Approval policy.
        approval: Option<String>,
        /// Sandbox policy.
        sandbox: Option<String>,
    },
    /// A turn started.
    TurnStart {
        /// What started it.
        trigger: Option<String>,
    },
    /// A turn ended.
    TurnEnd {
        /// Duration.
        duration_ms: Option<u64>,
        /// Time to first token.
        ttft_ms: Option<u64>,
        /// Error kind of a failed turn.
        error: Option<String>,
        /// Why it was aborted.
        aborted: Option<String>,
    },
    /// A user prompt (its length only).
    Prompt {
        /// Characters.
        length: u64,
    },
    /// A model request's usage.
    Request {
        /// Model.
        model: String,
        /// Prompt tokens (cached included).
        input: u64,
        /// Cached prompt tokens.
        cached: u64,
        /// Output tokens.
        output: u64,
        /// Reasoning tokens.
        reasoning: u64,
        /// Cost; `None` when the model has no price.
        cost: Option<f64>,
    },
    /// One HTTP attempt at the model API.
    Attempt {
        /// 0-based attempt: retries are > 0.
        attempt: u32,
        /// HTTP status.
        status: Option<u16>,
        /// Latency.
        duration_ms: Option<u64>,
        /// Error.
        error: Option<String>,
    },
    /// A tool call finished.
    Tool {
        /// Tool name.
        tool: String,
        /// Extent of the call.
        duration_ms: Option<u64>,
        /// Exit code.
        exit_code: Option<i64>,
        /// What happened.
        success: Option<bool>,
        /// What the harness said happened.
        claimed: Option<bool>,
        /// What blocked it before it ran.
        blocked_by: Option<String>,
    },
    /// An approval decision.
    Decision {
        /// Tool.
        tool: String,
        /// Decision.
        decision: String,
        /// Who decided.
        source: Option<String>,
    },
    /// An automated reviewer's verdict.
    Guardian {
        /// Verdict.
        decision: String,
        /// Risk level.
        risk: Option<String>,
        /// How clearly the user authorised it.
        authorization: Option<String>,
    },
    /// The history was compacted.
    Compaction {
        /// Items kept.
        items: Option<u64>,
    },
    /// An error.
    Error {
        /// Kind.
        kind: Option<String>,
        /// Message.
        message: String,
    },
}

fn what(event: &Event, book: &PriceBook, tier: ServiceTier) -> Option<What> {
    let s = |v: &dyn AsRef<str>| v.as_ref().to_owned();
    Some(match &event.kind {
        EventKind::SessionStarted(st) => What::SessionStart {
            approval: st.approval_policy.clone(),
            sandbox: st.sandbox_policy.clone(),
        },
        EventKind::TurnStarted(t) => What::TurnStart {
            trigger: t.trigger.clone(),
        },
        EventKind::TurnCompleted(t) => What::TurnEnd {
            duration_ms: t.duration_ms,
            ttft_ms: t.time_to_first_token_ms,
            error: t.error.as_ref().map(|e| s(&e.as_str())),
            aborted: t.aborted.clone(),
        },
        EventKind::UserPrompt(p) => What::Prompt { length: p.length },
        EventKind::TokenUsage(u) => {
            let req = Request::new(event.at, &event.ctx, u);
            What::Request {
                model: req.model.to_owned(),
                input: u.usage.input_tokens,
                cached: u.usage.cached_input_tokens,
                output: u.usage.output_tokens,
                reasoning: u.usage.reasoning_output_tokens,
                cost: req.cost(book, tier).map(|c| c.total_usd()),
            }
        }
        EventKind::ApiRequest(a) => What::Attempt {
            attempt: a.attempt,
            status: a.status_code,
            duration_ms: a.duration_ms,
            error: a.error.clone(),
        },
        EventKind::ToolResult(r) => What::Tool {
            tool: r.tool.clone(),
            duration_ms: r.duration_ms,
            exit_code: r.exit_code,
            success: r.success,
            claimed: r.reported_success,
            blocked_by: r.blocked_by.clone(),
        },
        EventKind::ToolDecision(d) => What::Decision {
            tool: d.tool.clone(),
            decision: s(&d.decision.as_str()),
            source: d.source.as_ref().map(|x| s(&x.as_str())),
        },
        EventKind::GuardianReview(g) => What::Guardian {
            decision: s(&g.decision.as_str()),
            risk: g.risk_level.clone(),
            authorization: g.user_authorization.clone(),
        },
        EventKind::Compaction(c) => What::Compaction {
            items: c.replacement_items,
        },
        EventKind::Error(e) => What::Error {
            kind: e.kind.as_ref().map(|k| s(&k.as_str())),
            message: e.message.clone(),
        },
        _ => return None,
    })
}

/// A turn of the waterfall: from its start to its end (or its last event).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TurnSpan {
    /// 1-based turn number.
    pub n: u32,
    /// Index into [`SessionDetail::threads`] for a turn of a fork or sub-agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<usize>,
    /// Start (Unix ms).
    pub start: i64,
    /// End (Unix ms).
    pub end: i64,
    /// Model requests in it.
    pub requests: u64,
    /// Tool calls in it.
    pub tools: u64,
    /// Failed tool calls in it.
    pub failures: u64,
    /// Tokens billed in it.
    pub tokens: u64,
    /// Cost of its priced requests.
    pub cost: f64,
    /// How it ended badly, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One session's page.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SessionDetail {
    /// The session key.
    pub id: String,
    /// Files read, in order of first use.
    pub files: Vec<String>,
    /// Forks and sub-agents whose events are on the page, in order of first event.
    pub threads: Vec<String>,
    /// Approval policy, sandbox and reasoning effort at the start, when given.
    pub settings: BTreeMap<String, String>,
    /// The timeline, in the order read.
    pub entries: Vec<Entry>,
    /// Entries left out past the cap.
    pub dropped: u64,
    /// The turns.
    pub turns: Vec<TurnSpan>,
    /// Alerts of this session, in order; pinned entries point here.
    pub alerts: Vec<AlertNote>,
}

impl SessionDetail {
    fn thread_index(&mut self, thread: &str) -> usize {
        match self.threads.iter().position(|t| t == thread) {
            Some(i) => i,
            None => {
                self.threads.push(thread.to_owned());
                self.threads.len() - 1
            }
        }
    }

    fn file_index(&mut self, path: &str) -> usize {
        match self.files.iter().position(|f| f == path) {
            Some(i) => i,
            None => {
                self.files.push(path.to_owned());
                self.files.len() - 1
            }
        }
    }

    /// Attaches `alerts` (this session's) and marks on each the entry that raised it: the
    /// entry at its last evidence's `path:line`, else the last entry at or before its time,
    /// else the first entry.
    pub fn pin(&mut self, alerts: Vec<AlertNote>) {
        for (i, a) in alerts.iter().enumerate() {
            let by_line = a.evidence.last().and_then(|e| {
                let (path, line) = e.rsplit_once(':')?;
                let line: u64 = line.parse().ok()?;
                let file = self.files.iter().position(|f| f == path)?;
                self.entries
                    .iter()
                    .position(|x| x.file == Some(file) && x.line == Some(line))
            });
            let at = by_line
                .or_else(|| self.entries.iter().rposition(|x| x.t <= a.at_ms))
                .or(if self.entries.is_empty() {
                    None
                } else {
                    Some(0)
                });
            if let Some(j) = at {
                self.entries[j].alerts.push(i);
            }
        }
        self.alerts = alerts;
    }
}

/// An [`EventSink`] that builds the [`SessionDetail`] of chosen threads.
///
/// A page can take in the events of other threads too ([`DetailSink::with_children`]: forks
/// and sub-agents on their root's page, whose cost includes theirs); their entries and turns
/// name the thread in [`SessionDetail::threads`].
#[derive(Debug)]
pub struct DetailSink {
    wanted: BTreeSet<String>,
    parents: HashMap<String, String>,
    book: PriceBook,
    tier: ServiceTier,
    max_entries: usize,
    /// The pages so far, by thread key.
    pub sessions: BTreeMap<String, SessionDetail>,
    /// The open turn of each (page, thread).
    open: HashMap<(String, String), usize>,
}

impl DetailSink {
    /// Keeps the timeline of the threads in `wanted`, pricing requests with `book` (at
    /// `tier` when the session names none), at most `max_entries` entries each.
    pub fn new(
        wanted: BTreeSet<String>,
        book: PriceBook,
        tier: ServiceTier,
        max_entries: usize,
    ) -> Self {
        DetailSink {
            wanted,
            parents: HashMap::new(),
            book,
            tier,
            max_entries,
            sessions: BTreeMap::new(),
            open: HashMap::new(),
        }
    }

    /// Also puts the events of each child thread (key) on the page of its root (value),
    /// when the root is wanted.
    pub fn with_children(mut self, parents: HashMap<String, String>) -> Self {
        self.parents = parents;
        self
    }

    /// True when `thread` gets a page.
    pub fn wants(&self, thread: &str) -> bool {
        self.wanted.contains(thread)
    }

    /// The pages, by thread key; each timeline in time order (a page that takes in other
    /// threads reads them file after file).
    pub fn finish(mut self) -> BTreeMap<String, SessionDetail> {
        for d in self.sessions.values_mut() {
            d.entries.sort_by_key(|e| e.t);
        }
        self.sessions
    }

    fn add(&mut self, page: &str, thread: &str, event: &Event, what: What) {
        let d = self
            .sessions
            .entry(page.to_owned())
            .or_insert_with(|| SessionDetail {
                id: page.to_owned(),
                ..SessionDetail::default()
            });
        let sub = (page != thread).then(|| d.thread_index(thread));
        if let (EventKind::SessionStarted(s), None) = (&event.kind, sub) {
            for (k, v) in [
                ("approval", &s.approval_policy),
                ("sandbox", &s.sandbox_policy),
                ("effort", &s.reasoning_effort),
            ] {
                if let Some(v) = v {
                    d.settings.entry(k.to_owned()).or_insert_with(|| v.clone());
                }
            }
        }
        let key = (page.to_owned(), thread.to_owned());
        let t = event.at.unix_millis();
        if matches!(what, What::TurnStart { .. }) {
            let n = u32::try_from(d.turns.len() + 1).unwrap_or(u32::MAX);
            d.turns.push(TurnSpan {
                n,
                sub,
                start: t,
                end: t,
                requests: 0,
                tools: 0,
                failures: 0,
                tokens: 0,
                cost: 0.0,
                error: None,
            });
            self.open.insert(key.clone(), d.turns.len() - 1);
        }
        let turn = self.open.get(&key).and_then(|i| d.turns.get_mut(*i));
        let turn_n = turn.as_ref().map(|s| s.n);
        if let Some(span) = turn {
            span.end = span.end.max(t);
            match &what {
                What::Request {
                    input,
                    output,
                    cost,
                    ..
                } => {
                    span.requests += 1;
                    span.tokens += input + output;
                    span.cost += cost.unwrap_or(0.0);
                }
                What::Tool { success, .. } => {
                    span.tools += 1;
                    span.failures += u64::from(*success == Some(false));
                }
                What::TurnEnd { error, aborted, .. } => {
                    span.error = error.clone().or_else(|| aborted.clone());
                }
                _ => {}
            }
        }
        if matches!(what, What::TurnEnd { .. }) {
            self.open.remove(&key);
        }
        if d.entries.len() >= self.max_entries {
            d.dropped += 1;
            return;
        }
        let file = event.src.as_ref().map(|s| d.file_index(&s.path));
        d.entries.push(Entry {
            t,
            file,
            line: event.src.as_ref().map(|s| s.line),
            turn: turn_n,
            sub,
            what,
            alerts: Vec::new(),
        });
    }
}

impl EventSink for DetailSink {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let Some(id) = event_thread(event) else {
            return ControlFlow::Continue(());
        };
        let own = self.wanted.contains(&id);
        let root = self
            .parents
            .get(&id)
            .filter(|r| self.wanted.contains(*r))
            .cloned();
        if !own && root.is_none() {
            return ControlFlow::Continue(());
        }
        let Some(what) = what(event, &self.book, self.tier) else {
            return ControlFlow::Continue(());
        };
        if let Some(root) = root {
            self.add(&root, &id, event, what.clone());
        }
        if own {
            self.add(&id, &id, event, what);
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::{
        Harness, Timestamp, TokenUsage, TokenUsageEvent, ToolResult, TurnCompleted, TurnStarted,
    };

    fn ev(ms: i64, line: u64, kind: EventKind) -> Event {
        let mut ctx = SessionContext::new(Harness::Codex);
        ctx.thread_id = Some("t1".into());
        ctx.model = Some("gpt-5".into());
        Event::new(Timestamp::from_unix_millis(ms), Arc::new(ctx), kind)
            .with_src("a.jsonl".into(), line)
    }

    fn tool(success: Option<bool>, claimed: Option<bool>) -> EventKind {
        let mut r = ToolResult::new("exec_command");
        r.success = success;
        r.reported_success = claimed;
        r.duration_ms = Some(40);
        EventKind::ToolResult(r)
    }

    fn events() -> Vec<Event> {
        let usage = TokenUsage {
            input_tokens: 1_000_000,
            output_tokens: 100_000,
            ..TokenUsage::default()
        };
        vec![
            ev(1_000, 1, EventKind::TurnStarted(TurnStarted::default())),
            ev(1_200, 2, EventKind::TokenUsage(TokenUsageEvent::new(usage))),
            ev(1_300, 3, tool(Some(false), Some(true))),
            ev(1_400, 4, tool(Some(true), None)),
            ev(1_900, 5, EventKind::TurnCompleted(TurnCompleted::default())),
            ev(2_500, 6, EventKind::TurnStarted(TurnStarted::default())),
        ]
    }

    #[test]
    fn a_root_page_takes_in_its_children() {
        let child = |ms, line, kind| {
            let mut e = ev(ms, line, kind);
            let mut ctx = (*e.ctx).clone();
            ctx.thread_id = Some("kid".into());
            e.ctx = Arc::new(ctx);
            e
        };
        let mut sink = DetailSink::new(
            BTreeSet::from(["t1".to_owned(), "kid".to_owned()]),
            PriceBook::embedded(),
            ServiceTier::Standard,
            100,
        )
        .with_children(HashMap::from([("kid".to_owned(), "t1".to_owned())]));
        for e in events().into_iter().take(2).chain([
            child(1_100, 1, EventKind::TurnStarted(TurnStarted::default())),
            child(1_150, 2, tool(Some(true), Some(true))),
        ]) {
            let _ = sink.event(&e);
        }
        let pages = sink.finish();
        let root = &pages["t1"];
        assert_eq!(root.threads, ["kid"]);
        assert_eq!(root.entries.len(), 4);
        // In time order: the child's two entries (1,100 and 1,150 ms) before the request.
        let subs: Vec<_> = root.entries.iter().map(|e| (e.t, e.sub)).collect();
        assert_eq!(
            subs,
            [
                (1_000, None),
                (1_100, Some(0)),
                (1_150, Some(0)),
                (1_200, None)
            ]
        );
        assert_eq!(root.entries[2].turn, Some(2), "the child's own turn");
        assert_eq!(root.turns[1].sub, Some(0));
        assert_eq!(
            root.turns[0].tools, 0,
            "the child's tool is not in the root's turn"
        );
        let kid = &pages["kid"];
        assert!(kid.threads.is_empty());
        assert_eq!(kid.entries.len(), 2);
        assert_eq!(kid.entries[1].turn, Some(1));
    }

    #[test]
    fn tallies_count_tools_failures_and_false_claims() {
        let mut t = Tallies::default();
        for e in events() {
            let _ = t.event(&e);
        }
        let t1 = &t.threads["t1"];
        assert_eq!(
            (t1.tool_calls, t1.tool_failures, t1.claim_mismatches),
            (2, 1, 1)
        );
        assert_eq!((t1.first_ms, t1.last_ms), (Some(1_000), Some(2_500)));
        assert_eq!(t1.harness, "codex");
        assert_eq!(t1.files.len(), 1);
    }

    #[test]
    fn details_build_turns_price_requests_and_pin_alerts() {
        let wanted = BTreeSet::from(["t1".to_owned()]);
        let mut sink = DetailSink::new(wanted, PriceBook::embedded(), ServiceTier::Standard, 5);
        for e in events() {
            let _ = sink.event(&e);
        }
        let mut d = sink.finish().remove("t1").unwrap();
        assert_eq!(d.entries.len(), 5, "capped at 5");
        assert_eq!(d.dropped, 1);
        assert_eq!(d.turns.len(), 2);
        let t = &d.turns[0];
        assert_eq!(
            (t.start, t.end, t.requests, t.tools, t.failures),
            (1_000, 1_900, 1, 2, 1)
        );
        // gpt-5: 1M input at $1.25, 0.1M output at $10.
        assert!((t.cost - 2.25).abs() < 1e-9, "{}", t.cost);
        assert_eq!(t.tokens, 1_100_000);
        assert_eq!(d.entries[2].turn, Some(1));
        let note = |evidence: &str, at_ms| AlertNote {
            rule: "r".into(),
            severity: "warning".into(),
            session: Some("t1".into()),
            at_ms,
            message: "m".into(),
            evidence: vec!["a.jsonl:1".into(), evidence.into()],
        };
        // By line; by time when the evidence names no line of a read file; and to the first
        // entry when it fired before any.
        d.pin(vec![
            note("a.jsonl:3", 0),
            note("elsewhere", 1_450),
            note("elsewhere", 5),
        ]);
        assert_eq!(d.entries[2].alerts, [0]);
        assert_eq!(d.entries[3].alerts, [1]);
        assert_eq!(d.entries[0].alerts, [2]);
        assert_eq!(d.alerts.len(), 3);
    }
}
