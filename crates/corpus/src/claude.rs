//! Synthetic Claude Code homes (`projects/<dash-encoded cwd>/<session>.jsonl`) with the
//! accounting traps of real transcripts and their ground truth.
//!
//! Traps, each counted in [`ClaudeExpected::traps`]:
//! - every assistant message is written as one line per content block (text, thinking,
//!   tool use), each line repeating the message's full usage: billed once;
//! - a session resumed with `--resume` is a new file that first copies the old session's lines
//!   (same message and request ids): billed once;
//! - sub-agents (sidechains) write their own files under `<session>/subagents/`: billed, they
//!   are requests of their own;
//! - synthetic API-error messages (model `<synthetic>`, zero usage): never billed;
//! - a share of cache writes with a one-hour lifetime (`cache_creation` split).
//!
//! Usage follows Anthropic's convention: `input_tokens` excludes cache reads and writes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde::Serialize;

use crate::rng::Rng;

/// Models of the synthetic sessions (all in the embedded price book).
const MODELS: [&str; 3] = ["claude-opus-4-8", "claude-sonnet-4-5", "claude-haiku-4-5"];

/// Tokens of one day and model, in Anthropic's disjoint counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClaudeTokens {
    /// `input_tokens`: prompt tokens neither read from nor written to the cache.
    pub input_tokens: u64,
    /// `cache_creation_input_tokens`: cache writes, both lifetimes.
    pub cache_creation_input_tokens: u64,
    /// The one-hour part of the cache writes.
    pub cache_creation_1h_input_tokens: u64,
    /// `cache_read_input_tokens`.
    pub cache_read_input_tokens: u64,
    /// `output_tokens`.
    pub output_tokens: u64,
    /// Billed API responses.
    pub requests: u64,
}

impl ClaudeTokens {
    fn add(&mut self, u: &ClaudeTokens) {
        self.input_tokens += u.input_tokens;
        self.cache_creation_input_tokens += u.cache_creation_input_tokens;
        self.cache_creation_1h_input_tokens += u.cache_creation_1h_input_tokens;
        self.cache_read_input_tokens += u.cache_read_input_tokens;
        self.output_tokens += u.output_tokens;
        self.requests += u.requests;
    }
}

/// How often each trap was planted.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ClaudeTraps {
    /// Assistant lines that repeat a usage already written for the same message.
    pub repeated_usage_lines: u64,
    /// Resumed sessions (files that copy another session's lines first).
    pub resumed_sessions: u64,
    /// Lines copied into resumed sessions.
    pub copied_lines: u64,
    /// Sub-agent (sidechain) files.
    pub sidechain_files: u64,
    /// Synthetic API-error messages.
    pub synthetic_errors: u64,
    /// Messages with one-hour cache writes.
    pub one_hour_writes: u64,
}

/// Ground truth of a generated Claude Code home.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClaudeExpected {
    /// Always `claude_code`.
    pub harness: &'static str,
    /// Transcript files written.
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Tokens by UTC day (`YYYY-MM-DD`) and model.
    pub by_day_model: BTreeMap<String, BTreeMap<String, ClaudeTokens>>,
    /// Tokens over everything.
    pub totals: ClaudeTokens,
    /// Traps planted.
    pub traps: ClaudeTraps,
}

struct Writer<'a> {
    rng: Rng,
    exp: &'a mut ClaudeExpected,
    serial: u64,
}

