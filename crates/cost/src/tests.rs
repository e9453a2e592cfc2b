//! Unit tests with hand-computed numbers. Rates in comments are USD per 1M tokens.

use std::path::{Path, PathBuf};

use agentobs_schema::TokenUsage;
use proptest::prelude::*;

use crate::{CostBreakdown, ModelPrice, PriceBook, PriceError, ServiceTier};

const STD: ServiceTier = ServiceTier::Standard;

#[track_caller]
fn approx(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

fn usage(input: u64, cached: u64, write: u64, output: u64, reasoning: u64) -> TokenUsage {
    TokenUsage {
        input_tokens: input,
        cached_input_tokens: cached,
        cache_write_input_tokens: write,
        output_tokens: output,
        reasoning_output_tokens: reasoning,
        cache_write_1h_input_tokens: 0,
    }
}

fn price(model: &str, u: &TokenUsage, tier: ServiceTier) -> CostBreakdown {
    PriceBook::embedded()
        .price(model, u, u.input_tokens, tier)
        .unwrap_or_else(|| panic!("{model} is not priced"))
}

/// A fresh file under the system temp dir (no tempfile dependency).
fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agentobs-cost-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

// ------------------------------------------------------------------ pricing

#[test]
fn plain_gpt5_request() {
    // 1000 · 1.25 + 500 · 10 = 1250 + 5000 per 1M → 0.00125 + 0.005 = 0.00625
    let c = price("gpt-5", &usage(1000, 0, 0, 500, 0), STD);
    approx(c.input_usd, 0.00125);
    approx(c.output_usd, 0.005);
    assert_eq!(c.cached_input_usd, 0.0);
    assert_eq!(c.cache_write_usd, 0.0);
    approx(c.total_usd(), 0.00625);
    assert_eq!(c.tier_applied, None);
    assert_eq!(c.service_tier, ServiceTier::Standard);
    assert!(!c.tier_fallback);
}

#[test]
fn cached_input_is_part_of_input_and_reasoning_is_part_of_output() {
    // plain 20_000 · 1.25 = 0.025; cached 80_000 · 0.125 = 0.01; output 2_000 · 10 = 0.02
    let u = usage(100_000, 80_000, 0, 2_000, 1_500);
    let c = price("gpt-5", &u, STD);
    approx(c.input_usd, 0.025);
    approx(c.cached_input_usd, 0.01);
    approx(c.output_usd, 0.02);
    approx(c.total_usd(), 0.055);
    // Reasoning is already inside output: the same usage without it costs the same.
    let no_reasoning = price("gpt-5", &usage(100_000, 80_000, 0, 2_000, 0), STD);
    assert_eq!(c, no_reasoning);
}

#[test]
fn cache_write_with_a_write_price() {
    // claude-sonnet-4-5: 3 / 0.30 / 3.75 / 15.
    // plain (10_000 − 2_000 − 5_000) · 3 = 0.009; cached 2_000 · 0.3 = 0.0006;
    // write 5_000 · 3.75 = 0.01875; output 1_000 · 15 = 0.015; total 0.04335
    let c = price(
        "claude-sonnet-4-5",
        &usage(10_000, 2_000, 5_000, 1_000, 0),
        STD,
    );
    approx(c.input_usd, 0.009);
    approx(c.cached_input_usd, 0.0006);
    approx(c.cache_write_usd, 0.01875);
    approx(c.output_usd, 0.015);
    approx(c.total_usd(), 0.04335);
}

#[test]
fn one_hour_cache_writes_are_billed_at_their_own_rate() {
    // claude-opus-4-8: 5 / 0.50 / 6.25 (1h: 10) / 25. Writes 1_000, of which 600 one-hour:
    // 400 · 6.25 + 600 · 10 = 2_500 + 6_000 per 1M = 0.0085; plain 10 · 5 = 0.00005;
    // cached 100 · 0.5 = 0.00005; output 5 · 25 = 0.000125; total 0.008725.
    let mut u = usage(1_110, 100, 1_000, 5, 0);
    u.cache_write_1h_input_tokens = 600;
    let c = price("claude-opus-4-8", &u, STD);
    approx(c.cache_write_usd, 0.0085);
    approx(c.total_usd(), 0.008725);
    // The ledger's per-class rates give the same number.
    let mut buckets = Vec::new();
    let at = agentobs_schema::Timestamp::parse_rfc3339("2026-11-10T10:00:00Z").unwrap();
    crate::ledger::add_request(&mut buckets, at, "claude-opus-4-8", false, None, 1_110, u);
    let mut ledger = crate::Ledger::new(
        vec![crate::Dimension::Model],
        jiff::tz::TimeZone::UTC,
        PriceBook::embedded(),
        crate::TierPolicy::default(),
    );
    ledger.add_thread(
        &crate::ThreadFacts {
            thread_id: "t".into(),
            ..Default::default()
        },
        &buckets,
    );
    approx(ledger.rows().next().unwrap().1.cost().unwrap(), 0.008725);
    // A split larger than the writes is clamped to them: all 1_000 at 10 = 0.01.
    u.cache_write_1h_input_tokens = 5_000;
    approx(price("claude-opus-4-8", &u, STD).cache_write_usd, 0.01);
    // claude-opus-5-5 (4 / 0.20 / 5, 1h: 8 / 20), the request Claude Code 2.1.332 billed at
    // $0.007094: plain 101 · 4 = 404; cached 3_100 · 0.2 = 620; writes 810 · 5 + 200 · 8 =
    // 5_650; output 21 · 20 = 420; 7_094 per 1M.
    let mut o = usage(4_211, 3_100, 1_010, 21, 0);
    o.cache_write_1h_input_tokens = 200;
    approx(price("claude-opus-5-5", &o, STD).total_usd(), 0.007094);
    // Without a one-hour rate (OpenAI), one-hour writes fall back to the write rate.
    let mut g = usage(10_000, 0, 4_000, 0, 0);
    g.cache_write_1h_input_tokens = 4_000;
    approx(price("gpt-5", &g, STD).total_usd(), 0.0125);
}

#[test]
fn a_reported_cost_gives_the_lifetime_split_the_tokens_leave_open() {
    use agentobs_schema::{Harness, SessionContext, Timestamp, TokenUsageEvent};
    // Claude Code's OTLP gives 1_010 cache writes without their lifetime, and its own
    // cost_usd. claude-opus-5-5 (4 / 0.20 / 5, 1h: 8 / 20): all five-minute, the request is
    // 404 + 620 + 1_010 · 5 + 420 = 6_494 per 1M; each one-hour write adds 8 − 5 = 3 per 1M.
    // Reported $0.007094 = 6_494 + 3 · 200: 200 one-hour writes, and the cost is the CLI's.
    let mut ctx = SessionContext::new(Harness::ClaudeCode);
    ctx.model = Some("claude-opus-5-5".into());
    let book = PriceBook::embedded();
    let request = |reported: Option<f64>, one_hour: u64| {
        let mut u = usage(4_211, 3_100, 1_010, 21, 0);
        u.cache_write_1h_input_tokens = one_hour;
        let mut e = TokenUsageEvent::new(u);
        e.reported_cost_usd = reported;
        let r = crate::Request::new(Timestamp::default(), &ctx, &e);
        (
            r.one_hour_writes(&book, STD),
            r.cost(&book, STD).unwrap().total_usd(),
        )
    };
    let (n, cost) = request(Some(0.007094), 0);
    assert_eq!(n, Some(200));
    approx(cost, 0.007094);
    // No reported cost, or one the five-minute reading already explains: five-minute writes.
    let (n, cost) = request(None, 0);
    assert_eq!(n, None);
    approx(cost, 0.006494);
    assert_eq!(request(Some(0.006494), 0).0, None);
    // Every write one-hour (6_494 + 3 · 1_010 = 9_524) is the most the cost can say.
    assert_eq!(request(Some(0.009524), 0).0, Some(1_010));
    // More than that, or a cost that is no whole number of premiums: the harness priced with
    // other rates, so the book's reading stands.
    for other in [0.009527, 0.0070945, 0.5, -1.0, f64::NAN] {
        let (n, cost) = request(Some(other), 0);
        assert_eq!(n, None, "{other}");
        approx(cost, 0.006494);
    }
    // A source that gave the split keeps it, whatever it reported.
    let (n, cost) = request(Some(0.009524), 200);
    assert_eq!(n, None);
    approx(cost, 0.007094);
}

#[test]
fn cache_write_without_a_write_price_is_billed_at_input_rate() {
    // gpt-5 has no write price: 6_000 · 1.25 + 4_000 · 1.25 = 0.0075 + 0.005 = 0.0125,
    // the same as 10_000 plain input tokens; a 1.25× premium would give 0.01375.
    let c = price("gpt-5", &usage(10_000, 0, 4_000, 0, 0), STD);
    approx(c.input_usd, 0.0075);
    approx(c.cache_write_usd, 0.005);
    approx(c.total_usd(), 0.0125);
    let plain = price("gpt-5", &usage(10_000, 0, 0, 0, 0), STD);
    approx(c.total_usd(), plain.total_usd());
}

#[test]
fn inconsistent_subsets_are_clamped_to_input() {
    // cached 15_000 > input 10_000: clamp to 10_000 cached, 0 plain, 0 write.
    // 10_000 · 0.125 = 0.00125
    let c = price("gpt-5", &usage(10_000, 15_000, 3_000, 0, 0), STD);
    assert_eq!(c.input_usd, 0.0);
    assert_eq!(c.cache_write_usd, 0.0);
    approx(c.cached_input_usd, 0.00125);
}

#[test]
fn long_context_tier_on_gpt_5_4() {
    let book = PriceBook::embedded();
    // prompt 272_001 > 272_000: whole request at 5 / 0.5 / 22.5.
    // plain 72_001 · 5 = 0.360005; cached 200_000 · 0.5 = 0.1; output 1_000 · 22.5 = 0.0225
    let u = usage(272_001, 200_000, 0, 1_000, 0);
    let c = book.price("gpt-5.4", &u, 272_001, STD).unwrap();
    approx(c.input_usd, 0.360005);
    approx(c.cached_input_usd, 0.1);
    approx(c.output_usd, 0.0225);
    approx(c.total_usd(), 0.482505);
    assert_eq!(c.tier_applied, Some("above_272k"));

    // prompt 272_000 is not above the threshold: 2.5 / 0.25 / 15.
    // plain 72_000 · 2.5 = 0.18; cached 200_000 · 0.25 = 0.05; output 1_000 · 15 = 0.015
    let u = usage(272_000, 200_000, 0, 1_000, 0);
    let c = book.price("gpt-5.4", &u, 272_000, STD).unwrap();
    approx(c.total_usd(), 0.245);
    assert_eq!(c.tier_applied, None);

    // The tier follows prompt_tokens, not the (possibly aggregated) usage.
    let c = book
        .price("gpt-5.4", &usage(10_000, 0, 0, 0, 0), 300_000, STD)
        .unwrap();
    approx(c.total_usd(), 0.05); // 10_000 · 5
}

#[test]
fn long_context_tier_on_gpt_5_5_and_none_for_first_party_sonnet() {
    // gpt-5.5 above 272k: 300_000 · 10 + 1_000 · 45 = 3.0 + 0.045
    let c = price("gpt-5.5", &usage(300_000, 0, 0, 1_000, 0), STD);
    approx(c.total_usd(), 3.045);
    assert_eq!(c.tier_applied, Some("above_272k"));

    // claude-sonnet-4-5 first-party has no >200k tier: 250_000 · 3 = 0.75
    let c = price("claude-sonnet-4-5", &usage(250_000, 0, 0, 0, 0), STD);
    approx(c.total_usd(), 0.75);
    assert_eq!(c.tier_applied, None);

    // The Bedrock Sonnet 4 key has one: 250_000 · 6 + 1_000 · 22.5 = 1.5 + 0.0225
    let c = price(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        &usage(250_000, 0, 0, 1_000, 0),
        STD,
    );
    approx(c.total_usd(), 1.5225);
    assert_eq!(c.tier_applied, Some("above_200k"));
}

#[test]
fn priority_on_gpt5() {
    // 2.5 / 0.25 / 20: plain 6_000 · 2.5 = 0.015; cached 4_000 · 0.25 = 0.001;
    // output 1_000 · 20 = 0.02; total 0.036
    let c = price(
        "gpt-5",
        &usage(10_000, 4_000, 0, 1_000, 0),
        ServiceTier::Priority,
    );
    approx(c.input_usd, 0.015);
    approx(c.cached_input_usd, 0.001);
    approx(c.output_usd, 0.02);
    approx(c.total_usd(), 0.036);
    assert_eq!(c.service_tier, ServiceTier::Priority);
    assert!(!c.tier_fallback);
}

#[test]
fn flex_and_batch_on_gpt5() {
    // 0.625 / 0.0625 / 5: 10_000 · 0.625 + 1_000 · 5 = 0.00625 + 0.005 = 0.01125
    for tier in [ServiceTier::Flex, ServiceTier::Batch] {
        let c = price("gpt-5", &usage(10_000, 0, 0, 1_000, 0), tier);
        approx(c.total_usd(), 0.01125);
        assert_eq!(c.service_tier, tier);
        assert!(!c.tier_fallback);
    }
    // cached under flex: 8_000 · 0.0625 = 0.0005
    let c = price("gpt-5", &usage(8_000, 8_000, 0, 0, 0), ServiceTier::Flex);
    approx(c.cached_input_usd, 0.0005);
}

#[test]
fn priority_rates_win_over_long_context() {
    // gpt-5.4 priority 5 / 0.5 / 30 even above 272k (no long-context priority rates):
    // 300_000 · 5 + 1_000 · 30 = 1.5 + 0.03 = 1.53
    let c = price(
        "gpt-5.4",
        &usage(300_000, 0, 0, 1_000, 0),
        ServiceTier::Priority,
    );
    approx(c.total_usd(), 1.53);
    assert_eq!(c.tier_applied, None);
    assert_eq!(c.service_tier, ServiceTier::Priority);
}

#[test]
fn missing_service_tier_falls_back_to_standard_with_a_flag() {
    // gpt-5-codex has no flex: standard 10_000 · 1.25 + 1_000 · 10 = 0.0125 + 0.01 = 0.0225
    let c = price(
        "gpt-5-codex",
        &usage(10_000, 0, 0, 1_000, 0),
        ServiceTier::Flex,
    );
    approx(c.total_usd(), 0.0225);
    assert!(c.tier_fallback);
    assert_eq!(c.service_tier, ServiceTier::Standard);

    // gpt-5.4 has no batch: standard rates, long context included.
    // 300_000 · 5 = 1.5
    let c = price("gpt-5.4", &usage(300_000, 0, 0, 0, 0), ServiceTier::Batch);
    approx(c.total_usd(), 1.5);
    assert!(c.tier_fallback);
    assert_eq!(c.tier_applied, Some("above_272k"));

    // Standard is never a fallback.
    assert!(!price("gpt-5-codex", &usage(1, 0, 0, 1, 0), STD).tier_fallback);
}

#[test]
fn unknown_models_have_no_price() {
    let book = PriceBook::embedded();
    let u = usage(1_000, 0, 0, 100, 0);
    for model in [
        "gpt-5.9",
        "codex-auto-review",
        "codex-mini-latest",
        "gpt-reserve",
        "gpt-5.1",
        "o3-mini",
        "claude-sonnet-4",
        "claude-sonnet-4-20250514",
        "claude-opus-4-1",
        "",
    ] {
        assert!(book.price(model, &u, 1_000, STD).is_none(), "{model}");
    }
    assert!(PriceBook::empty().price("gpt-5", &u, 1_000, STD).is_none());
}

// ------------------------------------------------------------------ lookup

#[track_caller]
fn resolves(book: &PriceBook, name: &str, key: &str, normalised: bool) {
    let r = book
        .resolve(name)
        .unwrap_or_else(|| panic!("{name} did not resolve"));
    assert_eq!((r.key, r.normalised), (key, normalised), "{name}");
}

#[test]
fn normalisation_steps() {
    let b = PriceBook::embedded();
    resolves(&b, "gpt-5", "gpt-5", false);
    resolves(&b, "  GPT-5 ", "gpt-5", true);
    resolves(&b, "openai/gpt-5", "gpt-5", true);
    resolves(&b, "openrouter/openai/gpt-5.4", "gpt-5.4", true);
    resolves(&b, "azure/gpt-4.1-2025-04-14", "gpt-4.1", true);
    resolves(&b, "gpt-4.1-2025-04-14", "gpt-4.1", true);
    resolves(
        &b,
        "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-5-20250929",
        false,
    );
    resolves(&b, "claude-haiku-4-5-20251001", "claude-haiku-4-5", true);
    resolves(&b, "claude-sonnet-4.5", "claude-sonnet-4-5", true);
    resolves(&b, "Anthropic/Claude-Opus-4.5", "claude-opus-4-5", true);
    resolves(
        &b,
        "claude-sonnet-4.5-20250929",
        "claude-sonnet-4-5-20250929",
        true,
    );
    resolves(&b, "o3", "o3", false);
    resolves(&b, "gpt-5.1-codex-mini", "gpt-5.1-codex-mini", false);
}

#[test]
fn no_fuzzy_or_prefix_matching() {
    let only = |key: &str| {
        PriceBook::from_toml_str(
            &format!("[models.\"{key}\"]\ninput = 1.0\noutput = 2.0\n"),
            "inline.toml",
        )
        .unwrap()
    };
    assert!(only("o3-mini").resolve("o3").is_none());
    assert!(only("o3").resolve("o3-mini").is_none());
    assert!(
        only("gpt-5.1-codex")
            .resolve("gpt-5.1-codex-mini")
            .is_none()
    );
    assert!(only("gpt-5").resolve("gpt-5.9").is_none());
    assert!(only("gpt-4.1").resolve("gpt-4.1-mini-2025-04-14").is_none());
}

#[test]
fn regional_bedrock_keys_are_never_chosen_for_first_party_names() {
    let book = PriceBook::from_toml_str(
        r#"
[models."us.anthropic.claude-haiku-4-5-20251001-v1:0"]
input = 1.1
output = 5.5
[models."eu.anthropic.claude-sonnet-4-5-20250929-v1:0"]
input = 3.3
output = 16.5
"#,
        "regional.toml",
    )
    .unwrap();
    for name in [
        "claude-haiku-4-5",
        "claude-haiku-4-5-20251001",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        "anthropic/claude-sonnet-4.5",
    ] {
        assert!(book.resolve(name).is_none(), "{name}");
    }
    resolves(
        &book,
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        false,
    );
    // And the embedded book has no regional key at all.
    let embedded = PriceBook::embedded();
    assert!(embedded.models().all(|(k, _)| {
        !["eu.", "us.", "jp.", "au.", "apac."]
            .iter()
            .any(|p| k.starts_with(p))
    }));
}

#[test]
fn aliases_from_an_override() {
    let mut book = PriceBook::embedded();
    book.overlay(
        PriceBook::from_toml_str(
            "[aliases]\n\"my-label\" = \"gpt-5\"\n\"dangling\" = \"no-such-model\"\n",
            "aliases.toml",
        )
        .unwrap(),
    );
    resolves(&book, "my-label", "gpt-5", true);
    resolves(&book, "openai/My-Label", "gpt-5", true);
    assert!(book.resolve("dangling").is_none());
    assert_eq!(book.aliases().count(), 2);
}

#[test]
fn alias_that_shadows_a_model_in_the_same_file_is_invalid() {
    let err = PriceBook::from_toml_str(
        "[models.a]\ninput = 1\noutput = 1\n[aliases]\na = \"b\"\n",
        "dup.toml",
    )
    .unwrap_err();
    assert!(matches!(err, PriceError::Invalid { .. }));
    assert!(err.to_string().contains("dup.toml"));
}

// ------------------------------------------------------------------ the embedded snapshot

#[test]
fn embedded_snapshot_metadata_and_rows() {
    let b = PriceBook::embedded();
    assert_eq!(b.snapshot_date(), "2026-11-25");
    assert!(b.source().contains("litellm 1.110.2"), "{}", b.source());
    assert_eq!(b.skipped_entries(), 0);
    let keys: Vec<&str> = b.models().map(|(k, _)| k).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "models() is sorted");
    for key in [
        "gpt-5",
        "gpt-5-codex",
        "gpt-5.1-codex",
        "gpt-5.1-codex-max",
        "gpt-5.1-codex-mini",
        "gpt-5.2",
        "gpt-5.2-codex",
        "gpt-5.3-codex",
        "gpt-5.4",
        "gpt-5.5",
        "gpt-5-mini",
        "gpt-5-nano",
        "o3",
        "o4-mini",
        "gpt-4.1",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-6",
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "claude-opus-4-5",
        "claude-opus-4-6",
        "claude-opus-4-7",
        "claude-opus-4-8",
        "claude-haiku-4-5",
        "claude-opus-5-5",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "gemini-2.5-flash-lite",
        "gemini-3-flash-preview",
        "gemini-3.1-pro-preview",
        "gemini-3.1-pro-preview-customtools",
        "gemini-3.1-flash-lite",
        "gemini-3.5-flash",
        "gemini-3.5-flash-lite",
        "gemini-3.8-flash",
    ] {
        assert!(keys.contains(&key), "{key} missing");
    }
    assert_eq!(keys.len(), 35);
    assert!(!keys.contains(&"gpt-5.1"));
    assert!(!keys.contains(&"codex-mini-latest"));
}

