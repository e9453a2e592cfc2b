//! Codex CLI's own names (`codex-rs/otel`, as exported by Codex 0.169–0.171): log events keyed
//! by `event.name`, their attributes, the metric instruments and their default tags.

/// Attribute holding the event name on every Codex log record.
pub const EVENT_NAME: &str = "event.name";
/// RFC 3339 time of the event, as a string.
pub const EVENT_TIMESTAMP: &str = "event.timestamp";
/// The thread id.
pub const CONVERSATION_ID: &str = "conversation.id";
/// Harness version.
pub const APP_VERSION: &str = "app.version";
/// `ApiKey` or `Chatgpt`.
pub const AUTH_MODE: &str = "auth_mode";
/// Client (`codex_cli_rs`, `codex_exec`, …).
pub const ORIGINATOR: &str = "originator";
/// How the session was started (`cli`, `exec`, `vscode`, `subagent_…`); a metric tag only.
pub const SESSION_SOURCE: &str = "session_source";
/// Model name.
pub const MODEL: &str = "model";
/// Model slug.
pub const SLUG: &str = "slug";
/// Signed-in account id.
pub const USER_ACCOUNT_ID: &str = "user.account_id";
/// Resource attribute: deployment environment (`[otel].environment`).
pub const ENV: &str = "env";

/// Log event: session start.
pub const CONVERSATION_STARTS: &str = "codex.conversation_starts";
/// Log event: one HTTP attempt to the model API.
pub const API_REQUEST: &str = "codex.api_request";
/// Log event: one SSE event of a response stream.
pub const SSE_EVENT: &str = "codex.sse_event";
/// Log event: WebSocket connect.
pub const WEBSOCKET_CONNECT: &str = "codex.websocket_connect";
/// Log event: WebSocket request.
pub const WEBSOCKET_REQUEST: &str = "codex.websocket_request";
/// Log event: WebSocket message (removed from newer Codex; metrics remain).
pub const WEBSOCKET_EVENT: &str = "codex.websocket_event";
/// Log event: user prompt.
pub const USER_PROMPT: &str = "codex.user_prompt";
/// Log event: approval decision.
pub const TOOL_DECISION: &str = "codex.tool_decision";
/// Log event: tool result.
pub const TOOL_RESULT: &str = "codex.tool_result";
/// Log event: time to first token of a turn.
pub const TURN_TTFT: &str = "codex.turn_ttft";

/// `provider_name`.
pub const PROVIDER_NAME: &str = "provider_name";
/// `reasoning_effort`.
pub const REASONING_EFFORT: &str = "reasoning_effort";
/// `reasoning_summary`.
pub const REASONING_SUMMARY: &str = "reasoning_summary";
/// `context_window`.
pub const CONTEXT_WINDOW: &str = "context_window";
/// `auto_compact_token_limit`.
pub const AUTO_COMPACT_TOKEN_LIMIT: &str = "auto_compact_token_limit";
/// `approval_policy`.
pub const APPROVAL_POLICY: &str = "approval_policy";
/// `sandbox_policy`.
pub const SANDBOX_POLICY: &str = "sandbox_policy";
/// `mcp_servers` (comma-joined).
pub const MCP_SERVERS: &str = "mcp_servers";
/// `active_profile`.
pub const ACTIVE_PROFILE: &str = "active_profile";
/// `duration_ms` (a string of milliseconds on logs).
pub const DURATION_MS: &str = "duration_ms";
/// `http.response.status_code`.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `error.message`.
pub const ERROR_MESSAGE: &str = "error.message";
/// `attempt` (0-based).
pub const ATTEMPT: &str = "attempt";
/// `endpoint`.
pub const ENDPOINT: &str = "endpoint";
/// `event.kind` (SSE or WebSocket message type).
pub const EVENT_KIND: &str = "event.kind";
/// `input_token_count`.
pub const INPUT_TOKEN_COUNT: &str = "input_token_count";
/// `output_token_count`.
pub const OUTPUT_TOKEN_COUNT: &str = "output_token_count";
/// `cached_token_count`.
pub const CACHED_TOKEN_COUNT: &str = "cached_token_count";
/// `cache_write_token_count`.
pub const CACHE_WRITE_TOKEN_COUNT: &str = "cache_write_token_count";
/// `reasoning_token_count`.
pub const REASONING_TOKEN_COUNT: &str = "reasoning_token_count";
/// `tool_token_count` (Codex writes the request's *total* tokens here).
pub const TOOL_TOKEN_COUNT: &str = "tool_token_count";
/// `ttft_ms`.
pub const TTFT_MS: &str = "ttft_ms";
/// `success` (`"true"` / `"false"`).
pub const SUCCESS: &str = "success";
/// `connection_reused` (`auth.connection_reused` in Codex).
pub const AUTH_CONNECTION_REUSED: &str = "auth.connection_reused";
/// `prompt_length`.
pub const PROMPT_LENGTH: &str = "prompt_length";
/// `prompt` (text, or `[REDACTED]`).
pub const PROMPT: &str = "prompt";
/// The value Codex writes for a withheld prompt.
pub const REDACTED: &str = "[REDACTED]";
/// `tool_name`.
pub const TOOL_NAME: &str = "tool_name";
/// `call_id`.
pub const CALL_ID: &str = "call_id";
/// `decision`.
pub const DECISION: &str = "decision";
/// `source` (`Config`, `User`, `AutomatedReviewer`).
pub const SOURCE: &str = "source";
/// `arguments`.
pub const ARGUMENTS: &str = "arguments";
/// `output`.
pub const OUTPUT: &str = "output";
/// `mcp_server` (`""` for built-in tools).
pub const MCP_SERVER: &str = "mcp_server";

