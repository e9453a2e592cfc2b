//! OpenTelemetry GenAI semantic conventions **v1.41.0**: the last release inside the core
//! semantic-conventions repository (stability: Development).

/// Schema URL of semantic conventions v1.41.0.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.41.0";

/// `gen_ai.operation.name`.
pub const OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`.
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.conversation.id`.
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// `gen_ai.agent.id`.
pub const AGENT_ID: &str = "gen_ai.agent.id";
/// `gen_ai.agent.name`.
pub const AGENT_NAME: &str = "gen_ai.agent.name";
/// `gen_ai.agent.version`.
pub const AGENT_VERSION: &str = "gen_ai.agent.version";
/// `gen_ai.request.model`.
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.request.stream`.
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
/// `gen_ai.response.model`.
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.id`.
pub const RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.finish_reasons`.
pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// `gen_ai.response.time_to_first_chunk` (seconds).
pub const RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// `gen_ai.usage.input_tokens` (cached tokens included).
pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens` (reasoning included).
pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.usage.cache_read.input_tokens`.
pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// `gen_ai.usage.cache_creation.input_tokens` (renamed `cache_write` after v1.41).
pub const USAGE_CACHE_CREATION_INPUT_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
/// `gen_ai.usage.reasoning.output_tokens`.
pub const USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// `gen_ai.tool.name`.
pub const TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.tool.type`.
pub const TOOL_TYPE: &str = "gen_ai.tool.type";
/// `gen_ai.tool.call.id`.
pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `gen_ai.tool.call.arguments` (opt-in content).
pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// `gen_ai.tool.call.result` (opt-in content).
pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// `gen_ai.input.messages` (opt-in content).
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// `gen_ai.token.type` (metric dimension: `input` or `output`).
pub const TOKEN_TYPE: &str = "gen_ai.token.type";

/// Operation `chat`.
pub const OP_CHAT: &str = "chat";
/// Operation `invoke_agent`.
pub const OP_INVOKE_AGENT: &str = "invoke_agent";
/// Operation `execute_tool`.
pub const OP_EXECUTE_TOOL: &str = "execute_tool";

/// Metric `gen_ai.client.token.usage` (histogram, `{token}`).
pub const METRIC_CLIENT_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// Metric `gen_ai.client.operation.duration` (histogram, `s`).
pub const METRIC_CLIENT_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";

/// Advised bucket bounds of `gen_ai.client.token.usage`.
pub static TOKEN_USAGE_BUCKETS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// Advised bucket bounds of `gen_ai.client.operation.duration` (seconds).
pub static DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