impl Writer<'_> {
    fn id(&mut self, prefix: &str) -> String {
        self.serial += 1;
        format!("{prefix}_{:016x}{:08x}", self.rng.next_u64(), self.serial)
    }

    fn uuid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }

    /// One session's lines; bills what it writes into the ground truth.
    #[allow(clippy::too_many_arguments)]
    fn session(
        &mut self,
        out: &mut String,
        session: &str,
        cwd: &str,
        start_ms: i64,
        messages: u64,
        sidechain: Option<&str>,
        target_bytes: usize,
    ) -> i64 {
        let mut t = start_ms;
        let side = sidechain.is_some();
        let agent = sidechain.map_or(String::new(), |a| format!(",\"agentId\":\"{a}\""));
        let common = |t: i64| {
            format!(
                "\"isSidechain\":{side},\"timestamp\":\"{}\",\"cwd\":\"{cwd}\",\"sessionId\":\"{session}\",\"version\":\"2.1.332\",\"gitBranch\":\"main\",\"userType\":\"external\"{agent}",
                crate::time::Ts(t)
            )
        };
        let uuid = self.uuid();
        let _ = writeln!(
            out,
            "{{\"type\":\"user\",\"message\":{{\"role\":\"user\",\"content\":\"task {} in {cwd}\"}},\"uuid\":\"{uuid}\",{}}}",
            self.serial,
            common(t)
        );
        let model = MODELS[self.rng.index(MODELS.len())];
        let mut prompt = self.rng.range(2_000, 12_000);
        let mut m = 0;
        while m < messages || out.len() < target_bytes {
            m += 1;
            t += self.rng.range(800, 20_000) as i64;
            if self.rng.below(40) == 0 {
                self.exp.traps.synthetic_errors += 1;
                let _ = writeln!(
                    out,
                    "{{\"type\":\"assistant\",\"isApiErrorMessage\":true,\"apiErrorStatus\":529,\"message\":{{\"id\":\"{}\",\"model\":\"<synthetic>\",\"role\":\"assistant\",\"content\":[{{\"type\":\"text\",\"text\":\"API Error: 529 overloaded\"}}],\"usage\":{{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}}}},\"uuid\":\"{}\",{}}}",
                    self.uuid(),
                    self.uuid(),
                    common(t)
                );
                continue;
            }
            let write = if m == 1 {
                prompt
            } else {
                self.rng.range(0, 1_500)
            };
            let one_hour = if self.rng.below(4) == 0 {
                self.exp.traps.one_hour_writes += 1;
                self.rng.range(0, write)
            } else {
                0
            };
            let read = if m == 1 { 0 } else { prompt };
            let usage = ClaudeTokens {
                input_tokens: self.rng.range(1, 400),
                cache_creation_input_tokens: write,
                cache_creation_1h_input_tokens: one_hour,
                cache_read_input_tokens: read,
                output_tokens: self.rng.range(20, 2_500),
                requests: 1,
            };
            prompt += write + usage.output_tokens;
            let day = crate::time::day_key(t);
            self.exp
                .by_day_model
                .entry(day)
                .or_default()
                .entry(model.to_owned())
                .or_default()
                .add(&usage);
            self.exp.totals.add(&usage);
            let usage_json = format!(
                "{{\"input_tokens\":{},\"cache_creation_input_tokens\":{},\"cache_read_input_tokens\":{},\"output_tokens\":{},\"service_tier\":\"standard\",\"cache_creation\":{{\"ephemeral_1h_input_tokens\":{},\"ephemeral_5m_input_tokens\":{}}}}}",
                usage.input_tokens,
                write,
                read,
                usage.output_tokens,
                one_hour,
                write - one_hour
            );
            let (msg, req) = (self.id("msg"), self.id("req"));
            let blocks = self.rng.range(1, 3);
            let tool = self.rng.below(2) == 0;
            let tool_id = self.id("toolu");
            for b in 0..blocks {
                if b > 0 {
                    self.exp.traps.repeated_usage_lines += 1;
                }
                let content = if b + 1 == blocks && tool {
                    format!(
                        "{{\"type\":\"tool_use\",\"id\":\"{tool_id}\",\"name\":\"Bash\",\"input\":{{\"command\":\"cargo test -p crate{m}\"}}}}"
                    )
                } else if b == 0 && blocks > 1 {
                    "{\"type\":\"thinking\",\"thinking\":\"Let me look at the failing test first.\",\"signature\":\"c2ln\"}".to_owned()
                } else {
                    "{\"type\":\"text\",\"text\":\"Looking at the module and its tests now.\"}"
                        .to_owned()
                };
                let _ = writeln!(
                    out,
                    "{{\"type\":\"assistant\",\"message\":{{\"id\":\"{msg}\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{content}],\"stop_reason\":\"tool_use\",\"usage\":{usage_json}}},\"requestId\":\"{req}\",\"uuid\":\"{}\",{}}}",
                    self.uuid(),
                    common(t + b as i64)
                );
            }
            if tool {
                let failed = self.rng.below(6) == 0;
                let uuid = self.uuid();
                let _ = writeln!(
                    out,
                    "{{\"type\":\"user\",\"message\":{{\"role\":\"user\",\"content\":[{{\"tool_use_id\":\"{tool_id}\",\"type\":\"tool_result\",\"content\":\"{}\",\"is_error\":{failed}}}]}},\"uuid\":\"{uuid}\",{}}}",
                    if failed {
                        "error: test failed"
                    } else {
                        "ok: 12 passed"
                    },
                    common(t + 300)
                );
            }
        }
        t
    }
}

