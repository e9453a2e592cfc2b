//! `agentobs-gateway` end to end on 127.0.0.1: real Codex OTLP captures posted over HTTP
//! (protobuf, JSON, gzip) and gRPC into a gateway, forwarded to an in-process receiver as
//! GenAI spans with each request's tokens and cost; overload, bad input and shutdown.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use agentobs::BookPricer;
use agentobs::codex::otlp::{Encoding, parse_logs};
use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::export::config::{ExportConfig, Transport};
use agentobs::export::pipeline::Pipeline;
use agentobs::export::proto::collector::logs::v1::logs_service_client::LogsServiceClient;
use agentobs::export::proto::collector::trace::v1::ExportTraceServiceRequest;
use agentobs::export::proto::common::v1::KeyValue;
use agentobs::export::proto::common::v1::any_value::Value as AnyValue;
use agentobs::export::sinks::OtlpSink;
use agentobs::semconv::Mapper;
use agentobs::semconv::dialects::GenAi;
use agentobs_gateway::{Gateway, GatewayBuilder};
use prost::Message as _;

use crate::common::{fixture, rollout};
use agentobs_testing::receiver::{Mode, Receiver};

/// Tokens and cost of one conversation's chat spans.
#[derive(Clone, Debug, Default, PartialEq)]
struct Usage {
    requests: u64,
    input: i64,
    output: i64,
    cached: i64,
    cost_usd: f64,
}

/// The same keys, and per key the same requests and tokens and the same cost (to 1e-12).
fn assert_same_usage<K: Ord + std::fmt::Debug>(a: &BTreeMap<K, Usage>, b: &BTreeMap<K, Usage>) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, x) in a {
        let y = &b[k];
        assert_eq!(
            (x.requests, x.input, x.output, x.cached),
            (y.requests, y.input, y.output, y.cached),
            "{k:?}"
        );
        assert!((x.cost_usd - y.cost_usd).abs() < 1e-12, "{k:?}");
    }
}

fn int_of(kv: &[KeyValue], key: &str) -> Option<i64> {
    kv.iter()
        .find(|k| k.key == key)
        .and_then(|k| k.value.as_ref()?.value.as_ref())
        .and_then(|v| match v {
            AnyValue::IntValue(i) => Some(*i),
            AnyValue::StringValue(s) => s.parse().ok(),
            _ => None,
        })
}

fn str_of<'a>(kv: &'a [KeyValue], key: &str) -> Option<&'a str> {
    kv.iter()
        .find(|k| k.key == key)
        .and_then(|k| k.value.as_ref()?.value.as_ref())
        .and_then(|v| match v {
            AnyValue::StringValue(s) => Some(s.as_str()),
            _ => None,
        })
}

fn f64_of(kv: &[KeyValue], key: &str) -> Option<f64> {
    kv.iter()
        .find(|k| k.key == key)
        .and_then(|k| k.value.as_ref()?.value.as_ref())
        .and_then(|v| match v {
            AnyValue::DoubleValue(d) => Some(*d),
            _ => None,
        })
}

/// Per conversation, the usage on the successful `chat` spans of `requests`; every span
/// must be a GenAI operation.
fn chat_usage(requests: &[ExportTraceServiceRequest]) -> BTreeMap<String, Usage> {
    let mut out: BTreeMap<String, Usage> = BTreeMap::new();
    for span in requests
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
    {
        let a = &span.attributes;
        let op = str_of(a, "gen_ai.operation.name");
        assert!(
            matches!(op, Some("chat" | "execute_tool" | "invoke_agent")),
            "not a GenAI span: {} {op:?}",
            span.name
        );
        if op != Some("chat") || !a.iter().any(|k| k.key == "gen_ai.usage.input_tokens") {
            continue;
        }
        let conv = str_of(a, "gen_ai.conversation.id").unwrap_or("").to_owned();
        let u = out.entry(conv).or_default();
        u.requests += 1;
        u.input += int_of(a, "gen_ai.usage.input_tokens").unwrap_or(0);
        u.output += int_of(a, "gen_ai.usage.output_tokens").unwrap_or(0);
        u.cached += int_of(a, "gen_ai.usage.cache_read.input_tokens").unwrap_or(0);
        u.cost_usd += f64_of(a, "agentobs.cost.usd").expect("a priced chat span");
    }
    out
}

fn pricer() -> BookPricer {
    BookPricer::new(PriceBook::embedded(), ServiceTier::Standard)
}

