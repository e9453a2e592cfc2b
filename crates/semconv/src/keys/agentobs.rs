//! The `agentobs.*` namespace: what the conventions have no name for (approvals, reviewer
//! verdicts, cost, turn bookkeeping). Documented in `docs/mapping.md`.

/// Resource: the harness that produced the session (`codex`, `claude_code`, …).
pub const HARNESS: &str = "agentobs.harness";
/// Total cost of the request (or turn) in USD.
pub const COST_USD: &str = "agentobs.cost.usd";
/// Plain-input part of the cost in USD.
pub const COST_INPUT_USD: &str = "agentobs.cost.input_usd";
/// Cache-read part of the cost in USD.
pub const COST_CACHED_INPUT_USD: &str = "agentobs.cost.cached_input_usd";
/// Cache-write part of the cost in USD.
pub const COST_CACHE_WRITE_USD: &str = "agentobs.cost.cache_write_usd";
/// Output part of the cost in USD.
pub const COST_OUTPUT_USD: &str = "agentobs.cost.output_usd";
/// Set (true) when the model has no price, so no cost is claimed.
pub const COST_UNPRICED: &str = "agentobs.cost.unpriced";
/// What the harness itself billed for the request in USD, when it says (Claude Code's
/// `cost_usd`), beside agentobs's own `agentobs.cost.usd`.
pub const COST_REPORTED_USD: &str = "agentobs.cost.reported_usd";
/// Requests without a price in a turn.
pub const COST_UNPRICED_REQUESTS: &str = "agentobs.cost.unpriced_requests";
/// Counter of cost in USD: each priced model request adds its cost (an unpriced request adds
/// nothing, never $0), on the series attributes of the dialect's token metric.
pub const METRIC_COST_USD: &str = "agentobs.cost.usd";
/// Unit of [`METRIC_COST_USD`] (kept verbatim by Prometheus's translation).
pub const UNIT_USD: &str = "USD";
/// The turn id.
pub const TURN_ID: &str = "agentobs.turn.id";
/// What started the turn (`user`, `exec`, `guardian_review`, …).
pub const TURN_TRIGGER: &str = "agentobs.turn.trigger";
/// How an aborted turn ended (`interrupted`, `replaced`, …).
pub const TURN_ABORTED: &str = "agentobs.turn.aborted";
/// Model requests in the turn.
pub const TURN_REQUESTS: &str = "agentobs.turn.requests";
/// Tool calls in the turn.
pub const TURN_TOOL_CALLS: &str = "agentobs.turn.tool_calls";
/// Tool calls that failed in the turn.
pub const TURN_FAILED_TOOL_CALLS: &str = "agentobs.turn.failed_tool_calls";
/// The turn has no `TurnCompleted`: its source ended first.
pub const TURN_INCOMPLETE: &str = "agentobs.turn.incomplete";
/// Time to first token of the turn, ms.
pub const TURN_TTFT_MS: &str = "agentobs.turn.time_to_first_token_ms";
/// The trace id the harness itself gave the turn (for joining with its own traces).
pub const SOURCE_TRACE_ID: &str = "agentobs.source.trace_id";
/// The request's attempt number (0-based).
pub const REQUEST_ATTEMPT: &str = "agentobs.request.attempt";
/// What the harness made the request for, when not the agent's own turn (`utility_router`).
pub const REQUEST_PURPOSE: &str = "agentobs.request.purpose";
/// Prompt size that picked the price tier, when it differs from the billed input.
pub const REQUEST_PROMPT_TOKENS: &str = "agentobs.request.prompt_tokens";
/// Model context window in tokens.
pub const CONTEXT_WINDOW: &str = "agentobs.context_window";
/// Exit code of a command tool.
pub const TOOL_EXIT_CODE: &str = "agentobs.tool.exit_code";
/// What the harness reported as the tool's success (it may differ from the truth).
pub const TOOL_REPORTED_SUCCESS: &str = "agentobs.tool.reported_success";
/// MCP server of an MCP tool.
pub const TOOL_MCP_SERVER: &str = "agentobs.tool.mcp_server";
/// Where the tool comes from (`builtin`, `mcp`, `dynamic`).
pub const TOOL_ORIGIN: &str = "agentobs.tool.origin";
/// Length of the tool arguments in characters (always; the text only with capture).
pub const TOOL_ARGUMENTS_LENGTH: &str = "agentobs.tool.arguments_length";
/// Length of the tool output in characters.
pub const TOOL_OUTPUT_LENGTH: &str = "agentobs.tool.output_length";
/// What stopped a tool call before it ran (`PreToolUse hook`); the command never ran.
pub const TOOL_BLOCKED_BY: &str = "agentobs.tool.blocked_by";
/// Span event: an approval decision on the tool call.
pub const EVENT_TOOL_DECISION: &str = "agentobs.tool.decision";
/// The decision (`approved`, `denied`, `approved_for_session`, …).
pub const DECISION: &str = "agentobs.decision";
/// Who decided (`config`, `user`, `automated_reviewer`).
pub const DECISION_SOURCE: &str = "agentobs.decision.source";
/// Span event: an automated reviewer's verdict.
pub const EVENT_GUARDIAN_REVIEW: &str = "agentobs.guardian.review";
/// The reviewer's risk level.
pub const GUARDIAN_RISK_LEVEL: &str = "agentobs.guardian.risk_level";
/// How clearly the user authorised the action.
pub const GUARDIAN_USER_AUTHORIZATION: &str = "agentobs.guardian.user_authorization";
/// The reviewer's rationale (with assistant-text capture only).
pub const GUARDIAN_RATIONALE: &str = "agentobs.guardian.rationale";
/// The reviewed tool call.
pub const GUARDIAN_CALL_ID: &str = "agentobs.guardian.call_id";
/// Span event: the history was compacted.
pub const EVENT_COMPACTION: &str = "agentobs.compaction";
/// Items in the replacement history.
pub const COMPACTION_REPLACEMENT_ITEMS: &str = "agentobs.compaction.replacement_items";
/// Span event: a streamed event failed.
pub const EVENT_STREAM_ERROR: &str = "agentobs.stream.error";
/// The failed stream event's kind.
pub const STREAM_EVENT_KIND: &str = "agentobs.stream.event_kind";
/// Approval policy of the session.
pub const SESSION_APPROVAL_POLICY: &str = "agentobs.session.approval_policy";
/// Sandbox policy of the session.
pub const SESSION_SANDBOX_POLICY: &str = "agentobs.session.sandbox_policy";
/// How the session was started (`cli`, `exec`, …).
pub const SESSION_SOURCE: &str = "agentobs.session.source";
/// Kind of sub-agent (`guardian`, `review`, `thread_spawn`, …).
pub const SUBAGENT_KIND: &str = "agentobs.subagent.kind";
/// The parent thread of a sub-agent.
pub const PARENT_THREAD_ID: &str = "agentobs.parent_thread.id";
/// Git branch of the working directory.
pub const GIT_BRANCH: &str = "agentobs.git.branch";

/// Log record of an alert raised by an anomaly rule.
pub const EVENT_ALERT: &str = "agentobs.alert";
/// Counter of alerts, by rule and severity.
pub const METRIC_ALERTS: &str = "agentobs.alerts";
/// The rule that raised an alert.
pub const ALERT_RULE: &str = "agentobs.alert.rule";
/// An alert's severity: `info`, `warning` or `critical`.
pub const ALERT_SEVERITY: &str = "agentobs.alert.severity";
/// The value an alert measured.
pub const ALERT_VALUE: &str = "agentobs.alert.value";
/// The threshold the value crossed.
pub const ALERT_THRESHOLD: &str = "agentobs.alert.threshold";
/// References to the events that raised an alert (`path:line`, trace and span ids).
pub const ALERT_EVIDENCE: &str = "agentobs.alert.evidence";
