//! Codex CLI sources for agentobs.
//!
//! [`RolloutReader`] turns one rollout file (`$CODEX_HOME/sessions/…/rollout-*.jsonl`) into a
//! stream of [`agentobs_schema::Event`]s, with exact token accounting; [`Discovery`] (or its
//! shorthand [`discover`]) finds the rollouts under files, folders and Codex homes, counting a
//! thread once even when it sits in both `sessions/` and `archived_sessions/`.
//!
//! [`log_event`] decodes one of Codex's own `codex.*` business events — the fields of a
//! `tracing` event, or the attributes of the OTLP log record Codex's exporter makes of it —
//! into the same typed events. [`follow::Follower`] follows rollouts while Codex writes
//! them (new files, appended lines; inotify with a polling fallback).
//!
//! Every rollout generation is read: the pre-2025-09 bare lines, the `{timestamp,type,payload}`
//! envelope with and without `ordinal`, and the kinds 0.169 added.

#![warn(unreachable_pub, missing_debug_implementations)]
// Everything here reads untrusted files: no index or slice that can panic, no arithmetic that
// can overflow. Tests may index freely.
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

mod accounting;
mod classify;
mod config;
mod discover;
mod fastpath;
pub mod follow;
mod guard;
pub mod hooks;
mod lines;
pub mod log_event;
pub mod names;
pub mod otel;
#[cfg(feature = "otlp")]
pub mod otlp;
mod raw;
mod reader;
mod stats;

pub use accounting::ACCOUNTING_VERSION;
pub use agentobs_schema::{Warning, WarningKind};
pub use config::{CodexConfig, ConfigError};
pub use discover::{
    DiscoverError, Discovery, RolloutFile, default_codex_home, discover, discover_home,
};
// Until its callers are ported to `Discovery`.
#[allow(deprecated)]
pub use discover::discover_unstated;
pub use guard::guard_file;
pub use reader::{ReadError, ReadMode, ReadOptions, ReaderState, RolloutReader};
pub use stats::FileStats;
