//! Codex's own OTLP (real captures of 0.169 and 0.171) through `agentobs_codex::otlp`, checked
//! against the rollout reader on the same runs.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use agentobs::codex::log_event::DecodeOptions;
use agentobs::codex::otlp::{
    self, DecodeSummary, Encoding, ExportLogsServiceRequest, ExportMetricsServiceRequest,
    ExportTraceServiceRequest, OtlpDecoder, Primary,
};
use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::schema::{Collect, ErrorKind, Event, EventKind, TokenUsage};
use prost::Message as _;

use crate::common::*;

/// One captured POST body.
pub struct Body {
    pub name: String,
    pub signal: Signal,
    pub encoding: Encoding,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Logs,
    Traces,
    Metrics,
}

/// The captured bodies of a scenario, in arrival order (gunzipped).
pub fn bodies(scenario: &str) -> Vec<Body> {
    let dir = fixture(scenario).join("otlp");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().ends_with(".meta.json"))
        .collect();
    files.sort();
    files.iter().map(|p| body(p)).collect()
}

fn body(p: &Path) -> Body {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    let raw = std::fs::read(p).unwrap();
    let bytes = if name.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    };
    let signal = if name.contains("-logs") {
        Signal::Logs
    } else if name.contains("-traces") {
        Signal::Traces
    } else if name.contains("-metrics") {
        Signal::Metrics
    } else {
        panic!("{name}: which signal?")
    };
    let encoding = if name.contains(".pb") {
        Encoding::Protobuf
    } else {
        Encoding::Json
    };
    Body {
        name,
        signal,
        encoding,
        bytes,
    }
}

/// A parsed request.
pub enum Request {
    Logs(ExportLogsServiceRequest),
    Traces(ExportTraceServiceRequest),
    Metrics(ExportMetricsServiceRequest),
}

impl Request {
    pub fn parse(b: &Body) -> Request {
        let ctx = |e: otlp::OtlpError| format!("{}: {e}", b.name);
        match b.signal {
            Signal::Logs => {
                Request::Logs(otlp::parse_logs(&b.bytes, b.encoding).map_err(ctx).unwrap())
            }
            Signal::Traces => Request::Traces(
                otlp::parse_traces(&b.bytes, b.encoding)
                    .map_err(ctx)
                    .unwrap(),
            ),
            Signal::Metrics => Request::Metrics(
                otlp::parse_metrics(&b.bytes, b.encoding)
                    .map_err(ctx)
                    .unwrap(),
            ),
        }
    }

    pub fn to_protobuf(&self) -> Vec<u8> {
        match self {
            Request::Logs(r) => r.encode_to_vec(),
            Request::Traces(r) => r.encode_to_vec(),
            Request::Metrics(r) => r.encode_to_vec(),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        match self {
            Request::Logs(r) => serde_json::to_vec(r),
            Request::Traces(r) => serde_json::to_vec(r),
            Request::Metrics(r) => serde_json::to_vec(r),
        }
        .unwrap()
    }

    pub fn decode(&self, d: &mut OtlpDecoder, sink: &mut Collect) -> DecodeSummary {
        match self {
            Request::Logs(r) => d.logs(r, sink),
            Request::Traces(r) => d.traces(r, sink),
            Request::Metrics(r) => d.metrics(r, sink),
        }
    }
}

/// Every body of `scenario` through one decoder.
pub fn decode_all(scenario: &str, d: &mut OtlpDecoder) -> Collect {
    let mut sink = Collect::default();
    for b in bodies(scenario) {
        let s = Request::parse(&b).decode(d, &mut sink);
        assert_eq!(s.bad, 0, "{scenario}/{}: {:?}", b.name, sink.warnings);
    }
    sink
}

/// The rollouts of a scenario (a reviewer writes one of its own), read in full.
fn rollout_events(scenario: &str) -> Vec<Event> {
    let dir = fixture(scenario);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for f in files {
        let mut sink = Collect::default();
        let _ = RolloutReader::open(&f, ReadOptions::default())
            .unwrap()
            .feed(&mut sink);
        assert!(
            sink.warnings.is_empty(),
            "{}: {:?}",
            f.display(),
            sink.warnings
        );
        all.extend(sink.events);
    }
    all
}

/// Every capture with both a rollout and OTLP.
const CAPTURES: &[&str] = &[
    "codex-0.169/plain",
    "codex-0.169/tool",
    "codex-0.169/tool_fail",
    "codex-0.169/http500_retry",
    "codex-0.169/reasoning",
    "codex-0.169/tool_approved_by_reviewer",
    "codex-0.169/otlp_http_binary",
    "codex-0.171/plain",
    "codex-0.171/tool",
    "codex-0.171/tool_fail",
    "codex-0.171/multi_tool",
    "codex-0.171-otlp/plain",
    "codex-0.171-otlp/tool",
    "codex-0.171-otlp/tool_fail",
    "codex-0.171-otlp/http500_retry",
    "codex-0.171-otlp/tool_binary",
    "codex-0.171-otlp/ctx_window_app_server",
    "codex-0.171-otlp/ctx_window400_app_server",
];

/// Per-request tokens, keyed by thread, in order.
fn requests(events: &[Event]) -> Vec<(String, TokenUsage)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(t) => {
                Some((e.ctx.thread_id.clone().unwrap_or_default(), t.usage))
            }
            _ => None,
        })
        .collect()
}

