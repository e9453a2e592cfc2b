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
use serde_json::Value;

use crate::line::Lines;

/// How to read.
///
/// ```
/// use agentobs_claude::ReadOptions;
/// let o = ReadOptions::default().with_content(true).with_max_line_bytes(1 << 20);
/// assert!(o.include_content);
/// assert_eq!(o.max_line_bytes, 1 << 20);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Keep prompt text, tool arguments and tool output (default off: lengths only).
    pub include_content: bool,
    /// Lines longer than this are skipped with a warning (default 16 MiB).
    pub max_line_bytes: usize,
}

impl Default for ReadOptions {
    /// Content off, lines up to 16 MiB.
    fn default() -> Self {
        ReadOptions {
            include_content: false,
            max_line_bytes: 16 * 1024 * 1024,
        }
    }
}

impl ReadOptions {
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
    keys: HashSet<String>,
}

impl SeenRequests {
    /// Marks `key` as billed; true when it was new.
    fn insert(&mut self, key: String) -> bool {
        self.keys.insert(key)
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
    arguments: String,
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
    opts: ReadOptions,
    ctx: Arc<SessionContext>,
    started: bool,
    tools: HashMap<String, PendingTool>,
    last_ts: Timestamp,
    bad: u64,
    incomplete: bool,
}

impl TranscriptReader<BufReader<File>> {
    /// Opens a file.
    pub fn open(path: &Path, opts: ReadOptions) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(|source| ReadError {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self::new(
            BufReader::with_capacity(64 * 1024, file),
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
        TranscriptReader {
            lines: Lines::new(reader, opts.max_line_bytes),
            path: path.into(),
            opts,
            ctx: Arc::new(ctx),
            started: false,
            tools: HashMap::new(),
            last_ts: Timestamp::default(),
            bad: 0,
            incomplete: false,
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
        loop {
            let (number, value) = match self.lines.next_line() {
                Ok(None) => break,
                Err(e) => {
                    let n = self.lines.number().saturating_add(1);
                    self.warn(sink, n, WarningKind::Io, format!("read error: {e}"));
                    break;
                }
                Ok(Some(line)) => {
                    let number = line.number;
                    if let Some(len) = line.oversized {
                        let msg = format!("line of {len} bytes is over the cap; skipped");
                        self.warn(sink, number, WarningKind::Oversized, msg);
                        continue;
                    }
                    if line.bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    match serde_json::from_slice::<Value>(line.bytes) {
                        Ok(v) => (number, v),
                        Err(e) => {
                            let (kind, msg) = if line.complete {
                                (WarningKind::InvalidJson, format!("invalid JSON: {e}"))
                            } else {
                                self.incomplete = true;
                                (WarningKind::Incomplete, "last line is incomplete".into())
                            };
                            self.warn(sink, number, kind, msg);
                            continue;
                        }
                    }
                }
            };
            if let Err(msg) = self.line(&value, number, seen, &mut out) {
                self.warn(sink, number, WarningKind::BadValue, msg);
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
        end.context = Some(self.ctx.clone());
        end.lines = self.lines.number();
        end.bad_lines = self.bad;
        end.complete = flow.is_continue() && !self.incomplete;
        sink.end(&end);
        flow
    }

    fn warn<S: EventSink + ?Sized>(
        &mut self,
        sink: &mut S,
        line: u64,
        kind: WarningKind,
        m: String,
    ) {
        self.bad = self.bad.saturating_add(1);
        sink.warning(&Warning {
            path: self.path.clone(),
            line,
            kind,
            message: m,
        });
    }

    fn event(&self, kind: EventKind, line: u64) -> Event {
        Event::new(self.last_ts, self.ctx.clone(), kind).with_src(self.path.clone(), line)
    }

    /// Handles one parsed line; `Err` is a bad-shape message.
    fn line(
        &mut self,
        v: &Value,
        number: u64,
        seen: &mut SeenRequests,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let Some(obj) = v.as_object() else {
            return Err("line is not a JSON object".into());
        };
        let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
        if let Some(ts) = obj.get("timestamp").and_then(Value::as_str) {
            match Timestamp::parse_rfc3339(ts) {
                Ok(t) => self.last_ts = t,
                Err(e) => return Err(format!("bad timestamp {ts:?}: {e}")),
            }
        }
        match kind {
            "user" | "assistant" => {}
            "summary" => {
                let mut c = Compaction::default();
                if let Some(s) = obj.get("summary").and_then(Value::as_str) {
                    c.summary = Some(Redacted::from_text(s, self.opts.include_content));
                }
                out.push(self.event(EventKind::Compaction(c), number));
                return Ok(());
            }
            "system" if obj.get("subtype").and_then(Value::as_str) == Some("compact_boundary") => {
                out.push(self.event(EventKind::Compaction(Compaction::default()), number));
                return Ok(());
            }
            _ => return Ok(()),
        }
        self.context(obj, number, out);
        let message = obj
            .get("message")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{kind} line without a message object"))?;
        if kind == "user" {
            self.user(obj, message, number, out)
        } else {
            self.assistant(obj, message, number, seen, out)
        }
    }

    /// Updates the session context from a message line; the first one starts the session.
    fn context(&mut self, obj: &serde_json::Map<String, Value>, number: u64, out: &mut Vec<Event>) {
        let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let mut ctx = (*self.ctx).clone();
        let session = s("sessionId");
        if session.is_some() {
            ctx.session_id.clone_from(&session);
        }
        let sidechain = obj.get("isSidechain").and_then(Value::as_bool) == Some(true);
        if sidechain {
            ctx.parent_thread_id.clone_from(&session);
            ctx.thread_id = s("agentId").or_else(|| ctx.thread_id.clone());
            ctx.subagent.get_or_insert_with(|| SubAgent {
                kind: "sidechain".into(),
                depth: Some(1),
                ..SubAgent::default()
            });
        } else if ctx.thread_id.is_none() {
            ctx.thread_id.clone_from(&session);
        }
        for (field, key) in [
            (&mut ctx.cwd, "cwd"),
            (&mut ctx.app_version, "version"),
            (&mut ctx.source, "entrypoint"),
        ] {
            if let Some(v) = s(key) {
                *field = Some(v);
            }
        }
        if let Some(branch) = s("gitBranch") {
            ctx.git.get_or_insert_with(Default::default).branch = Some(branch);
        }
        if ctx != *self.ctx {
            self.ctx = Arc::new(ctx);
        }
        if !self.started {
            self.started = true;
            out.push(self.event(EventKind::SessionStarted(SessionStarted::default()), number));
        }
    }

    fn user(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        message: &serde_json::Map<String, Value>,
        number: u64,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let show = self.opts.include_content;
        match message.get("content") {
            Some(Value::String(text)) => {
                if obj.get("isMeta").and_then(Value::as_bool) != Some(true) {
                    out.push(self.event(EventKind::UserPrompt(prompt(text, show)), number));
                }
            }
            Some(Value::Array(blocks)) => {
                for b in blocks {
                    match b.get("type").and_then(Value::as_str) {
                        Some("tool_result") => {
                            let r = self.tool_result(b);
                            out.push(self.event(EventKind::ToolResult(r), number));
                        }
                        Some("text") => {
                            let text = b.get("text").and_then(Value::as_str).unwrap_or("");
                            out.push(self.event(EventKind::UserPrompt(prompt(text, show)), number));
                        }
                        _ => {}
                    }
                }
            }
            _ => return Err("user message without content".into()),
        }
        Ok(())
    }

    fn tool_result(&mut self, b: &Value) -> ToolResult {
        let id = b.get("tool_use_id").and_then(Value::as_str).unwrap_or("");
        let pending = self.tools.remove(id);
        let mut r = ToolResult::new(pending.as_ref().map_or("unknown", |p| p.name.as_str()));
        r.call_id = Some(id.to_owned()).filter(|s| !s.is_empty());
        let is_error = b.get("is_error").and_then(Value::as_bool).unwrap_or(false);
        r.success = Some(!is_error);
        r.reported_success = Some(!is_error);
        let output = match b.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        };
        r.output = Redacted::from_text(&output, self.opts.include_content);
        if let Some(p) = pending {
            r.arguments = Redacted::from_text(&p.arguments, self.opts.include_content);
        }
        r
    }

    fn assistant(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        message: &serde_json::Map<String, Value>,
        number: u64,
        seen: &mut SeenRequests,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let model = message.get("model").and_then(Value::as_str);
        let api_error = obj.get("isApiErrorMessage").and_then(Value::as_bool) == Some(true)
            || model == Some("<synthetic>");
        if let Some(m) = model.filter(|m| *m != "<synthetic>")
            && self.ctx.model.as_deref() != Some(m)
        {
            let mut ctx = (*self.ctx).clone();
            ctx.model = Some(m.to_owned());
            self.ctx = Arc::new(ctx);
        }
        let blocks = message.get("content").and_then(Value::as_array);
        if api_error {
            let text = blocks
                .into_iter()
                .flatten()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n");
            let mut e = ErrorEvent::new(text);
            e.status_code = obj
                .get("apiErrorStatus")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok());
            e.kind = e.status_code.and_then(error_kind);
            out.push(self.event(EventKind::Error(e), number));
            return Ok(());
        }
        for b in blocks.into_iter().flatten() {
            if b.get("type").and_then(Value::as_str) == Some("tool_use") {
                let id = b.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
                let name = b.get("name").and_then(Value::as_str).unwrap_or("unknown");
                let arguments = b.get("input").map(Value::to_string).unwrap_or_default();
                self.tools.insert(
                    id,
                    PendingTool {
                        name: name.to_owned(),
                        arguments,
                    },
                );
            }
        }
        let Some(usage) = message.get("usage") else {
            return Ok(());
        };
        let msg_id = message.get("id").and_then(Value::as_str);
        let req_id = obj.get("requestId").and_then(Value::as_str);
        let key = match (msg_id, req_id) {
            (Some(m), Some(r)) => format!("{m}:{r}"),
            (Some(m), None) => format!("{m}:"),
            (None, Some(r)) => format!(":{r}"),
            (None, None) => format!("{}:{number}", self.path),
        };
        // Parse before marking the response billed: a damaged copy must not hide a good one.
        let u = anthropic_usage(usage)?;
        if !seen.insert(key) {
            return Ok(());
        }
        let mut ev = TokenUsageEvent::new(u);
        ev.prompt_tokens = Some(u.input_tokens);
        ev.response_id = msg_id.map(str::to_owned);
        if let Some(tier) = usage.get("service_tier").and_then(Value::as_str) {
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

fn error_kind(status: u16) -> Option<ErrorKind> {
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
fn anthropic_usage(u: &Value) -> Result<TokenUsage, String> {
    let field = |k: &str| -> Result<u64, String> {
        match u.get(k) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("usage.{k} is not a token count: {v}")),
        }
    };
    let input = field("input_tokens")?;
    let read = field("cache_read_input_tokens")?;
    let write = field("cache_creation_input_tokens")?;
    // The split by lifetime, when the API gives it; without it every write is a five-minute
    // write (the API's default lifetime). Clamped: the split never exceeds the writes.
    let one_hour = match u
        .get("cache_creation")
        .and_then(|c| c.get("ephemeral_1h_input_tokens"))
    {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().ok_or_else(|| {
            format!("usage.cache_creation.ephemeral_1h_input_tokens is not a token count: {v}")
        })?,
    };
    Ok(TokenUsage {
        input_tokens: input.saturating_add(read).saturating_add(write),
        cached_input_tokens: read,
        cache_write_input_tokens: write,
        output_tokens: field("output_tokens")?,
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
    fn bad_usage_is_a_warning_with_the_line() {
        let c = read(
            "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":-1}}}\n",
        );
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].line, 1);
        assert_eq!(c.warnings[0].kind, WarningKind::BadValue);
    }
}
