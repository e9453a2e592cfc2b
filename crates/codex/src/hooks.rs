//! Codex hooks: the JSON a hook command reads on stdin, and the answers it can give.
//!
//! Codex runs a hook command for `SessionStart`, `UserPromptSubmit`, `PreToolUse`,
//! `PermissionRequest`, `PostToolUse` and `Stop`, configured in `hooks.json` beside a config
//! layer (`$CODEX_HOME/hooks.json`, `.codex/hooks.json`) or in a `[hooks]` table of
//! `config.toml`. Every input carries `session_id`, `transcript_path` (the rollout, or
//! `null`), `cwd`, `hook_event_name`, `model` and `permission_mode`; tool events add
//! `turn_id`, `tool_name`, `tool_use_id` and `tool_input`, `Stop` adds `turn_id`,
//! `stop_hook_active` and `last_assistant_message`.
//!
//! A `PreToolUse` hook denies a call by printing
//! `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",
//! "permissionDecisionReason":"…"}}` and exiting 0 ([`pre_tool_use_deny`]); empty output lets
//! the call go on.

use serde::Deserialize;

/// The hook events Codex fires.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookEvent {
    /// A session started (`source`: startup, resume, clear).
    SessionStart,
    /// The user submitted a prompt.
    UserPromptSubmit,
    /// A tool call is about to run; the hook may deny it.
    PreToolUse,
    /// Codex asks for a permission.
    PermissionRequest,
    /// A tool call finished.
    PostToolUse,
    /// The agent finished its turn.
    Stop,
    /// An event this version does not know.
    Other(String),
}

impl HookEvent {
    /// From `hook_event_name`.
    pub fn parse(s: &str) -> HookEvent {
        match s {
            "SessionStart" => HookEvent::SessionStart,
            "UserPromptSubmit" => HookEvent::UserPromptSubmit,
            "PreToolUse" => HookEvent::PreToolUse,
            "PermissionRequest" => HookEvent::PermissionRequest,
            "PostToolUse" => HookEvent::PostToolUse,
            "Stop" => HookEvent::Stop,
            other => HookEvent::Other(other.to_owned()),
        }
    }
}

/// The stdin JSON of a hook run. Unknown members are ignored; every member but
/// `hook_event_name` may be missing.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HookInput {
    /// The event (`PreToolUse`, `Stop`, …).
    pub hook_event_name: String,
    /// The thread id.
    pub session_id: Option<String>,
    /// The rollout file of the session, when Codex keeps one.
    pub transcript_path: Option<String>,
    /// The session's working directory.
    pub cwd: Option<String>,
    /// The model.
    pub model: Option<String>,
    /// `default`, `acceptEdits`, `plan`, `dontAsk` or `bypassPermissions`.
    pub permission_mode: Option<String>,
    /// The turn.
    pub turn_id: Option<String>,
    /// The tool (`exec_command`, `shell`, `apply_patch`, an MCP tool, …).
    pub tool_name: Option<String>,
    /// The call id.
    pub tool_use_id: Option<String>,
    /// The tool's input: `{"command": …}` for shell-like tools, the arguments for MCP tools.
    pub tool_input: Option<serde_json::Value>,
    /// `Stop`: whether a Stop hook already asked Codex to go on.
    pub stop_hook_active: Option<bool>,
}

/// Why a hook input could not be read.
#[derive(Debug, thiserror::Error)]
#[error("hook input, line {line} column {column}: {message}")]
pub struct HookInputError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl HookInput {
    /// Parses the stdin JSON of a hook (a leading BOM is allowed).
    pub fn parse(text: &str) -> Result<HookInput, HookInputError> {
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => message.get(..i).unwrap_or_default().to_owned(),
                None => message,
            };
            HookInputError {
                line: e.line(),
                column: e.column(),
                message,
            }
        })
    }

    /// The event.
    pub fn event(&self) -> HookEvent {
        HookEvent::parse(&self.hook_event_name)
    }

    /// The tool input as the text the policy reads: the JSON of `tool_input` (a string
    /// input as itself).
    pub fn tool_input_text(&self) -> String {
        match &self.tool_input {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        }
    }
}

/// The stdout that makes Codex deny a `PreToolUse` call, with `reason` shown to the model.
pub fn pre_tool_use_deny(reason: &str) -> String {
    serde_json::json!({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pre_tool_use_input() {
        let text = "\u{feff}{\"session_id\":\"t\",\"transcript_path\":null,\"cwd\":\"/w\",\
            \"hook_event_name\":\"PreToolUse\",\"model\":\"gpt-5\",\"permission_mode\":\"default\",\
            \"turn_id\":\"u\",\"tool_name\":\"exec_command\",\"tool_use_id\":\"c\",\
            \"tool_input\":{\"command\":\"ls\"},\"future_member\":1}";
        let h = HookInput::parse(text).unwrap();
        assert_eq!(h.event(), HookEvent::PreToolUse);
        assert_eq!(h.transcript_path, None);
        assert_eq!(h.tool_input_text(), r#"{"command":"ls"}"#);
        let e = HookInput::parse("{\n \"hook_event_name\": 3}").unwrap_err();
        assert_eq!((e.line, e.column), (2, 21));
        assert!(!e.message.contains(" at line "), "{e}");
    }

    #[test]
    fn the_deny_answer_has_codex_shape() {
        let v: serde_json::Value = serde_json::from_str(&pre_tool_use_deny("no \"rm\"")).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        assert_eq!(
            v["hookSpecificOutput"]["permissionDecisionReason"],
            "no \"rm\""
        );
    }
}
