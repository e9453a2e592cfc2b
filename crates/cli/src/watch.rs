//! `agentobs watch`: sessions followed while Codex writes them, exported as they happen.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use agentobs_codex::ReadOptions;
use agentobs_codex::follow::Follower;
use agentobs_cost::ServiceTier;
use agentobs_export::pipeline::Pipeline;

use crate::exit;
use crate::export::DestinationArgs;
use crate::inputs::InputArgs;
use crate::pricing::PricingArgs;

/// Arguments of `agentobs watch`.
#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    dest: DestinationArgs,
    #[command(flatten)]
    inputs: InputArgs,
    /// Content to put on the records, comma-separated: prompt, tool-arguments, tool-output,
    /// assistant-text, all. Default: none (lengths only).
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    capture: Vec<String>,
    #[command(flatten)]
    pricing: PricingArgs,
    /// Also export what the files already hold when watching starts (default: only what is
    /// written from now on).
    #[arg(long)]
    from_start: bool,
    /// Close a session (export its agent span) once its file has not grown for this many
    /// seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    idle_close: u64,
    /// Longest wait between two looks at the files, in milliseconds (inotify wakes earlier).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    poll_interval: u64,
    /// Poll only; do not use inotify.
    #[arg(long)]
    no_inotify: bool,
    /// Stop after this many seconds (default: until SIGINT or SIGTERM).
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Queue capacity of the exporter, in events; beyond it events are dropped and counted.
    #[arg(long, value_name = "EVENTS", default_value_t = agentobs_export::pipeline::DEFAULT_QUEUE_CAPACITY)]
    queue: usize,
}

fn usage(msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs watch: {msg}");
    exit::USAGE
}

/// Runs `agentobs watch`.
pub fn run(args: WatchArgs) -> u8 {
    let config = match args.dest.resolve() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let content = match crate::map::content_policy(
        &args.capture,
        agentobs_semconv::ContentPolicy::DEFAULT_MAX_CHARS,
    ) {
        Ok(c) => c.with_prompts(
            config.log_user_prompt || args.capture.iter().any(|c| c == "prompt" || c == "all"),
        ),
        Err(e) => return usage(e),
    };
    if !args.inputs.claude_homes.is_empty()
        || !args.inputs.gemini_homes.is_empty()
        || args.inputs.harness.iter().any(|h| h.trim() != "codex")
    {
        return usage("watch follows Codex rollouts only (--harness codex)");
    }
    let roots = args.inputs.roots();
    if roots.is_empty() {
        return usage("no input: give a PATH or --codex-home (no default Codex home exists)");
    }
    let (book, tier) = match args.pricing.resolve(&roots) {
        Ok(b) => b,
        Err(e) => return usage(e),
    };
    let sink = match crate::export::enriched_sink(
        &config,
        &args.dest.dialect,
        content,
        book,
        tier.unwrap_or(ServiceTier::Standard),
        false,
    ) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, stop.clone()) {
            return usage(format!("cannot handle signals: {e}"));
        }
    }
    let mut pipeline = Pipeline::builder()
        .queue_capacity(args.queue)
        .sink(format!("otlp-{}", args.dest.dialect), sink)
        .build();
    let opts = ReadOptions::default()
        .with_content(content.captures_any())
        .with_max_line_bytes(16 << 20);
    let mut follower = Follower::new(roots, opts)
        .from_start(args.from_start)
        .idle_after(Duration::from_secs(args.idle_close));
    let inotify = !args.no_inotify && follower.use_inotify();
    let until = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let interval = Duration::from_millis(args.poll_interval.max(10));
    eprintln!(
        "agentobs watch: following {} ({}); Ctrl-C to stop",
        args.inputs
            .roots()
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if inotify { "inotify" } else { "polling" }
    );
    let (mut events, mut warnings) = (0u64, 0u64);
    let mut counting = Counting {
        inner: &mut pipeline,
        warnings: &mut warnings,
    };
    loop {
        match follower.poll(&mut counting) {
            Ok(st) => events += st.events,
            Err(e) => eprintln!("agentobs watch: {e}"),
        }
        if stop.load(Ordering::Relaxed) || until.is_some_and(|t| Instant::now() >= t) {
            break;
        }
        let left = until.map_or(interval, |t| {
            t.saturating_duration_since(Instant::now()).min(interval)
        });
        follower.wait(left);
    }
    follower.end_all(&mut counting);
    let report = pipeline.shutdown(Duration::from_secs(15));
    let st = &report.stats.sinks[0];
    let summary = report.summaries.first().and_then(|s| s.1.clone());
    eprintln!(
        "{} files, {events} events → sent {} records, failed {}, dropped {} events; {warnings} warnings",
        follower.files(),
        summary.as_ref().map_or(0, |s| s.delivered),
        summary.as_ref().map_or(0, |s| s.failed),
        st.dropped,
    );
    match summary {
        None => {
            eprintln!("agentobs watch: the exporter did not finish in time");
            exit::FAILED
        }
        Some(s) if s.delivered == 0 && (s.failed > 0 || s.error.is_some()) => {
            eprintln!(
                "agentobs watch: nothing could be delivered: {}",
                s.error.unwrap_or_default()
            );
            exit::FAILED
        }
        Some(s) => {
            if let Some(e) = s.error {
                eprintln!("agentobs watch: some exports failed: {e}");
            }
            if warnings > 0 {
                exit::WARNINGS
            } else {
                exit::OK
            }
        }
    }
}

/// Feeds the pipeline and counts warnings (printed).
struct Counting<'a> {
    inner: &'a mut Pipeline,
    warnings: &'a mut u64,
}

impl agentobs_schema::EventSink for Counting<'_> {
    fn event(&mut self, event: &agentobs_schema::Event) -> std::ops::ControlFlow<()> {
        self.inner.emit(event.clone());
        std::ops::ControlFlow::Continue(())
    }
    fn warning(&mut self, w: &agentobs_schema::Warning) {
        crate::dates::print_warning(w, self.warnings);
    }
    fn end(&mut self, end: &agentobs_schema::SourceEnd) {
        self.inner.end_source(end);
    }
}
