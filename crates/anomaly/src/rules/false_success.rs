//! `false_success` — failure that looks like success.
//!
//! **Catches**: Codex reports a shell call as `success = true` even when the command exited
//! non-zero (the exit code is only in the output text); and a turn that ends "complete"
//! right after its last tool call failed — the agent stopped on a failure and said it was
//! done. **Decides**: a tool result with a non-zero exit code whose harness claim
//! (`reported_success`) is `true`; a turn completing without error whose last tool result
//! failed. **False positive**: commands whose non-zero exit is the answer (`grep` finding
//! nothing, `diff` finding a difference, `test -f`).

use serde::Deserialize;

use agentobs_schema::{Event, EventKind};

use super::failed;
use crate::alert::{Evidence, Severity};
use crate::rule::{Context, Rule};

/// Thresholds of [`FalseSuccess`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FalseSuccessConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// Raise on each tool result reported as a success with a non-zero exit (default true).
    pub misreported_exit: bool,
    /// Raise on turns that complete after their last tool failed (default true).
    pub turn_after_failure: bool,
    /// Severity (default warning).
    pub severity: Severity,
}

impl Default for FalseSuccessConfig {
    fn default() -> Self {
        FalseSuccessConfig {
            enabled: true,
            misreported_exit: true,
            turn_after_failure: true,
            severity: Severity::Warning,
        }
    }
}

/// The `false_success` rule; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct FalseSuccess {
    config: FalseSuccessConfig,
}

impl FalseSuccess {
    /// The rule with these thresholds.
    pub fn new(config: FalseSuccessConfig) -> Self {
        FalseSuccess { config }
    }
}

/// The last tool result of the current turn, when it failed.
#[derive(Debug, Default)]
pub struct TurnState {
    last_failed: Option<(String, Option<i64>, Evidence)>,
}

impl Rule for FalseSuccess {
    type State = TurnState;

    fn id(&self) -> &str {
        "false_success"
    }

    fn event(&self, st: &mut TurnState, event: &Event, cx: &mut Context<'_>) {
        let c = &self.config;
        match &event.kind {
            EventKind::TurnStarted(_) => st.last_failed = None,
            EventKind::ToolResult(r) => {
                let code = r.exit_code.unwrap_or(0);
                if c.misreported_exit && code != 0 && r.reported_success == Some(true) {
                    let msg = format!(
                        "`{}` exited with code {code} but the harness reported success",
                        r.tool
                    );
                    let a = cx.raise(c.severity, msg);
                    (a.value, a.threshold) = (code as f64, 0.0);
                    cx.cite(event);
                }
                st.last_failed =
                    failed(r).then(|| (r.tool.clone(), r.exit_code, Evidence::of(event)));
            }
            EventKind::TurnCompleted(t) => {
                let last = st.last_failed.take();
                if !c.turn_after_failure || t.error.is_some() || t.aborted.is_some() {
                    return;
                }
                if let Some((tool, code, evidence)) = last {
                    let how = code.map_or("failed".to_owned(), |c| format!("exited with code {c}"));
                    let msg =
                        format!("turn completed right after its last tool call (`{tool}`) {how}");
                    let a = cx.raise(c.severity, msg);
                    (a.value, a.threshold) = (code.unwrap_or(1) as f64, 0.0);
                    a.evidence.push(evidence);
                    cx.cite(event);
                }
            }
            _ => {}
        }
    }
}
