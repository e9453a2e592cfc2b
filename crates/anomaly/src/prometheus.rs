//! Prometheus alerting rules: the metric-based equivalents of the built-in rules, over the
//! metrics our dialects record, named as Prometheus names them after OTLP translation.
//!
//! Each dialect records its metrics per session: the resource's `service.instance.id` (the
//! thread) becomes Prometheus's `instance` label and `service.name` its `job`, so a
//! session's totals are the values of its own series. The dialects write a session's points
//! when it ends, so a series may appear once, already at its final value: `rate()` and
//! `increase()` see no growth there, and a single pushed sample falls out of an instant
//! query after 5 minutes. The rules therefore read `max_over_time(…[window])` of each
//! series (a session's latest total, kept in view for the window) and aggregate by
//! `(job, instance)`; `for:` debounces.
//!
//! | alert | engine rule | fires when (per session) |
//! |---|---|---|
//! | `AgentobsSessionTokenBudget` | `runaway_session` | input + output tokens above `max_tokens` |
//! | `AgentobsSessionCostBudget` | `runaway_session` | cost of the priced requests (`agentobs.cost.usd`) above `max_cost_usd` |
//! | `AgentobsToolCallStorm` | `tool_call_storm` | tool calls above `max_tool_calls` |
//! | `AgentobsToolErrorRate` | — | failed / all tool calls (denominator `clamp_min(…, 1)`) above [`RuleOptions::tool_error_ratio`], with at least [`RuleOptions::min_tool_calls`] calls |
//! | `AgentobsApiErrorRate` | `api_reliability` | failed / all model requests above [`RuleOptions::api_error_ratio`], with at least `burst` failures |
//! | `AgentobsApiLatencyP95` | `latency_regression` | `histogram_quantile(0.95, …_bucket)` of request durations above `api_p95_ms`, with `min_samples` |
//! | `AgentobsTurnLatencyP95` | `latency_regression` | the same for turn durations and `turn_p95_ms` |
//! | `AgentobsCriticalAlert` | any | the engine raised a critical alert (`agentobs.alerts` counter) |
//!
//! Every dialect records the counter `agentobs.cost.usd` (USD; `agentobs_cost_usd_USD_total`
//! under the default translation), to which only priced requests add: a session whose
//! requests are all unpriced has no cost series, and never fires the cost rule. Baselines
//! have no equivalent here (the rules use the absolute limits). A latency limit beyond the
//! histogram's largest
//! finite bucket cannot be told apart from that bucket: the rule then fires at that bucket
//! and says so in its description.
//!
//! ```
//! use agentobs_anomaly::RuleSet;
//! use agentobs_anomaly::prometheus::{DialectMetrics, RuleOptions, alerting_rules};
//!
//! let metrics = DialectMetrics::for_dialect("genai").unwrap();
//! let group = alerting_rules(&metrics, &RuleSet::default(), &RuleOptions::default()).unwrap();
//! let yaml = group.to_yaml();
//! assert!(yaml.contains("alert: AgentobsToolCallStorm"));
//! assert!(yaml.contains("gen_ai_client_operation_duration_seconds_count"));
//! ```

use std::fmt::Write as _;

use agentobs_semconv::keys::agentobs as ao;
pub use agentobs_semconv::prometheus_names::{MetricKind, NameError, TranslationStrategy};

use crate::alert::Severity;
use crate::config::RuleSet;

mod metrics;
mod promql;

pub use metrics::{Counted, DialectMetrics, Latency, MatchOp, Matcher, MetricRef, Part, Series};
pub(crate) use promql::PromQl;

/// Why rules or dashboards could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrometheusError {
    /// A name has nothing left after translation.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The window is shorter than 5 minutes.
    #[error("window of {0} s: use at least 300 s (4 × a 60 s export interval, and more)")]
    Window(u64),
    /// A threshold is not a finite, non-negative number.
    #[error("{what}: {value} is not a usable threshold")]
    Threshold {
        /// The option.
        what: &'static str,
        /// Its value.
        value: f64,
    },
}

