//! `api_reliability` — the model API is failing under the agent.
//!
//! **Catches**: bursts of server errors, 429s, cut streams and connection failures (each
//! retried silently by the harness, so a session looks slow rather than broken);
//! usage-limit errors (the plan is exhausted: nothing will work until the window resets);
//! rate-limit windows nearly used up. **Decides**: `burst` failures within `window_seconds`
//! (warning; then the count starts again); a usage-limit error (critical, once); a
//! rate-limit snapshot with a window at or above `rate_limit_percent` (warning, once per
//! session). Failures are API requests with status ≥ 500 or 429 or an error, stream and
//! WebSocket events with an error, and the error events of those kinds. Retries are in
//! Codex's OTLP, not in its rollouts, so on rollouts alone bursts show only when the errors
//! reached the session. **False positive**: a provider incident every session sees at once
//! (one alert per session, not per incident).

use std::collections::VecDeque;

use serde::Deserialize;

use agentobs_schema::{ErrorKind, Event, EventKind, Timestamp};

use crate::alert::{Evidence, Severity};
use crate::rule::{Context, Rule};

/// Thresholds of [`ApiReliability`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiReliabilityConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// Failures within the window that make a burst (default 5).
    pub burst: usize,
    /// The window, seconds (default 300).
    pub window_seconds: u64,
    /// Warn when a rate-limit window is at least this full, percent (default 90).
    pub rate_limit_percent: f64,
    /// Severity of bursts and rate limits (default warning).
    pub severity: Severity,
    /// Severity of a usage-limit error (default critical).
    pub usage_limit_severity: Severity,
}

impl Default for ApiReliabilityConfig {
    fn default() -> Self {
        ApiReliabilityConfig {
            enabled: true,
            burst: 5,
            window_seconds: 300,
            rate_limit_percent: 90.0,
            severity: Severity::Warning,
            usage_limit_severity: Severity::Critical,
        }
    }
}

/// The `api_reliability` rule; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct ApiReliability {
    config: ApiReliabilityConfig,
}

impl ApiReliability {
    /// The rule with these thresholds.
    pub fn new(config: ApiReliabilityConfig) -> Self {
        ApiReliability { config }
    }
}

/// Recent failures of a session.
#[derive(Debug, Default)]
pub struct ReliabilityState {
    recent: VecDeque<(Timestamp, Evidence)>,
    usage_limit: bool,
    rate_limit: bool,
}

fn is_failure(event: &Event) -> bool {
    match &event.kind {
        EventKind::ApiRequest(r) => {
            r.status_code.is_some_and(|s| s >= 500 || s == 429) || r.error.is_some()
        }
        EventKind::StreamEvent(s) => s.error.is_some(),
        EventKind::WebSocketConnect(w) => w.error.is_some() || w.success == Some(false),
        EventKind::WebSocketRequest(w) => w.error.is_some() || w.success == Some(false),
        EventKind::Error(e) => matches!(
            e.kind,
            Some(
                ErrorKind::ServerOverloaded
                    | ErrorKind::HttpConnectionFailed
                    | ErrorKind::ResponseStreamConnectionFailed
                    | ErrorKind::ResponseStreamDisconnected
                    | ErrorKind::ResponseTooManyFailedAttempts
                    | ErrorKind::InternalServerError
                    | ErrorKind::RateLimited
            )
        ),
        _ => false,
    }
}

impl Rule for ApiReliability {
    type State = ReliabilityState;

    fn id(&self) -> &str {
        "api_reliability"
    }

    fn event(&self, st: &mut ReliabilityState, event: &Event, cx: &mut Context<'_>) {
        let c = &self.config;
        if let EventKind::Error(e) = &event.kind
            && e.kind == Some(ErrorKind::UsageLimitExceeded)
        {
            if !st.usage_limit {
                st.usage_limit = true;
                let a = cx.raise(c.usage_limit_severity, "the plan's usage limit was reached");
                (a.value, a.threshold) = (1.0, 0.0);
                cx.cite(event);
            }
            return;
        }
        if let EventKind::RateLimits(r) = &event.kind {
            let fullest = [&r.primary, &r.secondary]
                .into_iter()
                .flatten()
                .map(|w| w.used_percent)
                .fold(f64::NAN, f64::max);
            if !st.rate_limit && fullest >= c.rate_limit_percent {
                st.rate_limit = true;
                let msg = format!("a rate-limit window is {fullest:.0}% used");
                let a = cx.raise(c.severity, msg);
                (a.value, a.threshold) = (fullest, c.rate_limit_percent);
                cx.cite(event);
            }
            return;
        }
        if !is_failure(event) {
            return;
        }
        let window_ms = i64::try_from(c.window_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
        st.recent.push_back((event.at, Evidence::of(event)));
        while let Some((t, _)) = st.recent.front() {
            if event.at.millis_since(*t) > window_ms || st.recent.len() > c.burst.max(1) {
                st.recent.pop_front();
            } else {
                break;
            }
        }
        if st.recent.len() >= c.burst.max(1) {
            let n = st.recent.len();
            let msg = format!("{n} API failures within {} s", c.window_seconds);
            let evidence: Vec<Evidence> = st.recent.drain(..).map(|(_, e)| e).collect();
            let a = cx.raise(c.severity, msg);
            (a.value, a.threshold) = (n as f64, c.burst as f64);
            a.evidence = evidence;
        }
    }
}
