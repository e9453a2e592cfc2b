//! Borrowed serde views of rollout payloads. Only the fields we use; the rest is skipped.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

/// An envelope line parsed in full: used when the compact fast path does not apply.
#[derive(Deserialize)]
pub(crate) struct LooseEnvelope<'a> {
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub record_type: Option<Cow<'a, str>>,
}

/// An envelope whose payload type is already known.
#[derive(Deserialize)]
pub(crate) struct Env<P> {
    pub payload: P,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(default)]
pub(crate) struct RawUsage {
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
    pub cache_write_input_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_output_tokens: u64,
    pub total_tokens: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TokenCountInfo {
    pub total_token_usage: Option<RawUsage>,
    pub last_token_usage: Option<RawUsage>,
    pub model_context_window: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TokenCount<'a> {
    pub info: Option<TokenCountInfo>,
    #[serde(borrow)]
    pub rate_limits: Option<&'a RawValue>,
    /// Pre-2025-09-06 builds: the payload was a bare `TokenUsage`. Read leniently (a value
    /// that is not a count is absent): these members are only looked at when `info` is, so a
    /// damaged one never costs the row its `info` — as on the token fast path, which reads
    /// `info` alone.
    #[serde(deserialize_with = "lenient_count")]
    pub input_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient_count")]
    pub cached_input_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient_count")]
    pub output_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient_count")]
    pub reasoning_output_tokens: Option<u64>,
}

/// Any JSON value; `Some` only for a count (an integer from 0 to `u64::MAX`).
fn lenient_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum CountOrNot {
        Count(u64),
        Other(serde::de::IgnoredAny),
    }
    Ok(match CountOrNot::deserialize(d)? {
        CountOrNot::Count(n) => Some(n),
        CountOrNot::Other(_) => None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TokenUsageRecord {
    pub turn_id: Option<String>,
    pub response_id: Option<String>,
    pub usage: Option<RawUsage>,
    pub thread_token_usage: Option<RawUsage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RateWindow {
    pub used_percent: Option<f64>,
    pub window_minutes: Option<u64>,
    pub resets_at: Option<i64>,
    pub resets_in_seconds: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RateLimits {
    pub limit_id: Option<String>,
    pub primary: Option<RateWindow>,
    pub secondary: Option<RateWindow>,
    pub plan_type: Option<String>,
    pub credits: Option<Credits>,
    pub rate_limit_reached_type: Option<String>,
    // 2025-09 flat shape
    pub primary_used_percent: Option<f64>,
    pub secondary_used_percent: Option<f64>,
    pub primary_window_minutes: Option<u64>,
    pub secondary_window_minutes: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Credits {
    pub balance: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Git {
    pub commit_hash: Option<String>,
    pub branch: Option<String>,
    pub repository_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SessionMeta<'a> {
    pub id: Option<String>,
    pub session_id: Option<String>,
    pub timestamp: Option<String>,
    pub cwd: Option<String>,
    pub originator: Option<String>,
    pub cli_version: Option<String>,
    #[serde(borrow)]
    pub source: Option<&'a RawValue>,
    pub thread_source: Option<String>,
    pub model_provider: Option<String>,
    pub forked_from_id: Option<String>,
    pub parent_thread_id: Option<String>,
    pub agent_nickname: Option<String>,
    #[serde(alias = "agent_type")]
    pub agent_role: Option<String>,
    pub agent_path: Option<String>,
    pub git: Option<Git>,
    /// Legacy (pre-envelope) builds: the model could appear here.
    pub model: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ThreadSpawn {
    pub parent_thread_id: Option<String>,
    pub depth: Option<u32>,
    pub agent_path: Option<String>,
    pub agent_nickname: Option<String>,
    pub agent_role: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TurnContext<'a> {
    pub turn_id: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub summary: Option<String>,
    pub approval_policy: Option<String>,
    #[serde(borrow)]
    pub sandbox_policy: Option<&'a RawValue>,
    pub cwd: Option<String>,
    pub service_tier: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TurnAttribution {
    pub turn_trigger: Option<String>,
    pub parent_turn_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TaskStarted {
    pub turn_id: Option<String>,
    pub model_context_window: Option<u64>,
    pub trace_id: Option<String>,
    pub turn_attribution: Option<TurnAttribution>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CodexError<'a> {
    pub message: Option<String>,
    #[serde(borrow)]
    pub codex_error_info: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TaskComplete<'a> {
    pub turn_id: Option<String>,
    pub duration_ms: Option<u64>,
    pub time_to_first_token_ms: Option<u64>,
    #[serde(borrow)]
    pub error: Option<CodexError<'a>>,
    #[serde(borrow)]
    pub last_agent_message: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TurnAborted {
    pub turn_id: Option<String>,
    pub reason: Option<String>,
    pub duration_ms: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ThreadSettings {
    pub model: Option<String>,
    pub service_tier: Option<String>,
    pub model_provider_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ThreadSettingsApplied {
    pub thread_settings: Option<ThreadSettings>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct UserMessage<'a> {
    #[serde(borrow)]
    pub message: Option<Cow<'a, str>>,
    pub images: Option<Vec<IgnoredAny>>,
    pub local_images: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ContentPart<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub text: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
pub(crate) struct StdDuration {
    pub secs: u64,
    pub nanos: u64,
}

impl StdDuration {
    pub(crate) fn millis(self) -> u64 {
        self.secs
            .saturating_mul(1000)
            .saturating_add(self.nanos / 1_000_000)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CompletedItem<'a> {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<String>,
    #[serde(borrow)]
    pub content: Option<Vec<ContentPart<'a>>>,
    pub exit_code: Option<i64>,
    pub status: Option<String>,
    pub duration: Option<StdDuration>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ItemCompleted<'a> {
    pub turn_id: Option<String>,
    #[serde(borrow)]
    pub item: Option<CompletedItem<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ExecCommandEnd {
    pub call_id: Option<String>,
    pub exit_code: Option<i64>,
    pub duration: Option<StdDuration>,
    pub status: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct McpInvocation {
    pub server: Option<String>,
    pub tool: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct McpToolCallEnd<'a> {
    pub call_id: Option<String>,
    pub invocation: Option<McpInvocation>,
    pub duration: Option<StdDuration>,
    #[serde(borrow)]
    pub result: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct GuardianAssessment {
    pub call_id: Option<String>,
    pub turn_id: Option<String>,
    pub decision: Option<String>,
    pub outcome: Option<String>,
    pub status: Option<String>,
    pub risk_level: Option<String>,
    pub user_authorization: Option<String>,
    pub rationale: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ResponseMessage<'a> {
    pub role: Option<String>,
    #[serde(borrow)]
    pub content: Option<Vec<ContentPart<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct FunctionCall<'a> {
    pub name: Option<String>,
    pub namespace: Option<String>,
    #[serde(borrow)]
    pub arguments: Option<Cow<'a, str>>,
    /// `custom_tool_call` carries `input` instead of `arguments`.
    #[serde(borrow)]
    pub input: Option<Cow<'a, str>>,
    pub call_id: Option<String>,
    #[serde(borrow)]
    pub action: Option<&'a RawValue>,
    pub id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct FunctionCallOutput<'a> {
    pub call_id: Option<String>,
    #[serde(borrow)]
    pub output: Option<&'a RawValue>,
}

/// Older builds wrote the output as `{content, success}`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct OutputObject<'a> {
    #[serde(borrow)]
    pub content: Option<Cow<'a, str>>,
    pub success: Option<bool>,
}

/// The `shell` tool of 2025 builds encoded its output as JSON text.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ShellJsonOutput<'a> {
    #[serde(borrow)]
    pub output: Option<Cow<'a, str>>,
    pub metadata: Option<ShellMetadata>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ShellMetadata {
    pub exit_code: Option<i64>,
    pub duration_seconds: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Compacted<'a> {
    #[serde(borrow)]
    pub message: Option<Cow<'a, str>>,
    pub replacement_history: Option<Vec<IgnoredAny>>,
}

/// The reviewer sub-thread's final answer (JSON text in `last_agent_message`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ReviewerVerdict {
    pub outcome: Option<String>,
    pub risk_level: Option<String>,
    pub user_authorization: Option<String>,
    pub rationale: Option<String>,
}
