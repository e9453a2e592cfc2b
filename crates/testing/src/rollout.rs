//! Codex rollout files written from a session's events, in each generation's shape.
//!
//! | [`Generation`] | lines | what it records |
//! |---|---|---|
//! | [`Current`](Generation::Current) (CLI 0.169–0.171) | `{timestamp,ordinal,type,payload}`: `session_meta`, `task_started`, `turn_context`, `user_message` + user `message`, `function_call` + `function_call_output`, `token_usage_record` + `token_count`, `task_complete` | everything the builder makes except API requests and errors |
//! | [`Envelope2025`](Generation::Envelope2025) (autumn 2025) | `{timestamp,type,payload}`: `session_meta`, `turn_context` (no turn id), `user_message`, the calls, `token_count`, `task_complete` | no turn starts, no turn ids, no response ids |
//! | [`Legacy2025`](Generation::Legacy2025) (before 2025-09) | bare objects: a meta line, then response items | session, prompts and tool calls only: no tokens, no turns, no settings, no model |
//!
//! [`normalize`] turns events into what a generation can carry, so a session emitted through
//! the emit API and the same session written and read back compare equal.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use agentobs::schema::{Event, EventKind, SessionStarted, Timestamp, TokenUsage};
use serde_json::{Value, json};

/// A shape of rollout file, by the Codex CLI versions that wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Generation {
    /// Codex CLI 0.169–0.171 (late 2026): `ordinal` on every line, `token_usage_record`.
    Current,
    /// The `{timestamp,type,payload}` envelope of autumn 2025 (CLI 0.4x): `turn_context`
    /// without turn ids, usage in `token_count` only.
    Envelope2025,
    /// Before September 2025: bare JSON objects, no envelope, no token counts.
    Legacy2025,
}

impl Generation {
    /// Every generation, newest first.
    pub const ALL: [Generation; 3] = [
        Generation::Current,
        Generation::Envelope2025,
        Generation::Legacy2025,
    ];

    /// The CLI version it writes into `session_meta` (or `None`: legacy files have none).
    pub fn cli_version(self) -> Option<&'static str> {
        match self {
            Generation::Current => Some("0.171.0"),
            Generation::Envelope2025 => Some("0.47.0"),
            Generation::Legacy2025 => None,
        }
    }
}

/// What [`write()`] wrote.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// Lines written.
    pub lines: u64,
    /// Event types left out because the generation cannot record them.
    pub skipped: Vec<&'static str>,
}

/// `rollout-YYYY-MM-DDThh-mm-ss-<thread id>.jsonl` for the first event's time (UTC).
pub fn file_name(events: &[Event]) -> String {
    let (at, id) = events
        .first()
        .map(|e| {
            let id = e.ctx.thread_or_session_id().unwrap_or("session").to_owned();
            (e.at, id)
        })
        .unwrap_or((Timestamp::from_unix_millis(0), "session".into()));
    let t = at.to_string();
    let stamp = t.get(..19).unwrap_or(&t).replace(':', "-");
    format!("rollout-{stamp}-{id}.jsonl")
}

/// The text of a tool's output as the builder writes it into `function_call_output`.
pub fn tool_output_text(exit_code: i64, wall_ms: u64, output: &str) -> String {
    format!(
        "Process exited with code {exit_code}\nWall time: {}.{:03} seconds\nOutput:\n{output}",
        wall_ms / 1000,
        wall_ms % 1000
    )
}

struct Out {
    w: BufWriter<File>,
    generation: Generation,
    ordinal: u64,
}

impl Out {
    fn line(&mut self, at: Timestamp, kind: &str, payload: Value) -> std::io::Result<()> {
        let v = match self.generation {
            Generation::Current => {
                json!({"timestamp": at.to_string(), "ordinal": self.ordinal, "type": kind, "payload": payload})
            }
            Generation::Envelope2025 => {
                json!({"timestamp": at.to_string(), "type": kind, "payload": payload})
            }
            Generation::Legacy2025 => payload,
        };
        self.ordinal += 1;
        serde_json::to_writer(&mut self.w, &v)?;
        self.w.write_all(b"\n")
    }
}

fn usage_json(u: &TokenUsage, current: bool) -> Value {
    let mut v = json!({
        "input_tokens": u.input_tokens,
        "cached_input_tokens": u.cached_input_tokens,
        "output_tokens": u.output_tokens,
        "reasoning_output_tokens": u.reasoning_output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens,
    });
    if current {
        v["cache_write_input_tokens"] = json!(u.cache_write_input_tokens);
    }
    v
}

