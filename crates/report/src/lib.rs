//! Usage and cost reports over agent sessions.
//!
//! [`run`] finds the rollouts, reads them in parallel through a resumable per-file
//! [`cache`](Cache) (rollouts are append-only: a re-run reads only new bytes), prices every
//! request with the [`PriceBook`](agentobs_cost::PriceBook) and groups the result with a
//! [`Ledger`](agentobs_cost::Ledger) into a [`Report`].

mod cache;
mod facts;
mod report;
mod scan;
mod zone;

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;

use agentobs_codex::RolloutFile;
use agentobs_cost::{Dimension, Ledger, PriceBook, TierPolicy};
use rayon::prelude::*;

pub use cache::{CACHE_FORMAT, Cache, FileKey, default_dir as default_cache_dir};
pub use facts::{DeveloperFallback, FactMaker, TaskRule, normalize_remote};
pub use report::{Figures, REPORT_SCHEMA, Report, ReportWarning, Row};
pub use scan::{FileSummary, ScanStats, scan};
pub use zone::{system_time_zone, time_zone};

/// Everything a report run needs.
pub struct ReportOptions {
    /// Grouping dimensions.
    pub group_by: Vec<Dimension>,
    /// Time zone of calendar dimensions and date filters.
    pub timezone: jiff::tz::TimeZone,
    /// First local date to include.
    pub since: Option<jiff::civil::Date>,
    /// Last local date to include.
    pub until: Option<jiff::civil::Date>,
    /// Prices.
    pub price_book: PriceBook,
    /// Service tier choice.
    pub tier: TierPolicy,
    /// Cache folder; `None` reads everything afresh.
    pub cache_dir: Option<PathBuf>,
    /// Lines longer than this are skipped with a warning.
    pub max_line_bytes: usize,
    /// Developer when the session names no account.
    pub developer: DeveloperFallback,
    /// Task-type rules.
    pub task_rules: Vec<TaskRule>,
    /// Task type when no rule matches.
    pub default_task: String,
}

/// What a run did besides the report.
#[derive(Debug, Default)]
pub struct RunInfo {
    /// File counts.
    pub scan: ScanStats,
    /// Set when the cache on disk was ignored, with the reason.
    pub cache_rebuilt: Option<String>,
    /// Set when the cache could not be written.
    pub cache_error: Option<String>,
}

/// Prints phase timings to stderr when `AGENTOBS_TIMINGS` is set (for benchmarking).
struct Phases {
    start: std::time::Instant,
    on: bool,
}

impl Phases {
    fn new() -> Self {
        Phases {
            start: std::time::Instant::now(),
            on: std::env::var_os("AGENTOBS_TIMINGS").is_some(),
        }
    }

    fn mark(&self, what: &str) {
        if self.on {
            eprintln!(
                "timing: {what:<10} {:>8.2} ms",
                self.start.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

/// Finds the rollouts under `roots` (see [`agentobs_codex::discover`]), reads them, and builds
/// the report. The cache is loaded while the files are found.
pub fn run(
    roots: &[PathBuf],
    opts: &ReportOptions,
    progress: &AtomicUsize,
) -> Result<(Report, RunInfo), agentobs_codex::DiscoverError> {
    let phases = Phases::new();
    let (files, cache) = match &opts.cache_dir {
        // The cache loads while the files are found.
        Some(dir) => std::thread::scope(|s| {
            let options = format!("max_line_bytes={}", opts.max_line_bytes);
            let cache = s.spawn(move || Cache::load(dir, &options));
            let files = agentobs_codex::discover(roots);
            (
                files,
                Some(cache.join().expect("cache loading does not panic")),
            )
        }),
        // Without a cache every file is opened anyway: no need to stat them first.
        None => (agentobs_codex::discover_unstated(roots), None),
    };
    let files = files?;
    phases.mark("discover");
    Ok(run_files(&files, roots, cache, opts, progress))
}

/// Reads already discovered `files` (found under `roots`) and builds the report.
pub fn run_files(
    files: &[RolloutFile],
    roots: &[PathBuf],
    mut cache: Option<Cache>,
    opts: &ReportOptions,
    progress: &AtomicUsize,
) -> (Report, RunInfo) {
    let phases = Phases::new();
    let mut info = RunInfo::default();
    let (summaries, stats) = scan(files, cache.as_mut(), opts.max_line_bytes, progress);
    info.scan = stats;
    phases.mark("scan");
    if let Some(mut c) = cache {
        // Shards load during the scan: only now is it known whether one was unreadable.
        info.cache_rebuilt = c.rebuilt.clone();
        let seen: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
        c.retain_seen(roots, &seen);
        if let Err(e) = c.save() {
            info.cache_error = Some(e.to_string());
        }
    }
    phases.mark("cache");
    let maker = FactMaker::new(
        opts.developer,
        opts.task_rules.clone(),
        opts.default_task.clone(),
    );
    let mut ledger = Ledger::new(
        opts.group_by.clone(),
        opts.timezone.clone(),
        opts.price_book.clone(),
        opts.tier,
    )
    .with_dates(opts.since, opts.until);
    let facts: Vec<_> = summaries
        .par_iter()
        .map(|(f, s)| {
            maker.facts(&s.ctx, s.first_prompt.as_deref(), || {
                f.path.display().to_string()
            })
        })
        .collect();
    for f in &facts {
        if let Some(p) = &f.parent_id {
            ledger.link(&f.thread_id, p);
        }
    }
    phases.mark("facts");
    let mut warnings = Vec::new();
    for ((_, s), f) in summaries.iter().zip(&facts) {
        ledger.add_thread(f, &s.buckets);
        warnings.extend(s.warnings.iter().map(|w| ReportWarning {
            path: w.path.to_string(),
            line: w.line,
            kind: w.kind,
            message: w.message.clone(),
        }));
    }
    let report = Report::from_ledger(&ledger, warnings);
    phases.mark("ledger");
    (report, info)
}
