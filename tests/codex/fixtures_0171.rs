//! Captures of the real Codex CLI 0.171.0: no warnings, exact tokens, and tool durations that
//! are the call's extent, with the process's own wall time beside it.

use agentobs::codex::ReadOptions;
use agentobs::schema::{EventKind, ToolResult};

use crate::common::*;

fn tools(scenario: &str) -> (Read, Vec<ToolResult>) {
    let r = read(&rollout(&format!("codex-0.171/{scenario}")));
    let t = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    (r, t)
}

#[test]
fn every_capture_reads_without_warnings_and_with_exact_tokens() {
    // The scripted server's usage per response, summed (see the fixture README).
    for (scenario, want) in [
        ("plain", usage(4390, 0, 38, 0)),
        ("tool", usage(8780, 8064, 95, 32)),
        ("tool_fail", usage(8780, 8064, 95, 32)),
        ("multi_tool", usage(16600, 14368, 155, 56)),
    ] {
        let path = rollout(&format!("codex-0.171/{scenario}"));
        for opts in [ReadOptions::default(), ReadOptions::tokens()] {
            let r = read_with(&path, opts);
            assert!(r.warnings.is_empty(), "{scenario}: {:?}", r.warnings);
            assert_eq!(usage_sum(&r.events), want, "{scenario}");
        }
    }
}

#[test]
fn tool_durations_are_the_calls_extent_with_the_process_time_beside_it() {
    // (call id, function_call -> output ms, CommandExecution.duration ms, exit code)
    let cases = [
        ("tool", "call_ea68feb9895e4ab3a9e49fb5", 773, 514, 0),
        ("tool_fail", "call_8373772db15a46568471b177", 818, 450, 2),
        ("multi_tool", "call_036e1b068d8f42d899ceb4e2", 707, 470, 0),
        ("multi_tool", "call_6819ec4480db4d3aa465be93", 1762, 1529, 0),
        ("multi_tool", "call_e1d83b8ec53e4190a97e2d12", 355, 156, 3),
    ];
    for (scenario, call, extent, process, exit) in cases {
        let (_, results) = tools(scenario);
        let t = results
            .iter()
            .find(|t| t.call_id.as_deref() == Some(call))
            .unwrap_or_else(|| panic!("{scenario}: no result for {call}"));
        assert_eq!(t.tool, "exec_command");
        assert_eq!(t.duration_ms, Some(extent), "{call}");
        assert_eq!(t.process_duration_ms, Some(process), "{call}");
        assert_eq!(t.exit_code, Some(exit), "{call}");
        assert_eq!(t.success, Some(exit == 0), "{call}: the exit code decides");
    }
    assert_eq!(tools("multi_tool").1.len(), 3);
}
