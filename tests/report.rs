//! `agentobs-report` end to end: accounting traps priced, roll-ups, and the resumable cache.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use agentobs::cost::{Dimension, PriceBook, ServiceTier, TierPolicy};
use agentobs_report::{DeveloperFallback, Report, ReportOptions};
use proptest::prelude::*;

use crate::common::fixture;

fn opts(by: &[Dimension], cache: Option<&Path>) -> ReportOptions {
    ReportOptions::default()
        .with_group_by(by.iter().copied())
        .with_cache_dir(cache.map(Path::to_path_buf))
        .with_developer(DeveloperFallback::None)
}

fn report(roots: &[PathBuf], o: &ReportOptions) -> (Report, agentobs_report::RunInfo) {
    agentobs_report::run(roots, o, &AtomicUsize::new(0)).unwrap()
}

/// A Codex home holding the trap fixtures under Codex's own file names.
fn trap_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let day = home.path().join("sessions/2026/11/10");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::create_dir_all(home.path().join("archived_sessions")).unwrap();
    let traps = [
        ("reemit", "019a6d00-0000-7000-8000-000000000001"),
        ("fork_replay", "019a6d10-0000-7000-8000-0000000000c1"),
        ("overflow", "019a7700-0000-7000-8000-000000000001"),
        ("usage_record", "019a8800-0000-7000-8000-000000000001"),
        ("no_turn_context", "2c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"),
    ];
    for (name, id) in traps {
        let src = fixture(&format!("traps/{name}.jsonl"));
        let file = format!("rollout-2026-11-10T10-00-00-{id}.jsonl");
        std::fs::copy(&src, day.join(&file)).unwrap();
        if name == "reemit" {
            std::fs::copy(&src, home.path().join("archived_sessions").join(&file)).unwrap();
        }
    }
    home
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn traps_priced_by_hand() {
    let home = trap_home();
    let (r, _) = report(
        &[home.path().to_path_buf()],
        &opts(&[Dimension::Model], None),
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let row = |m: &str| {
        r.rows
            .iter()
            .find(|x| x.key["model"] == m)
            .unwrap()
            .figures
            .clone()
    };
    // gpt-5.1-codex (1.25 / 0.125 / 10 per 1M):
    //   reemit 2400/1500/130, fork own 1500/800/150, overflow 15000/8000/500
    //   = input 18900, cached 10300, output 780
    //   (18900−10300)·1.25 + 10300·0.125 + 780·10 = 10750 + 1287.5 + 7800 = 19837.5 µ$
    let g = row("gpt-5.1-codex");
    assert_eq!(
        (g.input_tokens, g.cached_input_tokens, g.output_tokens),
        (18_900, 10_300, 780)
    );
    assert!(close(g.cost_usd.unwrap(), 0.019_837_5), "{:?}", g.cost_usd);
    assert_eq!(g.sessions, 3);
    // gpt-5.2-codex (1.75 / 0.175 / 14): 14500/13000/150 → 1500·1.75 + 13000·0.175 + 150·14
    //   = 2625 + 2275 + 2100 = 7000 µ$
    let g = row("gpt-5.2-codex");
    assert!(close(g.cost_usd.unwrap(), 0.007), "{:?}", g.cost_usd);
    // Inferred gpt-5 (1.25 / 0.125 / 10): 3000/1000/200 → 2500 + 125 + 2000 = 4625 µ$
    let g = row("gpt-5");
    assert_eq!(g.inferred_models, ["gpt-5"]);
    assert!(close(g.cost_usd.unwrap(), 0.004_625));
    assert_eq!(r.totals.sessions, 5, "the archived copy counts once");
    assert_eq!(
        r.totals.total_tokens,
        18_900 + 780 + 14_500 + 150 + 3_000 + 200
    );
    assert!(close(
        r.totals.cost_usd.unwrap(),
        0.019_837_5 + 0.007 + 0.004_625
    ));
}

#[test]
fn service_tier_from_flag() {
    let home = trap_home();
    let mut o = opts(&[], None);
    o.tier = TierPolicy {
        forced: Some(ServiceTier::Priority),
        default: None,
    };
    let (r, _) = report(&[home.path().join("sessions/2026/11/10/rollout-2026-11-10T10-00-00-2c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f.jsonl")], &o);
    // gpt-5 priority 2.5 / 0.25 / 20: 2000·2.5 + 1000·0.25 + 200·20 = 5000 + 250 + 4000 µ$
    assert!(
        close(r.totals.cost_usd.unwrap(), 0.009_25),
        "{:?}",
        r.totals.cost_usd
    );
}

#[test]
fn unknown_model_is_null_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("traps/stale.jsonl"))
        .unwrap()
        .replace("\"gpt-5\"", "\"codex-mini-latest\"");
    let p = dir
        .path()
        .join("rollout-2026-11-13T09-00-00-019a7c00-0000-7000-8000-000000000001.jsonl");
    std::fs::write(&p, text).unwrap();
    let (r, _) = report(&[p], &opts(&[Dimension::Day], None));
    assert_eq!(r.totals.cost_usd, None);
    assert_eq!(r.totals.unpriced_models, ["codex-mini-latest"]);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["rows"][0]["cost_usd"].is_null());
    assert_eq!(json["totals"]["total_tokens"], 11_600);
}

