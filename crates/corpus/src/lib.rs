//! Deterministic generator of synthetic Codex CLI homes, for benchmarks and tests.
//!
//! [`generate`] writes `DIR/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl` files
//! in the shape of Codex CLI 0.169 rollouts (the same line kinds, field names and ordering as
//! real captures), plus `DIR/expected.json`: the ground truth the generator knows from what it
//! wrote, never from re-reading it. With [`CorpusSpec::traps`] it also plants the accounting
//! traps of real homes: re-emitted `token_count` rows, `info: null` rows, rows without
//! `last_token_usage`, forked and sub-agent threads that replay their parent, archived copies,
//! context-window overflow resets and old-generation files without `turn_context`.
//!
//! The same seed gives byte-identical output.
//!
//! ```no_run
//! use agentobs_corpus::{CorpusSpec, generate};
//! let spec = CorpusSpec { size_bytes: 64 << 20, files: 500, seed: 7, traps: true };
//! let expected = generate(std::path::Path::new("/tmp/codex-home"), &spec).unwrap();
//! println!("{} requests, {} tokens", expected.requests, expected.usage.total_tokens);
//! ```
//!
//! Conventions of the ground truth:
//! - every real model request is counted once; re-emits, replayed parent lines, archived
//!   copies, `info: null` rows and the overflow fill row count zero, and the request that
//!   overflowed the context window bills nothing;
//! - a request belongs to the model of its turn (old-generation files: `gpt-5`) and to the UTC
//!   day of its `token_count` line;
//! - directory and file names use UTC (as a machine whose local time zone is UTC would).

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod claude;
mod rng;
pub mod scenarios;
mod session;
mod text;
mod time;

use rng::Rng;
use session::{Flags, Origin, Out, Plan, ThreadState, write_session};
use text::Pools;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Total bytes of all files written (sessions and archived copies); hit within about 2%
    /// when the average file is at least ~20 KB.
    pub size_bytes: u64,
    /// Number of files written, archived copies included.
    pub files: usize,
    /// Seed; the same spec gives byte-identical output.
    pub seed: u64,
    /// Plant the accounting traps (see the crate docs).
    pub traps: bool,
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec {
            size_bytes: 16 << 20,
            files: 160,
            seed: 0x5EED,
            traps: false,
        }
    }
}

/// Token counts with Codex semantics (`input_tokens` includes cached, `output_tokens` includes
/// reasoning, `total_tokens = input_tokens + output_tokens`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Whole prompts, cached part included.
    pub input_tokens: u64,
    /// Prompt tokens read from the cache.
    pub cached_input_tokens: u64,
    /// Prompt tokens written to the cache (always 0 in this corpus).
    pub cache_write_input_tokens: u64,
    /// Whole completions, reasoning included.
    pub output_tokens: u64,
    /// Reasoning tokens (part of output).
    pub reasoning_output_tokens: u64,
    /// `input_tokens + output_tokens`.
    pub total_tokens: u64,
}

impl Usage {
    /// The same counts as an [`agentobs_schema::TokenUsage`].
    pub fn token_usage(&self) -> agentobs_schema::TokenUsage {
        agentobs_schema::TokenUsage {
            input_tokens: self.input_tokens,
            cached_input_tokens: self.cached_input_tokens,
            cache_write_input_tokens: self.cache_write_input_tokens,
            output_tokens: self.output_tokens,
            reasoning_output_tokens: self.reasoning_output_tokens,
            cache_write_1h_input_tokens: 0,
        }
    }

    fn add(&mut self, t: &Tok) {
        self.input_tokens += t.input;
        self.cached_input_tokens += t.cached;
        self.cache_write_input_tokens += t.cache_write;
        self.output_tokens += t.output;
        self.reasoning_output_tokens += t.reasoning;
        self.total_tokens += t.input + t.output;
    }
}

/// Usage of a group of requests (one model, one day).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTotals {
    /// The token counts.
    #[serde(flatten)]
    pub usage: Usage,
    /// Number of model requests.
    pub requests: u64,
}

