//! The Codex rollout reader end to end.

mod bad_input;
mod crafted;
mod fixtures_0169;
mod fixtures_0171;
mod fuzz_regressions;
mod generations;
mod otlp;
mod props;
mod rules;
mod traps;
