//! The rollout reader: one file in, a stream of events (and warnings) out.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use std::ops::ControlFlow;

use agentobs_schema::{
    Compaction, Decision, ErrorEvent, ErrorKind, Event, EventKind, EventSink, GitInfo,
    GuardianReview, Harness, OtherEvent, RateLimitSnapshot, RateLimitWindow, Redacted,
    SessionContext, SessionStarted, SourceEnd, SubAgent, Timestamp, TokenUsage, TokenUsageEvent,
    ToolOrigin, ToolResult, TurnCompleted, TurnStarted, UserPrompt,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::accounting::{Accountant, Merge, ResponseIds, RowOutcome, Totals, to_usage};
use crate::classify::{compact_header, completed_item_type};
use crate::lines::{Line, LineReader};
use crate::names::{self, event as ev, item, line as kind};
use crate::raw::{self, Env, LooseEnvelope};
use crate::stats::FileStats;
use agentobs_schema::{Warning, WarningKind};

/// What a reader extracts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    /// Token usage only (plus the first prompt of each thread): the fast path for cost reports.
    Tokens,
    /// Every event.
    #[default]
    Full,
}

/// How to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// What to extract.
    pub mode: ReadMode,
    /// Keep prompt text, tool arguments and tool output (off by default).
    pub include_content: bool,
    /// Lines longer than this are skipped with a warning, without being held in memory.
    pub max_line_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mode: ReadMode::Full,
            include_content: false,
            max_line_bytes: 16 * 1024 * 1024,
        }
    }
}

impl ReadOptions {
    /// Options for the token-only fast path.
    pub fn tokens() -> Self {
        ReadOptions {
            mode: ReadMode::Tokens,
            ..Self::default()
        }
    }
}

/// A file could not be opened or read at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ReadError {
    /// The file.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct PendingCall {
    tool: String,
    at: Timestamp,
    turn_id: Option<String>,
    arguments: Option<Redacted<String>>,
    mcp_server: Option<String>,
    origin: Option<ToolOrigin>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ExecInfo {
    exit_code: Option<i64>,
    duration_ms: Option<u64>,
    status: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PendingStart {
    at: Timestamp,
    line: u64,
    started: SessionStarted,
}

/// Everything a reader knows about a file after some prefix of it: enough to resume reading
/// from `offset` when the file grows (rollouts are append-only).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReaderState {
    /// Byte offset of the first line not yet consumed.
    pub offset: u64,
    /// Lines consumed.
    pub line: u64,
    /// Counts so far.
    pub stats: FileStats,
    ctx: Arc<SessionContext>,
    saw_meta: bool,
    saw_turn_context: bool,
    created_ms: Option<i64>,
    /// When the replay of a parent's history was written (its rows carry this stamp).
    #[serde(alias = "created_sec")]
    replay_stamp_ms: Option<i64>,
    replaying: bool,
    acct: Accountant,
    last_ts: Option<Timestamp>,
    turn_id: Option<String>,
    parent_turn_id: Option<String>,
    context_window: Option<u64>,
    prompts: u64,
    last_prompt: Option<(Option<String>, u64)>,
    calls: HashMap<String, PendingCall>,
    exec: HashMap<String, ExecInfo>,
    /// The previous record's thread total, for records that give only that.
    record_total: Option<TokenUsage>,
    /// Records and total changes, billed once between them.
    merge: Merge,
    /// Response ids billed or replayed.
    responses: ResponseIds,
}

impl ReaderState {
    /// The session context as known so far.
    pub fn context(&self) -> &Arc<SessionContext> {
        &self.ctx
    }
}

/// Where the payload of a line is.
#[derive(Clone, Copy)]
enum Src<'a> {
    /// The whole compact line; the payload is under `payload`.
    Line(&'a [u8]),
    /// The payload itself.
    Raw(&'a str),
}

impl<'a> Src<'a> {
    /// The payload read by `fast` when the line is in compact form and `fast` accepts it, else
    /// by the full parser.
    fn parse_or<P: Deserialize<'a>>(
        self,
        fast: impl FnOnce(&'a [u8]) -> Option<P>,
    ) -> Result<P, serde_json::Error> {
        if let Src::Line(b) = self
            && let Some(p) = fast(b)
        {
            return Ok(p);
        }
        self.parse()
    }

    fn parse<P: Deserialize<'a>>(self) -> Result<P, serde_json::Error> {
        match self {
            Src::Line(b) => serde_json::from_slice::<Env<P>>(b).map(|e| e.payload),
            Src::Raw(s) => serde_json::from_str::<P>(s),
        }
    }
}

const MAX_PENDING_CALLS: usize = 4096;

/// A parent's history is copied into a child's file in one burst, stamped with the child's
/// creation time. A line stamped later than this after the burst is the child's own (for
/// files whose turn ids carry no time; UUIDv7 turn ids decide exactly). Not "a later second":
/// a burst written 5 ms after a second boundary is still the burst.
const REPLAY_BURST_MILLIS: i64 = 250;

/// Reads one rollout file as a stream of events.
///
/// Iterating yields `Ok(event)` or `Err(warning)`; a warning never ends the stream.
///
/// ```no_run
/// use agentobs_codex::{ReadOptions, RolloutReader};
/// let reader = RolloutReader::open("rollout.jsonl".as_ref(), ReadOptions::default())?;
/// for item in reader {
///     match item {
///         Ok(event) => println!("{}", event.kind.type_name()),
///         Err(warning) => eprintln!("warning: {warning}"),
///     }
/// }
/// # Ok::<(), agentobs_codex::ReadError>(())
/// ```
pub struct RolloutReader<R> {
    lines: LineReader<R>,
    core: Core,
    finished: bool,
}

impl RolloutReader<File> {
    /// Opens a file.
    pub fn open(path: &Path, opts: ReadOptions) -> Result<Self, ReadError> {
        Self::open_sized(path, opts, None)
    }

    /// Opens a file whose size the caller already knows (from discovery), which saves a
    /// `stat` per file when reading thousands of them.
    pub fn open_sized(
        path: &Path,
        opts: ReadOptions,
        size: Option<u64>,
    ) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(|source| ReadError {
            path: path.display().to_string(),
            source,
        })?;
        let expected = match size {
            Some(s) => usize::try_from(s).unwrap_or(usize::MAX).saturating_add(1),
            None => file.metadata().map_or(0, |m| {
                usize::try_from(m.len())
                    .unwrap_or(usize::MAX)
                    .saturating_add(1)
            }),
        };
        let lines = LineReader::with_buffer(file, 0, 0, opts.max_line_bytes, expected);
        Ok(Self::with_lines(lines, path.display().to_string(), opts))
    }

    /// Opens a file and continues from a saved state (the file must have only grown).
    pub fn resume(path: &Path, state: ReaderState, opts: ReadOptions) -> Result<Self, ReadError> {
        let mut file = File::open(path).map_err(|source| ReadError {
            path: path.display().to_string(),
            source,
        })?;
        file.seek(SeekFrom::Start(state.offset))
            .map_err(|source| ReadError {
                path: path.display().to_string(),
                source,
            })?;
        let expected = file.metadata().map_or(0, |m| {
            usize::try_from(m.len().saturating_sub(state.offset))
                .unwrap_or(usize::MAX)
                .saturating_add(1)
        });
        let lines = LineReader::with_buffer(
            file,
            state.offset,
            state.line,
            opts.max_line_bytes,
            expected,
        );
        let mut r = Self::with_lines(lines, path.display().to_string(), opts);
        r.core.st = state;
        Ok(r)
    }
}

impl<R: Read> RolloutReader<R> {
    /// Reads from any reader; `path` names it in warnings and events.
    pub fn new(reader: R, path: impl Into<Arc<str>>, opts: ReadOptions) -> Self {
        let lines = LineReader::new(reader, 0, 0, opts.max_line_bytes);
        Self::with_lines(lines, path, opts)
    }

