//! agentobs: telemetry for coding agents.
//!
//! One typed event stream from every source — Codex rollouts today, OTLP and other harnesses
//! next — read by cost, anomaly and export consumers. This facade re-exports the parts:
//!
//! - [`schema`]: the event model (`agentobs.event/v1`);
//! - [`codex`]: the Codex rollout reader with exact token accounting;
//! - [`cost`]: the offline price book, per-request pricing and roll-ups;
//! - [`anomaly`]: streaming anomaly rules with evidence, baselines and a tool-call policy;
//! - [`semconv`]: pluggable semantic mapping (Codex, OpenTelemetry GenAI, OpenInference);
//! - [`export`]: OTLP exporters, the sink [`Pipeline`](export::pipeline::Pipeline), JSONL and
//!   in-memory sinks;
//! - [`telemetry`]: the emit API for Rust harnesses ([`Telemetry`] → [`Session`]).
//!
//! ```no_run
//! use agentobs::codex::{discover, ReadOptions, RolloutReader};
//! use agentobs::schema::EventKind;
//!
//! let files = discover(&["/home/me/.codex".into()]).unwrap();
//! let mut input_tokens = 0;
//! for file in files {
//!     for event in RolloutReader::open(&file.path, ReadOptions::tokens()).unwrap().flatten() {
//!         if let EventKind::TokenUsage(u) = &event.kind {
//!             input_tokens += u.usage.input_tokens;
//!         }
//!     }
//! }
//! println!("{input_tokens} input tokens");
//! ```

pub use agentobs_anomaly as anomaly;
pub use agentobs_codex as codex;
pub use agentobs_cost as cost;
pub use agentobs_export as export;
pub use agentobs_schema as schema;
pub use agentobs_semconv as semconv;

mod pricing;
pub use pricing::BookPricer;
pub mod telemetry;
pub use telemetry::{Session, Telemetry};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