/// Options of the rendered rules that have no counterpart in a [`RuleSet`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RuleOptions {
    /// Names as Prometheus translates them (default `UnderscoreEscapingWithSuffixes`).
    pub translation: TranslationStrategy,
    /// The `max_over_time` window, seconds (default 900; at least 300).
    pub window_seconds: u64,
    /// `for:`, seconds (default 300).
    pub for_seconds: u64,
    /// `AgentobsToolErrorRate` fires above this share of failed tool calls (default 0.5).
    pub tool_error_ratio: f64,
    /// … in a session with at least this many tool calls (default 10).
    pub min_tool_calls: u64,
    /// `AgentobsApiErrorRate` fires above this share of failed requests (default 0.2), with
    /// at least `api_reliability.burst` failures.
    pub api_error_ratio: f64,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            translation: TranslationStrategy::default(),
            window_seconds: 900,
            for_seconds: 300,
            tool_error_ratio: 0.5,
            min_tool_calls: 10,
            api_error_ratio: 0.2,
        }
    }
}

impl RuleOptions {
    /// These options with names translated by `t`.
    pub fn with_translation(mut self, t: TranslationStrategy) -> Self {
        self.translation = t;
        self
    }

    /// These options with `for:` of `seconds`.
    pub fn with_for_seconds(mut self, seconds: u64) -> Self {
        self.for_seconds = seconds;
        self
    }

    /// These options with a window of `seconds`.
    pub fn with_window_seconds(mut self, seconds: u64) -> Self {
        self.window_seconds = seconds;
        self
    }

    fn check(&self) -> Result<(), PrometheusError> {
        if self.window_seconds < 300 {
            return Err(PrometheusError::Window(self.window_seconds));
        }
        for (what, value) in [
            ("tool_error_ratio", self.tool_error_ratio),
            ("api_error_ratio", self.api_error_ratio),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(PrometheusError::Threshold { what, value });
            }
        }
        Ok(())
    }
}

/// A Prometheus duration: `15m`, `1h`, `90s`, `0s`.
pub fn duration(seconds: u64) -> String {
    if seconds > 0 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds > 0 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// A number in PromQL: integers without a fraction, others as Rust writes them.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// One alerting rule.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AlertRule {
    /// `alert:` (CamelCase).
    pub alert: &'static str,
    /// `expr:`.
    pub expr: String,
    /// `for:`, seconds.
    pub for_seconds: u64,
    /// `labels.severity`.
    pub severity: Severity,
    /// `labels.agentobs_rule`: the engine rule it corresponds to.
    pub engine_rule: Option<&'static str>,
    /// `annotations.summary`.
    pub summary: String,
    /// `annotations.description`.
    pub description: String,
    /// The expression quotes a label name: Prometheus ≥ 3.0 only.
    pub needs_utf8_promql: bool,
}

/// A rule group: one dialect's rules.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RuleGroup {
    /// `name:` (`agentobs-genai`, …).
    pub name: String,
    /// The dialect.
    pub dialect: &'static str,
    /// The translation strategy of the names.
    pub translation: TranslationStrategy,
    /// The rules.
    pub rules: Vec<AlertRule>,
}

/// A YAML double-quoted scalar (JSON's escapes are YAML's).
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

impl RuleGroup {
    /// A rules file (`groups:`) of this group alone.
    pub fn to_yaml(&self) -> String {
        let mut y = format!(
            "# Prometheus alerting rules for agentobs dialect {}, metric names translated by\n\
             # {} (otlp.translation_strategy). Generated by `agentobs rules prometheus`.\n\
             groups:\n",
            self.dialect, self.translation
        );
        self.write_group(&mut y, &self.rules);
        y
    }

