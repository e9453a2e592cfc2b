//! `agentobs export`: rollouts replayed as OTLP to a collector or backend.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use agentobs_codex::otel::OtelConfig;
use agentobs_export::Destinations;
use agentobs_export::config::{ExportConfig, Transport};
use agentobs_export::prometheus::{PrometheusServer, PrometheusSink};
use agentobs_semconv::dialects::{self, WithResource};
use agentobs_semconv::{Dialect, LogRecord, MetricPoint, SignalSink, SpanRecord};

use crate::exit;
use crate::map::{Run, SourceArgs};

/// Where to export: shared by `agentobs export` and `agentobs watch`.
#[derive(clap::Args, Debug)]
pub struct DestinationArgs {
    /// Dialect: codex, genai, genai-latest or openinference (as for `map`).
    #[arg(long, value_name = "DIALECT", default_value = "genai")]
    pub(crate) dialect: String,
    /// A Codex config.toml whose [otel] section says where each signal goes.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// OTLP base endpoint for every signal (overrides $OTEL_EXPORTER_OTLP_* and --config).
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// grpc, http/protobuf or http/json (overrides $OTEL_EXPORTER_OTLP_PROTOCOL and --config).
    #[arg(long, value_name = "PROTOCOL")]
    protocol: Option<String>,
    /// Request header NAME=VALUE for every signal; repeatable. Values are never printed.
    #[arg(long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
}

impl DestinationArgs {
    /// Destination flags given under other names (`agentobs gateway --forward …`).
    pub(crate) fn new(
        dialect: String,
        config: Option<PathBuf>,
        endpoint: Option<String>,
        protocol: Option<String>,
        headers: Vec<String>,
    ) -> Self {
        DestinationArgs {
            dialect,
            config,
            endpoint,
            protocol,
            headers,
        }
    }

    /// The export configuration: flags over `OTEL_*` over `--config`; a usage error message.
    pub(crate) fn resolve(&self) -> Result<ExportConfig, String> {
        let env = |k: &str| std::env::var(k).ok();
        let otel = match &self.config {
            Some(p) => match std::fs::read_to_string(p) {
                Ok(text) => OtelConfig::parse(&text, p, &env).map_err(|e| e.to_string())?,
                Err(e) => return Err(format!("{}: {e}", p.display())),
            },
            None => None,
        };
        let mut builder = ExportConfig::builder();
        if let Some(e) = &self.endpoint {
            builder = builder.endpoint(e.clone());
        }
        if let Some(p) = &self.protocol {
            match Transport::parse(p) {
                Some(t) => builder = builder.transport(t),
                None => {
                    return Err(format!(
                        "unknown protocol {p:?} (grpc, http/protobuf, http/json)"
                    ));
                }
            }
        }
        for h in &self.headers {
            match h.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    builder = builder.header(k.trim(), v.trim())
                }
                _ => return Err("--header wants NAME=VALUE".into()),
            }
        }
        builder
            .resolve(otel.as_ref(), &env)
            .map_err(|e| e.to_string())
    }
}