#[test]
fn embedded_rates_are_per_token() {
    let b = PriceBook::embedded();
    let p = |k: &str| b.resolve(k).unwrap().price.clone();
    let gpt5 = p("gpt-5");
    approx(gpt5.input * 1e6, 1.25);
    approx(gpt5.cached_input.unwrap() * 1e6, 0.125);
    assert_eq!(gpt5.cache_write, None);
    approx(gpt5.output * 1e6, 10.0);
    assert_eq!(gpt5.context_window, Some(272_000));
    let flex = gpt5.flex.unwrap();
    approx(flex.input * 1e6, 0.625);
    approx(flex.cached_input.unwrap() * 1e6, 0.0625);
    approx(flex.output * 1e6, 5.0);
    assert_eq!(gpt5.flex, gpt5.batch);
    approx(gpt5.priority.unwrap().output * 1e6, 20.0);

    let g54 = p("gpt-5.4");
    let lc = g54.long_context.unwrap();
    assert_eq!(lc.threshold_tokens, 272_000);
    approx(lc.cached_input.unwrap() * 1e6, 0.5);
    assert_eq!(g54.context_window, Some(1_050_000));
    assert!(p("gpt-5.2-codex").priority.is_none());
    approx(p("gpt-5.3-codex").priority.unwrap().input * 1e6, 3.5);
    approx(p("o3").priority.unwrap().cached_input.unwrap() * 1e6, 0.875);
    approx(p("claude-opus-4-8").cache_write.unwrap() * 1e6, 6.25);
    assert_eq!(p("claude-opus-4-5").context_window, Some(200_000));
    assert_eq!(p("claude-opus-4-6").context_window, Some(1_000_000));
    assert_eq!(p("claude-sonnet-4-5"), p("claude-sonnet-4-5-20250929"));
    // OpenAI entries have no cache-write price.
    for (k, m) in b.models() {
        if k.starts_with("gpt-") || k.starts_with('o') {
            assert_eq!(m.cache_write, None, "{k}");
        }
    }
}