    /// A rules file of one rule (for checking rules one at a time).
    pub fn rule_yaml(&self, rule: &AlertRule) -> String {
        let mut y = String::from("groups:\n");
        self.write_group(&mut y, std::slice::from_ref(rule));
        y
    }

    fn write_group(&self, y: &mut String, rules: &[AlertRule]) {
        let _ = writeln!(y, "  - name: {}", yaml_str(&self.name));
        y.push_str("    rules:\n");
        for r in rules {
            let _ = writeln!(y, "      - alert: {}", r.alert);
            let _ = writeln!(y, "        expr: {}", yaml_str(&r.expr));
            let _ = writeln!(y, "        for: {}", duration(r.for_seconds));
            y.push_str("        labels:\n");
            let _ = writeln!(y, "          severity: {}", r.severity.as_str());
            if let Some(e) = r.engine_rule {
                let _ = writeln!(y, "          agentobs_rule: {e}");
            }
            // Empty annotations are left out (a test may clear them to compare labels only).
            let notes = [("summary", &r.summary), ("description", &r.description)];
            if notes.iter().any(|(_, v)| !v.is_empty()) {
                y.push_str("        annotations:\n");
            }
            for (k, v) in notes.iter().filter(|(_, v)| !v.is_empty()) {
                let _ = writeln!(y, "          {k}: {}", yaml_str(v));
            }
        }
    }
}

/// The least a session needs for a ratio rule to count.
#[derive(Clone, Copy, Debug)]
enum Guard {
    /// This many calls in all.
    Calls(u64),
    /// This many failures.
    Failures(u64),
}

