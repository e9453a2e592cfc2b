//! Writes one Codex thread (a rollout file) into a byte buffer, in the 0.169 shape or the
//! old-generation shape, and reports every billed request to the ground truth.

use std::io::Write as _;

use crate::rng::Rng;
use crate::text::{self, Command, J, Lang, Parsed, Pools};
use crate::time::{Ts, day_key};
use crate::{Expected, Tok};

macro_rules! w {
    ($o:expr, $($arg:tt)*) => {
        $o.buf
            .write_fmt(format_args!($($arg)*))
            .expect("writing to a Vec cannot fail")
    };
}

/// A model the corpus uses, with the context window Codex reports for it.
pub(crate) struct Model {
    pub name: &'static str,
    pub window: u64,
    pub weight: u32,
    pub long_ok: bool,
    pub o_series: bool,
}

pub(crate) const MODELS: &[Model] = &[
    Model {
        name: "gpt-5",
        window: 258_400,
        weight: 10,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5-codex",
        window: 258_400,
        weight: 14,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.1-codex",
        window: 258_400,
        weight: 15,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.1-codex-mini",
        window: 258_400,
        weight: 10,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.2-codex",
        window: 258_400,
        weight: 14,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.4",
        window: 1_050_000,
        weight: 13,
        long_ok: true,
        o_series: false,
    },
    Model {
        name: "gpt-5.5",
        window: 1_050_000,
        weight: 9,
        long_ok: true,
        o_series: false,
    },
    Model {
        name: "o3",
        window: 190_000,
        weight: 8,
        long_ok: false,
        o_series: true,
    },
    Model {
        name: "o4-mini",
        window: 190_000,
        weight: 7,
        long_ok: false,
        o_series: true,
    },
];

/// Old-generation files carry no model; readers must infer `gpt-5`.
const OLD_GEN_MODEL: usize = 0;

fn pick_model(r: &mut Rng) -> usize {
    let weights: Vec<u32> = MODELS.iter().map(|m| m.weight).collect();
    r.weighted(&weights)
}

/// Displays a token usage object.
struct U {
    t: Tok,
    total: u64,
    cache_write: bool,
}

impl std::fmt::Display for U {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &self.t;
        if self.cache_write {
            write!(
                f,
                "{{\"input_tokens\":{},\"cached_input_tokens\":{},\"cache_write_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}}",
                t.input, t.cached, t.cache_write, t.output, t.reasoning, self.total
            )
        } else {
            write!(
                f,
                "{{\"input_tokens\":{},\"cached_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}}",
                t.input, t.cached, t.output, t.reasoning, self.total
            )
        }
    }
}

fn u(t: &Tok) -> U {
    U {
        t: *t,
        total: t.input + t.output,
        cache_write: true,
    }
}

/// A UUIDv7-looking id whose first 48 bits are `ms`.
pub(crate) fn uuid7(r: &mut Rng, ms: i64) -> String {
    let ms = ms as u64 & 0xFFFF_FFFF_FFFF;
    let a = r.next_u64();
    let b = r.next_u64();
    format!(
        "{:08x}-{:04x}-7{:03x}-{:x}{:03x}-{:012x}",
        ms >> 16,
        ms & 0xFFFF,
        a & 0xFFF,
        8 + ((a >> 12) & 3),
        (a >> 14) & 0xFFF,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// The output buffer of one file, with the line ordinal.
pub(crate) struct Out {
    pub buf: Vec<u8>,
    pub ordinal: u64,
    pub with_ordinal: bool,
}

impl Out {
    pub(crate) fn new() -> Self {
        Out {
            buf: Vec::with_capacity(1 << 20),
            ordinal: 0,
            with_ordinal: true,
        }
    }

    pub(crate) fn reset(&mut self, with_ordinal: bool) {
        self.buf.clear();
        self.ordinal = 0;
        self.with_ordinal = with_ordinal;
    }

    fn begin(&mut self, ts: i64, ty: &str) {
        if self.with_ordinal {
            w!(
                self,
                "{{\"timestamp\":\"{}\",\"ordinal\":{},\"type\":\"{}\",\"payload\":",
                Ts(ts),
                self.ordinal,
                ty
            );
        } else {
            w!(
                self,
                "{{\"timestamp\":\"{}\",\"type\":\"{}\",\"payload\":",
                Ts(ts),
                ty
            );
        }
    }

    fn end(&mut self) {
        self.buf.extend_from_slice(b"}\n");
        self.ordinal += 1;
    }
}

/// Which traps one session carries.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Flags {
    pub reemit: bool,
    pub info_null: bool,
    pub no_last: bool,
    pub overflow: bool,
    pub old_gen: bool,
}

/// What a thread looks like at its end; a fork or sub-agent child continues from it.
#[derive(Clone, Debug)]
pub(crate) struct ThreadState {
    pub id: String,
    /// Components of the last `total_token_usage` written.
    pub reported: Tok,
    /// Added to `total_tokens` after a context-window overflow reset.
    pub offset: u64,
    /// What the thread really billed (token_usage_record's thread usage).
    pub billed: Tok,
    pub ctx: u64,
    pub base: u64,
    pub prev_input: u64,
    pub model: usize,
    pub effort: &'static str,
    pub long_ctx: bool,
    pub now: i64,
    pub hseq: u64,
    pub rl_primary: f64,
    pub rl_secondary: f64,
    pub repo: usize,
    pub cwd: String,
    pub originator: &'static str,
    pub source: &'static str,
    pub tz: usize,
    pub approval: &'static str,
    pub sandbox: usize,
}

/// How a file starts.
pub(crate) enum Origin<'a> {
    Primary,
    Fork {
        parent: &'a ThreadState,
        parent_bytes: &'a [u8],
    },
    SubAgent {
        parent: &'a ThreadState,
        parent_bytes: &'a [u8],
    },
}

/// One session to write.
pub(crate) struct Plan {
    pub created_ms: i64,
    pub flags: Flags,
    /// Bytes of the session's own content (replayed parent lines not included).
    pub target_own: usize,
}

struct Repo {
    name: &'static str,
    lang: Lang,
    url: Option<&'static str>,
}

