//! The renderer of Codex CLI 0.169 rollouts: ordinals, turn attribution, history sequences,
//! `item_completed` events and `token_usage_record` lines.

use std::io::Write as _;

use crate::Tok;
use crate::text::{self, Command, J, Parsed};
use crate::time::Ts;

use super::catalogue::{BASE_INSTRUCTIONS, NICKNAMES, SANDBOXES};
use super::sim::{Gen, Origin, ToolRun, TurnOpening};
use super::wire::{U, u, uuid7, w};

/// The 0.169 `rate_limits` object: resets as unix seconds.
pub(super) fn rate_limits_new(primary: f64, secondary: f64, now_s: i64) -> String {
    format!(
        "{{\"limit_id\":\"codex\",\"limit_name\":null,\"primary\":{{\"used_percent\":{:.1},\"window_minutes\":300,\"resets_at\":{}}},\"secondary\":{{\"used_percent\":{:.1},\"window_minutes\":10080,\"resets_at\":{}}},\"credits\":null,\"individual_limit\":null,\"spend_control_reached\":null,\"plan_type\":\"pro\",\"rate_limit_reached_type\":null}}",
        primary,
        (now_s / 18_000 + 1) * 18_000,
        secondary,
        (now_s / 604_800 + 1) * 604_800
    )
}

/// The `parsed_cmd` entry of a command execution.
fn parsed_cmd_json(parsed: &Parsed, cmd_json: &str) -> String {
    match parsed {
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
    }
}

