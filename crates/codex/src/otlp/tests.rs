use agentobs_schema::{Collect, EventKind, Value};

use super::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use super::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use super::proto::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use super::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use super::*;

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..KeyValue::default()
    }
}

fn logs(records: Vec<Vec<KeyValue>>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "codex_otel.log_only".into(),
                    ..InstrumentationScope::default()
                }),
                log_records: records
                    .into_iter()
                    .map(|attributes| LogRecord {
                        attributes,
                        observed_time_unix_nano: 1_795_594_861_645_547_931,
                        ..LogRecord::default()
                    })
                    .collect(),
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    }
}

fn prompt(conversation: &str) -> Vec<KeyValue> {
    vec![
        kv("event.name", "codex.user_prompt"),
        kv("conversation.id", conversation),
        kv("prompt_length", "3"),
        kv("prompt", "abc"),
    ]
}

#[test]
fn the_decoder_is_send() {
    fn send<T: Send>() {}
    send::<OtlpDecoder>();
}

#[test]
fn records_are_counted_and_non_codex_ones_skipped() {
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    let mut sink = Collect::default();
    let req = logs(vec![
        prompt("t1"),
        vec![kv("event.name", "other.thing")],
        vec![],
        vec![kv("event.name", "codex.api_request"), kv("attempt", "x")],
    ]);
    let s = d.logs(&req, &mut sink);
    assert_eq!((s.records, s.events, s.skipped, s.bad), (4, 1, 2, 1));
    assert_eq!(sink.warnings.len(), 1);
    assert_eq!(&*sink.warnings[0].path, "otlp/logs");
    assert!(
        sink.warnings[0]
            .message
            .starts_with("resource 0, scope 0 (codex_otel.log_only), log record 3: codex.api_request: field `attempt`"),
        "{}",
        sink.warnings[0].message
    );
    // Without `event.timestamp`, the record's observed time.
    assert_eq!(sink.events[0].at.unix_millis(), 1_795_594_861_645);
    assert_eq!(sink.events[0].ctx.thread_id.as_deref(), Some("t1"));
}

#[test]
fn sessions_are_bounded() {
    let mut d = OtlpDecoder::new(DecodeOptions::default()).with_max_sessions(2);
    let mut sink = Collect::default();
    d.logs(
        &logs(vec![prompt("a"), prompt("b"), prompt("c")]),
        &mut sink,
    );
    assert_eq!(d.sessions(), 2);
    assert!(d.tally("a").is_none());
    assert!(d.tally("c").is_some());
}

#[test]
fn with_traces_primary_log_records_only_count() {
    let mut d = OtlpDecoder::new(DecodeOptions::default()).with_primary(Primary::Traces);
    let mut sink = Collect::default();
    let s = d.logs(&logs(vec![prompt("a")]), &mut sink);
    assert_eq!((s.records, s.events, s.skipped), (1, 0, 1));
}

fn span(name: &str, attrs: Vec<KeyValue>) -> Span {
    Span {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        name: name.into(),
        start_time_unix_nano: 1_000_000_000,
        end_time_unix_nano: 3_500_000_000,
        attributes: attrs,
        ..Span::default()
    }
}

