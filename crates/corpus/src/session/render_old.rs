//! The renderer of old-generation rollouts (Codex CLI 0.38): no ordinals, no `turn_context`,
//! no model, no `token_usage_record`.

use std::io::Write as _;

use crate::text::{self, Command, J};
use crate::time::Ts;

use super::sim::{Gen, ToolRun, TurnOpening};
use super::wire::{U, w};

/// The old `rate_limits` object: resets as seconds from now.
pub(super) fn rate_limits_old(primary: f64, secondary: f64, now_s: i64) -> String {
    format!(
        "{{\"primary\":{{\"used_percent\":{:.1},\"window_minutes\":300,\"resets_in_seconds\":{}}},\"secondary\":{{\"used_percent\":{:.1},\"window_minutes\":10080,\"resets_in_seconds\":{}}}}}",
        primary,
        18_000 - now_s.rem_euclid(18_000),
        secondary,
        604_800 - now_s.rem_euclid(604_800)
    )
}

impl Gen<'_> {
    /// The old `session_meta` line; `git` is the `,"git":{…}` member or empty.
    pub(super) fn session_meta_old(&mut self, created: i64, line_ts: i64, git: &str) {
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
    }

    /// `task_started`, the environment context and the prompt (twice: item and event).
    pub(super) fn turn_header_old(&mut self, t: &TurnOpening) {
        self.o.begin(t.start, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"task_started\",\"model_context_window\":{}}}",
            t.win
        );
        self.o.end();
        let ts = self.tick(1, 20);
        self.o.begin(ts, "response_item");
        w!(
            self.o,
            "{{\"type\":\"message\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}]}}",
            J(&t.env)
        );
        self.o.end();
        let ts = self.tick(1, 20);
        self.o.begin(ts, "response_item");
        w!(
            self.o,
            "{{\"type\":\"message\",\"role\":\"user\",\"content\":[{{\"type\":\"input_text\",\"text\":\"{}\"}}]}}",
            J(&t.prompt)
        );
        self.o.end();
        let ts = self.tick(1, 20);
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"user_message\",\"message\":\"{}\",\"images\":[]}}",
            J(&t.prompt)
        );
        self.o.end();
    }

    /// `agent_reasoning`, then the `reasoning` item up to its encrypted blob.
    pub(super) fn reasoning_open_old(&mut self, ts: i64, summary: &str) {
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"agent_reasoning\",\"text\":\"{}\"}}",
            J(summary)
        );
        self.o.end();
        self.o.begin(ts, "response_item");
        w!(
            self.o,
            "{{\"type\":\"reasoning\",\"summary\":[{{\"type\":\"summary_text\",\"text\":\"{}\"}}],\"content\":null,\"encrypted_content\":\"",
            J(summary)
        );
    }

    /// Closes the `reasoning` item after its blob.
    pub(super) fn reasoning_close_old(&mut self) {
        w!(self.o, "\"}}");
        self.o.end();
    }

    /// A `token_count` row with both usages; returns where its payload starts.
    pub(super) fn token_count_line_old(
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
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{total},\"last_token_usage\":{last},\"model_context_window\":{win}}},\"rate_limits\":{rl}}}"
        );
        self.o.end();
        body_at
    }

    /// The `shell` function call.
    pub(super) fn tool_call_old(&mut self, ts: i64, call: &str, cmd_json: &str) {
        self.o.begin(ts, "response_item");
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
        self.o.end();
    }

    /// The `function_call_output` of the command whose output is in `self.text`.
    pub(super) fn tool_output_old(&mut self, cmd: &Command, run: &ToolRun) {
        let ts = self.tick(2, 20);
        self.o.begin(ts, "response_item");
        // The output is a JSON document inside a JSON string: escape twice.
        self.tmp.clear();
        self.tmp.extend_from_slice(b"{\"output\":\"");
        text::escape_into(&mut self.tmp, &self.text);
        self.tmp
            .write_fmt(format_args!(
                "\",\"metadata\":{{\"exit_code\":{},\"duration_seconds\":{:.1}}}}}",
                cmd.exit_code, run.wall
            ))
            .expect("writing to a Vec cannot fail");
        w!(
            self.o,
            "{{\"type\":\"function_call_output\",\"call_id\":\"call_{}\",\"output\":\"",
            run.call
        );
        text::escape_into(&mut self.o.buf, &self.tmp);
        self.o.buf.extend_from_slice(b"\"}");
        self.o.end();
    }

    /// The answer, as an `agent_message` event and an assistant `message` item.
    pub(super) fn agent_message_old(&mut self, msg: &str) {
        let ts = self.tick(5, 200);
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"agent_message\",\"message\":\"{}\"}}",
            J(msg)
        );
        self.o.end();
        self.o.begin(ts, "response_item");
        w!(
            self.o,
            "{{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{{\"type\":\"output_text\",\"text\":\"{}\"}}]}}",
            J(msg)
        );
        self.o.end();
    }

    pub(super) fn task_complete_old(&mut self, ts: i64, msg: &str) {
        self.o.begin(ts, "event_msg");
        w!(
            self.o,
            "{{\"type\":\"task_complete\",\"last_agent_message\":\"{}\"}}",
            J(msg)
        );
        self.o.end();
    }
}
