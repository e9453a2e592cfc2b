//! `agentobs rules prometheus` and `agentobs dashboards grafana`: alerting rules and
//! dashboards over the dialects' metrics, named as Prometheus names them.

use std::io::Write;
use std::path::PathBuf;

use agentobs_anomaly::RuleSet;
use agentobs_anomaly::grafana;
use agentobs_anomaly::prometheus::{
    DialectMetrics, RuleOptions, TranslationStrategy, alerting_rules,
};

use crate::exit;

/// `agentobs rules …`.
#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(clap::Subcommand, Debug)]
enum RulesCommand {
    /// Prometheus alerting rules (YAML): the metric-based equivalents of the anomaly rules
    /// (token and cost budgets, tool-call storm, tool and API error rates, latency p95) and an
    /// alert on any critical alert of the engine, over the dialect's metrics.
    Prometheus(PrometheusArgs),
}

/// The dialect and the name translation, shared by rules and dashboards.
#[derive(clap::Args, Debug)]
struct NamingArgs {
    /// Prometheus's otlp.translation_strategy: UnderscoreEscapingWithSuffixes (its default),
    /// UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes or NoTranslation.
    /// Prometheus 2.x can query only the UnderscoreEscaping ones.
    #[arg(
        long,
        value_name = "STRATEGY",
        default_value = "UnderscoreEscapingWithSuffixes"
    )]
    translation: String,
}

impl NamingArgs {
    fn strategy(&self) -> Result<TranslationStrategy, String> {
        self.translation.parse().map_err(|e| format!("{e}"))
    }
}

