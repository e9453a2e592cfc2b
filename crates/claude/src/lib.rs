//! Claude Code sources for agentobs: the transcript reader.
//!
//! Claude Code writes one JSONL transcript per session under
//! `~/.claude/projects/<dash-encoded cwd>/<session id>.jsonl` (or under
//! `$CLAUDE_CONFIG_DIR/projects`), and sub-agent (sidechain) transcripts under
//! `<project>/<session id>/subagents/`. [`TranscriptReader`] turns one file into
//! [`agentobs_schema::Event`]s fed to an [`EventSink`](agentobs_schema::EventSink); [`discover`] finds the files.
//!
//! Accounting follows the harness's own per-request figures:
//! - each assistant content block is its own line repeating the message's full usage, so
//!   usage is billed once per `message.id` + `requestId` ([`SeenRequests`], shared between
//!   files so a session copied by `--resume` / `--continue` is counted once);
//! - Anthropic's `input_tokens` excludes cache reads and writes: the reader adds them back,
//!   since [`TokenUsage`](agentobs_schema::TokenUsage) has Codex semantics;
//! - the synthetic API-error message (`isApiErrorMessage`, model `<synthetic>`) is an error,
//!   never billed.
//!
//! ```
//! use agentobs_claude::{ReadOptions, TranscriptReader};
//! use agentobs_schema::{Collect, EventKind};
//!
//! let line = br#"{"type":"assistant","sessionId":"s1","timestamp":"2026-11-25T08:48:22.345Z","requestId":"req_1","message":{"id":"msg_1","model":"claude-opus-4-8","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":0,"output_tokens":5}}}"#;
//! let mut sink = Collect::default();
//! TranscriptReader::new(&line[..], "mem.jsonl", ReadOptions::default()).feed(&mut sink);
//! let usage = sink.events.iter().find_map(|e| match &e.kind {
//!     EventKind::TokenUsage(u) => Some(u.usage),
//!     _ => None,
//! });
//! assert_eq!(usage.map(|u| (u.input_tokens, u.cached_input_tokens)), Some((100, 90)));
//! ```

#![warn(unreachable_pub, missing_debug_implementations)]

mod discover;
mod line;
#[cfg(feature = "otlp")]
pub mod otlp;
mod reader;
mod record;

pub use discover::{DiscoverError, TranscriptFile, default_homes, discover, discover_in};
pub use reader::{ReadError, ReadOptions, SeenRequests, TranscriptReader};
