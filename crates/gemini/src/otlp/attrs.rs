//! Attribute lookups: the shared ones of `agentobs_codex::otlp`.

pub(super) use agentobs_codex::otlp::{AttrLookup as Attrs, nanos_to_millis};
