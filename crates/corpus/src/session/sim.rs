//! The simulator: thread state, plans, and what happens in a session (turns, requests, tool
//! calls, the billing truth), with the lines themselves left to the per-generation renderers.

use crate::rng::Rng;
use crate::text::{self, Command, Lang, Pools};
use crate::time::day_key;
use crate::{Expected, Tok};

use super::catalogue::{
    BRANCHES, EFFORT_WEIGHTS, EFFORTS, FILL_BLOB_MAX, MAX_BLOB, MIN_BLOB, MODELS, Model, NEW_SHAPE,
    O_EFFORTS, OLD_GEN_MODEL, OLD_SHAPE, REPOS, Shape, TZS,
};
use super::render_new::rate_limits_new;
use super::render_old::rate_limits_old;
use super::wire::{Out, U, uuid7};

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

/// The session being written: the thread's state, the output, the ground truth, and the state
/// of the current turn.
pub(super) struct Gen<'a> {
    pub(super) pools: &'a Pools,
    pub(super) r: Rng,
    pub(super) o: &'a mut Out,
    pub(super) exp: &'a mut Expected,
    pub(super) st: ThreadState,
    pub(super) flags: Flags,
    /// Whether the file has the old-generation shape.
    pub(super) old: bool,
    pub(super) shape: &'static Shape,
    /// Buffer length the file should end at.
    pub(super) end: usize,
    /// Room (bytes) left for the last turn, which steers the file to its exact size.
    pub(super) last_zone: usize,
    pub(super) lang: Lang,
    /// `turn_trigger` of `task_started`.
    pub(super) trigger: &'static str,
    // Turn state.
    pub(super) turn_id: String,
    pub(super) turn_start: i64,
    pub(super) turn_usage: Tok,
    /// Time to the first token of the turn (ms), once a request was made.
    pub(super) ttft: Option<i64>,
    /// `sampled_through_sequence` of the next 0.169 `response_item`.
    pub(super) sampled: u64,
    /// Bytes of parent lines replayed into this file.
    pub(super) replayed: usize,
    /// Scratch buffer for the current tool output.
    pub(super) text: Vec<u8>,
    /// Scratch buffer for copies and nested escaping.
    pub(super) tmp: Vec<u8>,
}

/// What the header lines of a turn show, drawn before they are written.
pub(super) struct TurnOpening {
    pub(super) start: i64,
    pub(super) win: u64,
    pub(super) prompt: String,
    /// The user's local date (`YYYY-MM-DD`) and time zone.
    pub(super) date: String,
    pub(super) tz: &'static str,
    /// The `<environment_context>` message.
    pub(super) env: String,
}

/// A shell call that has run, as its output lines need it.
pub(super) struct ToolRun {
    pub(super) call: String,
    pub(super) cmd_json: String,
    pub(super) exec_start: i64,
    pub(super) exec_end: i64,
    /// Wall time (seconds) shown in the output.
    pub(super) wall: f64,
    /// Token count of the output before Codex truncates it.
    pub(super) orig_tokens: usize,
}

impl<'a> Gen<'a> {
    pub(super) fn new(
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
            Origin::Primary => primary_state(&mut r, plan, old),
            Origin::Fork { parent, .. } => child_state(&mut r, plan, parent, false),
            Origin::SubAgent { parent, .. } => child_state(&mut r, plan, parent, true),
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

    // ---------------------------------------------------------------- clock and state

    pub(super) fn remaining(&self) -> usize {
        self.end.saturating_sub(self.o.buf.len())
    }

    pub(super) fn tick(&mut self, lo: u64, hi: u64) -> i64 {
        self.st.now += self.r.range(lo, hi) as i64;
        self.st.now
    }

    pub(super) fn model(&self) -> &'static Model {
        &MODELS[self.st.model]
    }

    pub(super) fn next_hseq(&mut self) -> u64 {
        self.st.hseq += 1;
        self.st.hseq
    }

    fn local_date(&self) -> String {
        day_key(self.st.now + TZS[self.st.tz].1 * 60_000)
    }

    // ---------------------------------------------------------------- session_meta

