//! Usage and cost reports over agent sessions.
//!
//! [`run`] finds the rollouts, reads them in parallel through a resumable per-file
//! [`cache`](Cache) (rollouts are append-only: a re-run reads only new bytes), prices every
//! request with the [`PriceBook`] and groups the result with a
//! [`Ledger`] into a [`Report`].

mod cache;
mod facts;
pub mod html;
mod report;
mod scan;
mod transcripts;
mod zone;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use agentobs_codex::RolloutFile;
use agentobs_cost::{Dimension, Ledger, PriceBook, PromptClass, TierPolicy};
use rayon::prelude::*;

pub use cache::{CACHE_FORMAT, Cache, FileKey, default_dir as default_cache_dir};
pub use facts::{DeveloperFallback, FactMaker, OptionError, TaskRule, normalize_remote};
pub use report::{Figures, REPORT_SCHEMA, Report, ReportWarning, Row};
pub use scan::{FileSummary, ScanStats, scan};
pub use transcripts::{Transcript, scan_transcripts};
pub use zone::{system_time_zone, time_zone};

/// Everything a report run needs. Start from [`ReportOptions::default`] (each field's
/// default is in its doc) and change what differs, with the `with_*` methods or the fields:
///
/// ```
/// use agentobs_cost::Dimension;
/// use agentobs_report::ReportOptions;
///
/// let opts = ReportOptions::default()
///     .with_group_by([Dimension::Day, Dimension::Model])
///     .with_timezone(jiff::tz::TimeZone::UTC);
/// assert_eq!(opts.group_by, [Dimension::Day, Dimension::Model]);
/// assert!(opts.cache_dir.is_none());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Grouping dimensions. Default: by day.
    pub group_by: Vec<Dimension>,
    /// Time zone of calendar dimensions and date filters. Default: UTC.
    pub timezone: jiff::tz::TimeZone,
    /// First local date to include. Default: none.
    pub since: Option<jiff::civil::Date>,
    /// Last local date to include. Default: none.
    pub until: Option<jiff::civil::Date>,
    /// Prices. Default: the embedded price book.
    pub price_book: PriceBook,
    /// Service tier choice. Default: the session's own tier, else standard.
    pub tier: TierPolicy,
    /// Cache folder; `None` reads everything afresh. Default: none (the CLI uses
    /// [`default_cache_dir`]).
    pub cache_dir: Option<PathBuf>,
    /// Lines longer than this are skipped with a warning. Default: 16 MiB.
    pub max_line_bytes: usize,
    /// Developer when the session names no account. Default: `$USER`.
    pub developer: DeveloperFallback,
    /// Task-type rules. Default: none.
    pub task_rules: Vec<TaskRule>,
    /// Task type when no rule matches. Default: `other`.
    pub default_task: String,
    /// Claude Code and Gemini CLI transcripts to read beside the rollouts (never cached).
    /// Default: none.
    pub transcripts: Vec<Transcript>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            group_by: vec![Dimension::Day],
            timezone: jiff::tz::TimeZone::UTC,
            since: None,
            until: None,
            price_book: PriceBook::embedded(),
            tier: TierPolicy::default(),
            cache_dir: None,
            max_line_bytes: 16 * 1024 * 1024,
            developer: DeveloperFallback::default(),
            task_rules: Vec::new(),
            default_task: "other".to_owned(),
            transcripts: Vec::new(),
        }
    }
}

impl ReportOptions {
    /// Groups by these dimensions, in order.
    pub fn with_group_by(mut self, dims: impl IntoIterator<Item = Dimension>) -> Self {
        self.group_by = dims.into_iter().collect();
        self
    }

    /// Calendar dimensions and date filters in this zone.
    pub fn with_timezone(mut self, tz: jiff::tz::TimeZone) -> Self {
        self.timezone = tz;
        self
    }

    /// Only local dates from `since` to `until` (inclusive; `None`: open).
    pub fn with_dates(
        mut self,
        since: Option<jiff::civil::Date>,
        until: Option<jiff::civil::Date>,
    ) -> Self {
        self.since = since;
        self.until = until;
        self
    }