    fn with_lines(lines: LineReader<R>, path: impl Into<Arc<str>>, opts: ReadOptions) -> Self {
        let ctx = SessionContext::new(Harness::Codex);
        RolloutReader {
            lines,
            core: Core {
                path: path.into(),
                st: ReaderState {
                    ctx: Arc::new(ctx),
                    ..ReaderState::default()
                },
                opts,
                start: None,
                held: Vec::new(),
                out: VecDeque::new(),
            },
            finished: false,
        }
    }

    /// Counts so far (complete after the iterator is exhausted).
    pub fn stats(&self) -> &FileStats {
        &self.core.st.stats
    }

    /// The state to resume from later. Meaningful once the iterator is exhausted.
    pub fn state(&self) -> &ReaderState {
        &self.core.st
    }

    /// Consumes the reader, returning its final state.
    pub fn into_state(self) -> ReaderState {
        self.core.st
    }

    /// The path label.
    pub fn path(&self) -> &Arc<str> {
        &self.core.path
    }

    /// Reads to the end, feeding `sink` every event and warning in order, then one
    /// [`SourceEnd`] for the file. Stops early (the end then says `complete: false`) when the
    /// sink returns [`ControlFlow::Break`].
    ///
    /// ```
    /// use agentobs_codex::{ReadOptions, RolloutReader};
    /// use agentobs_schema::Collect;
    ///
    /// let line = br#"{"timestamp":"2026-11-25T08:21:00.000Z","type":"session_meta","payload":{"id":"t1"}}"#;
    /// let mut sink = Collect::default();
    /// RolloutReader::new(&line[..], "mem.jsonl", ReadOptions::default()).feed(&mut sink);
    /// assert_eq!(sink.events[0].kind.type_name(), "session_started");
    /// assert_eq!(sink.ends.len(), 1);
    /// ```
    pub fn feed<S: EventSink + ?Sized>(&mut self, sink: &mut S) -> ControlFlow<()> {
        let mut flow = ControlFlow::Continue(());
        for item in self.by_ref() {
            match item {
                Ok(event) => {
                    flow = sink.event(&event);
                    if flow.is_break() {
                        break;
                    }
                }
                Err(warning) => sink.warning(&warning),
            }
        }
        let stats = &self.core.st.stats;
        let mut end = SourceEnd::new(self.core.path.clone());
        end.context = Some(self.core.st.ctx.clone());
        end.lines = stats.lines;
        end.bad_lines = stats.bad;
        end.complete = flow.is_continue() && !stats.incomplete_tail;
        sink.end(&end);
        flow
    }

    fn pump(&mut self) {
        let line = match self.lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => {
                self.finish();
                return;
            }
            Err(e) => {
                let w = self.warning(
                    self.lines.line_number().saturating_add(1),
                    WarningKind::Io,
                    format!("read error: {e}"),
                );
                self.core.out.push_back(Err(w));
                self.core.st.stats.bad = self.core.st.stats.bad.saturating_add(1);
                self.finish();
                return;
            }
        };
        let (number, offset, complete, oversized) =
            (line.number, line.offset, line.complete, line.oversized);
        // The line borrows the line reader; the handlers borrow the other fields.
        let Line { bytes, .. } = line;
        let consumed = Self::process(&mut self.core, bytes, number, complete, oversized);
        if consumed {
            self.core.st.offset = self.lines.offset();
            self.core.st.line = number;
        } else {
            self.core.st.offset = offset;
            self.core.st.line = number.saturating_sub(1);
        }
        self.core.st.stats.bytes = self.core.st.offset;
    }

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.core.flush_start();
    }

    fn warning(&self, line: u64, kind: WarningKind, message: String) -> Warning {
        Warning {
            path: self.core.path.clone(),
            line,
            kind,
            message,
        }
    }

    fn process(
        p: &mut Core,
        bytes: &[u8],
        number: u64,
        complete: bool,
        oversized: Option<u64>,
    ) -> bool {
        p.st.stats.lines = p.st.stats.lines.saturating_add(1);
        if let Some(len) = oversized {
            p.st.stats.bad = p.st.stats.bad.saturating_add(1);
            p.warn(
                number,
                WarningKind::Oversized,
                format!(
                    "line of {len} bytes is longer than the {} byte limit; skipped",
                    p.opts.max_line_bytes
                ),
            );
            return true;
        }
        let trimmed = trim(bytes);
        if trimmed.is_empty() {
            p.st.stats.skipped = p.st.stats.skipped.saturating_add(1);
            return true;
        }
        if !complete && serde_json::from_slice::<serde::de::IgnoredAny>(trimmed).is_err() {
            p.st.stats.lines = p.st.stats.lines.saturating_sub(1);
            p.st.stats.incomplete_tail = true;
            p.warn(
                number,
                WarningKind::Incomplete,
                "last line is incomplete (file still being written); it will be read once complete"
                    .into(),
            );
            return false;
        }
        p.line(trimmed, number);
        true
    }
}

impl<R: Read> Iterator for RolloutReader<R> {
    type Item = Result<Event, Warning>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.core.out.pop_front() {
                return Some(item);
            }
            if self.finished {
                return None;
            }
            self.pump();
        }
    }
}

/// A line or payload type name as `&str`: the known ones without a UTF-8 check.
fn name(b: &[u8]) -> Option<&str> {
    const KNOWN: &[&str] = &[
        kind::EVENT_MSG,
        kind::RESPONSE_ITEM,
        kind::TOKEN_USAGE_RECORD,
        kind::TURN_CONTEXT,
        kind::SESSION_META,
        ev::TOKEN_COUNT,
        ev::TASK_STARTED,
        ev::THREAD_SETTINGS_APPLIED,
        ev::ITEM_COMPLETED,
        ev::TASK_COMPLETE,
    ];
    KNOWN
        .iter()
        .find(|k| k.as_bytes() == b)
        .copied()
        .or_else(|| std::str::from_utf8(b).ok())
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e.saturating_add(1));
    b.get(start..end).unwrap_or_default()
}

/// Everything a reader keeps but its line buffer: split off so that the line being read can
/// borrow the buffer while the handlers change the rest.
struct Core {
    path: Arc<str>,
    opts: ReadOptions,
    st: ReaderState,
    start: Option<PendingStart>,
    held: Vec<Event>,
    out: VecDeque<Result<Event, Warning>>,
}

fn is_uuid_v7(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36 && id.is_ascii() && b.get(8) == Some(&b'-') && b.get(14) == Some(&b'7')
}

/// Unix milliseconds encoded in a UUIDv7 (its first 48 bits). An id with non-ASCII bytes is
/// not a UUID: `None`, never a slice inside a character.
fn uuid_v7_millis(id: &str) -> Option<i64> {
    if !is_uuid_v7(id) {
        return None;
    }
    let hex: String = id.get(..13)?.chars().filter(|c| *c != '-').collect();
    i64::from_str_radix(&hex, 16).ok()
}

fn exit_code_from_text(text: &str) -> Option<i64> {
    for marker in ["Process exited with code ", "Exit code: ", "exit code "] {
        if let Some(i) = text.find(marker) {
            let Some(rest) = text.get(i.saturating_add(marker.len())..) else {
                continue;
            };
            let end = rest
                .char_indices()
                .find(|(j, c)| !(c.is_ascii_digit() || (*j == 0 && *c == '-')))
                .map_or(rest.len(), |(j, _)| j);
            if let Some(Ok(v)) = rest.get(..end).map(str::parse) {
                return Some(v);
            }
        }
    }
    None
}