const REPOS: &[Repo] = &[
    Repo {
        name: "agentobs",
        lang: Lang::Rust,
        url: Some("git@github.com:agentobs/agentobs.git"),
    },
    Repo {
        name: "webshop",
        lang: Lang::Python,
        url: Some("https://github.com/acme/webshop.git"),
    },
    Repo {
        name: "ml-pipeline",
        lang: Lang::Python,
        url: Some("git@github.com:acme/ml-pipeline.git"),
    },
    Repo {
        name: "edge-proxy",
        lang: Lang::Rust,
        url: Some("git@github.com:acme/edge-proxy.git"),
    },
    Repo {
        name: "infra-tools",
        lang: Lang::Rust,
        url: Some("https://gitlab.com/acme/infra-tools.git"),
    },
    Repo {
        name: "scratch",
        lang: Lang::Python,
        url: None,
    },
];

const BRANCHES: &[&str] = &[
    "main",
    "main",
    "main",
    "feat/json-output",
    "fix/flaky-test",
    "dev",
];

/// (IANA name, fixed UTC offset in minutes; DST ignored).
const TZS: &[(&str, i64)] = &[
    ("Europe/Berlin", 60),
    ("America/Los_Angeles", -480),
    ("America/New_York", -300),
    ("Asia/Tokyo", 540),
    ("Etc/UTC", 0),
    ("Asia/Kolkata", 330),
    ("Australia/Sydney", 660),
];

/// (`sandbox_mode` name, `sandbox_policy` JSON, description).
const SANDBOXES: &[(&str, &str, &str)] = &[
    (
        "read-only",
        r#"{"type":"read-only"}"#,
        "The sandbox only permits reading files.",
    ),
    (
        "workspace-write",
        r#"{"type":"workspace-write","network_access":false,"exclude_tmpdir_env_var":false,"exclude_slash_tmp":false}"#,
        "The sandbox permits reading files, and editing files in `cwd` and `writable_roots`.",
    ),
    (
        "danger-full-access",
        r#"{"type":"danger-full-access"}"#,
        "No filesystem sandboxing: all commands are permitted.",
    ),
];

const EFFORTS: &[&str] = &["minimal", "low", "medium", "high", "xhigh"];
const EFFORT_WEIGHTS: &[u32] = &[5, 15, 45, 30, 5];
const O_EFFORTS: &[&str] = &["low", "medium", "high"];

const NICKNAMES: &[&str] = &["Ada", "Turing", "Hopper", "Lovelace", "Knuth", "Ritchie"];

const BASE_INSTRUCTIONS: &str = "You are Codex, a coding agent running in a terminal on the user's computer. You and the user share the same workspace and collaborate to achieve the user's goals.\n\n## General\n\n- When searching for text or files, prefer using `rg` or `rg --files` because it is much faster than alternatives like `grep`.\n- Default to ASCII when editing or creating files.\n- Add succinct code comments only where the code is not self-explanatory.\n\n## Editing constraints\n\n- You may be in a dirty git worktree. NEVER revert existing changes you did not make unless explicitly requested.\n- Do not amend a commit unless explicitly requested to do so.\n- NEVER use destructive commands like `git reset --hard` or `git checkout --` unless specifically requested or approved by the user.\n\n## Presenting your work\n\n- Be concise; use short headers and bullets. Reference files with inline code paths like `src/app.ts:42`.\n- If you could not run a check, say so and suggest the command the user should run.\n";

/// Size estimates of the shapes (bytes), used to steer a file to its target size.
struct Shape {
    header: usize,
    tool: usize,
    out_mult: f64,
    final_fixed: usize,
    msg_mult: usize,
}

const NEW_SHAPE: Shape = Shape {
    header: 6_000,
    tool: 4_400,
    out_mult: 2.08,
    final_fixed: 4_300,
    msg_mult: 3,
};
const OLD_SHAPE: Shape = Shape {
    header: 2_000,
    tool: 1_200,
    out_mult: 1.12,
    final_fixed: 1_300,
    msg_mult: 3,
};

const MIN_BLOB: usize = 1024;
const MAX_BLOB: usize = 12 * 1024;
const FILL_BLOB_MAX: usize = 256 * 1024;

fn round128(x: u64) -> u64 {
    x / 128 * 128
}

/// Writes one session into `o` (which must be reset by the caller) and returns its final state.
pub(crate) fn write_session(
    pools: &Pools,
    r: Rng,
    o: &mut Out,
    exp: &mut Expected,
    plan: &Plan,
    origin: Origin<'_>,
) -> ThreadState {
    let mut g = Gen::new(pools, r, o, exp, plan, &origin);
    let start = g.o.buf.len();
    g.meta(plan, &origin);
    g.end = start + g.replayed + plan.target_own;
    g.run(plan);
    g.st
}

struct Gen<'a> {
    pools: &'a Pools,
    r: Rng,
    o: &'a mut Out,
    exp: &'a mut Expected,
    st: ThreadState,
    flags: Flags,
    old: bool,
    shape: &'static Shape,
    end: usize,
    last_zone: usize,
    lang: Lang,
    trigger: &'static str,
    // Turn state.
    turn_id: String,
    turn_start: i64,
    turn_usage: Tok,
    ttft: Option<i64>,
    sampled: u64,
    replayed: usize,
    text: Vec<u8>,
    tmp: Vec<u8>,
}