/// Sorted by thread: the order of requests within a thread is kept.
fn by_thread(mut r: Vec<(String, TokenUsage)>) -> Vec<(String, TokenUsage)> {
    r.sort_by(|a, b| a.0.cmp(&b.0));
    r
}

/// (call id, tool, success, exit code), sorted.
fn tool_calls(events: &[Event]) -> Vec<(String, String, Option<bool>, Option<i64>)> {
    let mut v: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some((
                t.call_id.clone().unwrap_or_default(),
                t.tool.clone(),
                t.success,
                t.exit_code,
            )),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

fn cost(events: &[Event]) -> f64 {
    let book = PriceBook::embedded();
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(t) => {
                let model = e.ctx.model.as_deref().expect("a model");
                let c = book
                    .price(
                        model,
                        &t.usage,
                        t.prompt_tokens.unwrap_or(t.usage.input_tokens),
                        ServiceTier::Standard,
                    )
                    .unwrap_or_else(|| panic!("{model} is priced"));
                Some(c.total_usd())
            }
            _ => None,
        })
        .sum()
}

#[test]
fn otlp_and_rollout_give_the_same_requests_tokens_cost_and_tool_calls() {
    for scenario in CAPTURES {
        let mut d = OtlpDecoder::new(DecodeOptions::default());
        let otlp = decode_all(scenario, &mut d);
        let rollout = rollout_events(scenario);
        let (o, r) = (
            by_thread(requests(&otlp.events)),
            by_thread(requests(&rollout)),
        );
        assert_eq!(o, r, "{scenario}: per-request tokens");
        assert!(
            (cost(&otlp.events) - cost(&rollout)).abs() < 1e-12,
            "{scenario}: cost"
        );
        assert_eq!(
            tool_calls(&otlp.events),
            tool_calls(&rollout),
            "{scenario}: tool calls"
        );
        assert!(otlp.warnings.is_empty(), "{scenario}: {:?}", otlp.warnings);
    }
}

#[test]
fn captures_with_requests_have_tokens_and_tools_where_the_scenario_has_them() {
    // A check that the comparison above is not between two empty lists.
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    let tool = decode_all("codex-0.171-otlp/tool_fail", &mut d);
    assert_eq!(
        requests(&tool.events)
            .iter()
            .map(|r| r.1)
            .collect::<Vec<_>>(),
        [usage(4210, 3968, 57, 32), usage(4570, 4096, 38, 0)]
    );
    let calls = tool_calls(&tool.events);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].2, calls[0].3),
        (Some(false), Some(2)),
        "exit 2 is a failure"
    );
    assert!(cost(&tool.events) > 0.0);
}

#[test]
fn every_event_of_a_conversation_shares_one_context_with_its_metadata() {
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    let got = decode_all("codex-0.171-otlp/tool", &mut d);
    let thread = "01a2380e-d3aa-77c1-b5f4-19c5d8cb73fa";
    let mine: Vec<_> = got
        .events
        .iter()
        .filter(|e| e.ctx.thread_id.as_deref() == Some(thread))
        .collect();
    assert!(mine.len() > 20);
    let ctx = &mine.last().unwrap().ctx;
    assert_eq!(ctx.model.as_deref(), Some("gpt-5.1-codex"));
    assert_eq!(ctx.app_version.as_deref(), Some("0.171.0"));
    assert_eq!(ctx.originator.as_deref(), Some("codex_exec"));
    assert_eq!(ctx.environment.as_deref(), Some("codexlab"));
    let distinct = mine
        .windows(2)
        .filter(|w| !std::sync::Arc::ptr_eq(&w[0].ctx, &w[1].ctx))
        .count();
    assert!(
        distinct <= 2,
        "contexts are shared, not made per event ({distinct} changes)"
    );
}

