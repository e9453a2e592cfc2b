//! `false_success` — failure that looks like success.
//!
//! **Catches**: a turn that ends "complete" right after its last tool call failed — the
//! agent stopped on a failure and said it was done (warning); and, once per session at its
//! end, the tool results the harness reported as `success = true` although the command
//! exited non-zero (info: Codex does this for every failing shell command, its exit code is
//! only in the output text — a dashboard counting "successful" calls overcounts).
//! **Decides**: a turn completing without error whose last tool result failed; the count of
//! results with a non-zero exit code and `reported_success = true` (evidence: the first five).
//! **False positive**: a last command whose non-zero exit is the answer (`grep` finding
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
    /// Raise, at session end, on tool results reported as a success with a non-zero exit
    /// (default true).
    pub misreported_exit: bool,
    /// Raise on turns that complete after their last tool failed (default true).
    pub turn_after_failure: bool,
    /// Severity of a turn completed after a failure (default warning).
    pub severity: Severity,
    /// Severity of the misreported exits (default info).
    pub misreported_severity: Severity,
}

impl Default for FalseSuccessConfig {
    fn default() -> Self {
        FalseSuccessConfig {
            enabled: true,
            misreported_exit: true,
            turn_after_failure: true,
            severity: Severity::Warning,
            misreported_severity: Severity::Info,
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
    misreported: u64,
    misreported_evidence: Vec<Evidence>,
}

/// Evidence kept for the misreported exits of a session.
const MAX_MISREPORTED_EVIDENCE: usize = 5;

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
                    st.misreported += 1;
                    if st.misreported_evidence.len() < MAX_MISREPORTED_EVIDENCE {
                        st.misreported_evidence.push(Evidence::of(event));
                    }
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

    fn session_end(&self, st: &mut TurnState, cx: &mut Context<'_>) {
        if st.misreported == 0 {
            return;
        }
        let n = st.misreported;
        let msg =
            format!("{n} tool calls exited non-zero but the harness reported them as successes");
        let a = cx.raise(self.config.misreported_severity, msg);
        (a.value, a.threshold) = (n as f64, 0.0);
        a.evidence = std::mem::take(&mut st.misreported_evidence);
    }
}
