//! OTLP log load for the gateway benchmarks: bodies of `--per` Codex log records (the
//! records of a real capture, repeated over distinct conversation ids), encoded once before
//! the run, sent for `--secs` seconds over `--connections` keep-alive connections to an
//! OTLP receiver on 127.0.0.1 — OTLP/HTTP JSON, OTLP/HTTP protobuf or OTLP/gRPC. Prints one
//! JSON line: records/s accepted, request latency p50/p99, answers by status.
//!
//! ```text
//! cargo run --release -p agentobs-gateway --example otlp_load -- \
//!     --capture tests/fixtures/codex-0.171/multi_tool/otlp/0001-logs.json \
//!     --port 4318 --protocol http/protobuf --secs 8 --per 2000 --connections 4
//! ```
//!
//! With `--once`, each of the `--bodies` bodies (default 8; their conversation ids start
//! with the body's number, from `--first-body`) is sent exactly once, then the run ends: a
//! known number of sessions opened.
//!
//! With `--stats PORT` (a gateway's HTTP port) it also waits, after the load, until the
//! gateway has decoded and exported everything it accepted, and reports the rate over the
//! whole time (`drained_records_per_s`): what the gateway sustains, not just what it queued.
//! Only loopback addresses are used; the run stops by itself.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentobs_export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs_export::proto::common::v1::any_value::Value;
use agentobs_export::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use prost::Message as _;

/// Distinct bodies sent in turn (each with its own conversation ids), by default.
const BODIES: usize = 8;
/// The longest a run may be asked to last.
const MAX_SECS: f64 = 600.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Protocol {
    HttpJson,
    HttpProtobuf,
    Grpc,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::HttpJson => "http/json",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::Grpc => "grpc",
        }
    }
}

struct Args {
    capture: String,
    port: u16,
    protocol: Protocol,
    secs: f64,
    per: usize,
    connections: usize,
    stats: Option<u16>,
    bodies: usize,
    first_body: usize,
    once: bool,
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "otlp_load: {msg}\nusage: otlp_load --capture FILE.json --port PORT \
         [--protocol http/json|http/protobuf|grpc] [--secs S] [--per N] [--connections C] \
         [--stats PORT] [--bodies B] [--first-body I] [--once]"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut a = Args {
        capture: String::new(),
        port: 0,
        protocol: Protocol::HttpProtobuf,
        secs: 8.0,
        per: 2000,
        connections: 4,
        stats: None,
        bodies: BODIES,
        first_body: 0,
        once: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--capture" => a.capture = value(),
            "--port" => a.port = value().parse().unwrap_or_else(|_| usage("bad --port")),
            "--protocol" => {
                a.protocol = match value().as_str() {
                    "http/json" => Protocol::HttpJson,
                    "http/protobuf" => Protocol::HttpProtobuf,
                    "grpc" => Protocol::Grpc,
                    p => usage(&format!("unknown protocol {p:?}")),
                }
            }
            "--secs" => a.secs = value().parse().unwrap_or_else(|_| usage("bad --secs")),
            "--per" => a.per = value().parse().unwrap_or_else(|_| usage("bad --per")),
            "--connections" => {
                a.connections = value()
                    .parse()
                    .unwrap_or_else(|_| usage("bad --connections"))
            }
            "--stats" => a.stats = Some(value().parse().unwrap_or_else(|_| usage("bad --stats"))),
            "--bodies" => a.bodies = value().parse().unwrap_or_else(|_| usage("bad --bodies")),
            "--first-body" => {
                a.first_body = value()
                    .parse()
                    .unwrap_or_else(|_| usage("bad --first-body"))
            }
            "--once" => a.once = true,
            f => usage(&format!("unknown flag {f:?}")),
        }
    }
    if a.capture.is_empty() || a.port == 0 {
        usage("--capture and --port are required");
    }
    if !(a.secs > 0.0 && a.secs <= MAX_SECS) {
        usage("--secs must be in (0, 600]");
    }
    a.per = a.per.max(1);
    a.bodies = a.bodies.clamp(1, 4096);
    if a.first_body + a.bodies > 0x1_0000 {
        usage("--first-body + --bodies must stay below 65536");
    }
    a.connections = a.connections.clamp(1, 64);
    a
}