/// The OTLP sink `agentobs watch` and `agentobs gateway` feed: events mapped by the
/// dialect named `dialect`, with `content` captured and each request priced from `book`;
/// `batched`: every resource of a flush in one OTLP/HTTP request
/// ([`Destinations::batched`](agentobs_export::Destinations::batched)).
pub(crate) fn enriched_sink(
    config: &ExportConfig,
    dialect: &str,
    content: agentobs_semconv::ContentPolicy,
    book: agentobs_cost::PriceBook,
    tier: agentobs_cost::ServiceTier,
    batched: bool,
) -> Result<agentobs_export::sinks::OtlpSink<agentobs_export::sinks::ConfiguredDialect>, String> {
    let sink = if batched {
        agentobs_export::sinks::OtlpSink::from_config_batched(config, dialect)
    } else {
        agentobs_export::sinks::OtlpSink::from_config(config, dialect)
    };
    match sink {
        Ok(Some(s)) => Ok(s
            .with_content(content)
            .with_pricer(agentobs::BookPricer::new(book, tier))),
        Ok(None) => Err(NOWHERE.to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// The message for a configuration with nowhere to export.
pub(crate) const NOWHERE: &str = "nowhere to export: give --endpoint, set OTEL_EXPORTER_OTLP_ENDPOINT, or --config \
     with an [otel] exporter (or OTEL_SDK_DISABLED is set)";

/// Arguments of `agentobs export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    dest: DestinationArgs,
    #[command(flatten)]
    source: SourceArgs,
    /// Also serve the sessions' metrics for Prometheus to scrape at http://ADDR/metrics
    /// (text format 0.0.4, names as Prometheus's OTLP translation gives them; `job` and
    /// `instance` from service.name and the session: scrape with honor_labels). A loopback
    /// address only; port 0 picks a free one. No OTLP destination is needed then.
    #[arg(long, value_name = "ADDR")]
    prometheus_listen: Option<String>,
    /// After the sessions are read, keep serving /metrics for SECS seconds (default: until
    /// Ctrl-C or SIGTERM).
    #[arg(long, value_name = "SECS", requires = "prometheus_listen")]
    prometheus_linger: Option<u64>,
}

/// The OTLP destinations and, with `--prometheus-listen`, the Prometheus series.
struct Sinks {
    otlp: Destinations,
    prometheus: Option<PrometheusSink>,
}

impl SignalSink for Sinks {
    fn span(&mut self, span: SpanRecord) {
        self.otlp.span(span);
    }
    fn log(&mut self, log: LogRecord) {
        self.otlp.log(log);
    }
    fn metric(&mut self, point: MetricPoint) {
        if let Some(p) = &mut self.prometheus {
            p.add(&point);
        }
        self.otlp.metric(point);
    }
}

/// The loopback address `addr` names (`127.0.0.1:9464`, `localhost:0`, `[::1]:9464`).
fn listen_addr(addr: &str) -> Result<SocketAddr, String> {
    let all: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| format!("--prometheus-listen {addr:?}: {e}"))?
        .collect();
    all.iter()
        .find(|a| a.ip().is_loopback())
        .copied()
        .ok_or_else(|| {
            format!("--prometheus-listen {addr:?}: only loopback addresses (127.0.0.1, ::1)")
        })
}

/// Serves until `linger` seconds pass or SIGINT/SIGTERM arrives; the scrapes answered.
fn linger(server: PrometheusServer, linger: Option<u64>) -> Result<u64, String> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())
            .map_err(|e| format!("cannot handle signals: {e}"))?;
    }
    let deadline = linger.map(|s| Instant::now() + Duration::from_secs(s));
    match linger {
        Some(s) => eprintln!("agentobs export: serving /metrics for {s} s more (Ctrl-C stops)"),
        None => eprintln!("agentobs export: serving /metrics until Ctrl-C"),
    }
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server.stop())
}

fn usage(msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs export: {msg}");
    exit::USAGE
}

pub fn run(args: ExportArgs) -> u8 {
    let config = match args.dest.resolve() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let destinations = match Destinations::new(&config) {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let listen = match args.prometheus_listen.as_deref().map(listen_addr) {
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => return usage(e),
        None => None,
    };
    if destinations.is_empty() && listen.is_none() {
        return usage(format!(
            "{NOWHERE}; or serve Prometheus with --prometheus-listen"
        ));
    }
    let opt_in = config.genai_latest.then_some("gen_ai_latest_experimental");
    let Some(dialect) = dialects::by_name(&args.dest.dialect, opt_in) else {
        return usage(format!(
            "unknown dialect {:?} ({})",
            args.dest.dialect,
            dialects::NAMES.join(", ")
        ));
    };
    let dialect = WithResource::new(
        dialect,
        config.service_name.clone(),
        config.resource_attributes.clone(),
    );
    let mut source = match args.source.prepare() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    if config.log_user_prompt {
        source.content = source.content.with_prompts(true);
    }
    source.progress = true;
    let (prometheus, server) = match listen {
        Some(addr) => {
            let sink = PrometheusSink::new();
            match PrometheusServer::start(addr, sink.clone()) {
                Ok(s) => {
                    eprintln!(
                        "agentobs export: Prometheus metrics at http://{}/metrics",
                        s.local_addr()
                    );
                    (Some(sink), Some(s))
                }
                Err(e) => return usage(e),
            }
        }
        None => (None, None),
    };
    let name = dialect.name().to_owned();
    let sinks = Sinks {
        otlp: destinations,
        prometheus,
    };
    let Run {
        sink: sinks,
        stats,
        files,
        lines,
        warnings,
    } = source.run(dialect, sinks);
    let (d, error) = sinks.otlp.finish();
    eprintln!(
        "{files} files, {lines} lines, {} events → {name}: sent {} spans, {} log records, {} \
         metric points; failed {} spans, {} log records, {} requests; {warnings} warnings",
        stats.events,
        d.spans,
        d.logs,
        d.metric_points,
        d.failed_spans,
        d.failed_logs,
        d.failed_requests,
    );
    if let Some(p) = &sinks.prometheus {
        let s = p.stats();
        eprintln!(
            "Prometheus: {} series from {} metric points; dropped {} (series bound), {} \
             (conflicting types or buckets)",
            s.series, s.points, s.dropped, s.conflicts
        );
    }
    if let Some(server) = server {
        match linger(server, args.prometheus_linger) {
            Ok(n) => eprintln!("agentobs export: answered {n} scrapes"),
            Err(e) => {
                eprintln!("agentobs export: {e}");
                return exit::FAILED;
            }
        }
    }
    if let Some(e) = error {
        eprintln!("agentobs export: {e}");
        return exit::FAILED;
    }
    if warnings > 0 {
        exit::WARNINGS
    } else {
        exit::OK
    }
}
