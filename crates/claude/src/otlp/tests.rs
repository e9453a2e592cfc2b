use std::io::Read as _;
use std::path::{Path, PathBuf};

use agentobs_schema::{Collect, Decision, DecisionSource, EventKind, Harness, TokenUsage};

use super::*;
use crate::{ReadOptions, TranscriptReader};

fn capture(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/otlp-2.1.197")
        .join(scenario)
}

/// The gunzipped body of the one captured request of `signal` in `scenario`.
fn body(scenario: &str, signal: &str) -> Vec<u8> {
    let dir = capture(scenario).join("otlp");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(signal))
        .unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn usages(events: &Collect) -> Vec<TokenUsage> {
    events
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(t) => Some(t.usage),
            _ => None,
        })
        .collect()
}

fn transcript_usages(scenario: &str) -> Vec<TokenUsage> {
    let mut sink = Collect::default();
    let path = capture(scenario).join("transcript.jsonl");
    let _ = TranscriptReader::open(&path, ReadOptions::default())
        .unwrap()
        .feed(&mut sink);
    usages(&sink)
}

fn decode_all(scenario: &str, d: &mut OtlpDecoder) -> (Collect, [DecodeSummary; 3]) {
    let mut sink = Collect::default();
    let logs = parse_logs(&body(scenario, "logs"), Encoding::Json).unwrap();
    let metrics = parse_metrics(&body(scenario, "metrics"), Encoding::Json).unwrap();
    let traces = parse_traces(&body(scenario, "traces"), Encoding::Json).unwrap();
    let s = [
        d.logs(&logs, &mut sink),
        d.metrics(&metrics, &mut sink),
        d.traces(&traces, &mut sink),
    ];
    (sink, s)
}

const SESSION: &str = "007945b9-41d9-4d9d-87c9-2aa48725e912";

#[test]
fn the_tool_capture_gives_the_transcripts_tokens_and_the_tool_events() {
    let mut d = OtlpDecoder::new();
    let (sink, [logs, metrics, traces]) = decode_all("tool", &mut d);
    assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
    assert_eq!(
        (logs.records, logs.events, logs.skipped, logs.bad),
        (7, 5, 2, 0)
    );
    assert_eq!((metrics.events, metrics.bad), (0, 0));
    assert_eq!((traces.records, traces.events, traces.bad), (6, 0, 0));

    let got = usages(&sink);
    assert_eq!(got, transcript_usages("tool"));
    let first = got[0];
    assert_eq!(
        (
            first.input_tokens,
            first.cached_input_tokens,
            first.cache_write_input_tokens,
            first.output_tokens
        ),
        (4200, 0, 3000, 60)
    );
    assert_eq!(
        (got[1].input_tokens, got[1].cached_input_tokens),
        (3230, 3000)
    );

    let ctx = &sink.events[0].ctx;
    assert_eq!(ctx.harness, Harness::ClaudeCode);
    assert_eq!(ctx.session_id.as_deref(), Some(SESSION));
    assert_eq!(ctx.app_version.as_deref(), Some("2.1.197"));
    let usage_ctx = sink
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::TokenUsage(_)))
        .unwrap();
    assert_eq!(usage_ctx.ctx.model.as_deref(), Some("claude-opus-4-8"));
    assert_eq!(usage_ctx.at.unix_millis(), 1_795_596_502_369);

    let kinds: Vec<_> = sink.events.iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(
        kinds,
        [
            "user_prompt",
            "tool_decision",
            "token_usage",
            "tool_result",
            "token_usage"
        ]
    );
    let EventKind::UserPrompt(p) = &sink.events[0].kind else {
        unreachable!()
    };
    assert_eq!((p.length, p.text.is_withheld()), (25, true));
    let EventKind::ToolDecision(t) = &sink.events[1].kind else {
        unreachable!()
    };
    assert_eq!(
        (t.tool.as_str(), t.decision.clone(), t.source.clone()),
        ("Bash", Decision::Approved, Some(DecisionSource::Config))
    );
    let EventKind::ToolResult(r) = &sink.events[3].kind else {
        unreachable!()
    };
    assert_eq!(
        (
            r.tool.as_str(),
            r.success,
            r.duration_ms,
            r.call_id.as_deref()
        ),
        (
            "Bash",
            Some(true),
            Some(55),
            Some("toolu_e6e540be18a74143a3b3976a")
        )
    );

    // Spans and metrics corroborate the logs.
    let tally = d.tally(SESSION).unwrap();
    assert_eq!(tally.logs.requests, 2);
    assert_eq!(tally.traces.requests, 2);
    assert_eq!(tally.traces.tokens, tally.logs.tokens);
    assert!((tally.logs.reported_cost_usd - (0.02625 + 0.0034625)).abs() < 1e-9);
    // Each request's own cost is on its event, for the price book to read the cache split.
    let reported: Vec<_> = sink
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(t) => t.reported_cost_usd,
            _ => None,
        })
        .collect();
    assert_eq!(reported.len(), 2);
    assert!((reported[0] - 0.02625).abs() < 1e-12 && (reported[1] - 0.0034625).abs() < 1e-12);
    let metric = |kind| d.metric_total(SESSION, "claude_code.token.usage", Some(kind));
    assert_eq!(metric("input"), Some(1280.0));
    assert_eq!(metric("cacheRead"), Some(3000.0));
    assert_eq!(metric("cacheCreation"), Some(3150.0));
    assert_eq!(metric("output"), Some(85.0));
    let cost = d
        .metric_total(SESSION, "claude_code.cost.usage", None)
        .unwrap();
    assert!((cost - tally.logs.reported_cost_usd).abs() < 1e-6, "{cost}");
}