    /// Prices from this book.
    pub fn with_price_book(mut self, book: PriceBook) -> Self {
        self.price_book = book;
        self
    }

    /// Service tier choice.
    pub fn with_tier(mut self, tier: TierPolicy) -> Self {
        self.tier = tier;
        self
    }

    /// Reads and writes the per-file cache in `dir`.
    pub fn with_cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache_dir = dir;
        self
    }

    /// Skips (with a warning) lines longer than this.
    pub fn with_max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes;
        self
    }

    /// Developer when the session names no account.
    pub fn with_developer(mut self, fallback: DeveloperFallback) -> Self {
        self.developer = fallback;
        self
    }

    /// Reads these Claude Code and Gemini CLI transcripts too.
    pub fn with_transcripts(mut self, transcripts: Vec<Transcript>) -> Self {
        self.transcripts = transcripts;
        self
    }

    /// Task-type rules, and the task type when none matches.
    pub fn with_task_rules(mut self, rules: Vec<TaskRule>, default_task: &str) -> Self {
        self.task_rules = rules;
        self.default_task = default_task.to_owned();
        self
    }
}

/// A report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// An input path could not be used.
    #[error(transparent)]
    Discover(#[from] agentobs_codex::DiscoverError),
    /// The price book has a long-context threshold that report buckets cannot price exactly.
    #[error(
        "price book: model `{model}` has a long-context threshold of {threshold} prompt tokens; \
         reports price prompt sizes exactly only at {bounds:?} tokens"
    )]
    UnpricedThreshold {
        /// The model.
        model: String,
        /// Its threshold.
        threshold: u64,
        /// The thresholds reports can price.
        bounds: [u64; 3],
    },
}

/// Report buckets group requests by prompt-size class ([`PromptClass`]): exact only when
/// every long-context threshold of the book is a class bound.
fn check_thresholds(book: &PriceBook) -> Result<(), ReportError> {
    match book
        .long_context_thresholds()
        .find(|(_, t)| !PromptClass::BOUNDS.contains(t))
    {
        Some((model, threshold)) => Err(ReportError::UnpricedThreshold {
            model: model.to_owned(),
            threshold,
            bounds: PromptClass::BOUNDS,
        }),
        None => Ok(()),
    }
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

/// Phase timings of a run, as `tracing` events (target `agentobs_report::phase`, level
/// DEBUG, fields `phase` and `elapsed_ms` since the run started). The library never prints:
/// a subscriber decides (the CLI shows them with `AGENTOBS_TIMINGS=1`).
struct Phases {
    start: std::time::Instant,
}

impl Phases {
    fn new() -> Self {
        Phases {
            start: std::time::Instant::now(),
        }
    }

    fn mark(&self, phase: &str) {
        tracing::debug!(
            target: "agentobs_report::phase",
            phase,
            elapsed_ms = self.start.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// Finds the rollouts under `roots` (see [`agentobs_codex::discover`]), reads them, and builds
/// the report. The cache is loaded while the files are found.
pub fn run(
    roots: &[PathBuf],
    opts: &ReportOptions,
    progress: &AtomicUsize,
) -> Result<(Report, RunInfo), ReportError> {
    check_thresholds(&opts.price_book)?;
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
        None => (
            agentobs_codex::Discovery::new(roots)
                .stat_files(false)
                .run(),
            None,
        ),
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
    let (summaries, mut stats) = scan(files, cache.as_mut(), opts.max_line_bytes, progress);
    let transcripts = scan_transcripts(&opts.transcripts, opts.max_line_bytes, progress);
    stats.read = stats.read.saturating_add(transcripts.len());
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
    let summaries: Vec<(&Path, &FileSummary)> = summaries
        .iter()
        .map(|(f, s)| (f.path.as_path(), s))
        .chain(transcripts.iter().map(|(t, s)| (t.path(), s)))
        .collect();
    let facts: Vec<_> = summaries
        .par_iter()
        .map(|(path, s)| {
            maker.facts(&s.ctx, s.first_prompt.as_deref(), || {
                path.display().to_string()
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