impl<'a> Gen<'a> {
    fn new(
        pools: &'a Pools,
        mut r: Rng,
        o: &'a mut Out,
        exp: &'a mut Expected,
        plan: &Plan,
        origin: &Origin<'_>,
    ) -> Self {
        let flags = plan.flags;
        let old = flags.old_gen;
        let st = match origin {
            Origin::Primary => {
                let repo = r.index(REPOS.len());
                let (originator, source) = *r.pick(&[
                    ("codex_cli_rs", "cli"),
                    ("codex_cli_rs", "cli"),
                    ("codex_exec", "exec"),
                    ("codex_vscode", "vscode"),
                ]);
                let model = if old {
                    OLD_GEN_MODEL
                } else {
                    pick_model(&mut r)
                };
                let long_ctx = MODELS[model].long_ok && r.chance(0.35);
                let base = r.range(3_000, 14_000);
                ThreadState {
                    id: uuid7(&mut r, plan.created_ms),
                    reported: Tok::default(),
                    offset: 0,
                    billed: Tok::default(),
                    ctx: if long_ctx {
                        r.range(240_000, 330_000)
                    } else {
                        base
                    },
                    base,
                    prev_input: 0,
                    model,
                    effort: effort_for(&mut r, model),
                    long_ctx,
                    now: plan.created_ms,
                    hseq: 0,
                    rl_primary: r.uniform(0.0, 40.0),
                    rl_secondary: r.uniform(0.0, 30.0),
                    repo,
                    cwd: format!("/home/dev/src/{}", REPOS[repo].name),
                    originator,
                    source,
                    tz: r.index(TZS.len()),
                    approval: if source == "exec" {
                        "never"
                    } else {
                        ["on-request", "never", "untrusted", "on-failure"]
                            [r.weighted(&[55, 25, 10, 10])]
                    },
                    sandbox: r.weighted(&[25, 60, 15]),
                }
            }
            Origin::Fork { parent, .. } | Origin::SubAgent { parent, .. } => {
                let mut st = (*parent).clone();
                st.id = uuid7(&mut r, plan.created_ms);
                st.now = plan.created_ms;
                if matches!(origin, Origin::SubAgent { .. }) && r.chance(0.4) {
                    st.model = pick_model(&mut r);
                    st.effort = effort_for(&mut r, st.model);
                }
                st
            }
        };
        let lang = REPOS[st.repo].lang;
        let trigger = if st.source == "exec" { "exec" } else { "user" };
        Gen {
            pools,
            last_zone: r.range(24_000, 64_000) as usize,
            r,
            o,
            exp,
            st,
            flags,
            old,
            shape: if old { &OLD_SHAPE } else { &NEW_SHAPE },
            end: 0,
            lang,
            trigger,
            turn_id: String::new(),
            turn_start: 0,
            turn_usage: Tok::default(),
            ttft: None,
            sampled: 0,
            replayed: 0,
            text: Vec::with_capacity(64 * 1024),
            tmp: Vec::with_capacity(16 * 1024),
        }
    }

    fn remaining(&self) -> usize {
        self.end.saturating_sub(self.o.buf.len())
    }

    fn tick(&mut self, lo: u64, hi: u64) -> i64 {
        self.st.now += self.r.range(lo, hi) as i64;
        self.st.now
    }

