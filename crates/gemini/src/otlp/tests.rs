use std::io::Read as _;
use std::path::{Path, PathBuf};

use agentobs_schema::{
    Collect, Decision, DecisionSource, ErrorKind, EventKind, Harness, TokenUsage,
};

use super::*;
use crate::{ChatReader, ReadOptions};

fn capture(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/otlp-0.61.0")
        .join(scenario)
}

/// Every captured request of `scenario` in arrival order: its file name and gunzipped body.
fn bodies(scenario: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(capture(scenario).join("otlp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let mut body = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap())
                .read_to_string(&mut body)
                .unwrap();
            (f.file_name().unwrap().to_string_lossy().into_owned(), body)
        })
        .collect()
}

/// Every captured request of `scenario`, in arrival order, fed to `d`.
fn decode_all(scenario: &str, d: &mut OtlpDecoder) -> (Collect, DecodeSummary) {
    let mut sink = Collect::default();
    let mut logs = DecodeSummary::default();
    for (name, body) in bodies(scenario) {
        let body = body.as_bytes();
        if name.contains("logs") {
            let s = d.logs(&parse_logs(body, Encoding::Json).unwrap(), &mut sink);
            logs.records += s.records;
            logs.events += s.events;
            logs.skipped += s.skipped;
            logs.bad += s.bad;
        } else if name.contains("metrics") {
            let s = d.metrics(&parse_metrics(body, Encoding::Json).unwrap(), &mut sink);
            assert_eq!((s.events, s.bad), (0, 0));
        } else {
            let s = d.traces(&parse_traces(body, Encoding::Json).unwrap(), &mut sink);
            assert_eq!((s.events, s.bad), (0, 0));
        }
    }
    (sink, logs)
}

/// (model, usage) of every token-usage event.
fn usages(events: &Collect) -> Vec<(String, TokenUsage)> {
    events
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(t) => Some((e.ctx.model.clone().unwrap_or_default(), t.usage)),
            _ => None,
        })
        .collect()
}

fn chat_usages(scenario: &str) -> Vec<(String, TokenUsage)> {
    let mut sink = Collect::default();
    let _ = ChatReader::open(
        &capture(scenario).join("transcript.jsonl"),
        ReadOptions::default(),
    )
    .unwrap()
    .feed(&mut sink);
    usages(&sink)
}

const ROUTER: &str = "gemini-3.5-flash-lite";

#[test]
fn the_tool_capture_gives_the_chat_logs_tokens_and_the_routers_call() {
    let mut d = OtlpDecoder::new();
    let (sink, logs) = decode_all("tool", &mut d);
    assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
    // Five records are events; the tool call is two (its decision, then its result).
    assert_eq!((logs.records, logs.events, logs.bad), (19, 6, 0));
    let got = usages(&sink);
    // The router's call first, then the two responses the chat log has too.
    assert_eq!(got[0].0, ROUTER);
    assert_eq!((got[0].1.input_tokens, got[0].1.output_tokens), (300, 12));
    let main: Vec<_> = got.iter().filter(|(m, _)| m != ROUTER).cloned().collect();
    assert_eq!(main, chat_usages("tool"));
    assert_eq!(
        (
            main[0].1.input_tokens,
            main[0].1.cached_input_tokens,
            main[0].1.output_tokens
        ),
        (5200, 4096, 40)
    );
    assert_eq!(main[0].0, "gemini-3.8-flash");
    // The router's call says what it was for; the conversation's own requests do not.
    let purposes: Vec<_> = sink
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(t) => Some(t.purpose.as_deref()),
            _ => None,
        })
        .collect();
    assert_eq!(purposes, [Some("utility_router"), None, None]);

    const SESSION: &str = "578366f4-44cd-4b63-a7cb-664be5662f61";
    let e = &sink.events[0];
    assert_eq!(e.ctx.harness, Harness::GeminiCli);
    assert_eq!(e.ctx.session_id.as_deref(), Some(SESSION));
    assert_eq!(e.ctx.app_version, None);
    let EventKind::UserPrompt(p) = &e.kind else {
        unreachable!()
    };
    assert_eq!((p.length, p.text.is_withheld()), (25, true));
    let tool = sink
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (tool.tool.as_str(), tool.success, tool.duration_ms),
        ("run_shell_command", Some(true), Some(72))
    );

    // Spans and the cumulative counters corroborate the records.
    let tally = d.tally(SESSION).unwrap();
    assert_eq!((tally.logs.requests, tally.traces.requests), (3, 3));
    assert_eq!(
        tally.traces.tokens.input_tokens,
        tally.logs.tokens.input_tokens
    );
    assert_eq!(
        d.metric_total(SESSION, "gemini_cli.token.usage", Some("input")),
        Some((300 + 5200 + 5400) as f64)
    );
    assert_eq!(
        d.metric_total(SESSION, "gemini_cli.token.usage", Some("cache")),
        Some((4096 + 5120) as f64)
    );
}

#[test]
fn each_retried_failure_is_an_error_and_billing_matches_the_chat_log() {
    let mut d = OtlpDecoder::new();
    let (sink, logs) = decode_all("http500_retry", &mut d);
    assert_eq!(logs.bad, 0);
    let errors: Vec<_> = sink
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].status_code, errors[0].kind.clone()),
        (Some(500), Some(ErrorKind::InternalServerError))
    );
    assert!(errors[0].message.contains("An internal error"));
    let main: Vec<_> = usages(&sink)
        .into_iter()
        .filter(|(m, _)| m != ROUTER)
        .collect();
    assert_eq!(main, chat_usages("http500_retry"));
}

