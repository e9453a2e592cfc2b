//! The chat-log reader: records upserted by id, then fed in first-written order.
//!
//! A tool call gives a tool result only: the chat log keeps no approval decision.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use agentobs_schema::{
    ErrorEvent, ErrorKind, Event, EventKind, EventSink, Harness, Redacted, SessionContext,
    SessionStarted, SourceEnd, Timestamp, TokenUsage, TokenUsageEvent, ToolResult, UserPrompt,
    Warning, WarningKind,
};
use serde_json::Value;

use crate::line::Lines;

/// How to read.
///
/// ```
/// use agentobs_gemini::ReadOptions;
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

/// A file could not be opened or read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ReadError {
    /// The file.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

/// The latest write of one record, and the line it came from.
#[derive(Debug)]
struct Record {
    line: u64,
    value: Value,
}

/// Reads one Gemini CLI chat log.
///
/// The log is a patch log, so nothing is emitted before its end: a record written twice is
/// billed once, with its later content (tool calls) kept, at the position of its first
/// write. `$set` records and unknown record types are skipped without a warning, except a
/// rewrite of a known record under an unknown type, which is damage: a warning on its line,
/// and the record's newest write of a known type is used. A `gemini` rewrite that lost its
/// `tokens` is damage too: a warning, and the counts of its newest earlier write are billed.
#[derive(Debug)]
pub struct ChatReader<R> {
    lines: Lines<R>,
    path: Arc<str>,
    opts: ReadOptions,
    bad: u64,
    incomplete: bool,
}

impl ChatReader<BufReader<File>> {
    /// Opens a file.
    pub fn open(path: &Path, opts: ReadOptions) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(|source| ReadError {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self::new(
            BufReader::new(file),
            path.display().to_string(),
            opts,
        ))
    }
}

impl<R: BufRead> ChatReader<R> {
    /// Reads from any buffered reader; `path` names it in warnings and events.
    pub fn new(reader: R, path: impl Into<Arc<str>>, opts: ReadOptions) -> Self {
        ChatReader {
            lines: Lines::new(reader, opts.max_line_bytes),
            path: path.into(),
            opts,
            bad: 0,
            incomplete: false,
        }
    }