/// Writes `events` to `path` as a rollout of `generation`; `started` gives the settings the
/// turn contexts carry; `texts` the withheld text by event index (a prompt, or a tool's
/// arguments and full output).
pub fn write(
    path: &Path,
    events: &[Event],
    started: &SessionStarted,
    texts: &BTreeMap<usize, (String, String)>,
    generation: Generation,
) -> std::io::Result<Written> {
    let mut out = Out {
        w: BufWriter::new(File::create(path)?),
        generation,
        ordinal: 0,
    };
    let mut skipped = Vec::new();
    let current = generation == Generation::Current;
    let none = (String::new(), String::new());
    for (i, e) in events.iter().enumerate() {
        let (text, more) = texts.get(&i).unwrap_or(&none);
        let ctx = &e.ctx;
        match (&e.kind, generation) {
            (EventKind::SessionStarted(_), Generation::Legacy2025) => {
                let mut meta = json!({"id": ctx.thread_id, "timestamp": e.at.to_string(), "instructions": null});
                if let Some(g) = &ctx.git {
                    meta["git"] = json!({"repository_url": g.remote_url, "branch": g.branch, "commit_hash": g.commit});
                }
                out.line(e.at, "", meta)?;
            }
            (EventKind::SessionStarted(_), _) => {
                let mut meta = json!({
                    "id": ctx.thread_id, "timestamp": e.at.to_string(), "cwd": ctx.cwd,
                    "originator": ctx.originator, "cli_version": generation.cli_version(),
                    "source": ctx.source, "model_provider": ctx.model_provider,
                });
                if current {
                    meta["session_id"] = json!(ctx.session_id);
                } else {
                    meta["instructions"] = Value::Null;
                }
                if let Some(g) = &ctx.git {
                    meta["git"] = json!({"repository_url": g.remote_url, "branch": g.branch, "commit_hash": g.commit});
                }
                out.line(e.at, "session_meta", meta)?;
            }
            (EventKind::TurnStarted(t), Generation::Legacy2025) => {
                let _ = t;
                skipped.push(e.kind.type_name());
            }
            (EventKind::TurnStarted(t), _) => {
                if current {
                    out.line(
                        e.at,
                        "event_msg",
                        json!({"type": "task_started", "turn_id": t.turn_id,
                               "started_at": e.at.unix_millis() / 1000,
                               "model_context_window": t.context_window,
                               "collaboration_mode_kind": "default"}),
                    )?;
                } else {
                    skipped.push(e.kind.type_name());
                }
                let mut tc = json!({
                    "cwd": ctx.cwd, "approval_policy": started.approval_policy,
                    "sandbox_policy": {"type": started.sandbox_policy},
                    "model": ctx.model, "summary": started.reasoning_summary,
                });
                if let Some(effort) = &started.reasoning_effort {
                    tc["effort"] = json!(effort);
                }
                if current {
                    tc["turn_id"] = json!(t.turn_id);
                }
                out.line(e.at, "turn_context", tc)?;
            }
            (EventKind::UserPrompt(_), Generation::Legacy2025) => {
                out.line(
                    e.at,
                    "",
                    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}),
                )?;
            }
            (EventKind::UserPrompt(_), _) => {
                out.line(
                    e.at,
                    "event_msg",
                    json!({"type": "user_message", "message": text, "images": [], "local_images": [], "text_elements": []}),
                )?;
                out.line(
                    e.at,
                    "response_item",
                    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}),
                )?;
            }
            (EventKind::ToolResult(r), _) => {
                let called = Timestamp::from_unix_millis(
                    e.at.unix_millis() - r.duration_ms.unwrap_or(0) as i64,
                );
                let call = json!({"type": "function_call", "name": r.tool, "arguments": text, "call_id": r.call_id});
                let output = if generation == Generation::Legacy2025 {
                    let body = more
                        .split_once("\nOutput:\n")
                        .map_or(more.as_str(), |(_, o)| o);
                    let secs = r.process_duration_ms.unwrap_or(0) as f64 / 1000.0;
                    // Codex wrote `output` before `metadata`; keep that order.
                    let inner = format!(
                        r#"{{"output":{},"metadata":{{"exit_code":{},"duration_seconds":{secs}}}}}"#,
                        Value::from(body),
                        r.exit_code.unwrap_or(0)
                    );
                    json!({"type": "function_call_output", "call_id": r.call_id, "output": inner})
                } else {
                    json!({"type": "function_call_output", "call_id": r.call_id, "output": more})
                };
                out.line(called, "response_item", call)?;
                out.line(e.at, "response_item", output)?;
            }
            (EventKind::TokenUsage(u), Generation::Current | Generation::Envelope2025) => {
                let cumulative = u.cumulative.unwrap_or(u.usage);
                if current {
                    out.line(
                        e.at,
                        "token_usage_record",
                        json!({"thread_id": ctx.thread_id, "turn_id": u.turn_id,
                               "session_id": ctx.session_id, "response_id": u.response_id,
                               "usage": usage_json(&u.usage, true),
                               "thread_token_usage": usage_json(&cumulative, true)}),
                    )?;
                }
                out.line(
                    e.at,
                    "event_msg",
                    json!({"type": "token_count", "info": {
                        "total_token_usage": usage_json(&cumulative, current),
                        "last_token_usage": usage_json(&u.usage, current),
                        "model_context_window": u.context_window}, "rate_limits": null}),
                )?;
            }
            (EventKind::TurnCompleted(t), Generation::Current | Generation::Envelope2025) => {
                let mut p = json!({"type": "task_complete", "completed_at": e.at.unix_millis() / 1000,
                                   "duration_ms": t.duration_ms});
                if current {
                    p["turn_id"] = json!(t.turn_id);
                }
                out.line(e.at, "event_msg", p)?;
            }
            _ => skipped.push(e.kind.type_name()),
        }
    }
    out.w.flush()?;
    Ok(Written {
        path: path.to_owned(),
        lines: out.ordinal,
        skipped,
    })
}

