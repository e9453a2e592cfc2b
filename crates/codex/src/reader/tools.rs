//! Tools: a call (`function_call`, `custom_tool_call`, `local_shell_call`) waits for its
//! output, which becomes one `tool_result`; exec and MCP end events (and completed command
//! items) add the exit code, status and the process's own duration.

use std::collections::HashMap;

use agentobs_schema::{EventKind, Redacted, Timestamp, ToolOrigin, ToolResult, WarningKind};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::envelope::Src;
use super::output::Core;
use crate::names::item;
use crate::raw;

/// At most this many calls (and exec results) wait for their outputs; past it they are
/// forgotten, so a file of calls without outputs cannot grow the state without bound.
const MAX_PENDING_CALLS: usize = 4096;

/// A call waiting for its output.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct PendingCall {
    tool: String,
    at: Timestamp,
    turn_id: Option<String>,
    arguments: Option<Redacted<String>>,
    mcp_server: Option<String>,
    origin: Option<ToolOrigin>,
}

/// What an exec or MCP end event (or a completed command item) said about a call.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct ExecInfo {
    pub(super) exit_code: Option<i64>,
    pub(super) duration_ms: Option<u64>,
    pub(super) status: Option<String>,
}

/// Calls and exec results by call id, until the call's output.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct PendingTools {
    calls: HashMap<String, PendingCall>,
    exec: HashMap<String, ExecInfo>,
}

impl PendingTools {
    fn remember_call(&mut self, id: String, call: PendingCall) {
        if self.calls.len() >= MAX_PENDING_CALLS {
            self.calls.clear();
        }
        self.calls.insert(id, call);
    }

    pub(super) fn remember_exec(&mut self, id: String, info: ExecInfo) {
        if self.exec.len() >= MAX_PENDING_CALLS {
            self.exec.clear();
        }
        self.exec.insert(id, info);
    }
}

/// The text of content parts, one part a line.
pub(super) fn text_of(parts: &[raw::ContentPart<'_>]) -> String {
    let mut s = String::new();
    for p in parts {
        if let Some(t) = &p.text {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(t);
        }
    }
    s
}

/// The markers of an exit code in an output, with their searchers built once (building a
/// substring searcher per output was a tenth of the emit path's time).
static EXIT_MARKERS: std::sync::LazyLock<[(usize, memchr::memmem::Finder<'static>); 3]> =
    std::sync::LazyLock::new(|| {
        ["Process exited with code ", "Exit code: ", "exit code "]
            .map(|m| (m.len(), memchr::memmem::Finder::new(m)))
    });

static WALL_TIME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("Wall time: "));

fn exit_code_from_text(text: &str) -> Option<i64> {
    for (len, finder) in EXIT_MARKERS.iter() {
        if let Some(i) = finder.find(text.as_bytes()) {
            let Some(rest) = text.get(i.saturating_add(*len)..) else {
                continue;
            };
            let end = rest
                .char_indices()
                .find(|(j, c)| !(c.is_ascii_digit() || (*j == 0 && *c == '-')))
                .map_or(rest.len(), |(j, _)| j);
            if let Some(Ok(v)) = rest.get(..end).map(str::parse) {
                return Some(v);
            }
        }
    }
    None
}

fn wall_time_ms(text: &str) -> Option<u64> {
    let i = WALL_TIME.find(text.as_bytes())?;
    let rest = text.get(i.saturating_add("Wall time: ".len())..)?;
    let end = rest.find(' ')?;
    let secs: f64 = rest.get(..end)?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as u64)
}

/// The process's wall time, from the structured duration or the output's "Wall time" line,
/// when it is plausible: never longer than the call's extent (plus clock slack), and a
/// structured duration under 1 ms is not believed when the output says otherwise (some builds
/// write the time of a final poll, microseconds, as the command's duration).
pub(crate) fn plausible_process_ms(
    structured: Option<u64>,
    text: Option<u64>,
    extent: Option<u64>,
) -> Option<u64> {
    const SLACK_MS: u64 = 50;
    let fits = |ms: u64| extent.is_none_or(|e| ms <= e.saturating_add(SLACK_MS));
    let structured = structured.filter(|&ms| ms > 0 || text.is_none_or(|t| t == 0));
    structured
        .filter(|&ms| fits(ms))
        .or(text.filter(|&ms| fits(ms)))
}

/// `mcp__server__tool` names (and the `namespace` field) mark MCP tools.
pub(crate) fn split_mcp(
    name: &str,
    namespace: Option<&str>,
) -> (String, Option<String>, ToolOrigin) {
    if let Some(rest) = name.strip_prefix("mcp__")
        && let Some((server, tool)) = rest.split_once("__")
    {
        return (tool.to_owned(), Some(server.to_owned()), ToolOrigin::Mcp);
    }
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        return (name.to_owned(), Some(ns.to_owned()), ToolOrigin::Mcp);
    }
    (name.to_owned(), None, ToolOrigin::Builtin)
}