/// What the rollout of the same run gives, mapped the same way (genai, priced).
fn expected(rollout_path: &Path) -> BTreeMap<String, Usage> {
    let store = agentobs::export::sinks::SharedSignals::new();
    let mut mapper = Mapper::new(GenAi::v1_41(), store.clone()).with_pricer(pricer());
    let _ = RolloutReader::open(rollout_path, ReadOptions::default())
        .unwrap()
        .feed(&mut mapper);
    let _ = mapper.finish();
    let spans = store.take().spans;
    chat_usage(&[agentobs::export::otlp::trace_request(&spans)])
}

fn upstream_traces(receiver: &Receiver) -> Vec<ExportTraceServiceRequest> {
    receiver
        .requests_to("/v1/traces")
        .iter()
        .map(|r| ExportTraceServiceRequest::decode(&r.body[..]).unwrap())
        .collect()
}

fn config_for(url: &str, transport: Transport) -> ExportConfig {
    ExportConfig::builder()
        .endpoint(url)
        .transport(transport)
        .resolve(None, &|_| None)
        .unwrap()
}

/// A gateway on 127.0.0.1 (HTTP, and gRPC when asked) forwarding genai to `upstream`.
fn gateway(
    upstream: &ExportConfig,
    pipeline_capacity: usize,
    f: impl FnOnce(GatewayBuilder) -> GatewayBuilder,
) -> Gateway {
    gateway_with(upstream, pipeline_capacity, false, f)
}

/// [`gateway`], its OTLP/HTTP protobuf export through agentobs's own client when `batched`
/// (as `agentobs gateway` exports).
fn gateway_with(
    upstream: &ExportConfig,
    pipeline_capacity: usize,
    batched: bool,
    f: impl FnOnce(GatewayBuilder) -> GatewayBuilder,
) -> Gateway {
    let sink = if batched {
        OtlpSink::from_config_batched(upstream, "genai")
    } else {
        OtlpSink::from_config(upstream, "genai")
    };
    let sink = sink.unwrap().unwrap().with_pricer(pricer());
    let pipeline = Pipeline::builder()
        .queue_capacity(pipeline_capacity)
        .sink("otlp-genai", sink)
        .build();
    f(Gateway::builder()
        .http("127.0.0.1:0".parse().unwrap())
        .pipeline_capacity(pipeline_capacity))
    .start(pipeline)
    .unwrap()
}

fn client() -> reqwest::blocking::Client {
    agentobs::export::install_tls_provider();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn post(
    gw: &Gateway,
    path: &str,
    content_type: &str,
    gzip: bool,
    body: Vec<u8>,
) -> reqwest::blocking::Response {
    let mut req = client()
        .post(format!("http://{}{path}", gw.http_addr().unwrap()))
        .header("content-type", content_type)
        .body(body);
    if gzip {
        req = req.header("content-encoding", "gzip");
    }
    req.send().unwrap()
}

/// The captured OTLP bodies of a fixture folder, in arrival order: (signal path, file).
fn captures(rel: &str) -> Vec<(String, std::path::PathBuf)> {
    let mut files: Vec<_> = std::fs::read_dir(fixture(rel).join("otlp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().ends_with(".meta.json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let signal = ["logs", "traces", "metrics"]
                .into_iter()
                .find(|s| name.contains(s))
                .unwrap();
            (format!("/v1/{signal}"), p)
        })
        .collect()
}

#[test]
fn codex_otlp_over_every_transport_arrives_as_genai_with_tokens_and_cost() {
    let upstream = Receiver::start();
    let gw = gateway(
        &config_for(&upstream.url(), Transport::HttpProtobuf),
        8192,
        |b| b.grpc("127.0.0.1:0".parse().unwrap()),
    );
    // HTTP JSON, as Codex sends it: 0.171 plain.
    for (path, file) in captures("codex-0.171/plain") {
        let r = post(
            &gw,
            &path,
            "application/json",
            false,
            std::fs::read(file).unwrap(),
        );
        assert_eq!(r.status(), 200);
    }
    // HTTP protobuf: 0.171 tool, the same requests in binary.
    for (path, file) in captures("codex-0.171/tool") {
        let req = parse_logs(&std::fs::read(file).unwrap(), Encoding::Json).unwrap();
        let r = post(
            &gw,
            &path,
            "application/x-protobuf",
            false,
            req.encode_to_vec(),
        );
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/x-protobuf");
    }
    // gzip bodies: 0.169 tool_fail, logs, traces and metrics as captured (gzipped JSON).
    for (path, file) in captures("codex-0.169/tool_fail") {
        let r = post(
            &gw,
            &path,
            "application/json",
            true,
            std::fs::read(file).unwrap(),
        );
        assert_eq!(r.status(), 200, "{path}");
    }
    // gRPC: 0.171 multi_tool.
    let grpc = format!("http://{}", gw.grpc_addr().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = LogsServiceClient::connect(grpc).await.unwrap();
        for (_, file) in captures("codex-0.171/multi_tool") {
            let req = parse_logs(&std::fs::read(file).unwrap(), Encoding::Json).unwrap();
            c.export(req).await.unwrap();
        }
    });
    let stats = gw.stats();
    assert_eq!(
        (stats.rejected_bad, stats.rejected_busy),
        (0, 0),
        "{stats:?}"
    );
    let report = gw.shutdown(Duration::from_secs(20));
    assert!(report.complete, "{report:?}");
    assert!(report.stats.decoded_events > 0, "{:?}", report.stats);
    assert_eq!(report.stats.open_sessions, 0);
    let got = chat_usage(&upstream_traces(&upstream));
    for rel in [
        "codex-0.171/plain",
        "codex-0.171/tool",
        "codex-0.169/tool_fail",
        "codex-0.171/multi_tool",
    ] {
        for (conv, want) in expected(&rollout(rel)) {
            let have = got.get(&conv).cloned().unwrap_or_default();
            assert_eq!(
                (have.requests, have.input, have.output, have.cached),
                (want.requests, want.input, want.output, want.cached),
                "{rel} {conv}"
            );
            assert!(
                (have.cost_usd - want.cost_usd).abs() < 1e-9,
                "{rel}: cost {} != {}",
                have.cost_usd,
                want.cost_usd
            );
        }
    }
}

