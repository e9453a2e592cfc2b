//! Test kit for agentobs users: a harness's telemetry tested in a few lines.
//!
//! - [`TestTelemetry`]: a [`Telemetry`](agentobs::Telemetry) whose sinks keep, in memory, the
//!   events *and* the spans, log records and metric points of any dialect; [`Captured`] holds
//!   them after [`finish`](TestTelemetry::finish);
//! - [`Query`]: fluent expectations (`named`, `with`, `has`, `lacks`, `assert_one`,
//!   `assert_count`) whose failures list what was captured instead, nearest match first;
//! - [`snapshot`]: text snapshots with ids, timestamps and durations redacted;
//! - [`SessionBuilder`]: one agent session as events, written as a Codex rollout of any
//!   [`Generation`] or emitted through the emit API, with the same events either way;
//! - [`receiver`]: an in-process OTLP receiver (gRPC and HTTP, protobuf and JSON, gzip) on
//!   127.0.0.1 that decodes what it gets and can be told to fail, stall or drop.
//!
//! ```
//! use std::time::Duration;
//! use agentobs::telemetry::ToolCall;
//! use agentobs::schema::TokenUsage;
//! use agentobs_testing::{TestTelemetry, ctx};
//!
//! let kit = TestTelemetry::genai();
//! let session = kit.session(ctx("my-agent", "gpt-5"));
//! session.token_usage(TokenUsage { input_tokens: 1000, output_tokens: 100, ..Default::default() });
//! session.tool_result(ToolCall { tool: "shell", call_id: "c1", success: true,
//!                                duration: Duration::from_millis(40), ..Default::default() });
//! session.end();
//! let got = kit.finish();
//! got.spans().named("execute_tool shell").with("gen_ai.tool.name", "shell").assert_one();
//! got.assert_cost_usd(0.00225); // gpt-5: 1000 × $1.25/M in + 100 × $10/M out
//! ```

#![warn(unreachable_pub, missing_debug_implementations)]

mod capture;
pub mod expect;
pub mod receiver;
pub mod rollout;
mod session;
pub mod snapshot;

pub use capture::{Captured, FINISH_DEADLINE, KitError, TestTelemetry, TestTelemetryBuilder};
pub use expect::{Inspect, Mismatch, Query};
pub use receiver::{Receiver, ReceiverBuilder};
pub use rollout::{Generation, Written};
pub use session::{DEFAULT_CONTEXT_WINDOW, DEFAULT_START, SessionBuilder, uuid};

use agentobs::schema::{Harness, SessionContext};

/// A session context for a harness named `harness` using `model`, with a fixed thread id
/// (the shortest context the mapped signals need).
pub fn ctx(harness: &str, model: &str) -> SessionContext {
    let mut c = SessionContext::new(Harness::Other(harness.into()));
    c.thread_id = Some(uuid(1));
    c.model = Some(model.into());
    c
}