    /// Reads to the end, feeds the events, then one [`SourceEnd`].
    pub fn feed<S: EventSink + ?Sized>(&mut self, sink: &mut S) -> ControlFlow<()> {
        let mut header: Option<Value> = None;
        let mut order: Vec<String> = Vec::new();
        // Every write of a record, oldest first (the last few): the newest that reads is used.
        let mut records: HashMap<String, Vec<Record>> = HashMap::new();
        loop {
            let line = match self.lines.next_line() {
                Ok(None) => break,
                Ok(Some(l)) => l,
                Err(e) => {
                    let n = self.lines.number().saturating_add(1);
                    self.warn(sink, n, WarningKind::Io, format!("read error: {e}"));
                    break;
                }
            };
            let number = line.number;
            if let Some(len) = line.oversized {
                let m = format!("line of {len} bytes is over the cap; skipped");
                self.warn(sink, number, WarningKind::Oversized, m);
                continue;
            }
            if line.bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let complete = line.complete;
            let value: Value = match serde_json::from_slice(line.bytes) {
                Ok(v) => v,
                Err(e) => {
                    let (kind, m) = if complete {
                        (WarningKind::InvalidJson, format!("invalid JSON: {e}"))
                    } else {
                        self.incomplete = true;
                        (WarningKind::Incomplete, "last line is incomplete".into())
                    };
                    self.warn(sink, number, kind, m);
                    continue;
                }
            };
            if !value.is_object() {
                self.warn(
                    sink,
                    number,
                    WarningKind::BadValue,
                    "not a JSON object".into(),
                );
                continue;
            }
            if value.get("$set").is_some() {
                continue;
            }
            if let Some(tokens) = value.get("tokens").filter(|t| !t.is_null())
                && let Err(m) = gemini_usage(tokens)
            {
                // A bad rewrite must not replace a good earlier write of the record.
                self.warn(sink, number, WarningKind::BadValue, m);
                continue;
            }
            match value.get("id").and_then(Value::as_str) {
                Some(id) => {
                    let id = id.to_owned();
                    if !records.contains_key(&id) {
                        order.push(id.clone());
                    }
                    let writes = records.entry(id).or_default();
                    if writes.len() == MAX_WRITES_KEPT {
                        writes.remove(0);
                    }
                    writes.push(Record {
                        line: number,
                        value,
                    });
                }
                None if header.is_none() && value.get("sessionId").is_some() => {
                    header = Some(value);
                }
                None => {}
            }
        }
        let mut flow = ControlFlow::Continue(());
        let mut emit = Emitter::new(self.path.clone(), &self.opts, header.as_ref());
        let mut out = Vec::new();
        emit.start(&mut out);
        let mut attempt = Vec::new();
        for id in &order {
            let Some(writes) = records.get_mut(id) else {
                continue;
            };
            // Token counts do not leave a record: a `gemini` rewrite without them is damaged,
            // and bills the counts of its newest earlier write that had them.
            let mut last_tokens: Option<&Value> = None;
            let mut restore = Vec::new();
            for (i, w) in writes.iter().enumerate() {
                match w.value.get("tokens").filter(|t| !t.is_null()) {
                    Some(t) => last_tokens = Some(t),
                    None if w.value.get("type").and_then(Value::as_str) == Some("gemini") => {
                        if let Some(t) = last_tokens {
                            restore.push((i, t.clone()));
                        }
                    }
                    None => {}
                }
            }
            for (i, tokens) in restore {
                let w = &mut writes[i];
                if let Some(o) = w.value.as_object_mut() {
                    o.insert("tokens".to_owned(), tokens);
                }
                let m = format!(
                    "record {id} rewritten without its tokens; the earlier counts are billed"
                );
                self.warn(sink, w.line, WarningKind::BadValue, m);
            }
            let writes = &*writes;
            // A damaged rewrite must not cost the record its good earlier write. A write of
            // a type this reader does not know, when another write of the same record has one
            // it knows, is damaged too: a record keeps its type.
            let typed = writes.iter().any(|w| known_type(&w.value));
            for r in writes.iter().rev() {
                if typed && !known_type(&r.value) {
                    let t = r.value.get("type").and_then(Value::as_str).unwrap_or("");
                    let m = format!("record {id} rewritten with unknown type {t:?}; skipped");
                    self.warn(sink, r.line, WarningKind::BadValue, m);
                    continue;
                }
                attempt.clear();
                match emit.record(r, &mut attempt) {
                    Ok(()) => {
                        out.append(&mut attempt);
                        break;
                    }
                    Err(m) => self.warn(sink, r.line, WarningKind::BadValue, m),
                }
            }
        }
        for ev in &out {
            flow = sink.event(ev);
            if flow.is_break() {
                break;
            }
        }
        let mut end = SourceEnd::new(self.path.clone());
        end.context = Some(emit.ctx.clone());
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
}

/// Writes of one record kept for the fallback to an earlier one (Gemini CLI writes a record
/// twice).
const MAX_WRITES_KEPT: usize = 4;

/// Turns final records into events.
struct Emitter {
    path: Arc<str>,
    show: bool,
    ctx: Arc<SessionContext>,
    at: Timestamp,
}

impl Emitter {
    fn new(path: Arc<str>, opts: &ReadOptions, header: Option<&Value>) -> Self {
        let mut ctx = SessionContext::new(Harness::GeminiCli);
        ctx.model_provider = Some("google".into());
        let mut at = Timestamp::default();
        if let Some(h) = header {
            ctx.session_id = h
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            ctx.thread_id.clone_from(&ctx.session_id);
            if let Some(t) = h.get("startTime").and_then(Value::as_str) {
                at = Timestamp::parse_rfc3339(t).unwrap_or_default();
            }
        }
        Emitter {
            path,
            show: opts.include_content,
            ctx: Arc::new(ctx),
            at,
        }
    }

    fn event(&self, kind: EventKind, line: u64) -> Event {
        Event::new(self.at, self.ctx.clone(), kind).with_src(self.path.clone(), line)
    }

    fn start(&self, out: &mut Vec<Event>) {
        if self.ctx.session_id.is_some() {
            out.push(self.event(EventKind::SessionStarted(SessionStarted::default()), 1));
        }
    }

    fn record(&mut self, r: &Record, out: &mut Vec<Event>) -> Result<(), String> {
        let v = &r.value;
        if let Some(t) = v.get("timestamp").and_then(Value::as_str) {
            self.at =
                Timestamp::parse_rfc3339(t).map_err(|e| format!("bad timestamp {t:?}: {e}"))?;
        }
        match v.get("type").and_then(Value::as_str) {
            Some("user") => {
                let text = texts(v.get("content"));
                if !text.is_empty() {
                    let mut p = UserPrompt::default();
                    p.length = text.chars().count() as u64;
                    p.text_inputs = 1;
                    p.text = Redacted::from_text(&text, self.show);
                    out.push(self.event(EventKind::UserPrompt(p), r.line));
                }
                Ok(())
            }
            Some("gemini") => self.gemini(r, out),
            Some("error") => {
                let msg = v.get("content").and_then(Value::as_str).unwrap_or("error");
                out.push(self.event(EventKind::Error(ErrorEvent::new(msg)), r.line));
                Ok(())
            }
            // A kind this reader does not know yet: kept out, not an error.
            Some(_) => Ok(()),
            // Every message record has a type: without one, the write is damaged (and an
            // earlier write of the record, if any, is used instead).
            None => Err("message record without a type".into()),
        }
    }

