//! The transcript reader: one file in, events and warnings out.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use agentobs_schema::{
    Compaction, ErrorEvent, ErrorKind, Event, EventKind, EventSink, Harness, Redacted,
    SessionContext, SessionStarted, SourceEnd, SubAgent, Timestamp, TokenUsage, TokenUsageEvent,
    ToolResult, UserPrompt, Warning, WarningKind,
};
use serde_json::value::RawValue;

use crate::line::Lines;
use crate::record::{self, Block, Content, Count, Message, Obj, Record, Unreadable, Usage};

/// How to read.
///
/// ```
/// use agentobs_claude::ReadOptions;
/// let o = ReadOptions::default().with_content(true).with_max_line_bytes(1 << 20);
/// assert!(o.include_content);
/// assert_eq!(o.max_line_bytes, 1 << 20);
/// assert!(!o.tokens_only);
/// assert!(ReadOptions::tokens().tokens_only);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Keep prompt text, tool arguments and tool output (default off: lengths only).
    pub include_content: bool,
    /// Lines longer than this are skipped with a warning (default 16 MiB).
    pub max_line_bytes: usize,
    /// Only what accounting needs (default off): the session, token usage and user prompts.
    /// Tool calls and results, compactions and API errors are not read, and message content
    /// other than a user's text is never parsed.
    pub tokens_only: bool,
}

impl Default for ReadOptions {
    /// Content off, lines up to 16 MiB.
    fn default() -> Self {
        ReadOptions {
            include_content: false,
            max_line_bytes: 16 * 1024 * 1024,
            tokens_only: false,
        }
    }
}

impl ReadOptions {
    /// Options for cost reports: [`tokens_only`](Self::tokens_only) on, otherwise the
    /// defaults.
    pub fn tokens() -> Self {
        Self::default().with_tokens_only(true)
    }

    /// Reads only the session, token usage and user prompts (`true`), or everything.
    /// Default: everything.
    #[must_use]
    pub fn with_tokens_only(mut self, tokens_only: bool) -> Self {
        self.tokens_only = tokens_only;
        self
    }

    /// Keeps (`true`) or withholds content. Default: off.
    #[must_use]
    pub fn with_content(mut self, include: bool) -> Self {
        self.include_content = include;
        self
    }

    /// Sets the longest line read. Default: 16 MiB.
    #[must_use]
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max;
        self
    }
}

/// A file could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ReadError {
    /// The file.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

/// The API responses already billed, keyed by `message.id` + `requestId`.
///
/// Share one between the files of a home so that the copy of a session that
/// `--resume` / `--continue` writes into a new file, and a message repeated in a sidechain
/// file, are billed once.
#[derive(Clone, Debug, Default)]
pub struct SeenRequests {
    keys: HashSet<Box<str>>,
    /// The key being looked up, built here so a repeat costs no allocation.
    probe: String,
}

impl SeenRequests {
    /// Marks the response `message:request` as billed; true when it was new. A side that is
    /// absent is empty; with neither, `fallback` (the file and line) names the response.
    fn insert(
        &mut self,
        message: Option<&str>,
        request: Option<&str>,
        fallback: impl FnOnce() -> String,
    ) -> bool {
        self.probe.clear();
        match (message, request) {
            (None, None) => self.probe.push_str(&fallback()),
            (m, r) => {
                self.probe.push_str(m.unwrap_or(""));
                self.probe.push(':');
                self.probe.push_str(r.unwrap_or(""));
            }
        }
        if self.keys.contains(self.probe.as_str()) {
            return false;
        }
        self.keys.insert(self.probe.as_str().into())
    }

