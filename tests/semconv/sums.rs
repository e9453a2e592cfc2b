//! Token sums of every dialect equal the reader's billed usage exactly — on every fixture and
//! on a generated corpus with every accounting trap — and cost equals `agentobs report`'s.

use std::sync::atomic::AtomicUsize;

use agentobs::codex::discover;
use agentobs::schema::TokenUsage;
use agentobs::semconv::{PointValue, Signals};
use agentobs_corpus::{CorpusSpec, generate};
use agentobs_report::{DeveloperFallback, ReportOptions};

use super::*;

fn span_sum(s: &Signals, kind_key: &str, kind: &str, keys: [&str; 5]) -> TokenUsage {
    let mut t = TokenUsage::default();
    for sp in s
        .spans
        .iter()
        .filter(|sp| sp.attributes.get_str(kind_key) == Some(kind))
    {
        let get = |k: &str| sp.attributes.get_int(k).unwrap_or(0) as u64;
        t += TokenUsage {
            input_tokens: get(keys[0]),
            cached_input_tokens: get(keys[1]),
            cache_write_input_tokens: get(keys[2]),
            output_tokens: get(keys[3]),
            reasoning_output_tokens: get(keys[4]),
            cache_write_1h_input_tokens: 0,
        };
    }
    t
}

fn metric_sum(s: &Signals, name: &str, attr: Option<(&str, &str)>) -> u64 {
    s.metrics_named(name)
        .filter(|m| attr.is_none_or(|(k, v)| m.attributes.get_str(k) == Some(v)))
        .map(|m| match &m.value {
            PointValue::Sum(v) => *v as u64,
            PointValue::Histogram(h) => h.sum as u64,
        })
        .sum()
}

fn log_sum(s: &Signals, key: &str) -> u64 {
    s.logs_named("codex.sse_event")
        .filter_map(|l| l.attributes.get_str(key))
        .map(|v| v.parse::<u64>().unwrap())
        .sum()
}

/// Asserts every dialect's token figures on `files` equal `want`.
fn assert_sums(label: &str, files: &[PathBuf], want: TokenUsage) {
    let g = map_files(files, "genai", ContentPolicy::default());
    let chat = [
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.reasoning.output_tokens",
    ];
    assert_eq!(
        span_sum(&g, "gen_ai.operation.name", "chat", chat),
        want,
        "{label}: genai chat spans"
    );
    assert_eq!(
        span_sum(&g, "gen_ai.operation.name", "invoke_agent", chat),
        want,
        "{label}: genai agent spans"
    );
    let tt = Some(("gen_ai.token.type", "input"));
    assert_eq!(
        metric_sum(&g, "gen_ai.client.token.usage", tt),
        want.input_tokens,
        "{label}"
    );
    let tt = Some(("gen_ai.token.type", "output"));
    assert_eq!(
        metric_sum(&g, "gen_ai.client.token.usage", tt),
        want.output_tokens,
        "{label}"
    );

    let l = map_files(files, "genai-latest", ContentPolicy::default());
    let mut chat_latest = chat;
    chat_latest[2] = "gen_ai.usage.cache_write.input_tokens";
    assert_eq!(
        span_sum(&l, "gen_ai.operation.name", "chat", chat_latest),
        want,
        "{label}: latest"
    );
    for (m, v) in [
        (
            "gen_ai.client.inference.usage.input_tokens",
            want.input_tokens,
        ),
        (
            "gen_ai.client.inference.usage.cache_read.input_tokens",
            want.cached_input_tokens,
        ),
        (
            "gen_ai.client.inference.usage.cache_write.input_tokens",
            want.cache_write_input_tokens,
        ),
        (
            "gen_ai.client.inference.usage.output_tokens",
            want.output_tokens,
        ),
        (
            "gen_ai.client.inference.usage.reasoning.output_tokens",
            want.reasoning_output_tokens,
        ),
    ] {
        assert_eq!(metric_sum(&l, m, None), v, "{label}: {m}");
    }

    let o = map_files(files, "openinference", ContentPolicy::default());
    let llm = [
        "llm.token_count.prompt",
        "llm.token_count.prompt_details.cache_read",
        "llm.token_count.prompt_details.cache_write",
        "llm.token_count.completion",
        "llm.token_count.completion_details.reasoning",
    ];
    assert_eq!(
        span_sum(&o, "openinference.span.kind", "LLM", llm),
        want,
        "{label}: openinference"
    );
    let total: u64 = o
        .spans
        .iter()
        .filter_map(|s| s.attributes.get_int("llm.token_count.total"))
        .map(|v| v as u64)
        .sum();
    assert_eq!(total, want.total_tokens(), "{label}");

    let c = map_files(files, "codex", ContentPolicy::default());
    let got = TokenUsage {
        input_tokens: log_sum(&c, "input_token_count"),
        cached_input_tokens: log_sum(&c, "cached_token_count"),
        cache_write_input_tokens: log_sum(&c, "cache_write_token_count"),
        output_tokens: log_sum(&c, "output_token_count"),
        reasoning_output_tokens: log_sum(&c, "reasoning_token_count"),
        cache_write_1h_input_tokens: 0,
    };
    assert_eq!(got, want, "{label}: codex logs");
    for (ty, v) in [
        ("input", want.input_tokens),
        ("cached_input", want.cached_input_tokens),
        ("cache_write_input", want.cache_write_input_tokens),
        ("output", want.output_tokens),
        ("reasoning_output", want.reasoning_output_tokens),
        ("total", want.total_tokens()),
    ] {
        let got = metric_sum(&c, "codex.turn.token_usage", Some(("token_type", ty)));
        assert_eq!(got, v, "{label}: codex.turn.token_usage {ty}");
    }
}

