//! Reading rollouts into per-file usage summaries, in parallel, through the cache.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::ops::ControlFlow;

use agentobs_codex::{
    ReadOptions, ReaderState, RolloutFile, RolloutReader, Warning, WarningKind, guard_file,
};
use agentobs_cost::Request;
use agentobs_cost::ledger::UsageBucket;
use agentobs_schema::{Event, EventKind, EventSink, SessionContext, SourceEnd};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::{Cache, FileKey};

/// Longest first prompt kept for task-type rules.
const FIRST_PROMPT_CHARS: usize = 4096;

/// What one rollout contributes to a report.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileSummary {
    /// The session context at the end of the file.
    pub ctx: Arc<SessionContext>,
    /// The thread's first prompt (truncated), for task-type rules. Never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_prompt: Option<String>,
    /// Usage buckets.
    pub buckets: Vec<UsageBucket>,
    /// Problems found while reading.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// A file's summary and the reader state to resume it from.
pub(crate) struct Scanned {
    pub summary: FileSummary,
    pub state: ReaderState,
}

fn options(max_line_bytes: usize) -> ReadOptions {
    ReadOptions {
        include_content: true,
        max_line_bytes,
        ..ReadOptions::tokens()
    }
}

/// The sink that turns one file's events into its [`FileSummary`].
pub(crate) struct SummarySink<'a> {
    pub(crate) summary: &'a mut FileSummary,
}

impl EventSink for SummarySink<'_> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if let Some(request) = Request::from_event(event) {
            request.add_to(&mut self.summary.buckets);
        } else if let EventKind::UserPrompt(p) = &event.kind
            && self.summary.first_prompt.is_none()
        {
            self.summary.first_prompt = p
                .text
                .value()
                .map(|t| t.chars().take(FIRST_PROMPT_CHARS).collect());
        }
        ControlFlow::Continue(())
    }

    fn warning(&mut self, warning: &Warning) {
        self.summary.warnings.push(warning.clone());
    }

    fn end(&mut self, end: &SourceEnd) {
        if let Some(ctx) = &end.context {
            self.summary.ctx = ctx.clone();
        }
    }
}

/// Reads a file from the start, or from `resume` with the summary so far. A panic while
/// reading becomes a warning for this file (its figures left out); it never reaches the
/// other files.
pub(crate) fn scan_file(
    path: &Path,
    size: u64,
    resume: Option<(ReaderState, FileSummary)>,
    max_line_bytes: usize,
) -> Scanned {
    let label: Arc<str> = path.display().to_string().into();
    guard_file(label.clone(), || {
        read_file(path, size, resume, max_line_bytes)
    })
    .unwrap_or_else(|warning| Scanned {
        summary: FileSummary {
            warnings: vec![warning],
            ..FileSummary::default()
        },
        // A default state is never resumed (its offset, 0, says "read afresh").
        state: ReaderState::default(),
    })
}

/// Test seam, debug builds only: a file whose path contains the value of
/// `AGENTOBS_TEST_PANIC_ON` panics while being read, so tests can show that a failure stays in
/// its file.
fn failpoint(path: &Path) {
    if cfg!(debug_assertions)
        && let Some(marker) = std::env::var_os("AGENTOBS_TEST_PANIC_ON")
        && path
            .to_string_lossy()
            .contains(marker.to_string_lossy().as_ref())
    {
        panic!("test failpoint AGENTOBS_TEST_PANIC_ON");
    }
}

fn read_file(
    path: &Path,
    size: u64,
    resume: Option<(ReaderState, FileSummary)>,
    max_line_bytes: usize,
) -> Scanned {
    failpoint(path);
    let opts = options(max_line_bytes);
    let (reader, mut summary) = match resume {
        Some((state, mut summary)) => {
            // Notices about an incomplete tail are re-evaluated on every read.
            summary
                .warnings
                .retain(|w| w.kind != WarningKind::Incomplete);
            (RolloutReader::resume(path, state, opts), summary)
        }
        None => (
            RolloutReader::open_sized(path, opts, (size > 0).then_some(size)),
            FileSummary::default(),
        ),
    };
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => {
            summary.warnings.push(Warning {
                path: path.display().to_string().into(),
                line: 0,
                kind: WarningKind::Io,
                message: e.source.to_string(),
            });
            return Scanned {
                summary,
                state: ReaderState::default(),
            };
        }
    };
    let _ = reader.feed(&mut SummarySink {
        summary: &mut summary,
    });
    let state = reader.into_state();
    Scanned { summary, state }
}