    fn gemini(&mut self, r: &Record, out: &mut Vec<Event>) -> Result<(), String> {
        let v = &r.value;
        if let Some(m) = v.get("model").and_then(Value::as_str)
            && self.ctx.model.as_deref() != Some(m)
        {
            let mut ctx = (*self.ctx).clone();
            ctx.model = Some(m.to_owned());
            self.ctx = Arc::new(ctx);
        }
        if let Some(tokens) = v.get("tokens").filter(|t| !t.is_null()) {
            let u = gemini_usage(tokens)?;
            let mut ev = TokenUsageEvent::new(u);
            ev.prompt_tokens = Some(u.input_tokens);
            ev.response_id = v.get("id").and_then(Value::as_str).map(str::to_owned);
            out.push(self.event(EventKind::TokenUsage(ev), r.line));
        }
        for call in v
            .get("toolCalls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push(self.event(EventKind::ToolResult(self.tool(call)), r.line));
        }
        Ok(())
    }

    fn tool(&self, call: &Value) -> ToolResult {
        let s = |k: &str| call.get(k).and_then(Value::as_str);
        let mut t = ToolResult::new(s("name").unwrap_or("unknown"));
        t.call_id = s("id").map(str::to_owned);
        let status = s("status");
        let mut output = String::new();
        let mut error = false;
        for part in call
            .get("result")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let resp = &part["functionResponse"]["response"];
            if let Some(o) = resp.get("output").and_then(Value::as_str) {
                output.push_str(o);
            }
            if let Some(e) = resp.get("error") {
                error = true;
                output.push_str(
                    e.as_str()
                        .map_or_else(|| e.to_string(), str::to_owned)
                        .as_str(),
                );
            }
        }
        // The shell tool reports its exit code inside the output.
        t.exit_code = output
            .split("Exit Code: ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit() && c != '-').next())
            .and_then(|n| n.parse().ok());
        let ok = status == Some("success") && !error && t.exit_code.is_none_or(|c| c == 0);
        t.success = Some(ok);
        t.reported_success = status.map(|s| s == "success");
        t.arguments = Redacted::from_text(
            &call.get("args").map(Value::to_string).unwrap_or_default(),
            self.show,
        );
        t.output = Redacted::from_text(&output, self.show);
        t
    }
}

/// A message record of a type [`Emitter::record`] reads.
fn known_type(v: &Value) -> bool {
    matches!(
        v.get("type").and_then(Value::as_str),
        Some("user" | "gemini" | "error")
    )
}

fn texts(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Gemini's counts in Codex semantics: input (cached included) + tool-use prompt; output +
/// thoughts, thoughts as reasoning.
fn gemini_usage(t: &Value) -> Result<TokenUsage, String> {
    let field = |k: &str| -> Result<u64, String> {
        match t.get(k) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("tokens.{k} is not a token count: {v}")),
        }
    };
    let input = field("input")?.saturating_add(field("tool")?);
    let thoughts = field("thoughts")?;
    Ok(TokenUsage {
        input_tokens: input,
        cached_input_tokens: field("cached")?.min(input),
        output_tokens: field("output")?.saturating_add(thoughts),
        reasoning_output_tokens: thoughts,
        ..TokenUsage::default()
    })
}

/// Reads a `gemini-client-error-*.json` report (written to the temp directory when a request
/// fails for good; the chat log has no trace of it) as one error event of `session_id`.
pub fn read_client_error(path: &Path, session_id: Option<&str>) -> Result<Event, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError {
        path: path.display().to_string(),
        source,
    })?;
    let bad = |m: String| ReadError {
        path: path.display().to_string(),
        source: io::Error::new(io::ErrorKind::InvalidData, m),
    };
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let message = v["error"]["message"]
        .as_str()
        .ok_or_else(|| bad("no error.message".into()))?;
    let mut e = ErrorEvent::new(message);
    // The message is often the API's own JSON error body.
    if let Ok(body) = serde_json::from_str::<Value>(message) {
        e.status_code = body["error"]["code"]
            .as_u64()
            .and_then(|c| u16::try_from(c).ok());
        if let Some(m) = body["error"]["message"].as_str() {
            e.message = m.to_owned();
        }
    }
    e.kind = e.status_code.and_then(|s| match s {
        400 => Some(ErrorKind::BadRequest),
        401 | 403 => Some(ErrorKind::Unauthorized),
        429 => Some(ErrorKind::RateLimited),
        500..=599 => Some(ErrorKind::InternalServerError),
        _ => None,
    });
    let mut ctx = SessionContext::new(Harness::GeminiCli);
    ctx.session_id = session_id.map(str::to_owned);
    ctx.thread_id.clone_from(&ctx.session_id);
    let at = report_time(path).unwrap_or_default();
    let name: Arc<str> = path.display().to_string().into();
    Ok(Event::new(at, Arc::new(ctx), EventKind::Error(e)).with_src(name, 0))
}

/// The time in a report's name: `…-2026-12-02T19-25-29-997Z.json`.
fn report_time(path: &Path) -> Option<Timestamp> {
    let name = path.file_stem()?.to_str()?;
    let stamp = name.get(name.len().checked_sub(24)?..)?;
    let (date, time) = stamp.split_once('T')?;
    let t: Vec<&str> = time.trim_end_matches('Z').split('-').collect();
    let [h, m, s, ms] = t.as_slice() else {
        return None;
    };
    Timestamp::parse_rfc3339(&format!("{date}T{h}:{m}:{s}.{ms}Z")).ok()
}