fn wall_time_ms(text: &str) -> Option<u64> {
    let i = text.find("Wall time: ")?;
    let rest = text.get(i.saturating_add("Wall time: ".len())..)?;
    let end = rest.find(' ')?;
    let secs: f64 = rest.get(..end)?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as u64)
}

/// The process's wall time, from the structured duration or the output's "Wall time" line,
/// when it is plausible: never longer than the call's extent (plus clock slack), and a
/// structured duration under 1 ms is not believed when the output says otherwise (some builds
/// write the time of a final poll, microseconds, as the command's duration).
fn plausible_process_ms(
    structured: Option<u64>,
    text: Option<u64>,
    extent: Option<u64>,
) -> Option<u64> {
    const SLACK_MS: u64 = 50;
    let fits = |ms: u64| extent.is_none_or(|e| ms <= e.saturating_add(SLACK_MS));
    let structured = structured.filter(|&ms| ms > 0 || text.is_none_or(|t| t == 0));
    structured
        .filter(|&ms| fits(ms))
        .or(text.filter(|&ms| fits(ms)))
}

fn sandbox_name(raw: Option<&RawValue>) -> Option<String> {
    #[derive(Deserialize)]
    struct Tagged {
        #[serde(rename = "type", alias = "mode")]
        kind: String,
    }
    let raw = raw?.get();
    if let Ok(s) = serde_json::from_str::<String>(raw) {
        return Some(s);
    }
    serde_json::from_str::<Tagged>(raw).ok().map(|t| t.kind)
}

fn error_kind(info: Option<&RawValue>) -> (Option<ErrorKind>, Option<u16>) {
    let Some(raw) = info else {
        return (None, None);
    };
    if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
        return (Some(ErrorKind::parse(&s)), None);
    }
    if let Ok(map) =
        serde_json::from_str::<std::collections::BTreeMap<String, serde_json::Value>>(raw.get())
        && let Some((k, v)) = map.into_iter().next()
    {
        let status = v
            .get("http_status_code")
            .and_then(serde_json::Value::as_u64)
            .and_then(|s| u16::try_from(s).ok());
        return (Some(ErrorKind::parse(&k)), status);
    }
    (None, None)
}