    fn model(&self) -> &'static Model {
        &MODELS[self.st.model]
    }

    fn next_hseq(&mut self) -> u64 {
        self.st.hseq += 1;
        self.st.hseq
    }

    fn create_time(&mut self, ms: i64) -> String {
        format!(
            "{}.{:03}{:04}",
            ms.div_euclid(1000),
            ms.rem_euclid(1000),
            self.r.below(10_000)
        )
    }

    fn local_date(&self) -> String {
        day_key(self.st.now + TZS[self.st.tz].1 * 60_000)
    }

    // ---------------------------------------------------------------- session_meta

    fn meta(&mut self, plan: &Plan, origin: &Origin<'_>) {
        let created = plan.created_ms;
        let line_ts = created + self.r.range(8, 45) as i64;
        self.st.now = line_ts;
        let repo = &REPOS[self.st.repo];
        let git = repo.url.map(|url| {
            format!(
                ",\"git\":{{\"commit_hash\":\"{}\",\"branch\":\"{}\",\"repository_url\":\"{}\"}}",
                self.r.hex_string(40),
                self.r.pick(BRANCHES),
                url
            )
        });
        let git = git.as_deref().unwrap_or("");
        if self.old {
            self.o.begin(line_ts, "session_meta");
            w!(
                self.o,
                "{{\"id\":\"{}\",\"timestamp\":\"{}\",\"instructions\":null,\"cwd\":\"{}\",\"originator\":\"codex_cli_rs\",\"cli_version\":\"0.38.0\",\"source\":\"cli\"{}}}",
                self.st.id,
                Ts(created),
                J(&self.st.cwd),
                git
            );
            self.o.end();
            return;
        }
        let (session_id, extra, source, thread_source, agent) = match origin {
            Origin::Primary => (
                self.st.id.clone(),
                String::new(),
                format!("\"{}\"", self.st.source),
                "user",
                String::new(),
            ),
            Origin::Fork { parent, .. } => (
                self.st.id.clone(),
                format!("\"forked_from_id\":\"{}\",", parent.id),
                format!("\"{}\"", self.st.source),
                "user",
                String::new(),
            ),
            Origin::SubAgent { parent, .. } => (
                parent.id.clone(),
                format!("\"parent_thread_id\":\"{}\",", parent.id),
                format!(
                    "{{\"subagent\":{{\"thread_spawn\":{{\"parent_thread_id\":\"{}\",\"depth\":1,\"agent_role\":\"worker\"}}}}}}",
                    parent.id
                ),
                "subagent",
                format!(
                    "\"agent_nickname\":\"{}\",\"agent_role\":\"worker\",",
                    self.r.pick(NICKNAMES)
                ),
            ),
        };
        let window_id = uuid7(&mut self.r, created + 3);
        let model = self.model().name;
        self.o.begin(line_ts, "session_meta");
        w!(
            self.o,
            "{{\"account_scoped\":true,\"session_id\":\"{}\",\"id\":\"{}\",{}\"timestamp\":\"{}\",\"cwd\":\"{}\",\"runtime_workspace_roots\":[\"{}\"],\"originator\":\"{}\",\"cli_version\":\"0.169.0\",\"source\":{},\"thread_source\":\"{}\",\"model_provider\":\"openai\",\"base_instructions\":{{\"text\":\"{}\",\"provenance\":{{\"type\":\"model\",\"model\":\"{}\"}}}},\"history_mode\":\"paginated\",{}\"context_window\":{{\"window_id\":\"{}\"}}{}}}",
            session_id,
            self.st.id,
            extra,
            Ts(created),
            J(&self.st.cwd),
            J(&self.st.cwd),
            self.st.originator,
            source,
            thread_source,
            J(BASE_INSTRUCTIONS),
            model,
            agent,
            window_id,
            git
        );
        self.o.end();
        if let Origin::Fork { parent_bytes, .. } | Origin::SubAgent { parent_bytes, .. } = origin {
            self.replay(parent_bytes, line_ts);
            // The child's own work starts a little after it was created.
            self.tick(2_000, 90_000);
        }
    }

    /// Copies the parent's lines, stamped with the child's creation time and renumbered.
    fn replay(&mut self, parent: &[u8], ts: i64) {
        const PREFIX: &[u8] = b"{\"timestamp\":\"";
        const ORD: &[u8] = b"\",\"ordinal\":";
        let mut n = 0u64;
        let before = self.o.buf.len();
        for line in parent.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            debug_assert!(line.starts_with(PREFIX));
            let after_ts = PREFIX.len() + 24;
            debug_assert_eq!(&line[after_ts..after_ts + ORD.len()], ORD);
            let digits = after_ts + ORD.len();
            let rest = digits
                + line[digits..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            w!(
                self.o,
                "{{\"timestamp\":\"{}\",\"ordinal\":{}",
                Ts(ts),
                self.o.ordinal
            );
            self.o.buf.extend_from_slice(&line[rest..]);
            self.o.buf.push(b'\n');
            self.o.ordinal += 1;
            n += 1;
        }
        self.exp.traps.replayed_lines += n;
        self.replayed = self.o.buf.len() - before;
    }

    // ---------------------------------------------------------------- turns

    fn run(&mut self, plan: &Plan) {
        let overflow_turn = if self.flags.overflow && !self.old {
            if plan.target_own > 4 * self.last_zone {
                self.r.range(1, 2) as usize
            } else {
                0
            }
        } else {
            usize::MAX
        };
        let mut turn = 0;
        loop {
            if turn == overflow_turn {
                self.overflow_turn(turn);
                turn += 1;
                continue;
            }
            let last = self.remaining() < self.last_zone + self.shape.header;
            self.turn(turn, last);
            turn += 1;
            if last {
                break;
            }
        }
    }

    fn compact_if_needed(&mut self) {
        let cap = if self.st.long_ctx && self.model().long_ok {
            700_000
        } else {
            180_000
        };
        if self.st.ctx > cap {
            self.st.ctx = self.st.base + self.r.range(4_000, 25_000);
            self.st.prev_input = 0;
        }
    }

    fn turn_header(&mut self, turn: usize) {
        if turn > 0 {
            let gap = match self.r.weighted(&[70, 25, 5]) {
                0 => self.r.range(5_000, 300_000),
                1 => self.r.range(300_000, 3_600_000),
                _ => self.r.range(3_600_000, 36_000_000),
            };
            self.st.now += gap as i64;
            if !self.old && self.r.chance(0.12) {
                self.st.model = pick_model(&mut self.r);
                self.st.effort = effort_for(&mut self.r, self.st.model);
            }
        }
        self.compact_if_needed();
        let start = self.tick(1, 40);
        self.turn_start = start;
        self.turn_id = uuid7(&mut self.r, start);
        self.turn_usage = Tok::default();
        self.ttft = None;
        let win = self.model().window;
        let prompt = text::prompt(&mut self.r);
        let date = self.local_date();
        let tz = TZS[self.st.tz].0;
        let env = format!(
            "<environment_context>\n  <cwd>{}</cwd>\n  <shell>bash</shell>\n  <current_date>{}</current_date>\n  <timezone>{}</timezone>\n</environment_context>",
            self.st.cwd, date, tz
        );
        if self.old {
            self.o.begin(start, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"task_started\",\"model_context_window\":{}}}",
                win
            );
            self.o.end();
            let ts = self.tick(1, 20);
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"message\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}]}}",
                J(&env)
            );
            self.o.end();
            let ts = self.tick(1, 20);
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"message\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}]}}",
                J(&prompt)
            );
            self.o.end();
            let ts = self.tick(1, 20);
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"user_message\",\"message\":\"{}\",\"images\":[]}}",
                J(&prompt)
            );
            self.o.end();
        } else {
            let tid = self.turn_id.clone();
            let trace = self.r.hex_string(32);
            self.o.begin(start, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"task_started\",\"turn_attribution\":{{\"turn_id\":\"{tid}\",\"turn_trigger\":\"{}\",\"parent_turn_id\":null,\"initiating_agent_path\":null,\"root_turn_id\":\"{tid}\"}},\"turn_id\":\"{tid}\",\"root_turn_id\":\"{tid}\",\"trace_id\":\"{trace}\",\"started_at\":{},\"model_context_window\":{win},\"collaboration_mode_kind\":\"default\"}}",
                self.trigger,
                start.div_euclid(1000)
            );
            self.o.end();
            // Developer message (permissions).
            let ts = self.tick(20, 90);
            let (mode, policy_json, desc) = SANDBOXES[self.st.sandbox];
            let dev = format!(
                "<permissions instructions>\nFilesystem sandboxing defines which files can be read or written. `sandbox_mode` is `{mode}`: {desc} Network access is restricted.\nApproval policy is currently {}. Commands that need more permissions will be handled according to that policy.\n</permissions instructions>",
                self.st.approval
            );
            let ct = self.create_time(ts);
            let hs = self.next_hseq();
            let id = uuid7(&mut self.r, ts);
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"message\",\"id\":\"msg_{id}\",\"role\":\"developer\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\",\"create_time\":{ct},\"content_item_kinds\":[\"permissions.instructions\"],\"content_item_metadata\":[{{\"provenance\":{{\"type\":\"harness\",\"hook\":false}}}}]}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false,\"mcp_attribution\":{{\"status\":\"none\"}}}}",
                J(&dev),
                self.sampled
            );
            self.o.end();
            // Environment context.
            let ct = self.create_time(ts);
            let hs = self.next_hseq();
            let id = uuid7(&mut self.r, ts);
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"message\",\"id\":\"msg_{id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\",\"create_time\":{ct},\"content_item_kinds\":[\"environments.environment_context\"],\"content_item_metadata\":[{{\"provenance\":{{\"type\":\"harness\",\"hook\":false}}}}]}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false}}",
                J(&env),
                self.sampled
            );
            self.o.end();
            let model = self.model().name;
            if turn == 0 {
                let ts = self.tick(1, 10);
                self.o.begin(ts, "world_state");
                w!(
                    self.o,
                    "{{\"full\":true,\"state\":{{\"collaboration_mode\":{{\"mode\":\"default\",\"model\":\"{model}\"}},\"current_date\":\"{date}\",\"timezone\":\"{tz}\",\"model\":\"{model}\",\"permissions\":{{\"approved_command_prefixes\":[]}},\"realtime\":{{\"active\":false}}}}}}"
                );
                self.o.end();
            }
            let ts = self.tick(1, 5);
            let effort = self.st.effort;
            let approval = self.st.approval;
            self.o.begin(ts, "turn_context");
            w!(
                self.o,
                "{{\"turn_id\":\"{tid}\",\"root_turn_id\":\"{tid}\",\"disabled_plugin_ids\":[],\"cwd\":\"{}\",\"current_date\":\"{date}\",\"timezone\":\"{tz}\",\"approval_policy\":\"{approval}\",\"approvals_reviewer\":\"user\",\"model\":\"{model}\",\"effort\":\"{effort}\",\"collaboration_mode\":{{\"mode\":\"default\",\"settings\":{{\"model\":\"{model}\",\"reasoning_effort\":\"{effort}\",\"developer_instructions\":null}}}},\"multi_agent_version\":\"v1\",\"realtime_active\":false,\"summary\":\"auto\",\"sandbox_policy\":{policy_json}}}",
                J(&self.st.cwd)
            );
            self.o.end();
            let ts = self.tick(0, 3);
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"thread_settings_applied\",\"thread_id\":\"{}\",\"thread_settings\":{{\"model\":\"{model}\",\"model_provider_id\":\"openai\",\"approval_policy\":\"{approval}\",\"approvals_reviewer\":\"user\",\"requested_approvals_reviewer\":\"user\",\"cwd\":\"{}\",\"runtime_workspace_roots\":[\"{}\"],\"reasoning_effort\":\"{effort}\",\"collaboration_mode\":{{\"mode\":\"default\",\"settings\":{{\"model\":\"{model}\",\"reasoning_effort\":\"{effort}\",\"developer_instructions\":null}}}},\"disabled_plugin_ids\":[]}}}}",
                self.st.id,
                J(&self.st.cwd),
                J(&self.st.cwd)
            );
            self.o.end();
            // The user's prompt.
            let ts = self.tick(3, 30);
            let ct = self.create_time(ts);
            let hs = self.next_hseq();
            let id = uuid7(&mut self.r, ts);
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"message\",\"id\":\"msg_{id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\",\"create_time\":{ct},\"content_item_kinds\":[\"user.text\"],\"content_item_metadata\":[{{\"provenance\":{{\"type\":\"user\"}}}}]}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false,\"user_input_order\":0,\"mcp_attribution\":{{\"status\":\"none\"}}}}",
                J(&prompt),
                self.sampled
            );
            self.o.end();
            let t0 = ts;
            let ts = self.tick(1, 6);
            let id = uuid7(&mut self.r, ts);
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"item_completed\",\"thread_id\":\"{}\",\"turn_id\":\"{tid}\",\"item\":{{\"type\":\"UserMessage\",\"id\":\"{id}\",\"content\":[{{\"type\":\"text\",\"text\":\"{}\",\"text_elements\":[]}}]}},\"started_at_ms\":{t0},\"completed_at_ms\":{ts}}}",
                self.st.id,
                J(&prompt)
            );
            self.o.end();
        }
        self.st.ctx += 40 + prompt.len() as u64 / 4;
        if turn == 0 && self.flags.info_null {
            self.token_count_null();
        }
    }

    fn turn(&mut self, turn: usize, last: bool) {
        self.turn_header(turn);
        let shape = self.shape;
        let msg_len = self.r.lognormal(450.0, 0.8).clamp(120.0, 2_000.0) as usize;
        let final_blob = self.blob_size();
        if last {
            let reserve = shape.final_fixed + shape.msg_mult * msg_len + final_blob;
            let room = self.remaining().saturating_sub(reserve) / 9_000;
            let k = self.r.range(1, room.clamp(1, 7) as u64) as usize;
            for j in 0..k {
                let avail = self.remaining().saturating_sub(reserve);
                let share = avail / (k - j);
                if share < shape.tool + MIN_BLOB + (shape.out_mult * 200.0) as usize {
                    break;
                }
                let blob = self.blob_size().min((share / 4).max(MIN_BLOB));
                let out =
                    (share.saturating_sub(shape.tool + blob) as f64 / shape.out_mult) as usize;
                self.tool_request(out, blob);
            }
            self.final_request(true, msg_len, final_blob);
        } else {
            let k = self.r.weighted(&[10, 18, 18, 16, 12, 10, 8, 8]);
            let final_max = shape.final_fixed + shape.msg_mult * 2_000 + MAX_BLOB;
            for _ in 0..k {
                let blob = self.blob_size();
                let budget = self
                    .remaining()
                    .saturating_sub(self.last_zone + final_max + shape.tool + blob);
                let cap = (budget as f64 / shape.out_mult) as usize;
                if cap < 200 {
                    break;
                }
                let out = self.output_size().min(cap);
                self.tool_request(out, blob);
            }
            self.final_request(false, msg_len, final_blob);
        }
    }

    fn blob_size(&mut self) -> usize {
        self.r
            .lognormal(3_000.0, 0.7)
            .clamp(MIN_BLOB as f64, MAX_BLOB as f64) as usize
    }

    fn output_size(&mut self) -> usize {
        if self.r.chance(0.015) {
            self.r.range(120_000, 200_000) as usize
        } else {
            self.r.lognormal(2_200.0, 1.1).clamp(200.0, 40_000.0) as usize
        }
    }

    // ---------------------------------------------------------------- requests

    fn next_usage(&mut self, final_msg: bool) -> Tok {
        self.compact_if_needed();
        let input = self.st.ctx + self.r.range(0, 300);
        let cached = if self.st.prev_input == 0 || self.r.chance(0.06) {
            round128((input.min(self.st.base) as f64 * self.r.uniform(0.0, 0.95)) as u64)
        } else {
            round128((self.st.prev_input.min(input) as f64 * self.r.uniform(0.88, 1.0)) as u64)
        };
        let output = if final_msg {
            self.r.lognormal(600.0, 0.7).clamp(80.0, 3_000.0)
        } else {
            self.r.lognormal(220.0, 0.8).clamp(50.0, 2_500.0)
        } as u64;
        let share = if self.st.effort == "minimal" {
            self.r.uniform(0.0, 0.1)
        } else {
            self.r.uniform(0.2, 0.85)
        };
        let reasoning = (output as f64 * share) as u64;
        self.st.prev_input = input;
        self.st.ctx = input + output;
        Tok {
            input,
            cached: cached.min(input),
            cache_write: 0,
            output,
            reasoning,
        }
    }

    /// Books a request into the thread and turn sums (before its records are written).
    fn account(&mut self, t: &Tok) {
        self.st.reported.add(t);
        self.st.billed.add(t);
        self.turn_usage.add(t);
    }

    fn model_latency(&mut self) {
        let wait = self.r.range(300, 6_000) as i64;
        self.st.now += wait;
        if self.ttft.is_none() {
            self.ttft = Some(self.st.now - self.turn_start);
        }
    }

    fn reasoning_lines(&mut self, blob: usize) -> usize {
        let summary = text::summary(&mut self.r);
        let rs = self.r.hex_string(24);
        let tid = self.turn_id.clone();
        let ts = self.tick(1, 40);
        if self.old {
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"agent_reasoning\",\"text\":\"{}\"}}",
                J(&summary)
            );
            self.o.end();
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"reasoning\",\"summary\":[{{\"type\":\"summary_text\",\"text\":\"{}\"}}],\"content\":null,\"encrypted_content\":\"",
                J(&summary)
            );
        } else {
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"item_completed\",\"thread_id\":\"{}\",\"turn_id\":\"{tid}\",\"item\":{{\"type\":\"Reasoning\",\"id\":\"rs_{rs}\",\"summary_text\":[\"{}\"],\"raw_content\":[]}},\"started_at_ms\":{},\"completed_at_ms\":{ts}}}",
                self.st.id,
                J(&summary),
                ts - 1
            );
            self.o.end();
            self.o.begin(ts + 1, "response_item");
            w!(
                self.o,
                "{{\"type\":\"reasoning\",\"id\":\"rs_{rs}\",\"summary\":[{{\"type\":\"summary_text\",\"text\":\"{}\"}}],\"content\":null,\"encrypted_content\":\"",
                J(&summary)
            );
        }
        let at = self.o.buf.len();
        text::blob_into(&mut self.r, &mut self.o.buf, blob);
        if self.old {
            w!(self.o, "\"}}");
        } else {
            let hs = self.next_hseq();
            w!(
                self.o,
                "\",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\"}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false}}",
                self.sampled
            );
        }
        self.o.end();
        at
    }

    fn token_usage_record(&mut self, t: &Tok) {
        if self.old {
            return;
        }
        let ts = self.tick(1, 5);
        let resp = self.r.hex_string(24);
        self.o.begin(ts, "token_usage_record");
        w!(
            self.o,
            "{{\"thread_id\":\"{}\",\"turn_id\":\"{}\",\"session_id\":\"{}\",\"root_turn_id\":\"{}\",\"response_id\":\"resp_{resp}\",\"usage\":{},\"turn_token_usage\":{},\"thread_token_usage\":{}}}",
            self.st.id,
            self.turn_id,
            self.st.id,
            self.turn_id,
            u(t),
            u(&self.turn_usage),
            u(&self.st.billed)
        );
        self.o.end();
    }

    fn rate_limits(&mut self) -> String {
        self.st.rl_primary = (self.st.rl_primary + self.r.uniform(0.05, 0.6)) % 100.0;
        self.st.rl_secondary = (self.st.rl_secondary + self.r.uniform(0.01, 0.1)) % 100.0;
        let now_s = self.st.now.div_euclid(1000);
        if self.old {
            format!(
                "{{\"primary\":{{\"used_percent\":{:.1},\"window_minutes\":300,\"resets_in_seconds\":{}}},\"secondary\":{{\"used_percent\":{:.1},\"window_minutes\":10080,\"resets_in_seconds\":{}}}}}",
                self.st.rl_primary,
                18_000 - now_s.rem_euclid(18_000),
                self.st.rl_secondary,
                604_800 - now_s.rem_euclid(604_800)
            )
        } else {
            format!(
                "{{\"limit_id\":\"codex\",\"limit_name\":null,\"primary\":{{\"used_percent\":{:.1},\"window_minutes\":300,\"resets_at\":{}}},\"secondary\":{{\"used_percent\":{:.1},\"window_minutes\":10080,\"resets_at\":{}}},\"credits\":null,\"individual_limit\":null,\"spend_control_reached\":null,\"plan_type\":\"pro\",\"rate_limit_reached_type\":null}}",
                self.st.rl_primary,
                (now_s / 18_000 + 1) * 18_000,
                self.st.rl_secondary,
                (now_s / 604_800 + 1) * 604_800
            )
        }
    }

    /// The `token_count` row of a completed request (and its re-emit, as a trap); bills it.
    fn token_count(&mut self, last: &Tok) {
        let ts = self.tick(1, 8);
        let win = self.model().window;
        let rl = self.rate_limits();
        let total = U {
            t: self.st.reported,
            total: self.st.offset + self.st.reported.input + self.st.reported.output,
            cache_write: !self.old,
        };
        let last_u = U {
            t: *last,
            total: last.input + last.output,
            cache_write: !self.old,
        };
        self.o.begin(ts, "event_msg");
        let body_at = self.o.buf.len();
        if self.flags.no_last {
            w!(
                self.o,
                "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{total},\"model_context_window\":{win}}},\"rate_limits\":{rl}}}"
            );
        } else if self.old {
            w!(
                self.o,
                "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{total},\"last_token_usage\":{last_u},\"model_context_window\":{win}}},\"rate_limits\":{rl}}}"
            );
        } else {
            w!(
                self.o,
                "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{total},\"last_token_usage\":{last_u},\"last_usage_includes_reasoning\":false,\"model_context_window\":{win}}},\"rate_limits\":{rl}}}"
            );
        }
        self.o.end();
        let name = self.model().name;
        self.exp.bill(name, ts, last);
        if self.flags.reemit && self.r.chance(0.35) {
            let ts2 = self.tick(1, 400);
            self.tmp.clear();
            self.tmp.extend_from_slice(&self.o.buf[body_at..]);
            self.o.begin(ts2, "event_msg");
            self.o.buf.extend_from_slice(&self.tmp);
            self.o.ordinal += 1;
            self.exp.traps.reemitted_rows += 1;
        }
    }

    fn token_count_null(&mut self) {
        let ts = self.tick(20, 80);
        let rl = self.rate_limits();
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"token_count\",\"info\":null,\"rate_limits\":{rl}}}"
        );
        self.o.end();
        self.exp.traps.info_null_rows += 1;
    }

    fn tool_request(&mut self, out_target: usize, blob: usize) {
        self.model_latency();
        let usage = self.next_usage(false);
        self.account(&usage);
        self.reasoning_lines(blob);
        let cmd: Command = text::command(
            self.pools,
            &mut self.r,
            self.lang,
            out_target,
            &mut self.text,
        );
        let call = self.r.hex_string(24);
        let ts = self.tick(5, 60);
        let tid = self.turn_id.clone();
        let cmd_json = text::escaped(&cmd.cmd);
        self.o.begin(ts, "response_item");
        if self.old {
            let args = format!(
                "{{\"command\":[\"bash\",\"-lc\",\"{}\"],\"workdir\":\"{}\",\"timeout_ms\":120000}}",
                cmd_json,
                J(&self.st.cwd)
            );
            w!(
                self.o,
                "{{\"type\":\"function_call\",\"name\":\"shell\",\"arguments\":\"{}\",\"call_id\":\"call_{call}\"}}",
                J(&args)
            );
        } else {
            let args = if self.r.chance(0.5) {
                format!("{{\"cmd\": \"{cmd_json}\", \"yield_time_ms\": 10000}}")
            } else {
                format!(
                    "{{\"cmd\": \"{cmd_json}\", \"workdir\": \"{}\", \"yield_time_ms\": 10000}}",
                    J(&self.st.cwd)
                )
            };
            let fc = self.r.hex_string(24);
            let hs = self.next_hseq();
            w!(
                self.o,
                "{{\"type\":\"function_call\",\"status\":\"completed\",\"id\":\"fc_{fc}\",\"name\":\"exec_command\",\"arguments\":\"{}\",\"call_id\":\"call_{call}\",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\"}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false,\"user_input_order\":1}}",
                J(&args),
                self.sampled
            );
            self.sampled = hs;
        }
        self.o.end();
        self.token_usage_record(&usage);
        let exec_start = self.tick(10, 80);
        self.st.now += cmd.duration_ms as i64;
        let exec_end = self.st.now;
        let wall = cmd.duration_ms as f64 / 1000.0 + self.r.uniform(0.0, 0.002);
        let orig_tokens = self.text.len() / 4 + 1;
        if self.old {
            let ts = self.tick(2, 20);
            self.o.begin(ts, "response_item");
            // The output is a JSON document inside a JSON string: escape twice.
            self.tmp.clear();
            self.tmp.extend_from_slice(b"{\"output\":\"");
            text::escape_into(&mut self.tmp, &self.text);
            self.tmp
                .write_fmt(format_args!(
                    "\",\"metadata\":{{\"exit_code\":{},\"duration_seconds\":{:.1}}}}}",
                    cmd.exit_code, wall
                ))
                .expect("writing to a Vec cannot fail");
            w!(
                self.o,
                "{{\"type\":\"function_call_output\",\"call_id\":\"call_{call}\",\"output\":\""
            );
            text::escape_into(&mut self.o.buf, &self.tmp);
            self.o.buf.extend_from_slice(b"\"}");
            self.o.end();
        } else {
            let pid = self.r.range(1_000, 99_999);
            let status = if cmd.exit_code == 0 {
                "completed"
            } else {
                "failed"
            };
            let parsed = match &cmd.parsed {
                Parsed::Read { name, path } => format!(
                    "{{\"type\":\"read\",\"cmd\":\"{cmd_json}\",\"name\":\"{}\",\"path\":\"{}\"}}",
                    J(name),
                    J(path)
                ),
                Parsed::ListFiles { path } => format!(
                    "{{\"type\":\"list_files\",\"cmd\":\"{cmd_json}\",\"path\":\"{}\"}}",
                    J(path)
                ),
                Parsed::Search { query, path } => format!(
                    "{{\"type\":\"search\",\"cmd\":\"{cmd_json}\",\"query\":\"{}\",\"path\":\"{}\"}}",
                    J(query),
                    J(path)
                ),
                Parsed::Unknown => format!("{{\"type\":\"unknown\",\"cmd\":\"{cmd_json}\"}}"),
            };
            self.o.begin(exec_end, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"item_completed\",\"thread_id\":\"{}\",\"turn_id\":\"{tid}\",\"item\":{{\"type\":\"CommandExecution\",\"id\":\"call_{call}\",\"process_id\":\"{pid}\",\"command\":[\"/bin/bash\",\"-lc\",\"{cmd_json}\"],\"cwd\":\"file://{}\",\"parsed_cmd\":[{parsed}],\"source\":\"unified_exec_startup\",\"status\":\"{status}\",\"aggregated_output\":\"",
                self.st.id,
                J(&self.st.cwd)
            );
            text::escape_into(&mut self.o.buf, &self.text);
            w!(
                self.o,
                "\",\"exit_code\":{},\"duration\":{{\"secs\":{},\"nanos\":{}}}}},\"started_at_ms\":{exec_start},\"completed_at_ms\":{exec_end}}}",
                cmd.exit_code,
                cmd.duration_ms / 1000,
                (cmd.duration_ms % 1000) * 1_000_000 + self.r.below(1_000_000)
            );
            self.o.end();
            let ts = self.tick(1, 6);
            let fco = uuid7(&mut self.r, ts);
            let ct = self.create_time(ts);
            let hs = self.next_hseq();
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"function_call_output\",\"id\":\"fco_{fco}\",\"call_id\":\"call_{call}\",\"output\":\"Chunk ID: {}\\nWall time: {wall:.4} seconds\\nProcess exited with code {}\\nOriginal token count: {orig_tokens}\\nOutput:\\n",
                self.r.hex_string(6),
                cmd.exit_code
            );
            text::escape_into(&mut self.o.buf, &self.text);
            w!(
                self.o,
                "\",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\",\"create_time\":{ct}}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false,\"fallback_token_limit_override\":3000}}",
                self.sampled
            );
            self.o.end();
        }
        self.token_count(&usage);
        self.exp.tool_calls += 1;
        if cmd.exit_code != 0 {
            self.exp.tool_failures += 1;
        }
        // What the model will see of the output next time (Codex truncates long outputs).
        self.st.ctx += (orig_tokens as u64).min(10_000) + 60;
    }

    fn final_request(&mut self, fill: bool, msg_len: usize, blob: usize) {
        self.model_latency();
        let usage = self.next_usage(true);
        self.account(&usage);
        let blob_at = self.reasoning_lines(if fill { 0 } else { blob });
        let msg = text::agent_message(&mut self.r, msg_len);
        let mid = self.r.hex_string(24);
        let tid = self.turn_id.clone();
        if self.old {
            let ts = self.tick(5, 200);
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"agent_message\",\"message\":\"{}\"}}",
                J(&msg)
            );
            self.o.end();
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{{\"type\":\"output_text\",\"text\":\"{}\"}}]}}",
                J(&msg)
            );
            self.o.end();
        } else {
            let ts = self.tick(5, 200);
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"item_completed\",\"thread_id\":\"{}\",\"turn_id\":\"{tid}\",\"item\":{{\"type\":\"AgentMessage\",\"id\":\"msg_{mid}\",\"content\":[{{\"type\":\"Text\",\"text\":\"{}\"}}]}},\"started_at_ms\":{},\"completed_at_ms\":{ts}}}",
                self.st.id,
                J(&msg),
                ts - 3
            );
            self.o.end();
            let ts = self.tick(1, 8);
            let hs = self.next_hseq();
            let rev = uuid7(&mut self.r, ts);
            self.o.begin(ts, "response_item");
            w!(
                self.o,
                "{{\"type\":\"message\",\"status\":\"completed\",\"id\":\"msg_{mid}\",\"role\":\"assistant\",\"content\":[{{\"type\":\"output_text\",\"text\":\"{}\",\"annotations\":[]}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\",\"content_item_kinds\":[\"unknown\"]}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"retained_source\":{{\"id\":{{\"message_id\":\"msg_{mid}\",\"turn_id\":\"{tid}\",\"role\":\"assistant\"}},\"revision\":\"retained_{rev}\",\"complete\":true}},\"client_authored\":false,\"user_input_order\":2}}",
                J(&msg),
                self.sampled
            );
            self.o.end();
            self.sampled = hs;
        }
        self.token_usage_record(&usage);
        self.token_count(&usage);
        let ts = self.tick(2, 12);
        self.o.begin(ts, "event_msg");
        if self.old {
            w!(
                self.o,
                "{{\"type\":\"task_complete\",\"last_agent_message\":\"{}\"}}",
                J(&msg)
            );
        } else {
            w!(
                self.o,
                "{{\"type\":\"task_complete\",\"root_turn_id\":\"{tid}\",\"turn_id\":\"{tid}\",\"last_agent_message\":\"{}\",\"started_at\":{},\"completed_at\":{},\"duration_ms\":{},\"time_to_first_token_ms\":{}}}",
                J(&msg),
                self.turn_start.div_euclid(1000),
                ts.div_euclid(1000),
                ts - self.turn_start,
                self.ttft.unwrap_or(0)
            );
        }
        self.o.end();
        self.st.ctx += msg.len() as u64 / 4;
        if fill {
            let want = self.remaining().clamp(MIN_BLOB, FILL_BLOB_MAX);
            self.tmp.clear();
            text::blob_into(&mut self.r, &mut self.tmp, want);
            let tmp = std::mem::take(&mut self.tmp);
            self.o.buf.splice(blob_at..blob_at, tmp.iter().copied());
            self.tmp = tmp;
        }
    }

    /// A turn that dies with `context_window_exceeded`: the total is reset to the window.
    fn overflow_turn(&mut self, turn: usize) {
        self.turn_header(turn);
        if !(turn == 0 && self.flags.info_null) {
            let ts = self.tick(30, 90);
            let rl = self.rate_limits();
            self.o.begin(ts, "event_msg");
            w!(
                self.o,
                "{{\"type\":\"token_count\",\"info\":null,\"rate_limits\":{rl}}}"
            );
            self.o.end();
        }
        let win = self.model().window;
        let ts = self.tick(5, 1_500);
        let rl = self.rate_limits();
        let fill = U {
            t: Tok::default(),
            total: win,
            cache_write: true,
        };
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{fill},\"last_token_usage\":{fill},\"model_context_window\":{win}}},\"rate_limits\":{rl}}}"
        );
        self.o.end();
        let ts = self.tick(2, 10);
        let tid = self.turn_id.clone();
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"task_complete\",\"root_turn_id\":\"{tid}\",\"turn_id\":\"{tid}\",\"last_agent_message\":null,\"error\":{{\"message\":\"Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.\",\"codex_error_info\":\"context_window_exceeded\"}},\"started_at\":{},\"completed_at\":{},\"duration_ms\":{}}}",
            self.turn_start.div_euclid(1000),
            ts.div_euclid(1000),
            ts - self.turn_start
        );
        self.o.end();
        self.st.reported = Tok::default();
        self.st.offset = win;
        self.st.ctx = self.st.base;
        self.st.prev_input = 0;
        self.exp.traps.overflows += 1;
    }
}

fn effort_for(r: &mut Rng, model: usize) -> &'static str {
    if MODELS[model].o_series {
        O_EFFORTS[r.index(O_EFFORTS.len())]
    } else {
        EFFORTS[r.weighted(EFFORT_WEIGHTS)]
    }
}
