//! `agentobs gateway`: an OTLP receiver Codex, Claude Code and Gemini CLI export to; their
//! signals decoded, priced,
//! checked and forwarded upstream in a dialect.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use agentobs_codex::log_event::DecodeOptions;
use agentobs_cost::ServiceTier;
use agentobs_export::pipeline::Pipeline;
use agentobs_gateway::Gateway;

use crate::exit;
use crate::export::DestinationArgs;
use crate::pricing::PricingArgs;

/// Arguments of `agentobs gateway`.
#[derive(clap::Args, Debug)]
pub struct GatewayArgs {
    /// OTLP/HTTP address to listen on (`/v1/logs`, `/v1/metrics`, `/v1/traces`, protobuf or
    /// JSON, gzip bodies; also `GET /healthz` and `GET /stats`). Port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4318")]
    listen: String,
    /// Also serve OTLP/gRPC on this address (e.g. 127.0.0.1:4317).
    #[arg(long, value_name = "ADDR")]
    grpc_listen: Option<String>,
    /// Dialect of what is forwarded: codex, genai, genai-latest or openinference.
    #[arg(long, value_name = "DIALECT", default_value = "genai")]
    dialect: String,
    /// Upstream OTLP base endpoint for every signal (else $OTEL_EXPORTER_OTLP_* or --config).
    #[arg(long, value_name = "URL")]
    forward: Option<String>,
    /// Upstream protocol: grpc, http/protobuf or http/json (default http/protobuf, or what
    /// $OTEL_EXPORTER_OTLP_PROTOCOL or --config say).
    #[arg(long, value_name = "PROTOCOL")]
    forward_protocol: Option<String>,
    /// Upstream request header NAME=VALUE for every signal; repeatable. Never printed.
    #[arg(long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
    /// A Codex config.toml whose [otel] section says where each signal goes upstream.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also forward Codex's original signals upstream, unchanged, beside the enriched ones.
    #[arg(long)]
    passthrough: bool,
    /// Close a session (export its agent span and alerts) once nothing has arrived for it
    /// for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300.0)]
    idle_close: f64,
    #[command(flatten)]
    pricing: PricingArgs,
    /// Also run the anomaly rules over the sessions and forward each alert as an
    /// `agentobs.alert` log record and on the `agentobs.alerts` counter.
    #[arg(long)]
    alerts: bool,
    /// Rules file for --alerts (default: the built-in thresholds).
    #[arg(long, value_name = "FILE", requires = "alerts")]
    rules: Option<PathBuf>,
    /// Content to forward, comma-separated: prompt, tool-arguments, tool-output,
    /// assistant-text, all. Default: none (lengths only).
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    capture: Vec<String>,
    /// Requests queued between receiving and decoding, per decoder thread; beyond it the
    /// gateway answers 429 (gRPC RESOURCE_EXHAUSTED) with Retry-After.
    #[arg(long, value_name = "REQUESTS", default_value_t = agentobs_gateway::DEFAULT_QUEUE_CAPACITY)]
    queue: usize,
    /// Events queued for the upstream exporter; the decoder waits while it is half full.
    #[arg(long, value_name = "EVENTS", default_value_t = agentobs_export::pipeline::DEFAULT_QUEUE_CAPACITY)]
    export_queue: usize,
    /// Largest request body, compressed or not, in bytes (larger: 413).
    #[arg(long, value_name = "BYTES", default_value_t = agentobs_gateway::DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
    /// Request bodies read at once; beyond it, 429.
    #[arg(long, value_name = "REQUESTS", default_value_t = agentobs_gateway::DEFAULT_MAX_IN_FLIGHT)]
    max_in_flight: usize,
    /// Threads serving HTTP and gRPC (decoding and exporting have threads of their own).
    #[arg(long, value_name = "N", default_value_t = agentobs_gateway::DEFAULT_WORKERS)]
    workers: usize,
    /// Decoder threads; each request's records are split among them by session key, so a
    /// session's cost and alert state stay on one thread. Default: the number of CPUs
    /// available.
    #[arg(long, value_name = "N")]
    decoders: Option<usize>,
    /// Stop after this many seconds (default: until SIGINT or SIGTERM).
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// At shutdown, time allowed to drain, close sessions and flush, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 15.0)]
    shutdown_deadline: f64,
}

fn usage(msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs gateway: {msg}");
    exit::USAGE
}

fn addr(flag: &str, value: &str) -> Result<SocketAddr, String> {
    value
        .to_socket_addrs()
        .map_err(|e| format!("{flag} {value:?}: {e}"))?
        .next()
        .ok_or_else(|| format!("{flag} {value:?}: no address"))
}

