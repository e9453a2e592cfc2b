//! Anomaly engine throughput with every built-in rule on, and its memory with 100 000
//! sessions open at once.
//!
//! - `engine/scenarios`: the labelled scenario set (`agentobs_corpus::scenarios`: 1 040
//!   sessions of every shape, ~190 k events) through an [`Engine`] with [`RuleSet::default`]
//!   (elements = events, one thread; the engine is built outside the timing, its `finish`
//!   inside);
//! - `engine/rollouts`: events read (with content) from synthetic Codex 0.169 rollouts;
//! - then, outside criterion, 100 000 sessions interleaved — each opened before any ends —
//!   and the peak resident set size the process reached (`VmHWM`), against the same events
//!   through an engine with no rules.
//!
//! Before measuring, the run is checked to raise the alerts the scenario labels expect, so
//! a fast but blind engine fails the bench instead of reporting a figure.
//!
//! ```text
//! cargo bench --bench anomaly
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentobs::anomaly::{Engine, RuleSet};
use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::schema::*;
use agentobs_corpus::generate_rollout_bytes;
use agentobs_corpus::scenarios::scenarios;
use criterion::{BatchSize, Criterion, Throughput};

fn engine() -> Engine {
    Engine::builder().rules(RuleSet::default()).build()
}

fn run(events: &[Event]) -> usize {
    feed(engine(), events)
}

fn feed(mut engine: Engine, events: &[Event]) -> usize {
    for e in events {
        let _ = engine.event(e);
    }
    engine.finish().len()
}

fn rollout_events() -> Vec<Event> {
    let mut sink = Collect::default();
    for i in 0..16 {
        let bytes = generate_rollout_bytes(0xA11_0000 + i, 256 << 10);
        let opts = ReadOptions::default().with_content(true);
        let mut r = RolloutReader::new(bytes.as_slice(), format!("bench-{i}.jsonl"), opts);
        let _ = r.feed(&mut sink);
    }
    sink.events
}

/// Peak resident set size of this process so far, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// 100 000 sessions, each with a start, a request, two tool calls and a turn end, fed
/// round-robin so that every session is open before the first ends.
fn concurrent(sessions: usize, rules: bool) -> (Duration, u64, usize) {
    let mut engine = if rules {
        Engine::builder().rules(RuleSet::default())
    } else {
        Engine::builder()
    }
    .max_sessions(sessions)
    .build();
    let ctxs: Vec<Arc<SessionContext>> = (0..sessions)
        .map(|i| {
            let mut c = SessionContext::new(Harness::Codex);
            c.thread_id = Some(format!("session-{i:06}"));
            c.model = Some("gpt-5".into());
            Arc::new(c)
        })
        .collect();
    let path: Arc<str> = Arc::from("concurrent.jsonl");
    let start = Instant::now();
    for step in 0..5u64 {
        for (i, ctx) in ctxs.iter().enumerate() {
            let at =
                Timestamp::from_unix_millis(1_795_000_000_000 + (step * 1000) as i64 + i as i64);
            let kind = match step {
                0 => EventKind::TurnStarted(TurnStarted::default()),
                1 => {
                    let u = TokenUsage {
                        input_tokens: 20_000,
                        output_tokens: 300,
                        ..TokenUsage::default()
                    };
                    EventKind::TokenUsage(TokenUsageEvent::new(u))
                }
                2 | 3 => {
                    let mut r = ToolResult::new("exec_command");
                    r.arguments = Redacted::shown(format!("{{\"cmd\":\"ls {step}\"}}"));
                    r.exit_code = Some(0);
                    EventKind::ToolResult(r)
                }
                _ => EventKind::TurnCompleted(TurnCompleted::default()),
            };
            let ev = Event::new(at, ctx.clone(), kind)
                .with_src(path.clone(), step * sessions as u64 + i as u64);
            let _ = engine.event(&ev);
        }
    }
    let elapsed = start.elapsed();
    let peak = engine.stats().peak_open;
    let alerts = engine.finish().len();
    (elapsed, peak, alerts)
}

fn main() {
    let set = scenarios(2026, 800, 30);
    let events: Vec<Event> = set.iter().flat_map(|s| s.events.iter().cloned()).collect();
    let alerts = run(&events);
    let labelled = set.iter().filter(|s| s.label.is_some()).count();
    assert!(
        alerts >= labelled,
        "{alerts} alerts for {labelled} planted troubles"
    );
    let rollouts = rollout_events();

    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(8));
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(events.len() as u64));
    // The engine is built outside the timing (building it loads the embedded price book).
    g.bench_function("scenarios", |b| {
        b.iter_batched(
            engine,
            |e| black_box(feed(e, &events)),
            BatchSize::SmallInput,
        )
    });
    g.throughput(Throughput::Elements(rollouts.len() as u64));
    g.bench_function("rollouts", |b| {
        b.iter_batched(
            engine,
            |e| black_box(feed(e, &rollouts)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
    c.final_summary();
    eprintln!(
        "{} scenario events, {} rollout events",
        events.len(),
        rollouts.len()
    );

    let before = peak_rss_kib().unwrap_or(0);
    let (t0, peak0, _) = concurrent(100_000, false);
    let no_rules = peak_rss_kib().unwrap_or(0);
    let (t1, peak1, alerts1) = concurrent(100_000, true);
    let with_rules = peak_rss_kib().unwrap_or(0);
    eprintln!(
        "100000 concurrent sessions: peak RSS {before} KiB before, {no_rules} KiB after no rules \
         ({peak0} open, {:.0} ms), {with_rules} KiB after every rule ({peak1} open, {:.0} ms, \
         {alerts1} alerts)",
        t0.as_secs_f64() * 1000.0,
        t1.as_secs_f64() * 1000.0
    );
}
