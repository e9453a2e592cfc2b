//! Gemini CLI sources for agentobs (in progress).