/// Requests `first..first + n` of `per` records each: the capture's records again and
/// again, each copy under a conversation id of its own (request `b`'s ids start with `b`).
fn bodies(capture: &str, per: usize, first: usize, n: usize) -> Vec<ExportLogsServiceRequest> {
    let text = std::fs::read(capture).unwrap_or_else(|e| usage(&format!("{capture}: {e}")));
    let src = agentobs_codex::otlp::parse_logs(&text, agentobs_codex::otlp::Encoding::Json)
        .unwrap_or_else(|e| usage(&format!("{capture}: {e}")));
    let head = src
        .resource_logs
        .first()
        .unwrap_or_else(|| usage("no resourceLogs"));
    let scope = head.scope_logs.first().and_then(|s| s.scope.clone());
    let records: Vec<&LogRecord> = src
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
        .collect();
    if records.is_empty() {
        usage("the capture has no log records");
    }
    (first..first + n)
        .map(|b| {
            let mut out = Vec::with_capacity(per);
            let mut copy = 0u64;
            'fill: loop {
                let conversation = format!("01a2{b:04x}-0000-7000-8000-{copy:012x}");
                copy += 1;
                for r in &records {
                    if out.len() == per {
                        break 'fill;
                    }
                    let mut r = (*r).clone();
                    for kv in &mut r.attributes {
                        if kv.key == "conversation.id"
                            && let Some(v) = kv.value.as_mut()
                        {
                            v.value = Some(Value::StringValue(conversation.clone()));
                        }
                    }
                    out.push(r);
                }
            }
            ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs {
                    resource: head.resource.clone(),
                    scope_logs: vec![ScopeLogs {
                        scope: scope.clone(),
                        log_records: out,
                        schema_url: String::new(),
                    }],
                    schema_url: String::new(),
                }],
            }
        })
        .collect()
}

/// What the connections saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    codes: BTreeMap<String, u64>,
    accepted: u64,
}

/// A gRPC codec that sends bytes already encoded and ignores the answer's body.
mod raw {
    use bytes::{Buf, BufMut};
    use tonic::Status;
    use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

    #[derive(Clone, Copy, Default)]
    pub(super) struct Raw;

    impl Codec for Raw {
        type Encode = &'static [u8];
        type Decode = ();
        type Encoder = Raw;
        type Decoder = Raw;
        fn encoder(&mut self) -> Raw {
            Raw
        }
        fn decoder(&mut self) -> Raw {
            Raw
        }
    }

    impl Encoder for Raw {
        type Item = &'static [u8];
        type Error = Status;
        fn encode(&mut self, item: &'static [u8], dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
            dst.put_slice(item);
            Ok(())
        }
    }

    impl Decoder for Raw {
        type Item = ();
        type Error = Status;
        fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, Status> {
            src.advance(src.remaining());
            Ok(Some(()))
        }
    }
}

/// Which body each connection sends next: in turn from `start` (every connection a
/// different one), or each body exactly once over all connections (`once`).
struct Turns {
    next: std::sync::atomic::AtomicUsize,
    once: bool,
    until: Instant,
}

