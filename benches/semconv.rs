//! Semantic mapping throughput: events mapped per second per dialect, and the OTLP-JSON
//! writer's output in bytes per second.
//!
//! Events come from [`ROLLOUTS`] synthetic Codex 0.169 rollouts (`agentobs_corpus`, fixed
//! seeds), read once with the full reader and kept in memory, so only mapping is measured.
//! Content capture is off (the default), prices come from the embedded book.
//!
//! - `map/<dialect>`: events through a [`Mapper`] into a sink that drops the records
//!   (elements = events, one thread);
//! - `write/otlp-json/<dialect>`: the mapped records of the same events written as OTLP-JSON
//!   lines into a reused buffer (bytes = JSON written, one thread).
//!
//! Before measuring, each dialect's chat-span tokens are checked against the reader's billed
//! usage, so a fast but wrong mapping fails the bench instead of reporting a figure.
//!
//! ```text
//! cargo bench --bench semconv
//! ```

use std::hint::black_box;
use std::time::Duration;

use agentobs::BookPricer;
use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::export::OtlpJsonWriter;
use agentobs::schema::{Collect, Event, EventKind, EventSink};
use agentobs::semconv::{Mapper, SignalSink, Signals, dialects};
use agentobs_corpus::generate_rollout_bytes;
use criterion::{BatchSize, Criterion, Throughput};

/// Number of rollouts.
const ROLLOUTS: u64 = 16;
/// Approximate size of each rollout.
const ROLLOUT_BYTES: usize = 256 << 10;
/// Seed of the first rollout.
const SEED: u64 = 0x5E_3C0;

/// Drops every record (measures mapping, not storage).
struct Drop;
impl SignalSink for Drop {}

fn events() -> Vec<Event> {
    let mut sink = Collect::default();
    for i in 0..ROLLOUTS {
        let bytes = generate_rollout_bytes(SEED + i, ROLLOUT_BYTES);
        let mut r = RolloutReader::new(
            bytes.as_slice(),
            format!("bench-{i}.jsonl"),
            ReadOptions::default(),
        );
        let _ = r.feed(&mut sink);
    }
    assert!(sink.warnings.is_empty());
    sink.events
}

fn pricer() -> BookPricer {
    BookPricer::new(PriceBook::embedded(), ServiceTier::Standard)
}

fn map<S: SignalSink>(events: &[Event], dialect: &str, sink: S) -> S {
    let d = dialects::by_name(dialect, None).unwrap();
    let mut m = Mapper::new(d, sink).with_pricer(pricer());
    for e in events {
        let _ = m.event(e);
    }
    m.finish().0
}

fn check(events: &[Event]) {
    let billed: u64 = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(u) => Some(u.usage.input_tokens),
            _ => None,
        })
        .sum();
    let s = map(events, "genai", Signals::default());
    let mapped: i64 = s
        .spans
        .iter()
        .filter(|x| x.name.starts_with("chat"))
        .filter_map(|x| x.attributes.get_int("gen_ai.usage.input_tokens"))
        .sum();
    assert_eq!(
        mapped as u64, billed,
        "genai chat spans bill what the reader bills"
    );
}

fn main() {
    let events = events();
    check(&events);
    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    {
        let mut g = c.benchmark_group("map");
        g.throughput(Throughput::Elements(events.len() as u64));
        for d in dialects::NAMES {
            g.bench_function(d, |b| b.iter(|| black_box(map(&events, d, Drop))));
        }
        g.finish();
    }
    {
        let mut g = c.benchmark_group("write/otlp-json");
        for d in ["genai", "codex", "openinference"] {
            let signals = map(&events, d, Signals::default());
            // The writer takes records by value: each iteration gets a fresh copy, made
            // outside the measured time.
            let write = |buf: &mut Vec<u8>, signals: Signals| {
                buf.clear();
                let mut w = OtlpJsonWriter::new(&mut *buf);
                for s in signals.spans {
                    w.span(s);
                }
                for l in signals.logs {
                    w.log(l);
                }
                for m in signals.metrics {
                    w.metric(m);
                }
                w.finish().unwrap().bytes
            };
            let mut buf = Vec::new();
            let bytes = write(&mut buf, signals.clone());
            g.throughput(Throughput::Bytes(bytes));
            g.bench_function(d, |b| {
                b.iter_batched(
                    || signals.clone(),
                    |s| black_box(write(&mut buf, s)),
                    BatchSize::LargeInput,
                )
            });
        }
        g.finish();
    }
    c.final_summary();
    eprintln!("{} events", events.len());
}
