//! Cross-crate integration tests on real Codex captures and hand-written traps.

mod codex;
mod common;
mod corpus;
mod emit;
mod harness_neutral;
mod receiver;
mod report;
mod rotel;
mod semconv;
mod tls;
