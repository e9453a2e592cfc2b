//! Structure-aware fuzzing of the rollout reader: the input drives a generator of rollout
//! rows (`{"timestamp","type","payload":{"type",…}}` with the members Codex writes, usage
//! objects with arbitrary counts, and arbitrary extra members), rendered to JSONL.
//!
//! Each generated file is rendered twice, in the compact form Codex writes (which the byte
//! prefilter and the hand-rolled fast paths read) and in a spaced form (which only the full
//! JSON parser reads), and read in full and token mode. Checked:
//! - no panic;
//! - every line is accounted for: `lines == parsed + skipped + bad`, and `lines` is the number
//!   of lines in the input (less an incomplete last line);
//! - token mode bills exactly what full mode bills (sum of `TokenUsage` events' `usage`);
//! - the compact and the spaced form give the same events (in full mode) and the same bill
//!   (in both modes), when the file is valid JSON and not cut.
#![no_main]

use agentobs_codex::{FileStats, ReadOptions, RolloutReader};
use agentobs_schema::{Event, EventKind, TokenUsage};
use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;

// ------------------------------------------------------------------------------ JSON model

/// A JSON value; numbers and raw fragments keep their exact text.
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    /// Number text (valid JSON).
    Num(String),
    Str(String),
    /// Text written as is (may be invalid JSON: lone surrogates, raw control bytes).
    Raw(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

#[derive(Debug, Clone, Copy)]
struct Style {
    spaced: bool,
    /// Inside the payload, write some characters of string values (and of nested keys) as
    /// `\uXXXX` escapes: the compact header still matches, the fast paths meet escapes.
    escape: bool,
    /// Escape the payload's own `type` too (the prefilter then sees no payload type: the
    /// known divergence described at `type_not_first`).
    escape_type: bool,
}

fn render_str(out: &mut String, s: &str, escape: bool) {
    if escape {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || c == 'e' || c == '_' => {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                }
                c => out.push(c),
            }
        }
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).expect("strings serialize"));
    }
}

/// `depth` 0 is the envelope, 1 the payload object, 2 its members' values.
fn render(out: &mut String, v: &J, style: Style, depth: u32) {
    let (comma, colon) = if style.spaced { (", ", ": ") } else { (",", ":") };
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(s) => render_str(out, s, style.escape && depth >= 2),
        J::Raw(r) => out.push_str(r),
        J::Arr(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                render(out, x, style, depth + 1);
            }
            out.push(']');
        }
        J::Obj(m) => {
            out.push('{');
            if style.spaced {
                out.push(' ');
            }
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                render_str(out, k, style.escape && depth >= 2);
                out.push_str(colon);
                if depth == 1 && k == "type" && !style.escape_type {
                    render(out, x, Style { escape: false, ..style }, depth + 1);
                } else {
                    render(out, x, style, depth + 1);
                }
            }
            if style.spaced {
                out.push(' ');
            }
            out.push('}');
        }
    }
}

/// A row whose payload has a `type` member, not first.
fn type_not_first(row: &J) -> bool {
    let J::Obj(env) = row else { return false };
    env.iter().any(|(k, p)| {
        k == "payload"
            && matches!(p, J::Obj(m) if m.iter().skip(1).any(|(k, _)| k == "type")
                && m.first().is_some_and(|(k, _)| k != "type"))
    })
}

fn has_raw(v: &J) -> bool {
    match v {
        J::Raw(_) => true,
        J::Arr(a) => a.iter().any(has_raw),
        J::Obj(m) => m.iter().any(|(_, x)| has_raw(x)),
        _ => false,
    }
}

// ------------------------------------------------------------------------------ generator

const KINDS: &[&str] = &[
    "session_meta",
    "turn_context",
    "event_msg",
    "response_item",
    "token_usage_record",
    "compacted",
    "world_state",
];

const EVENT_TYPES: &[&str] = &[
    "token_count",
    "task_started",
    "turn_started",
    "task_complete",
    "turn_complete",
    "turn_aborted",
    "user_message",
    "item_completed",
    "thread_settings_applied",
    "error",
    "context_compacted",
    "guardian_assessment",
    "exec_command_end",
    "mcp_tool_call_end",
    "agent_message",
    "agent_reasoning",
    "thread_name_updated",
    "stream_error",
];