fn text_of(parts: &[raw::ContentPart<'_>]) -> String {
    let mut s = String::new();
    for p in parts {
        if let Some(t) = &p.text {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(t);
        }
    }
    s
}

fn rate_window(w: Option<raw::RateWindow>, at: Timestamp) -> Option<RateLimitWindow> {
    let w = w?;
    let resets_at = w
        .resets_at
        .map(|s| Timestamp::from_unix_millis(s.saturating_mul(1000)))
        .or_else(|| {
            w.resets_in_seconds.map(|s| {
                Timestamp::from_unix_millis(at.unix_millis().saturating_add(s.saturating_mul(1000)))
            })
        });
    Some(RateLimitWindow {
        used_percent: w.used_percent?,
        window_minutes: w.window_minutes,
        resets_at,
    })
}

impl Core {
    fn warn(&mut self, line: u64, kind: WarningKind, message: String) {
        self.out.push_back(Err(Warning {
            path: self.path.clone(),
            line,
            kind,
            message,
        }));
    }

    /// A line counted as parsed turned out unusable: count it as bad and say why.
    fn reject(&mut self, line: u64, kind: WarningKind, message: String) {
        self.st.stats.bad = self.st.stats.bad.saturating_add(1);
        self.st.stats.parsed = self.st.stats.parsed.saturating_sub(1);
        self.warn(line, kind, message);
    }

    fn bad(&mut self, line: u64, what: &str, e: &serde_json::Error) {
        let msg = e.to_string();
        let kind = if msg.contains("UTF-8") || msg.contains("utf-8") {
            WarningKind::InvalidUtf8
        } else if e.is_data() {
            WarningKind::BadValue
        } else {
            WarningKind::InvalidJson
        };
        self.reject(line, kind, format!("{what}: {msg}"));
    }

    fn ctx_mut(&mut self) -> &mut SessionContext {
        Arc::make_mut(&mut self.st.ctx)
    }

    fn emit(&mut self, at: Timestamp, line: u64, kind: EventKind) {
        let mut event = Event::new(at, self.st.ctx.clone(), kind).with_src(self.path.clone(), line);
        if self.start.is_some() {
            if matches!(
                event.kind,
                EventKind::TurnStarted(_) | EventKind::UserPrompt(_)
            ) && self.held.len() < 64
            {
                self.held.push(event);
                return;
            }
            self.flush_start();
            event.ctx = self.st.ctx.clone();
        }
        self.out.push_back(Ok(event));
    }

    fn flush_start(&mut self) {
        if let Some(start) = self.start.take() {
            let mut started = start.started;
            if started.context_window.is_none() {
                started.context_window = self.st.context_window;
            }
            let event = Event::new(
                start.at,
                self.st.ctx.clone(),
                EventKind::SessionStarted(started),
            )
            .with_src(self.path.clone(), start.line);
            self.out.push_back(Ok(event));
            for e in self.held.drain(..) {
                self.out.push_back(Ok(e));
            }
        }
    }

    fn full(&self) -> bool {
        self.opts.mode == ReadMode::Full
    }

    fn wants_first_prompt(&self) -> bool {
        self.full() || self.st.prompts == 0
    }

    /// Decides from the header alone whether a compact line is needed.
    fn wanted(&self, k: &[u8], sub: Option<&[u8]>, bytes: &[u8]) -> bool {
        let is = |a: &[u8], b: &str| a == b.as_bytes();
        let any = |a: &[u8], list: &[&str]| list.iter().any(|b| is(a, b));
        // Most lines are response items: decide those first.
        if is(k, kind::RESPONSE_ITEM) {
            return self.full() && !sub.is_some_and(|s| any(s, item::CONTENT_ONLY));
        }
        if any(
            k,
            &[
                kind::SESSION_META,
                kind::TURN_CONTEXT,
                kind::TOKEN_USAGE_RECORD,
            ],
        ) {
            return true;
        }
        if is(k, kind::WORLD_STATE) {
            return false;
        }
        if is(k, kind::COMPACTED) {
            return self.full();
        }
        if is(k, kind::EVENT_MSG) {
            let Some(sub) = sub else { return true };
            if is(sub, ev::TOKEN_COUNT) {
                return true;
            }
            if any(sub, &[ev::TASK_STARTED, ev::TURN_STARTED]) {
                // The token path needs turn starts only to see where a replayed parent
                // history ends; usage rows carry their own context window.
                return self.full() || self.st.replaying;
            }
            if is(sub, ev::THREAD_SETTINGS_APPLIED) {
                // The token path reads these for the service tier, or for the model when no
                // turn context gave one.
                return self.full()
                    || self.st.ctx.model.is_none()
                    || crate::classify::mentions_service_tier(bytes);
            }
            if is(sub, ev::USER_MESSAGE) {
                return self.wants_first_prompt();
            }
            if is(sub, ev::ITEM_COMPLETED) {
                if !self.full() && !self.wants_first_prompt() {
                    return false;
                }
                return match completed_item_type(bytes) {
                    Some(b"UserMessage") => self.wants_first_prompt(),
                    Some(b"CommandExecution") => self.full(),
                    Some(_) => false,
                    None => true,
                };
            }
            if any(sub, ev::CONTENT_ONLY) {
                return false;
            }
            return self.full();
        }
        true
    }

    fn line(&mut self, bytes: &[u8], number: u64) {
        let bad_before = self.st.stats.bad;
        self.classified_line(bytes, number);
        if self.st.stats.bad > bad_before && std::str::from_utf8(bytes).is_err() {
            // serde_json words this as a bad escape or code point; say what it is.
            if let Some(Err(w)) = self.out.back_mut()
                && w.line == number
            {
                w.kind = WarningKind::InvalidUtf8;
                w.message = format!("invalid UTF-8: {}", w.message);
            }
        }
    }

    fn classified_line(&mut self, bytes: &[u8], number: u64) {
        if let Some(h) = compact_header(bytes) {
            if !self.wanted(h.kind, h.sub, bytes) {
                self.st.stats.skipped = self.st.stats.skipped.saturating_add(1);
                return;
            }
            // Known names map to constants; only unknown ones pay for a UTF-8 check.
            let (Some(k), sub) = (name(h.kind), h.sub.map(name)) else {
                return self.slow_line(bytes, number);
            };
            let sub = match sub {
                Some(None) => return self.slow_line(bytes, number),
                other => other.flatten(),
            };
            self.st.stats.parsed = self.st.stats.parsed.saturating_add(1);
            let at = self.timestamp_bytes(h.ts, number);
            self.dispatch(k, sub, Src::Line(bytes), at, number);
            return;
        }
        self.slow_line(bytes, number);
    }

    /// Any line the compact prefilter could not classify: parsed in full.
    fn slow_line(&mut self, bytes: &[u8], number: u64) {
        self.st.stats.parsed = self.st.stats.parsed.saturating_add(1);
        let env = match serde_json::from_slice::<LooseEnvelope<'_>>(bytes) {
            Ok(env) => env,
            Err(e) => return self.bad(number, "not a JSON object", &e),
        };
        let at = self.timestamp(env.timestamp.as_deref(), number);
        match (env.kind.as_deref(), env.payload) {
            (Some(k), Some(payload)) => {
                #[derive(Deserialize)]
                struct TypeOnly<'a> {
                    #[serde(rename = "type", borrow, default)]
                    kind: Option<std::borrow::Cow<'a, str>>,
                }
                let sub = serde_json::from_str::<TypeOnly<'_>>(payload.get())
                    .ok()
                    .and_then(|t| t.kind);
                self.dispatch(k, sub.as_deref(), Src::Raw(payload.get()), at, number);
            }
            (_, None) if env.record_type.is_some() => {
                // Legacy `{"record_type":"state"}` lines carry no facts.
                self.st.stats.parsed = self.st.stats.parsed.saturating_sub(1);
                self.st.stats.skipped = self.st.stats.skipped.saturating_add(1);
            }
            (None, None) if !self.st.saw_meta => {
                // Legacy first line: a bare session-meta object.
                let raw = std::str::from_utf8(bytes).unwrap_or_default();
                self.session_meta(Src::Raw(raw), at, number);
            }
            (Some(item_kind), None) => {
                // Legacy bare response item.
                let raw = std::str::from_utf8(bytes).unwrap_or_default();
                self.response_item(Some(item_kind), Src::Raw(raw), at, number);
            }
            _ => self.reject(
                number,
                WarningKind::UnknownKind,
                "JSON object without a `type`: not a rollout line".into(),
            ),
        }
    }

    fn timestamp_bytes(&mut self, ts: &[u8], number: u64) -> Timestamp {
        match Timestamp::parse_rfc3339_bytes(ts) {
            Ok(t) => {
                self.st.last_ts = Some(t);
                t
            }
            Err(e) => {
                self.warn(
                    number,
                    WarningKind::BadValue,
                    format!("{e}; using the previous line's time"),
                );
                self.st.last_ts.unwrap_or_default()
            }
        }
    }

    fn timestamp(&mut self, ts: Option<&str>, number: u64) -> Timestamp {
        if let Some(s) = ts {
            match Timestamp::parse_rfc3339(s) {
                Ok(t) => {
                    self.st.last_ts = Some(t);
                    return t;
                }
                Err(e) => self.warn(
                    number,
                    WarningKind::BadValue,
                    format!("{e}; using the previous line's time"),
                ),
            }
        }
        self.st.last_ts.unwrap_or_default()
    }

    fn check_replay_end(&mut self, at: Timestamp, turn_id: Option<&str>) {
        if !self.st.replaying {
            return;
        }
        if let (Some(turn), Some(created)) = (turn_id, self.st.created_ms)
            && let Some(ms) = uuid_v7_millis(turn)
        {
            if ms >= created {
                self.st.replaying = false;
            }
            return;
        }
        if let Some(stamp) = self.st.replay_stamp_ms
            && at.unix_millis() > stamp.saturating_add(REPLAY_BURST_MILLIS)
        {
            self.st.replaying = false;
        }
    }

    fn dispatch(&mut self, k: &str, sub: Option<&str>, src: Src<'_>, at: Timestamp, n: u64) {
        if self.st.replaying && k != kind::SESSION_META {
            let turn_marker = k == kind::TURN_CONTEXT
                || (k == kind::EVENT_MSG
                    && matches!(sub, Some(ev::TASK_STARTED | ev::TURN_STARTED)));
            if !turn_marker {
                self.check_replay_end(at, None);
            }
        }
        match k {
            kind::SESSION_META => self.session_meta(src, at, n),
            kind::TURN_CONTEXT => self.turn_context(src, at, n),
            kind::TOKEN_USAGE_RECORD => self.usage_record(src, at, n),
            kind::EVENT_MSG => self.event_msg(sub, src, at, n),
            kind::RESPONSE_ITEM => self.response_item(sub, src, at, n),
            kind::COMPACTED => match src.parse::<raw::Compacted<'_>>() {
                Ok(c) => {
                    if self.full() {
                        let summary = c
                            .message
                            .as_deref()
                            .map(|m| Redacted::from_text(m, self.opts.include_content));
                        self.emit(
                            at,
                            n,
                            EventKind::Compaction(Compaction {
                                summary,
                                replacement_items: c.replacement_history.map(|h| h.len() as u64),
                            }),
                        );
                    }
                }
                Err(e) => self.bad(n, "compacted", &e),
            },
            kind::WORLD_STATE => {}
            other => {
                let name = other.to_owned();
                self.other(&name, src, at, n, true);
            }
        }
    }

    fn other(&mut self, name: &str, src: Src<'_>, at: Timestamp, n: u64, warn: bool) {
        match src.parse::<agentobs_schema::Attributes>() {
            Ok(attributes) => {
                if warn {
                    self.warn(
                        n,
                        WarningKind::UnknownKind,
                        format!("unknown kind `{name}`; kept as an `other` event"),
                    );
                }
                self.emit(
                    at,
                    n,
                    EventKind::Other(OtherEvent {
                        name: name.to_owned(),
                        attributes,
                    }),
                );
            }
            Err(e) => self.bad(n, name, &e),
        }
    }

    fn session_meta(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        let meta = match src.parse_or(crate::fastpath::session_meta) {
            Ok(m) => m,
            Err(e) => return self.bad(n, "session_meta", &e),
        };
        if self.st.saw_meta {
            // A second meta line: a fork or sub-agent copying its parent's history.
            let same = meta.id.is_some() && meta.id == self.st.ctx.thread_id;
            if !same {
                if self.st.ctx.forked_from_id.is_none() && self.st.ctx.parent_thread_id.is_none() {
                    let parent = meta.id.clone();
                    self.ctx_mut().forked_from_id = parent;
                }
                if let Some(stamp) = self.st.replay_stamp_ms {
                    self.st.replaying = true;
                    self.st.replay_stamp_ms = Some(stamp.max(at.unix_millis()));
                }
            }
            return;
        }
        self.st.saw_meta = true;
        let mut subagent = None;
        let mut source = None;
        let mut spawn_parent = None;
        if let Some(raw) = meta.source {
            if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
                source = Some(s);
            } else if let Ok(map) =
                serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(raw.get())
                && let Some((top, inner)) = map.into_iter().next()
            {
                source = Some(top.clone());
                if top == "subagent" {
                    let mut sa = SubAgent::default();
                    if let Ok(s) = serde_json::from_str::<String>(inner.get()) {
                        sa.kind = s;
                    } else if let Ok(m) = serde_json::from_str::<
                        std::collections::BTreeMap<String, &RawValue>,
                    >(inner.get())
                        && let Some((k, v)) = m.into_iter().next()
                    {
                        if k == "thread_spawn" {
                            let ts: raw::ThreadSpawn =
                                serde_json::from_str(v.get()).unwrap_or_default();
                            spawn_parent = ts.parent_thread_id;
                            sa.depth = ts.depth;
                            sa.role = ts.agent_role;
                            sa.nickname = ts.agent_nickname;
                            sa.path = ts.agent_path;
                            sa.kind = k;
                        } else if let Ok(s) = serde_json::from_str::<String>(v.get()) {
                            // {"other": "guardian"}
                            sa.kind = s;
                        } else {
                            sa.kind = k;
                        }
                    }
                    subagent = Some(sa);
                }
            }
        }
        if let Some(sa) = subagent.as_mut() {
            sa.role = sa.role.take().or(meta.agent_role.clone());
            sa.nickname = sa.nickname.take().or(meta.agent_nickname.clone());
            sa.path = sa.path.take().or(meta.agent_path.clone());
        }
        let created_ms = meta
            .id
            .as_deref()
            .and_then(uuid_v7_millis)
            .or_else(|| {
                meta.timestamp
                    .as_deref()
                    .and_then(|t| Timestamp::parse_rfc3339(t).ok())
                    .map(Timestamp::unix_millis)
            })
            .unwrap_or(at.unix_millis());
        self.st.created_ms = Some(created_ms);
        self.st.replay_stamp_ms = Some(at.unix_millis());
        let spawned = subagent.as_ref().is_some_and(|s| s.kind == "thread_spawn");
        self.st.replaying = meta.forked_from_id.is_some() || spawned;
        let provider = meta.model_provider.clone();
        {
            let ctx = self.ctx_mut();
            ctx.thread_id = meta.id.clone();
            ctx.session_id = meta.session_id.or(meta.id);
            ctx.forked_from_id = meta.forked_from_id;
            ctx.parent_thread_id = meta.parent_thread_id.or(spawn_parent);
            ctx.subagent = subagent;
            ctx.originator = meta.originator;
            ctx.app_version = meta.cli_version;
            ctx.source = source;
            ctx.model_provider = meta.model_provider;
            ctx.cwd = meta.cwd;
            if let Some(m) = meta.model {
                ctx.model = Some(m);
            }
            ctx.git = meta.git.map(|g| GitInfo {
                remote_url: g.repository_url,
                branch: g.branch,
                commit: g.commit_hash,
                dirty: None,
            });
        }
        if self.full() {
            self.start = Some(PendingStart {
                at,
                line: n,
                started: SessionStarted {
                    provider,
                    ..SessionStarted::default()
                },
            });
        }
    }

    fn turn_context(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        let tc = match src.parse_or(crate::fastpath::turn_context) {
            Ok(t) => t,
            Err(e) => return self.bad(n, "turn_context", &e),
        };
        self.check_replay_end(at, tc.turn_id.as_deref());
        self.st.saw_turn_context = true;
        let sandbox = sandbox_name(tc.sandbox_policy);
        {
            let ctx = Arc::make_mut(&mut self.st.ctx);
            if let Some(m) = tc.model.clone() {
                ctx.model = Some(m);
                ctx.model_inferred = false;
            }
            if tc.effort.is_some() {
                ctx.reasoning_effort = tc.effort.clone();
            }
            if tc.service_tier.is_some() {
                ctx.service_tier = tc.service_tier.clone();
            }
            if let Some(cwd) = tc.cwd {
                ctx.cwd = Some(cwd);
            }
        }
        if let Some(start) = self.start.as_mut() {
            let s = &mut start.started;
            s.approval_policy = s.approval_policy.take().or(tc.approval_policy);
            s.sandbox_policy = s.sandbox_policy.take().or(sandbox);
            s.reasoning_effort = s.reasoning_effort.take().or(tc.effort);
            s.reasoning_summary = s.reasoning_summary.take().or(tc.summary);
            self.flush_start();
        }
    }

    fn ensure_model(&mut self) {
        if self.st.ctx.model.is_none() {
            let ctx = self.ctx_mut();
            ctx.model = Some(names::INFERRED_DEFAULT_MODEL.to_owned());
            ctx.model_inferred = true;
        }
    }

    fn bill(&mut self, outcome: RowOutcome, at: Timestamp, n: u64, detail: UsageDetail) {
        let stats = &mut self.st.stats;
        match outcome {
            RowOutcome::Billed(usage) => {
                stats.billed_rows = stats.billed_rows.saturating_add(1);
                self.ensure_model();
                // The price tier follows the prompt of the request: the last request's when
                // the source says, else the billed input.
                let prompt_tokens = detail.last.map_or(usage.input_tokens, |l| l.input_tokens);
                self.emit(
                    at,
                    n,
                    EventKind::TokenUsage(TokenUsageEvent {
                        usage,
                        cumulative: detail.cumulative,
                        prompt_tokens: Some(prompt_tokens),
                        context_window: detail.window.or(self.st.context_window),
                        turn_id: detail.turn_id.or_else(|| self.st.turn_id.clone()),
                        response_id: detail.response_id,
                    }),
                );
            }
            RowOutcome::Unchanged => stats.unchanged_rows = stats.unchanged_rows.saturating_add(1),
            RowOutcome::Replayed => stats.replayed_rows = stats.replayed_rows.saturating_add(1),
            RowOutcome::OverflowFill => {
                stats.overflow_fills = stats.overflow_fills.saturating_add(1)
            }
            RowOutcome::Stale => stats.stale_rows = stats.stale_rows.saturating_add(1),
        }
    }

    /// `token_usage_record` (0.169+): one per model response, with the response's own usage.
    /// Once a file has them they are authoritative: per-response usage deduplicated by
    /// response id needs no cumulative arithmetic, and `token_count` rows only move the
    /// baseline. (The record's thread total does not follow `token_count`'s overflow reset, so
    /// the two totals must never be mixed.)
    fn usage_record(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        let rec = match src.parse_or(crate::fastpath::usage_record) {
            Ok(r) => r,
            Err(e) => return self.bad(n, "token_usage_record", &e),
        };
        if self.st.replaying {
            if let Some(id) = rec.response_id.as_deref() {
                self.st.responses.insert(id);
            }
            self.st.stats.replayed_rows = self.st.stats.replayed_rows.saturating_add(1);
            return;
        }
        let thread_total = rec.thread_token_usage.map(Totals::from);
        let usage = match (rec.usage.map(to_usage), thread_total, self.st.record_total) {
            (Some(u), _, _) => u,
            (None, Some(t), Some(prev)) => t.usage.delta_since(&prev),
            (None, Some(t), None) => t.usage,
            (None, None, _) => return,
        };
        if thread_total.is_some() {
            self.st.record_total = thread_total.map(|t| t.usage);
        }
        // A response is billed once, by its id; without an id, every record counts.
        let first_time = rec
            .response_id
            .as_deref()
            .is_none_or(|id| self.st.responses.insert(id));
        let added = if first_time {
            self.st.merge.record(usage)
        } else {
            TokenUsage::default()
        };
        let outcome = if added.is_zero() {
            RowOutcome::Unchanged
        } else {
            RowOutcome::Billed(added)
        };
        self.bill(
            outcome,
            at,
            n,
            UsageDetail {
                last: Some(usage),
                cumulative: thread_total.map(|t| t.usage),
                window: None,
                turn_id: rec.turn_id,
                response_id: rec.response_id,
            },
        );
    }

    fn token_count(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        // Token mode needs no rate limits: read the compact form by hand when it is one.
        let full = self.full();
        let fast = |b| {
            let info = crate::fastpath::token_count_info(b).filter(|_| !full)?;
            Some(raw::TokenCount {
                info,
                ..raw::TokenCount::default()
            })
        };
        let tc = match src.parse_or(fast) {
            Ok(t) => t,
            Err(e) => return self.bad(n, "token_count", &e),
        };
        if self.full()
            && let Some(rl) = tc.rate_limits
        {
            self.rate_limits(rl, at, n);
        }
        let (outcome, detail) = if let Some(info) = tc.info {
            if info.model_context_window.is_some() {
                self.st.context_window = info.model_context_window;
            }
            let last = info.last_token_usage.map(to_usage);
            if let Some(total) = info.total_token_usage {
                let total = Totals::from(total);
                let o = self.st.acct.on_total(
                    total,
                    last,
                    info.model_context_window.or(self.st.context_window),
                    self.st.replaying,
                );
                (
                    o,
                    UsageDetail {
                        last,
                        cumulative: Some(total.usage),
                        window: info.model_context_window,
                        turn_id: None,
                        response_id: None,
                    },
                )
            } else if let Some(l) = last {
                (
                    self.st.acct.on_last_only(l, self.st.replaying),
                    UsageDetail {
                        last,
                        cumulative: None,
                        window: info.model_context_window,
                        turn_id: None,
                        response_id: None,
                    },
                )
            } else {
                return;
            }
        } else if tc.input_tokens.is_some() || tc.output_tokens.is_some() {
            // The oldest shape: a bare per-request usage.
            let l = to_usage(raw::RawUsage {
                input_tokens: tc.input_tokens.unwrap_or(0),
                cached_input_tokens: tc.cached_input_tokens.unwrap_or(0),
                cache_write_input_tokens: 0,
                output_tokens: tc.output_tokens.unwrap_or(0),
                reasoning_output_tokens: tc.reasoning_output_tokens.unwrap_or(0),
                total_tokens: None,
            });
            (
                self.st.acct.on_last_only(l, self.st.replaying),
                UsageDetail {
                    last: Some(l),
                    ..UsageDetail::default()
                },
            )
        } else {
            return; // `info: null`: rate limits only.
        };
        // The change of the total is billed only where the records have not billed it.
        let outcome = match outcome {
            RowOutcome::Billed(delta) => {
                let added = self.st.merge.total(delta);
                if added.is_zero() {
                    RowOutcome::Unchanged
                } else {
                    RowOutcome::Billed(added)
                }
            }
            other => other,
        };
        self.bill(outcome, at, n, detail);
    }

    fn rate_limits(&mut self, raw_rl: &RawValue, at: Timestamp, n: u64) {
        let rl = match serde_json::from_str::<raw::RateLimits>(raw_rl.get()) {
            Ok(rl) => rl,
            Err(e) => {
                // The usage of the line is kept; only the rate limits are unusable.
                let msg = format!("token_count rate_limits: {e}; rate limits skipped");
                return self.warn(n, WarningKind::BadValue, msg);
            }
        };
        let primary = rate_window(rl.primary, at).or_else(|| {
            rl.primary_used_percent.map(|p| RateLimitWindow {
                used_percent: p,
                window_minutes: rl.primary_window_minutes,
                resets_at: None,
            })
        });
        let secondary = rate_window(rl.secondary, at).or_else(|| {
            rl.secondary_used_percent.map(|p| RateLimitWindow {
                used_percent: p,
                window_minutes: rl.secondary_window_minutes,
                resets_at: None,
            })
        });
        let snap = RateLimitSnapshot {
            limit_id: rl.limit_id,
            primary,
            secondary,
            plan_type: rl.plan_type,
            credits_balance: rl.credits.and_then(|c| c.balance),
            reached: rl.rate_limit_reached_type,
        };
        let informative = snap.primary.is_some()
            || snap.secondary.is_some()
            || snap.credits_balance.is_some()
            || snap.reached.is_some();
        if informative {
            self.emit(at, n, EventKind::RateLimits(snap));
        }
    }

    fn prompt(&mut self, text: &str, images: u32, local_images: u32, at: Timestamp, n: u64) {
        let length = text.chars().count() as u64;
        let key = (self.st.turn_id.clone(), length);
        if self.st.last_prompt.as_ref() == Some(&key) {
            return; // the same prompt reported twice (user_message and item_completed)
        }
        self.st.last_prompt = Some(key);
        self.st.prompts = self.st.prompts.saturating_add(1);
        if !self.full() && self.st.prompts > 1 {
            return;
        }
        let show = self.opts.include_content;
        self.emit(
            at,
            n,
            EventKind::UserPrompt(UserPrompt {
                turn_id: self.st.turn_id.clone(),
                length,
                text_inputs: u32::from(!text.is_empty()),
                image_inputs: images,
                local_image_inputs: local_images,
                text: Redacted::from_text(text, show),
            }),
        );
    }

    fn event_msg(&mut self, sub: Option<&str>, src: Src<'_>, at: Timestamp, n: u64) {
        let Some(sub) = sub else {
            return self.reject(
                n,
                WarningKind::BadValue,
                "event_msg without a payload type".into(),
            );
        };
        match sub {
            ev::TOKEN_COUNT => self.token_count(src, at, n),
            ev::TASK_STARTED | ev::TURN_STARTED => {
                let ts = match src.parse_or(crate::fastpath::task_started) {
                    Ok(t) => t,
                    Err(e) => return self.bad(n, sub, &e),
                };
                self.check_replay_end(at, ts.turn_id.as_deref());
                if ts.model_context_window.is_some() {
                    self.st.context_window = ts.model_context_window;
                }
                self.st.turn_id = ts.turn_id.clone();
                let attribution = ts.turn_attribution.unwrap_or_default();
                self.st.parent_turn_id = attribution.parent_turn_id.clone();
                if self.full() && !self.st.replaying {
                    self.emit(
                        at,
                        n,
                        EventKind::TurnStarted(TurnStarted {
                            turn_id: ts.turn_id,
                            trigger: attribution.turn_trigger,
                            parent_turn_id: attribution.parent_turn_id,
                            context_window: ts.model_context_window,
                            trace_id: ts.trace_id,
                        }),
                    );
                }
            }
            ev::TASK_COMPLETE | ev::TURN_COMPLETE => {
                let tc = match src.parse::<raw::TaskComplete<'_>>() {
                    Ok(t) => t,
                    Err(e) => return self.bad(n, sub, &e),
                };
                if self.st.replaying {
                    return;
                }
                let turn_id = tc.turn_id.or_else(|| self.st.turn_id.clone());
                let mut error = None;
                if let Some(err) = tc.error {
                    let (kind, status_code) = error_kind(err.codex_error_info);
                    error = kind.clone();
                    self.emit(
                        at,
                        n,
                        EventKind::Error(ErrorEvent {
                            kind,
                            message: err.message.unwrap_or_default(),
                            turn_id: turn_id.clone(),
                            status_code,
                        }),
                    );
                }
                if self.is_reviewer()
                    && let Some(msg) = tc.last_agent_message.as_deref()
                    && let Ok(v) = serde_json::from_str::<raw::ReviewerVerdict>(msg)
                    && let Some(outcome) = v.outcome.as_deref()
                {
                    let decision = match outcome {
                        "allow" | "approve" | "approved" => Decision::Approved,
                        "deny" | "denied" | "block" => Decision::Denied,
                        other => Decision::parse(other),
                    };
                    let show = self.opts.include_content;
                    self.emit(
                        at,
                        n,
                        EventKind::GuardianReview(GuardianReview {
                            decision,
                            risk_level: v.risk_level,
                            user_authorization: v.user_authorization,
                            rationale: v.rationale.map(|r| Redacted::from_text(&r, show)),
                            call_id: None,
                            reviewed_turn_id: self.st.parent_turn_id.clone(),
                        }),
                    );
                }
                self.emit(
                    at,
                    n,
                    EventKind::TurnCompleted(TurnCompleted {
                        turn_id,
                        duration_ms: tc.duration_ms,
                        time_to_first_token_ms: tc.time_to_first_token_ms,
                        error,
                        aborted: None,
                    }),
                );
            }
            ev::TURN_ABORTED => match src.parse::<raw::TurnAborted>() {
                Ok(t) if !self.st.replaying => self.emit(
                    at,
                    n,
                    EventKind::TurnCompleted(TurnCompleted {
                        turn_id: t.turn_id.or_else(|| self.st.turn_id.clone()),
                        duration_ms: t.duration_ms,
                        time_to_first_token_ms: None,
                        error: None,
                        aborted: Some(t.reason.unwrap_or_else(|| "unknown".into())),
                    }),
                ),
                Ok(_) => {}
                Err(e) => self.bad(n, sub, &e),
            },
            ev::THREAD_SETTINGS_APPLIED => {
                match src.parse_or(crate::fastpath::thread_settings_applied) {
                    Ok(t) => {
                        if let Some(s) = t.thread_settings {
                            let ctx = self.ctx_mut();
                            if let Some(m) = s.model {
                                ctx.model = Some(m);
                                ctx.model_inferred = false;
                            }
                            if s.service_tier.is_some() {
                                ctx.service_tier = s.service_tier;
                            }
                            if ctx.model_provider.is_none() {
                                ctx.model_provider = s.model_provider_id;
                            }
                        }
                    }
                    Err(e) => self.bad(n, sub, &e),
                }
            }
            ev::USER_MESSAGE => match src.parse::<raw::UserMessage<'_>>() {
                Ok(m) if !self.st.replaying => {
                    let text = m.message.as_deref().unwrap_or_default().to_owned();
                    let images = m.images.map_or(0, |v| v.len() as u32);
                    let local = m.local_images.map_or(0, |v| v.len() as u32);
                    self.prompt(&text, images, local, at, n);
                }
                Ok(_) => {}
                Err(e) => self.bad(n, sub, &e),
            },
            ev::ITEM_COMPLETED => match src.parse::<raw::ItemCompleted<'_>>() {
                Ok(ic) => self.item_completed(ic, at, n),
                Err(e) => self.bad(n, sub, &e),
            },
            ev::ERROR => match src.parse::<raw::CodexError<'_>>() {
                Ok(err) if !self.st.replaying => {
                    let (kind, status_code) = error_kind(err.codex_error_info);
                    self.emit(
                        at,
                        n,
                        EventKind::Error(ErrorEvent {
                            kind,
                            message: err.message.unwrap_or_default(),
                            turn_id: self.st.turn_id.clone(),
                            status_code,
                        }),
                    );
                }
                Ok(_) => {}
                Err(e) => self.bad(n, sub, &e),
            },
            ev::CONTEXT_COMPACTED => {
                if !self.st.replaying {
                    self.emit(at, n, EventKind::Compaction(Compaction::default()));
                }
            }
            ev::EXEC_COMMAND_END => match src.parse::<raw::ExecCommandEnd>() {
                Ok(e) => {
                    if let Some(id) = e.call_id {
                        self.remember_exec(
                            id,
                            ExecInfo {
                                exit_code: e.exit_code,
                                duration_ms: e.duration.map(raw::StdDuration::millis),
                                status: e.status,
                            },
                        );
                    }
                }
                Err(e) => self.bad(n, sub, &e),
            },
            ev::MCP_TOOL_CALL_END => match src.parse::<raw::McpToolCallEnd<'_>>() {
                Ok(m) => {
                    let server = m.invocation.as_ref().and_then(|i| i.server.clone());
                    let failed = m
                        .result
                        .is_some_and(|r| r.get().trim_start().starts_with("{\"Err\""));
                    if let Some(id) = m.call_id {
                        if let Some(call) = self.st.calls.get_mut(&id) {
                            call.mcp_server = server;
                            call.origin = Some(ToolOrigin::Mcp);
                        }
                        self.remember_exec(
                            id,
                            ExecInfo {
                                exit_code: None,
                                duration_ms: m.duration.map(raw::StdDuration::millis),
                                status: Some(if failed { "failed" } else { "completed" }.into()),
                            },
                        );
                    }
                }
                Err(e) => self.bad(n, sub, &e),
            },
            ev::GUARDIAN_ASSESSMENT => match src.parse::<raw::GuardianAssessment>() {
                Ok(g) => {
                    let verdict = g.decision.or(g.outcome).or(g.status);
                    let show = self.opts.include_content;
                    match verdict {
                        Some(v) => self.emit(
                            at,
                            n,
                            EventKind::GuardianReview(GuardianReview {
                                decision: match v.as_str() {
                                    "allow" => Decision::Approved,
                                    "deny" => Decision::Denied,
                                    other => Decision::parse(other),
                                },
                                risk_level: g.risk_level,
                                user_authorization: g.user_authorization,
                                rationale: g.rationale.map(|r| Redacted::from_text(&r, show)),
                                call_id: g.call_id,
                                reviewed_turn_id: g.turn_id,
                            }),
                        ),
                        None => self.other("event_msg/guardian_assessment", src, at, n, false),
                    }
                }
                Err(e) => self.bad(n, sub, &e),
            },
            s if ev::CONTENT_ONLY.contains(&s) => {}
            s if ev::KEPT_AS_OTHER.contains(&s) => {
                if !self.st.replaying {
                    self.other(&format!("event_msg/{s}"), src, at, n, false);
                }
            }
            s => {
                let name = format!("event_msg/{s}");
                self.other(&name, src, at, n, true);
            }
        }
    }

    fn is_reviewer(&self) -> bool {
        self.st
            .ctx
            .subagent
            .as_ref()
            .is_some_and(|s| s.kind == "guardian" || s.kind == "review")
    }

    fn remember_exec(&mut self, id: String, info: ExecInfo) {
        if self.st.exec.len() >= MAX_PENDING_CALLS {
            self.st.exec.clear();
        }
        self.st.exec.insert(id, info);
    }

    fn item_completed(&mut self, ic: raw::ItemCompleted<'_>, at: Timestamp, n: u64) {
        let Some(item) = ic.item else { return };
        match item.kind.as_deref() {
            Some("UserMessage") => {
                if self.st.replaying {
                    return;
                }
                let parts = item.content.unwrap_or_default();
                let images = parts
                    .iter()
                    .filter(|p| p.kind.as_deref().is_some_and(|k| k.contains("image")))
                    .count() as u32;
                let text = text_of(&parts);
                if ic.turn_id.is_some() {
                    self.st.turn_id = ic.turn_id;
                }
                self.prompt(&text, images, 0, at, n);
            }
            Some("CommandExecution") => {
                if let Some(id) = item.id {
                    self.remember_exec(
                        id,
                        ExecInfo {
                            exit_code: item.exit_code,
                            duration_ms: item.duration.map(raw::StdDuration::millis),
                            status: item.status,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn response_item(&mut self, sub: Option<&str>, src: Src<'_>, at: Timestamp, n: u64) {
        let Some(sub) = sub else {
            let msg = "response_item without a payload type".into();
            return self.reject(n, WarningKind::BadValue, msg);
        };
        let show = self.opts.include_content;
        match sub {
            item::FUNCTION_CALL | item::CUSTOM_TOOL_CALL | item::LOCAL_SHELL_CALL => {
                let call = match src.parse::<raw::FunctionCall<'_>>() {
                    Ok(c) => c,
                    Err(e) => return self.bad(n, sub, &e),
                };
                let Some(call_id) = call.call_id.or(call.id) else {
                    return;
                };
                let name = call.name.unwrap_or_else(|| {
                    if sub == item::LOCAL_SHELL_CALL {
                        "local_shell".into()
                    } else {
                        "unknown".into()
                    }
                });
                let args_text = call
                    .arguments
                    .or(call.input)
                    .map(|a| a.into_owned())
                    .or_else(|| call.action.map(|a| a.get().to_owned()))
                    .unwrap_or_default();
                let (tool, mcp_server, origin) = split_mcp(&name, call.namespace.as_deref());
                if self.st.calls.len() >= MAX_PENDING_CALLS {
                    self.st.calls.clear();
                }
                self.st.calls.insert(
                    call_id,
                    PendingCall {
                        tool,
                        at,
                        turn_id: self.st.turn_id.clone(),
                        arguments: Some(Redacted::from_text(&args_text, show)),
                        mcp_server,
                        origin: Some(origin),
                    },
                );
            }
            item::FUNCTION_CALL_OUTPUT | item::CUSTOM_TOOL_CALL_OUTPUT => {
                let out = match src.parse::<raw::FunctionCallOutput<'_>>() {
                    Ok(o) => o,
                    Err(e) => return self.bad(n, sub, &e),
                };
                let call_id = out.call_id.unwrap_or_default();
                let (text, reported_success) = output_text(out.output);
                let mut exit_code = exit_code_from_text(&text);
                let mut text_wall_ms = wall_time_ms(&text);
                let mut body = text;
                if body.starts_with("{\"output\"")
                    && let Ok(j) = serde_json::from_str::<raw::ShellJsonOutput<'_>>(&body)
                {
                    let meta = j.metadata.unwrap_or_default();
                    exit_code = exit_code.or(meta.exit_code);
                    text_wall_ms = text_wall_ms.or(meta
                        .duration_seconds
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .map(|s| (s * 1000.0).round() as u64));
                    body = j.output.map(|o| o.into_owned()).unwrap_or_default();
                }
                let call = self.st.calls.remove(&call_id);
                let exec = self.st.exec.remove(&call_id).unwrap_or_default();
                if self.st.replaying {
                    return;
                }
                exit_code = exec.exit_code.or(exit_code);
                let extent_ms = call
                    .as_ref()
                    .and_then(|c| u64::try_from(at.millis_since(c.at)).ok());
                let process_duration_ms =
                    plausible_process_ms(exec.duration_ms, text_wall_ms, extent_ms);
                let duration_ms = extent_ms.or(process_duration_ms);
                let success = exit_code
                    .map(|c| c == 0)
                    .or(match exec.status.as_deref() {
                        Some("completed") => Some(true),
                        Some("failed" | "declined") => Some(false),
                        _ => None,
                    })
                    .or(reported_success);
                let call = call.unwrap_or_else(|| PendingCall {
                    tool: "unknown".into(),
                    at,
                    ..PendingCall::default()
                });
                self.emit(
                    at,
                    n,
                    EventKind::ToolResult(ToolResult {
                        tool: call.tool,
                        call_id: (!call_id.is_empty()).then_some(call_id),
                        turn_id: call.turn_id,
                        duration_ms,
                        process_duration_ms,
                        success,
                        reported_success,
                        exit_code,
                        arguments: call.arguments.unwrap_or(Redacted::withheld(0)),
                        output: Redacted::from_text(&body, show),
                        mcp_server: call.mcp_server,
                        origin: call.origin,
                    }),
                );
            }
            item::MESSAGE => {
                // Only legacy files (no event_msg) carry prompts solely as messages.
                if self.st.saw_turn_context || self.st.replaying {
                    return;
                }
                match src.parse::<raw::ResponseMessage<'_>>() {
                    Ok(m) if m.role.as_deref() == Some("user") => {
                        let text = text_of(&m.content.unwrap_or_default());
                        if !text.trim_start().starts_with('<') {
                            self.prompt(&text, 0, 0, at, n);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => self.bad(n, sub, &e),
                }
            }
            s if item::CONTENT_ONLY.contains(&s) => {}
            s => {
                let name = format!("response_item/{s}");
                self.other(&name, src, at, n, true);
            }
        }
    }
}

#[derive(Default)]
struct UsageDetail {
    last: Option<TokenUsage>,
    cumulative: Option<TokenUsage>,
    window: Option<u64>,
    turn_id: Option<String>,
    response_id: Option<String>,
}

/// `mcp__server__tool` names (and the `namespace` field) mark MCP tools.
fn split_mcp(name: &str, namespace: Option<&str>) -> (String, Option<String>, ToolOrigin) {
    if let Some(rest) = name.strip_prefix("mcp__")
        && let Some((server, tool)) = rest.split_once("__")
    {
        return (tool.to_owned(), Some(server.to_owned()), ToolOrigin::Mcp);
    }
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        return (name.to_owned(), Some(ns.to_owned()), ToolOrigin::Mcp);
    }
    (name.to_owned(), None, ToolOrigin::Builtin)
}

/// The text of a tool output (string, `{content, success}` or content items) and the
/// success flag the harness reported, if any.
fn output_text(raw: Option<&RawValue>) -> (String, Option<bool>) {
    let Some(raw) = raw else {
        return (String::new(), None);
    };
    let s = raw.get().trim_start();
    if s.starts_with('"') {
        if let Ok(t) = serde_json::from_str::<std::borrow::Cow<'_, str>>(s) {
            return (t.into_owned(), None);
        }
    } else if s.starts_with('{') {
        if let Ok(o) = serde_json::from_str::<raw::OutputObject<'_>>(s) {
            return (
                o.content.map(|c| c.into_owned()).unwrap_or_default(),
                o.success,
            );
        }
    } else if s.starts_with('[')
        && let Ok(parts) = serde_json::from_str::<Vec<raw::ContentPart<'_>>>(s)
    {
        return (text_of(&parts), None);
    }
    (String::new(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_from_output_text() {
        assert_eq!(
            exit_code_from_text(
                "Chunk ID: 1\nWall time: 0.04 seconds\nProcess exited with code 2\n"
            ),
            Some(2)
        );
        assert_eq!(exit_code_from_text("Exit code: -1\n"), Some(-1));
        assert_eq!(exit_code_from_text("no code here"), None);
        assert_eq!(wall_time_ms("Wall time: 0.0431 seconds\n"), Some(43));
    }

    #[test]
    fn process_time_is_kept_only_when_plausible() {
        // A structured duration of microseconds (0 ms) while the output says 0.16 s: the text.
        assert_eq!(
            plausible_process_ms(Some(0), Some(161), Some(190)),
            Some(161)
        );
        // A plausible structured duration wins over the rounded text.
        assert_eq!(
            plausible_process_ms(Some(514), Some(515), Some(773)),
            Some(514)
        );
        // Longer than the call's whole extent (beyond 50 ms of clock slack): not believed.
        assert_eq!(plausible_process_ms(Some(900), None, Some(700)), None);
        // No extent known: the process time is all there is.
        assert_eq!(plausible_process_ms(Some(42), None, None), Some(42));
    }

    #[test]
    fn uuid_v7_time() {
        assert_eq!(
            uuid_v7_millis("01a211cb-5d67-7e11-8d91-4c2724a0d00a"),
            Some(0x01a2_11cb_5d67)
        );
        assert_eq!(uuid_v7_millis("5973e5d4-0000-4000-8000-000000000000"), None);
    }

    #[test]
    fn mcp_names() {
        assert_eq!(
            split_mcp("mcp__github__create_issue", None),
            (
                "create_issue".to_owned(),
                Some("github".to_owned()),
                ToolOrigin::Mcp
            )
        );
    }
}
