//! `agentobs report`: usage and cost, grouped.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use agentobs_cost::{Dimension, TierPolicy};
use agentobs_report::{DeveloperFallback, ReportOptions, TaskRule};

use crate::dates::{DateArgs, Dates};
use crate::exit;
use crate::inputs::InputArgs;
use crate::pricing::PricingArgs;

/// Arguments of `agentobs report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// Group by these dimensions, comma-separated: day, week, month, session, model, repo,
    /// branch, developer, originator, source, task_type, harness.
    #[arg(
        long = "by",
        value_name = "DIMS",
        default_value = "day",
        value_delimiter = ','
    )]
    by: Vec<String>,
    #[command(flatten)]
    dates: DateArgs,
    /// Write JSON (agentobs.report/v1) instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pricing: PricingArgs,
    /// Read every file afresh, without the cache.
    #[arg(long)]
    no_cache: bool,
    /// Developer when a session names no account: user ($USER), git-author, none.
    #[arg(long, value_name = "SOURCE", default_value = "user")]
    developer_from: String,
    /// Task-type rule LABEL=REGEX matched on a session's first prompt; repeatable, first match wins.
    #[arg(long = "task-rule", value_name = "LABEL=REGEX")]
    task_rules: Vec<String>,
    /// Task type of sessions no rule matches.
    #[arg(long, value_name = "LABEL", default_value = "other")]
    task_default: String,
    /// Skip (with a warning) lines longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    max_line_bytes: usize,
    #[command(flatten)]
    html: crate::html::HtmlArgs,
}

fn usage(msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs report: {msg}");
    exit::USAGE
}

pub fn run(args: ReportArgs) -> u8 {
    let mut group_by = Vec::new();
    for d in args.by.iter().filter(|d| !d.trim().is_empty()) {
        match d.parse::<Dimension>() {
            Ok(d) if !group_by.contains(&d) => group_by.push(d),
            Ok(_) => {}
            Err(e) => return usage(e),
        }
    }
    let Dates {
        since,
        until,
        timezone,
    } = match args.dates.resolve() {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let developer: DeveloperFallback = match args.developer_from.parse() {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let mut task_rules = Vec::new();
    for r in &args.task_rules {
        match r.parse::<TaskRule>() {
            Ok(r) => task_rules.push(r),
            Err(e) => return usage(e),
        }
    }
    let plan = match args.inputs.plan() {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let transcripts = match (
        crate::inputs::claude_files(&plan.claude),
        crate::inputs::gemini_files(&plan.gemini),
    ) {
        (Ok(c), Ok(g)) => c
            .into_iter()
            .map(agentobs_report::Transcript::Claude)
            .chain(g.into_iter().map(agentobs_report::Transcript::Gemini))
            .collect::<Vec<_>>(),
        (Err(e), _) | (_, Err(e)) => return usage(e),
    };
    let roots = plan.codex;
    if roots.is_empty() && plan.claude.is_empty() && plan.gemini.is_empty() {
        return usage(
            "no input: give a PATH or a --codex-home, --claude-home or --gemini-home \
             (no default home exists)",
        );
    }
    // The tier of a request: what the session says, else Codex's config.toml (rollouts don't
    // record it), else the flag (`auto`: standard).
    let (book, default_tier) = match args.pricing.resolve(&roots) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let tier = TierPolicy {
        forced: None,
        default: default_tier,
    };
    let opts = ReportOptions::default()
        .with_group_by(group_by)
        .with_timezone(timezone)
        .with_dates(since, until)
        .with_price_book(book)
        .with_tier(tier)
        .with_cache_dir(if args.no_cache {
            None
        } else {
            agentobs_report::default_cache_dir()
        })
        .with_max_line_bytes(args.max_line_bytes)
        .with_developer(developer)
        .with_task_rules(task_rules, &args.task_default)
        .with_transcripts(transcripts);
    if let Some(path) = &args.html.html {
        let files = match args.inputs.files() {
            Ok(f) => f,
            Err(e) => return usage(e),
        };
        let (args, roots) = (&args.html, &roots);
        let run = crate::html::HtmlRun {
            args,
            path,
            roots,
            files,
            opts,
            default_tier,
        };
        return crate::html::run(run);
    }
    let progress = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // Progress on a terminal, for runs that take a while (nothing shows for quick ones).
    let ticker = std::io::stderr().is_terminal().then(|| {
        let (progress, done) = (progress.clone(), done.clone());
        std::thread::spawn(move || {
            let mut shown = false;
            for tick in 0u64.. {
                std::thread::sleep(std::time::Duration::from_millis(50));
                if done.load(Ordering::Relaxed) {
                    break;
                }
                if tick >= 6 {
                    eprint!(
                        "\rreading rollouts: {} files",
                        progress.load(Ordering::Relaxed)
                    );
                    shown = true;
                }
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        })
    });
    let result = agentobs_report::run(&roots, &opts, &progress);
    done.store(true, Ordering::Relaxed);
    if let Some(t) = ticker {
        let _ = t.join();
    }
    let (report, info) = match result {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    if let Some(r) = &info.cache_rebuilt {
        eprintln!("note: {r}");
    }
    if let Some(e) = &info.cache_error {
        eprintln!("warning: could not write the cache: {e}");
    }
    let stdout = std::io::stdout();
    // Buffered: stdout is line-buffered, and pretty JSON would cost a write per line.
    let mut out = std::io::BufWriter::new(stdout.lock());
    let res = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        for w in &report.warnings {
            if w.line > 0 {
                eprintln!("warning: {}:{}: {}", w.path, w.line, w.message);
            } else {
                eprintln!("warning: {}: {}", w.path, w.message);
            }
        }
        let mut text = report.table(100);
        if !report.totals.unpriced_models.is_empty() {
            text.push_str(&format!(
                "n/a: no price for {}\n",
                report.totals.unpriced_models.join(", ")
            ));
        }
        if !report.totals.inferred_models.is_empty() {
            text.push_str(&format!(
                "*: model inferred for some sessions ({})\n",
                report.totals.inferred_models.join(", ")
            ));
        }
        out.write_all(text.as_bytes())
    }
    .and_then(|()| out.flush());
    if let Err(e) = res
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("agentobs report: {e}");
        return exit::FAILED;
    }
    if report.warnings.iter().any(|w| !w.is_notice()) {
        exit::WARNINGS
    } else {
        exit::OK
    }
}
