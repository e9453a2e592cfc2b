//! Streaming anomaly rules for coding-agent sessions.
//!
//! Agents fail in ways that look like success: a shell command exits 2 and the harness logs
//! `success = true`; a session quietly makes three times its usual tool calls; a call the
//! team's policy forbids is approved by configuration. This crate finds those in the event
//! stream, with evidence a person can follow to the line.
//!
//! - A [`Rule`] sees every event of a session in order, keeps its own state per session, and
//!   raises [`Alert`]s with evidence ([`Evidence`]: `path:line`, trace and span ids).
//! - The [`Engine`] runs many rules over one stream — it is an
//!   [`EventSink`](agentobs_schema::EventSink) — with bounded memory: state per open session,
//!   sessions ended when their source ends, when idle, or when too many are open.
//! - The built-in rules ([`rules`]) with thresholds from TOML ([`RuleSet`]) and baselines
//!   learned from history ([`BaselineBuilder`], [`Baselines`]).
//! - [`prometheus`]: the metric-based equivalents of the rules as Prometheus alerting rules,
//!   over the dialects' metrics under each OTLP name translation; [`grafana`]: a dashboard
//!   per dialect over the same metrics.
//! - [`Policy`]: the commands, paths and network access a call must not have; the same
//!   policy drives the approval-bypass rule and Codex's `PreToolUse` hook.
//!
//! ```
//! use std::sync::Arc;
//! use agentobs_anomaly::{Engine, RuleSet, Severity};
//! use agentobs_schema::*;
//!
//! let mut engine = Engine::builder().rules(RuleSet::default()).build();
//! let mut ctx = SessionContext::new(Harness::Codex);
//! ctx.thread_id = Some("t1".into());
//! let ctx = Arc::new(ctx);
//! let at = Timestamp::parse_rfc3339("2026-11-25T08:21:10Z").unwrap();
//! let mut error = ErrorEvent::new("Codex ran out of room in the model's context window");
//! error.kind = Some(ErrorKind::ContextWindowExceeded);
//! let event = Event::new(at, ctx, EventKind::Error(error)).with_src("rollout.jsonl".into(), 7);
//! let _ = engine.event(&event);
//! let alerts = engine.finish();
//! assert_eq!(alerts.len(), 1);
//! assert_eq!(&*alerts[0].rule, "context_exhaustion");
//! assert_eq!(alerts[0].severity, Severity::Critical);
//! assert_eq!(alerts[0].evidence[0].to_string(), "rollout.jsonl:7");
//! ```

#![warn(unreachable_pub, missing_debug_implementations)]

mod alert;
mod baseline;
mod config;
mod engine;
pub mod grafana;
pub mod policy;
pub mod prometheus;
mod rule;
pub mod rules;

pub use alert::{ALERTS_SCHEMA, Alert, AlertReport, Evidence, Severity};
pub use baseline::{
    BASELINE_SCHEMA, BaselineBuilder, BaselineError, BaselineStats, Baselines,
    DEFAULT_MIN_SESSIONS, Quantiles,
};
pub use config::{RuleSet, RulesError};
pub use engine::{
    DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_SESSIONS, Engine, EngineBuilder, EngineStats, Tap,
};
pub use policy::{Policy, PolicyError, Violation};
pub use rule::{Context, Rule, SessionFacts};

#[cfg(test)]
mod tests;
