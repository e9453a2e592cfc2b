//! Cross-crate integration tests on real Codex captures and hand-written traps.

mod anomaly;
mod codex;
mod common;
mod corpus;
mod emit;
mod gateway;
mod harness_neutral;
mod prometheus;
mod recipes;
mod report;
mod rotel;
mod semconv;
mod tls;
