//! The OTLP-JSON lines `agentobs map` writes decode with `opentelemetry-proto`'s own types,
//! and re-encode as protobuf, with every record and id intact.

use agentobs::export::OtlpJsonWriter;
use agentobs::export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs::export::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use agentobs::export::proto::collector::trace::v1::ExportTraceServiceRequest;
use agentobs::semconv::{Mapper, SignalSink, Signals};
use prost::Message;

use super::*;

/// Feeds `s` into a writer with a small batch, so records span several lines.
fn write(s: &Signals) -> String {
    let mut out = Vec::new();
    let mut w = OtlpJsonWriter::new(&mut out).with_batch(3);
    for x in s.spans.iter().cloned() {
        w.span(x);
    }
    for x in s.logs.iter().cloned() {
        w.log(x);
    }
    for x in s.metrics.iter().cloned() {
        w.metric(x);
    }
    w.finish().unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn otlp_json_decodes_with_opentelemetry_proto() {
    for (name, files) in fixture_sets() {
        for d in DIALECTS {
            let s = map_files(&files, d, ContentPolicy::all());
            let text = write(&s);
            let (mut spans, mut logs, mut points) = (Vec::new(), 0, 0);
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                if v.get("resourceSpans").is_some() {
                    let r: ExportTraceServiceRequest = serde_json::from_str(line).unwrap();
                    let bytes = r.encode_to_vec();
                    let back = ExportTraceServiceRequest::decode(bytes.as_slice()).unwrap();
                    assert_eq!(back, r, "{d}/{name}: protobuf round trip");
                    for rs in &r.resource_spans {
                        let res = rs.resource.as_ref().unwrap();
                        assert!(res.attributes.iter().any(|kv| kv.key == "service.name"));
                        for ss in &rs.scope_spans {
                            spans.extend(ss.spans.iter().cloned());
                        }
                    }
                } else if v.get("resourceLogs").is_some() {
                    let r: ExportLogsServiceRequest = serde_json::from_str(line).unwrap();
                    let _ = ExportLogsServiceRequest::decode(r.encode_to_vec().as_slice()).unwrap();
                    logs += r
                        .resource_logs
                        .iter()
                        .flat_map(|x| &x.scope_logs)
                        .map(|x| x.log_records.len())
                        .sum::<usize>();
                } else if v.get("resourceMetrics").is_some() {
                    let r: ExportMetricsServiceRequest = serde_json::from_str(line).unwrap();
                    let _ =
                        ExportMetricsServiceRequest::decode(r.encode_to_vec().as_slice()).unwrap();
                    for m in r
                        .resource_metrics
                        .iter()
                        .flat_map(|x| &x.scope_metrics)
                        .flat_map(|x| &x.metrics)
                    {
                        use agentobs::export::proto::metrics::v1::metric::Data;
                        points += match &m.data {
                            Some(Data::Sum(s)) => s.data_points.len(),
                            Some(Data::Histogram(h)) => h.data_points.len(),
                            _ => panic!("{d}/{name}: unexpected metric kind"),
                        };
                    }
                } else {
                    panic!("{d}/{name}: not an OTLP export request: {line}");
                }
            }
            assert_eq!(spans.len(), s.spans.len(), "{d}/{name}");
            assert_eq!(logs, s.logs.len(), "{d}/{name}");
            assert_eq!(points, s.metrics.len(), "{d}/{name}");
            for (got, want) in spans.iter().zip(&s.spans) {
                assert_eq!(got.trace_id, want.trace_id.0.to_vec());
                assert_eq!(got.span_id, want.span_id.0.to_vec());
                assert_eq!(got.name, want.name);
                assert!(got.end_time_unix_nano >= got.start_time_unix_nano);
            }
        }
    }
}

#[test]
fn the_cli_writes_the_same_lines() {
    let files = jsonl_files(&fixture("codex-0.169/tool"));
    let mut mapper =
        Mapper::new(dialect("genai"), OtlpJsonWriter::new(Vec::new())).with_pricer(pricer());
    for f in &files {
        let mut r = agentobs::codex::RolloutReader::open(f, Default::default()).unwrap();
        let _ = r.feed(&mut mapper);
    }
    let (w, stats) = mapper.finish();
    let written = w.finish().unwrap();
    assert_eq!(written.spans, stats.spans);
    assert_eq!(written.metric_points, stats.metric_points);
    assert_eq!(written.lines, 2, "one trace line and one metrics line");
}
