//! The event: one thing that happened in an agent session.
//!
//! Every payload struct of [`EventKind`] is `#[non_exhaustive]` and implements [`Default`], so
//! adding a field is not a breaking change. Outside this crate, build one from
//! `Default::default()` (or its `new`, where it has fields a source always knows) and set the
//! fields you have.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::names::open_string_enum;
use crate::{Attributes, Redacted, SessionContext, Timestamp, TokenUsage};

/// The schema id written with every serialized event.
pub const EVENT_SCHEMA: &str = "agentobs.event/v1";

/// Where an event was read from: a file and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePos {
    /// Path of the file.
    pub path: Arc<str>,
    /// 1-based line number.
    pub line: u64,
}

/// One event of an agent session.
///
/// JSON form (`agentobs.event/v1`): `{"schema":"agentobs.event/v1","at":…,"type":…,<fields>,
/// "ctx":{…},"src":{"path":…,"line":…}}`, where `type` and the fields come from [`EventKind`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Always [`EVENT_SCHEMA`] when written; checked when read.
    #[serde(default = "schema_id", deserialize_with = "check_schema")]
    pub schema: SchemaId,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// The session it belongs to.
    pub ctx: Arc<SessionContext>,
    /// Where it was read from, for sources that are files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<SourcePos>,
}

/// Marker type for the schema id; serializes as [`EVENT_SCHEMA`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchemaId;

impl Serialize for SchemaId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(EVENT_SCHEMA)
    }
}

fn schema_id() -> SchemaId {
    SchemaId
}

fn check_schema<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SchemaId, D::Error> {
    let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
    if s == EVENT_SCHEMA {
        Ok(SchemaId)
    } else {
        Err(serde::de::Error::custom(format!(
            "unsupported event schema {s:?}, expected {EVENT_SCHEMA:?}"
        )))
    }
}

impl Event {
    /// A new event without a source position.
    pub fn new(at: Timestamp, ctx: Arc<SessionContext>, kind: EventKind) -> Self {
        Event {
            schema: SchemaId,
            at,
            kind,
            ctx,
            src: None,
        }
    }

    /// Sets the source position.
    pub fn with_src(mut self, path: Arc<str>, line: u64) -> Self {
        self.src = Some(SourcePos { path, line });
        self
    }
}

/// What happened. One variant per kind of thing harnesses report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A session (thread) started (`codex.conversation_starts`, rollout `session_meta`).
    SessionStarted(SessionStarted),
    /// One HTTP request to the model API, one attempt (`codex.api_request`).
    ApiRequest(ApiRequest),
    /// One server-sent or WebSocket stream event (`codex.sse_event`, `codex.websocket_event`).
    StreamEvent(StreamEvent),
    /// A WebSocket connection attempt (`codex.websocket_connect`).
    WebSocketConnect(WebSocketConnect),
    /// A request sent over a WebSocket (`codex.websocket_request`).
    WebSocketRequest(WebSocketRequest),
    /// The user submitted a prompt (`codex.user_prompt`).
    UserPrompt(UserPrompt),
    /// A tool call was approved or denied (`codex.tool_decision`).
    ToolDecision(ToolDecision),
    /// A tool call finished (`codex.tool_result`).
    ToolResult(ToolResult),
    /// Tokens used by one model request (`token_count`, `codex.sse_event` completed).
    TokenUsage(TokenUsageEvent),
    /// A turn started.
    TurnStarted(TurnStarted),
    /// A turn ended (completed, failed or aborted).
    TurnCompleted(TurnCompleted),
    /// An error reported by the harness.
    Error(ErrorEvent),
    /// An automated reviewer (Codex guardian) judged an action.
    GuardianReview(GuardianReview),
    /// The conversation history was compacted.
    Compaction(Compaction),
    /// A rate-limit snapshot.
    RateLimits(RateLimitSnapshot),
    /// An anomaly rule fired (see `agentobs-anomaly`): alerts travel the same stream as
    /// what raised them, so every sink and dialect can export them.
    Alert(AlertRaised),
    /// Anything the schema does not model yet, kept with its attributes.
    Other(OtherEvent),
}

