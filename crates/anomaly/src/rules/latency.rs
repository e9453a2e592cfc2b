//! `latency_regression` — the model API or the turns got slower than usual.
//!
//! **Catches**: a provider or network slowdown, a model change to a slower one, a turn loop
//! that makes each turn take much longer. **Decides**, at the end of a session with at least
//! `min_samples` samples: the p95 of its API request durations (and, apart, of its turn
//! durations) above `baseline_factor` × the baseline p95, else above the absolute
//! `api_p95_ms` / `turn_p95_ms`; the evidence is its three slowest requests or turns.
//! **False positive**: a session of many large reasoning requests on a baseline of small
//! ones (group baselines by model to avoid it).

use serde::Deserialize;

use agentobs_schema::{Event, EventKind};

use crate::alert::{Evidence, Severity};
use crate::baseline::nearest_rank;
use crate::rule::{Context, Rule};

/// Thresholds of [`LatencyRegression`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LatencyRegressionConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// With a baseline: fire above this × its p95 (default 2).
    pub baseline_factor: f64,
    /// Least samples in the session (default 5).
    pub min_samples: usize,
    /// API request p95 without a baseline, ms (default 120 000).
    pub api_p95_ms: f64,
    /// Turn p95 without a baseline, ms (default 1 800 000: 30 min).
    pub turn_p95_ms: f64,
    /// Severity (default warning).
    pub severity: Severity,
}

impl Default for LatencyRegressionConfig {
    fn default() -> Self {
        LatencyRegressionConfig {
            enabled: true,
            baseline_factor: 2.0,
            min_samples: 5,
            api_p95_ms: 120_000.0,
            turn_p95_ms: 1_800_000.0,
            severity: Severity::Warning,
        }
    }
}

/// The `latency_regression` rule; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct LatencyRegression {
    config: LatencyRegressionConfig,
}

impl LatencyRegression {
    /// The rule with these thresholds.
    pub fn new(config: LatencyRegressionConfig) -> Self {
        LatencyRegression { config }
    }
}

/// Most samples kept per session and measure; beyond it every other sample is dropped
/// (the p95 of a long session stays close, and memory stays bounded).
const MAX_SAMPLES: usize = 4096;

/// Durations of one measure in a session, with the slowest three.
#[derive(Debug, Default)]
pub(crate) struct Durations {
    samples: Vec<u32>,
    stride: u32,
    skip: u32,
    slowest: Vec<(u64, Evidence)>,
}

impl Durations {
    fn push(&mut self, ms: u64, event: &Event) {
        if self.skip > 0 {
            self.skip -= 1;
        } else {
            self.samples.push(u32::try_from(ms).unwrap_or(u32::MAX));
            self.skip = self.stride;
            if self.samples.len() >= MAX_SAMPLES {
                let kept: Vec<u32> = self.samples.iter().step_by(2).copied().collect();
                self.samples = kept;
                self.stride = self.stride * 2 + 1;
            }
        }
        if self.slowest.len() < 3 || self.slowest.last().is_some_and(|(d, _)| ms > *d) {
            self.slowest.push((ms, Evidence::of(event)));
            self.slowest.sort_by_key(|e| std::cmp::Reverse(e.0));
            self.slowest.truncate(3);
        }
    }

    fn p95(&self) -> Option<f64> {
        let mut v: Vec<f64> = self.samples.iter().map(|&d| f64::from(d)).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some(nearest_rank(&v, 0.95))
    }
}

/// API and turn durations of a session.
#[derive(Debug, Default)]
pub struct LatencyState {
    api: Durations,
    turns: Durations,
}

impl LatencyRegression {
    fn judge(
        &self,
        what: &str,
        d: &Durations,
        base: Option<crate::Quantiles>,
        abs: f64,
        cx: &mut Context<'_>,
    ) {
        let c = &self.config;
        if d.samples.len() < c.min_samples.max(1) {
            return;
        }
        let Some(p95) = d.p95() else { return };
        let (limit, how) = match base {
            Some(q) => (
                q.p95 * c.baseline_factor,
                format!(
                    "{} × the baseline p95 of {:.0} ms",
                    c.baseline_factor, q.p95
                ),
            ),
            None => (abs, "the default limit".to_owned()),
        };
        if p95 > limit && limit > 0.0 {
            let msg = format!("{what} p95 was {p95:.0} ms, above {limit:.0} ms ({how})");
            let a = cx.raise(c.severity, msg);
            (a.value, a.threshold) = (p95, limit);
            a.evidence = d.slowest.iter().map(|(_, e)| e.clone()).collect();
        }
    }
}

impl Rule for LatencyRegression {
    type State = LatencyState;

    fn id(&self) -> &str {
        "latency_regression"
    }

    fn event(&self, st: &mut LatencyState, event: &Event, _cx: &mut Context<'_>) {
        match &event.kind {
            EventKind::ApiRequest(r) => {
                if let Some(ms) = r.duration_ms {
                    st.api.push(ms, event);
                }
            }
            EventKind::TurnCompleted(t) => {
                if let Some(ms) = t.duration_ms {
                    st.turns.push(ms, event);
                }
            }
            _ => {}
        }
    }

    fn session_end(&self, st: &mut LatencyState, cx: &mut Context<'_>) {
        let base = cx.baseline();
        let c = &self.config;
        self.judge(
            "API request",
            &st.api,
            base.and_then(|b| b.api_duration_ms),
            c.api_p95_ms,
            cx,
        );
        self.judge(
            "turn duration",
            &st.turns,
            base.and_then(|b| b.turn_duration_ms),
            c.turn_p95_ms,
            cx,
        );
    }
}
