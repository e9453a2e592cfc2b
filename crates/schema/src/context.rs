//! Who and where an event comes from: the session, its lineage, the agent and its setting.

use serde::{Deserialize, Serialize};

use crate::names::open_string_enum;

open_string_enum! {
    /// The agent harness that produced the telemetry.
    pub enum Harness {
        /// OpenAI Codex CLI, app server or IDE extension.
        Codex => "codex",
        /// Anthropic Claude Code.
        ClaudeCode => "claude_code",
        /// Google Gemini CLI.
        GeminiCli => "gemini_cli",
        /// GitHub Copilot agents.
        Copilot => "copilot",
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::Other("unknown".into())
    }
}

/// Git state of the working directory when the session ran.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitInfo {
    /// Remote URL as reported (normalise with care: may carry credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_url: Option<String>,
    /// Branch name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Commit hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Uncommitted changes present, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirty: Option<bool>,
}

impl GitInfo {
    /// The repository as `host/owner/repo` (see [`normalize_remote`]), from the remote URL.
    pub fn repo(&self) -> Option<String> {
        self.remote_url.as_deref().and_then(normalize_remote)
    }
}

/// A git remote as `host/owner/repo`: scheme, credentials, port and `.git` dropped, host in
/// lower case. `git@github.com:acme/widgets.git` and `https://u:t@github.com/acme/widgets`
/// are both `github.com/acme/widgets`.
pub fn normalize_remote(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let (host, path) = if let Some((_, rest)) = url.split_once("://") {
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        (host.split(':').next().unwrap_or(host), path)
    } else if let Some((userhost, path)) = url.split_once(':') {
        // scp-like: user@host:owner/repo
        let host = userhost.rsplit_once('@').map_or(userhost, |(_, h)| h);
        (host, path)
    } else {
        return Some(url.trim_end_matches(".git").to_owned());
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    Some(if path.is_empty() {
        host.to_ascii_lowercase()
    } else {
        format!("{}/{}", host.to_ascii_lowercase(), path)
    })
}

/// The account the harness was signed in with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Provider account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Account e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Plan, e.g. `plus`, `pro`, `team`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
}

/// A thread spawned by another thread: sub-agent, reviewer, compaction, memory job.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubAgent {
    /// What kind of sub-thread: `thread_spawn`, `review`, `compact`, `guardian`, …
    pub kind: String,
    /// Nesting depth below the root thread (1 = direct child), when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
    /// Role given to the agent (`agent_role`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Nickname given to the agent (`agent_nickname`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Path of the agent in the agent tree (`agent_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Everything that identifies and describes the session an event belongs to.
///
/// Events share one context through an `Arc`; a reader makes a new one when something
/// changes (for example the model of the next turn).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionContext {
    /// Which harness produced the events.
    pub harness: Harness,
    /// Root session id (shared by a thread and its sub-threads in Codex 0.169+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// This thread's id (Codex conversation id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The thread this one was forked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from_id: Option<String>,
    /// The thread that spawned this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_thread_id: Option<String>,
    /// Set for sub-threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subagent: Option<SubAgent>,
    /// Agent id, for harnesses that name agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Agent name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    /// Client that started the session (`codex_cli_rs`, `codex_exec`, `codex_vscode`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originator: Option<String>,
    /// Harness version (`cli_version`, `app.version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// How the session was started (`cli`, `exec`, `vscode`, `mcp`, `subagent`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Model provider id (`openai`, `anthropic`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    /// Model of the current turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// True when `model` was not reported but inferred (e.g. Codex's default of that era).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub model_inferred: bool,
    /// Reasoning effort of the current turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Service tier of the current turn (`priority`, `flex`, …) when the source says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Git state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitInfo>,
    /// Deployment environment (`otel.environment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Authentication mode (`ApiKey`, `Chatgpt`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<String>,
    /// Signed-in account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
}

impl SessionContext {
    /// An empty context for `harness`.
    pub fn new(harness: Harness) -> Self {
        SessionContext {
            harness,
            ..Default::default()
        }
    }

    /// The id that names this thread best: thread id, else session id.
    pub fn thread_or_session_id(&self) -> Option<&str> {
        self.thread_id.as_deref().or(self.session_id.as_deref())
    }
}
