//! OTLP decoder throughput on one core: Codex 0.171 log records, spans and metric data points
//! (the real captures under `tests/fixtures/codex-0.171-otlp/`), reported as records per second.
//!
//! Cases, each over every body of the captures, in arrival order, through one decoder:
//!
//! - `logs/json`, `logs/protobuf`: parse the body, then decode it;
//! - `logs/decode`: decode requests parsed beforehand;
//! - `all/protobuf`: logs, traces and metrics, parse and decode.
//!
//! Before measuring, the decoded token counts are checked against the captures' known usage,
//! so a fast but wrong decoder fails the bench instead of reporting a figure.
//!
//! ```text
//! cargo bench --bench otlp_decode
//! ```

use std::hint::black_box;
use std::io::Read as _;
use std::ops::ControlFlow;
use std::path::Path;

use agentobs::codex::log_event::DecodeOptions;
use agentobs::codex::otlp::{self, Encoding, OtlpDecoder};
use agentobs::schema::{Event, EventKind, EventSink, TokenUsage};
use criterion::{Criterion, Throughput};
use prost::Message as _;

const SCENARIOS: &[&str] = &[
    "plain",
    "tool",
    "tool_fail",
    "http500_retry",
    "ctx_window_app_server",
];

/// A sink that counts and sums tokens.
#[derive(Default)]
struct Count {
    events: u64,
    tokens: TokenUsage,
}

impl EventSink for Count {
    fn event(&mut self, e: &Event) -> ControlFlow<()> {
        self.events += 1;
        if let EventKind::TokenUsage(t) = &e.kind {
            self.tokens += t.usage;
        }
        ControlFlow::Continue(())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Sig {
    Logs,
    Traces,
    Metrics,
}

/// (signal, JSON body) of every capture.
fn bodies() -> Vec<(Sig, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codex-0.171-otlp");
    let mut out = Vec::new();
    for s in SCENARIOS {
        let dir = root.join(s).join("otlp");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let sig = if name.contains("-logs") {
                Sig::Logs
            } else if name.contains("-traces") {
                Sig::Traces
            } else {
                Sig::Metrics
            };
            let mut body = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap())
                .read_to_end(&mut body)
                .unwrap();
            out.push((sig, body));
        }
    }
    out
}

fn to_protobuf(sig: Sig, json: &[u8]) -> Vec<u8> {
    match sig {
        Sig::Logs => otlp::parse_logs(json, Encoding::Json)
            .unwrap()
            .encode_to_vec(),
        Sig::Traces => otlp::parse_traces(json, Encoding::Json)
            .unwrap()
            .encode_to_vec(),
        Sig::Metrics => otlp::parse_metrics(json, Encoding::Json)
            .unwrap()
            .encode_to_vec(),
    }
}

/// Parses and decodes every body; the number of records.
fn run(bodies: &[(Sig, Vec<u8>)], enc: Encoding, sink: &mut Count) -> u64 {
    let mut d = OtlpDecoder::new(DecodeOptions::default());
    let mut records = 0;
    for (sig, b) in bodies {
        let s = match sig {
            Sig::Logs => d.logs(&otlp::parse_logs(b, enc).unwrap(), sink),
            Sig::Traces => d.traces(&otlp::parse_traces(b, enc).unwrap(), sink),
            Sig::Metrics => d.metrics(&otlp::parse_metrics(b, enc).unwrap(), sink),
        };
        records += s.records;
    }
    records
}

fn main() {
    let all = bodies();
    let logs: Vec<_> = all.iter().filter(|b| b.0 == Sig::Logs).cloned().collect();
    let logs_pb: Vec<_> = logs.iter().map(|(s, b)| (*s, to_protobuf(*s, b))).collect();
    let all_pb: Vec<_> = all.iter().map(|(s, b)| (*s, to_protobuf(*s, b))).collect();

    // Ground truth: the scripted server's usage over the five runs (see the fixture README).
    let mut check = Count::default();
    let log_records = run(&logs, Encoding::Json, &mut check);
    let want = TokenUsage {
        input_tokens: 4390 + 2 * 8780 + 8780,
        cached_input_tokens: 3 * 8064,
        cache_write_input_tokens: 0,
        output_tokens: 38 + 3 * 95,
        reasoning_output_tokens: 3 * 32,
        cache_write_1h_input_tokens: 0,
    };
    assert_eq!(check.tokens, want, "decoded tokens");
    let mut c = Count::default();
    let all_records = run(&all_pb, Encoding::Protobuf, &mut c);
    assert_eq!(c.tokens, want, "decoded tokens, all signals");

    let parsed: Vec<_> = logs
        .iter()
        .map(|(_, b)| otlp::parse_logs(b, Encoding::Json).unwrap())
        .collect();

    let mut crit = Criterion::default().configure_from_args();
    let mut g = crit.benchmark_group("otlp");
    g.throughput(Throughput::Elements(log_records));
    g.bench_function("logs/json", |b| {
        b.iter(|| black_box(run(&logs, Encoding::Json, &mut Count::default())))
    });
    g.bench_function("logs/protobuf", |b| {
        b.iter(|| black_box(run(&logs_pb, Encoding::Protobuf, &mut Count::default())))
    });
    g.bench_function("logs/decode", |b| {
        b.iter(|| {
            let mut d = OtlpDecoder::new(DecodeOptions::default());
            let mut sink = Count::default();
            for r in &parsed {
                black_box(d.logs(r, &mut sink));
            }
            sink.events
        })
    });
    g.throughput(Throughput::Elements(all_records));
    g.bench_function("all/protobuf", |b| {
        b.iter(|| black_box(run(&all_pb, Encoding::Protobuf, &mut Count::default())))
    });
    g.finish();
    crit.final_summary();
}