#[test]
fn the_signals_corroborate_each_other() {
    // Logs are the source; the spans' usage and the span events' tool results are tallied.
    for scenario in [
        "codex-0.169/tool",
        "codex-0.169/http500_retry",
        "codex-0.171-otlp/tool",
        "codex-0.171-otlp/tool_fail",
        "codex-0.171-otlp/http500_retry",
        "codex-0.171-otlp/tool_binary",
    ] {
        let mut d = OtlpDecoder::new(DecodeOptions::default());
        let got = decode_all(scenario, &mut d);
        let thread = got
            .events
            .iter()
            .find_map(|e| e.ctx.thread_id.clone())
            .unwrap();
        let t = d.tally(&thread).unwrap();
        assert!(t.logs.requests > 0, "{scenario}");
        assert_eq!(t.logs, t.traces, "{scenario}: logs and traces agree");
        // The metrics count the same tool calls and model requests.
        let tools = d.metric_total("codex.tool.call", &[]).unwrap_or(0.0);
        assert_eq!(
            tools as u64, t.logs.tool_results,
            "{scenario}: codex.tool.call"
        );
    }
}

#[test]
fn traces_alone_give_the_same_tokens_and_tool_calls() {
    for scenario in [
        "codex-0.171-otlp/tool",
        "codex-0.171-otlp/tool_binary",
        "codex-0.169/tool",
    ] {
        let mut logs = OtlpDecoder::new(DecodeOptions::default());
        let from_logs = decode_all(scenario, &mut logs);
        let mut traces = OtlpDecoder::new(DecodeOptions::default()).with_primary(Primary::Traces);
        let from_traces = decode_all(scenario, &mut traces);
        assert_eq!(
            by_thread(requests(&from_traces.events)),
            by_thread(requests(&from_logs.events)),
            "{scenario}"
        );
        // The trace-safe tool result has no output text, so no exit code: only the call.
        let ids = |c: Vec<(String, String, Option<bool>, Option<i64>)>| {
            c.into_iter().map(|t| (t.0, t.1)).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(tool_calls(&from_traces.events)),
            ids(tool_calls(&from_logs.events))
        );
    }
}

#[test]
fn turns_come_from_the_turn_spans() {
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    let got = decode_all("codex-0.171-otlp/tool", &mut d);
    let turns: Vec<_> = got
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TurnCompleted(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(turns.len(), 1);
    assert_eq!(
        turns[0].turn_id.as_deref(),
        Some("01a2380e-d3c1-77a1-b4e3-818908fe136a")
    );
    assert!(turns[0].duration_ms.unwrap() > 100);
}

#[test]
fn a_context_window_overflow_is_an_error_of_that_kind_on_both_sides() {
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    let got = decode_all("codex-0.171-otlp/ctx_window_app_server", &mut d);
    let errors = |events: &[Event]| -> Vec<Option<ErrorKind>> {
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Error(e) => Some(e.kind.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        errors(&got.events),
        [Some(ErrorKind::ContextWindowExceeded)]
    );
    let rollout = rollout_events("codex-0.171-otlp/ctx_window_app_server");
    assert_eq!(errors(&rollout), [Some(ErrorKind::ContextWindowExceeded)]);
    // The overflow bills nothing on either side.
    assert!(requests(&got.events).is_empty());
    assert!(requests(&rollout).is_empty());
}

#[test]
fn an_http_500_then_success_is_two_attempts() {
    for scenario in [
        "codex-0.169/http500_retry",
        "codex-0.171-otlp/http500_retry",
    ] {
        let mut d = OtlpDecoder::new(DecodeOptions::default());
        let got = decode_all(scenario, &mut d);
        let attempts: Vec<_> = got
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ApiRequest(r) => Some((r.attempt, r.status_code)),
                _ => None,
            })
            .collect();
        assert_eq!(
            attempts[..2],
            [(0, Some(500)), (1, Some(200))],
            "{scenario}"
        );
        assert_eq!(
            d.metric_total("codex.api_request", &[("status", "500")]),
            Some(1.0),
            "{scenario}"
        );
    }
}