impl EventKind {
    /// The `type` name of this kind in the JSON form.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::SessionStarted(_) => "session_started",
            EventKind::ApiRequest(_) => "api_request",
            EventKind::StreamEvent(_) => "stream_event",
            EventKind::WebSocketConnect(_) => "web_socket_connect",
            EventKind::WebSocketRequest(_) => "web_socket_request",
            EventKind::UserPrompt(_) => "user_prompt",
            EventKind::ToolDecision(_) => "tool_decision",
            EventKind::ToolResult(_) => "tool_result",
            EventKind::TokenUsage(_) => "token_usage",
            EventKind::TurnStarted(_) => "turn_started",
            EventKind::TurnCompleted(_) => "turn_completed",
            EventKind::Error(_) => "error",
            EventKind::GuardianReview(_) => "guardian_review",
            EventKind::Compaction(_) => "compaction",
            EventKind::RateLimits(_) => "rate_limits",
            EventKind::Alert(_) => "alert",
            EventKind::Other(_) => "other",
        }
    }
}

/// Session start settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SessionStarted {
    /// Model provider name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Approval policy (`never`, `on-request`, `untrusted`, `on-failure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<String>,
    /// Sandbox policy (`read-only`, `workspace-write`, `danger-full-access`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_policy: Option<String>,
    /// Reasoning effort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Reasoning summary mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_summary: Option<String>,
    /// Model context window in tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Token count at which the harness compacts automatically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_compact_token_limit: Option<u64>,
    /// Configured MCP servers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mcp_servers: Vec<String>,
    /// Active configuration profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// One attempt of an HTTP request to the model API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ApiRequest {
    /// Attempt number, 0-based (Codex) — retries have `attempt > 0`.
    pub attempt: u32,
    /// HTTP status, when a response arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Duration in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Error message of a failed attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Endpoint path (`/responses`, `/v1/messages`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

open_string_enum! {
    /// Transport of a streamed response.
    ///
    /// The default is [`StreamTransport::Sse`], the transport Codex uses unless configured
    /// for WebSockets.
    #[derive(Default)]
    pub enum StreamTransport {
        /// Server-sent events over HTTP.
        #[default]
        Sse => "sse",
        /// WebSocket messages.
        WebSocket => "websocket",
    }
}

/// One streamed event of a model response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamEvent {
    /// How the stream was carried.
    pub transport: StreamTransport,
    /// The event type (`response.output_text.delta`, `response.completed`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_kind: Option<String>,
    /// Time since the previous event or the request, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Error of a failed event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Usage carried by a completion event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// Time to first token of the response, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<u64>,
}

impl StreamEvent {
    /// An event carried by `transport`, every other field unset.
    pub fn new(transport: StreamTransport) -> Self {
        StreamEvent {
            transport,
            ..StreamEvent::default()
        }
    }
}

/// A WebSocket connection attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WebSocketConnect {
    /// Duration in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// HTTP status of the upgrade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Whether it connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Error message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A pooled connection was reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_reused: Option<bool>,
}

/// A request sent over a WebSocket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WebSocketRequest {
    /// Duration in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Whether it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Error message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A pooled connection was reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_reused: Option<bool>,
}

/// A prompt submitted by the user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserPrompt {
    /// Turn the prompt starts, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Prompt length in characters.
    pub length: u64,
    /// Number of text inputs.
    #[serde(default)]
    pub text_inputs: u32,
    /// Number of image inputs (URLs or inline).
    #[serde(default)]
    pub image_inputs: u32,
    /// Number of local image files attached.
    #[serde(default)]
    pub local_image_inputs: u32,
    /// The prompt text, shown only when allowed.
    pub text: Redacted<String>,
}

open_string_enum! {
    /// Outcome of an approval decision.
    ///
    /// The default is [`Decision::Denied`], the fail-safe reading: nothing counts as
    /// approved unless a source says so.
    #[derive(Default)]
    pub enum Decision {
        /// Approved once.
        Approved => "approved",
        /// Approved, and an exec-policy amendment added.
        ApprovedExecPolicyAmendment => "approved_exec_policy_amendment" | "approvedexecpolicyamendment",
        /// Approved for the rest of the session.
        ApprovedForSession => "approved_for_session" | "approvedforsession",
        /// Approved with a network policy amendment.
        NetworkPolicyAmendment => "network_policy_amendment" | "networkpolicyamendment",
        /// Denied.
        #[default]
        Denied => "denied" | "deny",
        /// Nobody answered in time.
        TimedOut => "timed_out" | "timedout",
        /// Aborted.
        Abort => "abort" | "aborted",
    }
}