/// Arguments of `agentobs rules prometheus`.
#[derive(clap::Args, Debug)]
struct PrometheusArgs {
    /// Dialect whose metrics the rules read: genai, genai-latest, codex or openinference (as
    /// for `export`; `genai` means genai-latest when $OTEL_SEMCONV_STABILITY_OPT_IN lists
    /// gen_ai_latest_experimental).
    #[arg(long, value_name = "DIALECT", default_value = "genai")]
    dialect: String,
    #[command(flatten)]
    naming: NamingArgs,
    /// Rules file (TOML, as for `check`): thresholds, severities and `enabled = false`.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// `for:` of every rule (Prometheus duration: 0s, 90s, 5m, 1h).
    #[arg(long = "for", value_name = "DURATION", default_value = "5m")]
    for_: String,
    /// The `max_over_time` window the rules read each session's series over (at least 5m).
    #[arg(long, value_name = "DURATION", default_value = "15m")]
    window: String,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `agentobs dashboards …`.
#[derive(clap::Args, Debug)]
pub struct DashboardsArgs {
    #[command(subcommand)]
    command: DashboardsCommand,
}

#[derive(clap::Subcommand, Debug)]
enum DashboardsCommand {
    /// Grafana dashboards (JSON, one per dialect) over the dialects' metrics in Prometheus:
    /// sessions, tokens by model, type and job, tool calls and failures, latency p50/p95,
    /// alerts by rule.
    Grafana(GrafanaArgs),
}

/// Arguments of `agentobs dashboards grafana`.
#[derive(clap::Args, Debug)]
struct GrafanaArgs {
    /// Only this dialect (default: every dialect).
    #[arg(long, value_name = "DIALECT")]
    dialect: Option<String>,
    #[command(flatten)]
    naming: NamingArgs,
    /// Folder to write `agentobs-<dialect>.json` files into (created if missing).
    #[arg(long, short = 'o', value_name = "DIR")]
    output: PathBuf,
}

fn usage(cmd: &str, msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs {cmd}: {msg}");
    exit::USAGE
}

/// A Prometheus duration (`0s`, `90s`, `5m`, `2h`, `1d`) in seconds.
pub(crate) fn parse_duration(s: &str) -> Result<u64, String> {
    let bad = || format!("{s:?} is not a duration (0s, 90s, 5m, 2h, 1d)");
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let k = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(k).ok_or_else(bad)
}

/// The dialect `name` means, given $OTEL_SEMCONV_STABILITY_OPT_IN (as `map` and `export`
/// choose it).
fn dialect_metrics(name: &str) -> Result<DialectMetrics, String> {
    let opt_in = std::env::var("OTEL_SEMCONV_STABILITY_OPT_IN").unwrap_or_default();
    let latest = opt_in
        .split(',')
        .any(|s| s.trim() == "gen_ai_latest_experimental");
    let name = if name == "genai" && latest {
        "genai-latest"
    } else {
        name
    };
    DialectMetrics::for_dialect(name).ok_or_else(|| {
        format!(
            "unknown dialect {name:?} ({})",
            DialectMetrics::NAMES.join(", ")
        )
    })
}

/// `agentobs rules …`.
pub fn run_rules(args: RulesArgs) -> u8 {
    match args.command {
        RulesCommand::Prometheus(a) => run_prometheus(a),
    }
}

fn run_prometheus(args: PrometheusArgs) -> u8 {
    const CMD: &str = "rules prometheus";
    let metrics = match dialect_metrics(&args.dialect) {
        Ok(m) => m,
        Err(e) => return usage(CMD, e),
    };
    let strategy = match args.naming.strategy() {
        Ok(s) => s,
        Err(e) => return usage(CMD, e),
    };
    let set = match &args.rules {
        Some(p) => match RuleSet::load(p) {
            Ok(r) => r,
            Err(e) => return usage(CMD, e),
        },
        None => RuleSet::default(),
    };
    let (for_s, window) = match (parse_duration(&args.for_), parse_duration(&args.window)) {
        (Ok(f), Ok(w)) => (f, w),
        (Err(e), _) => return usage(CMD, format!("--for: {e}")),
        (_, Err(e)) => return usage(CMD, format!("--window: {e}")),
    };
    let opts = RuleOptions::default()
        .with_translation(strategy)
        .with_for_seconds(for_s)
        .with_window_seconds(window);
    let group = match alerting_rules(&metrics, &set, &opts) {
        Ok(g) => g,
        Err(e) => return usage(CMD, e),
    };
    let yaml = group.to_yaml();
    let written = match &args.output {
        Some(p) => std::fs::write(p, &yaml).map_err(|e| format!("{}: {e}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(yaml.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
                _ => Ok(()),
            }
        }
    };
    if let Err(e) = written {
        eprintln!("agentobs {CMD}: {e}");
        return exit::FAILED;
    }
    let utf8 = group.rules.iter().filter(|r| r.needs_utf8_promql).count();
    eprintln!(
        "{} rules for dialect {} ({strategy}){}",
        group.rules.len(),
        metrics.dialect,
        if utf8 > 0 {
            format!("; {utf8} quote label names and need Prometheus ≥ 3.0")
        } else {
            String::new()
        }
    );
    exit::OK
}

/// `agentobs dashboards …`.
pub fn run_dashboards(args: DashboardsArgs) -> u8 {
    match args.command {
        DashboardsCommand::Grafana(a) => run_grafana(a),
    }
}

fn run_grafana(args: GrafanaArgs) -> u8 {
    const CMD: &str = "dashboards grafana";
    let strategy = match args.naming.strategy() {
        Ok(s) => s,
        Err(e) => return usage(CMD, e),
    };
    let dialects: Vec<DialectMetrics> = match &args.dialect {
        Some(d) => match dialect_metrics(d) {
            Ok(m) => vec![m],
            Err(e) => return usage(CMD, e),
        },
        None => DialectMetrics::NAMES
            .iter()
            .filter_map(|d| DialectMetrics::for_dialect(d))
            .collect(),
    };
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        eprintln!("agentobs {CMD}: {}: {e}", args.output.display());
        return exit::FAILED;
    }
    for m in &dialects {
        let board = match grafana::dashboard(m, strategy) {
            Ok(b) => b,
            Err(e) => return usage(CMD, e),
        };
        let path = args.output.join(format!("agentobs-{}.json", m.dialect));
        let text = match serde_json::to_string_pretty(&board) {
            Ok(t) => t + "\n",
            Err(e) => {
                eprintln!("agentobs {CMD}: {e}");
                return exit::FAILED;
            }
        };
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("agentobs {CMD}: {}: {e}", path.display());
            return exit::FAILED;
        }
        let panels = board["panels"]
            .as_array()
            .map_or(0, |p| p.iter().filter(|p| p["type"] != "row").count());
        eprintln!("{}: {panels} panels ({strategy})", path.display());
    }
    exit::OK
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("99999999999999999999s").is_err());
    }
}