/// The text of a tool output (string, `{content, success}` or content items) and the
/// success flag the harness reported, if any.
fn output_text(raw: Option<&RawValue>) -> (String, Option<bool>) {
    let Some(raw) = raw else {
        return (String::new(), None);
    };
    let s = raw.get().trim_start();
    if s.starts_with('"') {
        if let Ok(t) = serde_json::from_str::<std::borrow::Cow<'_, str>>(s) {
            return (t.into_owned(), None);
        }
    } else if s.starts_with('{') {
        if let Ok(o) = serde_json::from_str::<raw::OutputObject<'_>>(s) {
            return (
                o.content.map(|c| c.into_owned()).unwrap_or_default(),
                o.success,
            );
        }
    } else if s.starts_with('[')
        && let Ok(parts) = serde_json::from_str::<Vec<raw::ContentPart<'_>>>(s)
    {
        return (text_of(&parts), None);
    }
    (String::new(), None)
}

/// What a tool output says about its process (shared with [`crate::log_event`], so a tool
/// result reads the same from a rollout and from Codex's `codex.tool_result`).
pub(crate) struct OutputFacts {
    /// The output itself (the `output` of a shell's JSON wrapper).
    pub(crate) body: String,
    /// The exit code the output reports.
    pub(crate) exit_code: Option<i64>,
    /// The wall time the output reports.
    pub(crate) wall_ms: Option<u64>,
    /// The success flag the harness reported.
    pub(crate) reported_success: Option<bool>,
    /// What blocked the call (`PreToolUse hook`), when the output says Codex refused to run
    /// it: `Command blocked by <what>: <reason>`.
    pub(crate) blocked_by: Option<String>,
}

/// Codex's output for a call a hook refused: `Command blocked by PreToolUse hook: …`.
const BLOCKED_PREFIX: &str = "Command blocked by ";

fn blocked_by(text: &str) -> Option<String> {
    let rest = text.strip_prefix(BLOCKED_PREFIX)?;
    let (who, _) = rest.split_once(':')?;
    (!who.is_empty() && who.len() <= 64).then(|| who.to_owned())
}

impl OutputFacts {
    fn of(raw: Option<&RawValue>) -> Self {
        let (text, reported_success) = output_text(raw);
        Self::of_text(text, reported_success)
    }

    /// The facts of an output's text (`reported_success`: the harness's own claim).
    pub(crate) fn of_text(text: String, reported_success: Option<bool>) -> Self {
        let mut exit_code = exit_code_from_text(&text);
        let mut wall_ms = wall_time_ms(&text);
        let blocked = blocked_by(&text);
        let mut body = text;
        if body.starts_with("{\"output\"")
            && let Ok(j) = serde_json::from_str::<raw::ShellJsonOutput<'_>>(&body)
        {
            let meta = j.metadata.unwrap_or_default();
            exit_code = exit_code.or(meta.exit_code);
            wall_ms = wall_ms.or(meta
                .duration_seconds
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| (s * 1000.0).round() as u64));
            body = j.output.map(|o| o.into_owned()).unwrap_or_default();
        }
        OutputFacts {
            blocked_by: blocked.or_else(|| blocked_by(&body)),
            body,
            exit_code,
            wall_ms,
            reported_success,
        }
    }
}