/// Writes a Claude Code home of about `size_bytes` in `sessions` sessions under `dir`
/// (`dir/projects/...`) and `dir/expected.json`; deterministic for `seed`.
pub fn generate_claude(
    dir: &Path,
    size_bytes: u64,
    sessions: usize,
    seed: u64,
) -> io::Result<ClaudeExpected> {
    let mut exp = ClaudeExpected {
        harness: "claude_code",
        ..ClaudeExpected::default()
    };
    let per_session = (size_bytes / sessions.max(1) as u64).max(4_096) as usize;
    let mut w = Writer {
        rng: Rng::derive(seed, 0xC1A0DE),
        exp: &mut exp,
        serial: 0,
    };
    // Sessions spread over the thirty days from 2026-11-01 (UTC).
    let base_ms = crate::time::unix_ms(2026, 11, 1);
    // The last session written in each project, to resume from.
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..sessions {
        let project = format!("-home-dev-src-project{}", i % 17);
        let cwd = format!("/home/dev/src/project{}", i % 17);
        let session = w.uuid();
        let start = base_ms + w.rng.below(30 * 86_400_000) as i64;
        let mut text = String::with_capacity(per_session + 4_096);
        // A resumed session starts with a copy of an earlier session of the same project.
        let mut copied = 0;
        if let Some(old) = previous.get(&project)
            && w.rng.below(6) == 0
        {
            w.exp.traps.resumed_sessions += 1;
            copied = old.lines().count() as u64;
            w.exp.traps.copied_lines += copied;
            text.push_str(old);
        }
        let messages = w.rng.range(3, 40);
        let end = w.session(
            &mut text,
            &session,
            &cwd,
            start,
            messages,
            None,
            per_session,
        );
        let folder = dir.join("projects").join(&project);
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(format!("{session}.jsonl")), &text)?;
        w.exp.files += 1;
        w.exp.bytes += text.len() as u64;
        if w.rng.below(5) == 0 {
            w.exp.traps.sidechain_files += 1;
            let agent = format!("a{:015x}", w.rng.next_u64() >> 4);
            let mut side = String::new();
            let messages = w.rng.range(2, 10);
            w.session(
                &mut side,
                &session,
                &cwd,
                end + 1_000,
                messages,
                Some(&agent),
                0,
            );
            let sub = folder.join(&session).join("subagents");
            std::fs::create_dir_all(&sub)?;
            std::fs::write(sub.join(format!("agent-{agent}.jsonl")), &side)?;
            w.exp.files += 1;
            w.exp.bytes += side.len() as u64;
        }
        // The copy's own lines are not kept as the next copy's source: one level is enough.
        if copied == 0 {
            previous.insert(project, text);
        }
    }
    let json = serde_json::to_vec_pretty(&exp).map_err(io::Error::other)?;
    std::fs::write(dir.join("expected.json"), json)?;
    Ok(exp)
}
