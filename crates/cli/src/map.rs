//! `agentobs map`: rollouts mapped by a dialect, written as OTLP-JSON lines.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

use agentobs::BookPricer;
use agentobs_codex::{ReadOptions, Warning};
use agentobs_cost::ServiceTier;
use agentobs_export::{OtlpHttpExporter, OtlpJsonWriter, Protocol};
use agentobs_schema::{Event, EventSink, SourceEnd};
use agentobs_semconv::{
    ContentPolicy, Dialect, LogRecord, Mapper, MetricPoint, SignalSink, SpanRecord, dialects,
};

use crate::dates::{DateArgs, Dates, print_warning};
use crate::exit;
use crate::inputs::InputArgs;
use crate::pricing::PricingArgs;

/// Arguments of `agentobs map`.
#[derive(clap::Args, Debug)]
pub struct MapArgs {
    /// Dialect: codex, genai (OpenTelemetry GenAI v1.41), genai-latest (unstable) or
    /// openinference. `genai` means genai-latest when $OTEL_SEMCONV_STABILITY_OPT_IN lists
    /// gen_ai_latest_experimental.
    #[arg(long, value_name = "DIALECT", default_value = "genai")]
    dialect: String,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "endpoint")]
    output: Option<PathBuf>,
    /// Send to an OTLP/HTTP receiver instead (`http://127.0.0.1:4318`; `/v1/traces`,
    /// `/v1/logs` and `/v1/metrics` are appended).
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Body encoding for --endpoint: http/protobuf or http/json.
    #[arg(
        long,
        value_name = "PROTOCOL",
        default_value = "http/protobuf",
        requires = "endpoint"
    )]
    protocol: String,
    /// Header for --endpoint requests, NAME=VALUE; repeatable. Values are never printed.
    #[arg(long = "header", value_name = "NAME=VALUE", requires = "endpoint")]
    headers: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
}

/// What to read and how: shared by `map` and `export`.
#[derive(clap::Args, Debug)]
pub struct SourceArgs {
    #[command(flatten)]
    inputs: InputArgs,
    #[command(flatten)]
    dates: DateArgs,
    /// Content to put on the records, comma-separated: prompt, tool-arguments, tool-output,
    /// assistant-text, all. Default: none (lengths only).
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    capture: Vec<String>,
    /// Longest captured text in characters (longer text is cut and marked); 0 for no limit.
    #[arg(long, value_name = "CHARS", default_value_t = ContentPolicy::DEFAULT_MAX_CHARS)]
    max_content_chars: usize,
    #[command(flatten)]
    pricing: PricingArgs,
    /// Skip (with a warning) lines longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    max_line_bytes: usize,
    /// Also run the anomaly rules (as `agentobs check` does) and send each alert as an
    /// `agentobs.alert` log record and on the `agentobs.alerts` counter.
    #[arg(long)]
    alerts: bool,
    /// Rules file for --alerts.
    #[arg(long, value_name = "FILE", requires = "alerts")]
    rules: Option<PathBuf>,
}

/// [`SourceArgs`] checked: the files, the content policy, dates and prices.
pub(crate) struct Source {
    files: Vec<crate::inputs::SourceFile>,
    pub(crate) content: ContentPolicy,
    dates: crate::dates::Dates,
    pricer: BookPricer,
    max_line_bytes: usize,
    /// The anomaly engine, with --alerts.
    engine: Option<agentobs_anomaly::Engine>,
    /// Show progress on stderr when it is a terminal.
    pub(crate) progress: bool,
}

/// What a mapping run read and produced.
pub(crate) struct Run<S> {
    pub(crate) sink: S,
    pub(crate) stats: agentobs_semconv::MapStats,
    pub(crate) files: usize,
    pub(crate) lines: u64,
    pub(crate) warnings: u64,
}

impl SourceArgs {
    /// Checks the flags and finds the files; an error message for a usage error.
    pub(crate) fn prepare(&self) -> Result<Source, String> {
        let content = content_policy(&self.capture, self.max_content_chars)?;
        let dates = self.dates.resolve()?;
        let roots = self.inputs.roots();
        let (book, tier) = self.pricing.resolve(&roots)?;
        let files = self.inputs.files()?;
        let tier = tier.unwrap_or(ServiceTier::Standard);
        let engine = if self.alerts {
            Some(alert_engine(self.rules.as_deref(), &book, tier)?)
        } else {
            None
        };
        Ok(Source {
            files,
            content,
            dates,
            pricer: BookPricer::new(book, tier),
            max_line_bytes: self.max_line_bytes,
            engine,
            progress: false,
        })
    }
}