#[test]
fn protobuf_and_json_of_the_same_request_decode_to_the_same_events() {
    for scenario in [
        "codex-0.171-otlp/tool",
        "codex-0.171-otlp/tool_binary",
        "codex-0.169/otlp_http_binary",
        "codex-0.171-otlp/ctx_window_app_server",
    ] {
        let mut as_json = OtlpDecoder::new(DecodeOptions::default());
        let mut as_pb = OtlpDecoder::new(DecodeOptions::default());
        let (mut a, mut b) = (Collect::default(), Collect::default());
        for body in bodies(scenario) {
            let req = Request::parse(&body);
            let json = Body {
                bytes: req.to_json(),
                encoding: Encoding::Json,
                name: format!("{}.json", body.name),
                signal: body.signal,
            };
            let pb = Body {
                bytes: req.to_protobuf(),
                encoding: Encoding::Protobuf,
                name: format!("{}.pb", body.name),
                signal: body.signal,
            };
            let sa = Request::parse(&json).decode(&mut as_json, &mut a);
            let sb = Request::parse(&pb).decode(&mut as_pb, &mut b);
            assert_eq!(sa, sb, "{scenario}/{}", body.name);
        }
        assert!(!a.events.is_empty());
        assert_eq!(a, b, "{scenario}");
    }
}

#[test]
fn prompts_and_tool_output_are_withheld_unless_asked_for() {
    use agentobs::schema::Redacted;
    for (opts, shown) in [
        (DecodeOptions::default(), false),
        (DecodeOptions::default().with_content(true), true),
    ] {
        let mut d = OtlpDecoder::new(opts);
        let got = decode_all("codex-0.171-otlp/tool", &mut d);
        for e in &got.events {
            match &e.kind {
                EventKind::UserPrompt(p) => {
                    assert_eq!(matches!(p.text, Redacted::Shown(_)), shown);
                }
                EventKind::ToolResult(t) => {
                    assert_eq!(matches!(t.output, Redacted::Shown(_)), shown);
                }
                _ => {}
            }
        }
    }
}

mod damaged {
    //! Damaged input: errors with a place, or warnings naming the record; never a panic.

    use super::*;
    use agentobs::codex::otlp::OtlpError;
    use agentobs::codex::otlp::proto::common::v1::{AnyValue, any_value};
    use proptest::prelude::*;

    fn tool_logs() -> ExportLogsServiceRequest {
        let b = bodies("codex-0.171-otlp/tool")
            .into_iter()
            .find(|b| b.signal == Signal::Logs)
            .unwrap();
        otlp::parse_logs(&b.bytes, b.encoding).unwrap()
    }

    fn decode_logs(r: &ExportLogsServiceRequest) -> (DecodeSummary, Collect) {
        let mut sink = Collect::default();
        let s = OtlpDecoder::new(DecodeOptions::default()).logs(r, &mut sink);
        (s, sink)
    }

    #[test]
    fn empty_bodies() {
        assert!(matches!(
            otlp::parse_logs(b"", Encoding::Json),
            Err(OtlpError::Empty)
        ));
        let r = otlp::parse_traces(b"", Encoding::Protobuf).unwrap();
        assert!(r.resource_spans.is_empty());
        let r = otlp::parse_metrics(b"{}", Encoding::Json).unwrap();
        assert!(r.resource_metrics.is_empty());
    }