#[test]
fn a_failed_command_is_a_failed_tool_result() {
    let mut d = OtlpDecoder::new().with_content(true);
    let (sink, _) = decode_all("tool_fail", &mut d);
    assert_eq!(usages(&sink), transcript_usages("tool_fail"));
    let r = sink
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolResult(r) => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(r.success, Some(false));
    let EventKind::UserPrompt(p) = &sink.events[0].kind else {
        unreachable!()
    };
    assert!(!p.text.is_withheld());
}

#[test]
fn damaged_records_are_warnings_and_the_rest_decodes() {
    let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[
      {"attributes":[{"key":"event.name","value":{"stringValue":"api_request"}},
        {"key":"session.id","value":{"stringValue":"s"}},
        {"key":"input_tokens","value":{"stringValue":"many"}}]},
      {"attributes":[{"key":"event.name","value":{"stringValue":"api_error"}},
        {"key":"session.id","value":{"stringValue":"s"}},
        {"key":"status_code","value":{"stringValue":"529"}},
        {"key":"error","value":{"stringValue":"overloaded"}}]},
      {"body":{"stringValue":"claude_code.tool_result"},"attributes":[
        {"key":"tool_name","value":{"stringValue":"Bash"}},
        {"key":"success","value":{"boolValue":false}}]},
      {"attributes":[{"key":"event.name","value":{"stringValue":"hook_execution_start"}}]},
      {}]}]}]}"#;
    let req = parse_logs(body, Encoding::Json).unwrap();
    let mut sink = Collect::default();
    let s = OtlpDecoder::new().logs(&req, &mut sink);
    assert_eq!((s.records, s.events, s.skipped, s.bad), (5, 2, 2, 1));
    assert_eq!(sink.warnings.len(), 1);
    assert!(
        sink.warnings[0]
            .message
            .starts_with("resource 0, scope 0, record 0: input_tokens"),
        "{}",
        sink.warnings[0].message
    );
    let EventKind::Error(e) = &sink.events[0].kind else {
        unreachable!()
    };
    assert_eq!(
        (e.status_code, e.kind.clone(), e.message.as_str()),
        (
            Some(529),
            Some(agentobs_schema::ErrorKind::ServerOverloaded),
            "overloaded"
        )
    );
    // A record with no session id still gets a Claude Code context.
    assert_eq!(sink.events[1].ctx.harness, Harness::ClaudeCode);
    assert!(parse_logs(b"{\"resourceLogs\":7}", Encoding::Json).is_err());
}

#[test]
fn sessions_are_bounded_and_recognised() {
    let mut d = OtlpDecoder::new().with_max_sessions(1);
    let _ = d.session("a", None);
    let _ = d.session("b", None);
    assert_eq!(d.sessions(), 1);
    assert!(d.tally("a").is_none());
    assert!(is_claude(Some("claude-code"), ""));
    assert!(is_claude(None, "com.anthropic.claude_code.events"));
    assert!(!is_claude(Some("codex_exec"), "codex_otel"));
}

#[test]
fn protobuf_bodies_decode_as_their_json_does() {
    use prost::Message as _;
    let json = parse_logs(&body("tool", "logs"), Encoding::Json).unwrap();
    let pb = parse_logs(&json.encode_to_vec(), Encoding::Protobuf).unwrap();
    let (mut a, mut b) = (Collect::default(), Collect::default());
    OtlpDecoder::new().logs(&json, &mut a);
    OtlpDecoder::new().logs(&pb, &mut b);
    assert_eq!(a.events.len(), 5);
    assert_eq!(a.events, b.events);
}
