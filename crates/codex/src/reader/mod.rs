//! The rollout reader: one file in, a stream of events (and warnings) out.
//!
//! - this module: the public API ([`RolloutReader`], [`ReadOptions`], [`ReaderState`]) and the
//!   pump that feeds lines to the handlers;
//! - [`output`]: the handlers' shared core (state, the queue of events and warnings);
//! - [`envelope`]: line classification, the compact prefilter, timestamps, dispatch by kind;
//! - [`lineage`]: `session_meta`, forks and sub-agents, the end of a replayed parent history;
//! - [`usage`]: `token_count`, `token_usage_record`, billing, rate limits;
//! - [`tools`]: tool calls and their outputs, exec and MCP results, durations;
//! - [`turns`]: `event_msg` by sub-kind, turn start and end, prompts, reviews, errors,
//!   compaction.

mod envelope;
mod lineage;
mod output;
mod tools;
mod turns;
mod usage;

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use agentobs_schema::{
    Event, EventSink, Harness, SessionContext, SourceEnd, Timestamp, Warning, WarningKind,
};
use serde::{Deserialize, Serialize};

use crate::lines::{Line, LineReader};
use crate::stats::FileStats;

pub(crate) use tools::{OutputFacts, plausible_process_ms, split_mcp};

use lineage::Lineage;
use output::Core;
use tools::PendingTools;
use turns::TurnState;
use usage::UsageTracker;

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
///
/// Build one from [`ReadOptions::default`] or [`ReadOptions::tokens`] and the `with_…`
/// methods:
///
/// ```
/// use agentobs_codex::{ReadMode, ReadOptions};
/// let opts = ReadOptions::default().with_content(true).with_max_line_bytes(1 << 20);
/// assert_eq!(opts.mode, ReadMode::Full);
/// assert!(opts.include_content);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// What to extract (default [`ReadMode::Full`]).
    pub mode: ReadMode,
    /// Keep prompt text, tool arguments and tool output (default off).
    pub include_content: bool,
    /// Lines longer than this are skipped with a warning, without being held in memory
    /// (default 16 MiB).
    pub max_line_bytes: usize,
}

/// The default line cap of [`ReadOptions`]: 16 MiB.
const DEFAULT_MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

impl Default for ReadOptions {
    /// Full mode, content off, lines up to 16 MiB.
    fn default() -> Self {
        ReadOptions {
            mode: ReadMode::Full,
            include_content: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

impl ReadOptions {
    /// Options for the token-only fast path: [`ReadMode::Tokens`], otherwise the defaults.
    pub fn tokens() -> Self {
        Self::default().with_mode(ReadMode::Tokens)
    }

    /// Sets what to extract. Default: [`ReadMode::Full`].
    #[must_use]
    pub fn with_mode(mut self, mode: ReadMode) -> Self {
        self.mode = mode;
        self
    }

    /// Keeps (`true`) or withholds prompt text, tool arguments and tool output. Default: off
    /// (only their lengths are kept).
    #[must_use]
    pub fn with_content(mut self, include: bool) -> Self {
        self.include_content = include;
        self
    }

    /// Sets the longest line read; longer ones are skipped with a warning. Default: 16 MiB.
    #[must_use]
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max;
        self
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

impl ReadError {
    fn at(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| ReadError {
            path: path.display().to_string(),
            source,
        }
    }
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
    /// The last good timestamp, for lines whose own is unusable.
    last_ts: Option<Timestamp>,
    /// The timestamp text of the last line the prefilter skipped after `last_ts` was set
    /// (empty when none): parsed only if a later line needs a fallback time, so a skipped
    /// line counts as it would had it been parsed, at the cost of a copy.
    #[serde(default)]
    skipped_ts: Vec<u8>,
    /// Where the thread comes from, and whether its parent's history is being replayed.
    #[serde(default)]
    lineage: Lineage,
    /// The current turn and the prompts seen.
    #[serde(default)]
    turn: TurnState,
    /// Token accounting.
    #[serde(default)]
    usage: UsageTracker,
    /// Tool calls waiting for their output.
    #[serde(default)]
    tools: PendingTools,
}

impl ReaderState {
    /// The session context as known so far.
    pub fn context(&self) -> &Arc<SessionContext> {
        &self.ctx
    }
}

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

impl<R> fmt::Debug for RolloutReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RolloutReader")
            .field("path", &self.core.path)
            .field("opts", &self.core.opts)
            .field("offset", &self.core.st.offset)
            .field("line", &self.core.st.line)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// The first buffer size for input of `len` bytes (one more, to see the end without a
/// second read).
fn expected_size(len: u64) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1)
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
        let file = File::open(path).map_err(ReadError::at(path))?;
        let expected = match size {
            Some(s) => expected_size(s),
            None => file.metadata().map_or(0, |m| expected_size(m.len())),
        };
        let lines = LineReader::with_buffer(file, 0, 0, opts.max_line_bytes, expected);
        Ok(Self::with_lines(lines, path.display().to_string(), opts))
    }

    /// Opens a file and continues from a saved state (the file must have only grown).
    pub fn resume(path: &Path, state: ReaderState, opts: ReadOptions) -> Result<Self, ReadError> {
        let mut file = File::open(path).map_err(ReadError::at(path))?;
        file.seek(SeekFrom::Start(state.offset))
            .map_err(ReadError::at(path))?;
        let expected = file
            .metadata()
            .map_or(0, |m| expected_size(m.len().saturating_sub(state.offset)));
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
        let st = ReaderState {
            ctx: Arc::new(SessionContext::new(Harness::Codex)),
            ..ReaderState::default()
        };
        RolloutReader {
            lines,
            core: Core::new(path.into(), opts, st),
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

    /// Reads one line and hands it to the handlers.
    fn pump(&mut self) {
        let line = match self.lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => {
                self.finish();
                return;
            }
            Err(e) => {
                let number = self.lines.line_number().saturating_add(1);
                self.core
                    .warn(number, WarningKind::Io, format!("read error: {e}"));
                self.core.st.stats.bad = self.core.st.stats.bad.saturating_add(1);
                self.finish();
                return;
            }
        };
        let (number, offset, complete, oversized) =
            (line.number, line.offset, line.complete, line.oversized);
        // The line borrows the line reader; the handlers borrow the other fields.
        let Line { bytes, .. } = line;
        let consumed = self.core.process(bytes, number, complete, oversized);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_set_what_they_name() {
        let o = ReadOptions::tokens()
            .with_content(true)
            .with_max_line_bytes(10);
        assert_eq!(
            o,
            ReadOptions {
                mode: ReadMode::Tokens,
                include_content: true,
                max_line_bytes: 10,
            }
        );
        assert_eq!(
            ReadOptions::default().with_mode(ReadMode::Tokens),
            ReadOptions::tokens()
        );
        assert_eq!(ReadOptions::default().max_line_bytes, 16 * 1024 * 1024);
    }
}