fn traces(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

#[test]
fn a_usage_span_joins_its_conversation_through_the_trace() {
    let conv = "01a2380e-d3aa-77c1-b5f4-19c5d8cb73fa";
    let usage = span(
        "handle_responses",
        vec![
            kv("gen_ai.usage.input_tokens", "100"),
            kv("gen_ai.usage.cache_read.input_tokens", "60"),
            kv("gen_ai.usage.output_tokens", "7"),
            kv("codex.usage.total_tokens", "107"),
        ],
    );
    let turn = span(
        "session_task.turn",
        vec![kv("thread.id", conv), kv("turn.id", "u1"), kv("model", "m")],
    );
    let req = traces(vec![usage, turn]);
    for (primary, usage_events) in [(Primary::Logs, 0), (Primary::Traces, 1)] {
        let mut d = OtlpDecoder::new(DecodeOptions::default()).with_primary(primary);
        let mut sink = Collect::default();
        let s = d.traces(&req, &mut sink);
        assert_eq!(s.records, 2);
        let tokens: Vec<_> = sink
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TokenUsage(t) => Some((e.ctx.thread_id.clone(), t.usage)),
                _ => None,
            })
            .collect();
        assert_eq!(tokens.len(), usage_events);
        let t = d.tally(conv).unwrap().traces;
        assert_eq!(
            (
                t.requests,
                t.tokens.input_tokens,
                t.tokens.cached_input_tokens
            ),
            (1, 100, 60)
        );
        // The turn: start and end, with its duration, model in the context.
        let turn: Vec<_> = sink
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::TurnStarted(_) | EventKind::TurnCompleted(_)
                )
            })
            .collect();
        assert_eq!(turn.len(), 2);
        assert_eq!(turn[0].at.unix_millis(), 1000);
        let EventKind::TurnCompleted(c) = &turn[1].kind else {
            panic!()
        };
        assert_eq!(c.duration_ms, Some(2500));
        assert_eq!(turn[1].ctx.model.as_deref(), Some("m"));
    }
    // A bad count is a warning naming the span.
    let bad = traces(vec![span(
        "handle_responses",
        vec![kv("gen_ai.usage.input_tokens", "-1")],
    )]);
    let mut sink = Collect::default();
    let s = OtlpDecoder::new(DecodeOptions::default()).traces(&bad, &mut sink);
    assert_eq!(s.bad, 1);
    assert!(
        sink.warnings[0]
            .message
            .contains("span 0 (handle_responses)"),
        "{}",
        sink.warnings[0].message
    );
}

fn counter(value: i64, temporality: AggregationTemporality) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "codex.tool.call".into(),
                    data: Some(metric::Data::Sum(Sum {
                        data_points: vec![NumberDataPoint {
                            attributes: vec![kv("tool", "exec_command"), kv("model", "m")],
                            time_unix_nano: 5_000_000,
                            value: Some(number_data_point::Value::AsInt(value)),
                            ..NumberDataPoint::default()
                        }],
                        aggregation_temporality: temporality as i32,
                        is_monotonic: true,
                    })),
                    ..Metric::default()
                }],
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    }
}

#[test]
fn cumulative_points_become_deltas_and_deltas_add_up() {
    let values = |d: &mut OtlpDecoder, t, points: &[i64]| -> Vec<Option<Value>> {
        let mut sink = Collect::default();
        for p in points {
            d.metrics(&counter(*p, t), &mut sink);
        }
        sink.events
            .iter()
            .map(|e| match &e.kind {
                EventKind::Other(o) => {
                    assert_eq!(o.name, "metric/codex.tool.call");
                    assert_eq!(e.ctx.model.as_deref(), Some("m"));
                    o.attributes.get("value").cloned()
                }
                _ => None,
            })
            .collect()
    };
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    let got = values(&mut d, AggregationTemporality::Cumulative, &[2, 2, 5, 1]);
    // 2, (no change: no event), +3, then a reset to 1.
    assert_eq!(
        got,
        [
            Some(Value::Int(2)),
            Some(Value::Int(3)),
            Some(Value::Int(1))
        ]
    );
    assert_eq!(
        d.metric_total("codex.tool.call", &[("tool", "exec_command")]),
        Some(6.0)
    );
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    values(&mut d, AggregationTemporality::Delta, &[2, 0, 5]);
    assert_eq!(d.metric_total("codex.tool.call", &[]), Some(7.0));
    assert_eq!(
        d.metric_total("codex.tool.call", &[("tool", "other")]),
        None
    );
    assert_eq!(d.metric_total("codex.nothing", &[]), None);
}
