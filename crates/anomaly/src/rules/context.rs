//! `context_exhaustion` — the session ran out of context window, or is about to.
//!
//! **Catches**: `ContextWindowExceeded` errors (Codex ends the turn — and, under `exec`,
//! exits without flushing its own telemetry); requests whose prompt reaches `warn_percent`
//! of the model's window (an early warning: the next turns will compact or fail); and
//! repeated compactions, each of which loses detail. **Decides**: the error (critical, once
//! per session); the first request at or above `warn_percent` of the window (warning); the
//! compaction that makes more than `max_compactions` (warning). **False positive**: a long
//! session that compacts by design (a day-long pairing session).

use serde::Deserialize;

use agentobs_schema::{ErrorKind, Event, EventKind};

use crate::alert::Severity;
use crate::rule::{Context, Rule};

/// Thresholds of [`ContextExhaustion`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContextExhaustionConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// Warn when a request's prompt reaches this percentage of the window (default 90).
    pub warn_percent: f64,
    /// Warn when a session compacts more than this many times (default 3).
    pub max_compactions: u64,
    /// Severity of the error (default critical).
    pub severity: Severity,
    /// Severity of the warnings (default warning).
    pub warning_severity: Severity,
}

impl Default for ContextExhaustionConfig {
    fn default() -> Self {
        ContextExhaustionConfig {
            enabled: true,
            warn_percent: 90.0,
            max_compactions: 3,
            severity: Severity::Critical,
            warning_severity: Severity::Warning,
        }
    }
}

/// The `context_exhaustion` rule; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct ContextExhaustion {
    config: ContextExhaustionConfig,
}

impl ContextExhaustion {
    /// The rule with these thresholds.
    pub fn new(config: ContextExhaustionConfig) -> Self {
        ContextExhaustion { config }
    }
}

/// What has fired in a session.
#[derive(Debug, Default)]
pub struct ContextState {
    exceeded: bool,
    warned: bool,
    compactions: u64,
    compactions_fired: bool,
}

impl Rule for ContextExhaustion {
    type State = ContextState;

    fn id(&self) -> &str {
        "context_exhaustion"
    }

    fn event(&self, st: &mut ContextState, event: &Event, cx: &mut Context<'_>) {
        let c = &self.config;
        let exceeded = match &event.kind {
            EventKind::Error(e) => e.kind == Some(ErrorKind::ContextWindowExceeded),
            EventKind::TurnCompleted(t) => t.error == Some(ErrorKind::ContextWindowExceeded),
            _ => false,
        };
        if exceeded {
            if !st.exceeded {
                st.exceeded = true;
                let window = cx.session().context_window;
                let msg = match window {
                    Some(w) => format!("the model's context window ({w} tokens) was exceeded"),
                    None => "the model's context window was exceeded".to_owned(),
                };
                let a = cx.raise(c.severity, msg);
                (a.value, a.threshold) = (window.unwrap_or(0) as f64, window.unwrap_or(0) as f64);
                cx.cite(event);
            }
            return;
        }
        match &event.kind {
            EventKind::TokenUsage(u) if !st.warned && !st.exceeded => {
                let window = u.context_window.or(cx.session().context_window);
                let Some(window) = window.filter(|w| *w > 0) else {
                    return;
                };
                let prompt = u.prompt_tokens.unwrap_or(u.usage.input_tokens);
                let pct = prompt as f64 * 100.0 / window as f64;
                if pct >= c.warn_percent {
                    st.warned = true;
                    let msg = format!(
                        "a request's prompt filled {pct:.0}% of the context window \
                         ({prompt} of {window} tokens)"
                    );
                    let a = cx.raise(c.warning_severity, msg);
                    (a.value, a.threshold) = (pct, c.warn_percent);
                    cx.cite(event);
                }
            }
            EventKind::Compaction(_) => {
                st.compactions += 1;
                if !st.compactions_fired && st.compactions > c.max_compactions {
                    st.compactions_fired = true;
                    let n = st.compactions;
                    let a = cx.raise(
                        c.warning_severity,
                        format!("the session compacted {n} times"),
                    );
                    (a.value, a.threshold) = (n as f64, c.max_compactions as f64);
                    cx.cite(event);
                }
            }
            _ => {}
        }
    }
}