/// The events as JSON values with what `generation` cannot carry taken out, for comparing a
/// session emitted through the emit API with the same session written as a rollout and read
/// back. What is taken out, and why:
///
/// - `src` everywhere: emitted events come from no file;
/// - events of a type the generation does not record (API requests, errors; turn starts and
///   ends before the current generation; tokens and turns in legacy files);
/// - `ctx.model` and `reasoning_effort` on a current-generation `turn_started`: Codex writes
///   the turn's model in the `turn_context` line *after* `task_started`, so a reader cannot
///   know it yet;
/// - in autumn-2025 files, turn ids and response ids (not written then), the app version
///   (the file carries the CLI version of its generation) and the session's context window
///   (known only from the first token count then);
/// - in legacy files, everything the bare meta line lacks (settings, model, provider,
///   originator, version, source, cwd), the times of later lines (bare lines carry none, so
///   a reader dates them by the meta line), a tool's duration (only the process's is
///   recorded) and the output length (legacy output is wrapped in a JSON object).
pub fn normalize(events: &[Event], generation: Generation) -> Vec<Value> {
    let mut out = Vec::new();
    for e in events {
        let kind = e.kind.type_name();
        let recorded = match generation {
            Generation::Current => !matches!(kind, "api_request" | "error"),
            Generation::Envelope2025 => !matches!(kind, "api_request" | "error" | "turn_started"),
            Generation::Legacy2025 => {
                matches!(kind, "session_started" | "user_prompt" | "tool_result")
            }
        };
        if !recorded {
            continue;
        }
        let mut v = serde_json::to_value(e).unwrap_or_default();
        let Some(obj) = v.as_object_mut() else {
            continue;
        };
        obj.remove("src");
        let drop_ctx: &[&str] = match (generation, kind) {
            (Generation::Current, "turn_started") => &["model", "reasoning_effort"],
            (Generation::Envelope2025, _) => &["app_version"],
            (Generation::Legacy2025, _) => &[
                "model",
                "reasoning_effort",
                "model_provider",
                "originator",
                "app_version",
                "source",
                "cwd",
            ],
            _ => &[],
        };
        if let Some(ctx) = obj.get_mut("ctx").and_then(Value::as_object_mut) {
            for k in drop_ctx {
                ctx.remove(*k);
            }
        }
        match generation {
            Generation::Envelope2025 => {
                obj.remove("turn_id");
                obj.remove("response_id");
                if kind == "session_started" {
                    obj.remove("context_window");
                }
            }
            Generation::Legacy2025 => {
                if kind == "session_started" {
                    obj.retain(|k, _| matches!(k.as_str(), "schema" | "at" | "type" | "ctx"));
                }
                obj.remove("turn_id");
                if kind != "session_started" {
                    obj.remove("at");
                }
                obj.remove("duration_ms");
                if let Some(o) = obj.get_mut("output").and_then(Value::as_object_mut) {
                    o.remove("len");
                }
            }
            Generation::Current => {}
        }
        out.push(v);
    }
    out
}
