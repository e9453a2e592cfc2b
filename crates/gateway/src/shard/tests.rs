use super::*;
use agentobs_export::proto::common::v1::AnyValue;
use agentobs_export::proto::logs::v1::LogRecord;
use agentobs_export::proto::metrics::v1::NumberDataPoint;
use agentobs_export::proto::trace::v1::Span;

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(v.into())),
        }),
        ..KeyValue::default()
    }
}

fn resource(service: &str) -> Option<Resource> {
    Some(Resource {
        attributes: vec![kv("service.name", service)],
        ..Resource::default()
    })
}

fn log(conversation: Option<&str>, trace: &[u8], n: usize) -> LogRecord {
    let mut attributes = vec![kv("event.name", "codex.sse_event"), kv("n", &n.to_string())];
    if let Some(c) = conversation {
        attributes.push(kv("conversation.id", c));
    }
    LogRecord {
        attributes,
        trace_id: trace.to_vec(),
        ..LogRecord::default()
    }
}

fn logs(records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource("codex_exec"),
            scope_logs: vec![ScopeLogs {
                log_records: records,
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    }
}

/// Every record's `n` attribute, by shard.
fn numbers(parts: &Parts) -> Vec<(usize, Vec<String>)> {
    parts
        .iter()
        .map(|(s, p)| {
            let Payload::Logs(r) = p else { panic!() };
            let ns = r
                .resource_logs
                .iter()
                .flat_map(|r| &r.scope_logs)
                .flat_map(|s| &s.log_records)
                .map(|l| str_attr(&l.attributes, "n").unwrap().to_owned())
                .collect();
            (*s, ns)
        })
        .collect()
}

/// Two conversations that land on different shards of `router`.
fn two_keys(router: &Router) -> (String, String) {
    let a = "conv-0".to_owned();
    let b = (1..100)
        .map(|i| format!("conv-{i}"))
        .find(|k| router.of_key(k) != router.of_key(&a))
        .unwrap();
    (a, b)
}

#[test]
fn a_request_of_one_session_goes_whole_and_unchanged() {
    let router = Router::new(4);
    let req = logs(vec![log(Some("c1"), b"", 0), log(Some("c1"), b"", 1)]);
    let (parts, original) = router.split(Payload::Logs(req.clone()), true);
    assert!(original.is_none());
    assert_eq!(parts.len(), 1);
    let Payload::Logs(got) = &parts[0].1 else {
        panic!()
    };
    assert_eq!(got, &req);
    assert_eq!(parts[0].0, router.of_key("c1") as usize);
}

#[test]
fn records_are_dealt_by_session_and_keep_their_order() {
    let router = Router::new(2);
    let (a, b) = two_keys(&router);
    let req = logs(vec![
        log(Some(&a), b"", 0),
        log(Some(&b), b"", 1),
        log(Some(&a), b"", 2),
        log(Some(&b), b"", 3),
    ]);
    let (parts, original) = router.split(Payload::Logs(req.clone()), true);
    assert_eq!(
        original.map(|p| matches!(p, Payload::Logs(r) if r == req)),
        Some(true)
    );
    let mut got = numbers(&parts);
    got.sort();
    let (sa, sb) = (router.of_key(&a) as usize, router.of_key(&b) as usize);
    let mut want = vec![
        (sa, vec!["0".into(), "2".into()]),
        (sb, vec!["1".into(), "3".into()]),
    ];
    want.sort();
    assert_eq!(got, want);
    // The resource goes with each part.
    for (_, p) in &parts {
        let Payload::Logs(r) = p else { panic!() };
        assert_eq!(r.resource_logs[0].resource, resource("codex_exec"));
    }
}

#[test]
fn keyless_records_go_with_their_resource_and_spans_with_their_trace() {
    let router = Router::new(2);
    let (a, b) = two_keys(&router);
    let fallback = router.resource(resource("codex_exec").as_ref()).fallback as usize;
    let (parts, _) = router.split(
        Payload::Logs(logs(vec![
            log(None, b"", 0),
            log(Some(&a), b"trace-a", 1),
            log(Some(&b), b"trace-b", 2),
            log(None, b"", 3),
        ])),
        false,
    );
    let keyless: Vec<_> = numbers(&parts)
        .into_iter()
        .filter(|(_, ns)| ns.contains(&"0".to_owned()))
        .collect();
    assert_eq!(keyless.len(), 1);
    assert_eq!(keyless[0].0, fallback);
    assert!(keyless[0].1.contains(&"3".to_owned()));
    // A span naming no conversation follows the log records of its trace.
    let span = |trace: &[u8], name: &str| Span {
        trace_id: trace.to_vec(),
        name: name.into(),
        ..Span::default()
    };
    let traces = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource("codex_exec"),
            scope_spans: vec![ScopeSpans {
                spans: vec![span(b"trace-a", "x"), span(b"trace-b", "y")],
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    };
    let (parts, _) = router.split(Payload::Traces(traces), false);
    assert_eq!(parts.len(), 2);
    for (s, p) in &parts {
        let Payload::Traces(r) = p else { panic!() };
        let name = &r.resource_spans[0].scope_spans[0].spans[0].name;
        let want = if name == "x" { &a } else { &b };
        assert_eq!(*s, router.of_key(want) as usize, "{name}");
    }
}

#[test]
fn metric_points_are_dealt_by_session_id() {
    let router = Router::new(2);
    let (a, b) = two_keys(&router);
    let point = |s: &str| NumberDataPoint {
        attributes: vec![kv("session.id", s)],
        ..NumberDataPoint::default()
    };
    let req = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource("claude-code"),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "claude_code.token.usage".into(),
                    unit: "tokens".into(),
                    data: Some(Data::Sum(Sum {
                        data_points: vec![point(&a), point(&b), point(&a)],
                        aggregation_temporality: 1,
                        is_monotonic: true,
                    })),
                    ..Metric::default()
                }],
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    };
    let (parts, _) = router.split(Payload::Metrics(req), false);
    let mut seen = Vec::new();
    for (s, p) in &parts {
        let Payload::Metrics(r) = p else { panic!() };
        let m = &r.resource_metrics[0].scope_metrics[0].metrics[0];
        assert_eq!(
            (m.name.as_str(), m.unit.as_str()),
            ("claude_code.token.usage", "tokens")
        );
        let Some(Data::Sum(sum)) = &m.data else {
            panic!()
        };
        assert_eq!((sum.aggregation_temporality, sum.is_monotonic), (1, true));
        for p in &sum.data_points {
            let k = str_attr(&p.attributes, "session.id").unwrap();
            assert_eq!(*s, router.of_key(k) as usize);
            seen.push(k.to_owned());
        }
    }
    assert_eq!(seen.len(), 3);
}

#[test]
fn one_shard_takes_everything_whole() {
    let router = Router::new(1);
    let req = logs(vec![log(Some("a"), b"", 0), log(Some("b"), b"", 1)]);
    let (parts, original) = router.split(Payload::Logs(req), true);
    assert_eq!(parts.len(), 1);
    assert!(original.is_none());
}