/// How many traps were planted (all zero without [`CorpusSpec::traps`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrapCounts {
    /// `token_count` rows written a second time with the same `info`.
    pub reemitted_rows: u64,
    /// `token_count` rows with `"info":null`.
    pub info_null_rows: u64,
    /// Sessions whose `token_count` rows carry only `total_token_usage`.
    pub no_last_sessions: u64,
    /// Forked threads (`forked_from_id`) replaying their parent.
    pub forks: u64,
    /// Sub-agent threads (`source.subagent.thread_spawn`) replaying their parent.
    pub subagents: u64,
    /// Parent lines replayed into fork and sub-agent files.
    pub replayed_lines: u64,
    /// Files copied into `archived_sessions/`.
    pub archived_copies: u64,
    /// Context-window overflows (a reset `token_count` and a failed turn).
    pub overflows: u64,
    /// Old-generation files (no `turn_context`, no model anywhere: infer `gpt-5`).
    pub old_gen_sessions: u64,
}

/// The ground truth of a generated corpus (`expected.json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// Files written (sessions and archived copies; not `expected.json`).
    pub files: u64,
    /// Bytes of those files.
    pub bytes: u64,
    /// Distinct threads (files under `sessions/`).
    pub sessions: u64,
    /// Real model requests.
    pub requests: u64,
    /// Sum over all real model requests.
    pub usage: Usage,
    /// Per model (the turn's model; `gpt-5` for old-generation files).
    pub by_model: BTreeMap<String, UsageTotals>,
    /// Per UTC day of the request's `token_count` line.
    pub by_day_utc: BTreeMap<String, UsageTotals>,
    /// Shell tool calls (`exec_command`, or `shell` in old-generation files).
    pub tool_calls: u64,
    /// Tool calls whose command exited with a non-zero code.
    pub tool_failures: u64,
    /// Requests whose prompt exceeded 272,000 tokens (the long-context price tier).
    pub long_context_requests: u64,
    /// Traps planted.
    pub traps: TrapCounts,
}

impl Expected {
    fn bill(&mut self, model: &str, ts_ms: i64, t: &Tok) {
        self.requests += 1;
        self.usage.add(t);
        if t.input > 272_000 {
            self.long_context_requests += 1;
        }
        let m = self.by_model.entry(model.to_string()).or_default();
        m.usage.add(t);
        m.requests += 1;
        let d = self.by_day_utc.entry(time::day_key(ts_ms)).or_default();
        d.usage.add(t);
        d.requests += 1;
    }
}

/// One request's (or a running sum's) token counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tok {
    pub input: u64,
    pub cached: u64,
    pub cache_write: u64,
    pub output: u64,
    pub reasoning: u64,
}

impl Tok {
    pub(crate) fn add(&mut self, o: &Tok) {
        self.input += o.input;
        self.cached += o.cached;
        self.cache_write += o.cache_write;
        self.output += o.output;
        self.reasoning += o.reasoning;
    }
}

/// First instant sessions start at (2026-10-20T00:00:00Z), and the span they start in.
fn start_window() -> (i64, u64) {
    (time::unix_ms(2026, 10, 20), 30 * 86_400_000)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Primary,
    Fork,
    SubAgent,
    Archive,
}

struct Slot {
    kind: Kind,
    weight: f64,
    flags: Flags,
}

fn roll_flags(r: &mut Rng, traps: bool) -> Flags {
    if !traps {
        return Flags::default();
    }
    let old_gen = r.chance(0.04);
    Flags {
        reemit: r.chance(0.2),
        info_null: r.chance(0.25),
        no_last: r.chance(0.05),
        overflow: !old_gen && r.chance(0.04),
        old_gen,
    }
}