const ITEM_TYPES: &[&str] = &[
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "message",
    "reasoning",
    "web_search_call",
    "ghost_snapshot",
];

/// Keys the reader (or its fast paths) looks for, anywhere.
const KEYS: &[&str] = &[
    "type",
    "id",
    "timestamp",
    "payload",
    "info",
    "total_token_usage",
    "last_token_usage",
    "model_context_window",
    "rate_limits",
    "usage",
    "thread_token_usage",
    "turn_token_usage",
    "turn_id",
    "response_id",
    "thread_id",
    "session_id",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
    "model",
    "cwd",
    "source",
    "call_id",
    "name",
    "arguments",
    "output",
    "message",
    "item",
    "content",
    "text",
    "thread_settings",
    "service_tier",
    "forked_from_id",
    "parent_thread_id",
    "record_type",
    "ordinal",
    "é",
    "ключ",
    "",
];

const STRINGS: &[&str] = &[
    "",
    "x",
    "gpt-5",
    "gpt-5.1-codex",
    "openai",
    "resp_1",
    "resp_2",
    "call_1",
    "call_2",
    "cli",
    "C:\\",
    "C:\\Users\\a b",
    "/home/u/p",
    "a\"b",
    "\\",
    "\\\\\"",
    "\u{e9}",
    "\u{1f600}",
    "\u{0}",
    "\u{1}\n\t",
    "\u{feff}",
    "é1a211cb-5d67-7e11-8d91-4c2724a0d00a",
    "01a211cb-5d67-7e11-8d91-4c2724a0d00a",
    "01a211cb-5d6é-7e11-8d91-4c2724a0d00",
    "0000000000000-7000-8000-000000000000",
    "zzzzzzzz-zzzz-7zzz-zzzz-zzzzzzzzzzzz",
    "ffffffff-ffff-7fff-ffff-ffffffffffff",
    "2026-11-25T08:21:10.485Z",
    "Process exited with code 2\nWall time: 0.04 seconds\n",
    "Exit code: -9223372036854775809",
    "Wall time: 1e308 seconds",
    "{\"output\":\"x\",\"metadata\":{\"exit_code\":1,\"duration_seconds\":1e300}}",
    "mcp__server__tool",
    "mcp____",
    "\"info\":",
    "\"total_token_usage\":{\"input_tokens\":5}",
    "UserMessage",
    "CommandExecution",
    "{\"outcome\":\"allow\"}",
];

/// Raw fragments: valid JSON text serde_json and the fast paths may read differently, and a
/// few invalid ones.
const RAW: &[&str] = &[
    "\"\\ud83d\\ude00\"",
    "\"\\ud83d\"",
    "\"\\udc00x\"",
    "\"a\u{1}b\"",
    "\"\\u0000\"",
    "\"\\/\"",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "-0",
    "0.0",
    "1.5",
    "1e2",
    "1E+2",
    "1e400",
    "-1e400",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "12345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "4294967296",
    "65536",
];

struct Gen<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    /// Milliseconds of the last timestamp written.
    now: i64,
}

