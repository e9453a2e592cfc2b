//! The `agentobs` command-line tool.

mod check;
mod dates;
mod events;
mod export;
mod gateway;
mod hook;
mod html;
mod human;
mod inputs;
mod map;
mod pricing;
mod report;
mod rules;
mod watch;

use std::process::ExitCode;

/// mimalloc: see the dependency's note in `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Telemetry for coding agents: events, cost and health of Codex sessions.
#[derive(Parser)]
#[command(
    name = "agentobs",
    version,
    about = "Telemetry for coding agents: the events, cost and health of Codex sessions.",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the event stream of Codex rollouts, one line per event (or JSONL with --json).
    Events(events::EventsArgs),
    /// Token usage and cost of Codex sessions, grouped by day, model, repo, session, ….
    Report(Box<report::ReportArgs>),
    /// Spans, logs and metrics of Codex sessions in a dialect (genai, codex, openinference),
    /// as OTLP-JSON lines.
    Map(Box<map::MapArgs>),
    /// Replay Codex sessions as OTLP (gRPC, HTTP protobuf or JSON) to a collector or backend,
    /// configured by flags, OTEL_* variables or Codex's [otel] section.
    Export(Box<export::ExportArgs>),
    /// Follow Codex sessions while they are written (new files, appended lines; inotify with
    /// a polling fallback) and export them as OTLP as they happen.
    Watch(Box<watch::WatchArgs>),
    /// An OTLP receiver (HTTP, gRPC) Codex exports to: its logs, metrics and traces decoded,
    /// priced, checked by the anomaly rules and forwarded upstream in a dialect.
    Gateway(Box<gateway::GatewayArgs>),
    /// Run the anomaly rules (runaway cost, tool loops, approval bypass, context exhaustion,
    /// …) over Codex sessions; a table or JSON of alerts with evidence; `--fail-on` gates CI.
    Check(Box<check::CheckArgs>),
    /// Learn what normal sessions look like (p95 of tokens, cost, tool calls, latency per
    /// repository and model) for `check --baseline`.
    Baseline(Box<check::BaselineArgs>),
    /// A Codex hook command (hooks.json): PreToolUse denies what the policy forbids; Stop
    /// checks the session's rollout and appends its tokens, cost and alerts to a ledger.
    Hook(Box<hook::HookArgs>),
    /// Alerting rules for other systems: `rules prometheus` writes the anomaly rules' metric
    /// equivalents as Prometheus alerting rules.
    Rules(rules::RulesArgs),
    /// Dashboards for other systems: `dashboards grafana` writes a Grafana dashboard per
    /// dialect over its metrics in Prometheus.
    Dashboards(rules::DashboardsArgs),
}

/// Exit codes.
pub mod exit {
    /// Success: everything was read (notices about files still being written allowed).
    pub const OK: u8 = 0;
    /// The output could not be written.
    pub const FAILED: u8 = 1;
    /// Usage error or unreadable input path.
    pub const USAGE: u8 = 2;
    /// The output is complete for everything readable, but some lines or files could not be
    /// read (each named in a warning on stderr).
    pub const WARNINGS: u8 = 3;
}

/// Diagnostics on stderr: `AGENTOBS_LOG` takes `tracing` targets and levels
/// (`agentobs_report=debug`); `AGENTOBS_TIMINGS=1` is short for the report's phase timings.
fn init_diagnostics() {
    let spec = std::env::var("AGENTOBS_LOG")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::env::var_os("AGENTOBS_TIMINGS").map(|_| "agentobs_report::phase=debug".to_owned())
        });
    let Some(spec) = spec else { return };
    let targets: tracing_subscriber::filter::Targets = match spec.parse() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("agentobs: AGENTOBS_LOG: {e}");
            return;
        }
    };
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .without_time(),
        )
        .with(targets)
        .try_init();
}

fn main() -> ExitCode {
    init_diagnostics();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Events(args) => events::run(args),
        Command::Report(args) => report::run(*args),
        Command::Map(args) => map::run(*args),
        Command::Export(args) => export::run(*args),
        Command::Watch(args) => watch::run(*args),
        Command::Gateway(args) => gateway::run(*args),
        Command::Check(args) => check::run(*args),
        Command::Baseline(args) => check::run_baseline(*args),
        Command::Hook(args) => hook::run(*args),
        Command::Rules(args) => rules::run_rules(args),
        Command::Dashboards(args) => rules::run_dashboards(args),
    };
    ExitCode::from(code)
}