impl Gen<'_> {
    /// A `create_time` value: unix seconds with a 7-digit fraction.
    fn create_time(&mut self, ms: i64) -> String {
        format!(
            "{}.{:03}{:04}",
            ms.div_euclid(1000),
            ms.rem_euclid(1000),
            self.r.below(10_000)
        )
    }

    // ---------------------------------------------------------------- session_meta

    /// The 0.169 `session_meta` line; `git` is the `,"git":{…}` member or empty.
    pub(super) fn session_meta_new(
        &mut self,
        created: i64,
        line_ts: i64,
        git: &str,
        origin: &Origin<'_>,
    ) {
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
    }

    /// Copies the parent's lines, stamped with the child's creation time and renumbered.
    pub(super) fn replay(&mut self, parent: &[u8], ts: i64) {
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

    // ---------------------------------------------------------------- turn header

    /// `task_started`, the harness messages, the settings lines and the user's prompt.
    pub(super) fn turn_header_new(&mut self, turn: usize, t: &TurnOpening) {
        let tid = self.turn_id.clone();
        self.task_started_new(&tid, t.start, t.win);
        self.harness_messages_new(&tid, &t.env);
        self.settings_lines_new(turn, &tid, &t.date, t.tz);
        self.user_prompt_new(&tid, &t.prompt);
    }

    fn task_started_new(&mut self, tid: &str, start: i64, win: u64) {
        let trace = self.r.hex_string(32);
        self.o.begin(start, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"task_started\",\"turn_attribution\":{{\"turn_id\":\"{tid}\",\"turn_trigger\":\"{}\",\"parent_turn_id\":null,\"initiating_agent_path\":null,\"root_turn_id\":\"{tid}\"}},\"turn_id\":\"{tid}\",\"root_turn_id\":\"{tid}\",\"trace_id\":\"{trace}\",\"started_at\":{},\"model_context_window\":{win},\"collaboration_mode_kind\":\"default\"}}",
            self.trigger,
            start.div_euclid(1000)
        );
        self.o.end();
    }

    /// The developer message (permissions) and the environment context, at the same instant.
    fn harness_messages_new(&mut self, tid: &str, env: &str) {
        let ts = self.tick(20, 90);
        let (mode, _, desc) = SANDBOXES[self.st.sandbox];
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
        let ct = self.create_time(ts);
        let hs = self.next_hseq();
        let id = uuid7(&mut self.r, ts);
        self.o.begin(ts, "response_item");
        w!(
            self.o,
            "{{\"type\":\"message\",\"id\":\"msg_{id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\",\"create_time\":{ct},\"content_item_kinds\":[\"environments.environment_context\"],\"content_item_metadata\":[{{\"provenance\":{{\"type\":\"harness\",\"hook\":false}}}}]}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false}}",
            J(env),
            self.sampled
        );
        self.o.end();
    }

    /// `world_state` (first turn only), `turn_context` and `thread_settings_applied`.
    fn settings_lines_new(&mut self, turn: usize, tid: &str, date: &str, tz: &str) {
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
        let policy_json = SANDBOXES[self.st.sandbox].1;
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
    }

    /// The user's prompt, as a `message` item and its `UserMessage` completion.
    fn user_prompt_new(&mut self, tid: &str, prompt: &str) {
        let ts = self.tick(3, 30);
        let ct = self.create_time(ts);
        let hs = self.next_hseq();
        let id = uuid7(&mut self.r, ts);
        self.o.begin(ts, "response_item");
        w!(
            self.o,
            "{{\"type\":\"message\",\"id\":\"msg_{id}\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}],\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\",\"create_time\":{ct},\"content_item_kinds\":[\"user.text\"],\"content_item_metadata\":[{{\"provenance\":{{\"type\":\"user\"}}}}]}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false,\"user_input_order\":0,\"mcp_attribution\":{{\"status\":\"none\"}}}}",
            J(prompt),
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
            J(prompt)
        );
        self.o.end();
    }

    // ---------------------------------------------------------------- requests

    /// The `Reasoning` completion, then the `reasoning` item up to its encrypted blob.
    pub(super) fn reasoning_open_new(&mut self, ts: i64, rs: &str, summary: &str, tid: &str) {
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"item_completed\",\"thread_id\":\"{}\",\"turn_id\":\"{tid}\",\"item\":{{\"type\":\"Reasoning\",\"id\":\"rs_{rs}\",\"summary_text\":[\"{}\"],\"raw_content\":[]}},\"started_at_ms\":{},\"completed_at_ms\":{ts}}}",
            self.st.id,
            J(summary),
            ts - 1
        );
        self.o.end();
        self.o.begin(ts + 1, "response_item");
        w!(
            self.o,
            "{{\"type\":\"reasoning\",\"id\":\"rs_{rs}\",\"summary\":[{{\"type\":\"summary_text\",\"text\":\"{}\"}}],\"content\":null,\"encrypted_content\":\"",
            J(summary)
        );
    }

    /// Closes the `reasoning` item after its blob, with its history metadata.
    pub(super) fn reasoning_close_new(&mut self, tid: &str) {
        let hs = self.next_hseq();
        w!(
            self.o,
            "\",\"internal_chat_message_metadata_passthrough\":{{\"turn_id\":\"{tid}\"}}}},\"metadata\":{{\"history_sequence\":{hs},\"sampled_through_sequence\":{},\"client_authored\":false}}",
            self.sampled
        );
        self.o.end();
    }

    /// The `token_usage_record` of a request: its usage, the turn's and the thread's.
    pub(super) fn token_usage_record(&mut self, t: &Tok) {
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

    /// A `token_count` row with both usages; returns where its payload starts.
    pub(super) fn token_count_line_new(
        &mut self,
        ts: i64,
        total: &U,
        last: &U,
        win: u64,
        rl: &str,
    ) -> usize {
        self.o.begin(ts, "event_msg");
        let body_at = self.o.buf.len();
        w!(
            self.o,
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{total},\"last_token_usage\":{last},\"last_usage_includes_reasoning\":false,\"model_context_window\":{win}}},\"rate_limits\":{rl}}}"
        );
        self.o.end();
        body_at
    }

    /// The `exec_command` function call.
    pub(super) fn tool_call_new(&mut self, ts: i64, call: &str, cmd_json: &str) {
        let tid = self.turn_id.clone();
        self.o.begin(ts, "response_item");
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
        self.o.end();
        self.sampled = hs;
    }

    /// The command's `CommandExecution` completion and its `function_call_output` item; the
    /// output is in `self.text`.
    pub(super) fn tool_output_new(&mut self, cmd: &Command, run: &ToolRun) {
        let tid = self.turn_id.clone();
        self.command_completed_new(cmd, run, &tid);
        self.function_call_output_new(cmd, run, &tid);
    }

    fn command_completed_new(&mut self, cmd: &Command, run: &ToolRun, tid: &str) {
        let pid = self.r.range(1_000, 99_999);
        let status = if cmd.exit_code == 0 {
            "completed"
        } else {
            "failed"
        };
        let cmd_json = &run.cmd_json;
        let call = &run.call;
        let parsed = parsed_cmd_json(&cmd.parsed, cmd_json);
        let (exec_start, exec_end) = (run.exec_start, run.exec_end);
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
    }

    fn function_call_output_new(&mut self, cmd: &Command, run: &ToolRun, tid: &str) {
        let ts = self.tick(1, 6);
        let fco = uuid7(&mut self.r, ts);
        let ct = self.create_time(ts);
        let hs = self.next_hseq();
        let call = &run.call;
        let wall = run.wall;
        let orig_tokens = run.orig_tokens;
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

    /// The answer, as an `AgentMessage` completion and an assistant `message` item.
    pub(super) fn agent_message_new(&mut self, msg: &str, mid: &str) {
        let tid = self.turn_id.clone();
        let ts = self.tick(5, 200);
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"item_completed\",\"thread_id\":\"{}\",\"turn_id\":\"{tid}\",\"item\":{{\"type\":\"AgentMessage\",\"id\":\"msg_{mid}\",\"content\":[{{\"type\":\"Text\",\"text\":\"{}\"}}]}},\"started_at_ms\":{},\"completed_at_ms\":{ts}}}",
            self.st.id,
            J(msg),
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
            J(msg),
            self.sampled
        );
        self.o.end();
        self.sampled = hs;
    }

    pub(super) fn task_complete_new(&mut self, ts: i64, msg: &str) {
        let tid = self.turn_id.clone();
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"task_complete\",\"root_turn_id\":\"{tid}\",\"turn_id\":\"{tid}\",\"last_agent_message\":\"{}\",\"started_at\":{},\"completed_at\":{},\"duration_ms\":{},\"time_to_first_token_ms\":{}}}",
            J(msg),
            self.turn_start.div_euclid(1000),
            ts.div_euclid(1000),
            ts - self.turn_start,
            self.ttft.unwrap_or(0)
        );
        self.o.end();
    }

    // ---------------------------------------------------------------- overflow

    /// The `token_count` row that reports the whole window as used (the overflow fill row).
    pub(super) fn window_filled_line(&mut self, ts: i64, win: u64, rl: &str) {
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
    }

    /// The `task_complete` of a turn that failed with `context_window_exceeded`.
    pub(super) fn task_overflowed_line(&mut self, ts: i64) {
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
    }
}
