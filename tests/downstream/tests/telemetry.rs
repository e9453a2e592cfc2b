//! The toy harness's telemetry, tested the way the agentobs-testing README shows.

use std::time::Duration;

use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::export::config::ExportConfig;
use agentobs::schema::Collect;
use agentobs::telemetry::Telemetry;
use agentobs_testing::receiver::{Receiver, Signal};
use agentobs_testing::{Generation, SessionBuilder, TestTelemetry, rollout};
use toy_harness::{Task, run};

#[test]
fn one_tool_span_with_its_attributes_and_cost() {
    let kit = TestTelemetry::genai();
    run(kit.telemetry(), "thread-1", &[Task { prompt: "check", command: "true" }]);
    let got = kit.finish();
    got.spans().named("execute_tool shell").with("gen_ai.tool.name", "shell").with("gen_ai.tool.call.id", "call-0").assert_one();
    got.assert_cost_usd(0.001875); // gpt-5: 1,000 uncached × $1.25/M + 1,000 cached × $0.125/M + 50 out × $10/M
}

#[test]
fn a_failed_command_is_an_error_span_and_the_message_shows_what_was_there() {
    let kit = TestTelemetry::genai();
    run(kit.telemetry(), "thread-2", &[Task { prompt: "a", command: "true" }, Task { prompt: "b", command: "false" }]);
    let got = kit.finish();
    got.events().named("tool_result").with("exit_code", 1).with("success", false).assert_one();
    let err = got.spans().named("execute_tool grep").check(1).unwrap_err().to_string();
    assert!(err.contains("captured") && err.contains("execute_tool shell"), "{err}");
}

#[test]
fn a_built_session_reads_back_from_its_rollout_as_emitted() {
    let mut s = SessionBuilder::new();
    s.turn("hello");
    s.tool("exec_command", "{\"cmd\":\"ls\"}", 0, 20, "Cargo.toml");
    s.end_turn();
    let kit = TestTelemetry::genai();
    s.emit(kit.telemetry());
    let emitted = kit.finish().events;
    let dir = tempfile::tempdir().unwrap();
    let path = s.write_rollout(dir.path(), Generation::Current).unwrap().path;
    let mut read = Collect::default();
    let _ = RolloutReader::open(&path, ReadOptions::default()).unwrap().feed(&mut read);
    assert_eq!(rollout::normalize(&emitted, Generation::Current), rollout::normalize(&read.events, Generation::Current));
}

#[test]
fn spans_reach_a_local_otlp_receiver() {
    let r = Receiver::start();
    let config = ExportConfig::builder().endpoint(r.http_url()).resolve(None, &|_| None).unwrap();
    let telemetry = Telemetry::builder().otlp(&config, "genai").unwrap().build();
    run(&telemetry, "thread-3", &[Task { prompt: "check", command: "true" }]);
    assert!(telemetry.shutdown(Duration::from_secs(10)).complete());
    r.wait_for(Signal::Traces, 3, Duration::from_secs(10)).unwrap();
    assert!(r.spans().iter().any(|s| s.name == "execute_tool shell"));
}
