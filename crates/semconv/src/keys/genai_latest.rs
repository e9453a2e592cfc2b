//! The `semantic-conventions-genai` repository's main branch as of 2026-12-01: **unstable**
//! and unreleased (it publishes on a dev channel). Names that did not change since v1.41 are
//! re-exported from [`genai_v1_41`](super::genai_v1_41).

pub use super::genai_v1_41::{
    AGENT_ID, AGENT_NAME, CONVERSATION_ID, DURATION_BUCKETS, INPUT_MESSAGES,
    METRIC_CLIENT_OPERATION_DURATION, OP_CHAT, OP_EXECUTE_TOOL, OP_INVOKE_AGENT, OPERATION_NAME,
    PROVIDER_NAME, REQUEST_MODEL, REQUEST_STREAM, RESPONSE_FINISH_REASONS, RESPONSE_ID,
    RESPONSE_MODEL, RESPONSE_TIME_TO_FIRST_CHUNK, TOKEN_USAGE_BUCKETS, TOOL_CALL_ARGUMENTS,
    TOOL_CALL_ID, TOOL_CALL_RESULT, TOOL_NAME, TOOL_TYPE, USAGE_CACHE_READ_INPUT_TOKENS,
    USAGE_INPUT_TOKENS, USAGE_OUTPUT_TOKENS, USAGE_REASONING_OUTPUT_TOKENS,
};

/// Schema URL the genai repository's README gives for its conventions.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/gen-ai/1.42.0";

/// The value of `OTEL_SEMCONV_STABILITY_OPT_IN` that selects these names.
pub const STABILITY_OPT_IN: &str = "gen_ai_latest_experimental";

/// `gen_ai.usage.cache_write.input_tokens` (was `cache_creation`).
pub const USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";
/// `gen_ai.conversation.compacted` (only ever `true`).
pub const CONVERSATION_COMPACTED: &str = "gen_ai.conversation.compacted";
/// `gen_ai.request.reasoning.level` (the provider's string: `low`, `medium`, `high`).
pub const REQUEST_REASONING_LEVEL: &str = "gen_ai.request.reasoning.level";

/// Counter `gen_ai.client.inference.usage.input_tokens`.
pub const METRIC_INFERENCE_USAGE_INPUT_TOKENS: &str = "gen_ai.client.inference.usage.input_tokens";
/// Counter `gen_ai.client.inference.usage.output_tokens`.
pub const METRIC_INFERENCE_USAGE_OUTPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.output_tokens";
/// Counter `gen_ai.client.inference.usage.cache_read.input_tokens`.
pub const METRIC_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.cache_read.input_tokens";
/// Counter `gen_ai.client.inference.usage.cache_write.input_tokens`.
pub const METRIC_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.cache_write.input_tokens";
/// Counter `gen_ai.client.inference.usage.reasoning.output_tokens`.
pub const METRIC_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.reasoning.output_tokens";
/// Histogram `gen_ai.client.inference.operation.input_tokens`.
pub const METRIC_INFERENCE_OPERATION_INPUT_TOKENS: &str =
    "gen_ai.client.inference.operation.input_tokens";
/// Histogram `gen_ai.client.inference.operation.output_tokens`.
pub const METRIC_INFERENCE_OPERATION_OUTPUT_TOKENS: &str =
    "gen_ai.client.inference.operation.output_tokens";
/// Histogram `gen_ai.client.inference.duration` (s): inference only.
pub const METRIC_INFERENCE_DURATION: &str = "gen_ai.client.inference.duration";
/// Histogram `gen_ai.invoke_agent.duration` (s).
pub const METRIC_INVOKE_AGENT_DURATION: &str = "gen_ai.invoke_agent.duration";
/// Histogram `gen_ai.execute_tool.duration` (s).
pub const METRIC_EXECUTE_TOOL_DURATION: &str = "gen_ai.execute_tool.duration";
