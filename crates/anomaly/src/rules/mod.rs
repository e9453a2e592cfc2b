//! The built-in rules. Each module documents the failure its rule catches, how it decides,
//! its defaults and a known false positive; `docs/anomaly.md` lists them side by side.

mod approval;
mod context;
mod false_success;
mod latency;
mod reliability;
mod runaway;
mod storm;
mod tool_loop;

pub use approval::{ApprovalBypass, ApprovalBypassConfig};
pub use context::{ContextExhaustion, ContextExhaustionConfig};
pub use false_success::{FalseSuccess, FalseSuccessConfig};
pub use latency::{LatencyRegression, LatencyRegressionConfig};
pub use reliability::{ApiReliability, ApiReliabilityConfig};
pub use runaway::{RunawaySession, RunawaySessionConfig};
pub use storm::{ToolCallStorm, ToolCallStormConfig};
pub use tool_loop::{ToolLoop, ToolLoopConfig};

use agentobs_schema::{Event, EventKind, Redacted};

/// The text of a tool call's arguments, when the source kept it.
pub(crate) fn arguments(event: &Event) -> Option<&str> {
    match &event.kind {
        EventKind::ToolResult(r) => match &r.arguments {
            Redacted::Shown(s) => Some(s.as_str()),
            Redacted::Withheld(_) => None,
        },
        _ => None,
    }
}

/// Whether a tool result is a failure: a non-zero exit code, or `success = false`.
pub(crate) fn failed(r: &agentobs_schema::ToolResult) -> bool {
    r.exit_code.is_some_and(|c| c != 0) || r.success == Some(false)
}

/// `1234567` → `1.23M`, for messages.
pub(crate) fn human(n: f64) -> String {
    let a = n.abs();
    if a >= 1e9 {
        format!("{:.2}G", n / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.2}")
    }
}