impl Decision {
    /// True for every kind of approval.
    pub fn is_approval(&self) -> bool {
        matches!(
            self,
            Decision::Approved
                | Decision::ApprovedExecPolicyAmendment
                | Decision::ApprovedForSession
                | Decision::NetworkPolicyAmendment
        )
    }
}

open_string_enum! {
    /// Who made an approval decision.
    pub enum DecisionSource {
        /// The configuration allowed it without asking.
        Config => "config" | "Config",
        /// A person answered.
        User => "user" | "User",
        /// An automated reviewer (Codex guardian) answered.
        AutomatedReviewer => "automated_reviewer" | "AutomatedReviewer",
    }
}

/// An approval decision on a tool call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolDecision {
    /// Tool name.
    pub tool: String,
    /// Tool call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The decision.
    pub decision: Decision,
    /// Who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<DecisionSource>,
}

impl ToolDecision {
    /// `decision` on a call of `tool`, with no call id or source.
    pub fn new(tool: impl Into<String>, decision: Decision) -> Self {
        ToolDecision {
            tool: tool.into(),
            decision,
            ..ToolDecision::default()
        }
    }
}

open_string_enum! {
    /// Where a tool comes from.
    pub enum ToolOrigin {
        /// Built into the harness.
        Builtin => "builtin",
        /// Provided by an MCP server.
        Mcp => "mcp",
        /// Registered at run time by the client.
        Dynamic => "dynamic",
    }
}

/// A finished tool call.
///
/// `success` is the truth as far as the source lets us know it (a shell command that exited
/// non-zero failed); `reported_success` is what the harness itself claimed, kept as reported.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolResult {
    /// Tool name.
    pub tool: String,
    /// Tool call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// Turn the call belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// The call's extent in milliseconds: from the model's call to its result (what an
    /// `execute_tool` span shows); the process time when the extent is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The process's own wall time in milliseconds, when the source gives a plausible one
    /// (it leaves out start-up and the harness's own work, so it is shorter than the extent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_duration_ms: Option<u64>,
    /// Whether the call did what it was asked, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// What the harness reported as success, when it reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_success: Option<bool>,
    /// Exit code of a command, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Tool arguments, shown only when allowed.
    pub arguments: Redacted<String>,
    /// Tool output, shown only when allowed.
    pub output: Redacted<String>,
    /// MCP server name for MCP tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_server: Option<String>,
    /// Where the tool comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ToolOrigin>,
    /// What stopped the call before it ran (`PreToolUse hook`), when something did: the
    /// harness reported the block as the call's output, and the command never ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
}

impl ToolResult {
    /// A finished call of `tool`; arguments and output withheld with length 0, every other
    /// field unset.
    pub fn new(tool: impl Into<String>) -> Self {
        ToolResult {
            tool: tool.into(),
            ..ToolResult::default()
        }
    }
}

/// Tokens used by one model request.
///
/// `usage` is what this request adds to the bill. `cumulative` is the thread's running total
/// after it, as the source reported it. Rows a source repeats (Codex re-emits, fork replays)
/// produce no event at all, so summing `usage` over events is exact.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenUsageEvent {
    /// Tokens of this request (what it bills).
    pub usage: TokenUsage,
    /// Running total of the thread after this request, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cumulative: Option<TokenUsage>,
    /// Prompt size of this request, used to pick long-context price tiers. Equals
    /// `usage.input_tokens` unless the source knows better.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u64>,
    /// Model context window in tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Turn the request belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Provider response id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
    /// What the harness made the request for when it was not the agent's own turn, in the
    /// harness's words (Gemini CLI's model router: `utility_router`). `None` for the agent's
    /// own requests. Such a request is billed like any other, but it does not name the
    /// turn's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// What the harness itself billed for this request, in USD, when it says (Claude Code's
    /// OTLP `cost_usd`). Kept beside the price book's cost; where the tokens leave the bill
    /// open (cache writes without their lifetime), the price book uses it to close it (see
    /// `agentobs_cost::Request::cost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_cost_usd: Option<f64>,
}

