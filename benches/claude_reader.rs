//! Claude Code transcript reader throughput over a deterministic generated home.
//!
//! The corpus is `agentobs_corpus::generate_claude` at [`CORPUS_BYTES`] in [`SESSIONS`]
//! sessions (with its traps: usage repeated per content block, `--resume` copies, sidechain
//! files, synthetic errors, one-hour cache writes), written once to a temporary folder and held
//! in memory. Each project folder is read in path order with one shared `SeenRequests`, as
//! `agentobs report` reads it. Cases, each in decimal bytes of JSONL per second:
//!
//! - `tokens/1-thread`: `ReadOptions::tokens()` with content (what `report` uses);
//! - `full/1-thread`: `ReadOptions::default()` with content (every event, as `events` / `map`);
//! - `tokens/all-cores`: the same as the first, one project folder per rayon task.
//!
//! Before measuring, both modes are checked against the generator's ground truth, so a fast but
//! wrong reader fails the bench instead of reporting a figure.
//!
//! ```text
//! cargo bench --bench claude_reader
//! ```

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use agentobs::schema::{EventKind, EventSink, SourceEnd, Warning};
use agentobs_claude::{ReadOptions, SeenRequests, TranscriptReader};
use agentobs_corpus::claude::generate_claude;
use criterion::{Criterion, Throughput};
use rayon::prelude::*;
use std::ops::ControlFlow;

/// Size of the generated home.
const CORPUS_BYTES: u64 = 24 << 20;
/// Sessions in it.
const SESSIONS: usize = 240;
/// The generator's seed.
const SEED: u64 = 0xC1A0_DE01;

/// Billed tokens and what else a pass saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    events: u64,
    warnings: u64,
    requests: u64,
    input: u64,
    cache_read: u64,
    cache_write: u64,
    output: u64,
}

impl Tally {
    fn merge(mut self, o: Tally) -> Tally {
        self.events += o.events;
        self.warnings += o.warnings;
        self.requests += o.requests;
        self.input += o.input;
        self.cache_read += o.cache_read;
        self.cache_write += o.cache_write;
        self.output += o.output;
        self
    }
}

impl EventSink for Tally {
    fn event(&mut self, event: &agentobs::schema::Event) -> ControlFlow<()> {
        self.events += 1;
        if let EventKind::TokenUsage(u) = &event.kind {
            self.requests += 1;
            // Back to Anthropic's disjoint counts, as the ground truth keeps them.
            let u = u.usage;
            self.cache_read += u.cached_input_tokens;
            self.cache_write += u.cache_write_input_tokens;
            self.input += u.input_tokens - u.cached_input_tokens - u.cache_write_input_tokens;
            self.output += u.output_tokens;
        }
        ControlFlow::Continue(())
    }
    fn warning(&mut self, _: &Warning) {
        self.warnings += 1;
    }
    fn end(&mut self, _: &SourceEnd) {}
}

/// One project folder: its files' bytes, in path order.
type Project = Vec<Vec<u8>>;

fn read_project(files: &Project, opts: &ReadOptions) -> Tally {
    let mut seen = SeenRequests::default();
    let mut t = Tally::default();
    for bytes in files {
        let _ = TranscriptReader::new(&bytes[..], "bench.jsonl", opts.clone())
            .feed_with(&mut seen, &mut t);
    }
    t
}

fn read_all(corpus: &[Project], opts: &ReadOptions) -> Tally {
    corpus
        .iter()
        .map(|p| read_project(p, opts))
        .fold(Tally::default(), Tally::merge)
}

fn read_all_par(corpus: &[Project], opts: &ReadOptions) -> Tally {
    corpus
        .par_iter()
        .map(|p| read_project(p, opts))
        .reduce(Tally::default, Tally::merge)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let expected = generate_claude(dir.path(), CORPUS_BYTES, SESSIONS, SEED).expect("corpus");
    let mut projects: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in agentobs_claude::discover_in(dir.path()).expect("discover") {
        let p = f.path.clone();
        let project = p
            .ancestors()
            .find(|a| a.parent().and_then(|q| q.file_name()) == Some("projects".as_ref()))
            .unwrap_or(&p)
            .to_path_buf();
        projects.entry(project).or_default().push(p);
    }
    let corpus: Vec<Project> = projects
        .into_values()
        .map(|mut files| {
            files.sort();
            files
                .iter()
                .map(|f| std::fs::read(f).expect("read"))
                .collect()
        })
        .collect();
    let bytes: u64 = corpus.iter().flatten().map(|f| f.len() as u64).sum();
    let t = &expected.totals;
    let truth = (
        t.requests,
        t.input_tokens,
        t.cache_read_input_tokens,
        t.cache_creation_input_tokens,
        t.output_tokens,
    );
    let tokens = ReadOptions::tokens().with_content(true);
    let full = ReadOptions::default().with_content(true);
    for (name, got) in [
        ("tokens", read_all(&corpus, &tokens)),
        ("full", read_all(&corpus, &full)),
        ("tokens (parallel)", read_all_par(&corpus, &tokens)),
    ] {
        assert_eq!(
            got.warnings, 0,
            "{name}: the reader warned on a clean corpus"
        );
        let got = (
            got.requests,
            got.input,
            got.cache_read,
            got.cache_write,
            got.output,
        );
        assert_eq!(
            got, truth,
            "{name}: (requests, input, reads, writes, output) differ"
        );
    }
    eprintln!(
        "corpus: {} files in {} projects, {bytes} bytes ({:.1} MiB), {} requests; rayon threads: {}",
        expected.files,
        corpus.len(),
        bytes as f64 / 1_048_576.0,
        t.requests,
        rayon::current_num_threads()
    );

    let mut g = c.benchmark_group("claude_reader");
    g.throughput(Throughput::BytesDecimal(bytes))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("tokens/1-thread", |b| {
        b.iter(|| black_box(read_all(black_box(&corpus), &tokens)))
    });
    g.bench_function("full/1-thread", |b| {
        b.iter(|| black_box(read_all(black_box(&corpus), &full)))
    });
    g.bench_function("tokens/all-cores", |b| {
        b.iter(|| black_box(read_all_par(black_box(&corpus), &tokens)))
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