// ------------------------------------------------------------------ override files

const LITELLM: &str = r#"{
  "sample_spec": {
    "input_cost_per_token": 0.0,
    "output_cost_per_token": 0.0,
    "max_input_tokens": "max input tokens, if the provider specifies it"
  },
  "gpt-image-1": { "input_cost_per_image": 0.04, "mode": "image_generation" },
  "text-embedding-3-small": { "input_cost_per_token": 2e-08, "mode": "embedding" },
  "gpt-5": {
    "input_cost_per_token": 2e-06,
    "output_cost_per_token": 1.6e-05,
    "cache_read_input_token_cost": 2e-07,
    "max_input_tokens": 272000
  },
  "gpt-test-9": {
    "input_cost_per_token": 1e-06,
    "output_cost_per_token": 8e-06,
    "cache_read_input_token_cost": 1e-07,
    "input_cost_per_token_above_272k_tokens": 2e-06,
    "output_cost_per_token_above_272k_tokens": 1.2e-05,
    "input_cost_per_token_priority": 2e-06,
    "output_cost_per_token_priority": 1.6e-05,
    "cache_read_input_token_cost_priority": 2e-07,
    "input_cost_per_token_batches": 5e-07,
    "output_cost_per_token_batches": 4e-06,
    "max_input_tokens": 1050000.0
  },
  "claude-test": {
    "input_cost_per_token": 3e-06,
    "output_cost_per_token": 1.5e-05,
    "cache_creation_input_token_cost": 3.75e-06,
    "cache_read_input_token_cost": 3e-07
  }
}"#;

