//! Turns and what happens in them: `event_msg` by sub-kind, turn contexts, starts and ends,
//! prompts, reviewer verdicts, errors and compaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use agentobs_schema::{
    Compaction, Decision, ErrorEvent, ErrorKind, EventKind, GuardianReview, Redacted, Timestamp,
    TurnCompleted, TurnStarted, UserPrompt, WarningKind,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::envelope::Src;
use super::output::Core;
use super::tools::{ExecInfo, text_of};
use crate::names::event as ev;
use crate::raw;

/// The current turn, and the prompts seen so far.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct TurnState {
    /// The turn being read.
    pub(super) turn_id: Option<String>,
    /// The turn that started it (a reviewer's: the turn under review).
    parent_turn_id: Option<String>,
    /// A turn context was read: the file is not a legacy one, whose prompts are messages.
    saw_turn_context: bool,
    /// Prompts counted.
    pub(super) prompts: u64,
    /// The last prompt's turn and length, to count one reported twice once.
    last_prompt: Option<(Option<String>, u64)>,
}

/// A sandbox policy's name: a string, or the `type` (`mode`) of an object.
fn sandbox_name(raw: Option<&RawValue>) -> Option<String> {
    #[derive(Deserialize)]
    struct Tagged {
        #[serde(rename = "type", alias = "mode")]
        kind: String,
    }
    let raw = raw?.get();
    if let Ok(s) = serde_json::from_str::<String>(raw) {
        return Some(s);
    }
    serde_json::from_str::<Tagged>(raw).ok().map(|t| t.kind)
}

/// A `codex_error_info`'s kind (`"name"` or `{"name": {…}}`) and HTTP status.
fn error_kind(info: Option<&RawValue>) -> (Option<ErrorKind>, Option<u16>) {
    let Some(raw) = info else {
        return (None, None);
    };
    if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
        return (Some(ErrorKind::parse(&s)), None);
    }
    if let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(raw.get())
        && let Some((k, v)) = map.into_iter().next()
    {
        let status = v
            .get("http_status_code")
            .and_then(serde_json::Value::as_u64)
            .and_then(|s| u16::try_from(s).ok());
        return (Some(ErrorKind::parse(&k)), status);
    }
    (None, None)
}

