//! Exporters for agentobs: records mapped by a dialect (`agentobs-semconv`) to OTLP.
//!
//! - [`otlp`]: neutral records to OTLP protocol messages (`opentelemetry-proto` types),
//!   grouped by resource and scope;
//! - [`OtlpJsonWriter`]: OTLP-JSON lines, the OpenTelemetry Collector file exporter's format;
//! - [`OtlpHttpExporter`]: OTLP/HTTP (protobuf or JSON) to a collector or backend;
//! - [`sdk`]: spans through the OpenTelemetry SDK's exporters (`opentelemetry-otlp` or any
//!   `SpanExporter`), ids and times kept;
//! - [`sdk_logs`]: log records through the SDK's log exporters, times and trace context kept;
//! - [`Destinations`]: each signal to where a [`config::ExportConfig`] says;
//! - [`pipeline`]: one event stream fanned out to sinks, each behind a bounded queue on its
//!   own thread — the emitting thread never waits on I/O;
//! - [`sinks`]: OTLP through a dialect, JSONL event files rotating by size, stdout, and
//!   mapped signals in memory;
//! - [`layer`]: a `tracing` layer turning Codex-style `codex.*` events into typed events,
//!   and an export filter by target prefix;
//! - [`prometheus`]: metric points accumulated for Prometheus and served in the text
//!   exposition format at `/metrics` on a loopback address;
//! - [`config`]: where each signal goes, from flags, the `OTEL_*` variables and Codex's
//!   `[otel]` section, with a documented precedence.

#![warn(unreachable_pub, missing_debug_implementations)]

mod batch;
mod breaker;
pub mod config;
mod exec;
#[cfg(feature = "grpc")]
mod grpc;
mod http;
mod jsonl;
pub mod layer;
pub mod otlp;
pub mod pipeline;
pub mod prometheus;
mod route;
pub mod sdk;
pub mod sdk_logs;
pub mod sinks;
mod tls;

pub use http::{ExportError, MAX_BODY_BYTES, OtlpHttpExporter, Protocol, SendStats};
pub use jsonl::{DEFAULT_BATCH, OtlpJsonWriter, WriteStats};
/// The OTLP protocol types, re-exported.
pub use opentelemetry_proto::tonic as proto;
pub use route::{Delivered, Destinations};
pub use tls::install_tls_provider;