/// The anomaly engine for `--alerts`: the rules of `rules` (else the defaults), pricing
/// from `book` at `tier`.
pub(crate) fn alert_engine(
    rules: Option<&std::path::Path>,
    book: &agentobs_cost::PriceBook,
    tier: ServiceTier,
) -> Result<agentobs_anomaly::Engine, String> {
    Ok(engine_of(alert_rules(rules)?, book, tier))
}

/// The rules of `--rules FILE`, or the built-in thresholds.
pub(crate) fn alert_rules(
    rules: Option<&std::path::Path>,
) -> Result<agentobs_anomaly::RuleSet, String> {
    match rules {
        Some(p) => agentobs_anomaly::RuleSet::load(p).map_err(|e| e.to_string()),
        None => Ok(agentobs_anomaly::RuleSet::default()),
    }
}

/// An engine running `rules`, pricing with `book`.
pub(crate) fn engine_of(
    rules: agentobs_anomaly::RuleSet,
    book: &agentobs_cost::PriceBook,
    tier: ServiceTier,
) -> agentobs_anomaly::Engine {
    agentobs_anomaly::Engine::builder()
        .rules(rules)
        .price_book(book.clone())
        .default_tier(tier)
        .build()
}

impl Source {
    /// Maps every file through `dialect` into `sink`.
    pub(crate) fn run<D: Dialect, S: SignalSink>(self, dialect: D, sink: S) -> Run<S> {
        let mapper = Mapper::new(dialect, sink)
            .with_content(self.content)
            .with_pricer(self.pricer);
        let Dates {
            since,
            until,
            timezone,
        } = self.dates;
        // The rules compare tool arguments and outputs, so they are read; the mapper still
        // withholds whatever the content policy does not capture.
        let content = self.content.captures_any() || self.engine.is_some();
        let mut sink = MapSink {
            tap: agentobs_anomaly::Tap::optional(self.engine, mapper),
            dates: (since, until, timezone),
            warnings: 0,
            lines: 0,
            progress: self.progress,
        };
        let opts = ReadOptions::default()
            .with_content(content)
            .with_max_line_bytes(self.max_line_bytes);
        feed_files(&self.files, &opts, &mut sink);
        let (warnings, lines) = (sink.warnings, sink.lines);
        let (_, mapper) = sink.tap.finish();
        let (out, stats) = mapper.finish();
        Run {
            sink: out,
            stats,
            files: self.files.len(),
            lines,
            warnings,
        }
    }
}

fn usage(msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs map: {msg}");
    exit::USAGE
}

pub(crate) fn content_policy(kinds: &[String], max: usize) -> Result<ContentPolicy, String> {
    let mut p = ContentPolicy::default().with_max_chars((max > 0).then_some(max));
    for k in kinds.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        p = match k {
            "prompt" | "prompts" => p.with_prompts(true),
            "tool-arguments" => p.with_tool_arguments(true),
            "tool-output" => p.with_tool_output(true),
            "assistant-text" => p.with_assistant_text(true),
            "all" => ContentPolicy::all().with_max_chars(p.max_chars),
            "none" => ContentPolicy::none().with_max_chars(p.max_chars),
            other => {
                return Err(format!(
                    "unknown content kind {other:?} (prompt, tool-arguments, tool-output, \
                     assistant-text, all, none)"
                ));
            }
        };
    }
    Ok(p)
}

