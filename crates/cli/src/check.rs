//! `agentobs check` and `agentobs baseline`: the anomaly rules over rollouts.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use agentobs_anomaly::{
    Alert, AlertReport, BaselineBuilder, Baselines, DEFAULT_MIN_SESSIONS, Engine, Policy, RuleSet,
    Severity,
};
use agentobs_codex::{ReadOptions, Warning};
use agentobs_schema::{Event, EventSink, SourceEnd};

use crate::dates::{DateArgs, print_warning};
use crate::exit;
use crate::inputs::InputArgs;
use crate::pricing::PricingArgs;

/// Arguments of `agentobs check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// Rules file (TOML): thresholds per rule, `enabled = false` to turn one off.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Policy file for the approval-bypass rule (overrides the rules file's).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Baselines written by `agentobs baseline` (default: the rules' absolute limits).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write `agentobs.alerts/v1` JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Exit 1 when an alert at or above this severity fires: info, warning, critical or
    /// never.
    #[arg(long, value_name = "SEVERITY", default_value = "never")]
    fail_on: String,
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    pricing: PricingArgs,
}

/// Arguments of `agentobs baseline`.
#[derive(clap::Args, Debug)]
pub struct BaselineArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// Where to write the baselines (JSON, `agentobs.baseline/v1`).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// Least sessions a repository, model or (repository, model) needs for its own baseline.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MIN_SESSIONS)]
    min_sessions: u64,
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    pricing: PricingArgs,
}

fn usage(cmd: &str, msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs {cmd}: {msg}");
    exit::USAGE
}

/// Feeds events in the date range to a sink; counts and prints warnings.
struct Reading<S> {
    inner: S,
    dates: crate::dates::Dates,
    warnings: u64,
    lines: u64,
}

impl<S: EventSink> EventSink for Reading<S> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let d = &self.dates;
        if agentobs_cost::ledger::in_local_dates(event.at, &d.timezone, d.since, d.until) {
            return self.inner.event(event);
        }
        ControlFlow::Continue(())
    }

    fn warning(&mut self, w: &Warning) {
        print_warning(w, &mut self.warnings);
    }

    fn end(&mut self, end: &SourceEnd) {
        self.lines += end.lines;
        self.inner.end(end);
    }
}

/// Reads every file with content: the rules compare arguments and outputs (nothing of them
/// is printed).
fn read_all<S: EventSink>(files: &[crate::inputs::SourceFile], sink: &mut Reading<S>) {
    let opts = ReadOptions::default().with_content(true);
    crate::inputs::read_files(files, &opts, sink, Some(&|_: &Reading<S>| String::new()));
}

fn fail_on(s: &str) -> Result<Option<Severity>, String> {
    match s {
        "never" | "none" => Ok(None),
        s => Severity::parse(s)
            .map(Some)
            .ok_or_else(|| format!("--fail-on {s:?}: expected info, warning, critical or never")),
    }
}

/// `agentobs check`.
pub fn run(args: CheckArgs) -> u8 {
    const CMD: &str = "check";
    let fail = match fail_on(&args.fail_on) {
        Ok(f) => f,
        Err(e) => return usage(CMD, e),
    };
    let dates = match args.dates.resolve() {
        Ok(d) => d,
        Err(e) => return usage(CMD, e),
    };
    let (book, tier) = match args.pricing.resolve(&args.inputs.roots()) {
        Ok(b) => b,
        Err(e) => return usage(CMD, e),
    };
    let files = match args.inputs.files() {
        Ok(f) => f,
        Err(e) => return usage(CMD, e),
    };
    let engine = match build_engine(
        args.rules.as_deref(),
        args.policy.as_deref(),
        args.baseline.as_deref(),
        book,
        tier,
    ) {
        Ok(e) => e,
        Err(e) => return usage(CMD, e),
    };
    let mut sink = Reading {
        inner: engine,
        dates,
        warnings: 0,
        lines: 0,
    };
    read_all(&files, &mut sink);
    let alerts = sink.inner.finish();
    let stats = sink.inner.stats();
    let out = io::stdout();
    let mut out = io::BufWriter::new(out.lock());
    let written = if args.json {
        serde_json::to_writer(&mut out, &AlertReport::new(&alerts))
            .map_err(io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        write_table(&mut out, &alerts)
    }
    .and_then(|()| out.flush());
    if let Err(e) = written
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("agentobs check: {e}");
        return exit::FAILED;
    }
    let count = |s: Severity| alerts.iter().filter(|a| a.severity == s).count();
    eprintln!(
        "{} files, {} lines, {} sessions, {} alerts ({} critical, {} warning, {} info), {} warnings",
        files.len(),
        sink.lines,
        stats.sessions,
        alerts.len(),
        count(Severity::Critical),
        count(Severity::Warning),
        count(Severity::Info),
        sink.warnings
    );
    if let Some(min) = fail
        && alerts.iter().any(|a| a.severity >= min)
    {
        return exit::FAILED;
    }
    if sink.warnings > 0 {
        exit::WARNINGS
    } else {
        exit::OK
    }
}