    /// Number of distinct responses billed.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when nothing was billed yet.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A pending tool call: its name and arguments.
#[derive(Debug)]
struct PendingTool {
    name: String,
    arguments: Redacted<String>,
}

/// Reads one Claude Code transcript.
///
/// Lines of kinds the reader does not use (`attachment`, `queue-operation`,
/// `last-prompt`, …) are skipped silently: the format is internal to Claude Code and grows
/// often. Lines that are not JSON, oversized, or of a used kind with a bad shape give a
/// [`Warning`] with file and line, and reading goes on.
#[derive(Debug)]
pub struct TranscriptReader<R> {
    lines: Lines<R>,
    path: Arc<str>,
    bad: u64,
    incomplete: bool,
    state: State,
}

/// What the reader knows of the session so far.
#[derive(Debug)]
struct State {
    path: Arc<str>,
    show: bool,
    tokens_only: bool,
    ctx: Arc<SessionContext>,
    started: bool,
    tools: HashMap<String, PendingTool>,
    last_ts: Timestamp,
}

impl TranscriptReader<BufReader<File>> {
    /// Opens a file.
    pub fn open(path: &Path, opts: ReadOptions) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(|source| ReadError {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self::new(
            BufReader::with_capacity(256 * 1024, file),
            path.display().to_string(),
            opts,
        ))
    }
}

impl<R: BufRead> TranscriptReader<R> {
    /// Reads from any buffered reader; `path` names it in warnings and events.
    pub fn new(reader: R, path: impl Into<Arc<str>>, opts: ReadOptions) -> Self {
        let mut ctx = SessionContext::new(Harness::ClaudeCode);
        ctx.model_provider = Some("anthropic".into());
        let path: Arc<str> = path.into();
        TranscriptReader {
            lines: Lines::new(reader, opts.max_line_bytes),
            path: path.clone(),
            bad: 0,
            incomplete: false,
            state: State {
                path,
                show: opts.include_content,
                tokens_only: opts.tokens_only,
                ctx: Arc::new(ctx),
                started: false,
                tools: HashMap::new(),
                last_ts: Timestamp::default(),
            },
        }
    }

    /// Reads to the end with a fresh [`SeenRequests`], then ends with one [`SourceEnd`].
    pub fn feed<S: EventSink + ?Sized>(&mut self, sink: &mut S) -> ControlFlow<()> {
        self.feed_with(&mut SeenRequests::default(), sink)
    }

    /// Reads to the end, billing only responses not in `seen` (and adding them to it), then
    /// ends with one [`SourceEnd`]. Stops early when the sink asks to.
    pub fn feed_with<S: EventSink + ?Sized>(
        &mut self,
        seen: &mut SeenRequests,
        sink: &mut S,
    ) -> ControlFlow<()> {
        let mut flow = ControlFlow::Continue(());
        let mut out = Vec::new();
        let mut spare = String::new();
        loop {
            let line = match self.lines.next_line() {
                Ok(None) => break,
                Err(e) => {
                    let n = self.lines.number().saturating_add(1);
                    warn(
                        &mut self.bad,
                        &self.path,
                        sink,
                        n,
                        WarningKind::Io,
                        format!("read error: {e}"),
                    );
                    break;
                }
                Ok(Some(line)) => line,
            };
            let number = line.number;
            if let Some(len) = line.oversized {
                let msg = format!("line of {len} bytes is over the cap; skipped");
                warn(
                    &mut self.bad,
                    &self.path,
                    sink,
                    number,
                    WarningKind::Oversized,
                    msg,
                );
                continue;
            }
            if line.bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let complete = line.complete;
            let handled = match record::parse(line.bytes, &mut spare) {
                Ok(rec) => self.state.line(&rec, number, seen, &mut out),
                Err(Unreadable::NotObject) => Err("line is not a JSON object".into()),
                Err(Unreadable::Json(e)) => {
                    let (kind, msg) = if complete {
                        (WarningKind::InvalidJson, format!("invalid JSON: {e}"))
                    } else {
                        self.incomplete = true;
                        (WarningKind::Incomplete, "last line is incomplete".into())
                    };
                    warn(&mut self.bad, &self.path, sink, number, kind, msg);
                    continue;
                }
            };
            if let Err(msg) = handled {
                warn(
                    &mut self.bad,
                    &self.path,
                    sink,
                    number,
                    WarningKind::BadValue,
                    msg,
                );
            }
            for ev in out.drain(..) {
                flow = sink.event(&ev);
                if flow.is_break() {
                    break;
                }
            }
            if flow.is_break() {
                break;
            }
        }
        let mut end = SourceEnd::new(self.path.clone());
        end.context = Some(self.state.ctx.clone());
        end.lines = self.lines.number();
        end.bad_lines = self.bad;
        end.complete = flow.is_continue() && !self.incomplete;
        sink.end(&end);
        flow
    }
}

/// Counts a bad line and hands its warning to the sink.
fn warn<S: EventSink + ?Sized>(
    bad: &mut u64,
    path: &Arc<str>,
    sink: &mut S,
    line: u64,
    kind: WarningKind,
    message: String,
) {
    *bad = bad.saturating_add(1);
    sink.warning(&Warning {
        path: path.clone(),
        line,
        kind,
        message,
    });
}

/// True when `new` is given and differs from `current`.
fn differs(current: Option<&str>, new: Option<&str>) -> bool {
    new.is_some() && current != new
}

impl State {
    fn event(&self, kind: EventKind, line: u64) -> Event {
        Event::new(self.last_ts, self.ctx.clone(), kind).with_src(self.path.clone(), line)
    }

