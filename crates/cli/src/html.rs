//! `agentobs report --html FILE`: the report as one self-contained page.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use agentobs_anomaly::Alert;
use agentobs_codex::{ReadOptions, Warning};
use agentobs_cost::{PriceBook, ServiceTier};
use agentobs_report::ReportOptions;
use agentobs_report::html::{
    AlertNote, DetailSink, HTML_DIMENSIONS, HtmlOptions, Overview, Page, Tallies, pick_detail,
};
use agentobs_schema::{Event, EventSink, SourceEnd};

use crate::exit;

/// Flags of `report` that only `--html` uses.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "HTML page (--html)")]
pub struct HtmlArgs {
    /// Write one self-contained HTML page (charts, breakdowns, sessions, alerts) to FILE
    /// instead of a table (the page has its own groupings: --by does not apply).
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    pub html: Option<PathBuf>,
    /// Session pages for the N most expensive sessions (and every session with an alert).
    #[arg(long, value_name = "N", default_value_t = HtmlOptions::default().top_n)]
    pub top: usize,
    /// Page title.
    #[arg(long, value_name = "TEXT", default_value = "agentobs report")]
    pub title: String,
    /// Rules file for the alerts, as `agentobs check --rules`.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Policy file for the approval-bypass rule, as `agentobs check --policy`.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Baselines for the alerts, as `agentobs check --baseline`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// What `--html` needs besides the report options.
pub struct HtmlRun<'a> {
    pub args: &'a HtmlArgs,
    pub path: &'a Path,
    pub roots: &'a [PathBuf],
    /// Every file of every harness read, for the alerts and the session pages.
    pub files: Vec<crate::inputs::SourceFile>,
    pub opts: ReportOptions,
    pub default_tier: Option<ServiceTier>,
}

/// Passes events in the report's date range on, counting warnings without printing them
/// (the report prints its own).
struct InDates<'a, S> {
    inner: S,
    opts: &'a ReportOptions,
    warnings: u64,
}

impl<S: EventSink> EventSink for InDates<'_, S> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let o = self.opts;
        if agentobs_cost::ledger::in_local_dates(event.at, &o.timezone, o.since, o.until) {
            return self.inner.event(event);
        }
        ControlFlow::Continue(())
    }

    fn warning(&mut self, w: &Warning) {
        self.warnings += u64::from(!w.is_notice());
    }

    fn end(&mut self, end: &SourceEnd) {
        self.inner.end(end);
    }
}

fn note(a: &Alert) -> AlertNote {
    AlertNote {
        rule: a.rule.to_string(),
        severity: a.severity.as_str().to_owned(),
        session: a.session_id.clone(),
        at_ms: a.at.unix_millis(),
        message: a.message.clone(),
        evidence: a.evidence.iter().map(ToString::to_string).collect(),
    }
}

fn fail(msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs report: {msg}");
    exit::FAILED
}

/// Builds and writes the page; the exit code.
pub fn run(r: HtmlRun<'_>) -> u8 {
    let book: PriceBook = r.opts.price_book.clone();
    let engine = match crate::check::build_engine(
        r.args.rules.as_deref(),
        r.args.policy.as_deref(),
        r.args.baseline.as_deref(),
        book.clone(),
        r.default_tier,
    ) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("agentobs report: {e}");
            return exit::USAGE;
        }
    };
    let opts = r.opts.with_group_by(HTML_DIMENSIONS);
    let report = match agentobs_report::run(r.roots, &opts, &AtomicUsize::new(0)) {
        Ok((report, _)) => report,
        Err(e) => {
            eprintln!("agentobs report: {e}");
            return exit::USAGE;
        }
    };
    for w in &report.warnings {
        if w.line > 0 {
            eprintln!("warning: {}:{}: {}", w.path, w.line, w.message);
        } else {
            eprintln!("warning: {}: {}", w.path, w.message);
        }
    }
    let files = r.files;
    // Every file once: the anomaly rules (which compare arguments and outputs, so content is
    // read, never kept) and the per-thread tallies.
    let read = ReadOptions::default()
        .with_content(true)
        .with_max_line_bytes(opts.max_line_bytes);
    let mut sink = InDates {
        inner: engine.and(Tallies::default()),
        opts: &opts,
        warnings: 0,
    };
    crate::inputs::read_files(&files, &read, &mut sink, None);
    let agentobs_schema::And(mut engine, tallies) = sink.inner;
    let alerts: Vec<AlertNote> = engine.finish().iter().map(note).collect();
    let mut per_session: HashMap<String, u64> = HashMap::new();
    for a in &alerts {
        if let Some(s) = &a.session {
            *per_session.entry(s.clone()).or_default() += 1;
        }
    }
    let html = HtmlOptions::default()
        .with_top_n(r.args.top)
        .with_title(r.args.title.clone());
    let overview = Overview::build(&report, &tallies.threads, &per_session, html.max_bars);
    let picked = pick_detail(
        &overview.sessions,
        html.top_n,
        per_session.keys().map(String::as_str),
    );
    // Forks and sub-agents show on their root's page too.
    let parents: HashMap<String, String> = overview
        .sessions
        .iter()
        .filter_map(|s| Some((s.id.clone(), s.parent.clone()?)))
        .collect();
    let sink = DetailSink::new(
        picked,
        book.clone(),
        r.default_tier.unwrap_or_default(),
        html.max_entries,
    )
    .with_children(parents.clone());
    let details = read_details(&files, sink, &parents, &tallies, &opts);
    let tz = opts.timezone.iana_name().map(str::to_owned);
    let page = Page::new(&report, overview, alerts, details, &html)
        .with_price_book(&book)
        .with_dates(tz, opts.since, opts.until)
        .with_generated(
            jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string()),
        );
    let written = std::fs::File::create(r.path).and_then(|f| {
        let mut out = std::io::BufWriter::new(f);
        agentobs_report::html::render(&page, &mut out)?;
        out.flush()
    });
    if let Err(e) = written {
        return fail(format_args!("{}: {e}", r.path.display()));
    }
    let size = std::fs::metadata(r.path).map_or(0, |m| m.len());
    eprintln!(
        "wrote {} ({:.1} MB): {} sessions, {} session pages, {} alerts",
        r.path.display(),
        size as f64 / 1e6,
        report.totals.sessions,
        page.details.len(),
        page.alerts.len()
    );
    if report.warnings.iter().any(|w| !w.is_notice()) {
        exit::WARNINGS
    } else {
        exit::OK
    }
}

/// Reads again only the files of the chosen sessions (and of their children), for their
/// pages.
fn read_details(
    files: &[crate::inputs::SourceFile],
    sink: DetailSink,
    parents: &HashMap<String, String>,
    tallies: &Tallies,
    opts: &ReportOptions,
) -> std::collections::BTreeMap<String, agentobs_report::html::SessionDetail> {
    let wanted_files: BTreeSet<&str> = tallies
        .threads
        .iter()
        .filter(|(id, _)| sink.wants(id) || parents.get(id.as_str()).is_some_and(|p| sink.wants(p)))
        .flat_map(|(_, t)| t.files.iter().map(|f| &**f))
        .collect();
    let chosen: Vec<crate::inputs::SourceFile> = files
        .iter()
        .filter(|f| wanted_files.contains(f.path().display().to_string().as_str()))
        .cloned()
        .collect();
    let mut sink = InDates {
        inner: sink,
        opts,
        warnings: 0,
    };
    let read = ReadOptions::default().with_max_line_bytes(opts.max_line_bytes);
    crate::inputs::read_files(&chosen, &read, &mut sink, None);
    sink.inner.finish()
}