#[test]
fn litellm_json_parses_and_overlays() {
    let json = PriceBook::from_litellm_json_str(LITELLM, "prices.json").unwrap();
    assert_eq!(json.skipped_entries(), 3); // sample_spec, image, embedding (no output cost)
    assert_eq!(json.len(), 3);
    assert_eq!(json.snapshot_date(), "");

    let t = json.resolve("gpt-test-9").unwrap().price;
    assert_eq!(t.context_window, Some(1_050_000));
    let lc = t.long_context.unwrap();
    assert_eq!(lc.threshold_tokens, 272_000);
    assert_eq!(lc.input, 2e-06);
    // no `cache_read_input_token_cost_above_272k_tokens`: the standard cached rate is kept
    assert_eq!(lc.cached_input, Some(1e-07));
    assert_eq!(t.priority.unwrap().cached_input, Some(2e-07));
    let batch = t.batch.unwrap();
    assert_eq!((batch.input, batch.output), (5e-07, 4e-06));
    assert!(t.flex.is_none());
    assert_eq!(
        json.resolve("claude-test").unwrap().price.cache_write,
        Some(3.75e-06)
    );

    let mut book = PriceBook::embedded();
    let before = book.len();
    book.overlay(json);
    assert_eq!(book.len(), before + 2); // gpt-5 replaced, two new
    assert_eq!(book.skipped_entries(), 3);
    assert_eq!(book.snapshot_date(), "2026-11-25");
    assert!(book.source().contains("prices.json"));
    // gpt-5 now 2 / 0.2 / 16: 10_000 · 2 + 1_000 · 16 = 0.02 + 0.016 = 0.036
    let u = usage(10_000, 0, 0, 1_000, 0);
    approx(
        book.price("gpt-5", &u, 10_000, STD).unwrap().total_usd(),
        0.036,
    );
    // and the replaced entry lost its flex rates: fallback
    assert!(
        book.price("gpt-5", &u, 10_000, ServiceTier::Flex)
            .unwrap()
            .tier_fallback
    );
    // untouched entries are still there: gpt-5-codex 0.0125 + 0.01
    approx(
        book.price("gpt-5-codex", &u, 10_000, STD)
            .unwrap()
            .total_usd(),
        0.0225,
    );
    // gpt-test-9 above 272k: 300_000 · 2 + 1_000 · 12 = 0.6 + 0.012
    let big = usage(300_000, 0, 0, 1_000, 0);
    let c = book.price("gpt-test-9", &big, 300_000, STD).unwrap();
    approx(c.total_usd(), 0.612);
    assert_eq!(c.tier_applied, Some("above_272k"));
}