    /// Handles one line; `Err` is a bad-shape message.
    fn line(
        &mut self,
        rec: &Record<'_>,
        number: u64,
        seen: &mut SeenRequests,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let kind = rec.kind.get().unwrap_or("");
        if let Some(ts) = rec.timestamp.get() {
            match Timestamp::parse_rfc3339(ts) {
                Ok(t) => self.last_ts = t,
                Err(e) => return Err(format!("bad timestamp {ts:?}: {e}")),
            }
        }
        match kind {
            "user" | "assistant" => {}
            _ if self.tokens_only => return Ok(()),
            "summary" => {
                let mut c = Compaction::default();
                if let Some(s) = rec.summary.get() {
                    c.summary = Some(Redacted::from_text(s, self.show));
                }
                out.push(self.event(EventKind::Compaction(c), number));
                return Ok(());
            }
            "system" if rec.subtype.get() == Some("compact_boundary") => {
                out.push(self.event(EventKind::Compaction(Compaction::default()), number));
                return Ok(());
            }
            _ => return Ok(()),
        }
        self.context(rec, number, out);
        let message = rec
            .message
            .get()
            .ok_or_else(|| format!("{kind} line without a message object"))?;
        if kind == "user" {
            self.user(rec, message, number, out)
        } else {
            self.assistant(rec, message, number, seen, out)
        }
    }

    /// Updates the session context from a message line; the first one starts the session.
    /// The context is copied only when the line changes it.
    fn context(&mut self, rec: &Record<'_>, number: u64, out: &mut Vec<Event>) {
        let session = rec.session_id.get();
        let sidechain = rec.is_sidechain.is_true();
        let agent = rec.agent_id.get();
        let c = &*self.ctx;
        let lineage = if sidechain {
            c.parent_thread_id.as_deref() != session
                || differs(c.thread_id.as_deref(), agent)
                || c.subagent.is_none()
        } else {
            c.thread_id.is_none() && session.is_some()
        };
        let changed = lineage
            || differs(c.session_id.as_deref(), session)
            || differs(c.cwd.as_deref(), rec.cwd.get())
            || differs(c.app_version.as_deref(), rec.version.get())
            || differs(c.source.as_deref(), rec.entrypoint.get())
            || differs(
                c.git.as_ref().and_then(|g| g.branch.as_deref()),
                rec.git_branch.get(),
            );
        if changed {
            let mut ctx = (*self.ctx).clone();
            let session = session.map(str::to_owned);
            if session.is_some() {
                ctx.session_id.clone_from(&session);
            }
            if sidechain {
                ctx.parent_thread_id.clone_from(&session);
                if let Some(agent) = agent {
                    ctx.thread_id = Some(agent.to_owned());
                }
                ctx.subagent.get_or_insert_with(|| SubAgent {
                    kind: "sidechain".into(),
                    depth: Some(1),
                    ..SubAgent::default()
                });
            } else if ctx.thread_id.is_none() {
                ctx.thread_id.clone_from(&session);
            }
            for (field, value) in [
                (&mut ctx.cwd, &rec.cwd),
                (&mut ctx.app_version, &rec.version),
                (&mut ctx.source, &rec.entrypoint),
            ] {
                if let Some(v) = value.get() {
                    *field = Some(v.to_owned());
                }
            }
            if let Some(branch) = rec.git_branch.get() {
                ctx.git.get_or_insert_with(Default::default).branch = Some(branch.to_owned());
            }
            if ctx != *self.ctx {
                self.ctx = Arc::new(ctx);
            }
        }
        if !self.started {
            self.started = true;
            out.push(self.event(EventKind::SessionStarted(SessionStarted::default()), number));
        }
    }