    #[test]
    fn a_number_past_i64_is_an_error_with_its_place() {
        let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[
{"attributes":[{"key":"attempt","value":{"intValue":"99999999999999999999"}}]}]}]}]}"#;
        let e = otlp::parse_logs(body, Encoding::Json).unwrap_err();
        assert!(matches!(e, OtlpError::Json { line: 2, .. }), "{e}");
    }

    #[test]
    fn non_utf8_is_an_error_in_either_encoding() {
        let e = otlp::parse_logs(b"{\"resourceLogs\":[\xff]}", Encoding::Json).unwrap_err();
        assert!(matches!(e, OtlpError::Json { .. }), "{e}");
        // resource_logs { scope_logs { log_records { severity_text: "\xff" } } }
        let pb = [0x0a, 0x07, 0x12, 0x05, 0x12, 0x03, 0x1a, 0x01, 0xff];
        let e = otlp::parse_logs(&pb, Encoding::Protobuf).unwrap_err();
        assert!(matches!(e, OtlpError::Protobuf { .. }), "{e}");
        assert!(
            e.to_string().contains("UTF-8") || e.to_string().contains("utf-8"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_value_is_a_warning_naming_the_record_and_the_rest_decodes() {
        let mut r = tool_logs();
        let (clean, _) = decode_logs(&r);
        let records = &mut r.resource_logs[0].scope_logs[0].log_records;
        let i = records
            .iter()
            .position(|rec| {
                rec.attributes
                    .iter()
                    .any(|kv| kv.key == "input_token_count")
            })
            .unwrap();
        for kv in &mut records[i].attributes {
            if kv.key == "input_token_count" {
                kv.value = Some(AnyValue {
                    value: Some(any_value::Value::StringValue("99999999999999999999".into())),
                });
            }
        }
        let (s, sink) = decode_logs(&r);
        assert_eq!(s.bad, 1);
        assert_eq!(s.events, clean.events - 1);
        assert_eq!(sink.warnings.len(), 1);
        let w = &sink.warnings[0].message;
        assert!(
            w.starts_with(&format!("resource 0, scope 0 (codex_otel.log_only), log record {i}: codex.sse_event: field `input_token_count`")),
            "{w}"
        );
    }

    fn scalar() -> impl Strategy<Value = any_value::Value> {
        prop_oneof![
            any::<String>().prop_map(any_value::Value::StringValue),
            "[0-9]{1,25}".prop_map(any_value::Value::StringValue),
            "-?[0-9]{1,4}(\\.[0-9])?|true|false|True|".prop_map(any_value::Value::StringValue),
            any::<i64>().prop_map(any_value::Value::IntValue),
            any::<f64>().prop_map(any_value::Value::DoubleValue),
            any::<bool>().prop_map(any_value::Value::BoolValue),
            proptest::collection::vec(any::<u8>(), 0..4).prop_map(any_value::Value::BytesValue),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_parse_or_fail_and_decode_without_panic(
            head in 0u8..6, body in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            let enc = if head >= 3 { Encoding::Json } else { Encoding::Protobuf };
            let mut d = OtlpDecoder::new(DecodeOptions::default());
            let mut sink = Collect::default();
            match head % 3 {
                0 => if let Ok(r) = otlp::parse_logs(&body, enc) { d.logs(&r, &mut sink); },
                1 => if let Ok(r) = otlp::parse_traces(&body, enc) { d.traces(&r, &mut sink); },
                _ => if let Ok(r) = otlp::parse_metrics(&body, enc) { d.metrics(&r, &mut sink); },
            }
        }

        #[test]
        fn a_cut_body_is_an_error_or_a_smaller_request(cut in 0.0f64..1.0, json in any::<bool>()) {
            let r = Request::Logs(tool_logs());
            let full = if json { r.to_json() } else { r.to_protobuf() };
            let at = ((full.len() as f64) * cut) as usize;
            let enc = if json { Encoding::Json } else { Encoding::Protobuf };
            if let Ok(part) = otlp::parse_logs(&full[..at], enc) {
                let (s, sink) = decode_logs(&part);
                prop_assert_eq!(s.bad as usize, sink.warnings.len());
                prop_assert!(s.records <= 200);
            }
        }

        #[test]
        fn wrong_values_become_warnings_never_panics(
            picks in proptest::collection::vec((0usize..64, 0usize..32, scalar()), 1..24)
        ) {
            let mut r = tool_logs();
            let all: usize = r.resource_logs.iter().flat_map(|rl| &rl.scope_logs).map(|sl| sl.log_records.len()).sum();
            let records = &mut r.resource_logs[0].scope_logs[0].log_records;
            let n = records.len();
            for (ri, ai, v) in picks {
                let rec = &mut records[ri % n];
                let k = rec.attributes.len();
                if k > 0 {
                    rec.attributes[ai % k].value = Some(AnyValue { value: Some(v) });
                }
            }
            let (s, sink) = decode_logs(&r);
            prop_assert_eq!(s.records as usize, all);
            prop_assert_eq!(s.bad as usize, sink.warnings.len());
            prop_assert!(s.skipped + s.bad <= s.records);
            // The protobuf form decodes the same.
            let back = otlp::parse_logs(&Request::Logs(r.clone()).to_protobuf(), Encoding::Protobuf).unwrap();
            let (s2, sink2) = decode_logs(&back);
            prop_assert_eq!(s, s2);
            prop_assert_eq!(format!("{:?}", sink.events), format!("{:?}", sink2.events));
        }
    }
}
