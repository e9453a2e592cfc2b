//! Gemini CLI sources for agentobs: the chat-log reader.
//!
//! Gemini CLI writes each session to `~/.gemini/tmp/<project>/chats/session-*.jsonl`: a JSONL
//! *patch log* — a header line, `$set` records, and message records that may be written more
//! than once with the same `id` (a response that calls tools is written again with its
//! `toolCalls`). [`ChatReader`] upserts records by id and feeds the final state to an
//! [`EventSink`](agentobs_schema::EventSink); [`discover`] finds the files.
//!
//! Accounting: `tokens.input` is the whole prompt (cached included, Codex semantics as is);
//! `tokens.tool` is prompt too; `tokens.thoughts` is output, reported as reasoning.
//!
//! Tool calls are tool results with their `status`. The chat log records no approval
//! decision, so the reader gives no tool decisions; Gemini CLI's OTLP export does (the
//! `decision` of `gemini_cli.tool_call`, read by the `otlp` module).
//!
//! ```
//! use agentobs_gemini::{ChatReader, ReadOptions};
//! use agentobs_schema::{Collect, EventKind};
//!
//! let log = concat!(
//!     r#"{"sessionId":"s1","startTime":"2026-11-25T08:48:53.982Z","kind":"main"}"#, "\n",
//!     r#"{"id":"g1","timestamp":"2026-11-25T08:48:54.090Z","type":"gemini","content":"hi","tokens":{"input":100,"output":4,"cached":60,"thoughts":6,"tool":0,"total":110},"model":"gemini-2.5-pro"}"#, "\n",
//!     r#"{"id":"g1","timestamp":"2026-11-25T08:48:54.090Z","type":"gemini","content":"hi","tokens":{"input":100,"output":4,"cached":60,"thoughts":6,"tool":0,"total":110},"model":"gemini-2.5-pro","toolCalls":[]}"#, "\n",
//! );
//! let mut sink = Collect::default();
//! let _ = ChatReader::new(log.as_bytes(), "mem.jsonl", ReadOptions::default()).feed(&mut sink);
//! let usages: Vec<_> = sink.events.iter().filter_map(|e| match &e.kind {
//!     EventKind::TokenUsage(u) => Some(u.usage),
//!     _ => None,
//! }).collect();
//! assert_eq!(usages.len(), 1);
//! assert_eq!((usages[0].input_tokens, usages[0].output_tokens, usages[0].reasoning_output_tokens), (100, 10, 6));
//! ```

#![warn(unreachable_pub, missing_debug_implementations)]

mod discover;
mod line;
#[cfg(feature = "otlp")]
pub mod otlp;
mod reader;

pub use discover::{ChatFile, DiscoverError, default_homes, discover, discover_in};
pub use reader::{ChatReader, ReadError, ReadOptions, read_client_error};