#[test]
fn every_dialect_bills_what_the_reader_bills_on_every_fixture() {
    for (name, files) in fixture_sets() {
        let want = usage_sum(&events_of(&files));
        assert_sums(&name, &files, want);
    }
}

#[test]
fn every_dialect_bills_what_the_reader_bills_on_a_trap_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CorpusSpec {
        size_bytes: 2 << 20,
        files: 24,
        seed: 11,
        traps: true,
    };
    let expected = generate(dir.path(), &spec).unwrap();
    let files: Vec<PathBuf> = discover(&[dir.path().to_path_buf()])
        .unwrap()
        .into_iter()
        .map(|f| f.path)
        .collect();
    let want = usage_sum(&events_of(&files));
    assert_eq!(
        want.input_tokens, expected.usage.input_tokens,
        "reader = ground truth"
    );
    assert_eq!(want.output_tokens, expected.usage.output_tokens);
    assert_sums("corpus", &files, want);
}

#[test]
fn cost_on_spans_equals_the_report() {
    for (name, files) in fixture_sets() {
        let dir = tempfile::tempdir().unwrap();
        for f in &files {
            let name = f.file_name().unwrap().to_string_lossy();
            // Discovery reads `rollout-*.jsonl`; the hand-made fixtures get the prefix.
            let name = if name.starts_with("rollout-") {
                name.into_owned()
            } else {
                format!("rollout-{name}")
            };
            std::fs::copy(f, dir.path().join(name)).unwrap();
        }
        let opts = ReportOptions::default().with_developer(DeveloperFallback::None);
        let (report, _) =
            agentobs_report::run(&[dir.path().to_path_buf()], &opts, &AtomicUsize::new(0)).unwrap();
        let s = map_files(&files, "genai", ContentPolicy::default());
        let chats: Vec<_> = s
            .spans
            .iter()
            .filter(|sp| sp.attributes.get_str("gen_ai.operation.name") == Some("chat"))
            .filter(|sp| sp.attributes.contains("gen_ai.usage.input_tokens"))
            .collect();
        let unpriced = chats
            .iter()
            .any(|c| c.attributes.contains("agentobs.cost.unpriced"));
        let cost: f64 = chats
            .iter()
            .filter_map(|c| {
                c.attributes
                    .get("agentobs.cost.usd")
                    .and_then(|v| v.as_f64())
            })
            .sum();
        assert_eq!(
            report.totals.input_tokens,
            usage_sum(&events_of(&files)).input_tokens,
            "{name}: the report read the same files"
        );
        match report.totals.cost_usd {
            Some(want) => {
                assert!(!unpriced, "{name}");
                assert!(
                    (cost - want).abs() < 1e-9,
                    "{name}: spans {cost} vs report {want}"
                );
            }
            None => assert!(
                unpriced || chats.is_empty(),
                "{name}: the report has an unpriced model"
            ),
        }
    }
}

/// The `agentobs.cost.usd` counter's sum in `s`.
fn cost_counter(s: &Signals) -> (f64, usize) {
    let points: Vec<f64> = s
        .metrics_named("agentobs.cost.usd")
        .map(|m| {
            assert_eq!(m.unit, "USD");
            match &m.value {
                PointValue::Sum(v) => *v,
                PointValue::Histogram(_) => panic!("agentobs.cost.usd is a counter"),
            }
        })
        .collect();
    (points.iter().sum(), points.len())
}