#[test]
fn sessions_roll_up_children() {
    let (r, _) = report(
        &[fixture("codex-0.169/tool_approved_by_reviewer")],
        &opts(&[Dimension::Session], None),
    );
    assert_eq!(r.rows.len(), 2);
    let root = &r.rows[0];
    assert_eq!(root.key["session"], "01a211cb-7be5-7111-8589-a305d439fa4e");
    assert_eq!(root.figures.input_tokens, 8780 + 2890);
    let child = &r.rows[1];
    assert_eq!(child.key["parent"], "01a211cb-7be5-7111-8589-a305d439fa4e");
    assert_eq!(child.figures.input_tokens, 2890);
    assert_eq!(r.totals.input_tokens, 8780 + 2890);
}

#[test]
fn dates_filter_in_the_time_zone() {
    let home = trap_home();
    let mut o = opts(&[Dimension::Day], None);
    o.since = Some(jiff::civil::date(2026, 11, 1));
    let (r, _) = report(&[home.path().to_path_buf()], &o);
    let days: Vec<_> = r.rows.iter().map(|x| x.key["day"].clone()).collect();
    assert_eq!(days, ["2026-11-10", "2026-11-12", "2026-11-20"]);
    o.timezone = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
    o.until = Some(jiff::civil::date(2026, 11, 11));
    let (r, _) = report(&[home.path().to_path_buf()], &o);
    let days: Vec<_> = r.rows.iter().map(|x| x.key["day"].clone()).collect();
    assert_eq!(
        days,
        ["2026-11-10"],
        "10:00Z and 11:00Z on the 10th are still the 10th in LA"
    );
}

#[test]
fn cache_reuses_and_resumes() {
    let home = trap_home();
    let cache = tempfile::tempdir().unwrap();
    let o = opts(&[Dimension::Day, Dimension::Model], Some(cache.path()));
    let roots = [home.path().to_path_buf()];
    let (first, info) = report(&roots, &o);
    assert_eq!(info.scan.read, 5);
    let (second, info) = report(&roots, &o);
    assert_eq!((info.scan.cached, info.scan.read), (5, 0));
    assert_eq!(first, second);
    // A corrupt cache is rebuilt, not trusted: garbage in every shard file (one per folder, in
    // the format's sub-folder).
    let mut shards = 0;
    for version in std::fs::read_dir(cache.path()).unwrap().flatten() {
        if version.path().is_dir() {
            for shard in std::fs::read_dir(version.path()).unwrap().flatten() {
                if shard.path().extension().is_some_and(|x| x == "bin") {
                    std::fs::write(shard.path(), b"\x05\xff\xff\xff\xffgarbage").unwrap();
                    shards += 1;
                }
            }
        }
    }
    assert!(shards > 0);
    let (third, info) = report(&roots, &o);
    assert!(info.cache_rebuilt.is_some());
    assert_eq!(info.scan.read, 5);
    assert_eq!(third, first);
}

fn appended_equals_full(text: &str, cut: usize) -> Result<(), TestCaseError> {
    let home = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let day = home.path().join("sessions/2026/11/25");
    std::fs::create_dir_all(&day).unwrap();
    let p = day.join("rollout-2026-11-25T08-21-10-01a211cb-5d67-7e11-8d91-4c2724a0d00a.jsonl");
    let roots = [home.path().to_path_buf()];
    let o = opts(&[Dimension::Day, Dimension::Model], Some(cache.path()));
    std::fs::write(&p, &text.as_bytes()[..cut]).unwrap();
    let _ = report(&roots, &o);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(&text.as_bytes()[cut..]).unwrap();
    }
    let (through_cache, info) = report(&roots, &o);
    prop_assert!(info.scan.resumed + info.scan.read == 1);
    let (fresh, _) = report(&roots, &opts(&[Dimension::Day, Dimension::Model], None));
    prop_assert_eq!(through_cache, fresh);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn two_appends_through_the_cache_equal_one_read(frac in 0.0f64..1.0) {
        let text = std::fs::read_to_string(crate::common::rollout("codex-0.169/tool_fail")).unwrap();
        let cut = ((text.len() as f64 * frac) as usize).clamp(1, text.len() - 1);
        appended_equals_full(&text, cut)?;
    }
}

#[test]
fn a_threshold_reports_cannot_price_exactly_is_refused() {
    // A book with a 100k long-context tier: buckets of 0–128k prompts would misprice it.
    let book = PriceBook::from_toml_str(
        r#"
snapshot_date = "2026-12-01"
[models."odd-model"]
input = 1.0
output = 2.0
long_context = { threshold_tokens = 100000, input = 2.0, output = 4.0 }
"#,
        "odd.toml",
    );
    let Ok(book) = book else {
        panic!("{:?}", book.err())
    };
    let mut o = opts(&[Dimension::Model], None);
    o.price_book = book;
    let err = agentobs_report::run(&[fixture("codex-0.169")], &o, &AtomicUsize::new(0))
        .expect_err("refused");
    assert!(err.to_string().contains("odd-model"), "{err}");
    assert!(err.to_string().contains("100000"), "{err}");
}
