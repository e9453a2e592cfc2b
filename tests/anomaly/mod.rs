//! The anomaly rules on genuine captures of the real Codex CLI, end to end through the
//! reader, the engine and the dialects.

mod eval;
mod fixtures;
