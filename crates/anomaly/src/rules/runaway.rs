//! `runaway_session` — a session that burns far more than normal.
//!
//! **Catches**: an agent stuck re-reading a large repository, a retry loop that keeps
//! resending a huge context, a task that should have been split. **Decides**: the session's
//! billed tokens or cost cross a budget — `baseline_factor` × the baseline p95 when a
//! baseline fits the session, else the absolute `max_tokens` / `max_cost_usd`; a turn's
//! tokens cross `turn_baseline_factor` × the baseline turn p95, else `turn_max_tokens`. Each
//! fires once per session (per turn for the turn budget), on the request that crossed it.
//! **False positive**: a legitimately big task (a migration across a monorepo) on a repo
//! whose baseline was learned from small fixes.

use serde::Deserialize;

use agentobs_schema::{Event, EventKind};

use super::human;
use crate::alert::Severity;
use crate::rule::{Context, Rule};

/// Thresholds of [`RunawaySession`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunawaySessionConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// Session token budget without a baseline (default 50 000 000: ~$10–60 on current
    /// models, far above a normal day's session).
    pub max_tokens: u64,
    /// Session cost budget without a baseline, USD (default 25).
    pub max_cost_usd: f64,
    /// With a baseline: fire above this × its p95 (default 3).
    pub baseline_factor: f64,
    /// One turn's token budget without a baseline (default 10 000 000).
    pub turn_max_tokens: u64,
    /// With a baseline: a turn fires above this × its p95 (default 5).
    pub turn_baseline_factor: f64,
    /// Severity (default warning).
    pub severity: Severity,
}

impl Default for RunawaySessionConfig {
    fn default() -> Self {
        RunawaySessionConfig {
            enabled: true,
            max_tokens: 50_000_000,
            max_cost_usd: 25.0,
            baseline_factor: 3.0,
            turn_max_tokens: 10_000_000,
            turn_baseline_factor: 5.0,
            severity: Severity::Warning,
        }
    }
}

/// The `runaway_session` rule; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct RunawaySession {
    config: RunawaySessionConfig,
}

impl RunawaySession {
    /// The rule with these thresholds.
    pub fn new(config: RunawaySessionConfig) -> Self {
        RunawaySession { config }
    }
}

/// What has fired in a session.
#[derive(Debug, Default)]
pub struct RunawayState {
    tokens: bool,
    cost: bool,
    turn_fired: bool,
}

impl Rule for RunawaySession {
    type State = RunawayState;

    fn id(&self) -> &str {
        "runaway_session"
    }

    fn event(&self, st: &mut RunawayState, event: &Event, cx: &mut Context<'_>) {
        match event.kind {
            EventKind::TurnStarted(_) => st.turn_fired = false,
            EventKind::TokenUsage(_) => {}
            _ => return,
        }
        let c = &self.config;
        let s = cx.session();
        let base = cx.baseline();
        let (tokens, cost, turn) = (s.tokens() as f64, s.cost_usd, s.turn_tokens as f64);
        let from_base = |q: Option<crate::Quantiles>, k: f64| q.map(|q| (q.p95 * k, true));
        let token_limit = from_base(base.and_then(|b| b.session_tokens), c.baseline_factor)
            .unwrap_or((c.max_tokens as f64, false));
        let cost_limit = from_base(base.and_then(|b| b.session_cost_usd), c.baseline_factor)
            .unwrap_or((c.max_cost_usd, false));
        let turn_limit = from_base(base.and_then(|b| b.turn_tokens), c.turn_baseline_factor)
            .unwrap_or((c.turn_max_tokens as f64, false));
        let severity = c.severity;
        // One budget: fire once when `value` first exceeds a positive `limit`.
        let mut over = |fired: &mut bool,
                        value: f64,
                        (limit, based): (f64, bool),
                        k: f64,
                        what: &str,
                        fmt: fn(f64) -> String| {
            if *fired || value <= limit || limit <= 0.0 {
                return;
            }
            *fired = true;
            let budget = if based {
                format!("{k} × the baseline p95 = {}", fmt(limit))
            } else {
                format!("the budget of {}", fmt(limit))
            };
            let a = cx.raise(severity, format!("{what} {}, above {budget}", fmt(value)));
            (a.value, a.threshold) = (value, limit);
            cx.cite(event);
        };
        let usd = |v: f64| format!("${v:.2}");
        let tokens_of = |v: f64| format!("{} tokens", human(v));
        over(
            &mut st.tokens,
            tokens,
            token_limit,
            c.baseline_factor,
            "session used",
            tokens_of,
        );
        over(
            &mut st.cost,
            cost,
            cost_limit,
            c.baseline_factor,
            "session cost",
            usd,
        );
        over(
            &mut st.turn_fired,
            turn,
            turn_limit,
            c.turn_baseline_factor,
            "one turn used",
            tokens_of,
        );
    }
}
