//! Cross-crate integration tests on real Codex captures and hand-written traps.

mod codex;
mod common;
mod corpus;
mod harness_neutral;
mod report;
mod semconv;