#[test]
fn bad_payloads_get_4xx_with_a_message_and_the_gateway_goes_on() {
    let upstream = Receiver::start();
    let gw = gateway(
        &config_for(&upstream.url(), Transport::HttpProtobuf),
        8192,
        |b| b.max_body_bytes(64 * 1024),
    );
    let r = post(
        &gw,
        "/v1/logs",
        "application/json",
        false,
        b"{not json".to_vec(),
    );
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("bad OTLP request"));
    let r = post(
        &gw,
        "/v1/traces",
        "application/x-protobuf",
        false,
        vec![0xff; 100],
    );
    assert_eq!(r.status(), 400);
    let r = post(
        &gw,
        "/v1/logs",
        "application/json",
        true,
        b"not gzip".to_vec(),
    );
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("gzip"));
    let r = post(&gw, "/v1/logs", "text/plain", false, b"hello".to_vec());
    assert_eq!(r.status(), 415);
    let r = post(
        &gw,
        "/v1/logs",
        "application/json",
        false,
        vec![b' '; 100 * 1024],
    );
    assert_eq!(r.status(), 413);
    // A gzip bomb: small on the wire, over the cap once inflated.
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![b' '; 1 << 20]).unwrap();
    let r = post(
        &gw,
        "/v1/logs",
        "application/json",
        true,
        z.finish().unwrap(),
    );
    assert_eq!(r.status(), 413);
    // Still serving.
    let body = std::fs::read(captures("codex-0.171/plain")[0].1.clone()).unwrap();
    assert_eq!(
        post(&gw, "/v1/logs", "application/json", false, body).status(),
        200
    );
    let health = client()
        .get(format!("http://{}/healthz", gw.http_addr().unwrap()))
        .send()
        .unwrap();
    assert_eq!(health.status(), 200);
    let stats: serde_json::Value = serde_json::from_str(
        &client()
            .get(format!("http://{}/stats", gw.http_addr().unwrap()))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stats["rejected_bad"], 4, "{stats}");
    assert_eq!(stats["rejected_too_large"], 2, "{stats}");
    assert_eq!(stats["accepted"], 1, "{stats}");
    assert!(gw.shutdown(Duration::from_secs(10)).complete);
}

