//! The handlers' shared core: the state, the options, and the queue of events and warnings
//! the iterator hands out.

use std::collections::VecDeque;
use std::sync::Arc;

use super::{ReadMode, ReadOptions, ReaderState};
use agentobs_schema::{Event, EventKind, SessionContext, SessionStarted, Timestamp};
use agentobs_schema::{Warning, WarningKind};

/// At most this many turn starts and prompts wait for a held [`SessionStarted`].
const MAX_HELD: usize = 64;

/// A `session_started` held back until the first turn context completes it.
#[derive(Clone, Debug)]
pub(super) struct PendingStart {
    pub(super) at: Timestamp,
    pub(super) line: u64,
    pub(super) started: SessionStarted,
}

/// Everything a reader keeps but its line buffer: split off so that the line being read can
/// borrow the buffer while the handlers change the rest.
pub(super) struct Core {
    pub(super) path: Arc<str>,
    pub(super) opts: ReadOptions,
    pub(super) st: ReaderState,
    /// The session start, until a turn context (or any other event) lets it out.
    pub(super) start: Option<PendingStart>,
    /// Turn starts and prompts that came while `start` was held.
    held: Vec<Event>,
    pub(super) out: VecDeque<Result<Event, Warning>>,
}

impl Core {
    pub(super) fn new(path: Arc<str>, opts: ReadOptions, st: ReaderState) -> Self {
        Core {
            path,
            opts,
            st,
            start: None,
            held: Vec::new(),
            out: VecDeque::new(),
        }
    }

    pub(super) fn warn(&mut self, line: u64, kind: WarningKind, message: String) {
        self.out.push_back(Err(Warning {
            path: self.path.clone(),
            line,
            kind,
            message,
        }));
    }

    /// A line counted as parsed turned out unusable: count it as bad and say why.
    pub(super) fn reject(&mut self, line: u64, kind: WarningKind, message: String) {
        self.st.stats.bad = self.st.stats.bad.saturating_add(1);
        self.st.stats.parsed = self.st.stats.parsed.saturating_sub(1);
        self.warn(line, kind, message);
    }

    /// A payload that did not parse as `what`.
    pub(super) fn bad(&mut self, line: u64, what: &str, e: &serde_json::Error) {
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

    pub(super) fn ctx_mut(&mut self) -> &mut SessionContext {
        Arc::make_mut(&mut self.st.ctx)
    }

    pub(super) fn emit(&mut self, at: Timestamp, line: u64, kind: EventKind) {
        let mut event = Event::new(at, self.st.ctx.clone(), kind).with_src(self.path.clone(), line);
        if self.start.is_some() {
            if matches!(
                event.kind,
                EventKind::TurnStarted(_) | EventKind::UserPrompt(_)
            ) && self.held.len() < MAX_HELD
            {
                self.held.push(event);
                return;
            }
            self.flush_start();
            event.ctx = self.st.ctx.clone();
        }
        self.out.push_back(Ok(event));
    }

    /// Lets out the held session start, then what waited for it.
    pub(super) fn flush_start(&mut self) {
        if let Some(start) = self.start.take() {
            let mut started = start.started;
            if started.context_window.is_none() {
                started.context_window = self.st.usage.context_window;
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

    pub(super) fn full(&self) -> bool {
        self.opts.mode == ReadMode::Full
    }

    pub(super) fn wants_first_prompt(&self) -> bool {
        self.full() || self.st.turn.prompts == 0
    }
}