/// Counter: tool calls.
pub const METRIC_TOOL_CALL: &str = "codex.tool.call";
/// Histogram (ms): tool call duration.
pub const METRIC_TOOL_CALL_DURATION: &str = "codex.tool.call.duration_ms";
/// Counter: API requests.
pub const METRIC_API_REQUEST: &str = "codex.api_request";
/// Histogram (ms): API request duration.
pub const METRIC_API_REQUEST_DURATION: &str = "codex.api_request.duration_ms";
/// Counter: SSE events.
pub const METRIC_SSE_EVENT: &str = "codex.sse_event";
/// Histogram (ms): SSE event duration.
pub const METRIC_SSE_EVENT_DURATION: &str = "codex.sse_event.duration_ms";
/// Counter: WebSocket requests.
pub const METRIC_WEBSOCKET_REQUEST: &str = "codex.websocket.request";
/// Histogram (ms): WebSocket request duration.
pub const METRIC_WEBSOCKET_REQUEST_DURATION: &str = "codex.websocket.request.duration_ms";
/// Counter: WebSocket events.
pub const METRIC_WEBSOCKET_EVENT: &str = "codex.websocket.event";
/// Histogram (ms): WebSocket event duration.
pub const METRIC_WEBSOCKET_EVENT_DURATION: &str = "codex.websocket.event.duration_ms";
/// Histogram (ms): turn end-to-end duration.
pub const METRIC_TURN_E2E_DURATION: &str = "codex.turn.e2e_duration_ms";
/// Histogram (ms): turn time to first token.
pub const METRIC_TURN_TTFT_DURATION: &str = "codex.turn.ttft.duration_ms";
/// Histogram (token counts; no unit, as Codex exports it): per-turn token usage by
/// `token_type`.
pub const METRIC_TURN_TOKEN_USAGE: &str = "codex.turn.token_usage";
/// Histogram: tool calls per turn.
pub const METRIC_TURN_TOOL_CALL: &str = "codex.turn.tool.call";
/// Counter: sessions (threads) started.
pub const METRIC_THREAD_STARTED: &str = "codex.thread.started";
/// Counter: compactions.
pub const METRIC_TASK_COMPACT: &str = "codex.task.compact";
/// Counter: reviewer verdicts.
pub const METRIC_GUARDIAN_REVIEW: &str = "codex.guardian.review";
/// Counter: user turns of a session (added at session end).
pub const METRIC_CONVERSATION_TURN_COUNT: &str = "codex.conversation.turn.count";

/// Metric tag: tool name.
pub const TAG_TOOL: &str = "tool";
/// Metric tag: HTTP status or `none`.
pub const TAG_STATUS: &str = "status";
/// Metric tag: SSE kind.
pub const TAG_KIND: &str = "kind";
/// Metric tag: token type of `codex.turn.token_usage`.
pub const TAG_TOKEN_TYPE: &str = "token_type";
/// Metric tag: reviewer decision.
pub const TAG_DECISION: &str = "decision";
/// Metric tag: reviewer risk level.
pub const TAG_RISK_LEVEL: &str = "risk_level";
/// Metric tag: sandbox policy.
pub const TAG_SANDBOX_POLICY: &str = "sandbox_policy";

/// Codex's histograms have no advised buckets; these are the OpenTelemetry SDK's default
/// explicit bounds, which is what Codex's exporter sends.
pub static DEFAULT_BUCKETS: [f64; 15] = [
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];
