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

/// One request a receiver got.
struct Received {
    path: String,
    content_type: String,
    auth: Option<String>,
    body: Vec<u8>,
}

/// A minimal OTLP/HTTP receiver on 127.0.0.1: answers `status` to every request, records
/// them, and stops when the client closes its connections (or after 5 s idle).
fn receiver(status: u16) -> (String, std::sync::mpsc::Receiver<Received>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        for _ in 0..4 {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let tx = tx.clone();
            std::thread::spawn(move || {
                stream
                    .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                    .unwrap();
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let (mut len, mut ct, mut auth) = (0usize, String::new(), None);
                    loop {
                        let mut h = String::new();
                        r.read_line(&mut h).unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap();
                        match k.to_ascii_lowercase().as_str() {
                            "content-length" => len = v.trim().parse().unwrap(),
                            "content-type" => ct = v.trim().to_owned(),
                            "authorization" => auth = Some(v.trim().to_owned()),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).unwrap();
                    let _ = tx.send(Received {
                        path,
                        content_type: ct,
                        auth,
                        body,
                    });
                    let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\n\r\nno");
                    if w.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, rx)
}

#[test]
fn the_http_exporter_posts_protobuf_and_json_per_signal() {
    use agentobs::export::{OtlpHttpExporter, Protocol};
    let files = jsonl_files(&fixture("codex-0.169/tool_fail"));
    for protocol in [Protocol::HttpProtobuf, Protocol::HttpJson] {
        let (url, rx) = receiver(200);
        let headers = [("authorization".to_owned(), "Bearer secret-key".to_owned())];
        let exporter = OtlpHttpExporter::new(&url, protocol, &headers).unwrap();
        let mut mapper = Mapper::new(dialect("codex"), exporter);
        for f in &files {
            let mut r = agentobs::codex::RolloutReader::open(f, Default::default()).unwrap();
            let _ = r.feed(&mut mapper);
        }
        let (exporter, stats) = mapper.finish();
        let sent = exporter.finish().unwrap();
        assert_eq!(sent.logs, stats.logs);
        assert_eq!(sent.metric_points, stats.metric_points);
        let got: Vec<Received> = rx.try_iter().collect();
        let paths: Vec<&str> = got.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/v1/logs", "/v1/metrics"],
            "codex: logs and metrics, no spans"
        );
        for r in &got {
            assert_eq!(r.auth.as_deref(), Some("Bearer secret-key"));
            match protocol {
                Protocol::HttpProtobuf => {
                    assert_eq!(r.content_type, "application/x-protobuf");
                    if r.path == "/v1/logs" {
                        let req = ExportLogsServiceRequest::decode(r.body.as_slice()).unwrap();
                        let n: usize = req
                            .resource_logs
                            .iter()
                            .flat_map(|x| &x.scope_logs)
                            .map(|x| x.log_records.len())
                            .sum();
                        assert_eq!(n as u64, stats.logs);
                    } else {
                        ExportMetricsServiceRequest::decode(r.body.as_slice()).unwrap();
                    }
                }
                _ => {
                    assert_eq!(r.content_type, "application/json");
                    let _: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                }
            }
        }
    }
}

#[test]
fn a_refusing_receiver_is_an_error_naming_the_url_and_status() {
    use agentobs::export::{ExportError, OtlpHttpExporter, Protocol};
    let (url, _rx) = receiver(415);
    let mut exporter = OtlpHttpExporter::new(&url, Protocol::HttpJson, &[]).unwrap();
    let s = map_files(
        &jsonl_files(&fixture("codex-0.169/plain")),
        "openinference",
        ContentPolicy::default(),
    );
    for x in s.spans {
        exporter.span(x);
    }
    match exporter.finish() {
        Err(ExportError::Status { url: u, status, .. }) => {
            assert_eq!(status, 415);
            assert!(u.ends_with("/v1/traces"));
        }
        other => panic!("{other:?}"),
    }
    assert!(OtlpHttpExporter::new("127.0.0.1:4318", Protocol::HttpProtobuf, &[]).is_err());
}

#[test]
fn spans_through_the_sdk_otlp_exporter_keep_ids_and_one_resource_per_session() {
    use agentobs::export::sdk::SdkSpanSink;
    use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
    // This build has agentobs-export's `tls` feature: reqwest then needs a process default.
    agentobs::export::install_tls_provider();
    let (url, rx) = receiver(200);
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{url}/v1/traces"))
        .with_headers([("authorization".to_owned(), "Bearer k".to_owned())].into())
        .build()
        .unwrap();
    let files = jsonl_files(&fixture("codex-0.169/tool_approved_by_reviewer"));
    let mut mapper =
        Mapper::new(dialect("genai"), SdkSpanSink::new(exporter)).with_pricer(pricer());
    for f in &files {
        let mut r = agentobs::codex::RolloutReader::open(f, Default::default()).unwrap();
        let _ = r.feed(&mut mapper);
    }
    let (sink, stats) = mapper.finish();
    assert_eq!(sink.finish(), (stats.spans, 0, None));
    let want = map_files(&files, "genai", ContentPolicy::default());
    let got: Vec<Received> = rx.try_iter().collect();
    assert_eq!(
        got.len(),
        2,
        "one export per session resource (parent and reviewer)"
    );
    let mut ids = Vec::new();
    let mut instances = Vec::new();
    for r in &got {
        assert_eq!(r.path, "/v1/traces");
        assert_eq!(r.auth.as_deref(), Some("Bearer k"));
        let req = ExportTraceServiceRequest::decode(r.body.as_slice()).unwrap();
        for rs in &req.resource_spans {
            let res = rs.resource.as_ref().unwrap();
            let inst = res
                .attributes
                .iter()
                .find(|kv| kv.key == "service.instance.id")
                .unwrap();
            instances.push(format!("{:?}", inst.value));
            for ss in &rs.scope_spans {
                assert_eq!(ss.scope.as_ref().unwrap().name, "agentobs.genai");
                for s in &ss.spans {
                    ids.push((
                        s.trace_id.clone(),
                        s.span_id.clone(),
                        s.parent_span_id.clone(),
                        s.start_time_unix_nano,
                    ));
                }
            }
        }
    }
    instances.dedup();
    assert_eq!(instances.len(), 2);
    let mut want_ids: Vec<_> = want
        .spans
        .iter()
        .map(|s| {
            (
                s.trace_id.0.to_vec(),
                s.span_id.0.to_vec(),
                s.parent_span_id.map(|p| p.0.to_vec()).unwrap_or_default(),
                s.start.unix_millis() as u64 * 1_000_000,
            )
        })
        .collect();
    want_ids.sort();
    ids.sort();
    assert_eq!(
        ids, want_ids,
        "the SDK exporter sent our ids and times unchanged"
    );
}

#[test]
fn destinations_route_each_signal_where_the_config_says() {
    use agentobs::export::Destinations;
    use agentobs::export::config::ExportConfig;
    let (traces_url, traces_rx) = receiver(200);
    let (rest_url, rest_rx) = receiver(200);
    // Spans to one receiver by the per-signal variable, logs and metrics to another by the
    // generic one, a header from the environment.
    let env = move |k: &str| match k {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" => Some(format!("{traces_url}/custom/traces")),
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(rest_url.clone()),
        "OTEL_EXPORTER_OTLP_HEADERS" => Some("authorization=Bearer%20env".into()),
        _ => None,
    };
    let config = ExportConfig::builder().resolve(None, &env).unwrap();
    let destinations = Destinations::new(&config).unwrap();
    let files = jsonl_files(&fixture("codex-0.169/tool"));
    let mut mapper = Mapper::new(dialect("genai"), destinations).with_pricer(pricer());
    for f in &files {
        let mut r = agentobs::codex::RolloutReader::open(f, Default::default()).unwrap();
        let _ = r.feed(&mut mapper);
    }
    let (destinations, stats) = mapper.finish();
    let (delivered, error) = destinations.finish();
    assert_eq!(error, None);
    assert_eq!(delivered.spans, stats.spans);
    assert_eq!(delivered.metric_points, stats.metric_points);
    let t: Vec<Received> = traces_rx.try_iter().collect();
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].path, "/custom/traces",
        "a per-signal endpoint is used as written"
    );
    assert_eq!(t[0].auth.as_deref(), Some("Bearer env"));
    ExportTraceServiceRequest::decode(t[0].body.as_slice()).unwrap();
    let r: Vec<Received> = rest_rx.try_iter().collect();
    let paths: Vec<&str> = r.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/v1/metrics"],
        "genai has no logs; metrics at the generic base"
    );
}