/// Builds the rules of one dialect.
struct Builder<'a> {
    q: PromQl,
    m: &'a DialectMetrics,
    set: &'a RuleSet,
    opts: &'a RuleOptions,
    range: String,
    by: String,
    rules: Vec<AlertRule>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        alert: &'static str,
        expr: String,
        severity: Severity,
        engine_rule: Option<&'static str>,
        summary: String,
        description: String,
    ) {
        let needs_utf8_promql = self.q.needs_utf8();
        self.q.reset_utf8();
        self.rules.push(AlertRule {
            alert,
            expr,
            for_seconds: self.opts.for_seconds,
            severity,
            engine_rule,
            summary,
            description,
            needs_utf8_promql,
        });
    }

    fn tokens(&mut self) {
        let c = &self.set.runaway_session;
        if !c.enabled || c.max_tokens == 0 || self.m.tokens.is_empty() {
            return;
        }
        let total = self.q.totals(&self.m.tokens, &self.by, &self.range);
        let limit = c.max_tokens as f64;
        self.push(
            "AgentobsSessionTokenBudget",
            format!("{total} > {}", number(limit)),
            c.severity,
            Some("runaway_session"),
            "Session {{ $labels.instance }} used {{ $value | humanize }} tokens".into(),
            format!(
                "Session {{{{ $labels.instance }}}} of {{{{ $labels.job }}}} used {{{{ $value | \
                 humanize }}}} tokens (input + output), above the budget of {} \
                 (runaway_session.max_tokens).",
                number(limit)
            ),
        );
    }

    fn cost(&mut self) {
        let c = &self.set.runaway_session;
        let Some(cost) = &self.m.cost else {
            return;
        };
        let limit = c.max_cost_usd;
        if !c.enabled || !limit.is_finite() || limit <= 0.0 {
            return;
        }
        let total = self.q.total(cost, &[], &self.by, &self.range);
        self.push(
            "AgentobsSessionCostBudget",
            format!("{total} > {}", number(limit)),
            c.severity,
            Some("runaway_session"),
            "Session {{ $labels.instance }} cost {{ $value | printf \"%.2f\" }} USD".into(),
            format!(
                "Session {{{{ $labels.instance }}}} of {{{{ $labels.job }}}} cost {{{{ $value | \
                 printf \"%.2f\" }}}} USD (its priced model requests), above the budget of {} USD \
                 (runaway_session.max_cost_usd).",
                number(limit)
            ),
        );
    }

    fn storm(&mut self) {
        let c = &self.set.tool_call_storm;
        let Some(tools) = &self.m.tool_calls else {
            return;
        };
        if !c.enabled {
            return;
        }
        let calls = self.q.total(&tools.all, &[], &self.by, &self.range);
        self.push(
            "AgentobsToolCallStorm",
            format!("{calls} > {}", c.max_tool_calls),
            c.severity,
            Some("tool_call_storm"),
            "Session {{ $labels.instance }} made {{ $value }} tool calls".into(),
            format!(
                "Session {{{{ $labels.instance }}}} of {{{{ $labels.job }}}} made {{{{ $value }}}} \
                 tool calls, above {} (tool_call_storm.max_tool_calls).",
                c.max_tool_calls
            ),
        );
    }

    /// `failed / clamp_min(all, 1) > ratio and (all or failed) >= least`.
    fn ratio(&self, c: &Counted, ratio: f64, guard: Guard) -> String {
        let failed = self.q.total(&c.all, &[c.failed], &self.by, &self.range);
        let all = self.q.total(&c.all, &[], &self.by, &self.range);
        let guard = match guard {
            Guard::Calls(n) => format!("{all} >= {n}"),
            Guard::Failures(n) => format!("{failed} >= {n}"),
        };
        format!(
            "({failed} / clamp_min({all}, 1)) > {} and {guard}",
            number(ratio)
        )
    }

    fn errors(&mut self) {
        if let Some(tools) = &self.m.tool_calls {
            let o = self.opts;
            let expr = self.ratio(tools, o.tool_error_ratio, Guard::Calls(o.min_tool_calls));
            self.push(
                "AgentobsToolErrorRate",
                expr,
                Severity::Warning,
                None,
                "Session {{ $labels.instance }}: {{ $value | humanizePercentage }} of tool calls \
                 failed"
                    .into(),
                format!(
                    "In session {{{{ $labels.instance }}}} of {{{{ $labels.job }}}}, \
                     {{{{ $value | humanizePercentage }}}} of the tool calls failed (above {} of \
                     at least {} calls).",
                    percent(o.tool_error_ratio),
                    o.min_tool_calls
                ),
            );
        }
        let c = &self.set.api_reliability;
        if let Some(api) = &self.m.api_requests
            && c.enabled
        {
            let burst = c.burst.max(1);
            let expr = self.ratio(
                api,
                self.opts.api_error_ratio,
                Guard::Failures(burst as u64),
            );
            self.push(
                "AgentobsApiErrorRate",
                expr,
                c.severity,
                Some("api_reliability"),
                "Session {{ $labels.instance }}: {{ $value | humanizePercentage }} of model \
                 requests failed"
                    .into(),
                format!(
                    "In session {{{{ $labels.instance }}}} of {{{{ $labels.job }}}}, \
                     {{{{ $value | humanizePercentage }}}} of the model API requests failed \
                     (above {}, and at least {burst} failures: api_reliability.burst).",
                    percent(self.opts.api_error_ratio)
                ),
            );
        }
    }

    fn latency(&mut self, alert: &'static str, what: &str, l: &Latency, limit_ms: f64, key: &str) {
        let c = &self.set.latency_regression;
        if !c.enabled || limit_ms <= 0.0 || !limit_ms.is_finite() {
            return;
        }
        let by_le = format!("{}, le", self.by);
        let buckets = self
            .q
            .total(&l.series(Part::Bucket), &[], &by_le, &self.range);
        let count = self
            .q
            .total(&l.series(Part::Count), &[], &self.by, &self.range);
        let limit = limit_ms * l.per_ms;
        let top = l.bounds.last().copied().unwrap_or(f64::INFINITY);
        let unit = if l.per_ms == 1.0 { "ms" } else { "s" };
        let (cmp, note) = if limit < top {
            (format!("> {}", number(limit)), String::new())
        } else {
            (
                format!(">= {}", number(top)),
                format!(
                    " The limit of {} {unit} is beyond the histogram's largest bucket ({} {unit}), \
                     so this fires when the p95 reaches that bucket.",
                    number(limit),
                    number(top)
                ),
            )
        };
        let min = c.min_samples.max(1);
        let value = if unit == "s" {
            "{{ $value | humanizeDuration }}"
        } else {
            "{{ $value }} ms"
        };
        self.push(
            alert,
            format!("histogram_quantile(0.95, {buckets}) {cmp} and {count} >= {min}"),
            c.severity,
            Some("latency_regression"),
            format!("Session {{{{ $labels.instance }}}}: {what} p95 {value}"),
            format!(
                "The p95 of the {what} durations of session {{{{ $labels.instance }}}} of \
                 {{{{ $labels.job }}}} was {value}, above {} {unit} (latency_regression.{key}, \
                 at least {min} samples).{note}",
                number(limit)
            ),
        );
    }

    fn alerts(&mut self) {
        let by = format!("{}, {}", self.by, self.q.label(ao::ALERT_RULE));
        let critical = [Matcher::eq(ao::ALERT_SEVERITY, Severity::Critical.as_str())];
        let series = Series::new(self.m.alerts, Part::Value, &[]);
        let expr = format!("{} > 0", self.q.total(&series, &critical, &by, &self.range));
        let rule = self.q.label(ao::ALERT_RULE);
        let rule = if rule.starts_with('"') {
            format!("index $labels {rule}")
        } else {
            format!("$labels.{rule}")
        };
        self.push(
            "AgentobsCriticalAlert",
            expr,
            Severity::Critical,
            None,
            format!(
                "Critical agentobs alert {{{{ {rule} }}}} in session {{{{ $labels.instance }}}}"
            ),
            format!(
                "The agentobs anomaly engine raised {{{{ $value }}}} critical {{{{ {rule} }}}} \
                 alert(s) in session {{{{ $labels.instance }}}} of {{{{ $labels.job }}}}; \
                 `agentobs check` on the session shows the evidence."
            ),
        );
    }
}

