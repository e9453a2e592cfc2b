//! Codex CLI sources for agentobs.
//!
//! [`RolloutReader`] turns one rollout file (`$CODEX_HOME/sessions/…/rollout-*.jsonl`) into a
//! stream of [`agentobs_schema::Event`]s, with exact token accounting; [`discover`] finds the
//! rollouts under files, folders and Codex homes, counting a thread once even when it sits in
//! both `sessions/` and `archived_sessions/`.
//!
//! Every rollout generation is read: the pre-2025-09 bare lines, the `{timestamp,type,payload}`
//! envelope with and without `ordinal`, and the kinds 0.169 added.

mod accounting;
mod classify;
mod config;
mod discover;
mod fastpath;
mod lines;
pub mod names;
mod raw;
mod reader;
mod warning;

pub use accounting::{Accountant, RowOutcome, Totals};
pub use config::{CodexConfig, ConfigError};
pub use discover::{
    DiscoverError, RolloutFile, default_codex_home, discover, discover_home, discover_unstated,
};
pub use reader::{ReadError, ReadMode, ReadOptions, ReaderState, RolloutReader};
pub use warning::{FileStats, Warning, WarningKind};