/// Runs `agentobs gateway`.
pub fn run(args: GatewayArgs) -> u8 {
    let dest = DestinationArgs::new(
        args.dialect.clone(),
        args.config.clone(),
        args.forward.clone(),
        args.forward_protocol.clone(),
        args.headers.clone(),
    );
    let config = match dest.resolve() {
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
    let (book, tier) = match args.pricing.resolve(&[]) {
        Ok(b) => b,
        Err(e) => return usage(e),
    };
    let tier = tier.unwrap_or(ServiceTier::Standard);
    // Checked once here; each decoder thread then builds its own engine from the same
    // rules.
    let rules = if args.alerts {
        match crate::map::alert_rules(args.rules.as_deref()) {
            Ok(r) => Some(r),
            Err(e) => return usage(e),
        }
    } else {
        None
    };
    let engine_book = book.clone();
    // Every session is its own resource: spans and log records of many sessions go out
    // together, one request per flush.
    let sink = match crate::export::enriched_sink(&config, &args.dialect, content, book, tier, true)
    {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let listen = match addr("--listen", &args.listen) {
        Ok(a) => a,
        Err(e) => return usage(e),
    };
    let grpc = match args
        .grpc_listen
        .as_deref()
        .map(|g| addr("--grpc-listen", g))
    {
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => return usage(e),
        None => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, stop.clone()) {
            return usage(format!("cannot handle signals: {e}"));
        }
    }
    let pipeline = Pipeline::builder()
        .queue_capacity(args.export_queue)
        .sink(format!("otlp-{}", args.dialect), sink)
        .build();
    let mut builder = Gateway::builder()
        .http(listen)
        .max_body_bytes(args.max_body_bytes)
        .queue_capacity(args.queue)
        .max_in_flight(args.max_in_flight)
        .workers(args.workers)
        .pipeline_capacity(args.export_queue)
        .idle_close(Duration::from_secs_f64(args.idle_close.max(0.0)))
        .decode_options(DecodeOptions::default().with_content(content.captures_any()))
        .passthrough(args.passthrough.then(|| config.clone()));
    if let Some(rules) = rules {
        builder = builder.engine(move || crate::map::engine_of(rules.clone(), &engine_book, tier));
    }
    if let Some(n) = args.decoders {
        builder = builder.decoders(n);
    }
    if let Some(g) = grpc {
        builder = builder.grpc(g);
    }
    let gateway = match builder.start(pipeline) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("agentobs gateway: {e}");
            return exit::FAILED;
        }
    };
    let mut on = format!("http://{}", gateway.http_addr().map_or(listen, |a| a));
    if let Some(g) = gateway.grpc_addr() {
        on.push_str(&format!(" and grpc://{g}"));
    }
    eprintln!("agentobs gateway: listening on {on}; Ctrl-C to stop");
    let until = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    while !stop.load(Ordering::Relaxed) && until.is_none_or(|t| Instant::now() < t) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = gateway.shutdown(Duration::from_secs_f64(args.shutdown_deadline.max(0.0)));
    let s = &report.stats;
    let summary = report.pipeline.summaries.first().and_then(|x| x.1.clone());
    eprintln!(
        "agentobs gateway: {} requests ({} records) → {} events, {} sessions, {} alerts; \
         sent {} records upstream, failed {}; refused {} bad, {} busy, {} too large; \
         dropped {} events",
        s.requests,
        s.records,
        s.decoded_events,
        s.closed_sessions,
        s.alerts,
        summary.as_ref().map_or(0, |x| x.delivered),
        summary.as_ref().map_or(0, |x| x.failed),
        s.rejected_bad,
        s.rejected_busy,
        s.rejected_too_large,
        s.dropped_events,
    );
    if args.passthrough {
        eprintln!(
            "agentobs gateway: passed through {} requests, failed {}, dropped {}",
            s.passthrough_sent, s.passthrough_failed, s.passthrough_dropped
        );
    }
    match summary {
        None => {
            eprintln!("agentobs gateway: the exporter did not finish in time");
            exit::FAILED
        }
        Some(x) => {
            if let Some(e) = &x.error {
                eprintln!("agentobs gateway: some exports failed: {e}");
            }
            if !report.complete {
                eprintln!("agentobs gateway: shutdown did not complete within the deadline");
                exit::FAILED
            } else if x.delivered == 0 && x.failed > 0 {
                exit::FAILED
            } else {
                exit::OK
            }
        }
    }
}