#[test]
fn damaged_records_are_warnings_and_the_rest_decodes() {
    let body = br#"{"resourceLogs":[{"resource":{"attributes":[
        {"key":"session.id","value":{"stringValue":"r"}}]},"scopeLogs":[{"logRecords":[
      {"attributes":[{"key":"event.name","value":{"stringValue":"gemini_cli.api_response"}},
        {"key":"input_token_count","value":{"doubleValue":1.5}}]},
      {"attributes":[{"key":"event.name","value":{"stringValue":"gemini_cli.tool_call"}},
        {"key":"function_name","value":{"stringValue":"read_file"}},
        {"key":"success","value":{"stringValue":"False"}},
        {"key":"error_type","value":{"stringValue":"tool_not_registered"}}]},
      {"attributes":[{"key":"event.name","value":{"stringValue":"gemini_cli.config"}}]},
      {}]}]}]}"#;
    let req = parse_logs(body, Encoding::Json).unwrap();
    let mut sink = Collect::default();
    let s = OtlpDecoder::new().with_content(true).logs(&req, &mut sink);
    assert_eq!((s.records, s.events, s.skipped, s.bad), (4, 1, 2, 1));
    assert_eq!(sink.warnings.len(), 1);
    assert!(sink.warnings[0].message.contains("input_token_count"));
    let EventKind::ToolResult(t) = &sink.events[0].kind else {
        unreachable!()
    };
    assert_eq!(t.success, Some(false));
    assert_eq!(
        t.output.value().map(String::as_str),
        Some("tool_not_registered")
    );
    // The resource's session id stands in for the record's.
    assert_eq!(sink.events[0].ctx.session_id.as_deref(), Some("r"));
    assert!(is_gemini(Some("gemini-cli"), ""));
    assert!(!is_gemini(
        Some("claude-code"),
        "com.anthropic.claude_code.events"
    ));
}

/// The events of `scenario`'s log requests, each edited by `edit` first: their kinds, and
/// the events themselves.
fn tool_events(scenario: &str, edit: impl Fn(String) -> String) -> (Vec<String>, Collect) {
    let mut d = OtlpDecoder::new();
    let mut sink = Collect::default();
    for (_, body) in bodies(scenario)
        .into_iter()
        .filter(|(n, _)| n.contains("logs"))
    {
        let s = d.logs(
            &parse_logs(edit(body).as_bytes(), Encoding::Json).unwrap(),
            &mut sink,
        );
        assert_eq!(s.bad, 0);
    }
    let kinds = sink
        .events
        .iter()
        .map(|e| e.kind.type_name().to_owned())
        .collect();
    (kinds, sink)
}

#[test]
fn a_tool_calls_decision_is_a_tool_decision_before_its_result() {
    for scenario in ["tool", "http500_retry"] {
        let (kinds, sink) = tool_events(scenario, |b| b);
        let at = kinds.iter().position(|k| k == "tool_decision").unwrap();
        assert_eq!(kinds[at + 1], "tool_result", "{scenario}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "tool_decision").count(), 1);
        let (EventKind::ToolDecision(d), EventKind::ToolResult(r)) =
            (&sink.events[at].kind, &sink.events[at + 1].kind)
        else {
            unreachable!()
        };
        assert_eq!(
            (
                d.tool.as_str(),
                d.decision.clone(),
                d.source.clone(),
                d.call_id.clone()
            ),
            ("run_shell_command", Decision::Approved, None, None)
        );
        assert_eq!(
            (r.tool.as_str(), r.blocked_by.as_deref()),
            ("run_shell_command", None)
        );
        // One record: the same time and session context.
        assert_eq!(sink.events[at].at, sink.events[at + 1].at);
        assert!(std::sync::Arc::ptr_eq(
            &sink.events[at].ctx,
            &sink.events[at + 1].ctx
        ));
    }
    let (_, sink) = tool_events("tool", |b| b);
    let EventKind::ToolDecision(d) = &sink.events[3].kind else {
        unreachable!()
    };
    assert_eq!(sink.events[3].at.unix_millis(), 1_795_596_539_460);
    assert_eq!(d.decision, Decision::Approved);
}

#[test]
fn each_decision_of_a_tool_call_maps_to_its_verdict() {
    let cases = [
        ("auto_accept", Decision::ApprovedForSession, None, None),
        (
            "modify",
            Decision::Approved,
            Some(DecisionSource::User),
            None,
        ),
        (
            "reject",
            Decision::Denied,
            Some(DecisionSource::User),
            Some("user"),
        ),
        ("ask_later", Decision::Other("ask_later".into()), None, None),
    ];
    for (value, verdict, source, blocked_by) in cases {
        // The captured record, with its `decision` replaced.
        let (kinds, sink) = tool_events("tool", |b| {
            let to = format!(r#""decision","value":{{"stringValue":"{value}"}}"#);
            let b2 = b.replace(r#""decision","value":{"stringValue":"accept"}"#, &to);
            assert_ne!(b2, b, "the capture has the attribute");
            b2
        });
        let at = kinds.iter().position(|k| k == "tool_decision").unwrap();
        let (EventKind::ToolDecision(d), EventKind::ToolResult(r)) =
            (&sink.events[at].kind, &sink.events[at + 1].kind)
        else {
            unreachable!()
        };
        assert_eq!(
            (d.decision.clone(), d.source.clone()),
            (verdict, source),
            "{value}"
        );
        assert_eq!(r.blocked_by.as_deref(), blocked_by, "{value}");
        assert_eq!(
            d.decision.is_approval(),
            value != "reject" && value != "ask_later"
        );
    }
    // Without a `decision`, the call is a tool result alone.
    let (kinds, _) = tool_events("tool", |b| b.replace(r#""key":"decision""#, r#""key":"x""#));
    assert!(!kinds.iter().any(|k| k == "tool_decision"));
    assert!(kinds.iter().any(|k| k == "tool_result"));
}