fn percent(r: f64) -> String {
    format!("{}%", number(r * 100.0))
}

/// The alerting rules of one dialect with the thresholds of `set` and `opts`.
pub fn alerting_rules(
    metrics: &DialectMetrics,
    set: &RuleSet,
    opts: &RuleOptions,
) -> Result<RuleGroup, PrometheusError> {
    opts.check()?;
    metrics.check(opts.translation)?;
    let mut b = Builder {
        q: PromQl::new(opts.translation),
        m: metrics,
        set,
        opts,
        range: duration(opts.window_seconds),
        by: "job, instance".to_owned(),
        rules: Vec::new(),
    };
    b.tokens();
    b.cost();
    b.storm();
    b.errors();
    let lat = &set.latency_regression;
    if let Some(l) = &metrics.api_latency {
        b.latency(
            "AgentobsApiLatencyP95",
            "model request",
            l,
            lat.api_p95_ms,
            "api_p95_ms",
        );
    }
    if let Some(l) = &metrics.turn_latency {
        b.latency(
            "AgentobsTurnLatencyP95",
            "turn",
            l,
            lat.turn_p95_ms,
            "turn_p95_ms",
        );
    }
    b.alerts();
    Ok(RuleGroup {
        name: format!("agentobs-{}", metrics.dialect),
        dialect: metrics.dialect,
        translation: opts.translation,
        rules: b.rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(dialect: &str, opts: RuleOptions) -> RuleGroup {
        let m = DialectMetrics::for_dialect(dialect).unwrap();
        alerting_rules(&m, &RuleSet::default(), &opts).unwrap()
    }

    fn expr<'a>(g: &'a RuleGroup, alert: &str) -> &'a str {
        &g.rules.iter().find(|r| r.alert == alert).unwrap().expr
    }

    #[test]
    fn genai_rules_read_the_translated_names() {
        let g = rules("genai", RuleOptions::default());
        let names: Vec<_> = g.rules.iter().map(|r| r.alert).collect();
        assert_eq!(
            names,
            [
                "AgentobsSessionTokenBudget",
                "AgentobsSessionCostBudget",
                "AgentobsToolCallStorm",
                "AgentobsToolErrorRate",
                "AgentobsApiErrorRate",
                "AgentobsApiLatencyP95",
                "AgentobsTurnLatencyP95",
                "AgentobsCriticalAlert"
            ]
        );
        assert_eq!(
            expr(&g, "AgentobsSessionTokenBudget"),
            "sum by (job, instance) (max_over_time(gen_ai_client_token_usage_sum[15m])) > 50000000"
        );
        assert_eq!(
            expr(&g, "AgentobsSessionCostBudget"),
            "sum by (job, instance) (max_over_time(agentobs_cost_usd_USD_total[15m])) > 25"
        );
        assert_eq!(
            expr(&g, "AgentobsToolCallStorm"),
            "sum by (job, instance) (max_over_time(gen_ai_client_operation_duration_seconds_count\
             {gen_ai_operation_name=\"execute_tool\"}[15m])) > 400"
        );
        let api = expr(&g, "AgentobsApiErrorRate");
        assert!(api.contains("error_type!=\"\""), "{api}");
        assert!(api.contains("/ clamp_min(sum by (job, instance)"), "{api}");
        assert!(api.ends_with(">= 5"), "{api}");
        let p95 = expr(&g, "AgentobsApiLatencyP95");
        assert!(
            p95.starts_with(
                "histogram_quantile(0.95, sum by (job, instance, le) (max_over_time(\
                 gen_ai_client_operation_duration_seconds_bucket{gen_ai_operation_name=\"chat\"}"
            ),
            "{p95}"
        );
        // 120 s is beyond the largest bucket (81.92 s).
        assert!(p95.contains(">= 81.92 and"), "{p95}");
        assert_eq!(
            expr(&g, "AgentobsCriticalAlert"),
            "sum by (job, instance, agentobs_alert_rule) (max_over_time(agentobs_alerts_total\
             {agentobs_alert_severity=\"critical\"}[15m])) > 0"
        );
        assert!(g.rules.iter().all(|r| !r.needs_utf8_promql));
    }

    #[test]
    fn codex_and_latest_and_openinference() {
        let c = rules("codex", RuleOptions::default());
        assert!(
            expr(&c, "AgentobsSessionTokenBudget")
                .contains("codex_turn_token_usage_sum{token_type=\"total\"}")
        );
        assert!(
            expr(&c, "AgentobsToolErrorRate").contains("codex_tool_call_total{success=\"false\"}")
        );
        assert!(
            expr(&c, "AgentobsApiLatencyP95")
                .contains("codex_api_request_duration_ms_milliseconds_bucket")
        );
        let l = rules("genai-latest", RuleOptions::default());
        let t = expr(&l, "AgentobsSessionTokenBudget");
        assert!(
            t.contains("gen_ai_client_inference_usage_input_tokens_total"),
            "{t}"
        );
        assert!(t.contains(" + "), "{t}");
        assert!(expr(&c, "AgentobsSessionCostBudget").contains("agentobs_cost_usd_USD_total[15m]"));
        let o = rules("openinference", RuleOptions::default());
        let names: Vec<_> = o.rules.iter().map(|r| r.alert).collect();
        assert_eq!(
            names,
            ["AgentobsSessionCostBudget", "AgentobsCriticalAlert"]
        );
    }

    #[test]
    fn utf8_names_are_quoted() {
        let g = rules(
            "genai",
            RuleOptions::default()
                .with_translation(TranslationStrategy::NoUTF8EscapingWithSuffixes),
        );
        let storm = g
            .rules
            .iter()
            .find(|r| r.alert == "AgentobsToolCallStorm")
            .unwrap();
        assert!(
            storm.expr.contains(
                "{__name__=\"gen_ai.client.operation.duration_seconds_count\", \
                 \"gen_ai.operation.name\"=\"execute_tool\"}"
            ),
            "{}",
            storm.expr
        );
        assert!(storm.needs_utf8_promql);
        let alert = g
            .rules
            .iter()
            .find(|r| r.alert == "AgentobsCriticalAlert")
            .unwrap();
        assert!(
            alert
                .summary
                .contains("index $labels \"agentobs.alert.rule\""),
            "{}",
            alert.summary
        );
        // Codex's labels are plain words: only the metric names need the __name__ form.
        let c = rules(
            "codex",
            RuleOptions::default().with_translation(TranslationStrategy::NoTranslation),
        );
        let storm = c
            .rules
            .iter()
            .find(|r| r.alert == "AgentobsToolCallStorm")
            .unwrap();
        assert!(
            storm.expr.contains("{__name__=\"codex.tool.call\"}"),
            "{}",
            storm.expr
        );
        assert!(!storm.needs_utf8_promql);
    }

    #[test]
    fn thresholds_follow_the_rule_set() {
        let mut set = RuleSet::default();
        set.runaway_session.max_tokens = 1000;
        set.runaway_session.max_cost_usd = 2.5;
        set.tool_call_storm.enabled = false;
        set.latency_regression.api_p95_ms = 500.0;
        let m = DialectMetrics::for_dialect("genai").unwrap();
        let g = alerting_rules(&m, &set, &RuleOptions::default().with_for_seconds(0)).unwrap();
        assert!(expr(&g, "AgentobsSessionTokenBudget").ends_with("> 1000"));
        assert!(expr(&g, "AgentobsSessionCostBudget").ends_with("> 2.5"));
        set.runaway_session.max_cost_usd = 0.0;
        let g0 = alerting_rules(&m, &set, &RuleOptions::default()).unwrap();
        assert!(
            g0.rules
                .iter()
                .all(|r| r.alert != "AgentobsSessionCostBudget")
        );
        assert!(g.rules.iter().all(|r| r.alert != "AgentobsToolCallStorm"));
        assert!(expr(&g, "AgentobsApiLatencyP95").contains("> 0.5 and"));
        assert!(g.to_yaml().contains("        for: 0s\n"));
    }

    #[test]
    fn yaml_shape() {
        let g = rules("genai", RuleOptions::default());
        let y = g.to_yaml();
        assert!(y.contains("groups:\n  - name: \"agentobs-genai\"\n    rules:\n      - alert: "));
        assert!(y.contains("        for: 5m\n        labels:\n          severity: warning\n"));
        assert!(y.contains("          agentobs_rule: runaway_session\n"));
        assert!(y.contains("        annotations:\n          summary: \""));
        // Expressions with quotes are escaped.
        assert!(y.contains("{gen_ai_operation_name=\\\"execute_tool\\\"}"));
    }

    #[test]
    fn bad_options() {
        let m = DialectMetrics::for_dialect("codex").unwrap();
        let short = RuleOptions::default().with_window_seconds(60);
        assert!(matches!(
            alerting_rules(&m, &RuleSet::default(), &short),
            Err(PrometheusError::Window(60))
        ));
        let nan = RuleOptions {
            api_error_ratio: f64::NAN,
            ..RuleOptions::default()
        };
        assert!(alerting_rules(&m, &RuleSet::default(), &nan).is_err());
        assert!(DialectMetrics::for_dialect("nope").is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(90), "90s");
        assert_eq!(duration(300), "5m");
        assert_eq!(duration(7200), "2h");
        assert_eq!(number(5e7), "50000000");
        assert_eq!(number(0.5), "0.5");
    }
}