    fn user(
        &mut self,
        rec: &Record<'_>,
        message: &Message<'_>,
        number: u64,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let show = self.show;
        let mut spare = String::new();
        match record::parse_raw::<Content<'_>>(message.content, &mut spare) {
            Some(Content::Text(text)) => {
                if !rec.is_meta.is_true() {
                    out.push(self.event(EventKind::UserPrompt(prompt(&text, show)), number));
                }
            }
            Some(Content::Blocks(blocks)) => {
                for b in &blocks {
                    match b.kind.get() {
                        Some("tool_result") if !self.tokens_only => {
                            let r = self.tool_result(b);
                            out.push(self.event(EventKind::ToolResult(r), number));
                        }
                        Some("text") => {
                            let text = b.text.get().unwrap_or("");
                            out.push(self.event(EventKind::UserPrompt(prompt(text, show)), number));
                        }
                        _ => {}
                    }
                }
            }
            Some(Content::None) | None => return Err("user message without content".into()),
        }
        Ok(())
    }

    fn tool_result(&mut self, b: &Block<'_>) -> ToolResult {
        let id = b.tool_use_id.get().unwrap_or("");
        let pending = self.tools.remove(id);
        let mut r = ToolResult::new(pending.as_ref().map_or("unknown", |p| p.name.as_str()));
        r.call_id = Some(id.to_owned()).filter(|s| !s.is_empty());
        let is_error = b.is_error.0.unwrap_or(false);
        r.success = Some(!is_error);
        r.reported_success = Some(!is_error);
        let mut spare = String::new();
        r.output = match record::parse_raw::<Content<'_>>(b.content, &mut spare) {
            Some(Content::Text(s)) => Redacted::from_text(&s, self.show),
            Some(Content::Blocks(parts)) => {
                let texts: Vec<&str> = parts.iter().filter_map(|p| p.text.get()).collect();
                Redacted::from_text(&texts.join("\n"), self.show)
            }
            Some(Content::None) | None => Redacted::from_text("", self.show),
        };
        if let Some(p) = pending {
            r.arguments = p.arguments;
        }
        r
    }

    fn assistant(
        &mut self,
        rec: &Record<'_>,
        message: &Message<'_>,
        number: u64,
        seen: &mut SeenRequests,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let model = message.model.get();
        let api_error = rec.is_api_error_message.is_true() || model == Some("<synthetic>");
        if let Some(m) = model.filter(|m| *m != "<synthetic>")
            && self.ctx.model.as_deref() != Some(m)
        {
            let mut ctx = (*self.ctx).clone();
            ctx.model = Some(m.to_owned());
            self.ctx = Arc::new(ctx);
        }
        if api_error && self.tokens_only {
            return Ok(());
        }
        // The blocks matter for tool calls and for an error's text only.
        let mut spare = String::new();
        let content = if self.tokens_only {
            None
        } else {
            record::parse_raw::<Content<'_>>(message.content, &mut spare)
        };
        let blocks = content.as_ref().map_or(&[][..], Content::blocks);
        if api_error {
            let text = blocks
                .iter()
                .filter_map(|b| b.text.get())
                .collect::<Vec<_>>()
                .join("\n");
            let mut e = ErrorEvent::new(text);
            e.status_code = rec.api_error_status.0;
            e.kind = e.status_code.and_then(error_kind);
            out.push(self.event(EventKind::Error(e), number));
            return Ok(());
        }
        for b in blocks {
            if b.kind.get() == Some("tool_use") {
                let id = b.id.get().unwrap_or("").to_owned();
                let name = b.name.get().unwrap_or("unknown");
                let arguments = b.input.map(RawValue::get).unwrap_or_default();
                self.tools.insert(
                    id,
                    PendingTool {
                        name: name.to_owned(),
                        arguments: Redacted::from_text(arguments, self.show),
                    },
                );
            }
        }
        let usage = match &message.usage {
            Obj::Absent => return Ok(()),
            Obj::NotObject => return Err("usage is not an object".into()),
            Obj::Object(u) => u,
        };
        let msg_id = message.id.get();
        let req_id = rec.request_id.get();
        // Parse before marking the response billed: a damaged copy must not hide a good one.
        let u = anthropic_usage(usage)?;
        if !seen.insert(msg_id, req_id, || format!("{}:{number}", self.path)) {
            return Ok(());
        }
        let mut ev = TokenUsageEvent::new(u);
        ev.prompt_tokens = Some(u.input_tokens);
        ev.response_id = msg_id.map(str::to_owned);
        if let Some(tier) = usage.service_tier.get() {
            // Anthropic's `standard` is the default tier; only other tiers are recorded.
            if tier != "standard" && self.ctx.service_tier.as_deref() != Some(tier) {
                let mut ctx = (*self.ctx).clone();
                ctx.service_tier = Some(tier.to_owned());
                self.ctx = Arc::new(ctx);
            }
        }
        out.push(self.event(EventKind::TokenUsage(ev), number));
        Ok(())
    }
}

