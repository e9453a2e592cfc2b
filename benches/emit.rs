//! The emit path, side by side in one run:
//!
//! - `emit/tool_result/agentobs`: one `Session::tool_result` through the [`Pipeline`] to the
//!   OTLP sink (genai dialect, SDK span exporter, OTLP/HTTP to a local receiver): the cost on
//!   the emitting thread;
//! - `emit/tool_result/codex-layer`: the same facts logged the way Codex does — a `tracing`
//!   event (target `codex_otel.log_only`, `event.name = codex.tool_result`, string fields)
//!   through `Telemetry::tracing_layer` (`CodexEventLayer`: the fields decoded into a typed
//!   event) into the same pipeline and sink;
//! - `emit/tool_result/tracing-bridge`: the same `tracing` event through
//!   `OpenTelemetryTracingBridge` into the SDK's batch log processor and its OTLP/HTTP log
//!   exporter to the same kind of receiver;
//! - `emit/tool_result/disabled`: the `Session::tool_result` call on disabled telemetry;
//! - `replay/genai`: rollouts mapped and exported to the local receiver (elements = events,
//!   bytes = rollout bytes read), through `Destinations`.
//!
//! - `emit/tool_result/accepted/{agentobs,codex-layer,tracing-bridge}`: the same three calls
//!   with sinks that discard (ours: a no-op sink, the layer's events still decoded on its
//!   thread; theirs: a no-op SDK log exporter), the queues drained between batches of 4,096
//!   (untimed), so every event is accepted: the cost of an event that is kept.
//!
//! Every emitting path drops what its queue cannot hold (ours: 65,536 events; the SDK's: its
//! `max_queue_size`, set to 65,536 too); ours print what they accepted and dropped after
//! their run.
//!
//! ```text
//! cargo bench --bench emit
//! ```

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use agentobs::BookPricer;
use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::export::Destinations;
use agentobs::export::config::ExportConfig;
use agentobs::schema::{Harness, SessionContext};
use agentobs::semconv::{Mapper, dialects};
use agentobs::telemetry::{Telemetry, ToolCall};
use agentobs_corpus::generate_rollout_bytes;
use criterion::{Criterion, Throughput};

/// A local OTLP/HTTP receiver that reads every request and answers 200; counts bytes.
fn receiver() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bytes = Arc::new(AtomicU64::new(0));
    let b = bytes.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let b = b.clone();
            std::thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut len = 0usize;
                    loop {
                        let mut h = String::new();
                        if r.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':')
                            && k.eq_ignore_ascii_case("content-length")
                        {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    b.fetch_add(len as u64, Ordering::Relaxed);
                    if w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, bytes)
}

fn config(url: &str) -> ExportConfig {
    ExportConfig::builder()
        .endpoint(url)
        .resolve(None, &|_| None)
        .unwrap()
}

const THREAD: &str = "0199a213-81c0-7800-8aa1-bbab2a035a53";
const ARGS: &str = r#"{"cmd":["bash","-lc","cargo test -p agentobs-export"],"workdir":"/w"}"#;
const OUTPUT: &str = "Exit code: 0\nWall time: 4.2 seconds\nOutput:\ntest result: ok. 19 passed\n";

fn ours(c: &mut Criterion) {
    let (url, _) = receiver();
    let t = Telemetry::builder()
        .queue_capacity(65_536)
        .otlp(&config(&url), "genai")
        .unwrap()
        .build();
    let mut ctx = SessionContext::new(Harness::Codex);
    ctx.thread_id = Some(THREAD.into());
    ctx.model = Some("gpt-5".into());
    let s = t.session(ctx);
    s.turn_started("turn-1");
    let mut g = c.benchmark_group("emit/tool_result");
    g.throughput(Throughput::Elements(1));
    g.bench_function("agentobs", |b| {
        b.iter(|| {
            s.tool_result(black_box(ToolCall {
                tool: "shell",
                call_id: "call-1",
                arguments: ARGS,
                output: OUTPUT,
                duration: Duration::from_millis(42),
                success: true,
                exit_code: Some(0),
                ..Default::default()
            }))
        })
    });
    let st = t.stats();
    eprintln!(
        "agentobs: accepted {} dropped {}",
        st.sinks[0].accepted, st.sinks[0].dropped
    );

    let off = Telemetry::disabled();
    let s_off = off.session(SessionContext::new(Harness::Codex));
    g.bench_function("disabled", |b| {
        b.iter(|| {
            s_off.tool_result(black_box(ToolCall {
                tool: "shell",
                call_id: "call-1",
                arguments: ARGS,
                output: OUTPUT,
                duration: Duration::from_millis(42),
                success: true,
                exit_code: Some(0),
                ..Default::default()
            }))
        })
    });
    g.finish();
    drop(s);
    let _ = t.shutdown(Duration::from_secs(30));
}