#[test]
fn litellm_json_errors_name_the_file() {
    let err = PriceBook::from_litellm_json_str("{ not json", "broken.json").unwrap_err();
    assert!(matches!(err, PriceError::Json { .. }));
    assert!(err.to_string().starts_with("broken.json: "), "{err}");

    let err = PriceBook::from_litellm_json_str("[1, 2]", "array.json").unwrap_err();
    assert!(matches!(err, PriceError::Json { .. }));

    let err = PriceBook::from_litellm_json_str(
        r#"{"bad": {"input_cost_per_token": -1e-6, "output_cost_per_token": 1e-6}}"#,
        "negative.json",
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, PriceError::Invalid { .. }));
    assert!(
        msg.contains("negative.json") && msg.contains("\"bad\""),
        "{msg}"
    );
}

#[test]
fn toml_override_file_overlays() {
    let path = temp_file(
        "override.toml",
        r#"
snapshot_date = "2027-01-01"
[models."gpt-5"]
input = 1.0
cached_input = 0.1
output = 8
[models."new-model"]
input = 0.5
output = 1.5
"#,
    );
    let over = PriceBook::load_file(&path).unwrap();
    assert_eq!(over.source(), path.display().to_string());
    let mut book = PriceBook::embedded();
    book.overlay(over);
    assert_eq!(book.snapshot_date(), "2027-01-01");
    // gpt-5 now 1 / 0.1 / 8: 10_000 · 1 + 1_000 · 8 = 0.01 + 0.008
    let u = usage(10_000, 0, 0, 1_000, 0);
    approx(
        book.price("gpt-5", &u, 10_000, STD).unwrap().total_usd(),
        0.018,
    );
    resolves(&book, "new-model", "new-model", false);
}

