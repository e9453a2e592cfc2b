//! The typed event model of agentobs.
//!
//! Every source (Codex rollouts, Codex OTLP, the emit API, other harnesses) turns what it reads
//! into [`Event`]s; every consumer (cost ledger, anomaly rules, exporters) reads them. This crate
//! holds only the model: no I/O, no knowledge of any wire format but its own JSON form,
//! `agentobs.event/v1`.
//!
//! ```
//! use std::sync::Arc;
//! use agentobs_schema::*;
//!
//! let ctx = Arc::new(SessionContext::new(Harness::Codex));
//! // Payloads are `#[non_exhaustive]`: start from `new` (or `Default`) and set fields.
//! let mut error = ErrorEvent::new("out of room");
//! error.kind = Some(ErrorKind::ContextWindowExceeded);
//! let ev = Event::new(
//!     Timestamp::parse_rfc3339("2026-11-25T08:21:10.485Z").unwrap(),
//!     ctx,
//!     EventKind::Error(error),
//! );
//! let json = serde_json::to_string(&ev).unwrap();
//! assert!(json.starts_with(r#"{"schema":"agentobs.event/v1","at":"2026-11-25T08:21:10.485Z","type":"error""#));
//! let back: Event = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, ev);
//! ```

#![warn(unreachable_pub, missing_debug_implementations)]

mod context;
mod event;
mod names;
mod redact;
mod sink;
mod time;
mod usage;
mod value;
mod warning;

pub use context::{Account, GitInfo, Harness, SessionContext, SubAgent, normalize_remote};
pub use event::{
    AlertRaised, AlertSeverity, ApiRequest, Compaction, Decision, DecisionSource, EVENT_SCHEMA,
    ErrorEvent, ErrorKind, Event, EventKind, GuardianReview, OtherEvent, RateLimitSnapshot,
    RateLimitWindow, SchemaId, SessionStarted, SourcePos, StreamEvent, StreamTransport,
    TokenUsageEvent, ToolDecision, ToolOrigin, ToolResult, TurnCompleted, TurnStarted, UserPrompt,
    WebSocketConnect, WebSocketRequest,
};
pub use redact::{Redacted, WithheldMarker};
pub use sink::{And, Collect, EventSink, SourceEnd};
pub use time::{Timestamp, TimestampError};
pub use usage::TokenUsage;
pub use value::{Attributes, Value};
pub use warning::{Warning, WarningKind};
