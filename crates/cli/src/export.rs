//! `agentobs export`: rollouts replayed as OTLP to a collector or backend.

use std::path::PathBuf;

use agentobs_codex::otel::OtelConfig;
use agentobs_export::Destinations;
use agentobs_export::config::{ExportConfig, Transport};
use agentobs_semconv::Dialect;
use agentobs_semconv::dialects::{self, WithResource};

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
    if destinations.is_empty() {
        return usage(NOWHERE);
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
    let name = dialect.name().to_owned();
    let Run {
        sink: destinations,
        stats,
        files,
        lines,
        warnings,
    } = source.run(dialect, destinations);
    let (d, error) = destinations.finish();
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
