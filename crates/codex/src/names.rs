//! Codex's own names: rollout line types and `event_msg` payload types, as written on disk.

/// Rollout line `type` values.
pub mod line {
    /// First line of a thread: identity, origin, lineage.
    pub const SESSION_META: &str = "session_meta";
    /// A model-visible history item.
    pub const RESPONSE_ITEM: &str = "response_item";
    /// A UI/protocol event.
    pub const EVENT_MSG: &str = "event_msg";
    /// Settings of the next turn (model, policies).
    pub const TURN_CONTEXT: &str = "turn_context";
    /// History was compacted.
    pub const COMPACTED: &str = "compacted";
    /// Per-response usage record (0.169+), the same response a `token_count` reports.
    pub const TOKEN_USAGE_RECORD: &str = "token_usage_record";
    /// Snapshot of the agent's environment (0.169+).
    pub const WORLD_STATE: &str = "world_state";
}

/// `event_msg` payload `type` values.
pub mod event {
    /// Usage and rate limits.
    pub const TOKEN_COUNT: &str = "token_count";
    /// A turn started (`turn_started` accepted as alias).
    pub const TASK_STARTED: &str = "task_started";
    /// Alias of `task_started`.
    pub const TURN_STARTED: &str = "turn_started";
    /// A turn completed (`turn_complete` accepted as alias).
    pub const TASK_COMPLETE: &str = "task_complete";
    /// Alias of `task_complete`.
    pub const TURN_COMPLETE: &str = "turn_complete";
    /// A turn was aborted.
    pub const TURN_ABORTED: &str = "turn_aborted";
    /// A user prompt (builds before 0.169).
    pub const USER_MESSAGE: &str = "user_message";
    /// An item finished (0.169+: user messages, commands, agent messages, reasoning).
    pub const ITEM_COMPLETED: &str = "item_completed";
    /// Thread settings took effect (0.169+; carries the service tier when set).
    pub const THREAD_SETTINGS_APPLIED: &str = "thread_settings_applied";
    /// An error (extended persistence).
    pub const ERROR: &str = "error";
    /// History was compacted.
    pub const CONTEXT_COMPACTED: &str = "context_compacted";
    /// Automated reviewer verdict (extended persistence).
    pub const GUARDIAN_ASSESSMENT: &str = "guardian_assessment";
    /// A command finished (extended persistence).
    pub const EXEC_COMMAND_END: &str = "exec_command_end";
    /// An MCP tool call finished (extended persistence).
    pub const MCP_TOOL_CALL_END: &str = "mcp_tool_call_end";

    /// Known payload types that carry only content the event model does not keep
    /// (agent text, reasoning text); they produce no event and no warning.
    pub const CONTENT_ONLY: &[&str] = &[
        "agent_message",
        "agent_message_delta",
        "agent_reasoning",
        "agent_reasoning_raw_content",
        "agent_reasoning_section_break",
        "agent_reasoning_delta",
        "plan_update",
        "turn_diff",
    ];

    /// Known payload types kept as `Other` events (facts without a dedicated variant).
    pub const KEPT_AS_OTHER: &[&str] = &[
        "thread_name_updated",
        "thread_rolled_back",
        "undo_completed",
        "entered_review_mode",
        "exited_review_mode",
        "image_generation_end",
        "web_search_end",
        "patch_apply_end",
        "view_image_tool_call",
        "dynamic_tool_call_request",
        "dynamic_tool_call_response",
        "collab_agent_spawn_end",
        "collab_agent_interaction_end",
        "collab_waiting_end",
        "collab_close_end",
        "collab_resume_end",
        "stream_error",
        "warning",
        "background_event",
        "shutdown_complete",
        "session_configured",
        "mcp_startup_complete",
    ];
}

/// `response_item` payload `type` values.
pub mod item {
    /// A chat message (user, assistant, developer, system).
    pub const MESSAGE: &str = "message";
    /// Reasoning (summary and encrypted content).
    pub const REASONING: &str = "reasoning";
    /// A function tool call.
    pub const FUNCTION_CALL: &str = "function_call";
    /// Output of a function tool call.
    pub const FUNCTION_CALL_OUTPUT: &str = "function_call_output";
    /// A free-form tool call (e.g. `apply_patch`).
    pub const CUSTOM_TOOL_CALL: &str = "custom_tool_call";
    /// Output of a free-form tool call.
    pub const CUSTOM_TOOL_CALL_OUTPUT: &str = "custom_tool_call_output";
    /// A local shell call (older builds).
    pub const LOCAL_SHELL_CALL: &str = "local_shell_call";

    /// Known item types that carry no fact for the event model.
    pub const CONTENT_ONLY: &[&str] = &[
        "message",
        "reasoning",
        "web_search_call",
        "image_generation_call",
        "ghost_snapshot",
        "compaction",
        "compaction_summary",
        "tool_search_call",
        "tool_search_output",
        "agent_message",
        "additional_tools",
        "compaction_trigger",
        "context_compaction",
    ];
}

/// The model Codex builds of the pre-`turn_context` era used by default.
pub const INFERRED_DEFAULT_MODEL: &str = "gpt-5";