/// Decides what every file is. A fork, sub-agent or archive slot directly follows its parent,
/// and the last slot is always a primary session (so it can absorb the size error).
fn plan_slots(spec: &CorpusSpec) -> Vec<Slot> {
    let mut r = Rng::derive(spec.seed, 1);
    let n = spec.files;
    let mut slots = Vec::with_capacity(n);
    let mut primaries = 0usize;
    while slots.len() < n {
        let left = n - slots.len();
        let mut flags = roll_flags(&mut r, spec.traps);
        // The first primaries carry one trap each, so that small corpora have them all.
        let forced = if spec.traps { primaries } else { usize::MAX };
        match forced {
            0 => flags.reemit = true,
            1 => flags.info_null = true,
            2 => flags.no_last = true,
            3 => {
                flags.overflow = true;
                flags.old_gen = false;
            }
            4 => {
                flags.old_gen = true;
                flags.overflow = false;
            }
            _ => {}
        }
        slots.push(Slot {
            kind: Kind::Primary,
            weight: r.lognormal(1.0, 0.9),
            flags,
        });
        primaries += 1;
        if !spec.traps || left < 3 {
            continue;
        }
        let dependent = match forced {
            5 => Some(Kind::Fork),
            6 => Some(Kind::SubAgent),
            7 => Some(Kind::Archive),
            _ => match r.weighted(&[6, 5, 5, 84]) {
                0 => Some(Kind::Fork),
                1 => Some(Kind::SubAgent),
                2 => Some(Kind::Archive),
                _ => None,
            },
        };
        let dependent = match dependent {
            // Old-generation threads are neither forked nor spawned from.
            Some(Kind::Fork | Kind::SubAgent) if flags.old_gen => None,
            d => d,
        };
        if let Some(kind) = dependent {
            let mut child_flags = roll_flags(&mut r, true);
            child_flags.old_gen = false;
            let weight = if kind == Kind::Archive {
                0.0
            } else {
                r.lognormal(0.5, 0.9)
            };
            slots.push(Slot {
                kind,
                weight,
                flags: child_flags,
            });
        }
    }
    slots
}

fn rollout_name(created_ms: i64, id: &str) -> (String, String) {
    let (dir, stamp) = time::path_parts(created_ms);
    (dir, format!("rollout-{stamp}-{id}.jsonl"))
}

/// Writes a corpus into `dir` (created if missing) and returns its ground truth, which is also
/// written to `dir/expected.json`.
///
/// Files with the same names are overwritten; other files in `dir` are left alone, so use an
/// empty directory.
pub fn generate(dir: &Path, spec: &CorpusSpec) -> io::Result<Expected> {
    let pools = Pools::new(spec.seed);
    let slots = plan_slots(spec);
    let (t0, span) = start_window();
    let mut times = Rng::derive(spec.seed, 2);

    // Effective weight of each slot: what its file will weigh, replays and copies included.
    let eff: Vec<f64> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| match s.kind {
            Kind::Primary => s.weight,
            Kind::Fork | Kind::SubAgent => slots[i - 1].weight + s.weight,
            Kind::Archive => slots[i - 1].weight,
        })
        .collect();
    let mut suffix = vec![0.0; slots.len() + 1];
    for i in (0..slots.len()).rev() {
        suffix[i] = suffix[i + 1] + eff[i];
    }

    let sessions_dir = dir.join("sessions");
    fs::create_dir_all(&sessions_dir)?;
    let mut made_dirs: HashSet<String> = HashSet::new();
    let mut exp = Expected::default();
    let mut written = 0u64;
    let mut cur = Out::new();
    let mut parent = Out::new();
    let mut parent_state: Option<ThreadState> = None;
    let mut parent_name = String::new();

    for (i, slot) in slots.iter().enumerate() {
        let remaining = spec.size_bytes.saturating_sub(written) as f64;
        let sess_rng = Rng::derive(spec.seed, 1_000 + i as u64);
        match slot.kind {
            Kind::Primary => {
                let target = remaining * slot.weight / suffix[i];
                let created = t0 + times.below(span) as i64;
                let plan = Plan {
                    created_ms: created,
                    flags: slot.flags,
                    target_own: target as usize,
                };
                cur.reset(!slot.flags.old_gen);
                let st =
                    write_session(&pools, sess_rng, &mut cur, &mut exp, &plan, Origin::Primary);
                let name = store_session(
                    &sessions_dir,
                    &mut made_dirs,
                    created,
                    &st.id,
                    &cur.buf,
                    slot.flags.no_last,
                    &mut exp,
                )?;
                written += cur.buf.len() as u64;
                if slot.flags.old_gen {
                    exp.traps.old_gen_sessions += 1;
                }
                std::mem::swap(&mut cur, &mut parent);
                parent_state = Some(st);
                parent_name = name;
            }
            Kind::Fork | Kind::SubAgent => {
                let p = parent_state.as_ref().expect("a child follows its parent");
                let own_left = (remaining - parent.buf.len() as f64).max(0.0);
                let target = own_left * slot.weight / (suffix[i] - slots[i - 1].weight);
                let created = p.now + times.range(20_000, 7_200_000) as i64;
                let plan = Plan {
                    created_ms: created,
                    flags: slot.flags,
                    target_own: target as usize,
                };
                let origin = if slot.kind == Kind::Fork {
                    exp.traps.forks += 1;
                    Origin::Fork {
                        parent: p,
                        parent_bytes: &parent.buf,
                    }
                } else {
                    exp.traps.subagents += 1;
                    Origin::SubAgent {
                        parent: p,
                        parent_bytes: &parent.buf,
                    }
                };
                cur.reset(true);
                let st = write_session(&pools, sess_rng, &mut cur, &mut exp, &plan, origin);
                store_session(
                    &sessions_dir,
                    &mut made_dirs,
                    created,
                    &st.id,
                    &cur.buf,
                    slot.flags.no_last,
                    &mut exp,
                )?;
                written += cur.buf.len() as u64;
            }
            Kind::Archive => {
                let archive = dir.join("archived_sessions");
                if made_dirs.insert("archived_sessions".to_string()) {
                    fs::create_dir_all(&archive)?;
                }
                write_file(archive.join(&parent_name), &parent.buf, &mut exp)?;
                written += parent.buf.len() as u64;
                exp.traps.archived_copies += 1;
            }
        }
    }

    let json = serde_json::to_vec_pretty(&exp).map_err(io::Error::other)?;
    fs::write(dir.join("expected.json"), json)?;
    Ok(exp)
}