/// The `codex.tool_result` event as Codex logs it (the same in both layer cases).
macro_rules! codex_tool_result {
    () => {
        tracing::event!(
            target: "codex_otel.log_only",
            tracing::Level::INFO,
            event.name = "codex.tool_result",
            event.timestamp = "2026-11-25T08:21:22.123Z",
            conversation.id = THREAD,
            app.version = "0.169.0",
            model = "gpt-5",
            tool_name = "shell",
            call_id = "call-1",
            arguments = black_box(ARGS),
            duration_ms = "42",
            success = "true",
            output = black_box(OUTPUT),
            mcp_server = "",
        )
    };
}

fn layer(c: &mut Criterion) {
    use tracing_subscriber::prelude::*;
    let (url, _) = receiver();
    let t = Telemetry::builder()
        .queue_capacity(65_536)
        .otlp(&config(&url), "genai")
        .unwrap()
        .build();
    let subscriber = tracing_subscriber::registry().with(t.tracing_layer());
    let mut g = c.benchmark_group("emit/tool_result");
    g.throughput(Throughput::Elements(1));
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("codex-layer", |b| b.iter(|| codex_tool_result!()));
    });
    g.finish();
    let st = t.stats();
    eprintln!(
        "codex-layer: accepted {} dropped {}",
        st.sinks[0].accepted, st.sinks[0].dropped
    );
    let _ = t.shutdown(Duration::from_secs(30));
}

/// Times `emit` in batches small enough that no queue fills, with `drain` between batches
/// (untimed): the emitting thread's cost of an event that is accepted, not dropped.
fn in_batches(b: &mut criterion::Bencher<'_>, emit: impl Fn(), drain: impl Fn()) {
    b.iter_custom(|iters| {
        let mut timed = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(4096);
            let t = std::time::Instant::now();
            for _ in 0..n {
                emit();
            }
            timed += t.elapsed();
            drain();
            left -= n;
        }
        timed
    })
}

/// A sink that takes every event and does nothing with it (the pipeline still decodes a
/// layer's deferred events on its thread before handing them over).
struct Discard;
impl agentobs::schema::EventSink for Discard {}
impl agentobs::export::pipeline::Sink for Discard {}

/// An SDK log exporter that takes every batch and does nothing with it.
#[derive(Debug)]
struct DiscardLogs;
impl opentelemetry_sdk::logs::LogExporter for DiscardLogs {
    async fn export(
        &self,
        _batch: opentelemetry_sdk::logs::LogBatch<'_>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        Ok(())
    }
}

/// The layer and the bridge again, each with a sink that discards and its queue drained
/// between batches: no event is dropped, so this is the cost of an accepted event.
fn accepted(c: &mut Criterion) {
    use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
    use opentelemetry_sdk::logs::{BatchConfigBuilder, BatchLogProcessor, SdkLoggerProvider};
    use tracing_subscriber::prelude::*;
    let mut g = c.benchmark_group("emit/tool_result/accepted");
    g.throughput(Throughput::Elements(1));

    let t = Telemetry::builder()
        .queue_capacity(65_536)
        .sink("discard", Discard)
        .build();
    let mut ctx = SessionContext::new(Harness::Codex);
    ctx.thread_id = Some(THREAD.into());
    let s = t.session(ctx);
    g.bench_function("agentobs", |b| {
        in_batches(
            b,
            || {
                s.tool_result(black_box(ToolCall {
                    tool: "shell",
                    call_id: "call-1",
                    arguments: ARGS,
                    output: OUTPUT,
                    duration: Duration::from_millis(42),
                    success: true,
                    exit_code: Some(0),
                    ..Default::default()
                }))
            },
            || assert!(t.flush(Duration::from_secs(30))),
        )
    });
    let subscriber = tracing_subscriber::registry().with(t.tracing_layer());
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("codex-layer", |b| {
            in_batches(
                b,
                || codex_tool_result!(),
                || assert!(t.flush(Duration::from_secs(30))),
            )
        });
    });
    let st = t.stats();
    eprintln!(
        "accepted (agentobs + codex-layer): accepted {} dropped {}",
        st.sinks[0].accepted, st.sinks[0].dropped
    );
    let _ = t.shutdown(Duration::from_secs(30));

    let processor = BatchLogProcessor::builder(DiscardLogs)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(65_536)
                .build(),
        )
        .build();
    let provider = SdkLoggerProvider::builder()
        .with_log_processor(processor)
        .build();
    let subscriber =
        tracing_subscriber::registry().with(OpenTelemetryTracingBridge::new(&provider));
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("tracing-bridge", |b| {
            in_batches(
                b,
                || codex_tool_result!(),
                || assert!(provider.force_flush().is_ok()),
            )
        });
    });
    g.finish();
    let _ = provider.shutdown();
}