/// Orders work largest file first, so that no core is left with one big file at the end.
fn largest_first<T>(mut work: Vec<T>, size: impl Fn(&T) -> u64) -> Vec<T> {
    work.sort_by_key(|w| std::cmp::Reverse(size(w)));
    work
}

/// Counts of a scan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    /// Files read from the start.
    pub read: usize,
    /// Files resumed from a cached offset.
    pub resumed: usize,
    /// Files taken from the cache unchanged.
    pub cached: usize,
}

/// Reads every file (in parallel), using and updating `cache` when given.
/// `progress` is bumped once per file.
pub fn scan(
    files: &[RolloutFile],
    cache: Option<&mut Cache>,
    max_line_bytes: usize,
    progress: &AtomicUsize,
) -> (Vec<(RolloutFile, FileSummary)>, ScanStats) {
    let mut stats = ScanStats::default();
    let Some(cache) = cache else {
        let mut out: Vec<_> = largest_first(files.iter().enumerate().collect(), |(_, f)| f.size)
            .into_par_iter()
            .map(|(i, f)| {
                let s = scan_file(&f.path, f.size, None, max_line_bytes);
                progress.fetch_add(1, Ordering::Relaxed);
                (i, f.clone(), s.summary)
            })
            .collect();
        out.sort_unstable_by_key(|(i, _, _)| *i);
        stats.read = out.len();
        return (out.into_iter().map(|(_, f, s)| (f, s)).collect(), stats);
    };
    enum Plan {
        Fresh,
        Resume(Box<ReaderState>, FileSummary),
        Cached(FileSummary),
    }
    let plans: Vec<(RolloutFile, FileKey, Plan)> = files
        .iter()
        .map(|f| {
            let key = FileKey::of(f);
            let plan = match cache.lookup(&f.path, &key) {
                crate::cache::Lookup::Unchanged(s) => Plan::Cached(s),
                crate::cache::Lookup::Grown(state, s) => Plan::Resume(state, s),
                crate::cache::Lookup::Miss => Plan::Fresh,
            };
            (f.clone(), key, plan)
        })
        .collect();
    for (_, _, p) in &plans {
        match p {
            Plan::Fresh => stats.read += 1,
            Plan::Resume(..) => stats.resumed += 1,
            Plan::Cached(_) => stats.cached += 1,
        }
    }
    // Cached files need no work: only the others go to the thread pool.
    let mut out = Vec::with_capacity(plans.len());
    let mut work = Vec::new();
    for (i, (f, key, plan)) in plans.into_iter().enumerate() {
        match plan {
            Plan::Cached(s) => {
                progress.fetch_add(1, Ordering::Relaxed);
                out.push(Some((f, s)));
            }
            other => {
                out.push(None);
                work.push((i, f, key, other));
            }
        }
    }
    let done: Vec<(usize, RolloutFile, FileKey, Scanned)> = largest_first(work, |w| w.1.size)
        .into_par_iter()
        .map(|(i, f, key, plan)| {
            let resume = match plan {
                Plan::Resume(state, summary) => Some((*state, summary)),
                _ => None,
            };
            let s = scan_file(&f.path, f.size, resume, max_line_bytes);
            progress.fetch_add(1, Ordering::Relaxed);
            (i, f, key, s)
        })
        .collect();
    for (i, f, key, s) in done {
        let summary = s.summary.clone();
        cache.store(&f.path, key, s.summary, s.state);
        out[i] = Some((f, summary));
    }
    let out = out.into_iter().flatten().collect();
    (out, stats)
}