impl TokenUsageEvent {
    /// A request billing `usage`, every other field unset.
    pub fn new(usage: TokenUsage) -> Self {
        TokenUsageEvent {
            usage,
            ..TokenUsageEvent::default()
        }
    }
}

/// A turn started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TurnStarted {
    /// Turn id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// What started it (`user`, `exec`, `guardian_review`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Turn of the parent thread that caused this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_turn_id: Option<String>,
    /// Model context window in tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Trace id of the turn, for joining with OTLP traces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// A turn ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TurnCompleted {
    /// Turn id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Duration in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Time to first token in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_first_token_ms: Option<u64>,
    /// Set when the turn failed; the error is also reported as an [`ErrorEvent`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    /// Set when the turn was aborted (`interrupted`, `replaced`, `budget_limited`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
}

open_string_enum! {
    /// Kind of error, after Codex's `CodexErrorInfo`.
    pub enum ErrorKind {
        /// The prompt no longer fits the model's context window.
        ContextWindowExceeded => "context_window_exceeded",
        /// The account's usage limit was hit.
        UsageLimitExceeded => "usage_limit_exceeded",
        /// The server is overloaded.
        ServerOverloaded => "server_overloaded",
        /// Could not connect.
        HttpConnectionFailed => "http_connection_failed",
        /// The response stream failed to start.
        ResponseStreamConnectionFailed => "response_stream_connection_failed",
        /// The response stream broke off.
        ResponseStreamDisconnected => "response_stream_disconnected",
        /// Retries exhausted.
        ResponseTooManyFailedAttempts => "response_too_many_failed_attempts",
        /// Internal server error.
        InternalServerError => "internal_server_error",
        /// Authentication failed.
        Unauthorized => "unauthorized",
        /// The request was rejected.
        BadRequest => "bad_request",
        /// The sandbox failed.
        SandboxError => "sandbox_error",
        /// Rolling back the thread failed.
        ThreadRollbackFailed => "thread_rollback_failed",
        /// Rate limited.
        RateLimited => "rate_limited",
        /// Anything else the harness classified as internal.
        Internal => "internal",
    }
}

/// An error the harness reported.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorEvent {
    /// Classified kind, when the source classified it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ErrorKind>,
    /// Human-readable message.
    pub message: String,
    /// Turn it happened in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// HTTP status behind it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
}

impl ErrorEvent {
    /// An error with `message`, unclassified, every other field unset.
    pub fn new(message: impl Into<String>) -> Self {
        ErrorEvent {
            message: message.into(),
            ..ErrorEvent::default()
        }
    }
}

/// A verdict of an automated reviewer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GuardianReview {
    /// The verdict.
    pub decision: Decision,
    /// Risk level the reviewer assigned (`low`, `medium`, `high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<String>,
    /// How clearly the user authorised the action (`low`, `medium`, `high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_authorization: Option<String>,
    /// The reviewer's reasoning, shown only when allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<Redacted<String>>,
    /// The reviewed tool call, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// Turn of the reviewed thread that asked for the review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_turn_id: Option<String>,
}

impl GuardianReview {
    /// A verdict of `decision`, every other field unset.
    pub fn new(decision: Decision) -> Self {
        GuardianReview {
            decision,
            ..GuardianReview::default()
        }
    }
}

/// The history was compacted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Compaction {
    /// Summary that replaced the history, shown only when allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Redacted<String>>,
    /// Items in the replacement history, when reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement_items: Option<u64>,
}

/// One rate-limit window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RateLimitWindow {
    /// Share of the window used, 0–100.
    pub used_percent: f64,
    /// Window length in minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_minutes: Option<u64>,
    /// When the window resets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<Timestamp>,
}

impl RateLimitWindow {
    /// A window `used_percent` used, of unknown length and reset time.
    pub fn new(used_percent: f64) -> Self {
        RateLimitWindow {
            used_percent,
            ..RateLimitWindow::default()
        }
    }
}