#[test]
fn load_file_picks_the_format_by_extension() {
    let path = temp_file("prices.JSON", LITELLM);
    let book = PriceBook::load_file(&path).unwrap();
    assert_eq!(book.skipped_entries(), 3);
    assert!(book.resolve("gpt-test-9").is_some());
}

#[test]
fn toml_override_with_a_bad_value_names_the_file() {
    let cases = [
        (
            "negative.toml",
            "[models.x]\ninput = -1.0\noutput = 2.0\n",
            true,
        ),
        ("nan.toml", "[models.x]\ninput = 1.0\noutput = nan\n", true),
        (
            "tier.toml",
            "[models.x]\ninput = 1.0\noutput = 2.0\npriority = { input = -3.0, output = 1.0 }\n",
            true,
        ),
        (
            "type.toml",
            "[models.x]\ninput = \"cheap\"\noutput = 2.0\n",
            false,
        ),
        (
            "typo.toml",
            "[models.x]\ninptu = 1.0\noutput = 2.0\n",
            false,
        ),
        ("syntax.toml", "[models.x\n", false),
    ];
    for (name, text, is_invalid) in cases {
        let path = temp_file(name, text);
        let err = PriceBook::load_file(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        if is_invalid {
            assert!(matches!(err, PriceError::Invalid { .. }), "{name}: {msg}");
            assert!(msg.contains("\"x\""), "{msg}");
        } else {
            assert!(matches!(err, PriceError::Toml { .. }), "{name}: {msg}");
        }
    }
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let path = Path::new("/nonexistent/agentobs/prices.toml");
    let err = PriceBook::load_file(path).unwrap_err();
    assert!(matches!(err, PriceError::Io { .. }));
    assert!(
        err.to_string()
            .contains("/nonexistent/agentobs/prices.toml")
    );
}

#[test]
fn service_tier_names() {
    for (s, t) in [
        ("standard", ServiceTier::Standard),
        ("default", ServiceTier::Standard),
        ("priority", ServiceTier::Priority),
        ("Fast", ServiceTier::Priority),
        ("flex", ServiceTier::Flex),
        (" batch ", ServiceTier::Batch),
    ] {
        assert_eq!(s.parse::<ServiceTier>().unwrap(), t, "{s}");
    }
    assert!("auto".parse::<ServiceTier>().is_err());
    assert_eq!(ServiceTier::Priority.to_string(), "priority");
    assert_eq!(ServiceTier::default(), ServiceTier::Standard);
    for t in [
        ServiceTier::Standard,
        ServiceTier::Priority,
        ServiceTier::Flex,
        ServiceTier::Batch,
    ] {
        assert_eq!(t.to_string().parse::<ServiceTier>().unwrap(), t);
    }
}

#[test]
fn model_price_serde_is_per_token() {
    let p = PriceBook::embedded()
        .resolve("gpt-5.4")
        .unwrap()
        .price
        .clone();
    let json = serde_json::to_string(&p).unwrap();
    let back: ModelPrice = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
}

// ------------------------------------------------------------------ properties

fn any_tier() -> impl Strategy<Value = ServiceTier> {
    prop_oneof![
        Just(ServiceTier::Standard),
        Just(ServiceTier::Priority),
        Just(ServiceTier::Flex),
        Just(ServiceTier::Batch),
    ]
}

fn any_model() -> impl Strategy<Value = String> {
    let keys: Vec<String> = PriceBook::embedded()
        .models()
        .map(|(k, _)| k.to_owned())
        .collect();
    proptest::sample::select(keys)
}

/// Usage from its disjoint parts: plain input, cache reads, cache writes, output.
fn from_parts(p: [u64; 4], reasoning: u64) -> TokenUsage {
    usage(p[0] + p[1] + p[2], p[1], p[2], p[3], reasoning.min(p[3]))
}

const MAX: u64 = 1 << 32;

proptest! {
    #[test]
    fn cost_is_non_negative_monotone_and_the_sum_of_its_parts(
        model in any_model(),
        tier in any_tier(),
        parts in proptest::array::uniform4(0..MAX),
        reasoning in 0..MAX,
        prompt in 0u64..2_000_000,
        which in 0usize..4,
        bump in 1..MAX,
    ) {
        let book = PriceBook::embedded();
        let u = from_parts(parts, reasoning);
        let c = book.price(&model, &u, prompt, tier).unwrap();
        for part in [c.input_usd, c.cached_input_usd, c.cache_write_usd, c.output_usd] {
            prop_assert!(part.is_finite() && part >= 0.0);
        }
        prop_assert_eq!(
            c.total_usd(),
            c.input_usd + c.cached_input_usd + c.cache_write_usd + c.output_usd
        );

        // More of any one kind of token never costs less.
        let mut more = parts;
        more[which] += bump;
        let c2 = book.price(&model, &from_parts(more, reasoning), prompt, tier).unwrap();
        prop_assert!(c2.total_usd() >= c.total_usd(), "{} < {}", c2.total_usd(), c.total_usd());

        // Reasoning never changes the price.
        let c3 = book.price(&model, &from_parts(parts, 0), prompt, tier).unwrap();
        prop_assert_eq!(c3, c);

        // A larger prompt never costs less with the embedded rates (long tiers are dearer).
        let c4 = book.price(&model, &u, prompt + bump, tier).unwrap();
        prop_assert!(c4.total_usd() >= c.total_usd());
    }

    #[test]
    fn cost_is_monotone_in_raw_input_and_output(
        model in any_model(),
        tier in any_tier(),
        input in 0..MAX,
        cached in 0..MAX,
        write in 0..MAX,
        output in 0..MAX,
        bump in 1..MAX,
    ) {
        // Raw counts, not necessarily consistent (cached + write may exceed input).
        let book = PriceBook::embedded();
        let base = usage(input, cached, write, output, 0);
        let c = book.price(&model, &base, input, tier).unwrap().total_usd();
        prop_assert!(c >= 0.0);
        let more_in = usage(input + bump, cached, write, output, 0);
        prop_assert!(book.price(&model, &more_in, input, tier).unwrap().total_usd() >= c);
        let more_out = usage(input, cached, write, output + bump, 0);
        prop_assert!(book.price(&model, &more_out, input, tier).unwrap().total_usd() >= c);
    }
}

#[test]
fn gemini_long_prompts_bill_the_whole_request_at_the_above_200k_price() {
    let b = PriceBook::embedded();
    let usage = TokenUsage {
        input_tokens: 250_000,
        cached_input_tokens: 50_000,
        output_tokens: 2_000,
        reasoning_output_tokens: 500,
        ..TokenUsage::default()
    };
    let long = b
        .price(
            "gemini-3.1-pro-preview",
            &usage,
            250_000,
            ServiceTier::Standard,
        )
        .unwrap();
    // >200k: $4 input, $0.40 cached, $18 output per 1M, for every token of the request.
    approx(
        long.total_usd(),
        (200_000.0 * 4.0 + 50_000.0 * 0.4 + 2_000.0 * 18.0) / 1e6,
    );
    assert_eq!(long.tier_applied, Some("above_200k"));
    let short = b
        .price("gemini-2.5-pro", &usage, 200_000, ServiceTier::Standard)
        .unwrap();
    // At exactly 200k the base price holds: $1.25, $0.125, $10.
    approx(
        short.total_usd(),
        (200_000.0 * 1.25 + 50_000.0 * 0.125 + 2_000.0 * 10.0) / 1e6,
    );
    assert_eq!(short.tier_applied, None);
}
