//! A harness's telemetry, unit-tested with `agentobs-testing`.
//!
//! ```sh
//! cargo run --example test_harness      # runs the checks and shows a failure message
//! cargo test --example test_harness     # the same checks as #[test]s
//! ```
//!
//! `run_agent` stands for your harness: it gets a `Telemetry` and emits as it works. The
//! test hands it the kit's telemetry, then asserts — in under ten lines — that the run
//! emitted one tool span with the expected attributes and cost what it should. When an
//! expectation is wrong, the message lists what was emitted instead, nearest match first.

use std::time::Duration;

use agentobs::schema::TokenUsage;
use agentobs::telemetry::{Telemetry, ToolCall};
use agentobs_testing::{TestTelemetry, ctx};

/// The harness under test: one turn, one model call, one shell command.
fn run_agent(telemetry: &Telemetry) {
    let session = telemetry.session(ctx("my-agent", "gpt-5"));
    session.turn_started("t1");
    session.token_usage(TokenUsage {
        input_tokens: 1000,
        output_tokens: 100,
        ..TokenUsage::default()
    });
    session.tool_result(ToolCall {
        tool: "shell",
        call_id: "c1",
        turn_id: Some("t1"),
        success: true,
        exit_code: Some(0),
        duration: Duration::from_millis(40),
        ..ToolCall::default()
    });
    session.turn_completed("t1");
    session.end();
}

/// The test a harness author writes.
fn one_tool_span_with_its_attributes_and_cost() {
    let kit = TestTelemetry::genai();
    run_agent(kit.telemetry());
    let got = kit.finish();
    got.spans()
        .named("execute_tool shell")
        .with("gen_ai.tool.name", "shell")
        .with("gen_ai.tool.call.id", "c1")
        .assert_one();
    got.assert_cost_usd(0.00225); // gpt-5: 1,000 input tokens at $1.25/M + 100 output at $10/M
}

/// What a wrong expectation says.
fn a_wrong_expectation_lists_what_was_emitted() -> String {
    let kit = TestTelemetry::genai();
    run_agent(kit.telemetry());
    let got = kit.finish();
    got.spans()
        .named("execute_tool apply_patch")
        .with("gen_ai.tool.name", "apply_patch")
        .check(1)
        .unwrap_err()
        .to_string()
}

fn main() {
    one_tool_span_with_its_attributes_and_cost();
    println!("ok: one execute_tool span, 0.00225 USD");
    let message = a_wrong_expectation_lists_what_was_emitted();
    assert!(message.contains("nearest first"), "{message}");
    println!("a wrong expectation fails with:\n{message}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_tool_span_with_its_attributes_and_cost() {
        super::one_tool_span_with_its_attributes_and_cost();
    }

    #[test]
    fn a_wrong_expectation_lists_what_was_emitted() {
        let m = super::a_wrong_expectation_lists_what_was_emitted();
        assert!(
            m.lines().nth(2).unwrap().contains("execute_tool shell"),
            "{m}"
        );
    }
}
