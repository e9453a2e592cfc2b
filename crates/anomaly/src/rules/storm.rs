//! `tool_call_storm` — many more tool calls than this kind of session makes.
//!
//! **Catches**: the "silent regression" — a model or prompt change after which the agent
//! needs three times the tool calls for the same work, while every call succeeds.
//! **Decides**: the session's tool calls cross `baseline_factor` × the baseline p95 of tool
//! calls per session, else the absolute `max_tool_calls`; fires once, on the call that
//! crossed. **False positive**: a session that really is bigger (a repo-wide rename) on a
//! baseline of small tasks.

use serde::Deserialize;

use agentobs_schema::{Event, EventKind};

use crate::alert::Severity;
use crate::rule::{Context, Rule};

/// Thresholds of [`ToolCallStorm`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolCallStormConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// Tool calls per session without a baseline (default 400).
    pub max_tool_calls: u64,
    /// With a baseline: fire above this × its p95 (default 2).
    pub baseline_factor: f64,
    /// Severity (default warning).
    pub severity: Severity,
}

impl Default for ToolCallStormConfig {
    fn default() -> Self {
        ToolCallStormConfig {
            enabled: true,
            max_tool_calls: 400,
            baseline_factor: 2.0,
            severity: Severity::Warning,
        }
    }
}

/// The `tool_call_storm` rule; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct ToolCallStorm {
    config: ToolCallStormConfig,
}

impl ToolCallStorm {
    /// The rule with these thresholds.
    pub fn new(config: ToolCallStormConfig) -> Self {
        ToolCallStorm { config }
    }
}

impl Rule for ToolCallStorm {
    type State = bool;

    fn id(&self) -> &str {
        "tool_call_storm"
    }

    fn event(&self, fired: &mut bool, event: &Event, cx: &mut Context<'_>) {
        if *fired || !matches!(event.kind, EventKind::ToolResult(_)) {
            return;
        }
        let c = &self.config;
        let calls = cx.session().tool_calls as f64;
        let (limit, how) = match cx.baseline().and_then(|b| b.session_tool_calls) {
            Some(q) => (
                (q.p95 * c.baseline_factor).max(1.0),
                format!("{} × the baseline p95 of {:.0}", c.baseline_factor, q.p95),
            ),
            None => (c.max_tool_calls as f64, "the default limit".to_owned()),
        };
        if calls > limit {
            *fired = true;
            let msg = format!("{calls:.0} tool calls in one session, above {limit:.0} ({how})");
            let a = cx.raise(c.severity, msg);
            (a.value, a.threshold) = (calls, limit);
            cx.cite(event);
        }
    }
}