/// A rate-limit snapshot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RateLimitSnapshot {
    /// Limit id (`codex`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_id: Option<String>,
    /// Short window (e.g. 5 h).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<RateLimitWindow>,
    /// Long window (e.g. weekly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary: Option<RateLimitWindow>,
    /// Plan type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_type: Option<String>,
    /// Credit balance, as reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits_balance: Option<String>,
    /// Set when a limit was reached (`rate_limit_reached`, `workspace_member_usage_limit_reached`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reached: Option<String>,
}

/// How bad an alert is. Ordered: `Info < Warning < Critical`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    /// Worth a look; never gates a run.
    Info,
    /// Probably wrong: a person should check.
    #[default]
    Warning,
    /// Wrong or dangerous: stop and look.
    Critical,
}

impl AlertSeverity {
    /// The lower-case name (`info`, `warning`, `critical`).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        }
    }

    /// Reads `info`, `warning` (or `warn`) and `critical` (or `crit`), in any case.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(AlertSeverity::Info),
            "warning" | "warn" => Some(AlertSeverity::Warning),
            "critical" | "crit" => Some(AlertSeverity::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for AlertSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An anomaly rule fired on a session: what it measured, against what, and where to look.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AlertRaised {
    /// The rule's id (`tool_loop`, `runaway_session`, …).
    pub rule: String,
    /// How bad it is.
    pub severity: AlertSeverity,
    /// One sentence a person can act on.
    pub message: String,
    /// The measured value (tokens, USD, calls, milliseconds, percent, count: see the rule).
    pub value: f64,
    /// The threshold the value crossed.
    pub threshold: f64,
    /// References to the events that raised it: `path:line`, or trace and span ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl AlertRaised {
    /// An alert of `rule` with `message`; value, threshold and evidence to be set.
    pub fn new(
        rule: impl Into<String>,
        severity: AlertSeverity,
        message: impl Into<String>,
    ) -> Self {
        AlertRaised {
            rule: rule.into(),
            severity,
            message: message.into(),
            ..AlertRaised::default()
        }
    }
}

/// An event the schema does not model (yet), kept with everything it carried.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OtherEvent {
    /// The source's own name for it (`event_msg/plan_update`, `codex.startup_phase`, …).
    pub name: String,
    /// Its attributes.
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
}

impl OtherEvent {
    /// An event the source calls `name`, with its `attributes`.
    pub fn new(name: impl Into<String>, attributes: Attributes) -> Self {
        OtherEvent {
            name: name.into(),
            attributes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Harness;

    /// Every payload's default is a valid event that survives the JSON form.
    #[test]
    fn default_payloads_round_trip() {
        let ctx = Arc::new(SessionContext::new(Harness::Codex));
        let kinds = [
            EventKind::SessionStarted(SessionStarted::default()),
            EventKind::ApiRequest(ApiRequest::default()),
            EventKind::StreamEvent(StreamEvent::default()),
            EventKind::WebSocketConnect(WebSocketConnect::default()),
            EventKind::WebSocketRequest(WebSocketRequest::default()),
            EventKind::UserPrompt(UserPrompt::default()),
            EventKind::ToolDecision(ToolDecision::default()),
            EventKind::ToolResult(ToolResult::default()),
            EventKind::TokenUsage(TokenUsageEvent::default()),
            EventKind::TurnStarted(TurnStarted::default()),
            EventKind::TurnCompleted(TurnCompleted::default()),
            EventKind::Error(ErrorEvent::default()),
            EventKind::GuardianReview(GuardianReview::default()),
            EventKind::Compaction(Compaction::default()),
            EventKind::RateLimits(RateLimitSnapshot::default()),
            EventKind::Alert(AlertRaised::default()),
            EventKind::Other(OtherEvent::default()),
        ];
        for kind in kinds {
            let ev = Event::new(Timestamp::default(), ctx.clone(), kind);
            let json = serde_json::to_string(&ev).unwrap();
            let back: Event = serde_json::from_str(&json).unwrap();
            assert_eq!(back, ev, "{json}");
        }
        assert_eq!(StreamTransport::default(), StreamTransport::Sse);
        assert_eq!(Decision::default(), Decision::Denied);
        assert_eq!(Redacted::<String>::default(), Redacted::withheld(0));
        assert_eq!(ToolResult::new("x").output, Redacted::withheld(0));
    }
}