#[test]
fn cost_counter_of_every_dialect_equals_the_report() {
    let mut priced = Vec::new();
    for (name, files) in fixture_sets() {
        let dir = tempfile::tempdir().unwrap();
        for f in &files {
            let n = f.file_name().unwrap().to_string_lossy();
            let n = if n.starts_with("rollout-") {
                n.into_owned()
            } else {
                format!("rollout-{n}")
            };
            std::fs::copy(f, dir.path().join(n)).unwrap();
        }
        let opts = ReportOptions::default().with_developer(DeveloperFallback::None);
        let (report, _) =
            agentobs_report::run(&[dir.path().to_path_buf()], &opts, &AtomicUsize::new(0)).unwrap();
        // The priced requests' cost on the spans: what the counter must add up to when some
        // requests are unpriced (they add nothing, never $0).
        let g = map_files(&files, "genai", ContentPolicy::default());
        let chat_cost: f64 = g
            .spans
            .iter()
            .filter(|sp| sp.attributes.get_str("gen_ai.operation.name") == Some("chat"))
            .filter_map(|sp| sp.attributes.get("agentobs.cost.usd")?.as_f64())
            .sum();
        let priced_chats = g
            .spans
            .iter()
            .filter(|sp| sp.attributes.get_str("gen_ai.operation.name") == Some("chat"))
            .filter(|sp| sp.attributes.contains("agentobs.cost.usd"))
            .count();
        for d in DIALECTS {
            let s = map_files(&files, d, ContentPolicy::default());
            let (sum, points) = cost_counter(&s);
            match report.totals.cost_usd {
                Some(want) => assert!(
                    (sum - want).abs() < 1e-9,
                    "{d} {name}: counter {sum} vs report {want}"
                ),
                None => assert!(
                    (sum - chat_cost).abs() < 1e-9,
                    "{d} {name}: counter {sum} vs priced requests {chat_cost}"
                ),
            }
            if priced_chats == 0 {
                assert_eq!(points, 0, "{d} {name}: no priced request, no cost series");
            }
        }
        if report.totals.cost_usd.is_some_and(|c| c > 0.0) {
            priced.push(name);
        }
    }
    assert!(
        priced.iter().any(|n| n == "codex-0.169-tool"),
        "the tool fixture is priced: {priced:?}"
    );
}

/// Prices every other request with the embedded book; the rest are unpriced.
struct EveryOther(std::sync::atomic::AtomicUsize, agentobs::BookPricer);

impl agentobs::semconv::Pricer for EveryOther {
    fn price(
        &self,
        ctx: &agentobs::schema::SessionContext,
        request: &agentobs::schema::TokenUsageEvent,
    ) -> Option<agentobs::semconv::Cost> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n.is_multiple_of(2) {
            self.1.price(ctx, request)
        } else {
            None
        }
    }
}

#[test]
fn unpriced_requests_add_nothing_to_the_cost_counter() {
    use agentobs::codex::{ReadOptions, RolloutReader};
    use agentobs::semconv::{Mapper, NoPrices, Pricer};
    let files: Vec<PathBuf> = fixture_sets()
        .into_iter()
        .find(|(n, _)| n == "codex-0.169-tool")
        .unwrap()
        .1;
    let map = |d: &str, pricer: Box<dyn Pricer>| {
        struct Boxed(Box<dyn Pricer>);
        impl Pricer for Boxed {
            fn price(
                &self,
                ctx: &agentobs::schema::SessionContext,
                r: &agentobs::schema::TokenUsageEvent,
            ) -> Option<agentobs::semconv::Cost> {
                self.0.price(ctx, r)
            }
        }
        let mut mapper = Mapper::new(dialect(d), Signals::default()).with_pricer(Boxed(pricer));
        for f in &files {
            let mut reader = RolloutReader::open(f, ReadOptions::default()).unwrap();
            let _ = reader.feed(&mut mapper);
        }
        mapper.finish().0
    };
    for d in DIALECTS {
        // Nothing priced: no cost series at all (never a $0 one).
        let none = map(d, Box::new(NoPrices));
        assert_eq!(cost_counter(&none), (0.0, 0), "{d}");
        // Half priced: the counter is the priced half's cost, as on the chat spans.
        let half = map(d, Box::new(EveryOther(Default::default(), pricer())));
        let g = map("genai", Box::new(EveryOther(Default::default(), pricer())));
        let chats: Vec<_> = g
            .spans
            .iter()
            .filter(|sp| sp.attributes.get_str("gen_ai.operation.name") == Some("chat"))
            .filter(|sp| sp.attributes.contains("gen_ai.usage.input_tokens"))
            .collect();
        assert!(
            chats
                .iter()
                .any(|c| c.attributes.contains("agentobs.cost.unpriced"))
        );
        let want: f64 = chats
            .iter()
            .filter_map(|c| c.attributes.get("agentobs.cost.usd")?.as_f64())
            .sum();
        let (sum, _) = cost_counter(&half);
        assert!(want > 0.0, "{d}");
        assert!(
            (sum - want).abs() < 1e-9,
            "{d}: counter {sum} vs spans {want}"
        );
        let full = map(d, Box::new(pricer()));
        assert!(cost_counter(&full).0 > sum, "{d}");
    }
}