pub fn run(args: MapArgs) -> u8 {
    let opt_in = std::env::var("OTEL_SEMCONV_STABILITY_OPT_IN").ok();
    let Some(dialect) = dialects::by_name(&args.dialect, opt_in.as_deref()) else {
        return usage(format!(
            "unknown dialect {:?} ({})",
            args.dialect,
            dialects::NAMES.join(", ")
        ));
    };
    let source = match args.source.prepare() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let out = match &args.endpoint {
        Some(url) => {
            let protocol: Protocol = match args.protocol.parse() {
                Ok(p) => p,
                Err(e) => return usage(e),
            };
            let mut headers = Vec::new();
            for h in &args.headers {
                match h.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => {
                        headers.push((k.trim().to_owned(), v.trim().to_owned()))
                    }
                    _ => {
                        return usage(format!(
                            "--header wants NAME=VALUE, got {:?}",
                            h.split('=').next().unwrap_or("")
                        ));
                    }
                }
            }
            match OtlpHttpExporter::new(url, protocol, &headers) {
                Ok(e) => Output::Http(Box::new(e)),
                Err(e) => return usage(e),
            }
        }
        None => Output::Json(OtlpJsonWriter::new(match &args.output {
            Some(p) => match File::create(p) {
                Ok(f) => Box::new(BufWriter::with_capacity(1 << 20, f)),
                Err(e) => return usage(format!("cannot write {}: {e}", p.display())),
            },
            None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
        })),
    };
    let name = dialect.name().to_owned();
    let Run {
        sink: out,
        stats,
        files,
        lines,
        warnings,
    } = source.run(dialect, out);
    let summary = match out {
        Output::Json(w) => match w.finish() {
            Ok(w) => format!(
                "{} spans, {} log records, {} metric points in {} OTLP-JSON lines",
                w.spans, w.logs, w.metric_points, w.lines
            ),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return exit::OK,
            Err(e) => {
                eprintln!("agentobs map: {e}");
                return exit::FAILED;
            }
        },
        Output::Http(mut h) => {
            h.flush();
            let sent = h.stats();
            match h.finish() {
                Ok(s) => format!(
                    "{} spans, {} log records, {} metric points sent in {} requests",
                    s.spans, s.logs, s.metric_points, s.requests
                ),
                Err(e) => {
                    eprintln!(
                        "agentobs map: {} of {} requests failed; first: {e}",
                        sent.failed_requests,
                        sent.failed_requests + sent.requests
                    );
                    return exit::FAILED;
                }
            }
        }
    };
    eprintln!(
        "{files} files, {lines} lines, {} events → {name}: {summary}; {warnings} warnings",
        stats.events,
    );
    if warnings > 0 {
        exit::WARNINGS
    } else {
        exit::OK
    }
}

/// Where the records go.
enum Output {
    Json(OtlpJsonWriter<Box<dyn Write>>),
    Http(Box<OtlpHttpExporter>),
}

impl SignalSink for Output {
    fn span(&mut self, span: SpanRecord) {
        match self {
            Output::Json(w) => w.span(span),
            Output::Http(h) => h.span(span),
        }
    }
    fn log(&mut self, log: LogRecord) {
        match self {
            Output::Json(w) => w.log(log),
            Output::Http(h) => h.log(log),
        }
    }
    fn metric(&mut self, point: MetricPoint) {
        match self {
            Output::Json(w) => w.metric(point),
            Output::Http(h) => h.metric(point),
        }
    }
}

/// Reads every file into `sink`, a failure in one file costing only that file.
fn feed_files<D: Dialect, S: SignalSink>(
    files: &[crate::inputs::SourceFile],
    opts: &ReadOptions,
    sink: &mut MapSink<D, S>,
) {
    let progress =
        |s: &MapSink<D, S>| format!(", {} events mapped", s.tap.downstream().stats().events);
    let progress: Option<crate::inputs::Progress<'_, MapSink<D, S>>> =
        sink.progress.then_some(&progress);
    crate::inputs::read_files(files, opts, sink, progress);
}

/// Feeds events in the date range to the mapper; prints warnings.
struct MapSink<D: Dialect, S: SignalSink> {
    /// The mapper, behind the rules when `--alerts` asked for them (their alerts are mapped
    /// as events of their sessions).
    tap: agentobs_anomaly::Tap<Mapper<D, S>>,
    dates: (
        Option<jiff::civil::Date>,
        Option<jiff::civil::Date>,
        jiff::tz::TimeZone,
    ),
    warnings: u64,
    lines: u64,
    /// Show files done on a terminal.
    progress: bool,
}

impl<D: Dialect, S: SignalSink> MapSink<D, S> {
    fn in_range(&self, event: &Event) -> bool {
        let (since, until, tz) = &self.dates;
        agentobs_cost::ledger::in_local_dates(event.at, tz, *since, *until)
    }
}

impl<D: Dialect, S: SignalSink> EventSink for MapSink<D, S> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if self.in_range(event) {
            let _ = self.tap.event(event);
        }
        ControlFlow::Continue(())
    }

    fn warning(&mut self, w: &Warning) {
        print_warning(w, &mut self.warnings);
    }

    fn end(&mut self, end: &SourceEnd) {
        self.lines += end.lines;
        self.tap.end(end);
    }
}
