//! Attribute, event and metric names, one module per convention and version.
//!
//! These are this crate's own constants: the `opentelemetry-semantic-conventions` crate
//! gates every `gen_ai` name behind an experimental feature and marks each one deprecated
//! (core semantic conventions v1.42 moved GenAI to its own repository), and it has none of the
//! newer GenAI names or the OpenInference and Codex ones.

pub mod agentobs;
pub mod codex;
pub mod genai_latest;
pub mod genai_v1_41;
pub mod openinference;
pub mod resource;
