//! The reader against genuine Gemini CLI 0.61.0 chat logs, checked against the CLI's own
//! stream-json `result.stats`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agentobs_cost::{PriceBook, Request, ServiceTier};
use agentobs_gemini::{ChatReader, ReadOptions, read_client_error};
use agentobs_schema::{Collect, EventKind, TokenUsage};
use serde_json::Value;

fn fixture(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gemini-cli-0.61.0")
        .join(scenario)
}

fn read(scenario: &str) -> Collect {
    let mut c = Collect::default();
    let _ = ChatReader::open(
        &fixture(scenario).join("chat.jsonl"),
        ReadOptions::default().with_content(true),
    )
    .unwrap()
    .feed(&mut c);
    c
}

fn usage_by_model(c: &Collect) -> BTreeMap<String, TokenUsage> {
    let mut m: BTreeMap<String, TokenUsage> = BTreeMap::new();
    for e in &c.events {
        if let EventKind::TokenUsage(u) = &e.kind {
            *m.entry(e.ctx.model.clone().unwrap()).or_default() += u.usage;
        }
    }
    m
}

/// The routing classifier call (to `gemini-3.5-flash-lite`) is in `stats` but never in the
/// chat log; every other model with usage must match the CLI's figures exactly.
const ROUTER: &str = "gemini-3.5-flash-lite";

#[test]
fn every_capture_reads_without_warnings_and_matches_the_cli_stats() {
    let scenarios = [
        "plain",
        "tool",
        "tool_fail",
        "thinking",
        "http500_retry",
        "tool_denied",
        "http400_fatal",
    ];
    for scenario in scenarios {
        let c = read(scenario);
        assert!(c.warnings.is_empty(), "{scenario}: {:?}", c.warnings);
        assert!(c.ends[0].complete);
        let result: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(scenario).join("result.json")).unwrap(),
        )
        .unwrap();
        let ours = usage_by_model(&c);
        let stats = result["stats"]["models"].as_object().unwrap();
        for (model, s) in stats {
            let n = |k: &str| s[k].as_u64().unwrap();
            if model == ROUTER || n("total_tokens") == 0 {
                assert!(!ours.contains_key(model), "{scenario}: {model}");
                continue;
            }
            let u = ours[model];
            assert_eq!(u.input_tokens, n("input_tokens"), "{scenario}");
            assert_eq!(u.cached_input_tokens, n("cached"), "{scenario}");
            assert_eq!(u.uncached_input_tokens(), n("input"), "{scenario}");
            // stats count output without thoughts; the total has both.
            assert_eq!(
                u.output_tokens - u.reasoning_output_tokens,
                n("output_tokens")
            );
            assert_eq!(u.total_tokens(), n("total_tokens"), "{scenario}");
        }
        assert_eq!(
            ours.len(),
            stats.len() - 1 - usize::from(scenario == "http400_fatal")
        );
    }
}

#[test]
fn a_record_written_twice_bills_once_and_keeps_the_later_tool_calls() {
    let c = read("tool");
    let usages: Vec<_> = c
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(u) => Some(u.usage),
            _ => None,
        })
        .collect();
    assert_eq!(usages.len(), 2);
    assert_eq!(
        usages[0],
        TokenUsage {
            input_tokens: 5200,
            cached_input_tokens: 4096,
            output_tokens: 40,
            ..TokenUsage::default()
        }
    );
    let tools: Vec<_> = c
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].tool, "run_shell_command");
    assert_eq!(tools[0].success, Some(true));
    assert!(tools[0].output.value().unwrap().contains("Output: hi"));
    assert_eq!(
        c.ends[0].context.as_ref().unwrap().model.as_deref(),
        Some("gemini-3.8-flash")
    );
}

#[test]
fn thoughts_are_output_as_reasoning() {
    let u = usage_by_model(&read("thinking"))["gemini-3.8-flash"];
    assert_eq!((u.output_tokens, u.reasoning_output_tokens), (40, 30));
    assert_eq!(u.input_tokens, 5200);
}

fn tool(scenario: &str) -> agentobs_schema::ToolResult {
    read(scenario)
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn tool_status_and_exit_codes_are_read() {
    let fail = tool("tool_fail");
    assert_eq!(fail.exit_code, Some(2));
    assert_eq!(fail.success, Some(false));
    assert_eq!(fail.reported_success, Some(true));
    let denied = tool("tool_denied");
    assert_eq!(denied.success, Some(false));
    assert_eq!(denied.reported_success, Some(false));
    assert!(denied.output.value().unwrap().contains("not found"));
}

#[test]
fn a_fatal_api_error_is_read_from_the_client_error_report() {
    let c = read("http400_fatal");
    assert!(usage_by_model(&c).is_empty());
    let sid = c.ends[0].context.as_ref().unwrap().session_id.clone();
    let ev = read_client_error(
        &fixture("http400_fatal").join("client-error.json"),
        sid.as_deref(),
    )
    .unwrap();
    let EventKind::Error(e) = &ev.kind else {
        panic!("{ev:?}")
    };
    assert_eq!(e.status_code, Some(400));
    assert_eq!(e.message, "Request contains an invalid argument. (fake)");
    assert_eq!(
        ev.ctx.session_id.as_deref(),
        Some("d187c4ad-8ba0-48f0-89df-36e8ac8f6d1f")
    );
}

#[test]
fn cost_of_the_tool_capture_equals_a_hand_computation() {
    let c = read("tool");
    let book = PriceBook::embedded();
    let cost: f64 = c
        .events
        .iter()
        .filter_map(Request::from_event)
        .map(|r| r.cost(&book, ServiceTier::Standard).unwrap().total_usd())
        .sum();
    // gemini-3.8-flash: $0.75 input, $0.075 cached, $3.75 output per 1M.
    // (5200 - 4096) + (5400 - 5120) = 1384 plain, 9216 cached, 60 output.
    let hand = (1384.0 * 0.75 + 9216.0 * 0.075 + 60.0 * 3.75) / 1e6;
    assert!((cost - hand).abs() < 1e-12, "{cost} vs {hand}");
}
