//! What each dialect records that the rules and dashboards read: the metrics (names from
//! `agentobs_semconv::keys`, units as the dialects record them) and the attributes matched.

use agentobs_semconv::keys::agentobs as ao;
use agentobs_semconv::keys::codex as cx;
use agentobs_semconv::keys::genai_latest as latest;
use agentobs_semconv::keys::genai_v1_41 as g;
use agentobs_semconv::keys::openinference as oi;
use agentobs_semconv::keys::resource as res;
use agentobs_semconv::prometheus_names::{
    MetricKind, TranslationStrategy, prometheus_label, prometheus_name,
};

use super::PrometheusError;

/// A metric a dialect records: its OTLP name, unit and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MetricRef {
    /// OTLP name (a constant of `agentobs_semconv::keys`).
    pub name: &'static str,
    /// OTLP unit as the dialect records it (`s`, `ms`, `{token}`, or empty).
    pub unit: &'static str,
    /// Counter or histogram.
    pub kind: MetricKind,
}

impl MetricRef {
    const fn counter(name: &'static str, unit: &'static str) -> Self {
        MetricRef {
            name,
            unit,
            kind: MetricKind::MonotonicCounter,
        }
    }

    const fn histogram(name: &'static str, unit: &'static str) -> Self {
        MetricRef {
            name,
            unit,
            kind: MetricKind::Histogram,
        }
    }
}

/// Which Prometheus series of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// The counter itself.
    Value,
    /// A histogram's `_bucket` series (with `le`).
    Bucket,
    /// A histogram's `_sum`.
    Sum,
    /// A histogram's `_count`.
    Count,
}

impl Part {
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Part::Value => "",
            Part::Bucket => "_bucket",
            Part::Sum => "_sum",
            Part::Count => "_count",
        }
    }
}

/// How a [`Matcher`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`.
    Eq,
    /// `!=`.
    Ne,
    /// `=~` (a regular expression).
    Re,
}

/// A label matcher on an OTLP attribute (translated like the metric names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Matcher {
    /// The OTLP attribute key.
    pub key: &'static str,
    /// How it compares.
    pub op: MatchOp,
    /// The value (or regular expression).
    pub value: &'static str,
}

impl Matcher {
    /// `key = value`.
    pub const fn eq(key: &'static str, value: &'static str) -> Self {
        Matcher {
            key,
            op: MatchOp::Eq,
            value,
        }
    }

    /// `key != value`.
    pub const fn ne(key: &'static str, value: &'static str) -> Self {
        Matcher {
            key,
            op: MatchOp::Ne,
            value,
        }
    }

    /// `key =~ value`.
    pub const fn re(key: &'static str, value: &'static str) -> Self {
        Matcher {
            key,
            op: MatchOp::Re,
            value,
        }
    }
}

/// Series of one metric, narrowed by matchers.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The metric.
    pub metric: MetricRef,
    /// Which of its series.
    pub part: Part,
    /// Matchers.
    pub matchers: Vec<Matcher>,
}

impl Series {
    pub(crate) fn new(metric: MetricRef, part: Part, matchers: &[Matcher]) -> Self {
        Series {
            metric,
            part,
            matchers: matchers.to_vec(),
        }
    }
}

/// Things counted per session, and the matcher of those that failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Counted {
    /// Every one.
    pub all: Series,
    /// Narrows `all` to the failures.
    pub failed: Matcher,
}

/// A duration histogram.
#[derive(Clone, Debug, PartialEq)]
pub struct Latency {
    /// The histogram.
    pub metric: MetricRef,
    /// Matchers (the operation).
    pub matchers: Vec<Matcher>,
    /// Its explicit bucket bounds, in its unit.
    pub bounds: &'static [f64],
    /// Its unit per millisecond (0.001 for seconds, 1 for milliseconds).
    pub per_ms: f64,
}

impl Latency {
    pub(crate) fn series(&self, part: Part) -> Series {
        Series::new(self.metric, part, &self.matchers)
    }
}

/// What one dialect records that the rules and dashboards read.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DialectMetrics {
    /// The dialect (`genai`, `genai-latest`, `codex`, `openinference`).
    pub dialect: &'static str,
    /// A series every session with a turn has (its count of turns), for counting sessions.
    pub sessions: Option<Series>,
    /// Series whose sum per session is its billed tokens (input + output).
    pub tokens: Vec<Series>,
    /// Token series by type, and the type label (dashboards).
    pub token_types: Option<(Series, &'static str)>,
    /// Tool calls.
    pub tool_calls: Option<Counted>,
    /// Model API requests.
    pub api_requests: Option<Counted>,
    /// Model request durations.
    pub api_latency: Option<Latency>,
    /// Turn durations.
    pub turn_latency: Option<Latency>,
    /// Tool call durations (dashboards).
    pub tool_latency: Option<Latency>,
    /// The `agentobs.cost.usd` counter: its sum per session is the cost of the session's
    /// priced requests, USD (every dialect records it; unpriced requests add nothing).
    pub cost: Option<Series>,
    /// The `agentobs.alerts` counter (every dialect records it).
    pub alerts: MetricRef,
    /// The model attribute of the metrics.
    pub model_label: Option<&'static str>,
    /// The tool-name attribute of the tool metrics.
    pub tool_label: Option<&'static str>,
}