#[test]
fn overload_answers_429_and_the_gateway_recovers() {
    let upstream = Receiver::start();
    // A slow upstream, a tiny export queue and a queue of one request: the decoder waits
    // for the exporter, the queue fills, the receiver refuses.
    upstream.set_mode(Mode::Stall(Duration::from_millis(1500)));
    let gw = gateway(
        &config_for(&upstream.url(), Transport::HttpProtobuf),
        4,
        |b| b.queue_capacity(1).max_in_flight(2),
    );
    let bodies: Vec<Vec<u8>> = captures("codex-0.171/multi_tool")
        .into_iter()
        .map(|(_, f)| std::fs::read(f).unwrap())
        .collect();
    let addr = gw.http_addr().unwrap();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for round in 0..12 {
        let handles: Vec<_> = bodies
            .iter()
            .cloned()
            .map(|b| {
                std::thread::spawn(move || {
                    let r = client()
                        .post(format!("http://{addr}/v1/logs"))
                        .header("content-type", "application/json")
                        .body(b)
                        .send()
                        .unwrap();
                    (r.status().as_u16(), r.headers().get("retry-after").cloned())
                })
            })
            .collect();
        for h in handles {
            let (s, ra) = h.join().unwrap();
            if s == 429 {
                retry_after = ra;
            }
            statuses.push(s);
        }
        if statuses.contains(&429) {
            break;
        }
        if round == 0 {
            // Let the exporter go idle and start its (slow) flush.
            std::thread::sleep(Duration::from_millis(1300));
        } else {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(retry_after.unwrap(), "1");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    // The upstream is fast again: the backlog drains and requests are accepted.
    upstream.set_mode(Mode::Accept);
    let mut recovered = false;
    for _ in 0..100 {
        let r = post(
            &gw,
            "/v1/logs",
            "application/json",
            false,
            bodies[0].clone(),
        );
        if r.status() == 200 {
            recovered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(recovered, "{:?}", gw.stats());
    let report = gw.shutdown(Duration::from_secs(20));
    assert!(report.stats.rejected_busy > 0);
    assert_eq!(report.stats.dropped_events, 0, "{:?}", report.stats);
}

#[test]
fn grpc_overload_is_resource_exhausted() {
    let upstream = Receiver::start();
    upstream.set_mode(Mode::Stall(Duration::from_millis(1500)));
    let gw = gateway(
        &config_for(&upstream.url(), Transport::HttpProtobuf),
        4,
        |b| b.grpc("127.0.0.1:0".parse().unwrap()).queue_capacity(1),
    );
    let reqs: Vec<_> = captures("codex-0.171/multi_tool")
        .into_iter()
        .map(|(_, f)| parse_logs(&std::fs::read(f).unwrap(), Encoding::Json).unwrap())
        .collect();
    let grpc = format!("http://{}", gw.grpc_addr().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let codes = rt.block_on(async {
        let mut c = LogsServiceClient::connect(grpc).await.unwrap();
        let mut codes = Vec::new();
        for _ in 0..10 {
            for r in &reqs {
                codes.push(match c.export(r.clone()).await {
                    Ok(_) => tonic::Code::Ok,
                    Err(s) => s.code(),
                });
            }
            if codes.contains(&tonic::Code::ResourceExhausted) {
                break;
            }
        }
        codes
    });
    assert!(codes.contains(&tonic::Code::ResourceExhausted), "{codes:?}");
    upstream.set_mode(Mode::Accept);
    gw.shutdown(Duration::from_secs(20));
}

#[test]
fn shutdown_closes_open_sessions_and_flushes() {
    let upstream = Receiver::start();
    let gw = gateway(
        &config_for(&upstream.url(), Transport::HttpProtobuf),
        8192,
        |b| b.idle_close(Duration::from_secs(3600)),
    );
    for (path, file) in captures("codex-0.171/tool") {
        let r = post(
            &gw,
            &path,
            "application/json",
            false,
            std::fs::read(file).unwrap(),
        );
        assert_eq!(r.status(), 200);
    }
    // Open until shutdown: no agent span has gone upstream.
    let wait_open = std::time::Instant::now() + Duration::from_secs(10);
    while gw.stats().open_sessions == 0 && std::time::Instant::now() < wait_open {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(gw.stats().open_sessions, 1, "{:?}", gw.stats());
    let report = gw.shutdown(Duration::from_secs(20));
    assert!(report.complete, "{report:?}");
    assert_eq!(report.stats.closed_sessions, 1);
    let traces = upstream_traces(&upstream);
    let agent_spans = traces
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .filter(|s| str_of(&s.attributes, "gen_ai.operation.name") == Some("invoke_agent"))
        .count();
    assert!(agent_spans >= 1, "no agent span after shutdown");
}

#[test]
fn idle_sessions_close_by_themselves() {
    let upstream = Receiver::start();
    let gw = gateway(
        &config_for(&upstream.url(), Transport::HttpProtobuf),
        8192,
        |b| b.idle_close(Duration::from_millis(300)),
    );
    for (path, file) in captures("codex-0.171/plain") {
        assert_eq!(
            post(
                &gw,
                &path,
                "application/json",
                false,
                std::fs::read(file).unwrap()
            )
            .status(),
            200
        );
    }
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while gw.stats().closed_sessions == 0 && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = gw.stats();
    assert_eq!((s.closed_sessions, s.open_sessions), (1, 0), "{s:?}");
    gw.shutdown(Duration::from_secs(10));
}

#[test]
fn passthrough_forwards_the_original_records_too() {
    let upstream = Receiver::start();
    let config = config_for(&upstream.url(), Transport::HttpProtobuf);
    let gw = gateway(&config, 8192, |b| b.passthrough(Some(config.clone())));
    let files = captures("codex-0.171/plain");
    let original = parse_logs(&std::fs::read(&files[0].1).unwrap(), Encoding::Json).unwrap();
    assert_eq!(
        post(
            &gw,
            "/v1/logs",
            "application/x-protobuf",
            false,
            original.encode_to_vec()
        )
        .status(),
        200
    );
    let report = gw.shutdown(Duration::from_secs(20));
    assert_eq!(report.stats.passthrough_sent, 1, "{:?}", report.stats);
    let logs: Vec<_> = upstream
        .requests_to("/v1/logs")
        .iter()
        .map(|r| {
            agentobs::export::proto::collector::logs::v1::ExportLogsServiceRequest::decode(
                &r.body[..],
            )
            .unwrap()
        })
        .collect();
    assert!(
        logs.contains(&original),
        "the original request arrived unchanged"
    );
}

/// The session key of a capture folder: the `conversation.id` of its log records.
fn conversation_of(rel: &str) -> String {
    for (path, file) in captures(rel) {
        if path != "/v1/logs" {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap();
        let bytes = if file.to_string_lossy().ends_with(".gz") {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
                .unwrap();
            out
        } else {
            bytes
        };
        let req = parse_logs(&bytes, Encoding::Json).unwrap();
        for r in req
            .resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
        {
            if let Some(id) = str_of(&r.attributes, "conversation.id") {
                return id.to_owned();
            }
        }
    }
    panic!("{rel}: no conversation.id")
}

/// Posts every capture of `rel` (logs, traces and metrics) to `gw`.
fn post_all(gw: &Gateway, rel: &str) {
    for (path, file) in captures(rel) {
        let gz = file.to_string_lossy().ends_with(".gz");
        let r = post(
            gw,
            &path,
            "application/json",
            gz,
            std::fs::read(file).unwrap(),
        );
        assert_eq!(r.status(), 200, "{rel} {path}");
    }
}

#[test]
fn two_gateways_routed_by_session_give_one_gateways_totals() {
    let sessions = [
        "codex-0.171/plain",
        "codex-0.171/tool",
        "codex-0.171/tool_fail",
        "codex-0.171/multi_tool",
        "codex-0.169/tool",
        "codex-0.169/http500_retry",
        "codex-0.171-otlp/tool",
        "codex-0.171-otlp/http500_retry",
    ];
    // One gateway sees everything.
    let single_up = Receiver::start();
    let single = gateway(
        &config_for(&single_up.url(), Transport::HttpProtobuf),
        8192,
        |b| b,
    );
    for rel in sessions {
        post_all(&single, rel);
    }
    let one = single.shutdown(Duration::from_secs(20));
    assert!(one.complete);
    // Two gateways, each fed the sessions whose key hashes to it (what a balancer in front
    // of them does with the same key).
    let ups = [Receiver::start(), Receiver::start()];
    let gws: Vec<Gateway> = ups
        .iter()
        .map(|u| gateway(&config_for(&u.url(), Transport::HttpProtobuf), 8192, |b| b))
        .collect();
    let mut fed = [0usize; 2];
    for rel in sessions {
        let key = conversation_of(rel);
        let i = (fnv1a(key.as_bytes()) % 2) as usize;
        fed[i] += 1;
        post_all(&gws[i], rel);
    }
    assert!(
        fed[0] > 0 && fed[1] > 0,
        "both gateways get sessions: {fed:?}"
    );
    let reports: Vec<_> = gws
        .into_iter()
        .map(|g| g.shutdown(Duration::from_secs(20)))
        .collect();
    assert!(reports.iter().all(|r| r.complete));
    let whole = chat_usage(&upstream_traces(&single_up));
    let mut split = chat_usage(&upstream_traces(&ups[0]));
    let second = chat_usage(&upstream_traces(&ups[1]));
    for k in second.keys() {
        assert!(!split.contains_key(k), "session {k} reached both gateways");
    }
    split.extend(second);
    assert_eq!(whole.len(), sessions.len(), "{whole:?}");
    assert_same_usage(&whole, &split);
    let events = |r: &[&agentobs_gateway::ShutdownReport]| -> (u64, u64) {
        (
            r.iter().map(|r| r.stats.decoded_events).sum(),
            r.iter().map(|r| r.stats.closed_sessions).sum(),
        )
    };
    assert_eq!(events(&[&one]), events(&reports.iter().collect::<Vec<_>>()));
}

/// FNV-1a, a stable hash for routing in the test.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The gzipped captures of a Claude Code or Gemini CLI run, kept beside the crate that reads
/// them: (signal path, gzipped JSON body), in arrival order.
fn harness_captures(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("otlp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let signal = ["logs", "traces", "metrics"]
                .into_iter()
                .find(|s| name.contains(s))
                .unwrap();
            (format!("/v1/{signal}"), std::fs::read(p).unwrap())
        })
        .collect()
}

/// Per (conversation, model), the usage on the chat spans of `requests`.
fn chat_usage_by_model(
    requests: &[ExportTraceServiceRequest],
) -> BTreeMap<(String, String), Usage> {
    let mut out: BTreeMap<(String, String), Usage> = BTreeMap::new();
    for span in requests
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
    {
        let a = &span.attributes;
        if str_of(a, "gen_ai.operation.name") != Some("chat")
            || !a.iter().any(|k| k.key == "gen_ai.usage.input_tokens")
        {
            continue;
        }
        let conv = str_of(a, "gen_ai.conversation.id").unwrap_or("").to_owned();
        let model = str_of(a, "gen_ai.request.model")
            .or_else(|| str_of(a, "gen_ai.response.model"))
            .unwrap_or("")
            .to_owned();
        let u = out.entry((conv, model)).or_default();
        u.requests += 1;
        u.input += int_of(a, "gen_ai.usage.input_tokens").unwrap_or(0);
        u.output += int_of(a, "gen_ai.usage.output_tokens").unwrap_or(0);
        u.cached += int_of(a, "gen_ai.usage.cache_read.input_tokens").unwrap_or(0);
        u.cost_usd += f64_of(a, "agentobs.cost.usd").expect("a priced chat span");
    }
    out
}

/// A transcript's events mapped as the gateway maps its own (genai, priced): usage per
/// model, whatever conversation id the transcript gives.
fn expected_by_model(
    feed: impl FnOnce(&mut dyn agentobs::schema::EventSink),
) -> BTreeMap<String, Usage> {
    let store = agentobs::export::sinks::SharedSignals::new();
    let mut mapper = Mapper::new(GenAi::v1_41(), store.clone()).with_pricer(pricer());
    feed(&mut mapper);
    let _ = mapper.finish();
    let spans = store.take().spans;
    chat_usage_by_model(&[agentobs::export::otlp::trace_request(&spans)])
        .into_iter()
        .map(|((_, model), u)| (model, u))
        .collect()
}

#[test]
fn claude_code_and_gemini_cli_otlp_arrive_as_genai_with_the_transcripts_tokens_and_cost() {
    let claude_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/claude/tests/fixtures/otlp-2.1.197/tool");
    let gemini_dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/gemini/tests/fixtures/otlp-0.61.0/tool");
    const CLAUDE_SESSION: &str = "007945b9-41d9-4d9d-87c9-2aa48725e912";
    const GEMINI_SESSION: &str = "578366f4-44cd-4b63-a7cb-664be5662f61";

    let upstream = Receiver::start();
    let gw = gateway(
        &config_for(&upstream.url(), Transport::HttpProtobuf),
        8192,
        |b| b,
    );
    // Both harnesses, and a Codex run, into one gateway: gzipped OTLP/JSON as captured.
    for (path, body) in harness_captures(&claude_dir)
        .into_iter()
        .chain(harness_captures(&gemini_dir))
    {
        assert_eq!(
            post(&gw, &path, "application/json", true, body).status(),
            200,
            "{path}"
        );
    }
    for (path, file) in captures("codex-0.171/plain") {
        let body = std::fs::read(file).unwrap();
        assert_eq!(
            post(&gw, &path, "application/json", false, body).status(),
            200
        );
    }
    // A Claude Code request with a damaged record is taken (the record is a warning); one
    // that is no OTLP at all is refused, and nothing panics.
    let damaged = br#"{"resourceLogs":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"claude-code"}}]},"scopeLogs":[{
        "logRecords":[{"attributes":[
        {"key":"event.name","value":{"stringValue":"api_request"}},
        {"key":"session.id","value":{"stringValue":"damaged"}},
        {"key":"input_tokens","value":{"stringValue":"lots"}}]}]}]}]}"#;
    let r = post(&gw, "/v1/logs", "application/json", false, damaged.to_vec());
    assert_eq!(r.status(), 200);
    let mut cut = harness_captures(&gemini_dir)[0].1.clone();
    cut.truncate(cut.len() / 2);
    let r = post(&gw, "/v1/logs", "application/json", true, cut);
    assert_eq!(r.status(), 400);
    let r = post(
        &gw,
        "/v1/metrics",
        "application/json",
        false,
        br#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gemini-cli"}}]},"scopeMetrics":"no"}]}"#.to_vec(),
    );
    assert_eq!(r.status(), 400);

    let report = gw.shutdown(Duration::from_secs(20));
    assert!(report.complete, "{report:?}");
    assert_eq!(report.stats.bad_records, 1, "{:?}", report.stats);
    assert_eq!(report.stats.rejected_bad, 2, "{:?}", report.stats);
    assert_eq!(report.stats.open_sessions, 0);
    let got = chat_usage_by_model(&upstream_traces(&upstream));

    // Claude Code: every request of the transcript, with its tokens and price.
    let want = expected_by_model(|sink| {
        let _ = agentobs_claude::TranscriptReader::open(
            &claude_dir.join("transcript.jsonl"),
            agentobs_claude::ReadOptions::default(),
        )
        .unwrap()
        .feed(sink);
    });
    assert_eq!(want.keys().collect::<Vec<_>>(), ["claude-opus-4-8"]);
    let have = &got[&(CLAUDE_SESSION.to_owned(), "claude-opus-4-8".to_owned())];
    let w = &want["claude-opus-4-8"];
    assert_eq!(
        (have.requests, have.input, have.output, have.cached),
        (2, 4200 + 3230, 85, 3000)
    );
    assert_eq!(
        (have.requests, have.input, have.output, have.cached),
        (w.requests, w.input, w.output, w.cached)
    );
    assert!(have.cost_usd > 0.0);
    assert!(
        (have.cost_usd - w.cost_usd).abs() < 1e-9,
        "{} != {}",
        have.cost_usd,
        w.cost_usd
    );

    // Gemini CLI: the chat log's requests, plus the router's call, which only OTLP reports.
    let want = expected_by_model(|sink| {
        let _ = agentobs_gemini::ChatReader::open(
            &gemini_dir.join("transcript.jsonl"),
            agentobs_gemini::ReadOptions::default(),
        )
        .unwrap()
        .feed(sink);
    });
    let have = &got[&(GEMINI_SESSION.to_owned(), "gemini-3.8-flash".to_owned())];
    let w = &want["gemini-3.8-flash"];
    assert_eq!(
        (have.requests, have.input, have.output, have.cached),
        (2, 5200 + 5400, 60, 4096 + 5120)
    );
    assert_eq!(
        (have.requests, have.input, have.output, have.cached),
        (w.requests, w.input, w.output, w.cached)
    );
    assert!(
        (have.cost_usd - w.cost_usd).abs() < 1e-9,
        "{} != {}",
        have.cost_usd,
        w.cost_usd
    );
    let router = &got[&(
        GEMINI_SESSION.to_owned(),
        "gemini-3.5-flash-lite".to_owned(),
    )];
    assert_eq!((router.requests, router.input, router.output), (1, 300, 12));
    assert!(router.cost_usd > 0.0);
    // The router's call opens the session's turn, but the turn names the routed model, and
    // the router's chat span says what it was for.
    let spans: Vec<_> = upstream_traces(&upstream)
        .into_iter()
        .flat_map(|r| r.resource_spans)
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .filter(|s| str_of(&s.attributes, "gen_ai.conversation.id") == Some(GEMINI_SESSION))
        .collect();
    let agent: Vec<_> = spans
        .iter()
        .filter(|s| str_of(&s.attributes, "gen_ai.operation.name") == Some("invoke_agent"))
        .map(|s| str_of(&s.attributes, "gen_ai.request.model"))
        .collect();
    assert_eq!(agent, [Some("gemini-3.8-flash")]);
    // Gemini CLI marks no turns, so a turn without a completion is not evidence of one that
    // did not finish.
    assert!(
        spans
            .iter()
            .filter(|s| str_of(&s.attributes, "gen_ai.operation.name") == Some("invoke_agent"))
            .all(|s| !s
                .attributes
                .iter()
                .any(|k| k.key == "agentobs.turn.incomplete"))
    );
    let purposes: Vec<_> = spans
        .iter()
        .filter(|s| str_of(&s.attributes, "gen_ai.operation.name") == Some("chat"))
        .map(|s| {
            (
                str_of(&s.attributes, "gen_ai.request.model"),
                str_of(&s.attributes, "agentobs.request.purpose"),
            )
        })
        .collect();
    assert!(purposes.contains(&(Some("gemini-3.5-flash-lite"), Some("utility_router"))));
    assert_eq!(purposes.iter().filter(|(_, p)| p.is_none()).count(), 2);
    // The Codex run is decoded beside them, as before.
    assert!(
        got.keys()
            .any(|(conv, _)| conv != CLAUDE_SESSION && conv != GEMINI_SESSION && !conv.is_empty())
    );
}

/// Alerts forwarded upstream, as (session, rule) pairs, sorted.
fn upstream_alerts(receiver: &Receiver) -> Vec<(String, String)> {
    use agentobs::export::proto::collector::logs::v1::ExportLogsServiceRequest;
    let mut out: Vec<(String, String)> = receiver
        .requests_to("/v1/logs")
        .iter()
        .map(|r| ExportLogsServiceRequest::decode(&r.body[..]).unwrap())
        .flat_map(|r| r.resource_logs)
        .flat_map(|r| r.scope_logs)
        .flat_map(|s| s.log_records)
        .filter_map(|l| {
            let rule = str_of(&l.attributes, "agentobs.alert.rule")?.to_owned();
            let session = str_of(&l.attributes, "gen_ai.conversation.id")
                .or_else(|| str_of(&l.attributes, "session.id"))
                .unwrap_or("")
                .to_owned();
            Some((session, rule))
        })
        .collect();
    out.sort();
    out
}

/// The logs of several captures in one request: a body of many sessions, as a busy
/// gateway gets them.
fn merged_logs(rels: &[&str]) -> Vec<u8> {
    let mut merged = agentobs::export::proto::collector::logs::v1::ExportLogsServiceRequest {
        resource_logs: Vec::new(),
    };
    for rel in rels {
        for (path, file) in captures(rel) {
            if path != "/v1/logs" {
                continue;
            }
            let mut bytes = std::fs::read(&file).unwrap();
            if file.to_string_lossy().ends_with(".gz") {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
                    .unwrap();
                bytes = out;
            }
            let req = parse_logs(&bytes, Encoding::Json).unwrap();
            merged.resource_logs.extend(req.resource_logs);
        }
    }
    merged.encode_to_vec()
}

#[test]
fn decoder_shards_give_one_decoders_totals_and_alerts() {
    let sessions = [
        "codex-0.171/plain",
        "codex-0.171/tool",
        "codex-0.171/tool_fail",
        "codex-0.169/tool",
        "codex-0.169/http500_retry",
        "codex-0.171-otlp/tool",
        "codex-0.171-otlp/http500_retry",
    ];
    let claude_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/claude/tests/fixtures/otlp-2.1.197/tool");
    let gemini_dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/gemini/tests/fixtures/otlp-0.61.0/tool");
    // Thresholds low enough that these short runs raise alerts.
    let rules = agentobs::anomaly::RuleSet::from_toml(
        "[runaway_session]\nmax_tokens = 2000\nturn_max_tokens = 1000\n",
        "test rules",
        None,
    )
    .unwrap();
    // One decoder exporting through the SDK exporters, four through the batched client:
    // the same spans arrive either way.
    let run = |decoders: usize| {
        let up = Receiver::start();
        let rules = rules.clone();
        let gw = gateway_with(
            &config_for(&up.url(), Transport::HttpProtobuf),
            8192,
            decoders > 1,
            move |b| {
                b.decoders(decoders)
                    .idle_close(Duration::from_secs(3600))
                    .engine(move || {
                        agentobs::anomaly::Engine::builder()
                            .rules(rules.clone())
                            .build()
                    })
            },
        );
        for rel in sessions {
            post_all(&gw, rel);
        }
        // One request holding the records of four sessions (on four different decoders of
        // four): split between them.
        let mixed = merged_logs(&[
            "codex-0.171/multi_tool",
            "codex-0.171-otlp/tool",
            "codex-0.169/tool",
            "codex-0.171/plain",
        ]);
        let r = post(&gw, "/v1/logs", "application/x-protobuf", false, mixed);
        assert_eq!(r.status(), 200);
        for (path, body) in harness_captures(&claude_dir)
            .into_iter()
            .chain(harness_captures(&gemini_dir))
        {
            assert_eq!(
                post(&gw, &path, "application/json", true, body).status(),
                200
            );
        }
        let report = gw.shutdown(Duration::from_secs(30));
        assert!(report.complete, "{report:?}");
        assert_eq!(report.stats.open_sessions, 0, "{:?}", report.stats);
        let traces = upstream_traces(&up);
        (
            report.stats,
            chat_usage_by_model(&traces),
            upstream_alerts(&up),
        )
    };
    let (one, one_usage, one_alerts) = run(1);
    let (four, four_usage, four_alerts) = run(4);
    assert!(one_usage.len() >= 9, "{one_usage:?}");
    assert_same_usage(&one_usage, &four_usage);
    assert!(one.alerts > 0, "the rules fired: {one:?}");
    assert_eq!(one_alerts.len() as u64, one.alerts, "{one_alerts:?}");
    assert_eq!(one_alerts, four_alerts);
    let totals = |s: &agentobs_gateway::Stats| {
        (
            s.records,
            s.decoded_events,
            s.skipped_records,
            s.bad_records,
            s.closed_sessions,
            s.alerts,
            s.dropped_events,
        )
    };
    assert_eq!(totals(&one), totals(&four));
}
