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
        let how = |(limit, based): (f64, bool), k: f64| {
            if based {
                format!("{k} × the baseline p95 = {}", human(limit))
            } else {
                format!("the budget of {}", human(limit))
            }
        };
        if !st.tokens && tokens > token_limit.0 && token_limit.0 > 0.0 {
            st.tokens = true;
            let msg = format!(
                "session used {} tokens, above {}",
                human(tokens),
                how(token_limit, c.baseline_factor)
            );
            let a = cx.raise(c.severity, msg);
            (a.value, a.threshold) = (tokens, token_limit.0);
            cx.cite(event);
        }
        if !st.cost && cost > cost_limit.0 && cost_limit.0 > 0.0 {
            st.cost = true;
            let limit = if cost_limit.1 {
                format!(
                    "{} × the baseline p95 = ${:.2}",
                    c.baseline_factor, cost_limit.0
                )
            } else {
                format!("the budget of ${:.2}", cost_limit.0)
            };
            let a = cx.raise(
                c.severity,
                format!("session cost ${cost:.2}, above {limit}"),
            );
            (a.value, a.threshold) = (cost, cost_limit.0);
            cx.cite(event);
        }
        if !st.turn_fired && turn > turn_limit.0 && turn_limit.0 > 0.0 {
            st.turn_fired = true;
            let msg = format!(
                "one turn used {} tokens, above {}",
                human(turn),
                how(turn_limit, c.turn_baseline_factor)
            );
            let a = cx.raise(c.severity, msg);
            (a.value, a.threshold) = (turn, turn_limit.0);
            cx.cite(event);
        }
    }
}