impl Turns {
    /// The next body of `bodies`, `None` when the run is over.
    fn next(&self, bodies: &[&'static [u8]], mine: &mut usize) -> Option<&'static [u8]> {
        if Instant::now() >= self.until {
            return None;
        }
        if self.once {
            let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return bodies.get(i).copied();
        }
        *mine += 1;
        Some(bodies[(*mine - 1) % bodies.len()])
    }
}

async fn http_loop(
    client: reqwest::Client,
    url: String,
    content_type: &'static str,
    bodies: Arc<Vec<&'static [u8]>>,
    start: usize,
    per: u64,
    turns: Arc<Turns>,
) -> Tally {
    let mut t = Tally::default();
    let mut j = start;
    while let Some(body) = turns.next(&bodies, &mut j) {
        let sent = Instant::now();
        let r = client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        let code = match r {
            Ok(r) => {
                let status = r.status().as_u16();
                let _ = r.bytes().await;
                status.to_string()
            }
            Err(e) => format!("error: {}", e.without_url()),
        };
        t.latencies.push(sent.elapsed());
        if code == "200" {
            t.accepted += per;
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        *t.codes.entry(code).or_default() += 1;
    }
    t
}

async fn grpc_loop(
    port: u16,
    bodies: Arc<Vec<&'static [u8]>>,
    start: usize,
    per: u64,
    turns: Arc<Turns>,
) -> Tally {
    let mut t = Tally::default();
    let channel = match tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .map(|e| e.connect_lazy())
    {
        Ok(c) => c,
        Err(e) => {
            *t.codes.entry(format!("error: {e}")).or_default() += 1;
            return t;
        }
    };
    let mut grpc = tonic::client::Grpc::new(channel).max_encoding_message_size(64 << 20);
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    );
    let mut j = start;
    while let Some(body) = turns.next(&bodies, &mut j) {
        let sent = Instant::now();
        let code = match grpc.ready().await {
            Err(e) => format!("error: {e}"),
            Ok(()) => match grpc
                .unary::<_, (), _>(tonic::Request::new(body), path.clone(), raw::Raw)
                .await
            {
                Ok(_) => "OK".to_owned(),
                Err(s) => format!("{:?}", s.code()),
            },
        };
        t.latencies.push(sent.elapsed());
        if code == "OK" {
            t.accepted += per;
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        *t.codes.entry(code).or_default() += 1;
    }
    t
}

/// Waits (at most two minutes) until the gateway on `port` has nothing queued and its
/// exporter has taken every event; the time it took.
async fn drain(port: u16) -> Option<Duration> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let url = format!("http://127.0.0.1:{port}/stats");
    while started.elapsed() < Duration::from_secs(120) {
        let body = client.get(&url).send().await.ok()?.bytes().await.ok()?;
        let stats: serde_json::Value = serde_json::from_slice(&body).ok()?;
        let n = |k: &str| stats[k].as_u64().unwrap_or(0);
        if n("queued") == 0 && n("processed_events") >= n("forwarded_events") {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

fn main() {
    let a = args();
    // The HTTP client is built with TLS support (plain HTTP is all it uses here).
    agentobs_export::install_tls_provider();
    let requests = bodies(&a.capture, a.per, a.first_body, a.bodies);
    let encoded: Vec<&'static [u8]> = requests
        .iter()
        .map(|r| {
            let bytes = match a.protocol {
                Protocol::HttpJson => serde_json::to_vec(r).expect("a request encodes as JSON"),
                _ => r.encode_to_vec(),
            };
            &*Box::leak(bytes.into_boxed_slice())
        })
        .collect();
    let body_bytes = encoded[0].len();
    drop(requests);
    let bodies = Arc::new(encoded);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let per = a.per as u64;
    let all = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let turns = Arc::new(Turns {
        next: std::sync::atomic::AtomicUsize::new(0),
        once: a.once,
        until: started + Duration::from_secs_f64(a.secs),
    });
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(a.connections)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        let mut tasks = Vec::new();
        for i in 0..a.connections {
            let bodies = bodies.clone();
            let task = match a.protocol {
                Protocol::Grpc => tokio::spawn(grpc_loop(a.port, bodies, i, per, turns.clone())),
                p => {
                    let content_type = if p == Protocol::HttpJson {
                        "application/json"
                    } else {
                        "application/x-protobuf"
                    };
                    tokio::spawn(http_loop(
                        client.clone(),
                        format!("http://127.0.0.1:{}/v1/logs", a.port),
                        content_type,
                        bodies,
                        i,
                        per,
                        turns.clone(),
                    ))
                }
            };
            tasks.push(task);
        }
        for t in tasks {
            if let Ok(t) = t.await {
                let mut all = all.lock().expect("tally");
                all.latencies.extend(t.latencies);
                all.accepted += t.accepted;
                for (k, v) in t.codes {
                    *all.codes.entry(k).or_default() += v;
                }
            }
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let drained = a.stats.and_then(|p| rt.block_on(drain(p)));
    let mut t = Arc::try_unwrap(all)
        .ok()
        .and_then(|m| m.into_inner().ok())
        .unwrap_or_default();
    t.latencies.sort();
    let q = |f: f64| {
        t.latencies
            .get(((t.latencies.len() as f64 * f) as usize).min(t.latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| (d.as_secs_f64() * 1e5).round() / 100.0)
    };
    let mut out = serde_json::json!({
        "protocol": a.protocol.name(),
        "connections": a.connections,
        "body_bytes": body_bytes,
        "records_per_s": (t.accepted as f64 / elapsed).round(),
        "requests": t.latencies.len(),
        "codes": t.codes,
        "p50_ms": q(0.5),
        "p99_ms": q(0.99),
    });
    if let Some(d) = drained {
        out["drained_records_per_s"] =
            serde_json::json!((t.accepted as f64 / (elapsed + d.as_secs_f64())).round());
    }
    println!("{out}");
}