/// Success as an exec or MCP status says it.
fn status_success(status: Option<&str>) -> Option<bool> {
    match status {
        Some("completed") => Some(true),
        Some("failed" | "declined") => Some(false),
        _ => None,
    }
}

impl Core {
    pub(super) fn response_item(&mut self, sub: Option<&str>, src: Src<'_>, at: Timestamp, n: u64) {
        let Some(sub) = sub else {
            let msg = "response_item without a payload type".into();
            return self.reject(n, WarningKind::BadValue, msg);
        };
        match sub {
            item::FUNCTION_CALL | item::CUSTOM_TOOL_CALL | item::LOCAL_SHELL_CALL => {
                self.function_call(sub, src, at, n)
            }
            item::FUNCTION_CALL_OUTPUT | item::CUSTOM_TOOL_CALL_OUTPUT => {
                self.function_call_output(sub, src, at, n)
            }
            item::MESSAGE => self.response_message(sub, src, at, n),
            s if item::CONTENT_ONLY.contains(&s) => {}
            s => {
                let name = format!("response_item/{s}");
                self.other(&name, src, at, n, true);
            }
        }
    }

    /// A tool call: remembered until its output.
    fn function_call(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        let call = match src.parse::<raw::FunctionCall<'_>>() {
            Ok(c) => c,
            Err(e) => return self.bad(n, sub, &e),
        };
        let Some(call_id) = call.call_id.or(call.id) else {
            return;
        };
        let name = call.name.unwrap_or_else(|| {
            if sub == item::LOCAL_SHELL_CALL {
                "local_shell".into()
            } else {
                "unknown".into()
            }
        });
        let args_text = call
            .arguments
            .or(call.input)
            .map(|a| a.into_owned())
            .or_else(|| call.action.map(|a| a.get().to_owned()))
            .unwrap_or_default();
        let (tool, mcp_server, origin) = split_mcp(&name, call.namespace.as_deref());
        let pending = PendingCall {
            tool,
            at,
            turn_id: self.st.turn.turn_id.clone(),
            arguments: Some(Redacted::from_text(&args_text, self.opts.include_content)),
            mcp_server,
            origin: Some(origin),
        };
        self.st.tools.remember_call(call_id, pending);
    }

    /// A tool call's output: with the call and its exec result, one `tool_result`.
    fn function_call_output(&mut self, sub: &str, src: Src<'_>, at: Timestamp, n: u64) {
        let out = match src.parse::<raw::FunctionCallOutput<'_>>() {
            Ok(o) => o,
            Err(e) => return self.bad(n, sub, &e),
        };
        let call_id = out.call_id.unwrap_or_default();
        let facts = OutputFacts::of(out.output);
        let call = self.st.tools.calls.remove(&call_id);
        let exec = self.st.tools.exec.remove(&call_id).unwrap_or_default();
        if self.st.lineage.replaying {
            return;
        }
        let exit_code = exec.exit_code.or(facts.exit_code);
        // Call and output stamped alike (files without per-line times) say nothing of the
        // extent: a real call takes more than 0 ms.
        let extent_ms = call
            .as_ref()
            .and_then(|c| u64::try_from(at.millis_since(c.at)).ok())
            .filter(|&ms| ms > 0);
        let process_duration_ms = plausible_process_ms(exec.duration_ms, facts.wall_ms, extent_ms);
        let duration_ms = extent_ms.or(process_duration_ms);
        let success = exit_code
            .map(|c| c == 0)
            .or(status_success(exec.status.as_deref()))
            .or(facts.reported_success);
        let call = call.unwrap_or_else(|| PendingCall {
            tool: "unknown".into(),
            at,
            ..PendingCall::default()
        });
        let mut result = ToolResult::new(call.tool);
        result.call_id = (!call_id.is_empty()).then_some(call_id);
        result.turn_id = call.turn_id;
        result.duration_ms = duration_ms;
        result.process_duration_ms = process_duration_ms;
        result.success = success;
        result.reported_success = facts.reported_success;
        result.exit_code = exit_code;
        result.arguments = call.arguments.unwrap_or(Redacted::withheld(0));
        result.output = Redacted::from_text(&facts.body, self.opts.include_content);
        result.blocked_by = facts.blocked_by;
        result.mcp_server = call.mcp_server;
        result.origin = call.origin;
        self.emit(at, n, EventKind::ToolResult(result));
    }

    /// `exec_command_end`: a shell command's exit code, duration and status.
    pub(super) fn exec_command_end(&mut self, sub: &str, src: Src<'_>, n: u64) {
        match src.parse::<raw::ExecCommandEnd>() {
            Ok(e) => {
                if let Some(id) = e.call_id {
                    let info = ExecInfo {
                        exit_code: e.exit_code,
                        duration_ms: e.duration.map(raw::StdDuration::millis),
                        status: e.status,
                    };
                    self.st.tools.remember_exec(id, info);
                }
            }
            Err(e) => self.bad(n, sub, &e),
        }
    }

    /// `mcp_tool_call_end`: marks the call an MCP one (with its server) and records whether
    /// it failed.
    pub(super) fn mcp_tool_call_end(&mut self, sub: &str, src: Src<'_>, n: u64) {
        let m = match src.parse::<raw::McpToolCallEnd<'_>>() {
            Ok(m) => m,
            Err(e) => return self.bad(n, sub, &e),
        };
        let server = m.invocation.as_ref().and_then(|i| i.server.clone());
        let failed = m
            .result
            .is_some_and(|r| r.get().trim_start().starts_with("{\"Err\""));
        let Some(id) = m.call_id else { return };
        if let Some(call) = self.st.tools.calls.get_mut(&id) {
            call.mcp_server = server;
            call.origin = Some(ToolOrigin::Mcp);
        }
        let info = ExecInfo {
            exit_code: None,
            duration_ms: m.duration.map(raw::StdDuration::millis),
            status: Some(if failed { "failed" } else { "completed" }.into()),
        };
        self.st.tools.remember_exec(id, info);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_from_output_text() {
        assert_eq!(
            exit_code_from_text(
                "Chunk ID: 1\nWall time: 0.04 seconds\nProcess exited with code 2\n"
            ),
            Some(2)
        );
        assert_eq!(exit_code_from_text("Exit code: -1\n"), Some(-1));
        assert_eq!(exit_code_from_text("no code here"), None);
        assert_eq!(wall_time_ms("Wall time: 0.0431 seconds\n"), Some(43));
    }

    #[test]
    fn process_time_is_kept_only_when_plausible() {
        // A structured duration of microseconds (0 ms) while the output says 0.16 s: the text.
        assert_eq!(
            plausible_process_ms(Some(0), Some(161), Some(190)),
            Some(161)
        );
        // A plausible structured duration wins over the rounded text.
        assert_eq!(
            plausible_process_ms(Some(514), Some(515), Some(773)),
            Some(514)
        );
        // Longer than the call's whole extent (beyond 50 ms of clock slack): not believed.
        assert_eq!(plausible_process_ms(Some(900), None, Some(700)), None);
        // No extent known: the process time is all there is.
        assert_eq!(plausible_process_ms(Some(42), None, None), Some(42));
    }

    #[test]
    fn mcp_names() {
        assert_eq!(
            split_mcp("mcp__github__create_issue", None),
            (
                "create_issue".to_owned(),
                Some("github".to_owned()),
                ToolOrigin::Mcp
            )
        );
    }
}