/// Writes one session's rollout under `sessions/YYYY/MM/DD/` and counts it; returns its name.
fn store_session(
    sessions_dir: &Path,
    made_dirs: &mut HashSet<String>,
    created_ms: i64,
    id: &str,
    bytes: &[u8],
    no_last: bool,
    exp: &mut Expected,
) -> io::Result<String> {
    let (day, name) = rollout_name(created_ms, id);
    let day_dir = sessions_dir.join(&day);
    if made_dirs.insert(day) {
        fs::create_dir_all(&day_dir)?;
    }
    write_file(day_dir.join(&name), bytes, exp)?;
    exp.sessions += 1;
    if no_last {
        exp.traps.no_last_sessions += 1;
    }
    Ok(name)
}

fn write_file(path: PathBuf, bytes: &[u8], exp: &mut Expected) -> io::Result<()> {
    fs::write(path, bytes)?;
    exp.files += 1;
    exp.bytes += bytes.len() as u64;
    Ok(())
}

/// One clean 0.169 rollout of about `approx_bytes` bytes (at least ~12 KB), in memory, with
/// its ground truth.
pub fn generate_rollout(spec_seed: u64, approx_bytes: usize) -> (Vec<u8>, Expected) {
    let pools = Pools::new(spec_seed);
    let (t0, span) = start_window();
    let created = t0 + Rng::derive(spec_seed, 2).below(span) as i64;
    let mut exp = Expected::default();
    let mut out = Out::new();
    out.reset(true);
    let plan = Plan {
        created_ms: created,
        flags: Flags::default(),
        target_own: approx_bytes,
    };
    write_session(
        &pools,
        Rng::derive(spec_seed, 1_000),
        &mut out,
        &mut exp,
        &plan,
        Origin::Primary,
    );
    exp.files = 1;
    exp.sessions = 1;
    exp.bytes = out.buf.len() as u64;
    (out.buf, exp)
}

/// One clean 0.169 rollout of about `approx_bytes` bytes, in memory (for in-memory benches).
pub fn generate_rollout_bytes(spec_seed: u64, approx_bytes: usize) -> Vec<u8> {
    generate_rollout(spec_seed, approx_bytes).0
}

#[cfg(test)]
mod tests;
