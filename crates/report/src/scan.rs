//! Reading rollouts into per-file usage summaries, in parallel, through the cache.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use agentobs_codex::{ReadOptions, ReaderState, RolloutFile, RolloutReader, Warning, WarningKind};
use agentobs_cost::ServiceTier;
use agentobs_cost::ledger::{UsageBucket, add_request};
use agentobs_schema::{EventKind, SessionContext};
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

/// Reads a file from the start, or from `resume` with the summary so far.
pub(crate) fn scan_file(
    path: &Path,
    size: u64,
    resume: Option<(ReaderState, FileSummary)>,
    max_line_bytes: usize,
) -> Scanned {
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
    for item in reader.by_ref() {
        match item {
            Ok(event) => match &event.kind {
                EventKind::TokenUsage(u) => {
                    let ctx = &event.ctx;
                    let tier = ctx
                        .service_tier
                        .as_deref()
                        .and_then(|t| t.parse::<ServiceTier>().ok());
                    add_request(
                        &mut summary.buckets,
                        event.at,
                        ctx.model.as_deref().unwrap_or("unknown"),
                        ctx.model_inferred,
                        tier,
                        u.prompt_tokens.unwrap_or(u.usage.input_tokens),
                        u.usage,
                    );
                }
                EventKind::UserPrompt(p) if summary.first_prompt.is_none() => {
                    summary.first_prompt = p
                        .text
                        .value()
                        .map(|t| t.chars().take(FIRST_PROMPT_CHARS).collect());
                }
                _ => {}
            },
            Err(w) => summary.warnings.push(w),
        }
    }
    let state = reader.into_state();
    summary.ctx = state.context().clone();
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