impl Gen<'_, '_> {
    fn pick<'s>(&mut self, list: &[&'s str]) -> Result<&'s str> {
        Ok(*self.u.choose(list)?)
    }

    fn string(&mut self) -> Result<String> {
        Ok(match self.u.int_in_range(0..=9u8)? {
            0..=6 => self.pick(STRINGS)?.to_owned(),
            7 => self.pick(KEYS)?.to_owned(),
            _ => {
                let s: String = self.u.arbitrary()?;
                s.chars().take(40).collect()
            }
        })
    }

    fn key(&mut self) -> Result<String> {
        if self.u.ratio(1, 8)? {
            let s: String = self.u.arbitrary()?;
            return Ok(s.chars().take(16).collect());
        }
        Ok(self.pick(KEYS)?.to_owned())
    }

    fn count(&mut self) -> Result<J> {
        Ok(match self.u.int_in_range(0..=15u8)? {
            0..=7 => J::Num(self.u.int_in_range(0..=50_000u64)?.to_string()),
            8..=10 => J::Num(self.u.arbitrary::<u64>()?.to_string()),
            11 => J::Num((u64::MAX - u64::from(self.u.arbitrary::<u8>()?)).to_string()),
            12..=13 => J::Num(self.pick(NUMBERS)?.to_owned()),
            14 => J::Null,
            _ => self.value(1)?,
        })
    }

    fn number(&mut self) -> Result<J> {
        Ok(match self.u.int_in_range(0..=3u8)? {
            0 => J::Num(self.pick(NUMBERS)?.to_owned()),
            1 => J::Num(self.u.arbitrary::<i64>()?.to_string()),
            2 => {
                let f: f64 = self.u.arbitrary()?;
                if f.is_finite() {
                    J::Num(serde_json::to_string(&f).expect("finite"))
                } else {
                    J::Num("0.5".into())
                }
            }
            _ => J::Num(self.u.int_in_range(0..=300_000u64)?.to_string()),
        })
    }

    fn value(&mut self, depth: u32) -> Result<J> {
        let top = if depth >= 3 { 5 } else { 9 };
        Ok(match self.u.int_in_range(0..=top)? {
            0 => J::Null,
            1 => J::Bool(self.u.arbitrary()?),
            2 => self.number()?,
            3 | 4 => J::Str(self.string()?),
            5 => {
                if self.u.ratio(1, 4)? {
                    J::Raw(self.pick(RAW)?.to_owned())
                } else {
                    J::Str(self.string()?)
                }
            }
            6 => self.usage()?,
            7 => {
                let n = self.u.int_in_range(0..=3usize)?;
                J::Arr((0..n).map(|_| self.value(depth + 1)).collect::<Result<_>>()?)
            }
            _ => {
                let n = self.u.int_in_range(0..=4usize)?;
                let mut m = Vec::new();
                for _ in 0..n {
                    m.push((self.key()?, self.value(depth + 1)?));
                }
                J::Obj(m)
            }
        })
    }

    /// A usage object: mostly the six counts in Codex's order, sometimes shuffled, partial,
    /// with unknown keys or with counts of another shape.
    fn usage(&mut self) -> Result<J> {
        const K: [&str; 6] = [
            "input_tokens",
            "cached_input_tokens",
            "cache_write_input_tokens",
            "output_tokens",
            "reasoning_output_tokens",
            "total_tokens",
        ];
        let mut m = Vec::new();
        for k in K {
            if self.u.ratio(7, 8)? {
                m.push((k.to_owned(), self.count()?));
            }
        }
        if self.u.ratio(1, 8)? {
            let k = self.key()?;
            m.push((k, self.count()?));
        }
        if self.u.ratio(1, 8)? && m.len() > 1 {
            let i = self.u.choose_index(m.len())?;
            let j = self.u.choose_index(m.len())?;
            m.swap(i, j);
        }
        Ok(J::Obj(m))
    }

    fn maybe(&mut self, m: &mut Vec<(String, J)>, key: &str, v: impl FnOnce(&mut Self) -> Result<J>) -> Result<()> {
        if self.u.ratio(3, 4)? {
            let v = if self.u.ratio(1, 16)? { self.value(1)? } else { v(self)? };
            m.push((key.to_owned(), v));
        }
        Ok(())
    }

    fn timestamp(&mut self) -> Result<J> {
        let step = match self.u.int_in_range(0..=7u8)? {
            0..=4 => i64::from(self.u.int_in_range(0..=5_000u16)?),
            5 => i64::from(self.u.arbitrary::<u32>()?),
            6 => -i64::from(self.u.int_in_range(0..=10_000u16)?),
            _ => 0,
        };
        self.now = self.now.saturating_add(step);
        Ok(match self.u.int_in_range(0..=15u8)? {
            0 => J::Str(self.string()?),
            1 => J::Num(self.now.to_string()),
            2 => J::Null,
            3 => J::Str(rfc3339(self.now).replace('Z', "+01:00")),
            4 => J::Str(rfc3339(self.now).replace(".", ",")),
            _ => J::Str(rfc3339(self.now)),
        })
    }

    fn uuid7(&mut self) -> Result<J> {
        if self.u.ratio(1, 4)? {
            return Ok(J::Str(self.string()?));
        }
        let ms = self.now.clamp(0, (1 << 48) - 1) as u64;
        let r: u64 = self.u.arbitrary()?;
        Ok(J::Str(format!(
            "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
            ms >> 16,
            ms & 0xffff,
            r & 0xfff,
            (r >> 12) & 0xfff,
            r >> 16 & 0xffff_ffff_ffff
        )))
    }

    fn small_id(&mut self, prefix: &str) -> Result<J> {
        Ok(J::Str(format!("{prefix}{}", self.u.int_in_range(0..=3u8)?)))
    }

    fn duration(&mut self) -> Result<J> {
        let mut m = Vec::new();
        self.maybe(&mut m, "secs", |g| g.count())?;
        self.maybe(&mut m, "nanos", |g| g.count())?;
        Ok(J::Obj(m))
    }

    /// The members a payload of this kind and type usually has.
    fn members(&mut self, kind: &str, sub: &str, m: &mut Vec<(String, J)>) -> Result<()> {
        match (kind, sub) {
            ("session_meta", _) => {
                self.maybe(m, "id", |g| g.uuid7())?;
                self.maybe(m, "timestamp", |g| g.timestamp())?;
                self.maybe(m, "cwd", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "originator", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "cli_version", |_| Ok(J::Str("0.169.0".into())))?;
                self.maybe(m, "model_provider", |g| Ok(J::Str(g.string()?)))?;
                if self.u.ratio(1, 3)? {
                    let src = match self.u.int_in_range(0..=3u8)? {
                        0 => J::Str("cli".into()),
                        1 => J::Obj(vec![("subagent".into(), J::Str("review".into()))]),
                        2 => J::Obj(vec![(
                            "subagent".into(),
                            J::Obj(vec![(
                                "thread_spawn".into(),
                                J::Obj(vec![
                                    ("parent_thread_id".into(), self.uuid7()?),
                                    ("depth".into(), self.count()?),
                                ]),
                            )]),
                        )]),
                        _ => J::Obj(vec![(
                            "subagent".into(),
                            J::Obj(vec![("other".into(), J::Str("guardian".into()))]),
                        )]),
                    };
                    m.push(("source".into(), src));
                }
                if self.u.ratio(1, 4)? {
                    m.push(("forked_from_id".into(), self.uuid7()?));
                }
                if self.u.ratio(1, 4)? {
                    let mut git = Vec::new();
                    self.maybe(&mut git, "repository_url", |g| Ok(J::Str(g.string()?)))?;
                    self.maybe(&mut git, "branch", |g| Ok(J::Str(g.string()?)))?;
                    self.maybe(&mut git, "commit_hash", |g| Ok(J::Str(g.string()?)))?;
                    m.push(("git".into(), J::Obj(git)));
                }
            }
            ("turn_context", _) => {
                self.maybe(m, "turn_id", |g| g.uuid7())?;
                self.maybe(m, "cwd", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "approval_policy", |_| Ok(J::Str("never".into())))?;
                self.maybe(m, "sandbox_policy", |g| {
                    Ok(if g.u.arbitrary()? {
                        J::Obj(vec![("type".into(), J::Str("read-only".into()))])
                    } else {
                        J::Str("danger-full-access".into())
                    })
                })?;
                self.maybe(m, "model", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "effort", |_| Ok(J::Str("high".into())))?;
                self.maybe(m, "summary", |_| Ok(J::Str("auto".into())))?;
                if self.u.ratio(1, 3)? {
                    m.push(("service_tier".into(), J::Str(self.string()?)));
                }
            }
            ("token_usage_record", _) => {
                self.maybe(m, "thread_id", |g| g.uuid7())?;
                self.maybe(m, "turn_id", |g| g.uuid7())?;
                self.maybe(m, "response_id", |g| g.small_id("resp_"))?;
                self.maybe(m, "usage", |g| g.usage())?;
                if self.u.ratio(1, 3)? {
                    m.push(("turn_token_usage".into(), self.usage()?));
                }
                self.maybe(m, "thread_token_usage", |g| g.usage())?;
            }
            ("event_msg", "token_count") => {
                if self.u.ratio(1, 6)? {
                    m.push(("info".into(), J::Null));
                } else {
                    let mut info = Vec::new();
                    self.maybe(&mut info, "total_token_usage", |g| g.usage())?;
                    self.maybe(&mut info, "last_token_usage", |g| g.usage())?;
                    if self.u.ratio(1, 4)? {
                        info.push(("last_usage_includes_reasoning".into(), J::Bool(false)));
                    }
                    self.maybe(&mut info, "model_context_window", |g| g.count())?;
                    m.push(("info".into(), J::Obj(info)));
                }
                if self.u.ratio(1, 2)? {
                    let rl = if self.u.ratio(1, 3)? {
                        J::Null
                    } else {
                        let mut rl = Vec::new();
                        for w in ["primary", "secondary"] {
                            if self.u.arbitrary()? {
                                let mut win = Vec::new();
                                self.maybe(&mut win, "used_percent", |g| g.number())?;
                                self.maybe(&mut win, "window_minutes", |g| g.count())?;
                                self.maybe(&mut win, "resets_at", |g| g.number())?;
                                self.maybe(&mut win, "resets_in_seconds", |g| g.number())?;
                                rl.push((w.to_owned(), J::Obj(win)));
                            }
                        }
                        if self.u.ratio(1, 4)? {
                            rl.push(("info".into(), self.value(1)?));
                        }
                        J::Obj(rl)
                    };
                    // Codex writes rate limits after info; before it, nested keys come first.
                    if self.u.ratio(1, 4)? {
                        m.insert(0, ("rate_limits".into(), rl));
                    } else {
                        m.push(("rate_limits".into(), rl));
                    }
                }
            }
            ("event_msg", "task_started" | "turn_started") => {
                self.maybe(m, "turn_id", |g| g.uuid7())?;
                self.maybe(m, "model_context_window", |g| g.count())?;
                if self.u.ratio(1, 3)? {
                    m.push((
                        "turn_attribution".into(),
                        J::Obj(vec![
                            ("parent_turn_id".into(), self.uuid7()?),
                            ("turn_trigger".into(), J::Str(self.string()?)),
                        ]),
                    ));
                }
            }
            ("event_msg", "task_complete" | "turn_complete") => {
                self.maybe(m, "turn_id", |g| g.uuid7())?;
                self.maybe(m, "last_agent_message", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "duration_ms", |g| g.count())?;
                if self.u.ratio(1, 4)? {
                    m.push((
                        "error".into(),
                        J::Obj(vec![
                            ("message".into(), J::Str(self.string()?)),
                            ("codex_error_info".into(), self.value(1)?),
                        ]),
                    ));
                }
            }
            ("event_msg", "user_message") => {
                self.maybe(m, "message", |g| Ok(J::Str(g.string()?)))?;
                if self.u.ratio(1, 4)? {
                    m.push(("images".into(), J::Arr(vec![J::Str(self.string()?)])));
                }
            }
            ("event_msg", "item_completed") => {
                self.maybe(m, "thread_id", |g| g.uuid7())?;
                self.maybe(m, "turn_id", |g| g.uuid7())?;
                let mut item = Vec::new();
                let t = self.pick(&["UserMessage", "CommandExecution", "AgentMessage", "Reasoning"])?;
                item.push(("type".into(), J::Str(t.into())));
                self.maybe(&mut item, "id", |g| g.small_id("call_"))?;
                self.maybe(&mut item, "content", |g| {
                    Ok(J::Arr(vec![J::Obj(vec![
                        ("type".into(), J::Str("text".into())),
                        ("text".into(), J::Str(g.string()?)),
                    ])]))
                })?;
                self.maybe(&mut item, "exit_code", |g| g.number())?;
                self.maybe(&mut item, "duration", |g| g.duration())?;
                self.maybe(&mut item, "status", |_| Ok(J::Str("completed".into())))?;
                m.push(("item".into(), J::Obj(item)));
            }
            ("event_msg", "thread_settings_applied") => {
                let mut s = Vec::new();
                self.maybe(&mut s, "model", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(&mut s, "service_tier", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(&mut s, "model_provider_id", |g| Ok(J::Str(g.string()?)))?;
                m.push(("thread_settings".into(), J::Obj(s)));
            }
            ("event_msg", "error") => {
                self.maybe(m, "message", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "codex_error_info", |g| {
                    Ok(if g.u.arbitrary()? {
                        J::Str("usage_limit_exceeded".into())
                    } else {
                        J::Obj(vec![(
                            "response_stream_disconnected".into(),
                            J::Obj(vec![("http_status_code".into(), g.count()?)]),
                        )])
                    })
                })?;
            }
            ("event_msg", "exec_command_end") => {
                self.maybe(m, "call_id", |g| g.small_id("call_"))?;
                self.maybe(m, "exit_code", |g| g.number())?;
                self.maybe(m, "duration", |g| g.duration())?;
                self.maybe(m, "status", |_| Ok(J::Str("failed".into())))?;
            }
            ("event_msg", "mcp_tool_call_end") => {
                self.maybe(m, "call_id", |g| g.small_id("call_"))?;
                self.maybe(m, "invocation", |g| {
                    Ok(J::Obj(vec![("server".into(), J::Str(g.string()?))]))
                })?;
                self.maybe(m, "duration", |g| g.duration())?;
                self.maybe(m, "result", |g| g.value(1))?;
            }
            ("event_msg", "guardian_assessment") => {
                self.maybe(m, "decision", |_| Ok(J::Str("allow".into())))?;
                self.maybe(m, "call_id", |g| g.small_id("call_"))?;
                self.maybe(m, "rationale", |g| Ok(J::Str(g.string()?)))?;
            }
            ("response_item", "function_call" | "custom_tool_call" | "local_shell_call") => {
                self.maybe(m, "name", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "arguments", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "call_id", |g| g.small_id("call_"))?;
                if self.u.ratio(1, 4)? {
                    m.push(("namespace".into(), J::Str(self.string()?)));
                }
            }
            ("response_item", "function_call_output" | "custom_tool_call_output") => {
                self.maybe(m, "call_id", |g| g.small_id("call_"))?;
                self.maybe(m, "output", |g| {
                    Ok(match g.u.int_in_range(0..=2u8)? {
                        0 => J::Str(g.string()?),
                        1 => J::Obj(vec![
                            ("content".into(), J::Str(g.string()?)),
                            ("success".into(), J::Bool(g.u.arbitrary()?)),
                        ]),
                        _ => J::Arr(vec![J::Obj(vec![
                            ("type".into(), J::Str("input_text".into())),
                            ("text".into(), J::Str(g.string()?)),
                        ])]),
                    })
                })?;
            }
            ("response_item", "message") => {
                self.maybe(m, "role", |_| Ok(J::Str("user".into())))?;
                self.maybe(m, "content", |g| {
                    Ok(J::Arr(vec![J::Obj(vec![
                        ("type".into(), J::Str("input_text".into())),
                        ("text".into(), J::Str(g.string()?)),
                    ])]))
                })?;
            }
            ("compacted", _) => {
                self.maybe(m, "message", |g| Ok(J::Str(g.string()?)))?;
                self.maybe(m, "replacement_history", |g| g.value(2))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn row(&mut self) -> Result<J> {
        let kind = match self.u.int_in_range(0..=15u8)? {
            0..=1 => "session_meta",
            2..=3 => "turn_context",
            4..=8 => "event_msg",
            9..=10 => "response_item",
            11..=12 => "token_usage_record",
            13 => "compacted",
            14 => self.pick(KINDS)?,
            _ => "",
        };
        let kind = if kind.is_empty() { self.string()? } else { kind.to_owned() };
        let sub = match kind.as_str() {
            "event_msg" if self.u.ratio(3, 4)? && self.u.arbitrary()? => "token_count".to_owned(),
            "event_msg" => self.pick(EVENT_TYPES)?.to_owned(),
            "response_item" => self.pick(ITEM_TYPES)?.to_owned(),
            _ if self.u.ratio(1, 8)? => self.string()?,
            _ => String::new(),
        };
        let mut payload = Vec::new();
        if !sub.is_empty() {
            payload.push(("type".to_owned(), J::Str(sub.clone())));
        }
        self.members(&kind, &sub, &mut payload)?;
        // Arbitrary extra members, anywhere.
        for _ in 0..self.u.int_in_range(0..=2u8)? {
            let k = self.key()?;
            let v = self.value(1)?;
            let at = self.u.int_in_range(0..=payload.len())?;
            payload.insert(at, (k, v));
        }
        // Sometimes the payload type is not first (Codex writes it first).
        if payload.len() > 1 && self.u.ratio(1, 16)? {
            let j = self.u.choose_index(payload.len())?;
            payload.swap(0, j);
        }
        let mut env = vec![("timestamp".to_owned(), self.timestamp()?)];
        if self.u.ratio(1, 3)? {
            env.push(("ordinal".to_owned(), self.count()?));
        }
        env.push(("type".to_owned(), J::Str(kind)));
        let payload = if self.u.ratio(1, 32)? { self.value(1)? } else { J::Obj(payload) };
        env.push(("payload".to_owned(), payload));
        if self.u.ratio(1, 16)? {
            let i = self.u.choose_index(env.len())?;
            env.remove(i);
        }
        if self.u.ratio(1, 16)? {
            let k = self.key()?;
            let v = self.value(1)?;
            env.push((k, v));
        }
        if env.len() > 1 && self.u.ratio(1, 16)? {
            let i = self.u.choose_index(env.len())?;
            let j = self.u.choose_index(env.len())?;
            env.swap(i, j);
        }
        Ok(J::Obj(env))
    }
}

/// Keeps the first of each key of every object (JSON leaves duplicates undefined, and the two
/// forms may then legitimately differ).
fn dedup(v: &mut J) {
    match v {
        J::Arr(a) => a.iter_mut().for_each(dedup),
        J::Obj(m) => {
            let mut seen = std::collections::HashSet::new();
            m.retain(|(k, _)| seen.insert(k.clone()));
            m.iter_mut().for_each(|(_, x)| dedup(x));
        }
        _ => {}
    }
}

fn rfc3339(ms: i64) -> String {
    let ms = ms.clamp(0, 253_402_300_799_999);
    let (secs, frac) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

// ------------------------------------------------------------------------------ the input

#[derive(Debug)]
struct File {
    rows: Vec<J>,
    crlf: bool,
    bom: bool,
    /// Bytes kept of the last line, which then has no newline.
    cut: Option<u16>,
    /// Blank lines between rows.
    blank: Option<u8>,
}

impl<'a> Arbitrary<'a> for File {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let now = 1_764_000_000_000 + i64::from(u.arbitrary::<u32>()?);
        let n = u.int_in_range(0..=24usize)?;
        let mut g = Gen { u, now };
        let mut rows = Vec::with_capacity(n);
        // Most files start with a session_meta line.
        if g.u.ratio(3, 4)? {
            let mut payload = Vec::new();
            g.members("session_meta", "", &mut payload)?;
            rows.push(J::Obj(vec![
                ("timestamp".into(), J::Str(rfc3339(g.now))),
                ("type".into(), J::Str("session_meta".into())),
                ("payload".into(), J::Obj(payload)),
            ]));
        }
        for _ in 0..n {
            match g.row() {
                Ok(r) => rows.push(r),
                Err(_) => break,
            }
        }
        let u = g.u;
        Ok(File {
            rows,
            crlf: u.ratio(1, 8).unwrap_or(false),
            bom: u.ratio(1, 16).unwrap_or(false),
            cut: if u.ratio(1, 8).unwrap_or(false) { u.arbitrary().ok() } else { None },
            blank: if u.ratio(1, 16).unwrap_or(false) { u.arbitrary().ok() } else { None },
        })
    }
}

impl File {
    fn render(&self, style: Style) -> Vec<u8> {
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        let nl = if self.crlf { "\r\n" } else { "\n" };
        for (i, r) in self.rows.iter().enumerate() {
            let start = out.len();
            render(&mut out, r, style, 0);
            if i + 1 == self.rows.len()
                && let Some(cut) = self.cut
            {
                let keep = start + usize::from(cut) % (out.len() - start + 1);
                let mut bytes = out.into_bytes();
                bytes.truncate(keep);
                return bytes;
            }
            out.push_str(nl);
            if self.blank.is_some_and(|b| usize::from(b) % 8 == i % 8) {
                out.push_str(nl);
            }
        }
        out.into_bytes()
    }
}

// ------------------------------------------------------------------------------ checks

struct Read {
    events: Vec<Event>,
    billed: TokenUsage,
    stats: FileStats,
}

fn read(bytes: &[u8], opts: ReadOptions) -> Read {
    let mut reader = RolloutReader::new(bytes, "fuzz.jsonl", opts);
    let mut events = Vec::new();
    let mut billed = TokenUsage::default();
    for item in reader.by_ref() {
        if let Ok(e) = item {
            if let EventKind::TokenUsage(u) = &e.kind {
                billed += u.usage;
            }
            events.push(e);
        }
    }
    Read {
        events,
        billed,
        stats: reader.stats().clone(),
    }
}

/// Lines in `bytes` as the reader splits them: on `\n`, the last one without it counting too.
fn line_count(bytes: &[u8]) -> u64 {
    let nl = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    nl + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

fn check_one(bytes: &[u8]) -> (Read, Read) {
    let full = read(bytes, ReadOptions::default());
    let tokens = read(bytes, ReadOptions::tokens());
    for r in [&full, &tokens] {
        let s = &r.stats;
        assert_eq!(
            s.lines,
            s.parsed + s.skipped + s.bad,
            "lines not accounted for: {s:?}"
        );
        let expected = line_count(bytes) - u64::from(s.incomplete_tail);
        assert_eq!(s.lines, expected, "line count: {s:?}");
    }
    assert_eq!(full.stats.lines, tokens.stats.lines);
    assert_eq!(full.stats.incomplete_tail, tokens.stats.incomplete_tail);
    assert_eq!(
        full.billed, tokens.billed,
        "token mode bills differently from full mode"
    );
    (full, tokens)
}

fuzz_target!(|file: File| {
    let mut file = file;
    for r in &mut file.rows {
        dedup(r);
    }
    let compact = file.render(Style { spaced: false, escape: false, escape_type: false });
    // To see what a crash reads: AGENTOBS_FUZZ_PRINT=<dir> writes the renderings there.
    if let Some(dir) = std::env::var_os("AGENTOBS_FUZZ_PRINT") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).ok();
        std::fs::write(dir.join("compact.jsonl"), &compact).ok();
        for (name, style) in [
            ("spaced.jsonl", Style { spaced: true, escape: false, escape_type: false }),
            ("escaped.jsonl", Style { spaced: false, escape: true, escape_type: false }),
        ] {
            std::fs::write(dir.join(name), file.render(style)).ok();
        }
    }
    let (full_c, tokens_c) = check_one(&compact);
    // A compact line whose payload `type` is not its first member is classified by the
    // prefilter with no payload type (and rejected), where the JSON parser finds the type: a
    // known divergence, left out of the comparison unless AGENTOBS_FUZZ_STRICT is set.
    let strict = std::env::var_os("AGENTOBS_FUZZ_STRICT").is_some();
    let comparable = file.cut.is_none()
        && !file.rows.iter().any(has_raw)
        && (strict || !file.rows.iter().any(type_not_first));
    // The spaced form (read by the JSON parser only) and the compact form with escapes inside
    // the payload (the prefilter matches, the fast paths meet escapes) read the same.
    for style in [
        Style { spaced: true, escape: false, escape_type: false },
        Style { spaced: false, escape: true, escape_type: strict },
    ] {
        let other = file.render(style);
        let (full_o, tokens_o) = check_one(&other);
        if comparable {
            assert_eq!(full_c.billed, full_o.billed, "{style:?} changes the bill (full mode)");
            assert_eq!(tokens_c.billed, tokens_o.billed, "{style:?} changes the bill (token mode)");
            assert_eq!(full_c.events.len(), full_o.events.len(), "{style:?} changes the events");
            for (a, b) in full_c.events.iter().zip(&full_o.events) {
                assert_eq!(a, b, "{style:?} changes an event");
            }
        }
    }
});