    /// Writes the `session_meta` line and, for a fork or sub-agent, replays the parent.
    pub(super) fn session_meta(&mut self, plan: &Plan, origin: &Origin<'_>) {
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
            self.session_meta_old(created, line_ts, git);
            return;
        }
        self.session_meta_new(created, line_ts, git, origin);
        if let Origin::Fork { parent_bytes, .. } | Origin::SubAgent { parent_bytes, .. } = origin {
            self.replay(parent_bytes, line_ts);
            // The child's own work starts a little after it was created.
            self.tick(2_000, 90_000);
        }
    }

    // ---------------------------------------------------------------- turns

    /// Writes turns until the file reaches its target size.
    pub(super) fn run(&mut self, plan: &Plan) {
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

    /// A silent compaction when the context has grown past what the model holds.
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

    /// Starts a turn (after a pause, maybe with another model) and writes its header lines.
    fn turn_header(&mut self, turn: usize) {
        let opening = self.open_turn(turn);
        if self.old {
            self.turn_header_old(&opening);
        } else {
            self.turn_header_new(turn, &opening);
        }
        self.st.ctx += 40 + opening.prompt.len() as u64 / 4;
        if turn == 0 && self.flags.info_null {
            self.token_count_null();
        }
    }

    /// Advances the clock to a new turn, resets the turn state, and draws what its header shows.
    fn open_turn(&mut self, turn: usize) -> TurnOpening {
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
        TurnOpening {
            start,
            win,
            prompt,
            date,
            tz,
            env,
        }
    }

    /// One ordinary turn: its header, some tool calls, and the final answer.
    fn turn(&mut self, turn: usize, last: bool) {
        self.turn_header(turn);
        let msg_len = self.r.lognormal(450.0, 0.8).clamp(120.0, 2_000.0) as usize;
        let final_blob = self.blob_size();
        if last {
            self.last_turn_tool_requests(msg_len, final_blob);
            self.final_request(true, msg_len, final_blob);
        } else {
            self.tool_requests();
            self.final_request(false, msg_len, final_blob);
        }
    }

    /// The tool calls of a turn that is not the last, leaving room for the last turn.
    fn tool_requests(&mut self) {
        let shape = self.shape;
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
    }

    /// The tool calls of the last turn, sharing out what is left before the final answer.
    fn last_turn_tool_requests(&mut self, msg_len: usize, final_blob: usize) {
        let shape = self.shape;
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
            let out = (share.saturating_sub(shape.tool + blob) as f64 / shape.out_mult) as usize;
            self.tool_request(out, blob);
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

    /// A turn that dies with `context_window_exceeded`: the total is reset to the window.
    fn overflow_turn(&mut self, turn: usize) {
        self.turn_header(turn);
        if !(turn == 0 && self.flags.info_null) {
            let ts = self.tick(30, 90);
            let rl = self.rate_limits();
            self.o.token_count_null_line(ts, &rl);
        }
        let win = self.model().window;
        let ts = self.tick(5, 1_500);
        let rl = self.rate_limits();
        self.window_filled_line(ts, win, &rl);
        let ts = self.tick(2, 10);
        self.task_overflowed_line(ts);
        self.st.reported = Tok::default();
        self.st.offset = win;
        self.st.ctx = self.st.base;
        self.st.prev_input = 0;
        self.exp.traps.overflows += 1;
    }

    // ---------------------------------------------------------------- requests

    /// The usage of the next request, from the context the thread has built up.
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

    /// Writes the reasoning lines of a request; returns where its encrypted blob starts.
    fn reasoning_lines(&mut self, blob: usize) -> usize {
        let summary = text::summary(&mut self.r);
        let rs = self.r.hex_string(24);
        let tid = self.turn_id.clone();
        let ts = self.tick(1, 40);
        if self.old {
            self.reasoning_open_old(ts, &summary);
        } else {
            self.reasoning_open_new(ts, &rs, &summary, &tid);
        }
        let at = self.o.buf.len();
        text::blob_into(&mut self.r, &mut self.o.buf, blob);
        if self.old {
            self.reasoning_close_old();
        } else {
            self.reasoning_close_new(&tid);
        }
        at
    }

    /// Moves the rate-limit gauges on and renders them for the file's generation.
    fn rate_limits(&mut self) -> String {
        self.st.rl_primary = (self.st.rl_primary + self.r.uniform(0.05, 0.6)) % 100.0;
        self.st.rl_secondary = (self.st.rl_secondary + self.r.uniform(0.01, 0.1)) % 100.0;
        let now_s = self.st.now.div_euclid(1000);
        if self.old {
            rate_limits_old(self.st.rl_primary, self.st.rl_secondary, now_s)
        } else {
            rate_limits_new(self.st.rl_primary, self.st.rl_secondary, now_s)
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
        let body_at = if self.flags.no_last {
            self.o.token_count_total_only_line(ts, &total, win, &rl)
        } else if self.old {
            self.token_count_line_old(ts, &total, &last_u, win, &rl)
        } else {
            self.token_count_line_new(ts, &total, &last_u, win, &rl)
        };
        let name = self.model().name;
        self.exp.bill(name, ts, last);
        if self.flags.reemit && self.r.chance(0.35) {
            self.reemit_last_line(body_at);
        }
    }

    /// Writes the last line again (from its payload at `body_at` on), a little later.
    fn reemit_last_line(&mut self, body_at: usize) {
        let ts2 = self.tick(1, 400);
        self.tmp.clear();
        self.tmp.extend_from_slice(&self.o.buf[body_at..]);
        self.o.begin(ts2, "event_msg");
        self.o.buf.extend_from_slice(&self.tmp);
        self.o.ordinal += 1;
        self.exp.traps.reemitted_rows += 1;
    }

    /// A `token_count` row with `info: null` (a trap).
    fn token_count_null(&mut self) {
        let ts = self.tick(20, 80);
        let rl = self.rate_limits();
        self.o.token_count_null_line(ts, &rl);
        self.exp.traps.info_null_rows += 1;
    }

    /// A request that runs one shell command, with its output of about `out_target` bytes.
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
        let cmd_json = text::escaped(&cmd.cmd);
        if self.old {
            self.tool_call_old(ts, &call, &cmd_json);
        } else {
            self.tool_call_new(ts, &call, &cmd_json);
            self.token_usage_record(&usage);
        }
        let exec_start = self.tick(10, 80);
        self.st.now += cmd.duration_ms as i64;
        let run = ToolRun {
            call,
            cmd_json,
            exec_start,
            exec_end: self.st.now,
            wall: cmd.duration_ms as f64 / 1000.0 + self.r.uniform(0.0, 0.002),
            orig_tokens: self.text.len() / 4 + 1,
        };
        if self.old {
            self.tool_output_old(&cmd, &run);
        } else {
            self.tool_output_new(&cmd, &run);
        }
        self.token_count(&usage);
        self.exp.tool_calls += 1;
        if cmd.exit_code != 0 {
            self.exp.tool_failures += 1;
        }
        // What the model will see of the output next time (Codex truncates long outputs).
        self.st.ctx += (run.orig_tokens as u64).min(10_000) + 60;
    }

    /// The request that answers the turn; with `fill`, its reasoning blob grows to end the
    /// file at its target size.
    fn final_request(&mut self, fill: bool, msg_len: usize, blob: usize) {
        self.model_latency();
        let usage = self.next_usage(true);
        self.account(&usage);
        let blob_at = self.reasoning_lines(if fill { 0 } else { blob });
        let msg = text::agent_message(&mut self.r, msg_len);
        let mid = self.r.hex_string(24);
        if self.old {
            self.agent_message_old(&msg);
        } else {
            self.agent_message_new(&msg, &mid);
            self.token_usage_record(&usage);
        }
        self.token_count(&usage);
        let ts = self.tick(2, 12);
        if self.old {
            self.task_complete_old(ts, &msg);
        } else {
            self.task_complete_new(ts, &msg);
        }
        self.st.ctx += msg.len() as u64 / 4;
        if fill {
            self.fill_blob(blob_at);
        }
    }

    /// Inserts at `blob_at` as much encrypted reasoning as the file still has room for.
    fn fill_blob(&mut self, blob_at: usize) {
        let want = self.remaining().clamp(MIN_BLOB, FILL_BLOB_MAX);
        self.tmp.clear();
        text::blob_into(&mut self.r, &mut self.tmp, want);
        let tmp = std::mem::take(&mut self.tmp);
        self.o.buf.splice(blob_at..blob_at, tmp.iter().copied());
        self.tmp = tmp;
    }
}

/// A new thread's state: its repo, client, model, context size and policies.
fn primary_state(r: &mut Rng, plan: &Plan, old: bool) -> ThreadState {
    let repo = r.index(REPOS.len());
    let (originator, source) = *r.pick(&[
        ("codex_cli_rs", "cli"),
        ("codex_cli_rs", "cli"),
        ("codex_exec", "exec"),
        ("codex_vscode", "vscode"),
    ]);
    let model = if old { OLD_GEN_MODEL } else { pick_model(r) };
    let long_ctx = MODELS[model].long_ok && r.chance(0.35);
    let base = r.range(3_000, 14_000);
    ThreadState {
        id: uuid7(r, plan.created_ms),
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
        effort: effort_for(r, model),
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
            ["on-request", "never", "untrusted", "on-failure"][r.weighted(&[55, 25, 10, 10])]
        },
        sandbox: r.weighted(&[25, 60, 15]),
    }
}

/// A fork's or sub-agent's state: the parent's, with a new id and clock (and a sub-agent may
/// run on another model).
fn child_state(r: &mut Rng, plan: &Plan, parent: &ThreadState, sub_agent: bool) -> ThreadState {
    let mut st = parent.clone();
    st.id = uuid7(r, plan.created_ms);
    st.now = plan.created_ms;
    if sub_agent && r.chance(0.4) {
        st.model = pick_model(r);
        st.effort = effort_for(r, st.model);
    }
    st
}

fn pick_model(r: &mut Rng) -> usize {
    let weights: Vec<u32> = MODELS.iter().map(|m| m.weight).collect();
    r.weighted(&weights)
}

fn effort_for(r: &mut Rng, model: usize) -> &'static str {
    if MODELS[model].o_series {
        O_EFFORTS[r.index(O_EFFORTS.len())]
    } else {
        EFFORTS[r.weighted(EFFORT_WEIGHTS)]
    }
}

fn round128(x: u64) -> u64 {
    x / 128 * 128
}