/// The alerts counter every dialect records (`map_alert` in agentobs-semconv).
const ALERTS: MetricRef = MetricRef::counter(ao::METRIC_ALERTS, "{alert}");

/// The cost counter every dialect records (`MapContext::record_cost` in agentobs-semconv).
const COST: MetricRef = MetricRef::counter(ao::METRIC_COST_USD, ao::UNIT_USD);

fn cost() -> Option<Series> {
    Some(Series::new(COST, Part::Value, &[]))
}

impl DialectMetrics {
    /// The dialects with metrics described here.
    pub const NAMES: [&'static str; 4] = ["genai", "genai-latest", "codex", "openinference"];

    /// The metrics of dialect `name`.
    pub fn for_dialect(name: &str) -> Option<DialectMetrics> {
        Some(match name {
            "genai" => genai(),
            "genai-latest" => genai_latest(),
            "codex" => codex(),
            "openinference" => DialectMetrics {
                dialect: "openinference",
                sessions: None,
                tokens: Vec::new(),
                token_types: None,
                tool_calls: None,
                api_requests: None,
                api_latency: None,
                turn_latency: None,
                tool_latency: None,
                cost: cost(),
                alerts: ALERTS,
                model_label: Some(oi::LLM_MODEL_NAME),
                tool_label: None,
            },
            _ => return None,
        })
    }

    /// Every metric read, with the attribute keys matched on: what the dialect must record.
    pub fn referenced(&self) -> Vec<(MetricRef, Vec<&'static str>)> {
        let mut out: Vec<(MetricRef, Vec<&'static str>)> = Vec::new();
        let mut add = |m: MetricRef, keys: &mut dyn Iterator<Item = &'static str>| {
            let i = match out.iter().position(|(r, _)| *r == m) {
                Some(i) => i,
                None => {
                    out.push((m, Vec::new()));
                    out.len() - 1
                }
            };
            if let Some((_, ks)) = out.get_mut(i) {
                for k in keys {
                    if !ks.contains(&k) {
                        ks.push(k);
                    }
                }
            }
        };
        let mut series = |s: &Series| add(s.metric, &mut s.matchers.iter().map(|m| m.key));
        for s in self.sessions.iter().chain(&self.tokens).chain(&self.cost) {
            series(s);
        }
        if let Some((s, label)) = &self.token_types {
            series(s);
            series(&Series::new(s.metric, s.part, &[Matcher::ne(label, "")]));
        }
        for c in self.tool_calls.iter().chain(&self.api_requests) {
            series(&c.all);
            series(&Series::new(c.all.metric, c.all.part, &[c.failed]));
        }
        for l in [&self.api_latency, &self.turn_latency, &self.tool_latency]
            .into_iter()
            .flatten()
        {
            series(&l.series(Part::Bucket));
        }
        series(&Series::new(
            self.alerts,
            Part::Value,
            &[
                Matcher::ne(ao::ALERT_RULE, ""),
                Matcher::ne(ao::ALERT_SEVERITY, ""),
            ],
        ));
        out
    }

    /// Checks that every name translates under `strategy`.
    pub fn check(&self, strategy: TranslationStrategy) -> Result<(), PrometheusError> {
        for (m, keys) in self.referenced() {
            prometheus_name(m.name, m.unit, m.kind, strategy)?;
            for k in keys {
                prometheus_label(k, strategy)?;
            }
        }
        for k in [self.model_label, self.tool_label].into_iter().flatten() {
            prometheus_label(k, strategy)?;
        }
        Ok(())
    }
}

fn genai() -> DialectMetrics {
    let duration = MetricRef::histogram(g::METRIC_CLIENT_OPERATION_DURATION, "s");
    let op = |o| Matcher::eq(g::OPERATION_NAME, o);
    let latency = |o| Latency {
        metric: duration,
        matchers: vec![op(o)],
        bounds: &g::DURATION_BUCKETS,
        per_ms: 0.001,
    };
    let tokens = Series::new(
        MetricRef::histogram(g::METRIC_CLIENT_TOKEN_USAGE, "{token}"),
        Part::Sum,
        &[],
    );
    let failed = Matcher::ne(res::ERROR_TYPE, "");
    DialectMetrics {
        dialect: "genai",
        sessions: Some(Series::new(
            duration,
            Part::Count,
            &[op(g::OP_INVOKE_AGENT)],
        )),
        tokens: vec![tokens.clone()],
        token_types: Some((tokens, g::TOKEN_TYPE)),
        tool_calls: Some(Counted {
            all: Series::new(duration, Part::Count, &[op(g::OP_EXECUTE_TOOL)]),
            failed,
        }),
        api_requests: Some(Counted {
            all: Series::new(duration, Part::Count, &[op(g::OP_CHAT)]),
            failed,
        }),
        api_latency: Some(latency(g::OP_CHAT)),
        turn_latency: Some(latency(g::OP_INVOKE_AGENT)),
        tool_latency: Some(latency(g::OP_EXECUTE_TOOL)),
        cost: cost(),
        alerts: ALERTS,
        model_label: Some(g::REQUEST_MODEL),
        tool_label: Some(g::TOOL_NAME),
    }
}

fn genai_latest() -> DialectMetrics {
    let latency = |name| Latency {
        metric: MetricRef::histogram(name, "s"),
        matchers: Vec::new(),
        bounds: &latest::DURATION_BUCKETS,
        per_ms: 0.001,
    };
    let count = |name| Series::new(MetricRef::histogram(name, "s"), Part::Count, &[]);
    let usage = |name| Series::new(MetricRef::counter(name, "{token}"), Part::Value, &[]);
    let failed = Matcher::ne(res::ERROR_TYPE, "");
    DialectMetrics {
        dialect: "genai-latest",
        sessions: Some(count(latest::METRIC_INVOKE_AGENT_DURATION)),
        tokens: vec![
            usage(latest::METRIC_INFERENCE_USAGE_INPUT_TOKENS),
            usage(latest::METRIC_INFERENCE_USAGE_OUTPUT_TOKENS),
        ],
        token_types: None,
        tool_calls: Some(Counted {
            all: count(latest::METRIC_EXECUTE_TOOL_DURATION),
            failed,
        }),
        api_requests: Some(Counted {
            all: count(latest::METRIC_INFERENCE_DURATION),
            failed,
        }),
        api_latency: Some(latency(latest::METRIC_INFERENCE_DURATION)),
        turn_latency: Some(latency(latest::METRIC_INVOKE_AGENT_DURATION)),
        tool_latency: Some(latency(latest::METRIC_EXECUTE_TOOL_DURATION)),
        cost: cost(),
        alerts: ALERTS,
        model_label: Some(g::REQUEST_MODEL),
        tool_label: Some(g::TOOL_NAME),
    }
}

fn codex() -> DialectMetrics {
    let latency = |name| Latency {
        metric: MetricRef::histogram(name, "ms"),
        matchers: Vec::new(),
        bounds: &cx::DEFAULT_BUCKETS,
        per_ms: 1.0,
    };
    let usage = MetricRef::histogram(cx::METRIC_TURN_TOKEN_USAGE, "");
    let failed = Matcher::eq(cx::SUCCESS, "false");
    DialectMetrics {
        dialect: "codex",
        sessions: Some(Series::new(
            MetricRef::histogram(cx::METRIC_TURN_E2E_DURATION, "ms"),
            Part::Count,
            &[],
        )),
        tokens: vec![Series::new(
            usage,
            Part::Sum,
            &[Matcher::eq(cx::TAG_TOKEN_TYPE, "total")],
        )],
        token_types: Some((
            Series::new(
                usage,
                Part::Sum,
                &[Matcher::ne(cx::TAG_TOKEN_TYPE, "total")],
            ),
            cx::TAG_TOKEN_TYPE,
        )),
        tool_calls: Some(Counted {
            all: Series::new(
                MetricRef::counter(cx::METRIC_TOOL_CALL, ""),
                Part::Value,
                &[],
            ),
            failed,
        }),
        api_requests: Some(Counted {
            all: Series::new(
                MetricRef::counter(cx::METRIC_API_REQUEST, ""),
                Part::Value,
                &[],
            ),
            failed,
        }),
        api_latency: Some(latency(cx::METRIC_API_REQUEST_DURATION)),
        turn_latency: Some(latency(cx::METRIC_TURN_E2E_DURATION)),
        tool_latency: Some(latency(cx::METRIC_TOOL_CALL_DURATION)),
        cost: cost(),
        alerts: ALERTS,
        model_label: Some(cx::MODEL),
        tool_label: Some(cx::TAG_TOOL),
    }
}