/// The engine `check` runs: the rules file (or the default rules), the policy file over
/// the rules file's, the baselines (or the rules' absolute limits); an error message for a
/// file that cannot be read.
pub(crate) fn build_engine(
    rules: Option<&Path>,
    policy: Option<&Path>,
    baseline: Option<&Path>,
    book: agentobs_cost::PriceBook,
    tier: Option<agentobs_cost::ServiceTier>,
) -> Result<Engine, String> {
    let mut rules = match rules {
        Some(p) => RuleSet::load(p).map_err(|e| e.to_string())?,
        None => RuleSet::default(),
    };
    if let Some(p) = policy {
        rules = rules.with_policy(Policy::load(p).map_err(|e| e.to_string())?);
    }
    let baselines = match baseline {
        Some(p) => Baselines::load(p).map_err(|e| e.to_string())?,
        None => Baselines::none(),
    };
    let mut builder = Engine::builder()
        .rules(rules)
        .price_book(book)
        .baselines(baselines);
    if let Some(t) = tier {
        builder = builder.default_tier(t);
    }
    Ok(builder.build())
}

/// Alerts as a table: one line per alert, its evidence indented below.
fn write_table(out: &mut impl Write, alerts: &[Alert]) -> io::Result<()> {
    if alerts.is_empty() {
        return writeln!(out, "no alerts");
    }
    let rule_w = alerts
        .iter()
        .map(|a| a.rule.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{:<24}  {:<8}  {:<rule_w$}  {:<36}  MESSAGE",
        "AT", "SEVERITY", "RULE", "SESSION"
    )?;
    for a in alerts {
        writeln!(
            out,
            "{:<24}  {:<8}  {:<rule_w$}  {:<36}  {}",
            a.at.to_string(),
            a.severity.as_str(),
            &*a.rule,
            a.session_id.as_deref().unwrap_or("-"),
            a.message
        )?;
        for e in &a.evidence {
            writeln!(out, "    at {e}")?;
        }
    }
    Ok(())
}

/// `agentobs baseline`.
pub fn run_baseline(args: BaselineArgs) -> u8 {
    const CMD: &str = "baseline";
    let dates = match args.dates.resolve() {
        Ok(d) => d,
        Err(e) => return usage(CMD, e),
    };
    let (book, _) = match args.pricing.resolve(&args.inputs.roots()) {
        Ok(b) => b,
        Err(e) => return usage(CMD, e),
    };
    let files = match args.inputs.files() {
        Ok(f) => f,
        Err(e) => return usage(CMD, e),
    };
    let mut sink = Reading {
        inner: BaselineBuilder::new(book),
        dates,
        warnings: 0,
        lines: 0,
    };
    read_all(&files, &mut sink);
    let (warnings, lines) = (sink.warnings, sink.lines);
    let baselines = sink.inner.finish(args.min_sessions);
    let text = baselines.to_json() + "\n";
    if let Err(e) = std::fs::write(&args.output, text) {
        eprintln!("agentobs baseline: {}: {e}", args.output.display());
        return exit::FAILED;
    }
    let all = baselines.groups.first().map_or(0, |g| g.sessions);
    eprintln!(
        "{} files, {lines} lines, {all} sessions, {} baseline groups written to {}, {warnings} warnings",
        files.len(),
        baselines.groups.len(),
        args.output.display()
    );
    if warnings > 0 {
        exit::WARNINGS
    } else {
        exit::OK
    }
}