fn theirs(c: &mut Criterion) {
    use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
    use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
    use opentelemetry_sdk::logs::{BatchConfigBuilder, BatchLogProcessor, SdkLoggerProvider};
    use tracing_subscriber::prelude::*;
    agentobs::export::install_tls_provider();
    let (url, _) = receiver();
    let exporter = opentelemetry_otlp::LogExporter::builder()
        .with_http()
        .with_endpoint(format!("{url}/v1/logs"))
        .with_http_client(reqwest::blocking::Client::new())
        .build()
        .unwrap();
    let processor = BatchLogProcessor::builder(exporter)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(65_536)
                .build(),
        )
        .build();
    let provider = SdkLoggerProvider::builder()
        .with_log_processor(processor)
        .build();
    let subscriber =
        tracing_subscriber::registry().with(OpenTelemetryTracingBridge::new(&provider));
    let mut g = c.benchmark_group("emit/tool_result");
    g.throughput(Throughput::Elements(1));
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("tracing-bridge", |b| b.iter(|| codex_tool_result!()));
    });
    g.finish();
    let _ = provider.shutdown();
}

fn replay(c: &mut Criterion) {
    let rollouts: Vec<Vec<u8>> = (0..16u64)
        .map(|i| generate_rollout_bytes(0x5E_3C0 + i, 256 << 10))
        .collect();
    let bytes: usize = rollouts.iter().map(Vec::len).sum();
    let events: u64 = rollouts
        .iter()
        .map(|r| RolloutReader::new(r.as_slice(), "x", ReadOptions::default()).count() as u64)
        .sum();
    let (url, sent) = receiver();
    let config = config(&url);
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events));
    g.bench_function("genai/events", |b| {
        b.iter(|| {
            let d = Destinations::new(&config).unwrap();
            let mut m = Mapper::new(dialects::by_name("genai", None).unwrap(), d).with_pricer(
                BookPricer::new(PriceBook::embedded(), ServiceTier::Standard),
            );
            for (i, r) in rollouts.iter().enumerate() {
                let _ = RolloutReader::new(r.as_slice(), format!("r{i}"), ReadOptions::default())
                    .feed(&mut m);
            }
            let (d, _) = m.finish();
            let (delivered, error) = d.finish();
            assert!(error.is_none(), "{error:?}");
            black_box(delivered)
        })
    });
    g.finish();
    let before = sent.load(Ordering::Relaxed);
    let t = std::time::Instant::now();
    let d = Destinations::new(&config).unwrap();
    let mut m = Mapper::new(dialects::by_name("genai", None).unwrap(), d);
    for (i, r) in rollouts.iter().enumerate() {
        let _ =
            RolloutReader::new(r.as_slice(), format!("r{i}"), ReadOptions::default()).feed(&mut m);
    }
    let _ = m.finish().0.finish();
    let secs = t.elapsed().as_secs_f64();
    let out = sent.load(Ordering::Relaxed) - before;
    eprintln!(
        "replay: {events} events, {:.1} MB of rollouts in, {:.1} MB of OTLP out in {secs:.3} s: \
         {:.0} events/s, {:.1} MB/s in, {:.1} MB/s out",
        bytes as f64 / 1e6,
        out as f64 / 1e6,
        events as f64 / secs,
        bytes as f64 / 1e6 / secs,
        out as f64 / 1e6 / secs
    );
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    ours(&mut c);
    layer(&mut c);
    theirs(&mut c);
    accepted(&mut c);
    replay(&mut c);
    c.final_summary();
}
