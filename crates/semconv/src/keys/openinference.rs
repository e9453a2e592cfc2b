//! OpenInference semantic conventions (Arize; spec as of openinference-semantic-conventions
//! 0.1.32).

/// `openinference.span.kind`: required on every span.
pub const SPAN_KIND: &str = "openinference.span.kind";
/// Span kind `AGENT`.
pub const KIND_AGENT: &str = "AGENT";
/// Span kind `LLM`.
pub const KIND_LLM: &str = "LLM";
/// Span kind `TOOL`.
pub const KIND_TOOL: &str = "TOOL";
/// Span kind `CHAIN`.
pub const KIND_CHAIN: &str = "CHAIN";
/// Span kind `GUARDRAIL`.
pub const KIND_GUARDRAIL: &str = "GUARDRAIL";

/// `session.id` (Phoenix groups traces into sessions by it).
pub const SESSION_ID: &str = "session.id";
/// `user.id`.
pub const USER_ID: &str = "user.id";
/// `agent.name`.
pub const AGENT_NAME: &str = "agent.name";
/// `metadata` (a JSON object as a string).
pub const METADATA: &str = "metadata";
/// `input.value`.
pub const INPUT_VALUE: &str = "input.value";
/// `input.mime_type`.
pub const INPUT_MIME_TYPE: &str = "input.mime_type";
/// `output.value`.
pub const OUTPUT_VALUE: &str = "output.value";
/// `output.mime_type`.
pub const OUTPUT_MIME_TYPE: &str = "output.mime_type";
/// `llm.model_name`.
pub const LLM_MODEL_NAME: &str = "llm.model_name";
/// `llm.provider` (hosting provider).
pub const LLM_PROVIDER: &str = "llm.provider";
/// `llm.system` (model vendor).
pub const LLM_SYSTEM: &str = "llm.system";
/// `llm.invocation_parameters` (JSON string).
pub const LLM_INVOCATION_PARAMETERS: &str = "llm.invocation_parameters";
/// `llm.token_count.prompt` (cached included).
pub const LLM_TOKEN_COUNT_PROMPT: &str = "llm.token_count.prompt";
/// `llm.token_count.completion`.
pub const LLM_TOKEN_COUNT_COMPLETION: &str = "llm.token_count.completion";
/// `llm.token_count.total`.
pub const LLM_TOKEN_COUNT_TOTAL: &str = "llm.token_count.total";
/// `llm.token_count.prompt_details.cache_read`.
pub const LLM_TOKEN_COUNT_PROMPT_CACHE_READ: &str = "llm.token_count.prompt_details.cache_read";
/// `llm.token_count.prompt_details.cache_write`.
pub const LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE: &str = "llm.token_count.prompt_details.cache_write";
/// `llm.token_count.completion_details.reasoning`.
pub const LLM_TOKEN_COUNT_COMPLETION_REASONING: &str =
    "llm.token_count.completion_details.reasoning";
/// `llm.cost.prompt` (USD).
pub const LLM_COST_PROMPT: &str = "llm.cost.prompt";
/// `llm.cost.completion` (USD).
pub const LLM_COST_COMPLETION: &str = "llm.cost.completion";
/// `llm.cost.total` (USD).
pub const LLM_COST_TOTAL: &str = "llm.cost.total";
/// `llm.cost.prompt_details.input` (USD).
pub const LLM_COST_PROMPT_INPUT: &str = "llm.cost.prompt_details.input";
/// `llm.cost.prompt_details.cache_read` (USD).
pub const LLM_COST_PROMPT_CACHE_READ: &str = "llm.cost.prompt_details.cache_read";
/// `llm.cost.prompt_details.cache_write` (USD).
pub const LLM_COST_PROMPT_CACHE_WRITE: &str = "llm.cost.prompt_details.cache_write";
/// `llm.cost.completion_details.output` (USD).
pub const LLM_COST_COMPLETION_OUTPUT: &str = "llm.cost.completion_details.output";
/// `tool.name`.
pub const TOOL_NAME: &str = "tool.name";
/// `tool.id` (the call id; corresponds to `tool_call.id`).
pub const TOOL_ID: &str = "tool.id";
/// `tool_call.id`.
pub const TOOL_CALL_ID: &str = "tool_call.id";
/// `tool_call.function.name`.
pub const TOOL_CALL_FUNCTION_NAME: &str = "tool_call.function.name";
/// `tool_call.function.arguments` (JSON string, with tool-argument capture only).
pub const TOOL_CALL_FUNCTION_ARGUMENTS: &str = "tool_call.function.arguments";
/// `exception.type`.
pub const EXCEPTION_TYPE: &str = "exception.type";
/// `exception.message`.
pub const EXCEPTION_MESSAGE: &str = "exception.message";