impl Core {
    pub(super) fn event_msg(&mut self, sub: Option<&str>, src: Src<'_>, at: Timestamp, n: u64) {
        let Some(sub) = sub else {
            return self.reject(
                n,
                WarningKind::BadValue,
                "event_msg without a payload type".into(),
            );
        };
        match sub {
            ev::TOKEN_COUNT => self.token_count(src, at, n),
            ev::TASK_STARTED | ev::TURN_STARTED => self.task_started(sub, src, at, n),
            ev::TASK_COMPLETE | ev::TURN_COMPLETE => self.task_complete(sub, src, at, n),
            ev::TURN_ABORTED => self.turn_aborted(sub, src, at, n),
            ev::THREAD_SETTINGS_APPLIED => self.thread_settings_applied(sub, src, n),
            ev::USER_MESSAGE => self.user_message(sub, src, at, n),
            ev::ITEM_COMPLETED => match src.parse::<raw::ItemCompleted<'_>>() {
                Ok(ic) => self.item_completed(ic, at, n),
                Err(e) => self.bad(n, sub, &e),
            },
            ev::ERROR => self.error_event(sub, src, at, n),
            ev::CONTEXT_COMPACTED => {
                if !self.st.lineage.replaying {
                    self.emit(at, n, EventKind::Compaction(Compaction::default()));
                }
            }
            ev::EXEC_COMMAND_END => self.exec_command_end(sub, src, n),
            ev::MCP_TOOL_CALL_END => self.mcp_tool_call_end(sub, src, n),
            ev::GUARDIAN_ASSESSMENT => self.guardian_assessment(sub, src, at, n),
            s if ev::CONTENT_ONLY.contains(&s) => {}
            s if ev::KEPT_AS_OTHER.contains(&s) => {
                if !self.st.lineage.replaying {
                    self.other(&format!("event_msg/{s}"), src, at, n, false);
                }
            }
            s => {
                let name = format!("event_msg/{s}");
                self.other(&name, src, at, n, true);
            }
        }
    }

    /// `turn_context`: the model, effort, tier and folder from now on; completes a held
    /// session start.
    pub(super) fn turn_context(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        let tc = match src.parse_or(crate::fastpath::turn_context) {
            Ok(t) => t,
            Err(e) => return self.bad(n, "turn_context", &e),
        };
        self.check_replay_end(at, tc.turn_id.as_deref());
        self.st.turn.saw_turn_context = true;
        let sandbox = sandbox_name(tc.sandbox_policy);
        {
            let ctx = Arc::make_mut(&mut self.st.ctx);
            if let Some(m) = tc.model.clone() {
                ctx.model = Some(m);
                ctx.model_inferred = false;
            }
            if tc.effort.is_some() {
                ctx.reasoning_effort = tc.effort.clone();
            }
            if tc.service_tier.is_some() {
                ctx.service_tier = tc.service_tier.clone();
            }
            if let Some(cwd) = tc.cwd {
                ctx.cwd = Some(cwd);
            }
        }
        if let Some(start) = self.start.as_mut() {
            let s = &mut start.started;
            s.approval_policy = s.approval_policy.take().or(tc.approval_policy);
            s.sandbox_policy = s.sandbox_policy.take().or(sandbox);
            s.reasoning_effort = s.reasoning_effort.take().or(tc.effort);
            s.reasoning_summary = s.reasoning_summary.take().or(tc.summary);
            self.flush_start();
        }
    }

    /// `task_started` / `turn_started`.
    fn task_started(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        let ts = match src.parse_or(crate::fastpath::task_started) {
            Ok(t) => t,
            Err(e) => return self.bad(n, sub, &e),
        };
        self.check_replay_end(at, ts.turn_id.as_deref());
        if ts.model_context_window.is_some() {
            self.st.usage.context_window = ts.model_context_window;
        }
        self.st.turn.turn_id = ts.turn_id.clone();
        let attribution = ts.turn_attribution.unwrap_or_default();
        self.st.turn.parent_turn_id = attribution.parent_turn_id.clone();
        if self.full() && !self.st.lineage.replaying {
            let mut started = TurnStarted::default();
            started.turn_id = ts.turn_id;
            started.trigger = attribution.turn_trigger;
            started.parent_turn_id = attribution.parent_turn_id;
            started.context_window = ts.model_context_window;
            started.trace_id = ts.trace_id;
            self.emit(at, n, EventKind::TurnStarted(started));
        }
    }

    /// `task_complete` / `turn_complete`: the turn's error if any, a reviewer's verdict, the
    /// end of the turn.
    fn task_complete(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        let tc = match src.parse::<raw::TaskComplete<'_>>() {
            Ok(t) => t,
            Err(e) => return self.bad(n, sub, &e),
        };
        if self.st.lineage.replaying {
            return;
        }
        let turn_id = tc.turn_id.or_else(|| self.st.turn.turn_id.clone());
        let mut error = None;
        if let Some(err) = tc.error {
            let (kind, status_code) = error_kind(err.codex_error_info);
            error = kind.clone();
            let mut ev = ErrorEvent::new(err.message.unwrap_or_default());
            ev.kind = kind;
            ev.turn_id = turn_id.clone();
            ev.status_code = status_code;
            self.emit(at, n, EventKind::Error(ev));
        }
        if self.is_reviewer()
            && let Some(msg) = tc.last_agent_message.as_deref()
        {
            self.reviewer_verdict(msg, at, n);
        }
        let mut completed = TurnCompleted::default();
        completed.turn_id = turn_id;
        completed.duration_ms = tc.duration_ms;
        completed.time_to_first_token_ms = tc.time_to_first_token_ms;
        completed.error = error;
        self.emit(at, n, EventKind::TurnCompleted(completed));
    }

    /// This thread reviews another's turns (a guardian or review sub-agent).
    fn is_reviewer(&self) -> bool {
        self.st
            .ctx
            .subagent
            .as_ref()
            .is_some_and(|s| s.kind == "guardian" || s.kind == "review")
    }

    /// A reviewer's last message, when it is a verdict: a review of the parent turn.
    fn reviewer_verdict(&mut self, msg: &str, at: Timestamp, n: u64) {
        let Ok(v) = serde_json::from_str::<raw::ReviewerVerdict>(msg) else {
            return;
        };
        let Some(outcome) = v.outcome.as_deref() else {
            return;
        };
        let decision = match outcome {
            "allow" | "approve" | "approved" => Decision::Approved,
            "deny" | "denied" | "block" => Decision::Denied,
            other => Decision::parse(other),
        };
        let show = self.opts.include_content;
        let mut review = GuardianReview::new(decision);
        review.risk_level = v.risk_level;
        review.user_authorization = v.user_authorization;
        review.rationale = v.rationale.map(|r| Redacted::from_text(&r, show));
        review.reviewed_turn_id = self.st.turn.parent_turn_id.clone();
        self.emit(at, n, EventKind::GuardianReview(review));
    }

    fn turn_aborted(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        match src.parse::<raw::TurnAborted>() {
            Ok(t) if !self.st.lineage.replaying => {
                let mut completed = TurnCompleted::default();
                completed.turn_id = t.turn_id.or_else(|| self.st.turn.turn_id.clone());
                completed.duration_ms = t.duration_ms;
                completed.aborted = Some(t.reason.unwrap_or_else(|| "unknown".into()));
                self.emit(at, n, EventKind::TurnCompleted(completed));
            }
            Ok(_) => {}
            Err(e) => self.bad(n, sub, &e),
        }
    }

    /// `thread_settings_applied` (0.169+): the model, tier and provider.
    fn thread_settings_applied(&mut self, sub: &str, src: Src<'_>, n: u64) {
        match src.parse_or(crate::fastpath::thread_settings_applied) {
            Ok(t) => {
                if let Some(s) = t.thread_settings {
                    let ctx = self.ctx_mut();
                    if let Some(m) = s.model {
                        ctx.model = Some(m);
                        ctx.model_inferred = false;
                    }
                    if s.service_tier.is_some() {
                        ctx.service_tier = s.service_tier;
                    }
                    if ctx.model_provider.is_none() {
                        ctx.model_provider = s.model_provider_id;
                    }
                }
            }
            Err(e) => self.bad(n, sub, &e),
        }
    }

    fn user_message(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        match src.parse::<raw::UserMessage<'_>>() {
            Ok(m) if !self.st.lineage.replaying => {
                let text = m.message.as_deref().unwrap_or_default().to_owned();
                let images = m.images.map_or(0, |v| v.len() as u32);
                let local = m.local_images.map_or(0, |v| v.len() as u32);
                self.prompt(&text, images, local, at, n);
            }
            Ok(_) => {}
            Err(e) => self.bad(n, sub, &e),
        }
    }

    /// `item_completed` (0.169+): a user message (a prompt) or a command's result.
    fn item_completed(&mut self, ic: raw::ItemCompleted<'_>, at: Timestamp, n: u64) {
        let Some(item) = ic.item else { return };
        match item.kind.as_deref() {
            Some("UserMessage") => {
                if self.st.lineage.replaying {
                    return;
                }
                let parts = item.content.unwrap_or_default();
                let images = parts
                    .iter()
                    .filter(|p| p.kind.as_deref().is_some_and(|k| k.contains("image")))
                    .count() as u32;
                let text = text_of(&parts);
                if ic.turn_id.is_some() {
                    self.st.turn.turn_id = ic.turn_id;
                }
                self.prompt(&text, images, 0, at, n);
            }
            Some("CommandExecution") => {
                if let Some(id) = item.id {
                    let info = ExecInfo {
                        exit_code: item.exit_code,
                        duration_ms: item.duration.map(raw::StdDuration::millis),
                        status: item.status,
                    };
                    self.st.tools.remember_exec(id, info);
                }
            }
            _ => {}
        }
    }

    /// A `message` response item: in legacy files (no `event_msg`), the only record of a
    /// user's prompt.
    pub(super) fn response_message(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        if self.st.turn.saw_turn_context || self.st.lineage.replaying {
            return;
        }
        match src.parse::<raw::ResponseMessage<'_>>() {
            Ok(m) if m.role.as_deref() == Some("user") => {
                let text = text_of(&m.content.unwrap_or_default());
                if !text.trim_start().starts_with('<') {
                    self.prompt(&text, 0, 0, at, n);
                }
            }
            Ok(_) => {}
            Err(e) => self.bad(n, sub, &e),
        }
    }

    /// A prompt, counted once however many lines report it; in token mode only the first
    /// becomes an event.
    fn prompt(&mut self, text: &str, images: u32, local_images: u32, at: Timestamp, n: u64) {
        let length = text.chars().count() as u64;
        let turn = &mut self.st.turn;
        let key = (turn.turn_id.clone(), length);
        if turn.last_prompt.as_ref() == Some(&key) {
            return; // the same prompt reported twice (user_message and item_completed)
        }
        turn.last_prompt = Some(key);
        turn.prompts = turn.prompts.saturating_add(1);
        if !self.full() && self.st.turn.prompts > 1 {
            return;
        }
        let show = self.opts.include_content;
        let mut prompt = UserPrompt::default();
        prompt.turn_id = self.st.turn.turn_id.clone();
        prompt.length = length;
        prompt.text_inputs = u32::from(!text.is_empty());
        prompt.image_inputs = images;
        prompt.local_image_inputs = local_images;
        prompt.text = Redacted::from_text(text, show);
        self.emit(at, n, EventKind::UserPrompt(prompt));
    }

    /// An `error` event.
    fn error_event(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        match src.parse::<raw::CodexError<'_>>() {
            Ok(err) if !self.st.lineage.replaying => {
                let (kind, status_code) = error_kind(err.codex_error_info);
                let mut ev = ErrorEvent::new(err.message.unwrap_or_default());
                ev.kind = kind;
                ev.turn_id = self.st.turn.turn_id.clone();
                ev.status_code = status_code;
                self.emit(at, n, EventKind::Error(ev));
            }
            Ok(_) => {}
            Err(e) => self.bad(n, sub, &e),
        }
    }

    /// `guardian_assessment`: a guardian's review of a call; without a verdict, kept as an
    /// `other` event.
    fn guardian_assessment(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        let g = match src.parse::<raw::GuardianAssessment>() {
            Ok(g) => g,
            Err(e) => return self.bad(n, sub, &e),
        };
        let Some(verdict) = g.decision.or(g.outcome).or(g.status) else {
            return self.other("event_msg/guardian_assessment", src, at, n, false);
        };
        let show = self.opts.include_content;
        let decision = match verdict.as_str() {
            "allow" => Decision::Approved,
            "deny" => Decision::Denied,
            other => Decision::parse(other),
        };
        let mut review = GuardianReview::new(decision);
        review.risk_level = g.risk_level;
        review.user_authorization = g.user_authorization;
        review.rationale = g.rationale.map(|r| Redacted::from_text(&r, show));
        review.call_id = g.call_id;
        review.reviewed_turn_id = g.turn_id;
        self.emit(at, n, EventKind::GuardianReview(review));
    }

    /// A `compacted` line: the summary that replaced the history.
    pub(super) fn compacted(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        match src.parse::<raw::Compacted<'_>>() {
            Ok(c) => {
                if self.full() {
                    let summary = c
                        .message
                        .as_deref()
                        .map(|m| Redacted::from_text(m, self.opts.include_content));
                    let mut compaction = Compaction::default();
                    compaction.summary = summary;
                    compaction.replacement_items = c.replacement_history.map(|h| h.len() as u64);
                    self.emit(at, n, EventKind::Compaction(compaction));
                }
            }
            Err(e) => self.bad(n, "compacted", &e),
        }
    }
}
