//! Rollout reader throughput over a deterministic in-memory corpus.
//!
//! The corpus is [`ROLLOUTS`] synthetic Codex 0.169 rollouts of about [`ROLLOUT_BYTES`] bytes
//! each, made once by `agentobs_corpus::generate_rollout` (the same seeds give the same bytes on
//! every machine). Four cases, each reported as decimal bytes (MB/s, GB/s) of JSONL per second:
//!
//! - `tokens/1-thread`: [`ReadOptions::tokens`] (the token-only fast path behind `report`);
//! - `full/1-thread`: [`ReadOptions::default`] (every event);
//! - `tokens/all-cores` and `full/all-cores`: the same, one rollout per rayon task over the
//!   global pool (one thread per core). Divide by the core count for a per-core figure.
//!
//! Before measuring, the token-only and full readers are checked against the generator's
//! ground truth, so a fast but wrong reader fails the bench instead of reporting a figure.
//!
//! ```text
//! cargo bench --bench rollout
//! ```

use std::hint::black_box;
use std::time::Duration;

use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::schema::EventKind;
use agentobs_corpus::{Usage, generate_rollout};
use criterion::{Criterion, Throughput};
use rayon::prelude::*;

/// Number of rollouts in the corpus.
const ROLLOUTS: u64 = 64;
/// Approximate size of each rollout.
const ROLLOUT_BYTES: usize = 512 << 10;
/// Seed of the first rollout; rollout `i` uses `SEED + i`.
const SEED: u64 = 0x0A6E_70B5;

/// What one pass over a rollout produced: events, warnings and the token counts it billed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    events: u64,
    warnings: u64,
    input: u64,
    cached: u64,
    output: u64,
    reasoning: u64,
}

impl Tally {
    fn merge(mut self, o: Tally) -> Tally {
        self.events += o.events;
        self.warnings += o.warnings;
        self.input += o.input;
        self.cached += o.cached;
        self.output += o.output;
        self.reasoning += o.reasoning;
        self
    }
}

/// Reads one in-memory rollout to the end.
fn read(bytes: &[u8], opts: &ReadOptions) -> Tally {
    let mut t = Tally::default();
    for item in RolloutReader::new(bytes, "bench.jsonl", opts.clone()) {
        match item {
            Ok(event) => {
                t.events += 1;
                if let EventKind::TokenUsage(u) = &event.kind {
                    t.input += u.usage.input_tokens;
                    t.cached += u.usage.cached_input_tokens;
                    t.output += u.usage.output_tokens;
                    t.reasoning += u.usage.reasoning_output_tokens;
                }
            }
            Err(_) => t.warnings += 1,
        }
    }
    t
}

fn read_all(corpus: &[Vec<u8>], opts: &ReadOptions) -> Tally {
    corpus
        .iter()
        .map(|r| read(r, opts))
        .fold(Tally::default(), Tally::merge)
}

fn read_all_par(corpus: &[Vec<u8>], opts: &ReadOptions) -> Tally {
    corpus
        .par_iter()
        .map(|r| read(r, opts))
        .reduce(Tally::default, Tally::merge)
}

/// The corpus and the sum of its ground truth.
fn corpus() -> (Vec<Vec<u8>>, Usage) {
    let mut truth = Usage::default();
    let corpus = (0..ROLLOUTS)
        .map(|i| {
            let (bytes, exp) = generate_rollout(SEED + i, ROLLOUT_BYTES);
            truth.input_tokens += exp.usage.input_tokens;
            truth.cached_input_tokens += exp.usage.cached_input_tokens;
            truth.output_tokens += exp.usage.output_tokens;
            truth.reasoning_output_tokens += exp.usage.reasoning_output_tokens;
            bytes
        })
        .collect();
    (corpus, truth)
}

fn check(name: &str, t: Tally, truth: &Usage) {
    let got = (t.input, t.cached, t.output, t.reasoning);
    let want = (
        truth.input_tokens,
        truth.cached_input_tokens,
        truth.output_tokens,
        truth.reasoning_output_tokens,
    );
    assert_eq!(t.warnings, 0, "{name}: the reader warned on a clean corpus");
    assert_eq!(
        got, want,
        "{name}: tokens (input, cached, output, reasoning) differ from the ground truth"
    );
}

fn bench(c: &mut Criterion) {
    let (corpus, truth) = corpus();
    let bytes: u64 = corpus.iter().map(|r| r.len() as u64).sum();
    let tokens = ReadOptions::tokens();
    let full = ReadOptions::default();
    check("tokens", read_all(&corpus, &tokens), &truth);
    check("full", read_all(&corpus, &full), &truth);
    check("tokens (parallel)", read_all_par(&corpus, &tokens), &truth);
    eprintln!(
        "corpus: {ROLLOUTS} rollouts, {bytes} bytes ({:.1} MiB); rayon threads: {}",
        bytes as f64 / 1_048_576.0,
        rayon::current_num_threads()
    );

    let mut g = c.benchmark_group("rollout");
    g.throughput(Throughput::BytesDecimal(bytes))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    g.bench_function("tokens/1-thread", |b| {
        b.iter(|| black_box(read_all(black_box(&corpus), &tokens)))
    });
    g.bench_function("full/1-thread", |b| {
        b.iter(|| black_box(read_all(black_box(&corpus), &full)))
    });
    g.bench_function("tokens/all-cores", |b| {
        b.iter(|| black_box(read_all_par(black_box(&corpus), &tokens)))
    });
    g.bench_function("full/all-cores", |b| {
        b.iter(|| black_box(read_all_par(black_box(&corpus), &full)))
    });
    g.finish();
}

// What `criterion_group!`/`criterion_main!` expand to, without the undocumented `pub fn` the
// group macro generates (missing_docs is denied under `clippy -D warnings`).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