fn prompt(text: &str, show: bool) -> UserPrompt {
    let mut p = UserPrompt::default();
    p.length = text.chars().count() as u64;
    p.text_inputs = 1;
    p.text = Redacted::from_text(text, show);
    p
}

/// The kind of an Anthropic API failure, by HTTP status (529 is Anthropic's "overloaded").
/// The transcript's `apiErrorStatus` and the OTLP `api_error` record's `status_code` share it.
pub(crate) fn error_kind(status: u16) -> Option<ErrorKind> {
    Some(match status {
        400 => ErrorKind::BadRequest,
        401 | 403 => ErrorKind::Unauthorized,
        429 => ErrorKind::RateLimited,
        529 => ErrorKind::ServerOverloaded,
        500..=599 => ErrorKind::InternalServerError,
        _ => return None,
    })
}

/// Anthropic's disjoint counts in Codex semantics: input = input + cache reads + writes.
fn anthropic_usage(u: &Usage<'_>) -> Result<TokenUsage, String> {
    let field = |k: &str, c: &Count| -> Result<u64, String> {
        c.0.clone()
            .map_err(|v| format!("usage.{k} is not a token count: {v}"))
    };
    let input = field("input_tokens", &u.input_tokens)?;
    let read = field("cache_read_input_tokens", &u.cache_read_input_tokens)?;
    let write = field(
        "cache_creation_input_tokens",
        &u.cache_creation_input_tokens,
    )?;
    // The split by lifetime, when the API gives it; without it every write is a five-minute
    // write (the API's default lifetime). Clamped: the split never exceeds the writes.
    let one_hour = match u.cache_creation.get() {
        None => 0,
        Some(c) => field(
            "cache_creation.ephemeral_1h_input_tokens",
            &c.ephemeral_1h_input_tokens,
        )?,
    };
    Ok(TokenUsage {
        input_tokens: input.saturating_add(read).saturating_add(write),
        cached_input_tokens: read,
        cache_write_input_tokens: write,
        output_tokens: field("output_tokens", &u.output_tokens)?,
        cache_write_1h_input_tokens: one_hour.min(write),
        ..TokenUsage::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::Collect;

    fn read(input: &str) -> Collect {
        let mut c = Collect::default();
        let _ =
            TranscriptReader::new(input.as_bytes(), "t.jsonl", ReadOptions::default()).feed(&mut c);
        c
    }

    #[test]
    fn one_hour_cache_writes_are_kept_apart() {
        let c = read(concat!(
            r#"{"type":"assistant","sessionId":"s","timestamp":"2026-11-25T08:00:00Z","requestId":"r1","#,
            r#""message":{"id":"m1","model":"claude-opus-4-8","content":[],"usage":{"input_tokens":10,"#,
            r#""cache_read_input_tokens":100,"cache_creation_input_tokens":1000,"output_tokens":5,"#,
            r#""cache_creation":{"ephemeral_5m_input_tokens":400,"ephemeral_1h_input_tokens":600}}}}"#,
            "\n"
        ));
        let u = c
            .events
            .iter()
            .find_map(|e| match &e.kind {
                agentobs_schema::EventKind::TokenUsage(u) => Some(u.usage),
                _ => None,
            })
            .expect("a usage event");
        assert_eq!(u.input_tokens, 1110);
        assert_eq!(u.cache_write_input_tokens, 1000);
        assert_eq!(u.cache_write_1h_input_tokens, 600);
    }

    #[test]
    fn usage_that_is_not_an_object_is_a_warning_and_bills_nothing() {
        let c = read(concat!(
            r#"{"type":"user","message":{"content":"hi"}}"#,
            "\n",
            r#"{"type":"assistant","requestId":"r","message":{"id":"m","usage":[1,2]}}"#,
            "\n"
        ));
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].line, 2);
        assert!(c.warnings[0].message.contains("usage is not an object"));
        assert!(
            !c.events
                .iter()
                .any(|e| matches!(e.kind, agentobs_schema::EventKind::TokenUsage(_)))
        );
    }

    #[test]
    fn bad_usage_is_a_warning_with_the_line() {
        let c = read(
            "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":-1}}}\n",
        );
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].line, 1);
        assert_eq!(c.warnings[0].kind, WarningKind::BadValue);
    }
}
